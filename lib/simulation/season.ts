/**
 * A season on the injectable clock: units with their locks, bookings with date changes and
 * cancellations, staff codes, and the faults hosts meet (locks offline, batteries dying, restarts,
 * feeds that look good but are not). Guests' bookings reach the ledger as the nodes' do: through each
 * unit's iCal feed, fetched hourly and read by a real BookingSource. It drives the real core (ledger,
 * simulated locks, command runner, readiness) exactly as the nodes do, and measures what a host cares
 * about: did every guest have a working code at check-in, when a guest would not have, how early was
 * the host told, and did a feed that lied cancel anyone.
 */
import * as crypto from 'node:crypto';
import { Booking } from '../bookings/booking';
import type { BookingUpdate } from '../bookings/message-bookings';
import { Ledger, LedgerStore } from '../ledger/ledger';
import type { LedgerData } from '../ledger/ledger-types';
import { readsCodes } from '../ledger/lock-reads';
import { memoryLedgerStore } from '../ledger/ledger-memory';
import { CommandRunner, sealReadCodes } from '../locks/command-runner';
import type { LockConfig, LockProvider, LockStatus } from '../locks/provider';
import { SimulatedLocks } from '../locks/simulated';
import type { AlertMessage, CodeMessage, LockCommand, LockResultMessage } from '../messages';
import { Vault } from '../pins/vault';
import { ManualClock } from '../time/clock';
import { addDays } from '../time/zoned';
import { windowFor, WindowOptions } from '../windows/window';
import { SEAM_DOOR, seamOutage, SeasonDoor, SeasonInstances, SeasonLock, SeasonWiring } from './season-door';
import { ChannelFeeds, FeedAlertKind, feedAlertKind } from './season-feeds';
import { seasonPlan, SeasonEvent, SeasonPlan } from './season-plan';
import { Arrival, arrivalOf, codesStillOpening, FOREIGN_CODES_OF_SEASON, foreignCodesReport, keyInForeignCodes, LedgerRead, lostOperations, SeasonOptions, SeasonReport, SeasonSeen, seamDoorReport, slotReadsReport, zhaDoorReport } from './season-report';

export type { Arrival, SeasonOptions, SeasonReport, SlotReadsReport } from './season-report';
export type { SeasonDoor, SeasonDoorFactory, SeasonInstances, SeasonWiring } from './season-door';

const READINESS_EVERY_MS = 15 * 60_000;
/** Unit 2's door is a Zigbee lock through ZHA: it cannot read codes back. */
const ZHA_DOOR = 'door-2';
const CHECK_HOURS = [24, 2];
const MINUTE = 60_000;
const FETCH_EVERY_MS = 60 * MINUTE;

/**
 * Runs one season and reports. Deterministic for a seed, apart from the PINs (crypto-random). With
 * `wiring.seamDoor`, unit 3's door is a Seam lock made by that factory, and goes offline once for hours.
 */
export async function runSeason(options: SeasonOptions, wiring: SeasonWiring = {}): Promise<SeasonReport> {
  const plan = seasonPlan(options);
  const clock = new ManualClock(`${addDays(options.start, -3)}T00:00:00Z`);
  const seamLock = wiring.seamDoor && plan.locks.find((lock) => lock.id === SEAM_DOOR);
  const door = seamLock ? await wiring.seamDoor!(seamLock, clock) : undefined;
  if (door) plan.events.push(...seamOutage(plan, SEAM_DOOR));
  let world: SeasonWorld | undefined;
  try {
    world = new SeasonWorld(plan, options, clock, door, wiring.instances);
    await world.run();
    return world.report();
  } finally {
    world?.close();
    await door?.close();
  }
}

