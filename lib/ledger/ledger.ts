import type { LockConfig } from '../locks/provider';
import type {
  AlertMessage,
  CodeChange,
  CodeMessage,
  DeliveryMessage,
  GuestCode,
  LockAction,
  LockCommand,
  LockResultMessage,
  WindowMessage,
} from '../messages';
import { generatePin, ruleBroken, RandomInt } from '../pins/pin-rules';
import { hashPin, pinMatchesHash, Vault } from '../pins/vault';
import type { Clock } from '../time/clock';
import { BookingEntry, codeIdOf, CodeEntry, CommandInFlight, emptyLedger, LedgerData } from './ledger-types';

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

const MINUTE = 60_000;

/**
 * The single source of truth for what every lock should hold and what it holds. Events (a window, a
 * lock result, a delivery) only change the record; `reconcile` compares what should be with what is
 * and plans the difference. The record is saved before any command leaves, so a restart resends what
 * was under way and loses nothing.
 */
export class Ledger {
  private readonly data: LedgerData;
  private readonly alerted = new Set<string>();

  constructor(private readonly options: LedgerOptions) {
    this.data = options.store?.load() ?? emptyLedger();
  }

  /** Records a booking's window; a cancelled booking keeps its entry until its codes are gone. */
  acceptWindow(message: WindowMessage): void {
    const { booking, window } = message;
    const existing = this.data.bookings[booking.id];
    const cancelled = message.change === 'cancelled';
    if (!existing) {
      if (cancelled) return;
      this.data.bookings[booking.id] = {
        booking,
        window,
        cancelled: false,
        version: 1,
        toldVersion: 0,
        told: 'nothing',
        delivered: false,
        updatedAt: this.now().toISOString(),
      };
      return;
    }
    const datesOrLocksChanged =
      existing.window.startsAt !== window.startsAt ||
      existing.window.endsAt !== window.endsAt ||
      existing.window.locks.join() !== window.locks.join();
    existing.booking = booking;
    existing.updatedAt = this.now().toISOString();
    if (cancelled) {
      existing.cancelled = true;
      return;
    }
    existing.window = window;
    if (existing.cancelled || datesOrLocksChanged) existing.version += 1;
    if (existing.cancelled) existing.told = 'nothing';
    existing.cancelled = false;
  }

