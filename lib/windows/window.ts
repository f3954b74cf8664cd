import { Booking } from '../bookings/booking';
import { assertTimeZone, isCalendarDate, parseTimeOfDay, zonedToInstant } from '../time/zoned';
import { shown } from '../shown';

/** How a property turns bookings into door access. */
export interface WindowOptions {
  /** Check-in and checkout times of day at the property (HH:MM). */
  checkIn: string;
  checkOut: string;
  /** The IANA zone the property (and its locks) live in. */
  timeZone: string;
  /** Minutes the code works before check-in and after checkout. */
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  /** How long before check-in the code is issued (reserved, sent to schedule-capable locks, told to the guest). */
  leadHours: number;
  /** Locks the unit's guests open. */
  locks: string[];
  /** Use the feed's own times when it gives timed events, instead of the property's times. */
  honourFeedTimes?: boolean;
}

export const defaultWindowOptions: Omit<WindowOptions, 'timeZone' | 'locks'> = {
  checkIn: '16:00',
  checkOut: '11:00',
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  leadHours: 48,
};

/** When a booking's code works, on which locks, and when it is issued. Instants are ISO strings in UTC. */
export interface AccessWindow {
  bookingId: string;
  unit: string;
  locks: string[];
  timeZone: string;
  /** Check-in and checkout as the host set them, before buffers. */
  checkInAt: string;
  checkOutAt: string;
  /** When the code starts and stops opening the door (buffers included). */
  startsAt: string;
  endsAt: string;
  /** When the code is issued. */
  issueAt: string;
  /** Whose code it is; a guest's when absent. */
  kind?: CodeKind;
  /** Staff codes: the weekly hours the code works, between startsAt and endsAt. */
  weekly?: WeeklyHours;
}

/**
 * guest: a booking's code. staff: a cleaner's or handyman's, for weekly hours until an end date.
 * one-time: valid for one entry (cleared after its first use where the lock reports use, else at the end).
 * manual: any date range the host sets (owner stay, maintenance).
 */
export type CodeKind = 'guest' | 'staff' | 'one-time' | 'manual' | 'backup';

/** Weekly hours on the property's clocks: weekdays 1 (Monday) to 7 (Sunday), `to` may pass midnight. */
export interface WeeklyHours {
  weekdays: number[];
  from: string;
  to: string;
}

/**
 * One booking's exceptions to the property's rules: an early check-in, a late checkout, or a stay
 * that opens other locks (the annex, the garage).
 */
export interface WindowOverrides {
  checkIn?: string;
  checkOut?: string;
  locks?: string[];
}

const OPTION_NAMES = {
  bufferBeforeMinutes: 'buffer before check-in (minutes)',
  bufferAfterMinutes: 'buffer after checkout (minutes)',
  leadHours: 'lead time (hours)',
} as const;

/**
 * A year is far more than any host means; a larger number is a typo (minutes typed as seconds), and
 * one beyond Date's range would only fail later with a bare "Invalid time value" for every booking.
 */
const OPTION_LIMITS: Record<keyof typeof OPTION_NAMES, number> = {
  bufferBeforeMinutes: 366 * 24 * 60,
  bufferAfterMinutes: 366 * 24 * 60,
  leadHours: 366 * 24,
};

export function validateWindowOptions(options: WindowOptions): void {
  assertTimeZone(options.timeZone);
  parseTimeOfDay(options.checkIn);
  parseTimeOfDay(options.checkOut);
  for (const key of Object.keys(OPTION_NAMES) as (keyof typeof OPTION_NAMES)[]) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new Error(`${OPTION_NAMES[key]} must be a number of at least 0 (got ${shown(value)})`);
    }
    if (value > OPTION_LIMITS[key]) throw new Error(`${OPTION_NAMES[key]} must be at most a year, ${OPTION_LIMITS[key]} (got ${value})`);
  }
  validateLocks(options.locks);
}

function validateLocks(locks: string[]): void {
  if (!Array.isArray(locks) || locks.length === 0) throw new Error('no locks: name at least one lock this unit opens');
  for (const lock of locks) {
    if (typeof lock !== 'string' || lock.trim() === '') throw new Error(`lock ids must be non-empty text (got ${JSON.stringify(lock)})`);
  }
}

/**
 * When `booking`'s code works. Check-in is the arrival day at the check-in time and checkout the
 * departure day at the checkout time, both on the property's clocks; the departure day is the
 * feed's DTEND, which iCal makes exclusive, so it is the day the guest leaves. An override beats a
 * feed's own time, which beats the property's time.
 */
export function windowFor(booking: Booking, options: WindowOptions, overrides: WindowOverrides = {}): AccessWindow {
  validateOverrides(booking.id, overrides);
  // A booking that names its own locks needs none from the property.
  const locks = overrides.locks ?? options.locks;
  validateWindowOptions({ ...options, locks });
  const checkIn = overrides.checkIn
    ? localTime(booking.arrival, overrides.checkIn, options.timeZone)
    : feedTime(booking.arrivalAt, options) ?? localTime(booking.arrival, options.checkIn, options.timeZone);
  const checkOut = overrides.checkOut
    ? localTime(booking.departure, overrides.checkOut, options.timeZone)
    : feedTime(booking.departureAt, options) ?? localTime(booking.departure, options.checkOut, options.timeZone);
  if (checkOut.getTime() <= checkIn.getTime()) {
    throw new Error(`booking ${booking.id}: checkout ${checkOut.toISOString()} is not after check-in ${checkIn.toISOString()}`);
  }
  const startsAt = new Date(checkIn.getTime() - options.bufferBeforeMinutes * 60_000);
  const endsAt = new Date(checkOut.getTime() + options.bufferAfterMinutes * 60_000);
  const issueAt = new Date(checkIn.getTime() - options.leadHours * 3600_000);
  return {
    bookingId: booking.id,
    unit: booking.unit,
    locks: locks.map((lock) => lock.trim()),
    timeZone: options.timeZone,
    checkInAt: checkIn.toISOString(),
    checkOutAt: checkOut.toISOString(),
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    issueAt: issueAt.toISOString(),
  };
}

function validateOverrides(bookingId: string, overrides: WindowOverrides): void {
  try {
    if (overrides.checkIn !== undefined) parseTimeOfDay(overrides.checkIn);
    if (overrides.checkOut !== undefined) parseTimeOfDay(overrides.checkOut);
    if (overrides.locks !== undefined) validateLocks(overrides.locks);
  } catch (err) {
    throw new Error(`booking ${bookingId}: override: ${(err as Error).message}`);
  }
}

function localTime(date: string, time: string, zone: string): Date {
  return zonedToInstant({ date, time }, zone);
}

// A feed time only counts when it is an instant: a bare date ("2026-07-10") would read as UTC
// midnight and open the door hours early or late, so the property's time is used instead. A time
// without an offset is a floating iCal time, which means the property's clocks (never the server's).
const FEED_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

function feedTime(value: string | undefined, options: WindowOptions): Date | undefined {
  if (!options.honourFeedTimes || !value) return undefined;
  const match = FEED_TIME.exec(value.trim());
  // new Date() would read 2026-02-30T10:00Z as 2 March: a day that does not exist is garbage too.
  if (!match || !isCalendarDate(match[1])) return undefined;
  if (!match[3]) return localTime(match[1], match[2], options.timeZone);
  const instant = new Date(value.trim());
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}