class SeasonWorld {
  private readonly vault = Vault.withKey(crypto.randomBytes(32));
  private readonly locks: SimulatedLocks;
  private readonly store: LedgerStore & { data?: LedgerData };
  private ledger!: Ledger;
  private runner!: CommandRunner;
  private readonly zhaLocks: SimulatedLocks | undefined;
  /** The plan's locks as a locks config gives them to the ledger: each with its provider's way of checking codes. */
  private readonly lockConfigs: LockConfig[];
  /** When each lock was read whole (successfully): on its first link, then at most daily. */
  private readonly wholeReads = new Map<string, number[]>();
  /** Every read the ledger asked that a lock carried out, answered or not by the time of a restart. */
  private readonly ledgerReads: LedgerRead[] = [];
  private readonly startedAt: number;
  private zhaRunner: CommandRunner | undefined;
  private seamRunner: CommandRunner | undefined;
  /** Guests' commands to the Seam door, for its commands per booking. */
  private seamCommands = 0;
  private codesSetNotVerifiable = 0;
  private generation = 0;
  private queue: Promise<void> = Promise.resolve();
  private busy = 0;
  private readonly alerts: { at: string; alert: AlertMessage }[] = [];
  private readonly toldPins = new Map<string, Map<string, string>>();
  private readonly arrivals: Arrival[] = [];
  private commandsSent = 0;
  private aliveAfterCheckout = 0;
  private leftOnOffline = 0;
  private restarts = 0;
  private nextReadiness: number;
  private nextFetch: number;
  private readonly feeds: ChannelFeeds;
  private readonly feedAlerts: Record<FeedAlertKind, number> = { emptyCalendar: 0, massDisappearance: 0, unreadableEvent: 0, other: 0 };
  private plannedCancellations = 0;
  private readonly cancelledIds = new Set<string>();
  private readonly badCancellations = new Set<string>();
  private readonly events: SeasonEvent[];
  private readonly end: number;

  constructor(
    private readonly plan: SeasonPlan,
    private readonly options: SeasonOptions,
    readonly clock: ManualClock,
    private readonly door: SeasonDoor | undefined,
    private readonly instances?: SeasonInstances,
  ) {
    // One door is a Zigbee lock through ZHA: it cannot read codes back, so what it accepts is final.
    const zha = plan.locks.find((lock) => lock.id === ZHA_DOOR);
    this.locks = new SimulatedLocks({ locks: plan.locks.filter((lock) => lock !== zha && lock.id !== door?.config.id), clock: this.clock, latencyMs: 1500, drainPerOperation: 0.05 });
    this.zhaLocks = zha ? new SimulatedLocks({ locks: [zha], clock: this.clock, latencyMs: 1500, drainPerOperation: 0.05, codeCheck: 'accepted' }) : undefined;
    // The Seam door's row is its provider's: the rules the device adds reach the ledger, as through a locks config.
    this.lockConfigs = plan.locks.map((lock) => (lock.id === door?.config.id ? door.config : { ...lock, codeCheck: lock === zha ? 'accepted' : 'read-back' }));
    this.store = memoryLedgerStore();
    this.feeds = new ChannelFeeds(plan.units.map((unit) => unit.name), this.clock);
    this.events = [...plan.events].sort((a, b) => a.at.localeCompare(b.at));
    this.startedAt = this.clock.now().getTime();
    this.nextReadiness = this.clock.now().getTime();
    this.nextFetch = this.clock.now().getTime();
    this.end = Date.parse(`${addDays(options.start, options.days + 2)}T00:00:00Z`);
    keyInForeignCodes(plan, this.clock.now(), new Date(this.end + 365 * 24 * 3600_000), (lockId) => this.lockFor(lockId));
  }