  /** A lock's answer to a command. Returns alerts for the host. */
  acceptResult(result: LockResultMessage): AlertMessage[] {
    const entry = this.data.codes[result.codeId];
    if (!entry) return [];
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
      this.recordSuccess(entry, sent, result.confirmed);
      return [];
    }
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
    return [this.failureAlert(entry, sent.action)];
  }

  acceptDelivery(delivery: DeliveryMessage): AlertMessage[] {
    const entry = this.data.bookings[delivery.bookingId];
    if (!entry) return [];
    if (delivery.delivered) {
      entry.delivered = true;
      return [];
    }
    return [
      alert('critical', 'delivery', `Booking ${delivery.bookingId}: the guest's code could not be sent (${delivery.error ?? 'no reason given'}). Send it another way.`, {
        bookingId: delivery.bookingId,
      }),
    ];
  }

  /** Gives a booking new codes (a lost PIN, a suspected leak): the old ones stop working when the new ones are set. */
  reissue(bookingId: string): void {
    const entry = this.data.bookings[bookingId];
    if (!entry) throw new Error(`no booking ${bookingId} in the ledger`);
    for (const code of this.codesOf(bookingId)) {
      if (code.state === 'revoked') continue;
      code.sealedPin = undefined;
      code.pinHash = undefined;
    }
    if (entry.told === 'issued') {
      entry.version += 1;
      entry.pinChanged = true;
    }
  }

  async reconcile(): Promise<Plan> {
    const plan: Plan = { commands: [], codeMessages: [], alerts: [] };
    const locks = new Map(this.options.locks().map((lock) => [lock.id, lock]));
    for (const entry of Object.values(this.data.bookings)) {
      await this.reconcileBooking(entry, locks, plan);
    }
    await this.hashDelivered();
    this.forgetFinished();
    this.save();
    return plan;
  }

  save(): void {
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

  /** When the next thing falls due (an issue time, a window opening or closing, a retry). */
  nextDueAt(): Date | undefined {
    const now = this.now().getTime();
    const due: number[] = [];
    for (const entry of Object.values(this.data.bookings)) {
      for (const at of [entry.window.issueAt, entry.window.startsAt, entry.window.endsAt]) due.push(Date.parse(at));
    }
    for (const code of Object.values(this.data.codes)) {
      if (code.inFlight) due.push(Date.parse(code.inFlight.sentAt) + this.commandTimeout());
      if (code.failedAt) due.push(Date.parse(code.failedAt) + this.retryAfter());
    }
    const future = due.filter((t) => t > now);
    return future.length ? new Date(Math.min(...future)) : undefined;
  }

  /** Commands sent before a restart that never got an answer: sent again, unchanged. */
  commandsInFlight(): LockCommand[] {
    return Object.values(this.data.codes)
      .filter((code) => code.inFlight)
      .map((code) => this.commandFor(code, code.inFlight!.action, code.inFlight!.id));
  }

  snapshot(): LedgerData {
    return JSON.parse(JSON.stringify(this.data)) as LedgerData;
  }

  codesOf(bookingId: string): CodeEntry[] {
    return Object.values(this.data.codes).filter((code) => code.bookingId === bookingId);
  }

  private async reconcileBooking(entry: BookingEntry, locks: Map<string, LockConfig>, plan: Plan): Promise<void> {
    const now = this.now().getTime();
    const { window } = entry;
    const live = !entry.cancelled && now < Date.parse(window.endsAt);
    const issued = live && now >= Date.parse(window.issueAt);
    const lockIds = new Set([...window.locks, ...this.codesOf(entry.booking.id).map((code) => code.lockId)]);
    for (const lockId of lockIds) {
      const lock = locks.get(lockId);
      const forThisBooking = issued && window.locks.includes(lockId);
      if (!lock) {
        if (forThisBooking) plan.alerts.push(...this.once(`unknown-lock:${entry.booking.id}:${lockId}`, unknownLockAlert(entry, lockId)));
        continue;
      }
      let code: CodeEntry | undefined = this.data.codes[codeIdOf(entry.booking.id, lockId)];
      if (!code && forThisBooking) code = await this.reserve(entry, lock, plan);
      if (!code) continue;
      const onDoorNow = forThisBooking && (lock.schedules || now >= Date.parse(window.startsAt));
      await this.step(code, entry, lock, forThisBooking, onDoorNow, plan);
    }
    this.tellGuest(entry, locks, plan);
  }

  /** Moves one code one step towards where it should be. */
  private async step(code: CodeEntry, entry: BookingEntry, lock: LockConfig, reserved: boolean, onDoorNow: boolean, plan: Plan) {
    if (code.inFlight) return this.resendIfLost(code, plan);
    const action = this.nextAction(code, entry, lock, onDoorNow);
    if (action && this.waitingAfterFailure(code, action)) return;
    if (action) return this.send(code, action, entry, lock, plan);
    if (reserved && !code.sealedPin && !code.pinHash) await this.newPin(code, entry, lock);
    if (!reserved && !code.onLock) this.revoke(code);
  }

  private nextAction(code: CodeEntry, entry: BookingEntry, lock: LockConfig, onDoorNow: boolean): LockAction | undefined {
    if (onDoorNow) {
      if (!code.onLock) return 'set';
      if (!code.sealedPin && !code.pinHash) return 'update'; // re-issued: a new PIN in the same slot
      if (lock.schedules && !sameDates(code.onLock, entry.window)) return 'update';
      return undefined;
    }
    // A failed set may still have reached the lock (a timeout after the lock took it): clear to be sure.
    if (code.onLock || code.state === 'failed') return 'clear';
    return undefined;
  }

  private resendIfLost(code: CodeEntry, plan: Plan): void {
    const sent = code.inFlight!;
    if (this.now().getTime() - Date.parse(sent.sentAt) < this.commandTimeout()) return;
    sent.sentAt = this.now().toISOString();
    plan.commands.push(this.commandFor(code, sent.action, sent.id));
  }

  private async send(code: CodeEntry, action: LockAction, entry: BookingEntry, lock: LockConfig, plan: Plan): Promise<void> {
    // A set needs the PIN itself; an update can keep the PIN the lock already has. Without either
    // (the PIN was dropped, or only its hash is left and the lock lost it) the guest gets a new code.
    const needsNewPin = action === 'set' ? !code.sealedPin : action === 'update' && !code.sealedPin && !code.pinHash;
    if (needsNewPin) {
      const told = entry.told === 'issued';
      await this.newPin(code, entry, lock);
      if (!code.sealedPin) return;
      if (told) {
        entry.version += 1;
        entry.pinChanged = true;
      }
    }
    const id = `${code.codeId}#${++this.data.commandSeq}`;
    const dates = action === 'clear' ? code.onLock ?? entry.window : entry.window;
    code.inFlight = { id, action, sentAt: this.now().toISOString(), startsAt: dates.startsAt, endsAt: dates.endsAt };
    if (code.state === 'revoked') code.state = 'pending';
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

  /** `confirmed` is false where the lock cannot be read back (manual locks): the code is set, not yet proven. */
  private recordSuccess(code: CodeEntry, sent: CommandInFlight, confirmed: boolean): void {
    code.lastError = undefined;
    code.failedAt = undefined;
    code.failedAction = undefined;
    code.awaitingConfirmation = confirmed ? undefined : sent.id;
    if (sent.action === 'clear') {
      code.onLock = undefined;
      code.state = 'pending';
      return;
    }
    code.onLock = { startsAt: sent.startsAt, endsAt: sent.endsAt };
    code.state = confirmed ? 'confirmed' : 'set';
  }

  private revoke(code: CodeEntry): void {
    if (code.state === 'revoked') return;
    code.state = 'revoked';
    code.revokedAt = this.now().toISOString();
    code.sealedPin = undefined;
    code.pinHash = undefined;
    code.onLock = undefined;
  }

  /** Takes a slot and a PIN for a booking on a lock, or alerts the host when the lock has no room. */
  private async reserve(entry: BookingEntry, lock: LockConfig, plan: Plan): Promise<CodeEntry | undefined> {
    const slot = this.freeSlot(lock);
    if (slot === undefined) {
      plan.alerts.push(...this.once(`full:${entry.booking.id}:${lock.id}`, fullLockAlert(entry, lock)));
      return undefined;
    }
    const code: CodeEntry = {
      codeId: codeIdOf(entry.booking.id, lock.id),
      bookingId: entry.booking.id,
      lockId: lock.id,
      slot,
      name: codeName(entry),
      state: 'pending',
    };
    await this.newPin(code, entry, lock);
    this.data.codes[code.codeId] = code;
    return code;
  }

  private freeSlot(lock: LockConfig): number | undefined {
    const used = new Set(this.activeCodesOn(lock.id).map((code) => code.slot));
    for (let slot = lock.rules.firstSlot; slot <= lock.rules.lastSlot; slot++) {
      if (!used.has(slot)) return slot;
    }
    return undefined;
  }

  /** One PIN per booking where the locks allow it (guests keep one code), else a PIN of this lock's own. */
  private async newPin(code: CodeEntry, entry: BookingEntry, lock: LockConfig): Promise<void> {
    const others = this.activeCodesOn(lock.id).filter((other) => other.codeId !== code.codeId);
    const taken = new Set(others.filter((o) => o.sealedPin).map((o) => this.options.vault.open(o.sealedPin!)));
    const hashed = others.filter((o) => !o.sealedPin && o.pinHash).map((o) => o.pinHash!);
    const isFree = async (pin: string) => !taken.has(pin) && !(await anyMatches(pin, hashed));
    const sibling = this.codesOf(entry.booking.id).find((o) => o.codeId !== code.codeId && o.sealedPin);
    const shared = sibling ? this.options.vault.open(sibling.sealedPin!) : undefined;
    if (shared && ruleBroken(shared, lock.rules) === undefined && (await isFree(shared))) {
      code.sealedPin = this.options.vault.seal(shared);
      code.pinHash = undefined;
      return;
    }
    for (let attempt = 0; attempt < 20; attempt++) {
      const pin = generatePin(lock.rules, (candidate) => taken.has(candidate), this.options.random);
      if (await isFree(pin)) {
        code.sealedPin = this.options.vault.seal(pin);
        code.pinHash = undefined;
        return;
      }
      taken.add(pin);
    }
  }

  private activeCodesOn(lockId: string): CodeEntry[] {
    return Object.values(this.data.codes).filter((code) => code.lockId === lockId && code.state !== 'revoked');
  }

  /** Tells the guest once per change, when every lock is ready (or, for locks without schedules, reserved). */
  private tellGuest(entry: BookingEntry, locks: Map<string, LockConfig>, plan: Plan): void {
    const now = this.now().getTime();
    const codes = this.codesOf(entry.booking.id);
    if (entry.cancelled || now >= Date.parse(entry.window.endsAt)) {
      if (entry.cancelled && entry.told === 'issued' && codes.every((c) => c.state === 'revoked')) {
        entry.told = 'revoked';
        plan.codeMessages.push(this.codeMessage(entry, 'revoked', []));
      }
      return;
    }
    if (now < Date.parse(entry.window.issueAt) || entry.toldVersion >= entry.version) return;
    const ready = entry.window.locks.every((lockId) => {
      const code = codes.find((c) => c.lockId === lockId);
      const lock = locks.get(lockId);
      if (!code || !lock || (!code.sealedPin && !code.pinHash) || code.inFlight) return false;
      if (lock.schedules) return code.state === 'confirmed' && Boolean(code.onLock && sameDates(code.onLock, entry.window));
      // Without schedules the code goes on when the window opens; before that a reserved code is enough.
      return Boolean(code.onLock) || now < Date.parse(entry.window.startsAt);
    });
    if (!ready) return;
    const change: CodeChange = entry.told !== 'issued' ? 'issued' : entry.pinChanged ? 'reissued' : 'updated';
    const guestCodes = entry.window.locks.map((lockId) => guestCode(codes.find((c) => c.lockId === lockId)!, locks.get(lockId)!, entry));
    entry.told = 'issued';
    entry.toldVersion = entry.version;
    entry.pinChanged = false;
    // A message that carries PINs must be delivered before they become hashes.
    if (guestCodes.some((c) => c.pin)) entry.delivered = false;
    plan.codeMessages.push(this.codeMessage(entry, change, guestCodes));
  }

  private codeMessage(entry: BookingEntry, change: CodeChange, codes: GuestCode[]): CodeMessage {
    return { kind: 'code', change, bookingId: entry.booking.id, booking: entry.booking, window: entry.window, codes };
  }

  /** Once a code is on its lock and its guest has it, the sealed PIN becomes a bcrypt hash. */
  private async hashDelivered(): Promise<void> {
    for (const code of Object.values(this.data.codes)) {
      const booking = this.data.bookings[code.bookingId];
      if (!code.sealedPin || !code.onLock || code.state !== 'confirmed' || !booking?.delivered) continue;
      if (booking.toldVersion < booking.version) continue;
      code.pinHash = await hashPin(this.options.vault.open(code.sealedPin));
      code.sealedPin = undefined;
    }
  }

  private forgetFinished(): void {
    const cutoff = this.now().getTime() - (this.options.keepFinishedDays ?? 7) * 24 * 60 * MINUTE;
    for (const [id, entry] of Object.entries(this.data.bookings)) {
      const codes = this.codesOf(id);
      if (!codes.every((code) => code.state === 'revoked')) continue;
      const finished = entry.cancelled ? Date.parse(entry.updatedAt) : Date.parse(entry.window.endsAt);
      if (finished > cutoff) continue;
      for (const code of codes) delete this.data.codes[code.codeId];
      delete this.data.bookings[id];
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

  private once(key: string, message: AlertMessage): AlertMessage[] {
    if (this.alerted.has(key)) return [];
    this.alerted.add(key);
    return [message];
  }

  private commandTimeout(): number {
    return (this.options.commandTimeoutMinutes ?? 120) * MINUTE;
  }

  private retryAfter(): number {
    return (this.options.retryFailedAfterMinutes ?? 60) * MINUTE;
  }

  private now(): Date {
    return this.options.clock.now();
  }
}

function sameDates(a: { startsAt: string; endsAt: string }, b: { startsAt: string; endsAt: string }): boolean {
  return a.startsAt === b.startsAt && a.endsAt === b.endsAt;
}

async function anyMatches(pin: string, hashes: string[]): Promise<boolean> {
  for (const hash of hashes) if (await pinMatchesHash(pin, hash)) return true;
  return false;
}

function codeName(entry: BookingEntry): string {
  // Vendors cap code names (Nuki: 20 characters); the booking id keeps it traceable.
  const who = entry.booking.guestName ?? entry.booking.reservationCode ?? entry.booking.id;
  return `SK ${who}`.slice(0, 20);
}

/** A code whose PIN is only a hash (the guest already has it) goes without one: "your code is unchanged". */
function guestCode(code: CodeEntry, lock: LockConfig, entry: BookingEntry): GuestCode {
  const guest: GuestCode = { lockId: lock.id, lockName: lock.name, unit: entry.booking.unit, slot: code.slot };
  if (code.sealedPin) guest.pin = code.sealedPin;
  return guest;
}

function alert(severity: AlertMessage['severity'], topic: string, text: string, about: { bookingId?: string; lockId?: string }): AlertMessage {
  return { kind: 'alert', severity, topic, text, ...about };
}

function fullLockAlert(entry: BookingEntry, lock: LockConfig): AlertMessage {
  return alert(
    'critical',
    'lock-full',
    `Lock ${lock.name} has no free slot for booking ${entry.booking.id} (${entry.booking.guestName ?? 'guest'}, arriving ${entry.booking.arrival}): remove an old code or widen the slot range.`,
    { bookingId: entry.booking.id, lockId: lock.id },
  );
}

function unknownLockAlert(entry: BookingEntry, lockId: string): AlertMessage {
  return alert(
    'critical',
    'unknown-lock',
    `Booking ${entry.booking.id} should open lock "${lockId}", which is not in the pin-issuer's locks: check the access-window's lock names.`,
    { bookingId: entry.booking.id, lockId },
  );
}
