/**
 * For vendors whose locks have no slots (TTLock, Nuki): per lock, StayKey's slots over the vendor's
 * own code ids, the writes sent but not seen yet, and a stable slot for each code StayKey did not make.
 * What a slot holds and what a pending write remembers differ by vendor; the bookkeeping does not.
 */
import { dictionaryOf } from '../ids';

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
