import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as bcrypt from 'bcrypt';

/** A PIN encrypted with the installation's key: `sk1.<iv>.<tag>.<ciphertext>` (base64url). */
export type SealedPin = string;

const PREFIX = 'sk1';
const KEY_FILE = 'secret.key';
const BCRYPT_COST = 10;

/**
 * Keeps PINs unreadable at rest and in messages. The key is made once per Node-RED user directory and
 * kept beside the ledger, readable by its owner only; a PIN is sealed until it is on the lock and
 * delivered, then only its bcrypt hash is kept.
 */
export class Vault {
  private constructor(private readonly key: Buffer) {}

  static openDirectory(directory: string): Vault {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    const file = path.join(directory, KEY_FILE);
    return new Vault(readOrCreateKey(file));
  }

  static withKey(key: Buffer): Vault {
    if (key.length !== 32) throw new Error('vault key must be 32 bytes');
    return new Vault(key);
  }

  seal(pin: string): SealedPin {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(pin, 'utf8'), cipher.final()]);
    return [PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  open(sealed: SealedPin): string {
    const [prefix, iv, tag, body] = String(sealed).split('.');
    if (prefix !== PREFIX || !iv || !tag || !body) throw new Error('not a sealed StayKey PIN');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('sealed PIN does not open with this installation key (was it made by another Node-RED?)');
    }
  }
}

export function isSealedPin(value: unknown): value is SealedPin {
  return typeof value === 'string' && value.startsWith(`${PREFIX}.`);
}

/** bcrypt runs in libuv's thread pool, so hashing many PINs does not block Node-RED's event loop. */
export function hashPin(pin: string): Promise<string> {
  return bcrypt.hash(pin, BCRYPT_COST);
}

export function pinMatchesHash(pin: string, hash: string): Promise<boolean> {
  return bcrypt.compare(pin, hash);
}

function readOrCreateKey(file: string): Buffer {
  try {
    const existing = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (existing.length === 32) return existing;
    throw new Error(`${file} is not a StayKey key (32 bytes, base64); move it away to make a new one`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = crypto.randomBytes(32);
  try {
    // 'wx' so two nodes starting together cannot each write a different key.
    fs.writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateKey(file);
    throw err;
  }
}