  /**
   * A Node-RED start: a ledger read from its store, a new runner; unanswered commands go out again.
   * With two instances on one database, each start is the other instance taking the property over.
   */
  private async start(): Promise<void> {
    this.generation += 1;
    for (const runner of [this.runner, this.zhaRunner, this.seamRunner]) runner?.close();
    if (this.generation > 1) this.door?.restart();
    const store = this.instances ? await this.instances.takeOver(this.generation) : this.store;
    this.ledger = new Ledger({
      clock: this.clock,
      vault: this.vault,
      locks: () => this.lockConfigs,
      store,
      backupCodesPerLock: 1,
      retryFailedAfterMinutes: 30,
      // A new PIN is checked against the lock's sealed PINs as usual; the bcrypt comparison with hashed
      // ones (a second per code on a busy gate) is skipped: the season measures the locks, not bcrypt.
      quickPins: true,
    });
    const runnerOf = (provider: LockProvider) => new CommandRunner(provider, { clock: this.clock, maxAttempts: 30, baseDelayMs: 2000 });
    this.runner = runnerOf(this.locks);
    this.zhaRunner = this.zhaLocks ? runnerOf(this.zhaLocks) : undefined;
    this.seamRunner = this.door ? runnerOf(this.door.provider()) : undefined;
    this.dispatch(this.ledger.commandsInFlight());
    for (const update of this.feeds.reopen()) this.acceptUpdate(update);
  }

  close(): void {
    this.feeds.close();
  }

  async run(): Promise<void> {
    await this.start();
    for (const booking of this.plan.bookings) {
      if (booking.id.startsWith('staff:')) this.acceptBooking(booking, 'created');
      else this.feeds.list(booking);
    }
    this.fetchAll();
    this.enqueue(() => this.reconcile());
    while (this.clock.now().getTime() < this.end) {
      await this.settle();
      this.clock.advanceTo(new Date(this.nextStop()));
      await this.settle();
      await this.handleDue();
    }
    await this.finish();
  }

  private nextStop(): number {
    const candidates = [
      this.end,
      this.nextReadiness,
      this.nextFetch,
      this.events[0] ? Date.parse(this.events[0].at) : Infinity,
      this.ledger.nextDueAt()?.getTime() ?? Infinity,
      this.clock.nextTimerAt()?.getTime() ?? Infinity,
    ];
    return Math.max(Math.min(...candidates), this.clock.now().getTime());
  }

  private async handleDue(): Promise<void> {
    const now = this.clock.now().getTime();
    while (this.events[0] && Date.parse(this.events[0].at) <= now) await this.handleEvent(this.events.shift()!);
    if (now >= this.nextReadiness) {
      this.nextReadiness = now + READINESS_EVERY_MS;
      this.enqueue(() => this.checkReadiness());
    }
    if (now >= this.nextFetch) {
      this.nextFetch += FETCH_EVERY_MS;
      this.fetchAll();
    }
    this.door?.tick();
    this.enqueue(() => this.reconcile());
    await this.settle();
  }

  private async handleEvent(event: SeasonEvent): Promise<void> {
    switch (event.kind) {
      case 'change':
        this.feeds.list(event.booking);
        this.fetch(event.booking.unit);
        break;
      case 'cancel':
        this.plannedCancellations += 1;
        this.feeds.unlist(event.booking);
        this.fetch(event.booking.unit);
        break;
      case 'feed':
        this.feeds.serve(event.unit, event.fault);
        this.fetch(event.unit);
        break;
      case 'offline':
        this.lockFor(event.lockId).setOnline(event.lockId, false);
        break;
      case 'online':
        this.lockFor(event.lockId).setOnline(event.lockId, true);
        break;
      case 'battery':
        this.lockFor(event.lockId).setBattery(event.lockId, event.level);
        break;
      case 'restart':
        await this.settle();
        this.restarts += 1;
        await this.start();
        break;
      case 'check-in':
        this.checkArrival(event.booking);
        break;
      case 'after-checkout':
        this.checkGone(event.booking);
        break;
    }
  }

  private fetchAll(): void {
    for (const unit of this.plan.units) this.fetch(unit.name);
  }

  /** What booking-source announces goes to the ledger; what it warns of goes to the host. */
  private fetch(unit: string): void {
    const { updates, alerts } = this.feeds.fetch(unit);
    for (const alert of alerts) this.feedAlerts[feedAlertKind(alert)] += 1;
    this.take([], alerts);
    for (const update of updates) this.acceptUpdate(update);
  }

