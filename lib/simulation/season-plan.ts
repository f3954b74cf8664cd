/**
 * The script of a simulated season: which units and locks, which bookings and when they change,
 * and which faults strike when. A seeded generator makes the same season for the same seed, so a
 * figure can be re-run; it decides the story, never a PIN.
 */
import { Booking } from '../bookings/booking';
import { latestToday } from '../bookings/feed-tracker';
import type { LockConfig } from '../locks/provider';
import { addDays } from '../time/zoned';
import type { AccessWindow } from '../windows/window';
import { windowFor } from '../windows/window';

export interface SeasonUnit {
  name: string;
  locks: string[];
}

/**
 * What a unit's channel feed serves instead of its listing while a fault lasts: the failures that
 * look like good fetches (lib/bookings/feed-tracker.ts).
 */
export type FeedFault =
  /** A VCALENDAR with no VEVENT at all. */
  | { kind: 'empty' }
  /** This stay's event has its DTEND before its DTSTART. */
  | { kind: 'garbled'; bookingId: string }
  /** These upcoming stays are missing from the feed. */
  | { kind: 'dropped'; bookingIds: string[] };

export type SeasonEvent =
  | { kind: 'change' | 'cancel' | 'check-in' | 'after-checkout'; at: string; booking: Booking }
  /** The unit's feed starts serving `fault`, or serves its listing again when there is none; then it is fetched. */
  | { kind: 'feed'; at: string; unit: string; fault?: FeedFault }
  | { kind: 'offline' | 'online'; at: string; lockId: string }
  | { kind: 'battery'; at: string; lockId: string; level: number }
  | { kind: 'restart'; at: string };

export interface SeasonPlan {
  timeZone: string;
  units: SeasonUnit[];
  locks: LockConfig[];
  bookings: Booking[];
  staffWindows: Map<string, Partial<AccessWindow>>;
  events: SeasonEvent[];
}

export interface SeasonPlanOptions {
  units: number;
  bookings: number;
  days: number;
  start: string;
  seed: number;
  timeZone?: string;
}

const HOUR = 3600_000;

