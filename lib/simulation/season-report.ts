/** What a season reports, and how each figure is worked out from what happened. */
import type { Booking } from '../bookings/booking';
import type { LedgerData } from '../ledger/ledger-types';
import type { LockConfig } from '../locks/provider';
import type { AlertMessage } from '../messages';
import type { SeasonLock } from './season-door';
import type { FeedAlertKind } from './season-feeds';
import type { SeasonEvent, SeasonPlan } from './season-plan';

export interface SeasonOptions {
  units: number;
  bookings: number;
  days: number;
  /** First day of the season (YYYY-MM-DD). */
  start: string;
  seed: number;
  timeZone?: string;
}

export interface Arrival {
  bookingId: string;
  checkInAt: string;
  covered: boolean;
  /** For an arrival without a working code: what was wrong, and when the host first heard of it. */
  problem?: string;
  faultVisibleAt?: string;
  alertedAt?: string;
  hoursAlertedAhead?: number;
  alertInTime?: boolean;
}

export interface SeasonReport {
  units: number;
  bookings: number;
  arrivals: number;
  arrivalsCovered: number;
  arrivalsWithoutCode: number;
  uncovered: Arrival[];
  /** Arrivals without a code whose host was not told in time (>= 24 h ahead for early faults, within 5 min for late ones). */
  uncoveredWithoutTimelyAlert: number;
  /** Guest codes that still opened a door 15 minutes after checkout plus buffer, on a lock that was online. */
  codesAliveAfterCheckout: number;
  /** The same on a lock that was offline then (nothing can reach it); each was cleared once it came back. */
  codesLeftOnOfflineLocks: number;
  /** Commands to locks for guests' codes (set, update, clear), per booking: 4 for a stay on a door and a gate. */
  lockCommandsPerBooking: number;
  /** Commands planned but never carried out, and locks that end the season disagreeing with the ledger. */
  lostOperations: number;
  restarts: number;
  alerts: number;
  /** Alerts of booking-source's guards, by kind: each feed fault should raise one, and cancel nothing. */
  feedAlerts: Record<FeedAlertKind, number>;
  /** Bookings the channel really cancelled, and those the ledger was told were cancelled. */
  plannedCancellations: number;
  cancellationsSeen: number;
  /** Bookings the ledger was told were cancelled while their channel still listed them. */
  cancellationsFromBadFeeds: number;
  /** The door that cannot read codes back (ZHA): its arrivals, those with a working code, and false "not confirmed" alarms. */
  zhaDoor: { lockId: string; arrivals: number; covered: number; notConfirmedAlerts: number; codesSetNotVerifiable: number };
  /** The door and the gate that hold the owner's and the cleaner's own codes: still there, untouched, at the season's end? */
  foreignCodes: { locks: string[]; kept: number; of: number; arrivals: number; covered: number; locksRead: number; fewestHoursBetweenReads: number };
  /**
   * Reads the ledger asked of the locks that read codes back and that the lock carried out: the whole
   * lock (when linked, then the daily drift check) and one slot (before a first write to a slot never
   * seen). A whole read wakes every slot in the lock's range, so it counts as a read of each; the
   * read-back of a write belongs to the write and is not here. Issue 17: at most one read of a slot a day.
   */
  slotReads: SlotReadsReport;
  /**
   * The Seam door (when the season was given one): its arrivals and those with a working code; access
   * codes created on Seam, changed in place, and made twice; guests' commands to it per booking.
   */
  seamDoor?: { lockId: string; arrivals: number; covered: number; created: number; changedInPlace: number; duplicates: number; commandsPerBooking: number };
}

export interface SlotReadsReport {
  /** Locks that read codes back, and the days the season's clock ran over. */
  locks: number;
  days: number;
  wholeReads: number;
  oneSlotReads: number;
  /** Reads of either kind per lock per day of the season. */
  readsPerLockPerDay: number;
  /** The most reads of any one slot of any lock within any 24 hours. */
  mostReadsOfOneSlotInADay: number;
  /** Where and from when that most was seen (the first such slot). */
  busiest?: { lockId: string; slot: number; from: string };
}

/** A read the ledger asked of a lock and the lock answered, at `at` (ms); slot 0 is the whole lock. */
export interface LedgerRead {
  lockId: string;
  slot: number;
  at: number;
}

/** An alert as the season recorded it: when the host got it. */
export interface SeasonAlert {
  at: string;
  alert: AlertMessage;
}

/** A code the owner or a cleaner keyed in before StayKey was linked. */
export interface ForeignCodeOfSeason {
  lockId: string;
  slot: number;
  name: string;
  pin: string;
}

