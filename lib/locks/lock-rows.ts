import { checkId } from '../ids';
import { parseDate } from '../time/zoned';
import { BackupKey, LockConfig, LockRules } from './provider';

/**
 * One lock as the host types it into the locks config node's list. The lists are typed as text
 * ("1, 2"); a flow written by hand may give arrays instead, and older flows leave them out.
 */
export interface LockRow {
  id: string;
  name: string;
  codeLength: number;
  firstSlot: number;
  lastSlot: number;
  schedules: boolean;
  batteryType: string;
  /** The lock in its own system: an HA entity id (lock.front_door) or a Zigbee2MQTT friendly name. */
  device: string;
  /** Slots inside the range StayKey must never touch: "1, 2". */
  reservedSlots: string;
  /** Digits the keypad cannot take: "089". */
  forbiddenDigits: string;
  /** Starts of codes the lock refuses: "12". */
  forbiddenPrefixes: string;
  /** Code lengths the lock also takes, besides the one StayKey issues: "4, 8". */
  otherCodeLengths: string;
  /** The property the lock belongs to; empty: the locks config's name. */
  property?: string;
  /** This lock's battery thresholds in percent; empty: battery-watch's own. */
  replaceSoonBelow?: number | string;
  criticalBelow?: number | string;
  /** Whether a mechanical key opens the lock: "yes", "no", or "" when not recorded. */
  keyOverride?: 'yes' | 'no' | '' | boolean;
  /** Where the backup key is kept: "lockbox by the gate", "neighbour". */
  backupKeyAt?: string;
  /** When the backup key last opened the door: "2026-03-02". */
  backupKeyTestedOn?: string;
}

export const defaultLockRow: Omit<LockRow, 'id' | 'name'> = {
  codeLength: 6,
  firstSlot: 1,
  lastSlot: 20,
  schedules: false,
  batteryType: '',
  device: '',
  reservedSlots: '',
  forbiddenDigits: '',
  forbiddenPrefixes: '',
  otherCodeLengths: '',
};

const LOCK_ID = /^[A-Za-z0-9_.:-]+$/;
const MAX_SLOT = 1000;
const DIGITS = /^[0-9]+$/;

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
  checkId(id, `lock ${position}: the id`);
  const name = String(row.name ?? '').trim() || id;
  const batteryType = String(row.batteryType ?? '').trim();
  const device = String(row.device ?? '').trim();
  return {
    id,
    name,
    rules: rulesFromRow(row, name),
    schedules: row.schedules === true || row.schedules === 'true',
    ...(batteryType ? { batteryType } : {}),
    ...(device ? { device } : {}),
    ...batteryFieldsOf(row, name),
    ...backupKeyOf(row, name),
  };
}

function rulesFromRow(row: Record<string, unknown>, name: string): LockRules {
  const codeLength = whole(row.codeLength, defaultLockRow.codeLength);
  const firstSlot = whole(row.firstSlot, defaultLockRow.firstSlot);
  const lastSlot = whole(row.lastSlot, defaultLockRow.lastSlot);
  if (!isCodeLength(codeLength)) throw new Error(`${name}: codes must be 4 to 10 digits long (got ${row.codeLength})`);
  // Zigbee locks (Zigbee2MQTT, ZHA) number their users from 0; Z-Wave slots start at 1.
  if (!(firstSlot >= 0 && firstSlot <= MAX_SLOT)) throw new Error(`${name}: the first slot must be a whole number from 0 to ${MAX_SLOT}`);
  if (!(lastSlot >= firstSlot && lastSlot <= MAX_SLOT)) {
    throw new Error(`${name}: the last slot (${row.lastSlot}) must be at least the first slot (${firstSlot}) and at most ${MAX_SLOT}`);
  }
  const rules: LockRules = { codeLengths: codeLengths(codeLength, row.otherCodeLengths, name), firstSlot, lastSlot };
  const forbiddenDigits = digitsOf(row.forbiddenDigits, name);
  const forbiddenPrefixes = prefixesOf(row.forbiddenPrefixes, name);
  const reservedSlots = reservedOf(row.reservedSlots, name, firstSlot, lastSlot);
  if (forbiddenDigits) rules.forbiddenDigits = forbiddenDigits;
  if (forbiddenPrefixes.length > 0) rules.forbiddenPrefixes = forbiddenPrefixes;
  if (reservedSlots.length > 0) rules.reservedSlots = reservedSlots;
  return rules;
}

/** StayKey issues the first length; the others are codes the lock also takes (the owner's, a manual one). */
function codeLengths(issued: number, others: unknown, name: string): number[] {
  const lengths = [issued];
  for (const entry of listOf(others)) {
    const length = Number(entry);
    if (!isCodeLength(length)) throw new Error(`${name}: the other code length "${entry}" must be a whole number from 4 to 10`);
    if (!lengths.includes(length)) lengths.push(length);
  }
  return lengths;
}

function digitsOf(value: unknown, name: string): string {
  const typed = listOf(value).join('');
  if (typed === '') return '';
  if (!DIGITS.test(typed)) throw new Error(`${name}: forbidden digits must be digits, e.g. "089" (got "${String(value)}")`);
  const digits = [...new Set(typed)].sort().join('');
  if (digits.length === 10) throw new Error(`${name}: every digit is forbidden, so no code could be made`);
  return digits;
}

function prefixesOf(value: unknown, name: string): string[] {
  const prefixes = listOf(value);
  const wrong = prefixes.find((prefix) => !DIGITS.test(prefix));
  if (wrong !== undefined) throw new Error(`${name}: the forbidden prefix "${wrong}" must be digits, e.g. "12"`);
  return [...new Set(prefixes)];
}

