import type { LockConfig, LockStatus } from '../locks/provider';
import type { AlertMessage, CodeMessage, CodeUsedMessage, DeliveryMessage, LockCommand, LockResultMessage, LockSummary, WindowMessage } from '../messages';
import type { Clock } from '../time/clock';
import { Arrivals } from './arrivals';
import { Backups } from './backups';
import { Dashboards } from './dashboards';
import { GuestLookup } from './guest-lookup';
import { GuestTelling } from './guest-telling';
import { Intake } from './intake';
import type { GuestView, LedgerOptions, LedgerSummary, Plan, PlannedAction } from './ledger-options';
import { LedgerRecords } from './ledger-records';
import type { CodeEntry, LedgerData } from './ledger-types';
import { LockReader } from './lock-reads';
import { ReadBack } from './read-back';
import { Reconciler } from './reconcile';
import { Slots } from './slots';

export type { AccessEvent, AccessEventKind, GuestView, LedgerOptions, LedgerStore, LedgerSummary, Plan, PlannedAction } from './ledger-options';

/**
 * The single source of truth for what every lock should hold and what it holds. Events (a window, a
 * lock result, a delivery, a keypad use) only change the record; `reconcile` compares what should be
 * with what is and plans the difference. The record is saved before any command leaves, so a restart
 * resends what was under way and loses nothing.
 *
 * This class is the front door; each job lives in a file of its own: intake (what happens), reconcile
 * (what to do about it), slots (slots and PINs), guest-telling (messages and hashing), read-back (what
 * locks hold), lock-reads (when to read them), backups, arrivals (readiness), guest-lookup, dashboards.
 */
export class Ledger {
  private readonly records: LedgerRecords;
  private readonly reader: LockReader;
  private readonly intake: Intake;
  private readonly reconciler: Reconciler;
  private readonly readBack: ReadBack;
  private readonly backups: Backups;
  private readonly arrivals: Arrivals;
  private readonly lookup: GuestLookup;
  private readonly dashboards: Dashboards;

  constructor(private readonly options: LedgerOptions) {
    const records = (this.records = new LedgerRecords(options));
    this.reader = new LockReader({
      data: records.data,
      now: () => records.now(),
      commandId: (lockId) => `read:${lockId}#${++records.data.commandSeq}`,
      touch: (lockId) => records.touchLock(lockId),
      commandTimeoutMs: records.commandTimeout(),
      retryAfterMs: records.retryAfter(),
      verifyEveryHours: options.verifyEveryHours ?? 24,
    });
    const slots = new Slots(records);
    const telling = new GuestTelling(records);
    this.arrivals = new Arrivals(records);
    this.backups = new Backups(records, telling, this.arrivals);
    this.readBack = new ReadBack(records, this.reader, slots);
    this.intake = new Intake(records, this.reader, this.readBack);
    this.reconciler = new Reconciler(records, this.reader, slots, this.backups, telling);
    this.lookup = new GuestLookup(records, telling);
    this.dashboards = new Dashboards(records);
  }

  // --- What happens -------------------------------------------------------------------------------

  acceptWindow(message: WindowMessage): void {
    this.intake.acceptWindow(message);
  }

  /** A lock's answer to a command. Returns alerts for the host. */
  acceptResult(result: LockResultMessage): Promise<AlertMessage[]> {
    return this.intake.acceptResult(result);
  }

  acceptDelivery(delivery: DeliveryMessage): AlertMessage[] {
    return this.intake.acceptDelivery(delivery);
  }

  acceptKeypad(event: CodeUsedMessage): AlertMessage[] {
    return this.intake.acceptKeypad(event);
  }

  reissue(bookingId: string): void {
    this.intake.reissue(bookingId);
  }

  wipe(lockId: string): void {
    this.intake.wipe(lockId);
  }

