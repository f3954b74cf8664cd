import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a whole file so that a crash or kill -9 leaves either the old content or the new, never half:
 * temp file, fsync, rename, fsync of the directory. Node-RED's context flush (every 30 s) is not
 * enough for codes on a front door.
 */
export function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  syncDirectory(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value));
}

/** The parsed file, or undefined when it does not exist yet. A corrupt file is an error, never silently empty. */
export function readJson<T>(file: string): T | undefined {
  const text = readTextIfAny(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${file} is not valid JSON; StayKey will not overwrite it. Restore it from a backup or move it away.`);
  }
}

/** The file's text, or undefined when it does not exist yet; any other failure to read is an error. */
export function readTextIfAny(file: string): string | undefined {
  const bytes = readBytesIfAny(file);
  return bytes === undefined ? undefined : textOf(bytes);
}

/** The file's bytes, or undefined when it does not exist yet; any other failure to read is an error. */
export function readBytesIfAny(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * UTF-8 bytes as text. StayKey's files are JSON and nearly always plain ASCII, whose bytes read as
 * Latin-1 give the same text: that copy took 280 ms for a 100 MB ledger where decoding it as UTF-8 took
 * 900 ms, and checking that they are ASCII 5 ms (docs/benchmarks.md).
 */
export function textOf(bytes: Buffer): string {
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(directory, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic there.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