/** A reserved slot outside the range is a mistake worth saying: StayKey never touches those anyway. */
function reservedOf(value: unknown, name: string, firstSlot: number, lastSlot: number): number[] {
  const slots = new Set<number>();
  for (const entry of listOf(value)) {
    const slot = Number(entry);
    if (!Number.isInteger(slot)) throw new Error(`${name}: the reserved slot "${entry}" is not a slot number`);
    if (slot < firstSlot || slot > lastSlot) {
      throw new Error(
        `${name}: reserved slot ${slot} is outside the slots StayKey may use (${firstSlot} to ${lastSlot}); ` +
          'StayKey never touches those anyway, so leave it out (or widen the range)',
      );
    }
    slots.add(slot);
  }
  if (slots.size > 0 && slots.size === lastSlot - firstSlot + 1) {
    throw new Error(`${name}: every slot from ${firstSlot} to ${lastSlot} is reserved; leave at least one for guests`);
  }
  return [...slots].sort((a, b) => a - b);
}

/** "1, 2", "1 2", [1, 2] or 1: the entries, as text. */
function listOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const entries = Array.isArray(value) ? value.map((entry) => String(entry)) : String(value).split(/[\s,;]+/);
  return entries.map((entry) => entry.trim()).filter((entry) => entry !== '');
}

function isCodeLength(length: number): boolean {
  return Number.isInteger(length) && length >= 4 && length <= 10;
}

function whole(value: unknown, fallback: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const parsed = Number(value);
  return Number.isInteger(parsed) ? parsed : NaN;
}

/** The property and this lock's own thresholds; a field left empty is left out, so old rows load as before. */
function batteryFieldsOf(row: Record<string, unknown>, name: string): Partial<LockConfig> {
  const fields: Partial<LockConfig> = {};
  const property = String(row.property ?? '').trim();
  if (property) fields.property = property;
  const replaceSoonBelow = percentOf(row.replaceSoonBelow, name, 'replace-soon threshold');
  const criticalBelow = percentOf(row.criticalBelow, name, 'critical threshold');
  if (replaceSoonBelow !== undefined && criticalBelow !== undefined && criticalBelow > replaceSoonBelow) {
    throw new Error(`${name}: the critical battery threshold (${criticalBelow} %) must not be above the replace-soon one (${replaceSoonBelow} %)`);
  }
  if (replaceSoonBelow !== undefined) fields.replaceSoonBelow = replaceSoonBelow;
  if (criticalBelow !== undefined) fields.criticalBelow = criticalBelow;
  return fields;
}

function percentOf(value: unknown, name: string, what: string): number | undefined {
  if (value === undefined || value === null || String(value).trim() === '') return undefined;
  const percent = Number(value);
  if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100)) throw new Error(`${name}: the ${what} must be a percentage from 0 to 100 (got "${String(value)}")`);
  return percent;
}

/**
 * The backup key as typed in the row (or, in a flow written by hand, as a `backupKey` object). Nothing
 * typed means nothing recorded, which battery-watch reminds the host about.
 */
function backupKeyOf(row: Record<string, unknown>, name: string): { backupKey?: BackupKey } {
  const nested = typeof row.backupKey === 'object' && row.backupKey !== null ? (row.backupKey as Record<string, unknown>) : {};
  const override = overrideOf(row.keyOverride ?? nested.override, name);
  const keptAt = String(row.backupKeyAt ?? nested.keptAt ?? '').trim();
  const lastTestedOn = String(row.backupKeyTestedOn ?? nested.lastTestedOn ?? '').trim();
  if (override === undefined && !keptAt && !lastTestedOn) return {};
  if (override === false && (keptAt || lastTestedOn)) {
    throw new Error(`${name}: a backup key is recorded, but the lock is marked as having no key override; set "key opens it" to yes, or clear the key's place and test date`);
  }
  if (lastTestedOn) testDateOf(lastTestedOn, name);
  // A key kept somewhere, or tested, opens the lock: the host need not say so twice.
  const backupKey: BackupKey = { override: override ?? true };
  if (keptAt) backupKey.keptAt = keptAt;
  if (lastTestedOn) backupKey.lastTestedOn = lastTestedOn;
  return { backupKey };
}

function overrideOf(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'yes' || value === 'true') return true;
  if (value === false || value === 'no' || value === 'false') return false;
  throw new Error(`${name}: "key opens it" must be yes or no (got "${String(value)}")`);
}

function testDateOf(text: string, name: string): void {
  try {
    parseDate(text);
  } catch {
    throw new Error(`${name}: the backup key's test date "${text}" must be a date like 2026-03-02`);
  }
}

/** A lock id a host can read and access-window can name, from the lock's name in its vendor's app: "Front Door" -> front-door. */
export function lockIdFromName(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}

/** A lock as a row of the locks config editor: what a vendor's "list locks" button adds for the host to name and save. */
export function lockRowOf(lock: LockConfig): LockRow {
  const [codeLength, ...others] = lock.rules.codeLengths;
  return {
    ...defaultLockRow,
    id: lock.id,
    name: lock.name,
    codeLength,
    firstSlot: lock.rules.firstSlot,
    lastSlot: lock.rules.lastSlot,
    schedules: lock.schedules,
    device: lock.device ?? '',
    forbiddenDigits: lock.rules.forbiddenDigits ?? '',
    forbiddenPrefixes: (lock.rules.forbiddenPrefixes ?? []).join(', '),
    otherCodeLengths: others.join(', '),
  };
}