  /** Asks the lock (or every lock) what it holds; the answers come back as `read` results. */
  verify(lockId?: string): void {
    const ids = lockId ? [lockId] : this.options.locks().map((lock) => lock.id);
    for (const id of ids) {
      const read = this.reader.ask(id);
      if (read) this.reconciler.pendingReads.push(read);
    }
  }

  /**
   * Forgets what every lock held when last read (the pin-issuer was removed from the flow): if it is
   * added again, it reads every lock afresh before writing, as on the day the locks were first linked.
   */
  forgetLockReads(): void | Promise<void> {
    this.reader.forgetAll();
    return this.save();
  }

  // --- What to do about it ------------------------------------------------------------------------

  reconcile(): Promise<Plan> {
    return this.reconciler.reconcile();
  }

  /** When the next thing falls due (an issue time, a window or staff hours opening or closing, a retry, a read). */
  nextDueAt(): Date | undefined {
    return this.reconciler.nextDueAt();
  }

  /** Commands sent before a restart that never got an answer: sent again, marked so the lock is read first. */
  commandsInFlight(): LockCommand[] {
    return this.reconciler.commandsInFlight();
  }

  /** Writes what changed since the last save (durable when it returns, or when its promise settles). */
  save(): void | Promise<void> {
    return this.records.save();
  }

  /** The pin-issuer is closing: the store lets go of its files. */
  close(): void {
    this.options.store?.close?.();
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
      store: { load: () => this.snapshot(), apply: () => undefined },
      // What a forecast imagines never happened at a door: the access log keeps only what did.
      onAccessEvent: undefined,
    });
    const actions: PlannedAction[] = [];
    for (let step = 0; step < 10_000; step++) {
      const { commands } = await copy.reconcile();
      // Every read finds the locks as the ledger last knew them.
      for (const read of commands.filter((c) => c.action === 'read')) {
        await copy.acceptResult({ kind: 'lock-result', commandId: read.id, codeId: read.codeId, lockId: read.lockId, action: 'read', ok: true, confirmed: true, attempts: 1, codes: copy.readBack.asLastRead(read.lockId) });
      }
      for (const command of commands.filter((c) => c.action !== 'read')) {
        const { at, bookingId } = { at: clock.now().toISOString(), bookingId: copy.records.data.codes[command.codeId]?.bookingId ?? '' };
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

  // --- Guests, readiness and backups --------------------------------------------------------------

  findGuest(reference: string, proof: string): string | undefined {
    return this.lookup.findGuest(reference, proof);
  }

  guestsNamed(reference: string): string[] {
    return this.lookup.guestsNamed(reference);
  }

  guestView(bookingId: string): GuestView | undefined {
    return this.lookup.guestView(bookingId);
  }

  locksArrivingWithin(hours: number): string[] {
    return this.arrivals.locksArrivingWithin(hours);
  }

  checkReadiness(statuses: Map<string, LockStatus | Error>, checkHours: number[], fallbackFor: (lock: LockConfig) => string): AlertMessage[] {
    return this.arrivals.checkReadiness(statuses, checkHours, fallbackFor);
  }

  activateBackup(bookingId: string, lockId: string): { message?: CodeMessage; alerts: AlertMessage[] } {
    return this.backups.activateBackup(bookingId, lockId);
  }

  lendBackupsToStranded(statuses: Map<string, LockStatus | Error>, hours: number): { messages: CodeMessage[]; alerts: AlertMessage[] } {
    return this.backups.lendBackupsToStranded(statuses, hours);
  }

  // --- What dashboards and tests see --------------------------------------------------------------

  lockSummaries(): LockSummary[] {
    return this.dashboards.lockSummaries();
  }

  summary(): LedgerSummary {
    return this.dashboards.summary();
  }

  snapshot(): LedgerData {
    return JSON.parse(JSON.stringify(this.records.data)) as LedgerData;
  }

  codesOf(bookingId: string): CodeEntry[] {
    return this.records.codesOf(bookingId);
  }
}
