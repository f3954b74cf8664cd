import { readJson, writeJsonAtomic } from '../store/atomic-file';
import type { LedgerStore } from './ledger';
import type { LedgerData } from './ledger-types';

/** The ledger as one JSON file, replaced atomically on every save (PINs in it are sealed or hashed). */
export function fileLedgerStore(file: string): LedgerStore {
  return {
    load() {
      const data = readJson<unknown>(file);
      return data === undefined ? undefined : checkLedger(data, file);
    },
    save(data) {
      writeJsonAtomic(file, data);
    },
  };
}

/**
 * A file that parses but is no ledger (`null`, `[]`, a number, an object of something else) is refused:
 * opened as an empty ledger, the next save would replace the codes on every door with nothing.
 */
function checkLedger(data: unknown, file: string): LedgerData {
  const refuse = (what: string) =>
    new Error(`${file} is not a StayKey ledger (${what}); StayKey will not overwrite it. Restore it from a backup or move it away.`);
  if (!isRecord(data)) throw refuse(`it holds ${describe(data)}`);
  if (typeof data.version === 'number' && data.version > 1) throw new Error(`${file} was written by a newer StayKey (ledger version ${data.version})`);
  if (data.version !== 1) throw refuse('it has no ledger version');
  for (const key of ['bookings', 'codes'] as const) if (!isRecord(data[key])) throw refuse(`it has no ${key}`);
  for (const key of ['foreign', 'lastUse', 'reads'] as const) if (data[key] !== undefined && !isRecord(data[key])) throw refuse(`its ${key} is not a record`);
  if (!Number.isInteger(data.commandSeq) || (data.commandSeq as number) < 0) throw refuse('it has no command count');
  return data as unknown as LedgerData;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}
