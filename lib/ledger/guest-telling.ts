import type { LockConfig } from '../locks/provider';
import type { CodeChange, CodeMessage, GuestCode } from '../messages';
import { hashPin } from '../pins/vault';
import type { Period } from '../windows/recurrence';
import type { BookingEntry, CodeEntry } from './ledger-types';
import type { Plan } from './ledger-options';
import { LedgerPart } from './ledger-records';
import { isGuest, sameDates } from './ledger-helpers';
import { alert } from './ledger-alerts';

/**
 * Telling guests: once per change, when every lock is ready and the host's release flags are set; and once a
 * guest has their code, its PIN kept only as a bcrypt hash.
 */
export class GuestTelling extends LedgerPart {
  /** Tells the guest once per change, when every lock is ready (or, for locks without schedules, reserved). */
  tellGuest(id: string, entry: BookingEntry, locks: Map<string, LockConfig>, period: Period | undefined, plan: Plan): void {
    const now = this.now().getTime();
    const codes = this.codesOf(id);
    if (!period) {
      if (entry.cancelled && entry.told === 'issued' && codes.every((c) => c.state === 'revoked')) {
        entry.told = 'revoked';
        this.touchBooking(id);
        plan.codeMessages.push(this.codeMessage(id, entry, 'revoked', []));
      }
      return;
    }
    if (now < Date.parse(entry.window.issueAt) || entry.toldVersion >= entry.version) return;
    if (entry.window.kind === 'backup' || !this.released(id, entry, plan)) return;
    const ready = entry.window.locks.every((lockId) => {
      const code = codes.find((c) => c.lockId === lockId);
      const lock = locks.get(lockId);
      if (!code || !lock || (!code.sealedPin && !code.pinHash) || code.inFlight || code.rewrite || code.waitingForSlot) return false;
      if (lock.schedules) return code.state === 'confirmed' && Boolean(code.onLock && sameDates(code.onLock, period));
      // Without schedules the code goes on when its hours open; before that a reserved code is enough.
      return Boolean(code.onLock) || now < Date.parse(period.startsAt);
    });
    if (!ready) return;
    const change: CodeChange = entry.told !== 'issued' ? 'issued' : entry.pinChanged ? 'reissued' : 'updated';
    const guestCodes = entry.window.locks.map((lockId) => guestCode(codes.find((c) => c.lockId === lockId)!, locks.get(lockId)!, entry));
    entry.told = 'issued';
    entry.toldVersion = entry.version;
    entry.pinChanged = false;
    // A message that carries PINs must be delivered before they become hashes.
    if (guestCodes.some((c) => c.pin)) entry.delivered = false;
    this.touchBooking(id);
    plan.codeMessages.push(this.codeMessage(id, entry, change, guestCodes));
  }

  /**
   * The host's conditions for telling a guest (paid, ID checked), set as booking flags by their flow.
   * Codes still go on the locks; only the message waits. A day before check-in the host hears of it.
   */
  private released(id: string, entry: BookingEntry, plan: Plan): boolean {
    if (!isGuest(entry)) return true;
    const missing = this.missingFlags(entry);
    if (!missing.length) return true;
    const hoursLeft = (Date.parse(entry.window.checkInAt) - this.now().getTime()) / 3600_000;
    if (hoursLeft <= 24) {
      const text = `Booking ${id} (${entry.booking.guestName ?? 'guest'}, check-in ${entry.window.checkInAt}) is not released (${missing.join(', ')} not set): the guest has not been told their code.`;
      plan.alerts.push(...this.once(`unreleased:${id}:${entry.version}`, alert('warning', 'release', text, { bookingId: id })));
    }
    return false;
  }

  missingFlags(entry: BookingEntry): string[] {
    return (this.options.releaseFlags ?? []).filter((flag) => entry.booking.flags?.[flag] !== true);
  }

  codeMessage(id: string, entry: BookingEntry, change: CodeChange, codes: GuestCode[]): CodeMessage {
    return { kind: 'code', change, bookingId: id, booking: entry.booking, window: entry.window, codes };
  }

  /**
   * Once a code is on its lock and its guest has it, the sealed PIN becomes a bcrypt hash. Weekly staff
   * codes keep theirs: a lock without schedules needs the PIN again every week, and a cloud that keeps the
   * schedule may drop a code once its hours end (Seam deletes an ended time-bound code), so next week's
   * hours go back with the same PIN.
   */
  async hashDelivered(): Promise<void> {
    // Picked out before the first await, so codes coming or going meanwhile do not upset the walk.
    const sealed: CodeEntry[] = [];
    for (const codes of this.records.codesByBooking()) for (const code of codes) if (code.sealedPin) sealed.push(code);
    for (const code of sealed) {
      if (!code.sealedPin || !code.onLock || code.state !== 'confirmed' || code.rewrite) continue;
      if (this.data.codes[code.codeId] !== code) continue;
      const booking = this.data.bookings[code.bookingId];
      if (!booking?.delivered) continue;
      if (booking.toldVersion < booking.version) continue;
      if (booking.window.weekly) continue;
      if (booking.window.kind === 'backup' || this.options.keepPinsForGuestPage) continue;
      code.pinHash = await hashPin(this.options.vault.open(code.sealedPin));
      code.sealedPin = undefined;
      this.records.hashedPin(code);
    }
  }
}

/** A code whose PIN is only a hash (the guest already has it) goes without one: "your code is unchanged". */
function guestCode(code: CodeEntry, lock: LockConfig, entry: BookingEntry): GuestCode {
  const guest: GuestCode = { lockId: lock.id, lockName: lock.name, unit: entry.window.unit || entry.booking.unit, slot: code.slot };
  if (code.sealedPin) guest.pin = code.sealedPin;
  if (code.honoured) {
    guest.validFrom = code.honoured.startsAt;
    guest.validUntil = code.honoured.endsAt;
  }
  return guest;
}
