/**
 * Codes that belong to no booking: a cleaner's weekly hours, a one-time code for a plumber, a manual
 * range for an owner stay. Each arrives as a message, is read here into a CodeRequest, and becomes an
 * ordinary window on a pseudo-booking, so pin-issuer treats it like any guest's.
 */
import type { Booking } from '../bookings/booking';
import { checkId } from '../ids';
import { addDays, formatTimeOfDay, instantToZoned, parseDate, zonedToInstant } from '../time/zoned';
import { parseWeekdays, periodAround, validateWeeklyHours } from './recurrence';
import type { AccessWindow, CodeKind, WeeklyHours } from './window';
import { textOrNumber } from '../messages/text';

export type CodeRequestKind = 'staff-code' | 'one-time-code' | 'manual-code';

export const CODE_REQUEST_KINDS: readonly CodeRequestKind[] = ['staff-code', 'one-time-code', 'manual-code'];

/** When a requested code works, worked out on the property's clocks. */
export interface CodePeriod {
  startsAt: Date;
  endsAt: Date;
  /** The local days it starts and ends on (a staff code's start and end dates). */
  firstDay: string;
  lastDay: string;
  weekly?: WeeklyHours;
}

export interface CodeRequest {
  kind: CodeRequestKind;
  id: string;
  name?: string;
  email?: string;
  /** The unit whose locks the code opens, when the message names one. */
  unit?: string;
  locks?: string[];
  cancelled: boolean;
  /** Absent only for a cancellation that gives just the code's id. */
  period?: CodePeriod;
}

export interface CodeWindowOptions {
  timeZone: string;
  leadHours: number;
  /** The unit the pseudo-booking is for. */
  unit: string;
  /** The locks it opens, already chosen from the message, its unit or the node. */
  locks: string[];
}

const WINDOW_KIND: Record<CodeRequestKind, CodeKind> = {
  'staff-code': 'staff',
  'one-time-code': 'one-time',
  'manual-code': 'manual',
};

// Fields that say when a code works: a cancellation without any of them needs no dates.
const PERIOD_FIELDS = ['weekdays', 'from', 'to', 'startDate', 'endDate', 'date'];
const LOCAL_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})$/;
const INSTANT_WITH_OFFSET = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

export function isCodeRequest(payload: unknown): boolean {
  if (!payload || typeof payload !== 'object') return false;
  return CODE_REQUEST_KINDS.includes((payload as Record<string, unknown>).kind as CodeRequestKind);
}

/** The id pin-issuer knows the code by: `staff:maria`, `one-time:plumber-7`, `manual:owner-august`. */
export function pseudoBookingId(kind: CodeRequestKind, id: string): string {
  return `${WINDOW_KIND[kind]}:${id}`;
}

/**
 * Reads a staff, one-time or manual code message; throws what the host got wrong, naming the code.
 * `now` gives a staff code its default start date (today on the property's clocks).
 */
