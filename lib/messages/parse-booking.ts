/**
 * A booking as it reaches access-window: a BookingMessage from booking-source, or a plain booking from
 * a webhook, a file or a test, with the flow's own times and locks for it (msg.overrides).
 */
import { readChange } from './change';
import { isRecord, text } from './text';
import { Booking, BookingChange, parseBooking } from '../bookings/booking';
import { checkId } from '../ids';
import { shown } from '../shown';
import { readUnits } from '../windows/units';
import type { WindowOverrides } from '../windows/window';

export interface BookingInput {
  booking: Booking;
  /** Present when the booking takes several units at once. */
  units?: string[];
  change: BookingChange;
  overrides: WindowOverrides;
}

/** The parts of a Node-RED message a booking is read from. */
export interface BookingEnvelope {
  payload?: unknown;
  /** A plain booking's change; a BookingMessage carries its own. */
  change?: unknown;
  overrides?: unknown;
}

/** `defaultUnit`: the unit of a booking that names none (the node's name). */
export function parseBookingInput(msg: BookingEnvelope, defaultUnit: string | undefined): BookingInput {
  const payload = msg.payload;
  if (!payload || typeof payload !== 'object') throw new Error('access-window needs a booking in msg.payload');
  const record = payload as Record<string, unknown>;
  if (record.kind !== undefined && record.kind !== 'booking') {
    throw new Error(`access-window takes bookings, not "${shown(record.kind)}" messages (codes come as staff-code, one-time-code or manual-code)`);
  }
  const raw = (record.kind === 'booking' ? record.booking : record) as Record<string, unknown> | undefined;
  const change = readChange(record.kind === 'booking' ? record.change : msg.change);
  // parseBooking keeps only the fields it knows, so `units` is read from the booking as it came.
  const units = raw && typeof raw === 'object' ? readUnits(raw.units, shown(raw.id ?? raw.uid ?? raw.reservationCode)) : undefined;
  const booking = parseBooking(raw, { unit: text(defaultUnit) ?? units?.[0] });
  const overrides = readOverrides(msg.overrides, raw as Record<string, unknown>, booking.id);
  return units ? { booking, units, change, overrides } : { booking, change, overrides };
}

/** Lock ids as a list or as `a, b`; blanks and anything but text are left out. */
export function lockList(value: unknown): string[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [];
  return items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((item) => item !== '');
}

/** msg.overrides beats the booking's own checkInTime / checkOutTime (early check-in, late checkout). */
function readOverrides(value: unknown, booking: Record<string, unknown>, bookingId: string): WindowOverrides {
  if (value !== undefined && !isRecord(value)) {
    throw new Error(`booking ${bookingId}: msg.overrides must be an object like {checkIn: "14:00"}`);
  }
  const given = value ?? {};
  const overrides: WindowOverrides = {};
  const checkIn = timeOverride(given.checkIn, 'checkIn', bookingId) ?? timeOverride(booking.checkInTime, 'checkInTime', bookingId);
  const checkOut = timeOverride(given.checkOut, 'checkOut', bookingId) ?? timeOverride(booking.checkOutTime, 'checkOutTime', bookingId);
  if (checkIn) overrides.checkIn = checkIn;
  if (checkOut) overrides.checkOut = checkOut;
  if (given.locks !== undefined) {
    const locks = lockList(given.locks);
    if (locks.length === 0) throw new Error(`booking ${bookingId}: msg.overrides.locks names no lock`);
    for (const lock of locks) checkId(lock, `booking ${bookingId}: msg.overrides.locks`);
    overrides.locks = locks;
  }
  return overrides;
}

function timeOverride(value: unknown, field: string, bookingId: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`booking ${bookingId}: ${field} must be a time like "14:00"`);
  return value;
}
