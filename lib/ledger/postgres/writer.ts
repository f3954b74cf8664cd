/**
 * One pin-issuer's side of a property shared through PostgreSQL: it stands by while another instance
 * holds the property, and drives the locks while it holds it. Each time it wins the property it reads
 * the ledger afresh and builds a new Ledger and CodeIssuer ("a turn"); whatever an older turn still
 * has under way can no longer reach the outputs, and its saves are refused by the database (fencing).
 *
 * Plain TypeScript: the pin-issuer node only feeds it inputs and shows what it reports.
 */
import type { EventEmitter } from 'node:events';
import type { AlertMessage, WindowMessage } from '../../messages';
import type { IssuerInput } from '../../messages/parse-issuer-input';
import type { Clock } from '../../time/clock';
import { CodeIssuer, IssuerOptions, IssuerSink } from '../issuer';
import { Ledger } from '../ledger';
import type { LedgerBatch, LedgerOptions, LedgerStore } from '../ledger-options';
import { errorText } from '../../shown';

/** How often, while the database is away, the active instance tries to save and send what waits. */
export const RETRY_EVERY_MS = 15_000;
/** Windows kept while standing by; one per booking, the newest. */
export const KEEP_AT_MOST = 10_000;

/** The lease as the writer needs it (lib/ledger/postgres/lease.ts). */
export interface WriterLease extends EventEmitter {
  start(): void;
  stop(): Promise<void>;
  readonly epoch: number | undefined;
}

/** The ledger store as the writer needs it (lib/ledger/postgres/store.ts). */
export interface WriterStore extends LedgerStore {
  open(): Promise<void>;
  close(): void;
}

/** What the writer needs of the database, once connected: a new lease, a store under it, a round trip. */
export interface PropertyBackend {
  newLease(): WriterLease;
  newStore(lease: { readonly epoch: number | undefined }): WriterStore;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  /** A save refused because another instance holds the property now. */
  isFenced(err: unknown): boolean;
}

export type WriterState = 'idle' | 'connecting' | 'standby' | 'active' | 'stopped';

/** What the node shows: `fill` as a Node-RED status colour. */
export interface WriterStatus {
  fill: 'yellow' | 'grey' | 'red' | 'blue';
  shape: 'dot' | 'ring';
  text: string;
}

/** The Ledger and CodeIssuer of the turn that holds the property. */
export interface ActiveTurn {
  ledger: Ledger;
  issuer: CodeIssuer;
}

export interface WriterEvents {
  status(status: WriterStatus): void;
  /** The turn's ledger and issuer (the sidebar and guest page use them) until `ended`. */
  began?(turn: ActiveTurn): void;
  ended?(): void;
  /** Something the host should read in the log (already cleaned of secrets). */
  problem(text: string): void;
}

export interface WriterOptions {
  property: string;
  clock: Clock;
  connect(): Promise<PropertyBackend>;
  /** Everything the Ledger needs but its store and clock. */
  ledger: Omit<LedgerOptions, 'store' | 'clock'>;
  /** Everything the CodeIssuer needs but its ledger, sink and clock. */
  issuer: Omit<IssuerOptions, 'ledger' | 'sink' | 'clock'>;
  /** The node's outputs: only the turn that holds the property reaches them. */
  sink: IssuerSink;
  events: WriterEvents;
  /** Error text as the host may read it: without the connection string or its password. */
  clean(text: string): string;
  keepAtMost?: number;
  retryEveryMs?: number;
}

/** What became of one input. */
export type Taken = 'done' | 'kept' | 'dropped' | 'waiting';

interface Turn extends ActiveTurn {
  id: number;
  store: WriterStore;
}

/** The database is away while this instance holds the property: saves wait, and are tried again. */
interface Outage {
  cancelRetry?: () => void;
}

/** A save the database did not take (not a fenced one): the ledger keeps it in memory for the next save. */
export class DatabaseAway extends Error {}

