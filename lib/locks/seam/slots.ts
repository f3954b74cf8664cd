import { dictionaryOf } from '../../ids';
import { forgetGone, nextForeignSlot, VendorSlotBook, VendorSlots, vendorSlotsOf } from '../vendor-slots';

/**
 * Seam has no slots: a device holds access codes, each with Seam's `access_code_id`. This book keeps
 * StayKey's slot -> access code per device, the creates sent but not seen, and a stable slot from 1001
 * up for every code StayKey did not make (managed by another app, or unmanaged). No PIN is ever in it.
 */

/** A create sent whose answer has not come back: if it landed, the code is taken into the slot. */
export interface PendingCreate {
  name: string;
  startsAt: string;
  endsAt: string;
  since: string;
  /** An offline code: the lock's algorithm rounds its hours, up to a day either way. */
  offline?: boolean;
}

/** How a slot's code came to be, where the lock's system chose it: the window asked for, and who chose the PIN. */
export interface ChosenCode {
  why: 'offline-code' | 'backup-pool';
  startsAt: string;
  endsAt: string;
}

type DeviceRecord = VendorSlots<string, PendingCreate> & { chosen: Record<string, ChosenCode> };

/** An access code as Seam lists it, reduced to what the book needs. */
export interface ListedCode {
  accessCodeId: string;
  name: string;
  startsAt?: string;
  endsAt?: string;
}

export class SeamSlots extends VendorSlotBook<string, PendingCreate, DeviceRecord> {
  constructor(file?: string) {
    super(file, 'devices', 'Seam');
  }

  protected idOf(accessCodeId: string): string {
    return accessCodeId;
  }

  protected recordOf(saved: Partial<DeviceRecord> | undefined): DeviceRecord {
    return deviceRecordOf(saved);
  }

  codeIn(device: string, slot: number): string | undefined {
    return this.record(device).slots[slot];
  }

  /** The code in the slot was chosen by the lock's system (an offline code, a pulled backup), for this window. */
  chosen(device: string, slot: number): ChosenCode | undefined {
    return this.record(device).chosen[slot];
  }

  /** Pulled backup codes the slots hold: Seam may leave pool codes out of its listings. */
  backupsHeld(device: string): string[] {
    const record = this.record(device);
    return Object.keys(record.chosen)
      .filter((slot) => record.chosen[slot].why === 'backup-pool' && record.slots[slot])
      .map((slot) => record.slots[slot]);
  }

  place(device: string, slot: number, accessCodeId: string, chosen?: ChosenCode): void {
    const record = this.record(device);
    record.slots[slot] = accessCodeId;
    if (chosen) record.chosen[slot] = chosen;
    else delete record.chosen[slot];
    delete record.pending[slot];
    delete record.foreign[accessCodeId];
    this.save();
  }

  override remove(device: string, slot: number): void {
    delete this.record(device).chosen[slot];
    super.remove(device, slot);
  }

  /**
   * In line with a full listing (managed and unmanaged codes): a code matching a create whose answer
   * was lost is taken into its slot; slots whose code has gone are emptied; every other code gets a
   * foreign slot of its own, the same one each time.
   */
  reconcile(device: string, listed: ListedCode[]): void {
    const record = this.record(device);
    const ids = new Set(listed.map((code) => code.accessCodeId));
    forgetGone(record, (id) => ids.has(id), (id) => ids.has(id));
    for (const slot of Object.keys(record.chosen)) if (!record.slots[slot]) delete record.chosen[slot];
    for (const code of listed) {
      if (this.slotOf(device, code.accessCodeId) !== undefined) continue;
      const slot = pendingSlotFor(record, code);
      if (slot !== undefined) {
        const create = record.pending[slot];
        record.slots[slot] = code.accessCodeId;
        if (create.offline) record.chosen[slot] = { why: 'offline-code', startsAt: create.startsAt, endsAt: create.endsAt };
        delete record.pending[slot];
        continue;
      }
      record.foreign[code.accessCodeId] = nextForeignSlot(record.foreign);
    }
    this.save();
  }
}

function deviceRecordOf(saved: Partial<DeviceRecord> | undefined): DeviceRecord {
  return { ...vendorSlotsOf<string, PendingCreate>(saved), chosen: dictionaryOf(saved?.chosen) };
}

function pendingSlotFor(record: DeviceRecord, code: ListedCode): number | undefined {
  for (const [slot, create] of Object.entries(record.pending)) {
    if (record.slots[slot]) continue;
    if (create.name !== code.name) continue;
    const slack = create.offline ? 24 * 3600_000 : 0;
    if (!near(create.startsAt, code.startsAt, slack) || !near(create.endsAt, code.endsAt, slack)) continue;
    return Number(slot);
  }
  return undefined;
}

function near(asked: string, held: string | undefined, slack: number): boolean {
  return held !== undefined && Math.abs(Date.parse(asked) - Date.parse(held)) <= slack;
}
