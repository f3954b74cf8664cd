import { readJson, writeJsonAtomic } from '../store/atomic-file';
import type { LedgerStore } from './ledger';
import type { LedgerData } from './ledger-types';

/** The ledger as one JSON file, replaced atomically on every save (PINs in it are sealed or hashed). */
export function fileLedgerStore(file: string): LedgerStore {
  return {
    load() {
      const data = readJson<LedgerData>(file);
      if (data && data.version !== 1) throw new Error(`${file} was written by a newer StayKey (ledger version ${data.version})`);
      return data;
    },
    save(data) {
      writeJsonAtomic(file, data);
    },
  };
}