/** mulberry32: a small seeded generator for the story (not for secrets). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seasonPlan(options: SeasonPlanOptions): SeasonPlan {
  const random = seeded(options.seed);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const timeZone = options.timeZone ?? 'Europe/Lisbon';
  const units: SeasonUnit[] = [];
  // Odd units have locks that keep schedules (TTLock, Nuki), even ones do not (Z-Wave, Zigbee); all share a gate.
  const locks: LockConfig[] = [{ id: 'gate', name: 'Main gate', schedules: false, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 250 } }];
  for (let n = 1; n <= options.units; n++) {
    const lockId = `door-${n}`;
    units.push({ name: `Unit ${n}`, locks: [lockId, 'gate'] });
    locks.push({ id: lockId, name: `Unit ${n} door`, schedules: n % 2 === 1, rules: { codeLengths: [6], firstSlot: 2, lastSlot: 20, reservedSlots: [] } });
  }

  const bookings: Booking[] = [];
  const events: SeasonEvent[] = [];
  const perUnit = Math.max(1, Math.round(options.bookings / options.units));
  const seasonEnd = addDays(options.start, options.days);
  for (const unit of units) {
    let day = addDays(options.start, between(0, 2));
    for (let i = 0; i < perUnit && day < seasonEnd; i++) {
      const nights = between(1, 4);
      const booking: Booking = { id: `${unit.name.replace(' ', '')}-${i}`, unit: unit.name, source: 'sim', arrival: day, departure: addDays(day, nights), guestName: `Guest ${unit.name} ${i}` };
      bookings.push(booking);
      day = addDays(booking.departure, between(0, 2) === 0 ? 0 : between(1, 2));
    }
  }

  const windowOf = (booking: Booking) =>
    windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone, bufferBeforeMinutes: 0, bufferAfterMinutes: 30, leadHours: 48, locks: ['gate'] });
  const seasonStart = Date.parse(`${addDays(options.start, -3)}T00:00:00Z`);

  for (const booking of bookings) {
    const roll = random();
    let final = booking;
    if (roll < 0.05) {
      const at = new Date(Date.parse(windowOf(booking).checkInAt) - between(1, 5) * 24 * HOUR);
      if (at.getTime() > seasonStart) {
        events.push({ kind: 'cancel', at: at.toISOString(), booking });
        continue;
      }
    } else if (roll < 0.15 && daysBetween(booking.arrival, booking.departure) >= 2) {
      final = { ...booking, departure: addDays(booking.departure, -1) };
      const at = new Date(Date.parse(windowOf(booking).checkInAt) - between(0, 4) * 24 * HOUR - 3 * HOUR);
      events.push({ kind: 'change', at: new Date(Math.max(at.getTime(), seasonStart + HOUR)).toISOString(), booking: final });
    }
    const window = windowOf(final);
    events.push({ kind: 'check-in', at: window.checkInAt, booking: final });
    events.push({ kind: 'after-checkout', at: new Date(Date.parse(window.endsAt) + 15 * 60_000).toISOString(), booking: final });
  }

  const staffWindows = new Map<string, Partial<AccessWindow>>();
  for (const unit of units.slice(0, Math.min(3, units.length))) {
    const id = `staff:cleaner-${unit.name.replace(' ', '')}`;
    bookings.push({ id, unit: unit.name, source: 'staff', arrival: options.start, departure: seasonEnd, guestName: `Cleaner ${unit.name}` });
    const startsAt = `${options.start}T00:00:00.000Z`;
    staffWindows.set(id, { bookingId: id, kind: 'staff', weekly: { weekdays: [1], from: '10:00', to: '14:00' }, startsAt, endsAt: `${seasonEnd}T00:00:00.000Z`, issueAt: new Date(Date.parse(startsAt) - 48 * HOUR).toISOString(), locks: [unit.locks[0]] });
  }

  events.push(...faults(bookings, units, windowOf, between, options));
  // After the lock faults, so a seed keeps the story it told before feeds had faults.
  events.push(...feedFaults(bookings, units, events, windowOf, between, options));
  return { timeZone, units, locks, bookings, staffWindows, events };
}

/** The faults of the season, each placed against a real arrival so it matters. */
function faults(
  bookings: Booking[],
  units: SeasonUnit[],
  windowOf: (b: Booking) => AccessWindow,
  between: (low: number, high: number) => number,
  options: SeasonPlanOptions,
): SeasonEvent[] {
  const events: SeasonEvent[] = [];
  const guests = bookings.filter((b) => !b.id.startsWith('staff:'));
  const pick = (schedules: boolean, fromDay: number) =>
    guests.find((b) => {
      const n = Number(b.unit.split(' ')[1]);
      return n % 2 === (schedules ? 1 : 0) && daysBetween(options.start, b.arrival) >= fromDay;
    });
  const at = (base: string, hours: number) => new Date(Date.parse(base) + hours * HOUR).toISOString();
  const doorOf = (b: Booking) => units.find((u) => u.name === b.unit)!.locks[0];

  // A door without schedules offline from 40 h before an arrival until after it: visible a day ahead.
  const early = pick(false, 6);
  if (early) {
    const checkIn = windowOf(early).checkInAt;
    events.push({ kind: 'offline', at: at(checkIn, -40), lockId: doorOf(early) }, { kind: 'online', at: at(checkIn, 6), lockId: doorOf(early) });
  }
  // A door with schedules drops off an hour before an arrival: its code is already on it.
  const lateScheduled = pick(true, 9);
  if (lateScheduled) {
    const checkIn = windowOf(lateScheduled).checkInAt;
    events.push({ kind: 'offline', at: at(checkIn, -1), lockId: doorOf(lateScheduled) }, { kind: 'online', at: at(checkIn, 3), lockId: doorOf(lateScheduled) });
  }
  // A door without schedules drops off 40 minutes before its guest's window opens.
  const lateBare = pick(false, 12);
  if (lateBare) {
    const checkIn = windowOf(lateBare).checkInAt;
    events.push({ kind: 'offline', at: at(checkIn, -2 / 3), lockId: doorOf(lateBare) }, { kind: 'online', at: at(checkIn, 2), lockId: doorOf(lateBare) });
  }
  // A battery dying: critical three days before an arrival, flat an hour before it, replaced after.
  const dying = pick(true, 15);
  if (dying) {
    const checkIn = windowOf(dying).checkInAt;
    const door = doorOf(dying);
    events.push({ kind: 'battery', at: at(checkIn, -72), lockId: door, level: 12 }, { kind: 'battery', at: at(checkIn, -1), lockId: door, level: 0 }, { kind: 'battery', at: at(checkIn, 2), lockId: door, level: 100 });
  }
  // A ten-minute vendor outage: every door with schedules offline at once.
  const outage = `${addDays(options.start, between(3, Math.max(3, options.days - 3)))}T14:00:00.000Z`;
  for (const unit of units.filter((_, i) => i % 2 === 0)) {
    events.push({ kind: 'offline', at: outage, lockId: unit.locks[0] }, { kind: 'online', at: at(outage, 1 / 6), lockId: unit.locks[0] });
  }
  // Restarts, one of them a second after a wave of codes is issued (commands under way).
  const issueWave = guests[Math.floor(guests.length / 2)];
  if (issueWave) events.push({ kind: 'restart', at: new Date(Date.parse(windowOf(issueWave).issueAt) + 1000).toISOString() });
  for (let i = 0; i < 2; i++) events.push({ kind: 'restart', at: `${addDays(options.start, between(1, options.days - 1))}T0${between(1, 9)}:17:00.000Z` });
  return events;
}

/**
 * The feed faults of the season, each on its own unit and placed against an arrival the channel still
 * lists, at a time no real change or cancellation of that unit is due: read as cancellations, each
 * would take a guest's code away before check-in.
 */
