import type { LockConfig } from '../locks/provider';
import { generatePin, ruleBroken } from '../pins/pin-rules';
import { pinMatchesHash } from '../pins/vault';
import { BookingEntry, CodeEntry, codeIdOf } from './ledger-types';
import type { Plan } from './ledger-options';
import { LedgerPart } from './ledger-records';
import { alert, fullLockAlert } from './ledger-alerts';

/**
 * Slots and PINs: which slot a booking's code takes on a lock (the nearest arrival first when it is full), and a
 * PIN that obeys the lock's rules and no other code on it holds.
 */
export class Slots extends LedgerPart {
  /** A code whose slot went to a sooner arrival takes the next free one; until then the host knows it waits. */
  hasSlot(code: CodeEntry, entry: BookingEntry, lock: LockConfig, plan: Plan): boolean {
    if (!code.waitingForSlot) return true;
    const slot = this.freeSlot(lock) ?? this.slotFromLaterArrival(entry, lock, plan);
    if (slot === undefined) {
      plan.alerts.push(...this.once(`full:${code.bookingId}:${lock.id}`, fullLockAlert(code.bookingId, entry, lock)));
      return false;
    }
    code.slot = slot;
    code.waitingForSlot = undefined;
    this.touchCode(code);
    return true;
  }

  /** Takes a slot and a PIN for a booking on a lock, or alerts the host when the lock has no room. */
  async reserve(id: string, entry: BookingEntry, lock: LockConfig, plan: Plan): Promise<CodeEntry | undefined> {
    const slot = this.stayKeySlotFor(lock.id, codeName(entry)) ?? this.freeSlot(lock) ?? this.slotFromLaterArrival(entry, lock, plan);
    if (slot === undefined) {
      plan.alerts.push(...this.once(`full:${id}:${lock.id}`, fullLockAlert(id, entry, lock)));
      return undefined;
    }
    const code: CodeEntry = { codeId: codeIdOf(id, lock.id), bookingId: id, lockId: lock.id, slot, name: codeName(entry), state: 'pending' };
    this.logAccess('issued', lock.id, { slot, bookingId: id });
    this.records.add(code);
    await this.newPin(code, entry, lock, plan);
    return code;
  }

  private freeSlot(lock: LockConfig): number | undefined {
    const used = new Set(this.activeCodesOn(lock.id).filter((code) => !code.waitingForSlot).map((code) => code.slot));
    for (const reserved of lock.rules.reservedSlots ?? []) used.add(reserved);
    for (const foreign of this.data.foreign?.[lock.id] ?? []) used.add(foreign.slot);
    for (let slot = lock.rules.firstSlot; slot <= lock.rules.lastSlot; slot++) {
      if (!used.has(slot)) return slot;
    }
    return undefined;
  }

  /**
   * A full lock: the nearest arrival wins. A later booking gives up its slot while its code is only
   * reserved (not on the lock, not under way): it keeps its PIN, takes the next slot that frees up,
   * and the host hears which booking is waiting.
   */
  private slotFromLaterArrival(entry: BookingEntry, lock: LockConfig, plan: Plan): number | undefined {
    const later = this.activeCodesOn(lock.id)
      .filter((code) => !code.onLock && !code.inFlight && !code.waitingForSlot)
      .map((code) => ({ code, booking: this.data.bookings[code.bookingId] }))
      .filter(({ booking }) => booking && booking.window.startsAt > entry.window.startsAt)
      .sort((a, b) => b.booking.window.startsAt.localeCompare(a.booking.window.startsAt))[0];
    if (!later) return undefined;
    const slot = later.code.slot;
    later.code.waitingForSlot = true;
    this.touchCode(later.code);
    plan.alerts.push(...this.once(`full:${later.code.bookingId}:${lock.id}`, fullLockAlert(later.code.bookingId, later.booking, lock, entry)));
    return slot;
  }

  /**
   * A PIN for a booking on a lock: the booking's PIN from its other locks where this lock allows it
   * (guests keep one code), else one from the guest's phone digits if the host wants that, else a
   * random one; never one the lock already holds.
   */
  async newPin(code: CodeEntry, entry: BookingEntry, lock: LockConfig, plan: Plan): Promise<void> {
    try {
      await this.choosePin(code, entry, lock);
    } catch (err) {
      // Rules that leave no PIN (a 6-digit keypad with two digits allowed) are this lock's problem:
      // the code waits without a PIN and the host hears why, while every other lock and booking goes on.
      const why = err instanceof Error ? err.message : String(err);
      const text = `Lock ${lock.name} gets no code for booking ${code.bookingId}: ${why}. Change the lock's rules in the locks config.`;
      plan.alerts.push(...this.once(`no-pin:${code.codeId}:${why}`, alert('critical', 'lock-rules', text, { bookingId: code.bookingId, lockId: lock.id })));
    }
  }