export function parseCodeRequest(input: unknown, timeZone: string, now: Date, cancelled = false): CodeRequest {
  if (!isCodeRequest(input)) throw new Error('a code message needs kind staff-code, one-time-code or manual-code');
  const raw = input as Record<string, unknown>;
  const kind = raw.kind as CodeRequestKind;
  const id = textOrNumber(raw.id);
  if (!id) throw new Error(`${kind} has no id: give each code an id of its own (e.g. "maria")`);
  checkId(id, `${kind} id`);
  const label = `${kind} ${id}`;
  try {
    const request: CodeRequest = { kind, id, cancelled: cancelled || raw.cancelled === true };
    const name = textOrNumber(raw.name);
    if (name) request.name = name;
    else if (!request.cancelled) throw new Error('name is missing (who the code is for, e.g. "Maria (cleaner)")');
    if (raw.email !== undefined) request.email = readEmail(raw.email);
    if (raw.unit !== undefined) request.unit = readUnit(raw.unit);
    if (raw.locks !== undefined) request.locks = readLocks(raw.locks);
    const periodGiven = PERIOD_FIELDS.some((field) => raw[field] !== undefined);
    if (!request.cancelled || periodGiven) request.period = readPeriod(kind, raw, timeZone, now);
    return request;
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}`);
  }
}

/**
 * The pseudo-booking and window of a code. Buffers never apply: the host gave the exact hours. A code
 * that has no hours left is refused, since nothing would ever reach the door.
 */
export function codeWindowFor(request: CodeRequest, options: CodeWindowOptions, now: Date): { booking: Booking; window: AccessWindow } {
  const label = `${request.kind} ${request.id}`;
  if (options.locks.length === 0) {
    throw new Error(`${label}: no locks: give locks in the message, a unit, or set the node's locks`);
  }
  // A cancellation that names no dates ends now: pin-issuer only needs to know which code to take back.
  const period = request.period ?? endedPeriod(now, options.timeZone);
  const booking: Booking = {
    id: pseudoBookingId(request.kind, request.id),
    unit: options.unit,
    source: request.kind,
    arrival: period.firstDay,
    departure: period.lastDay,
  };
  if (request.name) booking.guestName = request.name;
  if (request.email) booking.email = request.email;
  const window: AccessWindow = {
    bookingId: booking.id,
    unit: options.unit,
    locks: options.locks.map((lock) => lock.trim()),
    timeZone: options.timeZone,
    checkInAt: period.startsAt.toISOString(),
    checkOutAt: period.endsAt.toISOString(),
    startsAt: period.startsAt.toISOString(),
    endsAt: period.endsAt.toISOString(),
    issueAt: new Date(period.startsAt.getTime() - options.leadHours * 3600_000).toISOString(),
    kind: WINDOW_KIND[request.kind],
  };
  if (period.weekly) window.weekly = period.weekly;
  if (!request.cancelled && !periodAround(window, now)) throw new Error(`${label}: ${nothingLeft(period, now, options.timeZone)}`);
  return { booking, window };
}

function nothingLeft(period: CodePeriod, now: Date, zone: string): string {
  if (!period.weekly) return `it ended at ${period.endsAt.toISOString()}, so there is nothing to issue`;
  const from = now.getTime() > period.startsAt.getTime() ? instantToZoned(now, zone).date : period.firstDay;
  return `none of its hours falls between ${from} and its endDate ${period.lastDay}`;
}

function readPeriod(kind: CodeRequestKind, raw: Record<string, unknown>, zone: string, now: Date): CodePeriod {
  if (kind === 'staff-code') return staffPeriod(raw, zone, now);
  if (kind === 'one-time-code') return oneTimePeriod(raw, zone);
  return manualPeriod(raw, zone);
}

/** Weekly hours from startDate 00:00 until the night after endDate, on the property's clocks. */
function staffPeriod(raw: Record<string, unknown>, zone: string, now: Date): CodePeriod {
  const weekly: WeeklyHours = {
    weekdays: parseWeekdays(raw.weekdays ?? ''),
    from: time(raw.from, 'from'),
    to: time(raw.to, 'to'),
  };
  validateWeeklyHours(weekly);
  const firstDay = raw.startDate === undefined ? instantToZoned(now, zone).date : date(raw.startDate, 'startDate');
  if (raw.endDate === undefined) throw new Error('endDate is missing: staff codes always end (e.g. endDate: "2026-12-31")');
  const lastDay = date(raw.endDate, 'endDate');
  if (lastDay < firstDay) throw new Error(`endDate ${lastDay} is before startDate ${firstDay}`);
  const startsAt = zonedToInstant({ date: firstDay, time: '00:00' }, zone);
  const endsAt = zonedToInstant({ date: addDays(lastDay, 1), time: '00:00' }, zone);
  return { startsAt, endsAt, firstDay, lastDay, weekly };
}