export class PropertyWriter {
  private state: WriterState = 'idle';
  private backend: PropertyBackend | undefined;
  private lease: WriterLease | undefined;
  /** Bumped whenever a turn ends: work of an older turn checks it before reaching anything. */
  private turnId = 0;
  private turn: Turn | undefined;
  private readonly kept = new Map<string, WindowMessage>();
  private outage: Outage | undefined;
  /** The host was told the database is away and not yet that it is back (kept across turns). */
  private toldAway = false;
  private cancelReconnect: (() => void) | undefined;
  private lastConnectProblem: string | undefined;
  /** Who holds the property while this instance stands by, and the inputs it could not take meanwhile. */
  private holder: string | undefined;
  private dropped = 0;

  constructor(private readonly options: WriterOptions) {}

  private get stopped(): boolean {
    return this.state === 'stopped';
  }

  get current(): WriterState {
    return this.state;
  }

  /** The turn's ledger while this instance holds the property. */
  get active(): ActiveTurn | undefined {
    return this.turn;
  }

  /** Windows kept for a takeover. */
  get keptCount(): number {
    return this.kept.size;
  }

  start(): void {
    if (this.state !== 'idle') return;
    void this.connect();
  }

  /** One input: to the issuer while active; a window is kept while standing by, anything else dropped. */
  async handle(input: IssuerInput): Promise<Taken> {
    const turn = this.turn;
    if (!turn) return this.keep(input);
    if (input.kind === 'window') turn.issuer.windowComing();
    try {
      await turn.issuer.handle(input);
      return 'done';
    } catch (err) {
      // Taken into the ledger in memory: it is saved with the next save that gets through.
      if (err instanceof DatabaseAway && turn === this.turn) return 'waiting';
      // This turn ended under it: the window waits for the next one.
      if (turn !== this.turn && !this.stopped) return this.keep(input);
      throw this.cleaned(err);
    }
  }

  /** Stops at once and lets the property go, so a standby takes it now rather than at expiry. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.state = 'stopped';
    this.cancelReconnect?.();
    const turn = this.endTurn();
    const lease = this.lease;
    this.lease = undefined;
    await this.finish(turn);
    await lease?.stop().catch((err: unknown) => this.options.events.problem(`PostgreSQL: could not let the property go: ${this.clean(err)}`));
    this.kept.clear();
  }

  // --- Connecting and the lease --------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.state = 'connecting';
    this.show('yellow', 'connecting');
    try {
      this.backend = await this.options.connect();
    } catch (err) {
      if (this.stopped) return;
      // Told once per reason, not every retry of a database that stays away.
      const text = `PostgreSQL: ${this.clean(err)}`;
      if (text !== this.lastConnectProblem) this.options.events.problem(text);
      this.lastConnectProblem = text;
      this.show('red', text, 'ring');
      return this.later(() => void this.connect());
    }
    this.lastConnectProblem = undefined;
    if (this.stopped) return;
    this.beginLease();
  }

  private beginLease(): void {
    const lease = this.backend!.newLease();
    this.lease = lease;
    const mine = () => this.lease === lease && !this.stopped;
    lease.on('active', () => mine() && void this.activate(lease));
    lease.on('standby', (holder: string) => mine() && this.standby(holder));
    lease.on('lost', (reason: string) => mine() && this.fall(`lost the property (${reason})`));
    lease.on('unreachable', (err: unknown) => mine() && this.unreachable(err));
    // The lease tells of a new holder only when it changes: a standby shows who holds it again itself.
    lease.on('reachable', () => mine() && !this.turn && this.state === 'standby' && this.showStandby());
    // An emitter's 'error' with no listener would end the Node-RED process.
    lease.on('error', (err: unknown) => mine() && this.options.events.problem(`PostgreSQL: ${this.clean(err)}`));
    lease.start();
  }

  private standby(holder: string): void {
    if (this.turn) return this.fall(`${holder} holds the property now`);
    this.state = 'standby';
    this.holder = holder;
    this.dropped = 0;
    this.showStandby();
  }

  private showStandby(): void {
    const notTaken = this.dropped ? `, ${this.dropped} not taken` : '';
    this.show('grey', `standby: ${this.holder} active${notTaken}`);
  }

  private unreachable(err: unknown): void {
    if (this.turn) return this.databaseAway(this.turn.id, err);
    this.show('red', 'PostgreSQL unreachable', 'ring');
  }

  /** Won the property: read its ledger, build this turn's issuer, resend what had no answer, replay what was kept. */
  private async activate(lease: WriterLease): Promise<void> {
    if (this.turn || this.state === 'active') return;
    this.state = 'active';
    const id = ++this.turnId;
    const store = this.backend!.newStore(lease);
    let turn: Turn;
    try {
      await store.open();
      if (id !== this.turnId) return store.close();
      turn = this.build(id, store);
    } catch (err) {
      store.close();
      if (id !== this.turnId) return;
      this.options.events.problem(`pin-issuer cannot open the ledger of ${this.options.property}: ${this.clean(err)}`);
      return this.fall('could not read the ledger', true);
    }
    this.turn = turn;
    this.options.events.began?.(turn);
    this.show('blue', 'active');
    turn.issuer.watchArrivals();
    const replay = [...this.kept.values()];
    this.kept.clear();
    // The resend settles once saved and sent: then the host may hear the database is back.
    turn.issuer.resume().then(
      () => this.toldAway && id === this.turnId && this.caughtUp(id),
      (err: unknown) => this.troubled(id, err),
    );
    for (let i = 0; i < replay.length; i++) turn.issuer.windowComing();
    for (const window of replay) turn.issuer.handle(window).catch((err: unknown) => this.replayFailed(id, window, err));
  }

