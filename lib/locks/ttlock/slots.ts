import { FIRST_FOREIGN_SLOT, forgetGone, nextForeignSlot, VendorSlotBook, VendorSlots, vendorSlotsOf } from '../vendor-slots';

/**
 * TTLock has no slots: a lock holds passcodes, each with TTLock's own `keyboardPwdId`. StayKey's
 * slots are its own numbering, so this file remembers which passcode sits in which slot, per TTLock
 * lock id. It never holds a PIN: names, dates and ids only.
 */

/** Passcodes StayKey did not make get slots from here up: outside any range a host can configure (1..1000). */
export const FOREIGN_FIRST_SLOT = FIRST_FOREIGN_SLOT;

export interface SlotRecord {
  keyboardPwdId: number;
  /** The dates as StayKey asked for them; TTLock keeps minutes only. */
  startsAt?: string;
  endsAt?: string;
}

/** An add sent whose answer has not come back: if it landed, the passcode is ours and is taken into the slot. */
export interface PendingAdd {
  name: string;
  startsAt: string;
  endsAt: string;
  since: string;
}

/** slot -> passcode; slot -> an add not answered yet; keyboardPwdId -> slot, for passcodes StayKey did not make. */
type LockRecord = VendorSlots<SlotRecord, PendingAdd>;

/** A passcode as the cloud lists it, reduced to what the slot map needs. */
export interface ListedPasscode {
  keyboardPwdId: number;
  name: string;
  startDate?: number;
  endDate?: number;
}

export class TTLockSlots extends VendorSlotBook<SlotRecord, PendingAdd, LockRecord> {
  constructor(file?: string) {
    super(file, 'locks', 'TTLock');
  }

  protected idOf(held: SlotRecord): string {
    return String(held.keyboardPwdId);
  }

  protected recordOf(saved: Partial<LockRecord> | undefined): LockRecord {
    return vendorSlotsOf(saved);
  }

  slot(device: string, slot: number): SlotRecord | undefined {
    return this.record(device).slots[slot];
  }

  place(device: string, slot: number, held: SlotRecord): void {
    const record = this.record(device);
    record.slots[slot] = held;
    delete record.pending[slot];
    delete record.foreign[held.keyboardPwdId];
    this.save();
  }

  /**
   * Brings the map in line with a full listing: a passcode matching an add whose answer was lost is
   * taken into its slot; slots whose passcode has gone are emptied; every other passcode gets a
   * foreign slot of its own, the same one each time.
   */
  reconcile(device: string, listed: ListedPasscode[]): void {
    const record = this.record(device);
    const ids = new Set(listed.map((passcode) => passcode.keyboardPwdId));
    forgetGone(record, (held) => ids.has(held.keyboardPwdId), (id) => ids.has(Number(id)));
    for (const passcode of listed) {
      if (this.slotOf(device, passcode.keyboardPwdId) !== undefined) continue;
      const slot = pendingSlotFor(record, passcode);
      if (slot !== undefined) {
        record.slots[slot] = { keyboardPwdId: passcode.keyboardPwdId, startsAt: record.pending[slot].startsAt, endsAt: record.pending[slot].endsAt };
        delete record.pending[slot];
        continue;
      }
      record.foreign[passcode.keyboardPwdId] = nextForeignSlot(record.foreign);
    }
    this.save();
  }
}

function pendingSlotFor(record: LockRecord, passcode: ListedPasscode): number | undefined {
  for (const [slot, add] of Object.entries(record.pending)) {
    if (record.slots[slot]) continue;
    if (add.name !== passcode.name) continue;
    if (toMinute(add.startsAt) !== passcode.startDate || toMinute(add.endsAt) !== passcode.endDate) continue;
    return Number(slot);
  }
  return undefined;
}

/** TTLock keeps passcode dates to the minute. */
export function toMinute(iso: string): number {
  const millis = Date.parse(iso);
  return Math.floor(millis / 60_000) * 60_000;
}
