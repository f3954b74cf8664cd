/**
 * What a pin-issuer knows of a `staykey-postgres` config node, and the checks of its settings.
 */
import type { Node } from 'node-red';
import type { PostgresDatabase } from '../../lib/ledger/postgres/database';
import type { Vault } from '../../lib/pins/vault';

export interface PostgresCredentials {
  connectionString?: string;
  ca?: string;
  pinKey?: string;
}

export const LEASE_SECONDS = { default: 30, min: 5, max: 60 };
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** What a pin-issuer uses: never the credentials themselves. */
export interface PostgresConfigNode extends Node<PostgresCredentials> {
  /** Why it cannot work (no connection string, a PIN key that is not one); undefined when it can. */
  problem?: string;
  /** This Node-RED's name in the lease table (another instance's status names it). */
  instance: string;
  leaseSeconds: number;
  /** The vault of the shared PIN key; throws `problem` when there is none. */
  vault(): Vault;
  /** A pin-issuer begins or ends using the database: the pool closes after the last one. */
  use(): void;
  letGo(): void;
  /** The open, migrated database (opened and migrated once; a failure is tried again on the next call). */
  database(): Promise<PostgresDatabase>;
  /** Text about the database as a host may read it. */
  clean(text: string): string;
}


/** The PIN key is the one setting a host types by hand on each instance: a clear word when it is wrong. */
export function problemOf(connectionString: string, pinKey: string): string | undefined {
  if (!connectionString) return 'no connection string: enter one (postgres://user:password@host:5432/database)';
  if (!pinKey) return 'no PIN key: press Generate on the first instance, then copy the same key into every other instance of the property';
  if (pinKey.length !== 64) {
    return `the PIN key must be 64 hexadecimal characters (32 bytes); the one entered has ${pinKey.length}: press Generate, or copy the key of the other instances whole`;
  }
  if (!HEX_KEY.test(pinKey)) return 'the PIN key must be 64 hexadecimal characters (0-9, a-f); the one entered has others: press Generate, or copy the key of the other instances exactly';
  return undefined;
}