  private acceptUpdate(update: BookingUpdate): void {
    if (update.change === 'cancelled') {
      this.cancelledIds.add(update.booking.id);
      if (this.feeds.isListed(update.booking)) this.badCancellations.add(update.booking.id);
    }
    this.acceptBooking(update.booking, update.change);
  }

  private acceptBooking(booking: Booking, change: 'created' | 'changed' | 'cancelled'): void {
    const unit = this.plan.units.find((u) => u.name === booking.unit)!;
    const options: WindowOptions = { checkIn: '16:00', checkOut: '11:00', timeZone: this.plan.timeZone, bufferBeforeMinutes: 0, bufferAfterMinutes: 30, leadHours: 48, locks: unit.locks };
    const window = windowFor(booking, options);
    if (booking.id.startsWith('staff:')) Object.assign(window, this.plan.staffWindows.get(booking.id));
    this.enqueue(async () => this.ledger.acceptWindow({ kind: 'window', change, booking, window }));
  }

  private async reconcile(): Promise<void> {
    const plan = await this.ledger.reconcile();
    this.take(plan.codeMessages, plan.alerts);
    this.dispatch(plan.commands);
  }

  private async checkReadiness(): Promise<void> {
    const ids = this.ledger.locksArrivingWithin(Math.max(...CHECK_HOURS));
    if (!ids.length) return;
    const statuses = new Map<string, LockStatus | Error>();
    for (const id of ids) statuses.set(id, await this.lockFor(id).status(id).catch((err: Error) => err));
    const lent = this.ledger.lendBackupsToStranded(statuses, Math.min(...CHECK_HOURS));
    this.take(lent.messages, [...lent.alerts, ...this.ledger.checkReadiness(statuses, CHECK_HOURS, (lock) => `backup key for ${lock.name}`)]);
    await this.reconcile();
  }

  private dispatch(commands: LockCommand[]): void {
    const generation = this.generation;
    for (const command of commands) {
      // Guests' commands only: staff hours and the backup pool have their own rhythm.
      const forGuest = !command.codeId.startsWith('staff:') && !command.codeId.startsWith('backup:');
      const counted = forGuest && !command.resent && command.action !== 'read' ? 1 : 0;
      this.commandsSent += counted;
      if (command.lockId === this.door?.config.id) this.seamCommands += counted;
      this.busy += 1;
      const pin = command.pin ? this.vault.open(command.pin) : undefined;
      void this.runnerFor(command.lockId).execute(command, pin).then((result) => {
        this.busy -= 1;
        // The lock woke for a read even when a restart lost its answer: counted before that check.
        if (command.action === 'read' && result.ok) this.ledgerReads.push({ lockId: command.lockId, slot: command.slot, at: this.clock.now().getTime() });
        // A runner from before a restart answers into nothing, as a killed Node-RED would.
        if (generation !== this.generation) return;
        if (result.unverifiable && result.action !== 'clear') this.codesSetNotVerifiable += 1;
        if (command.action === 'read' && command.slot === 0 && result.ok) this.wholeReads.set(command.lockId, [...(this.wholeReads.get(command.lockId) ?? []), this.clock.now().getTime()]);
        // As the locks config does: what a read found travels sealed.
        const answer: LockResultMessage = result.codes ? { ...result, codes: sealReadCodes(result.codes, (pin) => this.vault.seal(pin)) } : result;
        this.enqueue(async () => {
          this.take([], await this.ledger.acceptResult(answer));
          await this.reconcile();
        });
      });
    }
  }

  /** Guest messages are delivered at once; alerts are recorded with their time. */
  private take(messages: CodeMessage[], alerts: AlertMessage[]): void {
    const at = this.clock.now().toISOString();
    for (const alert of alerts) this.alerts.push({ at, alert });
    for (const message of messages) {
      const pins = this.toldPins.get(message.bookingId) ?? new Map<string, string>();
      for (const code of message.codes) if (code.pin) pins.set(code.lockId, this.vault.open(code.pin));
      this.toldPins.set(message.bookingId, pins);
      if (message.change !== 'revoked' && message.change !== 'backup') {
        this.ledger.acceptDelivery({ kind: 'delivery', bookingId: message.bookingId, channel: 'output', delivered: true });
      }
    }
  }

