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
import { CommandRunner, sealReadCodes } from '../locks/command-runner';
import type { LockConfig, LockStatus } from '../locks/provider';
import { SimulatedLocks } from '../locks/simulated';
import type { AlertMessage, CodeMessage, LockCommand, LockResultMessage } from '../messages';
import { Vault } from '../pins/vault';
import { ManualClock } from '../time/clock';
import { addDays } from '../time/zoned';
import { windowFor, WindowOptions } from '../windows/window';
import { ChannelFeeds, FeedAlertKind, feedAlertKind } from './season-feeds';
import { seasonPlan, SeasonEvent, SeasonPlan } from './season-plan';
import { Arrival, explainMissing, FOREIGN_CODES_OF_SEASON, foreignCodesReport, lostOperations, SeasonOptions, SeasonReport, SeasonSeen, zhaDoorReport } from './season-report';

export type { Arrival, SeasonOptions, SeasonReport } from './season-report';

const READINESS_EVERY_MS = 15 * 60_000;
/** Unit 2's door is a Zigbee lock through ZHA: it cannot read codes back. */
const ZHA_DOOR = 'door-2';
const CHECK_HOURS = [24, 2];
const MINUTE = 60_000;
const FETCH_EVERY_MS = 60 * MINUTE;

/** Runs one season and reports. Deterministic for a seed, apart from the PINs (crypto-random). */
export async function runSeason(options: SeasonOptions): Promise<SeasonReport> {
  const plan = seasonPlan(options);
  const world = new SeasonWorld(plan, options);
  try {
    await world.run();
    return world.report();
  } finally {
    world.close();
  }
}