/** One day's hours; a `to` at or before `from` is the next morning. */
function oneTimePeriod(raw: Record<string, unknown>, zone: string): CodePeriod {
  const firstDay = date(raw.date, 'date');
  const from = time(raw.from, 'from');
  const to = time(raw.to, 'to');
  if (from === to) throw new Error(`from and to are both ${from}: give the hours the code works`);
  const lastDay = to > from ? firstDay : addDays(firstDay, 1);
  const startsAt = zonedToInstant({ date: firstDay, time: from }, zone);
  const endsAt = zonedToInstant({ date: lastDay, time: to }, zone);
  // A range that only spans the skipped hour of a spring-forward night collapses to nothing.
  if (endsAt.getTime() <= startsAt.getTime()) throw new Error(`${from}-${to} on ${firstDay} does not exist on the property's clocks`);
  return { startsAt, endsAt, firstDay, lastDay };
}

function manualPeriod(raw: Record<string, unknown>, zone: string): CodePeriod {
  const startsAt = dateTime(raw.from, 'from', zone);
  const endsAt = dateTime(raw.to, 'to', zone);
  if (endsAt.getTime() <= startsAt.getTime()) {
    throw new Error(`to (${endsAt.toISOString()}) is not after from (${startsAt.toISOString()})`);
  }
  return {
    startsAt,
    endsAt,
    firstDay: instantToZoned(startsAt, zone).date,
    lastDay: instantToZoned(endsAt, zone).date,
  };
}

function endedPeriod(now: Date, zone: string): CodePeriod {
  const today = instantToZoned(now, zone).date;
  return { startsAt: now, endsAt: now, firstDay: today, lastDay: today };
}

/** "2026-08-01 14:00" on the property's clocks, or an instant that carries its own offset. */
function dateTime(value: unknown, field: string, zone: string): Date {
  const given = typeof value === 'string' ? value.trim() : '';
  const local = LOCAL_DATE_TIME.exec(given);
  if (local) return zonedToInstant({ date: date(local[1], field), time: time(local[2], field) }, zone);
  const instant = INSTANT_WITH_OFFSET.exec(given);
  if (instant) {
    date(instant[1], field);
    const parsed = new Date(given.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  throw new Error(`${field} must be a local time like "2026-08-01 14:00" (or an ISO time with an offset), got ${JSON.stringify(value)}`);
}

function date(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new Error(`${field} must be a date like "2026-07-14" (got ${JSON.stringify(value)})`);
  try {
    parseDate(value);
  } catch (err) {
    throw new Error(`${field}: ${(err as Error).message}`);
  }
  return value.trim();
}

// Always HH:MM: periodAround compares times as text, so "9:00" must become "09:00".
function time(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new Error(`${field} must be a time like "10:00" (got ${JSON.stringify(value)})`);
  try {
    return formatTimeOfDay(value);
  } catch (err) {
    throw new Error(`${field}: ${(err as Error).message}`);
  }
}

function readEmail(value: unknown): string {
  const email = textOrNumber(value);
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) throw new Error(`email ${JSON.stringify(value)} is not an email address`);
  return email;
}

function readUnit(value: unknown): string {
  const unit = textOrNumber(value);
  if (!unit) throw new Error('unit must be a unit name like "Room 101"');
  return checkId(unit, 'unit');
}

function readLocks(value: unknown): string[] {
  const wrong = new Error(`locks must name at least one lock, e.g. ["front-door"] or "front-door, main-gate" (got ${JSON.stringify(value)})`);
  if (Array.isArray(value) && !value.every((item) => typeof item === 'string' && item.trim() !== '')) throw wrong;
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? (value as string[]) : [];
  const locks = items.map((item) => item.trim()).filter((item) => item !== '');
  if (locks.length === 0) throw wrong;
  for (const lock of locks) checkId(lock, 'lock id');
  return locks;
}
