/** What happened to a booking, as every message about one says it. */
import type { BookingChange } from '../bookings/booking';

export const BOOKING_CHANGES: readonly BookingChange[] = ['created', 'changed', 'cancelled'];

export function isBookingChange(value: unknown): value is BookingChange {
  return BOOKING_CHANGES.includes(value as BookingChange);
}

/** A change as a flow may leave it out: none is a new or changed booking, which downstream treats alike. */
export function readChange(value: unknown): BookingChange {
  if (value === undefined || value === null || value === '') return 'changed';
  if (isBookingChange(value)) return value;
  throw new Error(`change must be created, changed or cancelled (got ${JSON.stringify(value)})`);
}
