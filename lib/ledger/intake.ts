import type { AlertMessage, CodeUsedMessage, DeliveryMessage, LockAction, LockResultMessage, WindowMessage } from '../messages';
import type { CodeEntry, CommandInFlight } from './ledger-types';
import { dictionary } from '../ids';
import type { ReadBack } from './read-back';
import type { LockReader } from './lock-reads';
import { LedgerPart, LedgerRecords } from './ledger-records';
import { alert } from './ledger-alerts';

/** Failures no retry fixes: the host must change a setting, so they are told once, not at every retry. */
const NEEDS_THE_HOST: ReadonlySet<string> = new Set(['rejected-code', 'slots-full', 'unknown-lock', 'auth']);
/** Wrong PINs in a row on one lock before the host hears of it (someone guessing, or a confused guest). */
const WRONG_PIN_ALERT_AFTER = 3;

/**
 * What happens to the ledger: a window, a lock's answer, a delivery, a keypad use, a re-issue or a wipe. Each only
 * changes the record; the next reconcile plans what follows from it.
 */
export class Intake extends LedgerPart {
  private readonly wrongPins = new Map<string, number>();

  constructor(records: LedgerRecords, private readonly reader: LockReader, private readonly readBack: ReadBack) {
    super(records);
  }

  /** Records a booking's window; a cancelled booking keeps its entry until its codes are gone. */
  acceptWindow(message: WindowMessage): void {
    const { booking, window } = message;
    const id = window.bookingId || booking.id;
    const existing = this.data.bookings[id];
    const cancelled = message.change === 'cancelled';
    this.touchBooking(id);
    if (!existing) {
      if (cancelled) return;
      this.data.bookings[id] = {
        booking,
        window: { ...window, bookingId: id },
        cancelled: false,
        version: 1,
        toldVersion: 0,
        told: 'nothing',
        delivered: false,
        updatedAt: this.now().toISOString(),
      };
      return;
    }
    existing.booking = booking;
    existing.updatedAt = this.now().toISOString();
    if (cancelled) {
      existing.cancelled = true;
      return;
    }
    const datesOrLocksChanged =
      existing.window.startsAt !== window.startsAt ||
      existing.window.endsAt !== window.endsAt ||
      existing.window.locks.join() !== window.locks.join() ||
      JSON.stringify(existing.window.weekly) !== JSON.stringify(window.weekly);
    existing.window = { ...window, bookingId: id };
    if (existing.cancelled || datesOrLocksChanged) existing.version += 1;
    if (existing.cancelled) existing.told = 'nothing';
    existing.cancelled = false;
  }

  /** A lock's answer to a command. Returns alerts for the host. */
  async acceptResult(result: LockResultMessage): Promise<AlertMessage[]> {
    if (result.action === 'read') return this.readBack.acceptReadBack(result);
    const entry = this.data.codes[result.codeId];
    if (!entry) return [];
    this.touchCode(entry);
    if (result.ok && result.confirmed && entry.awaitingConfirmation === result.commandId) {
      // A manual lock: the host has now keyed in what the earlier command asked for.
      entry.awaitingConfirmation = undefined;
      if (entry.onLock) entry.state = 'confirmed';
      return [];
    }
    if (entry.inFlight?.id !== result.commandId) return []; // an answer to a command since replaced
    const sent = entry.inFlight;
    entry.inFlight = undefined;
    if (result.ok) {
      this.recordSuccess(entry, sent, result.confirmed, result.unverifiable === true);
      if (result.fromLock && sent.action !== 'clear') this.takeCodeTheLockChose(entry, result.fromLock);
      else forgetChosenHours(entry, sent.action);
      if (result.confirmed && !result.unverifiable) this.reader.confirmedWrite(this.lockConfig(entry.lockId), entry.slot);
      this.touchLock(entry.lockId);
      const event = sent.action === 'clear' ? 'cleared' : sent.action === 'update' ? 'updated' : 'set';
      this.logAccess(event, entry.lockId, { slot: entry.slot, bookingId: entry.bookingId });
      return result.notice ? [alert('warning', 'lock-notice', result.notice, { bookingId: entry.bookingId, lockId: entry.lockId })] : [];
    }
    this.logAccess('failed', entry.lockId, { slot: entry.slot, bookingId: entry.bookingId, detail: `${sent.action}: ${result.reason ?? 'failed'}` });
    entry.state = 'failed';
    entry.failedAt = this.now().toISOString();
    entry.failedAction = sent.action;
    entry.lastError = result.error ?? result.reason ?? 'the lock refused the command';
    if (result.reason === 'duplicate-code' && sent.action !== 'clear') {
      // The lock already holds this PIN under another slot (a code StayKey did not make): pick another.
      entry.sealedPin = undefined;
      entry.pinHash = undefined;
      entry.failedAt = undefined;
    }
    // A refusal that only the host can fix (a slot beyond the lock's capacity, an account) is told once;
    // the hourly retry that follows stays quiet until the answer changes.
    if (result.reason && NEEDS_THE_HOST.has(result.reason)) return this.once(`refused:${entry.codeId}:${sent.action}:${entry.lastError}`, this.failureAlert(entry, sent.action));
    return [this.failureAlert(entry, sent.action)];
  }

  /**
   * `confirmed` is false where the host confirms codes later (manual locks): the code is set, not yet
   * proven. On a lock that cannot read codes back (`unverifiable`), the accepted code is final.
   */
  private recordSuccess(code: CodeEntry, sent: CommandInFlight, confirmed: boolean, unverifiable: boolean): void {
    code.lastError = undefined;
    if (unverifiable && sent.action !== 'clear') code.unverifiable = true;
    else delete code.unverifiable;
    code.failedAt = undefined;
    code.failedAction = undefined;
    code.awaitingConfirmation = confirmed ? undefined : sent.id;
    if (sent.action === 'clear') {
      code.onLock = undefined;
      code.state = 'pending';
      if (code.rewrite === 'new-pin') {
        code.sealedPin = undefined;
        code.pinHash = undefined;
      }
      code.rewrite = undefined;
      return;
    }
    code.onLock = { startsAt: sent.startsAt, endsAt: sent.endsAt };
    code.state = confirmed ? 'confirmed' : 'set';
  }

