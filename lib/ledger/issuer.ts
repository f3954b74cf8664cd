import type { LockConfig, LockStatus } from '../locks/provider';
import type { AlertMessage, CodeMessage, LockCommand, LockSummary } from '../messages';
import type { IssuerInput } from '../messages/parse-issuer-input';
import { Clock, ManualClock } from '../time/clock';
import type { Ledger } from './ledger';
import type { LedgerSummary, Plan, PlannedAction } from './ledger-options';

/** Never sleep longer than this, so a clock change or a missed timer costs at most a few minutes. */
const MAX_SLEEP_MS = 5 * 60_000;
/** How often upcoming arrivals are checked: a problem that appears late is told within this time. */
const READINESS_EVERY_MS = 15 * 60_000;
const DAY = 24 * 3600_000;

/** What one step of the issuer sends: commands for the locks, messages for guests, alerts for the host. */
export interface IssuerOutput {
  commands: LockCommand[];
  codeMessages: CodeMessage[];
  alerts: AlertMessage[];
}

/** The dry run's answer: what would happen to each lock, and when. */
export interface PlanMessage {
  kind: 'plan';
  from: string;
  until: string;
  actions: PlannedAction[];
}

/** Where the issuer's work goes: the pin-issuer node turns each into its outputs and status. */
export interface IssuerSink {
  send(output: IssuerOutput): void;
  plan(plan: PlanMessage): void;
  /** Sent only when something a dashboard shows has changed. */
  lockSummaries(locks: LockSummary[]): void;
  counts(summary: LedgerSummary): void;
  /** A timer's reconcile failed: the host must hear of it, and the issuer keeps going. */
  trouble(err: unknown): void;
}

export interface IssuerOptions {
  ledger: Ledger;
  clock: Clock;
  /** How a lock is, for readiness before arrivals. */
  lockStatus: (lockId: string) => Promise<LockStatus>;
  fallbackFor: (lock: LockConfig) => string;
  sink: IssuerSink;
  /** Send the plan only, never touch a lock. */
  dryRun?: boolean;
  planDays?: number;
  /** Hours before check-in at which readiness is told (24 and 2 by default). */
  readinessHours?: number[];
}

/**
 * The pin-issuer's loop, on its clock: every event and timer through one queue (two reconciles never
 * interleave), a sleep until the next thing falls due, readiness every 15 minutes before arrivals, the
 * dry-run plan, and dashboards told of changes. What the ledger decides is saved before anything leaves.
 */
export class CodeIssuer {
  private queue: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | undefined;
  private cancelReadiness: (() => void) | undefined;
  private windowsWaiting = 0;
  private lastSummaries = '';
  private closed = false;
  private readonly readinessHours: number[];

  constructor(private readonly options: IssuerOptions) {
    this.readinessHours = options.readinessHours?.length ? options.readinessHours : [24, 2];
  }

  /** Starts the loop: commands that went out before a restart without an answer go out again, unchanged. */
  start(): void {
    void this.resume().catch((err) => this.failed(err));
  }

  /**
   * Reconciles and sends again every command without an answer, in turn with the rest; settles when that
   * reconcile was saved and sent (or failed). After a store that could not save (a database away),
   * commands decided meanwhile never left, and they wait for no timeout.
   */
  resume(): Promise<void> {
    return this.enqueue(() => this.reconcile([], this.ledger.commandsInFlight()));
  }

  /** Starts the readiness checks before arrivals (not in a dry run: it touches no lock). */
  watchArrivals(): void {
    this.scheduleReadiness();
  }

  /** A window is on its way: a burst of them (a feed's first fetch, a restart) is reconciled once, after the last. */
  windowComing(): void {
    this.windowsWaiting += 1;
  }

  /** One input, in turn with every other; rejects with the reason when it cannot be done. */
  handle(input: IssuerInput): Promise<void> {
    return this.enqueue(() => this.take(input));
  }