function feedFaults(
  bookings: Booking[],
  units: SeasonUnit[],
  story: SeasonEvent[],
  windowOf: (b: Booking) => AccessWindow,
  between: (low: number, high: number) => number,
  options: SeasonPlanOptions,
): SeasonEvent[] {
  const events: SeasonEvent[] = [];
  const used = new Set<string>();
  const arrivals = story.filter((e): e is SeasonEvent & { kind: 'check-in' } => e.kind === 'check-in').map((e) => e.booking);
  const place = (fromDay: number, span: (b: Booking) => [number, number], fits: (b: Booking, from: number) => boolean = () => true) => {
    const candidates = arrivals.filter((b) => {
      if (used.has(b.unit) || daysBetween(options.start, b.arrival) < fromDay) return false;
      const [from, to] = span(b);
      return quiet(story, b.unit, from, to) && locksQuiet(story, units, b.unit, from, to) && fits(b, from);
    });
    const chosen = candidates.length ? candidates[between(0, Math.min(candidates.length, 8) - 1)] : undefined;
    if (chosen) used.add(chosen.unit);
    return chosen;
  };
  const feed = (unit: string, from: number, to: number, fault: FeedFault) => {
    events.push({ kind: 'feed', at: new Date(from).toISOString(), unit, fault }, { kind: 'feed', at: new Date(to).toISOString(), unit });
  };
  const issueAt = (b: Booking) => Date.parse(windowOf(b).issueAt);
  const checkIn = (b: Booking) => Date.parse(windowOf(b).checkInAt);

  // An empty calendar for five hours across the moment a guest's code is due.
  const emptySpan = (b: Booking): [number, number] => [issueAt(b) - 2 * HOUR, issueAt(b) + 3 * HOUR];
  const empty = place(4, emptySpan);
  if (empty) feed(empty.unit, ...emptySpan(empty), { kind: 'empty' });

  // A stay's event unreadable for a day across its check-in.
  const garbledSpan = (b: Booking): [number, number] => [checkIn(b) - 12 * HOUR, checkIn(b) + 12 * HOUR];
  const garbled = place(8, garbledSpan);
  if (garbled) feed(garbled.unit, ...garbledSpan(garbled), { kind: 'garbled', bookingId: garbled.id });

  // All but one upcoming stay gone for 40 minutes across a code's issue time: fewer than the hour a
  // held cancellation waits for a fetch that agrees.
  const droppedSpan = (b: Booking): [number, number] => [issueAt(b) - HOUR / 3, issueAt(b) + HOUR / 3];
  const dropping = (b: Booking, from: number) => upcomingAt(bookings, story, b.unit, from).filter((s) => s.id !== b.id).length >= 3;
  const dropped = place(5, droppedSpan, dropping);
  if (dropped) {
    const [from, to] = droppedSpan(dropped);
    const upcoming = upcomingAt(bookings, story, dropped.unit, from);
    const kept = upcoming.filter((s) => s.id !== dropped.id).pop();
    feed(dropped.unit, from, to, { kind: 'dropped', bookingIds: upcoming.filter((s) => s !== kept).map((s) => s.id) });
  }
  return events;
}

/** No date change or cancellation of the unit within an hour of the span: the fault alone is what the feed says. */
function quiet(story: SeasonEvent[], unit: string, from: number, to: number): boolean {
  return !story.some((e) => (e.kind === 'change' || e.kind === 'cancel') && e.booking.unit === unit && Date.parse(e.at) >= from - HOUR && Date.parse(e.at) <= to + HOUR);
}

/** No lock fault on the unit's door from three days before the span to a day after: each guest meets one fault at a time. */
function locksQuiet(story: SeasonEvent[], units: SeasonUnit[], unit: string, from: number, to: number): boolean {
  const door = units.find((u) => u.name === unit)?.locks[0];
  return !story.some((e) => (e.kind === 'offline' || e.kind === 'battery') && e.lockId === door && Date.parse(e.at) >= from - 72 * HOUR && Date.parse(e.at) <= to + 24 * HOUR);
}

/** The unit's stays the channel lists at `at` that are not over (as feed-tracker counts them), by arrival. */
function upcomingAt(bookings: Booking[], story: SeasonEvent[], unit: string, at: number): Booking[] {
  const listed = new Map(bookings.filter((b) => b.unit === unit && !b.id.startsWith('staff:')).map((b) => [b.id, b]));
  for (const e of story) {
    if ((e.kind !== 'change' && e.kind !== 'cancel') || e.booking.unit !== unit || Date.parse(e.at) > at) continue;
    if (e.kind === 'cancel') listed.delete(e.booking.id);
    else listed.set(e.booking.id, e.booking);
  }
  const today = latestToday(new Date(at));
  return [...listed.values()].filter((b) => b.departure > today).sort((a, b) => a.arrival.localeCompare(b.arrival));
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(to) - Date.parse(from)) / (24 * HOUR));
}