  private build(id: number, store: WriterStore): Turn {
    const { clock } = this.options;
    const ledger = new Ledger({ ...this.options.ledger, clock, store: this.guardedStore(id, store) });
    const issuer = new CodeIssuer({ ...this.options.issuer, clock, ledger, sink: this.gatedSink(id) });
    return { id, ledger, issuer, store };
  }

  /**
   * Stops the turn at once (nothing of it reaches an output from here on), stands by, and starts over
   * with a new lease. `pause`: a failure that may repeat at once waits a retry interval first.
   */
  private fall(why: string, pause = false): void {
    const turn = this.endTurn();
    if (this.stopped) return;
    this.state = 'connecting';
    this.show('yellow', `standby: ${why}`);
    const lease = this.lease;
    this.lease = undefined;
    void (async () => {
      await lease?.stop().catch(() => undefined);
      // The old turn's saves are fenced by now; its queue may wait on the database, the new lease need not.
      void this.finish(turn);
      if (this.stopped) return;
      if (pause) this.later(() => !this.stopped && !this.lease && this.beginLease());
      else this.beginLease();
    })();
  }

  private endTurn(): Turn | undefined {
    const turn = this.turn;
    this.turn = undefined;
    this.turnId += 1;
    this.outage?.cancelRetry?.();
    this.outage = undefined;
    if (turn) this.options.events.ended?.();
    return turn;
  }

  private async finish(turn: Turn | undefined): Promise<void> {
    if (!turn) return;
    await turn.issuer.stop(false).catch(() => undefined);
    turn.ledger.close();
  }

  /** A kept window the turn could not take: kept again if the turn ended under it, waiting in an outage, else told. */
  private replayFailed(id: number, window: WindowMessage, err: unknown): void {
    if (id !== this.turnId) {
      if (this.stopped || this.kept.has(window.window.bookingId)) return;
      try {
        this.keep(window);
      } catch (full) {
        this.options.events.problem(errorText(full));
      }
      return;
    }
    if (err instanceof DatabaseAway) return;
    this.options.events.problem(`pin-issuer could not take a kept window: ${this.clean(err)}`);
  }

  // --- Standing by ---------------------------------------------------------------------------------

  private keep(input: IssuerInput): Taken {
    if (input.kind !== 'window') {
      this.dropped += 1;
      if (this.state === 'standby') this.showStandby();
      return 'dropped';
    }
    const bookingId = input.window.bookingId;
    if (!this.kept.has(bookingId) && this.kept.size >= (this.options.keepAtMost ?? KEEP_AT_MOST)) {
      throw new Error(`pin-issuer stands by with ${this.kept.size} windows kept already: booking ${bookingId} was not kept`);
    }
    // Newest wins, and moves to the end: replayed in the order they last came.
    this.kept.delete(bookingId);
    this.kept.set(bookingId, input);
    return 'kept';
  }

  // --- The turn's store and outputs ----------------------------------------------------------------

