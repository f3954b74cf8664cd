/**
 * Bookings that arrive one at a time as messages (a PMS webhook, http-in, a form). Unlike a feed, a
 * message speaks only for its own booking: one not mentioned again is still on, and only an explicit
 * cancellation ends it.
 */
import { Booking, BookingChange, parseBooking } from './booking';
import { latestToday } from './feed-tracker';
import { Clock, systemClock } from '../time/clock';

export interface BookingUpdate {
  change: BookingChange;
  booking: Booking;
}

export interface MessageBookingsState {
  version: 1;
  bookings: Booking[];
}

export class MessageBookings {
  private readonly known = new Map<string, Booking>();

  constructor(private readonly clock: Clock = systemClock) {}

  get bookings(): Booking[] {
    return [...this.known.values()];
  }

  has(id: string): boolean {
    return this.known.has(id);
  }

  /** A new or changed booking; the same again (a webhook retried) changes nothing. */
  put(booking: Booking): void {
    this.forgetPast();
    this.known.set(booking.id, booking);
  }

  /** Forgets the booking with this id; false when it was not known here. */
  remove(id: string): boolean {
    return this.known.delete(id);
  }

  toJSON(): MessageBookingsState {
    return { version: 1, bookings: this.bookings };
  }

  static fromJSON(state: unknown, clock: Clock = systemClock): MessageBookings {
    const raw = state as Partial<MessageBookingsState> | undefined;
    if (!raw || raw.version !== 1 || !Array.isArray(raw.bookings)) {
      throw new Error('saved message bookings are not a version 1 booking list');
    }
    const store = new MessageBookings(clock);
    for (const entry of raw.bookings) {
      const booking = parseBooking(entry);
      store.known.set(booking.id, booking);
    }
    return store;
  }

  /** Stays that are over are dropped, so the saved state does not grow without end. */
  private forgetPast(): void {
    const today = latestToday(this.clock.now());
    for (const [id, booking] of this.known) {
      if (booking.departure < today) this.known.delete(id);
    }
  }
}