  /**
   * The lock's system chose this code (an offline code, a backup from its pool): the guest is told that
   * PIN and the hours the lock honours. A guest who already had another PIN is told again.
   */
  private takeCodeTheLockChose(code: CodeEntry, chosen: NonNullable<LockResultMessage['fromLock']>): void {
    const before = code.sealedPin ? this.options.vault.open(code.sealedPin) : undefined;
    const changed = before !== this.options.vault.open(chosen.pin);
    code.sealedPin = chosen.pin;
    code.pinHash = undefined;
    code.honoured = { startsAt: chosen.startsAt, endsAt: chosen.endsAt };
    code.chosenBy = chosen.why;
    const entry = this.data.bookings[code.bookingId];
    if (entry && changed && entry.told === 'issued') {
      this.touchBooking(code.bookingId);
      entry.version += 1;
      entry.pinChanged = true;
    }
  }

  acceptDelivery(delivery: DeliveryMessage): AlertMessage[] {
    const entry = this.data.bookings[delivery.bookingId];
    if (!entry) return [];
    if (delivery.delivered) {
      entry.delivered = true;
      this.touchBooking(delivery.bookingId);
      return [];
    }
    return [
      alert('critical', 'delivery', `Booking ${delivery.bookingId}: the guest's code could not be sent (${delivery.error ?? 'no reason given'}). Send it another way.`, {
        bookingId: delivery.bookingId,
      }),
    ];
  }

  /**
   * Someone used a keypad. The first use of a guest's code marks their arrival (told to the host); a
   * one-time code is done after it; wrong PINs in a row are reported.
   */
  acceptKeypad(event: CodeUsedMessage): AlertMessage[] {
    if (!event.success) {
      this.logAccess('failed-attempt', event.lockId, { at: event.at });
      return this.wrongPin(event);
    }
    this.wrongPins.delete(event.lockId);
    const code = this.codesOnLock(event.lockId).find((c) => c.slot === event.slot && c.state !== 'revoked');
    this.logAccess('used', event.lockId, { at: event.at, slot: event.slot ?? undefined, bookingId: code?.bookingId });
    if (!code) return [];
    (this.data.lastUse ??= dictionary())[event.lockId] = { at: event.at, bookingId: code.bookingId };
    this.touchLock(event.lockId);
    if (code.usedAt) return [];
    code.usedAt = event.at;
    this.touchCode(code);
    const entry = this.data.bookings[code.bookingId];
    if (!entry || entry.arrivedAt) return [];
    entry.arrivedAt = event.at;
    this.touchBooking(code.bookingId);
    const who = entry.booking.guestName ?? entry.booking.id;
    return [alert('info', 'arrival', `${who} (${entry.window.unit}) used their code for the first time on lock ${event.lockId}.`, { bookingId: code.bookingId, lockId: event.lockId })];
  }

  private wrongPin(event: CodeUsedMessage): AlertMessage[] {
    const count = (this.wrongPins.get(event.lockId) ?? 0) + 1;
    this.wrongPins.set(event.lockId, count);
    if (count % WRONG_PIN_ALERT_AFTER !== 0) return [];
    return [alert('warning', 'wrong-pin', `${count} wrong PINs in a row on lock ${event.lockId} (last at ${event.at}): a guest may be stuck, or someone is guessing.`, { lockId: event.lockId })];
  }

  /** Gives a booking new codes (a lost PIN, a suspected leak): each old code is cleared, then a new one set. */
  reissue(bookingId: string): void {
    const entry = this.data.bookings[bookingId];
    if (!entry) throw new Error(`no booking ${bookingId} in the ledger`);
    this.touchBooking(bookingId);
    for (const code of this.codesOf(bookingId)) {
      if (code.state === 'revoked') continue;
      this.touchCode(code);
      if (code.onLock || code.inFlight) {
        code.rewrite = 'new-pin';
      } else {
        code.sealedPin = undefined;
        code.pinHash = undefined;
      }
    }
    if (entry.told === 'issued') {
      entry.version += 1;
      entry.pinChanged = true;
    }
  }

  /** Clears every code StayKey put on a lock and puts back what should be there (the same PINs where it still can). */
  wipe(lockId: string): void {
    for (const code of this.codesOnLock(lockId)) {
      if (code.state !== 'revoked' && (code.onLock || code.inFlight || code.state === 'failed')) {
        code.rewrite = code.rewrite ?? 'same-pin';
        this.touchCode(code);
      }
    }
  }

  private failureAlert(code: CodeEntry, action: LockAction): AlertMessage {
    const verb = action === 'clear' ? 'remove' : action === 'update' ? 'change' : 'set';
    return alert(
      'critical',
      'lock-failure',
      `Could not ${verb} the code of booking ${code.bookingId} on lock ${code.lockId}: ${code.lastError}. StayKey retries every ${
        this.options.retryFailedAfterMinutes ?? 60
      } min; check the lock and keep the backup key ready.`,
      { bookingId: code.bookingId, lockId: code.lockId },
    );
  }
}

/** A write the lock took as asked keeps the window's hours; a cleared code no longer has a chooser either. */
function forgetChosenHours(code: CodeEntry, action: LockAction): void {
  delete code.honoured;
  if (action === 'clear') delete code.chosenBy;
}
