import { LockConfig } from './provider';

/** One lock as the host types it into the locks config node's list. */
export interface LockRow {
  id: string;
  name: string;
  codeLength: number;
  firstSlot: number;
  lastSlot: number;
  schedules: boolean;
  batteryType: string;
}

export const defaultLockRow: Omit<LockRow, 'id' | 'name'> = {
  codeLength: 6,
  firstSlot: 1,
  lastSlot: 20,
  schedules: false,
  batteryType: '',
};

const LOCK_ID = /^[A-Za-z0-9_.:-]+$/;
const MAX_SLOT = 1000;

/**
 * Turns the editor's rows into lock configs, with a sentence a host can act on when a row is wrong.
 * Ids are what access-window names and what the ledger remembers, so they must be unique and plain.
 */
export function locksFromRows(rows: unknown): LockConfig[] {
  if (!Array.isArray(rows) || rows.length === 0) throw new Error('no locks: add at least one lock to the locks config');
  const locks = rows.map((row, index) => lockFromRow(row, index + 1));
  const seen = new Set<string>();
  for (const lock of locks) {
    if (seen.has(lock.id)) throw new Error(`lock id "${lock.id}" is used twice: give each lock its own id`);
    seen.add(lock.id);
  }
  return locks;
}

function lockFromRow(value: unknown, position: number): LockConfig {
  if (typeof value !== 'object' || value === null) throw new Error(`lock ${position} is not a lock`);
  const row = value as Record<string, unknown>;
  const id = String(row.id ?? '').trim();
  if (!LOCK_ID.test(id)) throw new Error(`lock ${position}: the id "${id}" must be letters, digits, "-", "_", "." or ":"`);
  const name = String(row.name ?? '').trim() || id;
  const codeLength = whole(row.codeLength, defaultLockRow.codeLength);
  const firstSlot = whole(row.firstSlot, defaultLockRow.firstSlot);
  const lastSlot = whole(row.lastSlot, defaultLockRow.lastSlot);
  if (!(codeLength >= 4 && codeLength <= 10)) throw new Error(`${name}: codes must be 4 to 10 digits long (got ${row.codeLength})`);
  if (!(firstSlot >= 1 && firstSlot <= MAX_SLOT)) throw new Error(`${name}: the first slot must be a whole number from 1 to ${MAX_SLOT}`);
  if (!(lastSlot >= firstSlot && lastSlot <= MAX_SLOT)) {
    throw new Error(`${name}: the last slot (${row.lastSlot}) must be at least the first slot (${firstSlot}) and at most ${MAX_SLOT}`);
  }
  const batteryType = String(row.batteryType ?? '').trim();
  return {
    id,
    name,
    rules: { codeLengths: [codeLength], firstSlot, lastSlot },
    schedules: row.schedules === true || row.schedules === 'true',
    ...(batteryType ? { batteryType } : {}),
  };
}

function whole(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) ? parsed : NaN;
}