  private checkArrival(booking: Booking): void {
    this.arrivals.push(arrivalOf(this.seen(), booking, this.toldPins.get(booking.id), this.clock.now()));
  }

  private checkGone(booking: Booking): void {
    const left = codesStillOpening(this.toldPins.get(booking.id), (lockId) => this.lockFor(lockId));
    this.aliveAfterCheckout += left.online;
    this.leftOnOffline += left.offline;
  }

  private async finish(): Promise<void> {
    for (const lock of this.plan.locks) this.lockFor(lock.id).setOnline(lock.id, true);
    for (let i = 0; i < 50 && (this.busy > 0 || this.clock.nextTimerAt()); i++) {
      this.clock.advanceTo(this.clock.nextTimerAt() ?? this.clock.now());
      this.enqueue(() => this.reconcile());
      await this.settle();
    }
  }

  private lockFor(lockId: string): SeasonLock {
    if (this.door && lockId === this.door.config.id) return this.door;
    return lockId === ZHA_DOOR && this.zhaLocks ? this.zhaLocks : this.locks;
  }

  private runnerFor(lockId: string): CommandRunner {
    if (this.seamRunner && lockId === this.door?.config.id) return this.seamRunner;
    return lockId === ZHA_DOOR && this.zhaRunner ? this.zhaRunner : this.runner;
  }

  /** What the season's reports look at: the plan, the arrivals, the alerts and the locks as they are now. */
  private seen(): SeasonSeen {
    return { plan: this.plan, arrivals: this.arrivals, alerts: this.alerts, lockFor: (lockId) => this.lockFor(lockId) };
  }

  report(): SeasonReport {
    const uncovered = this.arrivals.filter((a) => !a.covered);
    const guestBookings = this.plan.bookings.filter((b) => !b.id.startsWith('staff:')).length;
    return {
      units: this.plan.units.length,
      bookings: guestBookings,
      arrivals: this.arrivals.length,
      arrivalsCovered: this.arrivals.length - uncovered.length,
      arrivalsWithoutCode: uncovered.length,
      uncovered,
      uncoveredWithoutTimelyAlert: uncovered.filter((a) => !a.alertInTime).length,
      codesAliveAfterCheckout: this.aliveAfterCheckout,
      codesLeftOnOfflineLocks: this.leftOnOffline,
      lockCommandsPerBooking: Math.round((this.commandsSent / Math.max(guestBookings, 1)) * 100) / 100,
      lostOperations: lostOperations(this.ledger.snapshot(), (lockId) => this.lockFor(lockId)),
      restarts: this.restarts,
      alerts: this.alerts.length,
      feedAlerts: { ...this.feedAlerts },
      plannedCancellations: this.plannedCancellations,
      cancellationsSeen: this.cancelledIds.size,
      cancellationsFromBadFeeds: this.badCancellations.size,
      zhaDoor: zhaDoorReport(this.seen(), ZHA_DOOR, this.codesSetNotVerifiable),
      foreignCodes: foreignCodesReport(this.seen(), FOREIGN_CODES_OF_SEASON, this.wholeReads),
      slotReads: slotReadsReport(this.ledgerReads, this.lockConfigs.filter(readsCodes), this.startedAt, this.clock.now().getTime()),
      ...(this.door ? { seamDoor: seamDoorReport(this.seen(), this.door.config.id, this.door.counts(), this.seamCommands) } : {}),
    };
  }

  private enqueue(work: () => Promise<void>): void {
    this.busy += 1;
    this.queue = this.queue.then(work, work).finally(() => {
      this.busy -= 1;
    });
  }

  /** Lets queued work, promise chains and the Seam door's requests (real HTTP) run out at the current instant. */
  private async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await this.queue;
      do await new Promise((resolve) => setImmediate(resolve));
      while (this.door && this.door.inFlight() > 0);
    }
  }
}

export type { LockConfig };