  /** The store as the turn's ledger sees it: a refused save ends the turn, a failed one starts an outage. */
  private guardedStore(id: number, store: WriterStore): LedgerStore {
    return {
      load: () => store.load(),
      apply: async (batch: LedgerBatch) => {
        try {
          await store.apply(batch);
        } catch (err) {
          if (this.backend!.isFenced(err)) {
            if (id === this.turnId) this.fall('another instance took the property');
            throw err;
          }
          this.databaseAway(id, err);
          throw new DatabaseAway(`PostgreSQL unreachable: ${this.clean(err)}`);
        }
      },
      close: () => store.close(),
    };
  }

  /** Only the turn that holds the property reaches the outputs; a reconcile that fails in an outage says so once. */
  private gatedSink(id: number): IssuerSink {
    const sink = this.options.sink;
    const open = () => id === this.turnId;
    return {
      send: (output) => open() && sink.send(output),
      plan: (plan) => open() && sink.plan(plan),
      lockSummaries: (locks) => open() && sink.lockSummaries(locks),
      counts: (summary) => open() && !this.outage && sink.counts(summary),
      trouble: (err) => this.troubled(id, err),
    };
  }

  private troubled(id: number, err: unknown): void {
    if (id !== this.turnId || this.outage || this.backend?.isFenced(err)) return;
    this.options.sink.trouble(this.cleaned(err));
  }

  // --- The database away while active --------------------------------------------------------------

  private databaseAway(id: number, err: unknown): void {
    if (id !== this.turnId || this.outage) return;
    this.outage = {};
    this.show('red', 'PostgreSQL unreachable', 'ring');
    this.options.events.problem(`PostgreSQL unreachable: ${this.clean(err)}; codes wait until it is back`);
    if (!this.toldAway) {
      this.toldAway = true;
      this.alert('warning', `PostgreSQL unreachable: codes for ${this.options.property} wait until it is back (${this.clean(err)}). Nothing is lost; StayKey tries again every ${this.retrySeconds()} s.`);
    }
    this.scheduleRetry(id);
  }

  private scheduleRetry(id: number): void {
    const outage = this.outage;
    if (!outage || id !== this.turnId) return;
    outage.cancelRetry = this.options.clock.setTimer(this.options.retryEveryMs ?? RETRY_EVERY_MS, () => void this.retry(id));
  }

  /** Saves what waits and sends every command without an answer; then checks the database answers. */
  private async retry(id: number): Promise<void> {
    const turn = this.turn;
    if (!turn || id !== this.turnId || !this.outage) return;
    try {
      await turn.issuer.resume();
      await this.backend!.ping();
    } catch {
      return this.scheduleRetry(id);
    }
    if (id !== this.turnId) return;
    this.outage = undefined;
    this.show('blue', 'active');
    this.options.sink.counts(turn.ledger.summary());
    this.caughtUp(id);
  }

  private caughtUp(id: number): void {
    if (id !== this.turnId || !this.toldAway) return;
    this.toldAway = false;
    this.alert('info', `PostgreSQL is back: ${this.options.property} caught up, codes are saved and sent again.`);
  }

  // --- Small things --------------------------------------------------------------------------------

  private alert(severity: AlertMessage['severity'], text: string): void {
    this.options.sink.send({ commands: [], codeMessages: [], alerts: [{ kind: 'alert', severity, topic: 'database', text }] });
  }

  private later(work: () => void): void {
    this.cancelReconnect?.();
    this.cancelReconnect = this.options.clock.setTimer(this.options.retryEveryMs ?? RETRY_EVERY_MS, () => {
      this.cancelReconnect = undefined;
      if (!this.stopped) work();
    });
  }

  private show(fill: WriterStatus['fill'], text: string, shape: WriterStatus['shape'] = 'dot'): void {
    this.options.events.status({ fill, shape, text });
  }

  private retrySeconds(): number {
    return Math.round((this.options.retryEveryMs ?? RETRY_EVERY_MS) / 1000);
  }

  private clean(err: unknown): string {
    return this.options.clean(errorText(err));
  }

  private cleaned(err: unknown): Error {
    const text = this.clean(err);
    return err instanceof Error && err.message === text ? err : new Error(text);
  }
}