class SeasonWorld {
  readonly clock: ManualClock;
  private readonly vault = Vault.withKey(crypto.randomBytes(32));
  private readonly locks: SimulatedLocks;
  private readonly store: LedgerStore & { data?: string };
  private ledger!: Ledger;
  private runner!: CommandRunner;
  private readonly zhaLocks: SimulatedLocks | undefined;
  /** The plan's locks as a locks config gives them to the ledger: each with its provider's way of checking codes. */
  private readonly lockConfigs: LockConfig[];
  /** When each lock was read whole (successfully): on its first link, then at most daily. */
  private readonly wholeReads = new Map<string, number[]>();
  private zhaRunner: CommandRunner | undefined;
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
  ) {
    this.clock = new ManualClock(`${addDays(options.start, -3)}T00:00:00Z`);
    // One door is a Zigbee lock through ZHA: it cannot read codes back, so what it accepts is final.
    const zha = plan.locks.find((lock) => lock.id === ZHA_DOOR);
    this.locks = new SimulatedLocks({ locks: plan.locks.filter((lock) => lock !== zha), clock: this.clock, latencyMs: 1500, drainPerOperation: 0.05 });
    this.zhaLocks = zha ? new SimulatedLocks({ locks: [zha], clock: this.clock, latencyMs: 1500, drainPerOperation: 0.05, codeCheck: 'accepted' }) : undefined;
    this.lockConfigs = plan.locks.map((lock) => ({ ...lock, codeCheck: lock === zha ? 'accepted' : 'read-back' }));
    this.store = {
      load: () => (this.store.data ? (JSON.parse(this.store.data) as LedgerData) : undefined),
      save: (data) => {
        this.store.data = JSON.stringify(data);
      },
    };
    this.feeds = new ChannelFeeds(plan.units.map((unit) => unit.name), this.clock);
    this.start();
    this.events = [...plan.events].sort((a, b) => a.at.localeCompare(b.at));
    this.nextReadiness = this.clock.now().getTime();
    this.nextFetch = this.clock.now().getTime();
    this.end = Date.parse(`${addDays(options.start, options.days + 2)}T00:00:00Z`);
    this.keyInForeignCodes();
  }

  /** A Node-RED start: a ledger read from its store, a new runner; unanswered commands go out again. */
  private start(): void {
    this.generation += 1;
    this.runner?.close();
    this.zhaRunner?.close();
    this.ledger = new Ledger({
      clock: this.clock,
      vault: this.vault,
      locks: () => this.lockConfigs,
      store: this.store,
      backupCodesPerLock: 1,
      retryFailedAfterMinutes: 30,
      // A new PIN is checked against the lock's sealed PINs as usual; the bcrypt comparison with hashed
      // ones (a second per code on a busy gate) is skipped: the season measures the locks, not bcrypt.
      quickPins: true,
    });
    this.runner = new CommandRunner(this.locks, { clock: this.clock, maxAttempts: 30, baseDelayMs: 2000 });
    this.zhaRunner = this.zhaLocks ? new CommandRunner(this.zhaLocks, { clock: this.clock, maxAttempts: 30, baseDelayMs: 2000 }) : undefined;
    this.dispatch(this.ledger.commandsInFlight());
    for (const update of this.feeds.reopen()) this.acceptUpdate(update);
  }

  close(): void {
    this.feeds.close();
  }

  async run(): Promise<void> {
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
        this.start();
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
      this.commandsSent += forGuest && !command.resent && command.action !== 'read' ? 1 : 0;
      this.busy += 1;
      const pin = command.pin ? this.vault.open(command.pin) : undefined;
      void this.runnerFor(command.lockId).execute(command, pin).then((result) => {
        this.busy -= 1;
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
    const unit = this.plan.units.find((u) => u.name === booking.unit)!;
    const pins = this.toldPins.get(booking.id);
    const missing = unit.locks.filter((lockId) => !pins?.get(lockId) || !this.lockFor(lockId).opens(lockId, pins.get(lockId)!));
    const arrival: Arrival = { bookingId: booking.id, checkInAt: this.clock.now().toISOString(), covered: missing.length === 0 };
    if (!arrival.covered) explainMissing(arrival, booking, missing, this.plan.events, this.alerts);
    this.arrivals.push(arrival);
  }

  private checkGone(booking: Booking): void {
    const pins = this.toldPins.get(booking.id);
    if (!pins) return;
    for (const [lockId, pin] of pins) {
      const view = this.lockFor(lockId).inspect(lockId);
      const stillOpens = view.codes.some((code) => code.pin === pin) && this.lockFor(lockId).opens(lockId, pin);
      if (!stillOpens) continue;
      if (view.online) this.aliveAfterCheckout += 1;
      else this.leftOnOffline += 1;
    }
  }

  private async finish(): Promise<void> {
    for (const lock of this.plan.locks) this.lockFor(lock.id).setOnline(lock.id, true);
    for (let i = 0; i < 50 && (this.busy > 0 || this.clock.nextTimerAt()); i++) {
      this.clock.advanceTo(this.clock.nextTimerAt() ?? this.clock.now());
      this.enqueue(() => this.reconcile());
      await this.settle();
    }
  }

  /** The owner and the cleaner keyed their own codes in before StayKey was linked to these locks. */
  private keyInForeignCodes(): void {
    const startsAt = this.clock.now().toISOString();
    const endsAt = new Date(this.end + 365 * 24 * 3600_000).toISOString();
    for (const code of FOREIGN_CODES_OF_SEASON) {
      if (!this.plan.locks.some((lock) => lock.id === code.lockId)) continue;
      this.lockFor(code.lockId).addCodeBehindOurBack(code.lockId, { slot: code.slot, name: code.name, pin: code.pin, startsAt, endsAt });
    }
  }

  private lockFor(lockId: string): SimulatedLocks {
    return lockId === ZHA_DOOR && this.zhaLocks ? this.zhaLocks : this.locks;
  }

  private runnerFor(lockId: string): CommandRunner {
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
    };
  }

  private enqueue(work: () => Promise<void>): void {
    this.busy += 1;
    this.queue = this.queue.then(work, work).finally(() => {
      this.busy -= 1;
    });
  }

  /** Lets queued work and promise chains run out at the current instant. */
  private async settle(): Promise<void> {
    for (let i = 0; i < 20; i++) {
      await this.queue;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

export type { LockConfig };
