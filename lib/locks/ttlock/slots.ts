import { readJson, writeJsonAtomic } from '../../store/atomic-file';
import { dictionary } from '../../ids';
import { FIRST_FOREIGN_SLOT, forgetGone, nextForeignSlot, VendorSlots, vendorSlotsOf } from '../vendor-slots';

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

interface SavedSlots {
  version: 1;
  locks: Record<string, LockRecord>;
}

/** A passcode as the cloud lists it, reduced to what the slot map needs. */
export interface ListedPasscode {
  keyboardPwdId: number;
  name: string;
  startDate?: number;
  endDate?: number;
}

export class TTLockSlots {
  private readonly state: SavedSlots;

  constructor(private readonly file?: string) {
    const saved = file ? readJson<SavedSlots>(file) : undefined;
    if (saved && saved.version !== 1) throw new Error(`${file} was written by a newer StayKey (TTLock slots version ${saved.version})`);
    this.state = { version: 1, locks: dictionary() };
    for (const [device, record] of Object.entries(saved?.locks ?? {})) this.state.locks[device] = vendorSlotsOf(record);
  }

  slot(device: string, slot: number): SlotRecord | undefined {
    return this.lock(device).slots[slot];
  }

  /** The slot a passcode sits in, ours or foreign. */
  slotOf(device: string, keyboardPwdId: number): number | undefined {
    const record = this.lock(device);
    for (const [slot, held] of Object.entries(record.slots)) if (held.keyboardPwdId === keyboardPwdId) return Number(slot);
    return record.foreign[keyboardPwdId];
  }

  isOurs(device: string, keyboardPwdId: number): boolean {
    return Object.values(this.lock(device).slots).some((held) => held.keyboardPwdId === keyboardPwdId);
  }

  place(device: string, slot: number, held: SlotRecord): void {
    const record = this.lock(device);
    record.slots[slot] = held;
    delete record.pending[slot];
    delete record.foreign[held.keyboardPwdId];
    this.save();
  }

  remove(device: string, slot: number): void {
    const record = this.lock(device);
    delete record.slots[slot];
    delete record.pending[slot];
    this.save();
  }

  pending(device: string, slot: number): PendingAdd | undefined {
    return this.lock(device).pending[slot];
  }

  /** Written before the add leaves, so even a restart cannot lose track of a passcode that landed. */
  expect(device: string, slot: number, add: PendingAdd): void {
    this.lock(device).pending[slot] = add;
    this.save();
  }

  forgetPending(device: string, slot: number): void {
    const record = this.lock(device);
    if (!record.pending[slot]) return;
    delete record.pending[slot];
    this.save();
  }

  /**
   * Brings the map in line with a full listing: a passcode matching an add whose answer was lost is
   * taken into its slot; slots whose passcode has gone are emptied; every other passcode gets a
   * foreign slot of its own, the same one each time.
   */
  reconcile(device: string, listed: ListedPasscode[]): void {
    const record = this.lock(device);
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

  private lock(device: string): LockRecord {
    return (this.state.locks[device] ??= vendorSlotsOf(undefined));
  }

  private save(): void {
    if (this.file) writeJsonAtomic(this.file, this.state);
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
