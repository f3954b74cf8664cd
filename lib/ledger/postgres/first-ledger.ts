import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSealedPin, Vault } from '../../pins/vault';
import { readFileLedger } from '../ledger-file';
import type { LedgerData } from '../ledger-types';
import type { FirstLedger } from './store';

/** What the old files are renamed to once their ledger is in the database: kept for the host, never read again. */
export const MOVED_SUFFIX = '.moved-to-postgres';

/**
 * The ledger a pin-issuer kept in its file before its host chose PostgreSQL. Its sealed PINs were sealed
 * with this Node-RED's own key; in the database they are under the property's PIN key, which every
 * instance shares, so each is opened and sealed again on the way.
 */
export function fileLedgerToBringOver(file: string, local: Vault, shared: Vault, told: (text: string) => void): FirstLedger {
  return {
    read: () => {
      const data = readFileLedger(file);
      return data && resealed(data, local, shared);
    },
    broughtOver: (records) => {
      for (const each of [file, `${file}.journal`]) if (fs.existsSync(each)) fs.renameSync(each, `${each}${MOVED_SUFFIX}`);
      told(`the ledger of its file (${records} records) is now in PostgreSQL; the file is kept as ${path.basename(file)}${MOVED_SUFFIX}`);
    },
  };
}

function resealed(data: LedgerData, local: Vault, shared: Vault): LedgerData {
  return JSON.parse(JSON.stringify(data), (_key, value: unknown) => (isSealedPin(value) ? shared.seal(local.open(value)) : value)) as LedgerData;
}
