import type { SealedPin } from '../../pins/vault';
import { readJson, writeJsonAtomic } from '../../store/atomic-file';
import { dictionary } from '../../ids';
import { FIRST_FOREIGN_SLOT, forgetGone, nextForeignSlot, VendorSlots, vendorSlotsOf } from '../vendor-slots';

/**
 * Nuki has no slots: a keypad code is an "auth" with an id Nuki picks, learnt only by listing after
 * the (asynchronous) create. This book keeps StayKey's slot -> Nuki auth id per lock, the creates
 * sent but not yet seen, and stable slot numbers for codes StayKey did not make. It is written to
 * disk on every change, so a restart in the middle of a create still knows what it sent.
 */

export { FIRST_FOREIGN_SLOT };

/** A create sent to Nuki whose auth has not been seen in a listing yet. */
export interface PendingCreate {
  slot: number;
  name: string;
  pin: string;
  sentAt: string;
}

interface SavedPending {
  name: string;
  /** Sealed with the installation key: the book never holds a PIN in plain text. */
  pin: SealedPin;
  sentAt: string;
}

/** slot -> Nuki auth id; slot -> a create not seen yet; Nuki auth id -> the slot of a code StayKey did not make. */
type SavedLock = VendorSlots<string, SavedPending>;

interface SavedBook {
  version: 1;
  locks: Record<string, SavedLock>;
}

export interface NukiSlotBookOptions {
  file?: string;
  seal?: (pin: string) => SealedPin;
  open?: (sealed: SealedPin) => string;
}

export class NukiSlotBook {
  private readonly locks: Record<string, SavedLock>;

  constructor(private readonly options: NukiSlotBookOptions) {
    if (options.file && (!options.seal || !options.open)) {
      throw new Error('a Nuki slot book kept in a file needs seal and open, so PINs are never written in plain text');
    }
    this.locks = dictionary();
    const saved = options.file ? readJson<SavedBook>(options.file)?.locks : undefined;
    for (const [lockId, lock] of Object.entries(saved ?? {})) this.locks[lockId] = vendorSlotsOf(lock);
  }

  authOf(lockId: string, slot: number): string | undefined {
    return this.lock(lockId).slots[String(slot)];
  }

  slotOf(lockId: string, authId: string): number | undefined {
    const entry = Object.entries(this.lock(lockId).slots).find(([, id]) => id === authId);
    return entry ? Number(entry[0]) : undefined;
  }

  /** The auth now holds the slot's code: whatever the slot pointed at before, and its pending create, are done with. */
  link(lockId: string, slot: number, authId: string): void {
    const lock = this.lock(lockId);
    for (const [other, id] of Object.entries(lock.slots)) if (id === authId && other !== String(slot)) delete lock.slots[other];
    lock.slots[String(slot)] = authId;
    delete lock.pending[String(slot)];
    delete lock.foreign[authId];
    this.save();
  }

  notePending(lockId: string, slot: number, name: string, pin: string, sentAt: string): void {
    const seal = this.options.seal ?? ((plain: string) => plain);
    this.lock(lockId).pending[String(slot)] = { name, pin: this.options.file ? seal(pin) : pin, sentAt };
    this.save();
  }

  pendingFor(lockId: string, slot: number): PendingCreate | undefined {
    return this.pending(lockId).find((create) => create.slot === slot);
  }

  pending(lockId: string): PendingCreate[] {
    const open = this.options.file ? this.options.open! : (kept: string) => kept;
    return Object.entries(this.lock(lockId).pending).map(([slot, create]) => ({
      slot: Number(slot),
      name: create.name,
      pin: open(create.pin),
      sentAt: create.sentAt,
    }));
  }

  dropPending(lockId: string, slot: number): void {
    const lock = this.lock(lockId);
    if (!(String(slot) in lock.pending)) return;
    delete lock.pending[String(slot)];
    this.save();
  }

  /** The same code StayKey did not make keeps the same slot from one listing to the next. */
  foreignSlot(lockId: string, authId: string): number {
    const lock = this.lock(lockId);
    const known = lock.foreign[authId];
    if (known !== undefined) return known;
    const slot = nextForeignSlot(lock.foreign);
    lock.foreign[authId] = slot;
    this.save();
    return slot;
  }

  /** After a listing: slots whose auth is gone are empty now, and foreign codes gone are forgotten. */
  keepOnly(lockId: string, present: Set<string>): void {
    const changed = forgetGone(this.lock(lockId), (id) => present.has(id), (id) => present.has(id));
    if (changed) this.save();
  }

  private lock(lockId: string): SavedLock {
    return (this.locks[lockId] ??= vendorSlotsOf(undefined));
  }

  private save(): void {
    if (!this.options.file) return;
    const book: SavedBook = { version: 1, locks: this.locks };
    writeJsonAtomic(this.options.file, book);
  }
}