  /** Stops every timer and waits for the work under way; `removed`: the node left the flow. */
  async stop(removed: boolean): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelReadiness?.();
    await this.queue.catch(() => undefined);
    // Deleted from the flow: whoever drives these locks next reads them afresh before writing.
    if (removed) await this.ledger.forgetLockReads();
  }

  private async take(input: IssuerInput): Promise<void> {
    const ledger = this.ledger;
    switch (input.kind) {
      case 'window':
        ledger.acceptWindow(input);
        this.windowsWaiting -= 1;
        if (this.windowsWaiting > 0) return;
        return this.reconcile();
      case 'lock-result':
        return this.reconcile(await ledger.acceptResult(input));
      case 'delivery':
        return this.reconcile(ledger.acceptDelivery(input));
      case 'code-used':
        return this.reconcile(ledger.acceptKeypad(input));
      case 'reissue':
        ledger.reissue(input.bookingId);
        return this.reconcile();
      case 'verify':
        ledger.verify(input.lockId);
        return this.reconcile();
      case 'wipe':
        ledger.wipe(input.lockId);
        return this.reconcile();
      case 'plan':
        return this.sendPlan();
      case 'activate-backup': {
        const { message, alerts } = ledger.activateBackup(input.bookingId, input.lockId);
        const plan = await ledger.reconcile();
        return this.send({ ...plan, codeMessages: message ? [message, ...plan.codeMessages] : plan.codeMessages }, alerts);
      }
      case 'reconcile':
        return this.reconcile();
      case 'lock-state':
        return;
    }
  }

  private async reconcile(alerts: AlertMessage[] = [], resend: LockCommand[] = []): Promise<void> {
    if (this.options.dryRun) {
      if (alerts.length) this.send({ commands: [], codeMessages: [], alerts });
      return this.sendPlan();
    }
    const plan = await this.ledger.reconcile(); // saved before anything leaves
    if (this.closed) return;
    this.send(plan, alerts, resend);
    this.tellDashboards();
    this.options.sink.counts(this.ledger.summary());
    this.scheduleNext();
  }

  private send(plan: Plan, extraAlerts: AlertMessage[] = [], resend: LockCommand[] = []): void {
    const output = { commands: once([...resend, ...plan.commands]), codeMessages: plan.codeMessages, alerts: [...extraAlerts, ...plan.alerts] };
    if (output.commands.length || output.codeMessages.length || output.alerts.length) this.options.sink.send(output);
  }

  /** The dry run: what would be set, changed and cleared on each lock, and when, without touching any. */
  private async sendPlan(): Promise<void> {
    const now = this.options.clock.now();
    const until = new Date(now.getTime() + (this.options.planDays ?? 14) * DAY);
    const actions = await this.ledger.forecast(until, new ManualClock(now));
    this.options.sink.plan({ kind: 'plan', from: now.toISOString(), until: until.toISOString(), actions });
  }

  /** Dashboards hear of a lock when something they show changed (codes, next arrival, last use). */
  private tellDashboards(): void {
    const locks = this.ledger.lockSummaries();
    const text = JSON.stringify(locks);
    if (text === this.lastSummaries) return;
    this.lastSummaries = text;
    this.options.sink.lockSummaries(locks);
  }

  private scheduleNext(): void {
    this.cancelTimer?.();
    if (this.closed) return;
    const clock = this.options.clock;
    const now = clock.now().getTime();
    let due: number;
    try {
      due = this.ledger.nextDueAt()?.getTime() ?? now + MAX_SLEEP_MS;
    } catch {
      // The locks cannot be listed (a locks config that failed to start): the failure was told; look again later.
      // Throwing here, from a failure's handler or a timer, would take the whole Node-RED process down.
      due = now + MAX_SLEEP_MS;
    }
    this.cancelTimer = clock.setTimer(Math.min(Math.max(due - now, 1000), MAX_SLEEP_MS), () => {
      void this.enqueue(() => this.reconcile()).catch((err) => this.failed(err));
    });
  }

  /**
   * Readiness: every 15 minutes while an arrival is within the first check, ask the locks of upcoming
   * arrivals how they are, alert what stands between a guest and the door, and lend a backup code to a
   * guest whose lock is offline close to check-in.
   */
  private async checkReadiness(): Promise<void> {
    const lockIds = this.ledger.locksArrivingWithin(Math.max(...this.readinessHours));
    if (!lockIds.length) return;
    const statuses = new Map<string, LockStatus | Error>();
    await Promise.all(lockIds.map(async (lockId) => statuses.set(lockId, await this.options.lockStatus(lockId).catch(asError))));
    const lent = this.ledger.lendBackupsToStranded(statuses, Math.min(...this.readinessHours));
    const alerts = [...this.ledger.checkReadiness(statuses, this.readinessHours, this.options.fallbackFor), ...lent.alerts];
    const plan = await this.ledger.reconcile();
    if (this.closed) return;
    this.send({ ...plan, codeMessages: [...lent.messages, ...plan.codeMessages] }, alerts);
  }

  private scheduleReadiness(): void {
    if (this.closed || this.options.dryRun) return;
    this.cancelReadiness = this.options.clock.setTimer(READINESS_EVERY_MS, () => {
      void this.enqueue(() => this.checkReadiness())
        .catch((err) => this.failed(err))
        .finally(() => this.scheduleReadiness());
    });
  }

  private failed(err: unknown): void {
    if (this.closed) return;
    this.options.sink.trouble(err);
    this.scheduleNext();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work, work);
    return this.queue;
  }

  private get ledger(): Ledger {
    return this.options.ledger;
  }
}

/** After a long outage a command is both still in flight and overdue: it goes out once. */
function once(commands: LockCommand[]): LockCommand[] {
  const byId = new Map<string, LockCommand>();
  for (const command of commands) {
    if (!byId.has(command.id)) byId.set(command.id, command);
  }
  return [...byId.values()];
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