/** What the reports look at. */
export interface SeasonSeen {
  plan: SeasonPlan;
  arrivals: Arrival[];
  alerts: SeasonAlert[];
  lockFor: (lockId: string) => SeasonLock;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Codes StayKey did not create, in slots it could use: unit 4's owner's code and the cleaner's on the gate. */
export const FOREIGN_CODES_OF_SEASON: ForeignCodeOfSeason[] = [
  { lockId: 'door-4', slot: 2, name: 'Owner', pin: '720416' },
  { lockId: 'gate', slot: 1, name: 'Cleaner', pin: '803152' },
];

/** A guest at the door at check-in: do the PINs they were told open every lock of their unit? If not, why, and were they told? */
export function arrivalOf(seen: SeasonSeen, booking: Booking, pins: Map<string, string> | undefined, now: Date): Arrival {
  const unit = seen.plan.units.find((u) => u.name === booking.unit)!;
  const missing = unit.locks.filter((lockId) => !pins?.get(lockId) || !seen.lockFor(lockId).opens(lockId, pins.get(lockId)!));
  const arrival: Arrival = { bookingId: booking.id, checkInAt: now.toISOString(), covered: missing.length === 0 };
  if (!arrival.covered) explainMissing(arrival, booking, missing, seen.plan.events, seen.alerts);
  return arrival;
}

/** When the fault behind a missing code became visible, and when the host first heard of this booking's trouble. */
export function explainMissing(arrival: Arrival, booking: Booking, missing: string[], events: SeasonEvent[], alerts: SeasonAlert[]): void {
  const checkIn = Date.parse(arrival.checkInAt);
  arrival.problem = `no working code on ${missing.join(', ')}`;
  const faults = events.filter((e) => (e.kind === 'offline' || e.kind === 'battery') && missing.includes(e.lockId) && Date.parse(e.at) <= checkIn);
  const visible = faults.length ? faults[faults.length - 1].at : undefined;
  if (visible) arrival.faultVisibleAt = visible;
  const told = alerts.find(({ at, alert }) => Date.parse(at) <= checkIn && (alert.bookingId === booking.id || (alert.lockId !== undefined && missing.includes(alert.lockId) && Date.parse(at) >= checkIn - 48 * 3600_000)));
  if (!told) {
    arrival.alertInTime = false;
    return;
  }
  arrival.alertedAt = told.at;
  arrival.hoursAlertedAhead = Math.round(((checkIn - Date.parse(told.at)) / 3600_000) * 10) / 10;
  const faultAhead = visible ? (checkIn - Date.parse(visible)) / 3600_000 : Infinity;
  // Early faults must be told a day ahead; late ones within 5 minutes of appearing.
  arrival.alertInTime = faultAhead >= 24 ? arrival.hoursAlertedAhead >= 24 : Date.parse(told.at) - Date.parse(visible ?? told.at) <= 5 * MINUTE;
}

export function foreignCodesReport(seen: SeasonSeen, foreignCodes: ForeignCodeOfSeason[], wholeReads: Map<string, number[]>): SeasonReport['foreignCodes'] {
  const present = foreignCodes.filter((code) => seen.plan.locks.some((lock) => lock.id === code.lockId));
  const kept = present.filter((code) => {
    const held = seen.lockFor(code.lockId).inspect(code.lockId).codes.find((c) => c.slot === code.slot);
    return held?.pin === code.pin && seen.lockFor(code.lockId).opens(code.lockId, code.pin);
  });
  const locks = present.map((code) => code.lockId);
  const units = new Set(seen.plan.units.filter((unit) => unit.locks.some((lockId) => locks.includes(lockId) && lockId !== 'gate')).map((unit) => unit.name));
  const unitOf = new Map(seen.plan.bookings.map((booking) => [booking.id, booking.unit]));
  const arrivals = seen.arrivals.filter((arrival) => units.has(unitOf.get(arrival.bookingId) ?? ''));
  const gaps = [...wholeReads.values()].flatMap((times) => times.slice(1).map((at, i) => (at - times[i]) / 3600_000));
  return {
    locks,
    kept: kept.length,
    of: present.length,
    arrivals: arrivals.length,
    covered: arrivals.filter((a) => a.covered).length,
    locksRead: wholeReads.size,
    fewestHoursBetweenReads: gaps.length ? Math.round(Math.min(...gaps) * 10) / 10 : Infinity,
  };
}

/** The owner and the cleaner keyed their own codes in before StayKey was linked to these locks. */
export function keyInForeignCodes(plan: SeasonPlan, from: Date, until: Date, lockFor: (lockId: string) => SeasonLock): void {
  for (const code of FOREIGN_CODES_OF_SEASON) {
    if (!plan.locks.some((lock) => lock.id === code.lockId)) continue;
    lockFor(code.lockId).addCodeBehindOurBack(code.lockId, { slot: code.slot, name: code.name, pin: code.pin, startsAt: from.toISOString(), endsAt: until.toISOString() });
  }
}

/** A guest's codes that still open a door after checkout: on a lock that is online, and on one that is not. */
export function codesStillOpening(pins: Map<string, string> | undefined, lockFor: (lockId: string) => SeasonLock): { online: number; offline: number } {
  const left = { online: 0, offline: 0 };
  for (const [lockId, pin] of pins ?? []) {
    const view = lockFor(lockId).inspect(lockId);
    if (!view.codes.some((code) => code.pin === pin) || !lockFor(lockId).opens(lockId, pin)) continue;
    left[view.online ? 'online' : 'offline'] += 1;
  }
  return left;
}

/** The arrivals on the units a door serves. */
function arrivalsOn(seen: SeasonSeen, lockId: string): Arrival[] {
  const units = new Set(seen.plan.units.filter((unit) => unit.locks.includes(lockId)).map((unit) => unit.name));
  const unitOf = new Map(seen.plan.bookings.map((booking) => [booking.id, booking.unit]));
  return seen.arrivals.filter((arrival) => units.has(unitOf.get(arrival.bookingId) ?? ''));
}

export function seamDoorReport(seen: SeasonSeen, lockId: string, counts: { created: number; changedInPlace: number; duplicates: number }, commands: number): NonNullable<SeasonReport['seamDoor']> {
  const arrivals = arrivalsOn(seen, lockId);
  const units = new Set(seen.plan.units.filter((unit) => unit.locks.includes(lockId)).map((unit) => unit.name));
  const bookings = seen.plan.bookings.filter((booking) => units.has(booking.unit) && !booking.id.startsWith('staff:')).length;
  return {
    lockId,
    arrivals: arrivals.length,
    covered: arrivals.filter((arrival) => arrival.covered).length,
    ...counts,
    commandsPerBooking: Math.round((commands / Math.max(bookings, 1)) * 100) / 100,
  };
}

export function zhaDoorReport(seen: SeasonSeen, zhaDoor: string, codesSetNotVerifiable: number): SeasonReport['zhaDoor'] {
  const arrivals = arrivalsOn(seen, zhaDoor);
  const name = seen.plan.locks.find((lock) => lock.id === zhaDoor)?.name ?? zhaDoor;
  const notConfirmed = seen.alerts.filter(({ alert }) => alert.text.includes(`not confirmed on ${name}`)).length;
  return {
    lockId: zhaDoor,
    arrivals: arrivals.length,
    covered: arrivals.filter((arrival) => arrival.covered).length,
    notConfirmedAlerts: notConfirmed,
    codesSetNotVerifiable,
  };
}

/** Commands never answered, and codes the ledger says are on a lock that the lock does not hold. */
export function lostOperations(data: LedgerData, lockFor: (lockId: string) => SeasonLock): number {
  let lost = Object.values(data.codes).filter((code) => code.inFlight).length;
  for (const code of Object.values(data.codes)) {
    if (!code.onLock) continue;
    const held = lockFor(code.lockId).inspect(code.lockId).codes.find((c) => c.slot === code.slot);
    if (!held) lost += 1;
  }
  return lost;
}

/** How often the ledger's reads woke each slot of the locks that read back, between `from` and `to` (ms). */
export function slotReadsReport(reads: LedgerRead[], locks: LockConfig[], from: number, to: number): SlotReadsReport {
  const days = Math.max(to - from, DAY) / DAY;
  const ours = reads.filter((read) => locks.some((lock) => lock.id === read.lockId));
  let busiest: BusiestSlot = { lockId: '', slot: 0, reads: 0, from: 0 };
  for (const lock of locks) {
    const slot = busiestSlot(lock, ours.filter((read) => read.lockId === lock.id));
    if (slot.reads > busiest.reads) busiest = slot;
  }
  const wholeReads = ours.filter((read) => read.slot === 0).length;
  return {
    locks: locks.length,
    days: Math.round(days * 10) / 10,
    wholeReads,
    oneSlotReads: ours.length - wholeReads,
    readsPerLockPerDay: Math.round((ours.length / Math.max(locks.length, 1) / days) * 100) / 100,
    mostReadsOfOneSlotInADay: busiest.reads,
    ...(busiest.reads ? { busiest: { lockId: busiest.lockId, slot: busiest.slot, from: new Date(busiest.from).toISOString() } } : {}),
  };
}

interface BusiestSlot {
  lockId: string;
  slot: number;
  reads: number;
  from: number;
}

/**
 * The slot of one lock read most within 24 hours. Every slot in the lock's range shares its whole reads,
 * so only the first of them and the slots read alone need looking at.
 */
function busiestSlot(lock: LockConfig, reads: LedgerRead[]): BusiestSlot {
  const { firstSlot, lastSlot } = lock.rules;
  const whole = reads.filter((read) => read.slot === 0).map((read) => read.at);
  const alone = new Set(reads.filter((read) => read.slot > 0).map((read) => read.slot));
  let busiest: BusiestSlot = { lockId: lock.id, slot: firstSlot, reads: 0, from: 0 };
  for (const slot of [firstSlot, ...[...alone].sort((a, b) => a - b)]) {
    const inRange = slot >= firstSlot && slot <= lastSlot;
    const times = [...(inRange ? whole : []), ...reads.filter((read) => read.slot === slot).map((read) => read.at)];
    const most = mostWithinADay(times);
    if (most.reads > busiest.reads) busiest = { lockId: lock.id, slot, ...most };
  }
  return busiest;
}

/** The most of `times` (ms) within any 24 hours, and the first of them. */
function mostWithinADay(times: number[]): { reads: number; from: number } {
  const sorted = [...times].sort((a, b) => a - b);
  let most = { reads: 0, from: 0 };
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last] - sorted[first] >= DAY) first++;
    if (last - first + 1 > most.reads) most = { reads: last - first + 1, from: sorted[first] };
  }
  return most;
}