  private async choosePin(code: CodeEntry, entry: BookingEntry, lock: LockConfig): Promise<void> {
    const others = this.activeCodesOn(lock.id).filter((other) => other.codeId !== code.codeId);
    const taken = new Set(others.filter((o) => o.sealedPin).map((o) => this.options.vault.open(o.sealedPin!)));
    for (const foreign of this.data.foreign?.[lock.id] ?? []) if (foreign.pin) taken.add(this.options.vault.open(foreign.pin));
    const hashed = this.options.quickPins ? [] : others.filter((o) => !o.sealedPin && o.pinHash).map((o) => o.pinHash!);
    const usable = async (pin: string | undefined): Promise<boolean> =>
      pin !== undefined && ruleBroken(pin, lock.rules) === undefined && !taken.has(pin) && !(await anyMatches(pin, hashed));
    this.touchCode(code);
    for (const candidate of [this.siblingPin(code), this.phonePin(entry, lock)]) {
      if (await usable(candidate)) return this.keepPin(code, candidate!);
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const pin = generatePin(lock.rules, (candidate) => taken.has(candidate), this.options.random);
      if (await usable(pin)) return this.keepPin(code, pin);
      taken.add(pin);
    }
  }

  private keepPin(code: CodeEntry, pin: string): void {
    code.sealedPin = this.options.vault.seal(pin);
    code.pinHash = undefined;
  }

  private siblingPin(code: CodeEntry): string | undefined {
    const sibling = this.codesOf(code.bookingId).find((o) => o.codeId !== code.codeId && o.sealedPin && o.state !== 'revoked' && !o.rewrite);
    return sibling ? this.options.vault.open(sibling.sealedPin!) : undefined;
  }

  /** The phone's last 4 digits, topped up with random digits to the lock's length. */
  private phonePin(entry: BookingEntry, lock: LockConfig): string | undefined {
    const digits = entry.booking.phoneLast4;
    const length = lock.rules.codeLengths[0];
    if (!this.options.pinFromPhone || !digits || !/^\d{4}$/.test(digits) || length < 4) return undefined;
    const filler = generatePin({ ...lock.rules, codeLengths: [Math.max(length - 4, 4)] }, () => false, this.options.random);
    return (digits + filler).slice(0, length);
  }

  /**
   * A code named as StayKey names them ("SK " and the guest) that no code of this ledger holds: an
   * earlier ledger's (a pin-issuer deleted and added again). A booking here with that name on this lock
   * takes its slot, now or when its code is reserved, and writes a new PIN over it: the old PIN may be
   * known to an earlier guest of the same name. Returns the slot, and forgets it as foreign.
   */
  private stayKeySlotFor(lockId: string, name: string): number | undefined {
    const foreign = this.data.foreign?.[lockId] ?? [];
    const match = foreign.find((code) => code.namedByStayKey === name);
    if (!match) return undefined;
    this.data.foreign![lockId] = foreign.filter((code) => code !== match);
    this.touchLock(lockId);
    return match.slot;
  }

  /** Codes waiting for their first write move into the slots of their earlier selves. */
  adoptStayKeySlots(lockId: string): void {
    for (const code of this.activeCodesOn(lockId)) {
      if (code.onLock || code.inFlight) continue;
      const slot = this.stayKeySlotFor(lockId, code.name);
      if (slot === undefined) continue;
      code.slot = slot;
      code.waitingForSlot = undefined;
      code.state = 'pending';
      code.failedAt = undefined;
      this.touchCode(code);
    }
  }
}

/** All at once: bcrypt runs in libuv's thread pool, so a lock's hashes are compared side by side, not in turn. */
async function anyMatches(pin: string, hashes: string[]): Promise<boolean> {
  const matches = await Promise.all(hashes.map((hash) => pinMatchesHash(pin, hash)));
  return matches.includes(true);
}

function codeName(entry: BookingEntry): string {
  // Vendors cap code names (Nuki: 20 characters); the booking id keeps it traceable.
  const who = entry.booking.guestName ?? entry.booking.reservationCode ?? entry.booking.id;
  return `SK ${who}`.slice(0, 20);
}
