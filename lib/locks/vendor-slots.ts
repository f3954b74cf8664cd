/**
 * For vendors whose locks have no slots (TTLock, Nuki): per lock, StayKey's slots over the vendor's
 * own code ids, the writes sent but not seen yet, and a stable slot for each code StayKey did not make.
 * What a slot holds and what a pending write remembers differ by vendor; the bookkeeping does not.
 */
import { dictionary, dictionaryOf } from '../ids';
import { readJson, writeJsonAtomic } from '../store/atomic-file';

/**
 * Codes StayKey did not make get slots from here up: above the highest slot a locks config can
 * give StayKey (1000), so the ledger sees them as someone else's and never touches them.
 */
export const FIRST_FOREIGN_SLOT = 1001;

/** One lock's slots: slot -> what holds it, slot -> a write not seen yet, vendor code id -> foreign slot. */
export interface VendorSlots<Held, Pending> {
  slots: Record<string, Held>;
  pending: Record<string, Pending>;
  foreign: Record<string, number>;
}

/** Lock ids and the vendor's ids are keys here: dictionaries, so none of them can reach Object.prototype. */
export function vendorSlotsOf<Held, Pending>(saved: Partial<VendorSlots<Held, Pending>> | undefined): VendorSlots<Held, Pending> {
  return { slots: dictionaryOf(saved?.slots), pending: dictionaryOf(saved?.pending), foreign: dictionaryOf(saved?.foreign) };
}

/**
 * After a full listing: slots whose code is gone are empty now, and foreign codes gone are
 * forgotten. `holds` says whether a slot's code is still listed, `lists` whether a foreign code id
 * is; true when anything went.
 */
export function forgetGone<Held, Pending>(
  record: VendorSlots<Held, Pending>,
  holds: (held: Held) => boolean,
  lists: (codeId: string) => boolean,
): boolean {
  let changed = false;
  for (const [slot, held] of Object.entries(record.slots)) {
    if (holds(held)) continue;
    delete record.slots[slot];
    changed = true;
  }
  for (const id of Object.keys(record.foreign)) {
    if (lists(id)) continue;
    delete record.foreign[id];
    changed = true;
  }
  return changed;
}

/** The next foreign slot: one above every foreign slot given out, never below FIRST_FOREIGN_SLOT. */
export function nextForeignSlot(foreign: Record<string, number>): number {
  return Math.max(FIRST_FOREIGN_SLOT - 1, ...Object.values(foreign)) + 1;
}

/**
 * A vendor's slot book kept in a file (never a PIN in it): per lock, StayKey's slots over the vendor's code
 * ids, the writes sent but not yet seen, and the slots of codes StayKey did not make. The vendor says what a
 * slot holds (`idOf`), how a record is read back (`recordOf`) and how a listing is matched (its own reconcile).
 */
export abstract class VendorSlotBook<Held, Pending, LockRecord extends VendorSlots<Held, Pending>> {
  protected readonly records: Record<string, LockRecord> = dictionary();

  /** `field` names the file's map of records ("locks", "devices"), as files already written have it. */
  constructor(
    private readonly file: string | undefined,
    private readonly field: string,
    vendor: string,
  ) {
    const saved = file ? readJson<{ version?: number } & Record<string, unknown>>(file) : undefined;
    if (saved && saved.version !== 1) throw new Error(`${file} was written by a newer StayKey (${vendor} slots version ${saved.version})`);
    const records = saved?.[field];
    if (!records || typeof records !== 'object') return;
    for (const [key, record] of Object.entries(records as Record<string, Partial<LockRecord>>)) this.records[key] = this.recordOf(record);
  }

  protected abstract idOf(held: Held): string;
  protected abstract recordOf(saved: Partial<LockRecord> | undefined): LockRecord;

  /** The slot a vendor code sits in, StayKey's or foreign; undefined when it has none yet. */
  slotOf(key: string, codeId: string | number): number | undefined {
    const record = this.record(key);
    for (const [slot, held] of Object.entries(record.slots)) if (this.idOf(held) === String(codeId)) return Number(slot);
    return record.foreign[codeId];
  }

  isOurs(key: string, codeId: string | number): boolean {
    return Object.values(this.record(key).slots).some((held) => this.idOf(held) === String(codeId));
  }

  remove(key: string, slot: number): void {
    const record = this.record(key);
    delete record.slots[slot];
    delete record.pending[slot];
    this.save();
  }

  pending(key: string, slot: number): Pending | undefined {
    return this.record(key).pending[slot];
  }

  /** Written before the write leaves, so even a restart cannot lose track of a code that landed. */
  expect(key: string, slot: number, pending: Pending): void {
    this.record(key).pending[slot] = pending;
    this.save();
  }

  forgetPending(key: string, slot: number): void {
    const record = this.record(key);
    if (!record.pending[slot]) return;
    delete record.pending[slot];
    this.save();
  }

  protected record(key: string): LockRecord {
    return (this.records[key] ??= this.recordOf(undefined));
  }

  protected save(): void {
    if (this.file) writeJsonAtomic(this.file, { version: 1, [this.field]: this.records });
  }
}
