import type { LockConfig, LockStatus } from '../locks/provider';
import type {
  AlertMessage,
  CodeChange,
  CodeMessage,
  CodeUsedMessage,
  DeliveryMessage,
  GuestCode,
  LockAction,
  LockCommand,
  LockResultMessage,
  LockSummary,
  ReadCode,
  WindowMessage,
} from '../messages';
import { generatePin, RandomInt, ruleBroken } from '../pins/pin-rules';
import { hashPin, pinMatchesHash, Vault } from '../pins/vault';
import type { Clock } from '../time/clock';
import { Period, periodAround } from '../windows/recurrence';
import { arrivalProblems, readinessText } from './readiness';
import { BookingEntry, codeIdOf, CodeEntry, CommandInFlight, emptyLedger, ForeignCode, LedgerData, ledgerWithDictionaries } from './ledger-types';
import { AnsweredRead, LockReader, readsCodes } from './lock-reads';
import { dictionary } from '../ids';

export interface LedgerStore {
  load(): LedgerData | undefined;
  save(data: LedgerData): void;
}

export interface LedgerOptions {
  clock: Clock;
  vault: Vault;
  /** The locks StayKey may put codes on, with their rules. */
  locks: () => LockConfig[];
  store?: LedgerStore;
  random?: RandomInt;
  /** A command with no result after this long is sent again (the same command, so the lock sees no change). */
  commandTimeoutMinutes?: number;
  /** After a failure has been reported, try again this often until it works or the booking ends. */
  retryFailedAfterMinutes?: number;
  /** Finished bookings stay this long for questions, then leave the ledger. */
  keepFinishedDays?: number;
  /** Offer the guest a PIN made from their phone's last 4 digits where the lock allows it. */
  pinFromPhone?: boolean;
  /** Forecasts and seasons make throwaway PINs: skip the bcrypt checks against hashed ones (new PINs, drift). */
  quickPins?: boolean;
  /**
   * Locks without schedules get a code this long before its window opens (default 30 minutes), so it is
   * on the door when the guest arrives even through a slow mesh and a retry or two.
   */
  setAheadMinutes?: number;
  /** Backup codes kept on each lock, ready for a guest whose own code cannot reach an offline lock. */
  backupCodesPerLock?: number;
  /**
   * A guest check-in page shows codes until checkout: their PINs then stay sealed (encrypted) instead of
   * becoming hashes once delivered. The host chooses this by turning the page on.
   */
  keepPinsForGuestPage?: boolean;
  /** Booking flags that must all be true before the guest is told their code (e.g. paid, idVerified). */
  releaseFlags?: string[];
  /** Every code event, for the access log (never a PIN). */
  onAccessEvent?: (event: AccessEvent) => void;
  /**
   * Locks that read codes back are read whole this often, for codes changed outside StayKey (default 24;
   * 0 = only when the host asks; never more often than once a day).
   */
  verifyEveryHours?: number;
}

/** What a verified guest may see on the check-in page. `pin` is null before issue (or when only its hash is left). */
export interface GuestView {
  bookingId: string;
  /** Changes with every re-issue: a page session made for an older version must verify again. */
  version: number;
  guestName?: string;
  unit: string;
  timeZone: string;
  checkInAt: string;
  checkOutAt: string;
  /** When the code is issued (the page says when it will appear). */
  issueAt?: string;
  issued: boolean;
  /** A release flag is no longer set (a payment reversed): the codes are withheld until it is again. */
  onHold?: boolean;
  codes: { lockName: string; pin: string | null }[];
}

export type AccessEventKind = 'issued' | 'set' | 'updated' | 'cleared' | 'used' | 'failed-attempt' | 'failed' | 'revoked' | 'backup-activated' | 'backup-expired';

/** One line of the access log: what happened to which code on which lock. No PIN, no guest details. */
export interface AccessEvent {
  at: string;
  event: AccessEventKind;
  lockId: string;
  slot?: number;
  bookingId?: string;
  detail?: string;
}

/** What one reconcile decided: commands for the locks, messages for guests, alerts for the host. */
export interface Plan {
  commands: LockCommand[];
  codeMessages: CodeMessage[];
  alerts: AlertMessage[];
}

export interface LedgerSummary {
  onLocks: number;
  pending: number;
  failed: number;
  bookings: number;
}

/** One step of a dry run: what would happen to which lock, and when. Never a PIN. */
export interface PlannedAction {
  at: string;
  action: LockAction;
  lockId: string;
  slot: number;
  bookingId: string;
  name: string;
  startsAt: string;
  endsAt: string;
}

const MINUTE = 60_000;
/** Failures no retry fixes: the host must change a setting, so they are told once, not at every retry. */
const NEEDS_THE_HOST: ReadonlySet<string> = new Set(['rejected-code', 'slots-full', 'unknown-lock', 'auth']);
/** Wrong PINs in a row on one lock before the host hears of it (someone guessing, or a confused guest). */
const WRONG_PIN_ALERT_AFTER = 3;

/**
 * The single source of truth for what every lock should hold and what it holds. Events (a window, a
 * lock result, a delivery, a keypad use) only change the record; `reconcile` compares what should be
 * with what is and plans the difference. The record is saved before any command leaves, so a restart
 * resends what was under way and loses nothing.
 */
export class Ledger {
  private readonly data: LedgerData;
  private readonly alerted = new Set<string>();
  private readonly byBooking = new Map<string, CodeEntry[]>();
  private readonly byLock = new Map<string, CodeEntry[]>();
  private readonly wrongPins = new Map<string, number>();
  private pendingReads: LockCommand[] = [];
  private readonly reader: LockReader;
  private dirty = false;

  constructor(private readonly options: LedgerOptions) {
    const saved = options.store?.load();
    this.data = saved ? ledgerWithDictionaries(saved) : emptyLedger();
    for (const code of Object.values(this.data.codes)) this.index(code);
    this.reader = new LockReader({
      data: this.data,
      now: () => this.now(),
      commandId: (lockId) => `read:${lockId}#${++this.data.commandSeq}`,
      commandTimeoutMs: this.commandTimeout(),
      retryAfterMs: this.retryAfter(),
      verifyEveryHours: options.verifyEveryHours ?? 24,
    });
  }

