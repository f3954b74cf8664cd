import { Booking } from '../bookings/booking';
import { assertTimeZone, parseTimeOfDay, zonedToInstant } from '../time/zoned';

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
}

export function validateWindowOptions(options: WindowOptions): void {
  assertTimeZone(options.timeZone);
  parseTimeOfDay(options.checkIn);
  parseTimeOfDay(options.checkOut);
  for (const key of ['bufferBeforeMinutes', 'bufferAfterMinutes', 'leadHours'] as const) {
    const value = options[key];
    if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a number of at least 0 (got ${value})`);
  }
  if (options.locks.length === 0) throw new Error('no locks: name at least one lock this unit opens');
}

export function windowFor(booking: Booking, options: WindowOptions): AccessWindow {
  validateWindowOptions(options);
  const checkIn = feedTime(booking.arrivalAt, options) ?? zonedToInstant({ date: booking.arrival, time: options.checkIn }, options.timeZone);
  const checkOut =
    feedTime(booking.departureAt, options) ?? zonedToInstant({ date: booking.departure, time: options.checkOut }, options.timeZone);
  if (checkOut.getTime() <= checkIn.getTime()) {
    throw new Error(`booking ${booking.id}: checkout ${checkOut.toISOString()} is not after check-in ${checkIn.toISOString()}`);
  }
  const startsAt = new Date(checkIn.getTime() - options.bufferBeforeMinutes * 60_000);
  const endsAt = new Date(checkOut.getTime() + options.bufferAfterMinutes * 60_000);
  const issueAt = new Date(checkIn.getTime() - options.leadHours * 3600_000);
  return {
    bookingId: booking.id,
    unit: booking.unit,
    locks: [...options.locks],
    timeZone: options.timeZone,
    checkInAt: checkIn.toISOString(),
    checkOutAt: checkOut.toISOString(),
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    issueAt: issueAt.toISOString(),
  };
}

function feedTime(value: string | undefined, options: WindowOptions): Date | undefined {
  if (!options.honourFeedTimes || !value) return undefined;
  const instant = new Date(value);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}