  /** Records a booking's window; a cancelled booking keeps its entry until its codes are gone. */
  acceptWindow(message: WindowMessage): void {
    const { booking, window } = message;
    const id = window.bookingId || booking.id;
    const existing = this.data.bookings[id];
    const cancelled = message.change === 'cancelled';
    this.dirty = true;
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
    if (result.action === 'read') return this.acceptReadBack(result);
    const entry = this.data.codes[result.codeId];
    if (!entry) return [];
    this.dirty = true;
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
      if (result.confirmed && !result.unverifiable) this.reader.confirmedWrite(this.lockConfig(entry.lockId), entry.slot);
      const event = sent.action === 'clear' ? 'cleared' : sent.action === 'update' ? 'updated' : 'set';
      this.logAccess(event, entry.lockId, { slot: entry.slot, bookingId: entry.bookingId });
      return [];
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

  acceptDelivery(delivery: DeliveryMessage): AlertMessage[] {
    const entry = this.data.bookings[delivery.bookingId];
    if (!entry) return [];
    if (delivery.delivered) {
      entry.delivered = true;
      this.dirty = true;
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
    this.dirty = true;
    (this.data.lastUse ??= dictionary())[event.lockId] = { at: event.at, bookingId: code.bookingId };
    if (code.usedAt) return [];
    code.usedAt = event.at;
    const entry = this.data.bookings[code.bookingId];
    if (!entry || entry.arrivedAt) return [];
    entry.arrivedAt = event.at;
    const who = entry.booking.guestName ?? entry.booking.id;
    return [alert('info', 'arrival', `${who} (${entry.window.unit}) used their code for the first time on lock ${event.lockId}.`, { bookingId: code.bookingId, lockId: event.lockId })];
  }

  /** Gives a booking new codes (a lost PIN, a suspected leak): each old code is cleared, then a new one set. */
  reissue(bookingId: string): void {
    const entry = this.data.bookings[bookingId];
    if (!entry) throw new Error(`no booking ${bookingId} in the ledger`);
    this.dirty = true;
    for (const code of this.codesOf(bookingId)) {
      if (code.state === 'revoked') continue;
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
    this.dirty = true;
    for (const code of this.codesOnLock(lockId)) {
      if (code.state !== 'revoked' && (code.onLock || code.inFlight || code.state === 'failed')) code.rewrite = code.rewrite ?? 'same-pin';
    }
  }

  /** Asks the lock (or every lock) what it holds; the answers come back as `read` results. */
  verify(lockId?: string): void {
    const ids = lockId ? [lockId] : this.options.locks().map((lock) => lock.id);
    for (const id of ids) {
      const read = this.reader.ask(id);
      if (read) this.pendingReads.push(read);
    }
    this.dirty = true;
  }

  /**
   * Forgets what every lock held when last read (the pin-issuer was removed from the flow): if it is
   * added again, it reads every lock afresh before writing, as on the day the locks were first linked.
   */
  forgetLockReads(): void {
    this.reader.forgetAll();
    this.save();
  }

  async reconcile(): Promise<Plan> {
    const locks = new Map(this.options.locks().map((lock) => [lock.id, lock]));
    // Reads go first: a lock first linked is read whole before anything is written to it.
    const plan: Plan = { commands: this.reader.planned([...locks.values()]), codeMessages: [], alerts: [] };
    this.keepBackupPools([...locks.values()]);
    // Nearest arrival first: when a lock runs out of slots, the guest arriving soonest gets one.
    const entries = Object.entries(this.data.bookings).sort(([, a], [, b]) => a.window.startsAt.localeCompare(b.window.startsAt));
    for (const [id, entry] of entries) await this.reconcileBooking(id, entry, locks, plan);
    plan.commands.push(...this.pendingReads.splice(0));
    await this.hashDelivered(locks);
    this.forgetFinished();
    if (this.dirty || plan.commands.length || plan.codeMessages.length) this.save();
    return plan;
  }

  save(): void {
    this.dirty = false;
    this.options.store?.save(this.data);
  }

  summary(): LedgerSummary {
    const codes = Object.values(this.data.codes);
    return {
      onLocks: codes.filter((c) => c.onLock).length,
      pending: codes.filter((c) => c.state === 'pending' || c.inFlight).length,
      failed: codes.filter((c) => c.state === 'failed').length,
      bookings: Object.keys(this.data.bookings).length,
    };
  }

  /** When the next thing falls due (an issue time, a window or staff hours opening or closing, a retry). */
  nextDueAt(): Date | undefined {
    const now = this.now();
    let next = Infinity;
    const consider = (at: number) => {
      if (at > now.getTime() && at < next) next = at;
    };
    for (const entry of Object.values(this.data.bookings)) {
      consider(Date.parse(entry.window.issueAt));
      consider(Date.parse(entry.window.endsAt));
      if (entry.lentTo) consider(Date.parse(entry.lentTo.until));
      const period = periodAround(entry.window, now);
      if (period) {
        consider(Date.parse(period.startsAt) - this.setAhead());
        consider(Date.parse(period.startsAt));
        consider(Date.parse(period.endsAt));
      }
    }
    for (const code of Object.values(this.data.codes)) {
      if (code.inFlight) consider(Date.parse(code.inFlight.sentAt) + this.commandTimeout());
      if (code.failedAt) consider(Date.parse(code.failedAt) + this.retryAfter());
    }
    for (const at of this.reader.dueTimes(this.options.locks())) consider(at);
    return Number.isFinite(next) ? new Date(next) : undefined;
  }

  /** Commands sent before a restart that never got an answer: sent again, marked so the lock is read first. */
  commandsInFlight(): LockCommand[] {
    return Object.values(this.data.codes)
      .filter((code) => code.inFlight)
      .map((code) => ({ ...this.commandFor(code, code.inFlight!.action, code.inFlight!.id), resent: true }));
  }

  /**
   * What would happen to the locks from now until `until` if every command worked: a dry run on a copy
   * of the ledger and a clock of its own. The real ledger and the locks are not touched.
   */
  async forecast(until: Date, clock: Clock & { advanceTo(at: Date): void }): Promise<PlannedAction[]> {
    const copy = new Ledger({
      ...this.options,
      clock,
      quickPins: true,
      store: { load: () => JSON.parse(JSON.stringify(this.data)) as LedgerData, save: () => undefined },
    });
    const actions: PlannedAction[] = [];
    for (let step = 0; step < 10_000; step++) {
      const { commands } = await copy.reconcile();
      // Every read finds the locks as the ledger last knew them.
      for (const read of commands.filter((c) => c.action === 'read')) {
        await copy.acceptResult({ kind: 'lock-result', commandId: read.id, codeId: read.codeId, lockId: read.lockId, action: 'read', ok: true, confirmed: true, attempts: 1, codes: copy.asLastRead(read.lockId) });
      }
      for (const command of commands.filter((c) => c.action !== 'read')) {
        const { at, bookingId } = { at: clock.now().toISOString(), bookingId: copy.data.codes[command.codeId]?.bookingId ?? '' };
        actions.push({ at, action: command.action, lockId: command.lockId, slot: command.slot, bookingId, name: command.name, startsAt: command.startsAt, endsAt: command.endsAt });
        await copy.acceptResult({ kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 });
      }
      if (commands.length) continue;
      const next = copy.nextDueAt();
      if (!next || next.getTime() > until.getTime()) break;
      clock.advanceTo(next);
    }
    return actions;
  }

  /**
   * The booking a guest proves they hold: the reservation code they were given (never an internal id)
   * and their last name or the last 4 digits of their phone. A one-letter name proves nothing: anyone
   * gets it right in a few tries. Undefined when nothing matches; the page limits how often one may try.
   */
  findGuest(reference: string, proof: string): string | undefined {
    const given = normalise(proof);
    if (!given) return undefined;
    for (const id of this.guestsNamed(reference)) {
      const { booking } = this.data.bookings[id];
      const lastName = normalise(booking.guestName?.trim().split(/\s+/).pop() ?? '');
      const phone = booking.phoneLast4 && /^\d{4}$/.test(booking.phoneLast4) ? booking.phoneLast4 : undefined;
      if ((lastName.length > 1 && lastName === given) || (phone && phone === given)) return id;
    }
    return undefined;
  }

  /** The current guest bookings whose reservation code is `reference` (case, accents and spaces aside). */
  guestsNamed(reference: string): string[] {
    const ref = normalise(reference);
    if (!ref) return [];
    return Object.entries(this.data.bookings)
      .filter(([, entry]) => !entry.cancelled && isGuest(entry) && entry.booking.reservationCode !== undefined && normalise(entry.booking.reservationCode) === ref)
      .map(([id]) => id);
  }

  /** What the check-in page shows a verified guest; PINs opened only here, for them. */
  guestView(bookingId: string): GuestView | undefined {
    const entry = this.data.bookings[bookingId];
    if (!entry || entry.cancelled || Date.parse(entry.window.endsAt) <= this.now().getTime()) return undefined;
    const locks = new Map(this.options.locks().map((lock) => [lock.id, lock]));
    const issued = entry.told === 'issued';
    // Read at every view, so a flag cleared after the guest was told hides the code at once.
    const onHold = this.missingFlags(entry).length > 0;
    const codes = entry.window.locks.map((lockId) => {
      const code = this.codesOf(bookingId).find((c) => c.lockId === lockId && c.state !== 'revoked');
      const pin = issued && !onHold && code?.sealedPin && !code.rewrite ? this.options.vault.open(code.sealedPin) : null;
      return { lockName: locks.get(lockId)?.name ?? lockId, pin };
    });
    const view: GuestView = {
      bookingId,
      version: entry.version,
      unit: entry.window.unit,
      timeZone: entry.window.timeZone,
      checkInAt: entry.window.checkInAt,
      checkOutAt: entry.window.checkOutAt,
      issueAt: entry.window.issueAt,
      issued,
      codes,
    };
    if (entry.booking.guestName) view.guestName = entry.booking.guestName;
    if (onHold) view.onHold = true;
    return view;
  }

  /** The locks of arrivals within the next `hours`: the ones whose status a readiness check needs. */
  locksArrivingWithin(hours: number): string[] {
    const ids = new Set<string>();
    for (const [, entry] of this.upcomingArrivals(hours)) entry.window.locks.forEach((lockId) => ids.add(lockId));
    return [...ids];
  }

  /**
   * Readiness before each arrival: every lock online and above critical battery, every code confirmed
   * (or, without schedules, its slot free), the guest told. A problem is told once per check period
   * (e.g. 24 h ahead, then again 2 h ahead if it is still there), new problems as soon as they appear,
   * with the fallback for each lock (its backup key).
   */
  checkReadiness(statuses: Map<string, LockStatus | Error>, checkHours: number[], fallbackFor: (lock: LockConfig) => string): AlertMessage[] {
    const now = this.now();
    const locks = new Map(this.options.locks().map((lock) => [lock.id, lock]));
    const alerts: AlertMessage[] = [];
    for (const [id, entry] of this.upcomingArrivals(Math.max(...checkHours))) {
      const hoursLeft = (Date.parse(entry.window.checkInAt) - now.getTime()) / 3600_000;
      const period = Math.min(...checkHours.filter((hours) => hours >= hoursLeft));
      const codes = this.codesOf(id);
      const others = (lockId: string) => this.activeCodesOn(lockId).filter((code) => code.bookingId !== id);
      const problems = arrivalProblems({ bookingId: id, entry, codes, othersOnLock: others }, locks, statuses, now);
      const fresh = problems.filter((problem) => !this.alerted.has(`ready:${id}:${period}:${problem.key}`));
      if (!fresh.length) continue;
      fresh.forEach((problem) => this.alerted.add(`ready:${id}:${period}:${problem.key}`));
      const troubled = [...new Set(problems.map((problem) => problem.lockId))].map((lockId) => locks.get(lockId)).filter((lock): lock is LockConfig => Boolean(lock));
      const text = readinessText(id, entry, problems, hoursLeft, troubled.map(fallbackFor));
      alerts.push(alert('critical', 'readiness', text, { bookingId: id }));
    }
    return alerts;
  }

  /**
   * Gives a stranded guest a backup code: one set on the lock beforehand, so it works while the lock
   * is offline. Lent until the guest's checkout, then replaced with a new one.
   */
  activateBackup(bookingId: string, lockId: string): { message?: CodeMessage; alerts: AlertMessage[] } {
    const guest = this.data.bookings[bookingId];
    if (!guest) throw new Error(`no booking ${bookingId} in the ledger`);
    if (this.backupLentTo(bookingId, lockId)) return { alerts: [] };
    const backup = this.freeBackup(lockId);
    if (!backup) {
      const text = `No backup code is free on lock ${lockId} for booking ${bookingId}: use the backup key.`;
      return { alerts: this.once(`no-backup:${bookingId}:${lockId}`, alert('critical', 'backup-code', text, { bookingId, lockId })) };
    }
    const [entry, code] = backup;
    entry.lentTo = { bookingId, at: this.now().toISOString(), until: guest.window.endsAt };
    this.dirty = true;
    this.logAccess('backup-activated', lockId, { slot: code.slot, bookingId });
    const lock = this.options.locks().find((l) => l.id === lockId)!;
    const codes: GuestCode[] = [{ lockId, lockName: lock.name, unit: guest.window.unit, slot: code.slot, pin: code.sealedPin }];
    const text = `Booking ${bookingId}: lock ${lockId} could not take the guest's own code, so a backup code (slot ${code.slot}) was sent to them, valid until checkout.`;
    return { message: this.codeMessage(bookingId, guest, 'backup', codes), alerts: [alert('warning', 'backup-code', text, { bookingId, lockId })] };
  }

  /**
   * Guests arriving within `hours` whose code is not on an offline lock get a backup code, where the
   * host keeps a pool. Returns the messages for those guests and the host.
   */
  lendBackupsToStranded(statuses: Map<string, LockStatus | Error>, hours: number): { messages: CodeMessage[]; alerts: AlertMessage[] } {
    const out = { messages: [] as CodeMessage[], alerts: [] as AlertMessage[] };
    if (!this.options.backupCodesPerLock) return out;
    for (const [id, entry] of this.upcomingArrivals(hours)) {
      if (!isGuest(entry)) continue;
      for (const lockId of entry.window.locks) {
        const status = statuses.get(lockId);
        const offline = !status || status instanceof Error || !status.online;
        const code = this.codesOf(id).find((c) => c.lockId === lockId && c.state !== 'revoked');
        if (!offline || (code && code.state === 'confirmed' && code.onLock)) continue;
        const { message, alerts } = this.activateBackup(id, lockId);
        if (message) out.messages.push(message);
        out.alerts.push(...alerts);
      }
    }
    return out;
  }

  private backupLentTo(bookingId: string, lockId: string): boolean {
    return this.backupEntries(lockId).some(([entry]) => entry.lentTo?.bookingId === bookingId);
  }

  private freeBackup(lockId: string): [BookingEntry, CodeEntry] | undefined {
    for (const [entry, id] of this.backupEntries(lockId)) {
      const code = this.codesOf(id).find((c) => c.lockId === lockId);
      if (!entry.lentTo && code && code.state === 'confirmed' && code.onLock && code.sealedPin && !code.rewrite) return [entry, code];
    }
    return undefined;
  }

  private backupEntries(lockId: string): [BookingEntry, string][] {
    return Object.entries(this.data.bookings)
      .filter(([, entry]) => entry.window.kind === 'backup' && entry.window.locks[0] === lockId)
      .map(([id, entry]) => [entry, id]);
  }

  /**
   * Keeps each lock's pool of backup codes: always there (renewed well before they lapse), and a code
   * lent to a guest is replaced with a new one after their checkout.
   */
  private keepBackupPools(locks: LockConfig[]): void {
    const count = this.options.backupCodesPerLock ?? 0;
    const now = this.now();
    for (const lock of locks) {
      for (let n = 1; n <= count; n++) {
        const id = `backup:${lock.id}:${n}`;
        const entry = this.data.bookings[id];
        if (!entry) {
          this.data.bookings[id] = backupEntry(id, lock, n, now);
          this.dirty = true;
          continue;
        }
        if (entry.lentTo && Date.parse(entry.lentTo.until) <= now.getTime()) this.retireLentBackup(id, entry, lock);
        if (Date.parse(entry.window.endsAt) - now.getTime() < 30 * 24 * 3600_000) {
          entry.window = backupEntry(id, lock, n, now).window;
          this.dirty = true;
        }
      }
    }
  }

  private retireLentBackup(id: string, entry: BookingEntry, lock: LockConfig): void {
    this.logAccess('backup-expired', lock.id, { bookingId: entry.lentTo!.bookingId });
    entry.lentTo = undefined;
    for (const code of this.codesOf(id)) if (code.state !== 'revoked') code.rewrite = 'new-pin';
    this.dirty = true;
  }

  private upcomingArrivals(hours: number): [string, BookingEntry][] {
    const now = this.now().getTime();
    return Object.entries(this.data.bookings).filter(([, entry]) => {
      if (entry.cancelled || entry.window.kind === 'staff' || entry.window.kind === 'backup') return false;
      const left = Date.parse(entry.window.checkInAt) - now;
      return left > 0 && left <= hours * 3600_000;
    });
  }

  /** Each lock as a dashboard shows it: guest codes on it, the next arrival, the last use. Never a PIN. */
  lockSummaries(): LockSummary[] {
    const now = this.now().toISOString();
    return this.options.locks().map((lock) => {
      const guestCodes = this.codesOnLock(lock.id).filter((code) => code.onLock && isGuest(this.data.bookings[code.bookingId]));
      const arrivals = Object.values(this.data.bookings)
        .filter((entry) => !entry.cancelled && isGuest(entry) && entry.window.locks.includes(lock.id) && entry.window.checkInAt > now)
        .map((entry) => entry.window.checkInAt)
        .sort();
      const lastUse = this.data.lastUse?.[lock.id];
      const summary: LockSummary = {
        lockId: lock.id,
        name: lock.name,
        activeGuestCodes: guestCodes.length,
        nextArrival: arrivals[0] ?? null,
        lastCodeUsedAt: lastUse?.at ?? null,
      };
      const unverifiable = guestCodes.filter((code) => code.unverifiable).length;
      if (unverifiable > 0) summary.unverifiableGuestCodes = unverifiable;
      const who = lastUse && this.data.bookings[lastUse.bookingId]?.booking.guestName;
      if (who) summary.lastCodeUsedBy = who;
      return summary;
    });
  }

  snapshot(): LedgerData {
    return JSON.parse(JSON.stringify(this.data)) as LedgerData;
  }

  codesOf(bookingId: string): CodeEntry[] {
    return this.byBooking.get(bookingId) ?? [];
  }

  private codesOnLock(lockId: string): CodeEntry[] {
    return this.byLock.get(lockId) ?? [];
  }

  private index(code: CodeEntry): void {
    for (const [map, key] of [
      [this.byBooking, code.bookingId],
      [this.byLock, code.lockId],
    ] as const) {
      const list = map.get(key);
      if (list) list.push(code);
      else map.set(key, [code]);
    }
  }

  private unindex(code: CodeEntry): void {
    for (const [map, key] of [
      [this.byBooking, code.bookingId],
      [this.byLock, code.lockId],
    ] as const) {
      const rest = (map.get(key) ?? []).filter((other) => other !== code);
      if (rest.length) map.set(key, rest);
      else map.delete(key);
    }
  }

  private async reconcileBooking(id: string, entry: BookingEntry, locks: Map<string, LockConfig>, plan: Plan): Promise<void> {
    const now = this.now();
    const { window } = entry;
    const oneTimeDone = window.kind === 'one-time' && Boolean(entry.arrivedAt);
    const period = !entry.cancelled && !oneTimeDone ? periodAround(window, now) : undefined;
    const issued = Boolean(period) && now.getTime() >= Date.parse(window.issueAt);
    const lockIds = new Set([...window.locks, ...this.codesOf(id).map((code) => code.lockId)]);
    for (const lockId of lockIds) {
      const lock = locks.get(lockId);
      const forThisBooking = issued && window.locks.includes(lockId);
      if (!lock) {
        if (forThisBooking) plan.alerts.push(...this.once(`unknown-lock:${id}:${lockId}`, unknownLockAlert(entry, lockId)));
        continue;
      }
      let code: CodeEntry | undefined = this.data.codes[codeIdOf(id, lockId)];
      // A revoked code the booking needs again (its dates moved back within reach, a cancellation
      // undone) starts afresh: another guest may have taken its old slot meanwhile.
      if (code?.state === 'revoked' && forThisBooking) code = this.forgetCode(code);
      if (!code && forThisBooking) code = await this.reserve(id, entry, lock, plan);
      if (!code || !this.hasSlot(code, entry, lock, plan)) continue;
      const onDoorNow = forThisBooking && period !== undefined && (lock.schedules || now.getTime() >= Date.parse(period.startsAt) - this.setAhead());
      await this.step(code, entry, lock, forThisBooking, onDoorNow ? period : undefined, plan);
    }
    this.tellGuest(id, entry, locks, period, plan);
  }

  /** Moves one code one step towards where it should be: on the door with `period`'s dates, or off it. */
  private async step(code: CodeEntry, entry: BookingEntry, lock: LockConfig, reserved: boolean, period: Period | undefined, plan: Plan) {
    if (code.inFlight) return this.resendIfLost(code, plan);
    const action = this.nextAction(code, lock, period);
    if (action && this.waitingAfterFailure(code, action)) return;
    if (action === 'set' && !this.slotLookedAt(code, lock, plan)) return;
    if (action) return this.send(code, action, entry, lock, period, plan);
    if (reserved && !code.sealedPin && !code.pinHash) await this.newPin(code, entry, lock, plan);
    if (!reserved && !code.onLock) this.revoke(code);
  }

  private nextAction(code: CodeEntry, lock: LockConfig, period: Period | undefined): LockAction | undefined {
    // A reset or a wipe takes the code off first, so the old PIN stops working before anything else.
    if (code.rewrite && (code.onLock || code.state === 'failed')) return 'clear';
    if (period) {
      if (!code.onLock) return 'set';
      if (!code.sealedPin && !code.pinHash) return 'set';
      if (lock.schedules && !sameDates(code.onLock, period)) return 'update';
      return undefined;
    }
    // A failed set may still have reached the lock (a timeout after the lock took it): clear to be sure.
    if (code.onLock || code.state === 'failed') return 'clear';
    return undefined;
  }

  /**
   * A slot never seen read back may hold a code StayKey did not create: it is read (that slot only)
   * before the first write, and the write waits for the answer.
   */
  private slotLookedAt(code: CodeEntry, lock: LockConfig, plan: Plan): boolean {
    const look = this.reader.beforeWriting(lock, code.slot);
    if (look === 'known') return true;
    if (look !== 'wait') plan.commands.push(look);
    this.dirty = true;
    return false;
  }

  private resendIfLost(code: CodeEntry, plan: Plan): void {
    const sent = code.inFlight!;
    if (this.now().getTime() - Date.parse(sent.sentAt) < this.commandTimeout()) return;
    sent.sentAt = this.now().toISOString();
    this.dirty = true;
    plan.commands.push({ ...this.commandFor(code, sent.action, sent.id), resent: true });
  }

  private async send(code: CodeEntry, action: LockAction, entry: BookingEntry, lock: LockConfig, period: Period | undefined, plan: Plan): Promise<void> {
    // A set needs the PIN itself; an update can keep the PIN the lock already has. Without it (a
    // reset, or only the hash is left and the lock lost the code) the guest gets a new code.
    if (action === 'set' && !code.sealedPin) {
      const told = entry.told === 'issued';
      await this.newPin(code, entry, lock, plan);
      if (!code.sealedPin) return;
      if (told) {
        entry.version += 1;
        entry.pinChanged = true;
      }
    }
    const id = `${code.codeId}#${++this.data.commandSeq}`;
    const dates = action === 'clear' ? code.onLock ?? entry.window : period ?? entry.window;
    code.inFlight = { id, action, sentAt: this.now().toISOString(), startsAt: dates.startsAt, endsAt: dates.endsAt };
    if (code.state === 'revoked') code.state = 'pending';
    this.dirty = true;
    plan.commands.push(this.commandFor(code, action, id));
  }

  private commandFor(code: CodeEntry, action: LockAction, id: string): LockCommand {
    const sent = code.inFlight!;
    const command: LockCommand = {
      id,
      action,
      lockId: code.lockId,
      slot: code.slot,
      codeId: code.codeId,
      name: code.name,
      startsAt: sent.startsAt,
      endsAt: sent.endsAt,
    };
    if (action !== 'clear' && code.sealedPin) command.pin = code.sealedPin;
    return command;
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

  private revoke(code: CodeEntry): void {
    if (code.state === 'revoked') return;
    this.logAccess('revoked', code.lockId, { slot: code.slot, bookingId: code.bookingId });
    this.dirty = true;
    code.state = 'revoked';
    code.revokedAt = this.now().toISOString();
    code.sealedPin = undefined;
    code.pinHash = undefined;
    code.onLock = undefined;
    code.rewrite = undefined;
  }

  /** A code whose slot went to a sooner arrival takes the next free one; until then the host knows it waits. */
  private hasSlot(code: CodeEntry, entry: BookingEntry, lock: LockConfig, plan: Plan): boolean {
    if (!code.waitingForSlot) return true;
    const slot = this.freeSlot(lock) ?? this.slotFromLaterArrival(entry, lock, plan);
    if (slot === undefined) {
      plan.alerts.push(...this.once(`full:${code.bookingId}:${lock.id}`, fullLockAlert(code.bookingId, entry, lock)));
      return false;
    }
    code.slot = slot;
    code.waitingForSlot = undefined;
    this.dirty = true;
    return true;
  }

  /** Takes a slot and a PIN for a booking on a lock, or alerts the host when the lock has no room. */
  private async reserve(id: string, entry: BookingEntry, lock: LockConfig, plan: Plan): Promise<CodeEntry | undefined> {
    const slot = this.stayKeySlotFor(lock.id, codeName(entry)) ?? this.freeSlot(lock) ?? this.slotFromLaterArrival(entry, lock, plan);
    if (slot === undefined) {
      plan.alerts.push(...this.once(`full:${id}:${lock.id}`, fullLockAlert(id, entry, lock)));
      return undefined;
    }
    const code: CodeEntry = { codeId: codeIdOf(id, lock.id), bookingId: id, lockId: lock.id, slot, name: codeName(entry), state: 'pending' };
    this.logAccess('issued', lock.id, { slot, bookingId: id });
    this.data.codes[code.codeId] = code;
    this.index(code);
    this.dirty = true;
    await this.newPin(code, entry, lock, plan);
    return code;
  }

  private forgetCode(code: CodeEntry): undefined {
    delete this.data.codes[code.codeId];
    this.unindex(code);
    this.dirty = true;
    return undefined;
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
    this.dirty = true;
    plan.alerts.push(...this.once(`full:${later.code.bookingId}:${lock.id}`, fullLockAlert(later.code.bookingId, later.booking, lock, entry)));
    return slot;
  }

  /**
   * A PIN for a booking on a lock: the booking's PIN from its other locks where this lock allows it
   * (guests keep one code), else one from the guest's phone digits if the host wants that, else a
   * random one; never one the lock already holds.
   */
  private async newPin(code: CodeEntry, entry: BookingEntry, lock: LockConfig, plan: Plan): Promise<void> {
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
    this.dirty = true;
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

  private activeCodesOn(lockId: string): CodeEntry[] {
    return this.codesOnLock(lockId).filter((code) => code.state !== 'revoked');
  }

  /** Tells the guest once per change, when every lock is ready (or, for locks without schedules, reserved). */
  private tellGuest(id: string, entry: BookingEntry, locks: Map<string, LockConfig>, period: Period | undefined, plan: Plan): void {
    const now = this.now().getTime();
    const codes = this.codesOf(id);
    if (!period) {
      if (entry.cancelled && entry.told === 'issued' && codes.every((c) => c.state === 'revoked')) {
        entry.told = 'revoked';
        this.dirty = true;
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
    this.dirty = true;
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

  private missingFlags(entry: BookingEntry): string[] {
    return (this.options.releaseFlags ?? []).filter((flag) => entry.booking.flags?.[flag] !== true);
  }

  private codeMessage(id: string, entry: BookingEntry, change: CodeChange, codes: GuestCode[]): CodeMessage {
    return { kind: 'code', change, bookingId: id, booking: entry.booking, window: entry.window, codes };
  }

  /**
   * Once a code is on its lock and its guest has it, the sealed PIN becomes a bcrypt hash. Staff codes
   * on locks without schedules keep theirs: those locks need the PIN again every week.
   */
  private async hashDelivered(locks: Map<string, LockConfig>): Promise<void> {
    for (const code of Object.values(this.data.codes)) {
      const booking = this.data.bookings[code.bookingId];
      if (!code.sealedPin || !code.onLock || code.state !== 'confirmed' || !booking?.delivered || code.rewrite) continue;
      if (booking.toldVersion < booking.version) continue;
      if (booking.window.weekly && !locks.get(code.lockId)?.schedules) continue;
      if (booking.window.kind === 'backup' || this.options.keepPinsForGuestPage) continue;
      code.pinHash = await hashPin(this.options.vault.open(code.sealedPin));
      code.sealedPin = undefined;
      this.dirty = true;
    }
  }

  /**
   * What a lock says it holds (every slot, or the one slot read before a write), against what the
   * ledger says. A code removed or changed outside StayKey is put back (with a new PIN, told to the
   * guest, where only its hash is left); codes StayKey did not create are left alone, their slots and
   * PINs avoided, and a code waiting for a slot that turns out taken moves to another.
   */
  private async acceptReadBack(result: LockResultMessage): Promise<AlertMessage[]> {
    const read = this.reader.answered(result, this.lockConfig(result.lockId));
    this.dirty = true;
    if (!result.ok || !result.codes) return this.readFailed(result, read);
    const found = read.slot ? result.codes.filter((code) => code.slot === read.slot) : result.codes;
    const held = new Map(found.map((code) => [code.slot, code]));
    const alerts: AlertMessage[] = [];
    const claimed = new Set<number>();
    for (const code of this.activeCodesOn(result.lockId)) {
      if (code.waitingForSlot || (read.slot && code.slot !== read.slot)) continue;
      const there = held.get(code.slot);
      if (code.inFlight || (code.onLock && (await this.driftChecked(code, there, alerts)))) claimed.add(code.slot);
      else if (await this.reservedSlotChecked(code, there)) claimed.add(code.slot);
    }
    this.keepForeign(result.lockId, read.slot, found.filter((code) => !claimed.has(code.slot)).map(foreignCode));
    this.adoptStayKeySlots(result.lockId);
    alerts.push(...this.foreignAlerts(result.lockId, this.data.foreign?.[result.lockId] ?? []));
    return alerts;
  }

  /** A code StayKey put on the lock: drift is repaired as the host would expect. Returns true (its slot is claimed). */
  private async driftChecked(code: CodeEntry, there: ReadCode | undefined, alerts: AlertMessage[]): Promise<boolean> {
    const drift = await this.driftOf(code, there);
    if (!drift) return true;
    code.onLock = drift === 'dates' ? datesOf(there!) : undefined;
    if (drift !== 'dates') code.state = 'pending';
    code.failedAt = undefined;
    alerts.push(driftAlert(code, drift, Boolean(code.sealedPin)));
    return true;
  }

  /**
   * A code not yet on the lock whose slot holds something: StayKey's own (a write whose answer was
   * lost, recognised by its PIN) is taken as on the lock; anything else is not StayKey's to overwrite,
   * so the code waits for another slot. Returns true when the slot stays the code's.
   */
  private async reservedSlotChecked(code: CodeEntry, there: ReadCode | undefined): Promise<boolean> {
    if (!there) return true;
    if (there.pin !== null && code.sealedPin && this.options.vault.open(there.pin) === this.options.vault.open(code.sealedPin)) {
      code.onLock = there.startsAt && there.endsAt ? datesOf(there) : { startsAt: '', endsAt: '' };
      code.state = 'confirmed';
      code.failedAt = undefined;
      return true;
    }
    code.waitingForSlot = true;
    code.state = 'pending';
    code.failedAt = undefined;
    code.failedAction = undefined;
    return false;
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
    this.dirty = true;
    return match.slot;
  }

  /** Codes waiting for their first write move into the slots of their earlier selves. */
  private adoptStayKeySlots(lockId: string): void {
    for (const code of this.activeCodesOn(lockId)) {
      if (code.onLock || code.inFlight) continue;
      const slot = this.stayKeySlotFor(lockId, code.name);
      if (slot === undefined) continue;
      code.slot = slot;
      code.waitingForSlot = undefined;
      code.state = 'pending';
      code.failedAt = undefined;
    }
  }

  /** A whole read replaces what is known of a lock's foreign codes; a one-slot read replaces that slot's. */
  private keepForeign(lockId: string, slot: number, found: ForeignCode[]): void {
    const kept = slot ? (this.data.foreign?.[lockId] ?? []).filter((code) => code.slot !== slot) : [];
    (this.data.foreign ??= dictionary())[lockId] = [...kept, ...found].sort((a, b) => a.slot - b.slot);
  }

  private foreignAlerts(lockId: string, foreign: ForeignCode[]): AlertMessage[] {
    const alerts: AlertMessage[] = [];
    const plain = foreign.filter((code) => !code.namedByStayKey).map((code) => code.slot);
    if (plain.length) {
      const text = `Lock ${lockId} holds codes StayKey did not create (slots ${plain.join(', ')}): left alone, and their slots and PINs are not used.`;
      alerts.push(...this.once(`foreign:${lockId}:${plain.join(',')}`, alert('info', 'foreign-codes', text, { lockId })));
    }
    for (const code of foreign.filter((c) => c.namedByStayKey)) {
      const text = `Lock ${lockId} slot ${code.slot} holds a code named "${code.namedByStayKey}" like StayKey's that no code of this pin-issuer holds (an earlier pin-issuer's?). Left alone until a booking of that name takes its slot with a new code; if its stay is over, remove it in the lock's app.`;
      alerts.push(...this.once(`foreign-staykey:${lockId}:${code.slot}:${code.namedByStayKey}`, alert('warning', 'foreign-codes', text, { lockId })));
    }
    return alerts;
  }

  /** A read that failed: the writes it guards wait, unless the lock answered that it cannot be read at all. */
  private readFailed(result: LockResultMessage, read: AnsweredRead): AlertMessage[] {
    const lock = this.lockConfig(result.lockId);
    if (lock && !readsCodes(lock)) {
      const text = `Lock ${lock.name} cannot read its codes back (${result.error ?? result.reason ?? 'the read failed'}): StayKey relies on what the lock accepted.`;
      return this.once(`cannot-read:${lock.id}`, alert('info', 'lock-read', text, { lockId: lock.id }));
    }
    const what = read.slot ? `slot ${read.slot} before writing to it` : 'its codes';
    const why = result.error ?? result.reason ?? 'no reason given';
    if (this.reader.failed(read.state, result)) {
      const text = `Lock ${result.lockId} could not be read (${why}). StayKey writes its codes without reading the slots first; keep your own codes outside the slots StayKey uses.`;
      return this.once(`unreadable:${result.lockId}`, alert('warning', 'lock-read', text, { lockId: result.lockId }));
    }
    const text = `Could not read ${what} on lock ${result.lockId} (${why}). Codes for it wait; StayKey tries again in ${this.options.retryFailedAfterMinutes ?? 60} min.`;
    return this.once(`read-failed:${result.lockId}:${read.state.failedAt}`, alert('warning', 'lock-read', text, { lockId: result.lockId }));
  }

  /** What the ledger last knew of a lock, as a read would say it (a forecast's locks never change). */
  private asLastRead(lockId: string): ReadCode[] {
    const ours = this.activeCodesOn(lockId)
      .filter((code) => code.onLock)
      .map((code) => ({ slot: code.slot, pin: code.sealedPin ?? null, ...(code.onLock!.startsAt ? code.onLock : {}) }) as ReadCode);
    const theirs = (this.data.foreign?.[lockId] ?? []).map((code) => ({ slot: code.slot, pin: code.pin }) as ReadCode);
    return [...ours, ...theirs];
  }

  private lockConfig(lockId: string): LockConfig | undefined {
    return this.options.locks().find((lock) => lock.id === lockId);
  }

  private async driftOf(code: CodeEntry, held: ReadCode | undefined): Promise<'removed' | 'changed' | 'dates' | undefined> {
    if (!code.onLock) return undefined;
    if (!held) return 'removed';
    if (held.pin !== null) {
      const pin = this.options.vault.open(held.pin);
      const same = code.sealedPin ? this.options.vault.open(code.sealedPin) === pin : code.pinHash ? await this.matchesHash(pin, code.pinHash) : true;
      if (!same) return 'changed';
    }
    if (held.startsAt && held.endsAt && !sameDates(code.onLock, datesOf(held))) return 'dates';
    return undefined;
  }

  /** A forecast or a season (`quickPins`) takes a hashed PIN as unchanged: bcrypt is not what they measure. */
  private async matchesHash(pin: string, hash: string): Promise<boolean> {
    return this.options.quickPins ? true : pinMatchesHash(pin, hash);
  }

  private wrongPin(event: CodeUsedMessage): AlertMessage[] {
    const count = (this.wrongPins.get(event.lockId) ?? 0) + 1;
    this.wrongPins.set(event.lockId, count);
    if (count % WRONG_PIN_ALERT_AFTER !== 0) return [];
    return [alert('warning', 'wrong-pin', `${count} wrong PINs in a row on lock ${event.lockId} (last at ${event.at}): a guest may be stuck, or someone is guessing.`, { lockId: event.lockId })];
  }

  private forgetFinished(): void {
    const cutoff = this.now().getTime() - (this.options.keepFinishedDays ?? 7) * 24 * 60 * MINUTE;
    for (const [id, entry] of Object.entries(this.data.bookings)) {
      const codes = this.codesOf(id);
      if (!codes.every((code) => code.state === 'revoked')) continue;
      const finished = entry.cancelled ? Date.parse(entry.updatedAt) : Date.parse(entry.window.endsAt);
      if (finished > cutoff) continue;
      for (const code of [...codes]) this.forgetCode(code);
      delete this.data.bookings[id];
      this.dirty = true;
    }
  }

  /** After a failure the host has been told; the same command is tried again only after a pause. */
  private waitingAfterFailure(code: CodeEntry, action: LockAction): boolean {
    if (!code.failedAt || code.failedAction !== action) return false;
    return this.now().getTime() - Date.parse(code.failedAt) < this.retryAfter();
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

  private logAccess(event: AccessEventKind, lockId: string, about: Partial<Omit<AccessEvent, 'event' | 'lockId'>> = {}): void {
    this.options.onAccessEvent?.({ at: about.at ?? this.now().toISOString(), event, lockId, ...withoutUndefined(about) });
  }

  private once(key: string, message: AlertMessage): AlertMessage[] {
    if (this.alerted.has(key)) return [];
    this.alerted.add(key);
    return [message];
  }

  private commandTimeout(): number {
    return (this.options.commandTimeoutMinutes ?? 120) * MINUTE;
  }

  private setAhead(): number {
    return (this.options.setAheadMinutes ?? 30) * MINUTE;
  }

  private retryAfter(): number {
    return (this.options.retryFailedAfterMinutes ?? 60) * MINUTE;
  }

  private now(): Date {
    return this.options.clock.now();
  }
}

/** A backup code's booking: on the lock for the next 400 days, renewed before it lapses. */
function backupEntry(id: string, lock: LockConfig, n: number, now: Date): BookingEntry {
  const startsAt = now.toISOString();
  const endsAt = new Date(now.getTime() + 400 * 24 * 3600_000).toISOString();
  const day = (iso: string) => iso.slice(0, 10);
  return {
    booking: { id, unit: lock.name, source: 'backup', arrival: day(startsAt), departure: day(endsAt), guestName: `Backup ${n}` },
    window: { bookingId: id, unit: lock.name, locks: [lock.id], timeZone: 'UTC', checkInAt: startsAt, checkOutAt: endsAt, startsAt, endsAt, issueAt: startsAt, kind: 'backup' },
    cancelled: false,
    version: 1,
    toldVersion: 0,
    told: 'nothing',
    delivered: false,
    updatedAt: startsAt,
  };
}

/** Case, accents and spaces do not matter when a guest types their name or code. */
function normalise(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, '').toLowerCase();
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isGuest(entry: BookingEntry | undefined): boolean {
  return Boolean(entry) && (entry!.window.kind ?? 'guest') === 'guest';
}

function sameDates(a: Period, b: Period): boolean {
  return Date.parse(a.startsAt) === Date.parse(b.startsAt) && Date.parse(a.endsAt) === Date.parse(b.endsAt);
}

function datesOf(code: ReadCode): Period {
  return { startsAt: code.startsAt ?? '', endsAt: code.endsAt ?? '' };
}

async function anyMatches(pin: string, hashes: string[]): Promise<boolean> {
  for (const hash of hashes) if (await pinMatchesHash(pin, hash)) return true;
  return false;
}

/** A code StayKey did not create; one named the way StayKey names codes keeps that name (capped) for the host. */
function foreignCode(code: ReadCode): ForeignCode {
  const foreign: ForeignCode = { slot: code.slot, pin: code.pin };
  if (code.name?.startsWith('SK ')) foreign.namedByStayKey = code.name.slice(0, 40);
  return foreign;
}

function codeName(entry: BookingEntry): string {
  // Vendors cap code names (Nuki: 20 characters); the booking id keeps it traceable.
  const who = entry.booking.guestName ?? entry.booking.reservationCode ?? entry.booking.id;
  return `SK ${who}`.slice(0, 20);
}

/** A code whose PIN is only a hash (the guest already has it) goes without one: "your code is unchanged". */
function guestCode(code: CodeEntry, lock: LockConfig, entry: BookingEntry): GuestCode {
  const guest: GuestCode = { lockId: lock.id, lockName: lock.name, unit: entry.window.unit || entry.booking.unit, slot: code.slot };
  if (code.sealedPin) guest.pin = code.sealedPin;
  return guest;
}

function alert(severity: AlertMessage['severity'], topic: string, text: string, about: { bookingId?: string; lockId?: string }): AlertMessage {
  return { kind: 'alert', severity, topic, text, ...about };
}

function fullLockAlert(id: string, entry: BookingEntry, lock: LockConfig, winner?: BookingEntry): AlertMessage {
  const because = winner ? ` It gave its slot to ${winner.booking.guestName ?? winner.window.bookingId}, who arrives first.` : '';
  return alert(
    'critical',
    'lock-full',
    `Lock ${lock.name} has no free slot for booking ${id} (${entry.booking.guestName ?? 'guest'}, arriving ${entry.booking.arrival}): remove an old code or widen the slot range.${because}`,
    { bookingId: id, lockId: lock.id },
  );
}

function unknownLockAlert(entry: BookingEntry, lockId: string): AlertMessage {
  return alert(
    'critical',
    'unknown-lock',
    `Booking ${entry.window.bookingId} should open lock "${lockId}", which is not in the pin-issuer's locks: check the access-window's lock names.`,
    { bookingId: entry.window.bookingId, lockId },
  );
}

function driftAlert(code: CodeEntry, drift: 'removed' | 'changed' | 'dates', sealed: boolean): AlertMessage {
  const what = drift === 'removed' ? 'was removed' : drift === 'changed' ? 'was changed' : 'has other dates';
  const fix =
    drift === 'dates' ? 'StayKey sets the right dates again.' : sealed ? 'StayKey puts it back.' : 'StayKey sets a new code and tells the guest.';
  return alert('warning', 'drift', `The code of booking ${code.bookingId} in slot ${code.slot} of lock ${code.lockId} ${what} outside StayKey. ${fix}`, {
    bookingId: code.bookingId,
    lockId: code.lockId,
  });
}
