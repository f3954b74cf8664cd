/**
 * Remembers what one feed said last time, so each good fetch becomes a list of created, changed and
 * cancelled bookings. Only good fetches reach `apply`: a failed, empty or garbled fetch must never
 * make bookings look cancelled.
 */
import { Booking, bookingDiffers, parseBooking } from './booking';
import { Clock, systemClock } from '../time/clock';

export interface FeedChanges {
  created: Booking[];
  changed: Booking[];
  cancelled: Booking[];
}

export interface FeedTrackerOptions {
  /** Good fetches in a row a booking must be missing from before it counts as cancelled (default 1). */
  missesBeforeCancel?: number;
  clock?: Clock;
}

interface Known {
  booking: Booking;
  /** Good fetches in a row this booking has been missing from. */
  misses: number;
}

export interface FeedTrackerState {
  version: 1;
  bookings: Known[];
}

export class FeedTracker {
  private readonly known = new Map<string, Known>();
  private readonly missesBeforeCancel: number;
  private readonly clock: Clock;

  constructor(options: FeedTrackerOptions = {}) {
    const misses = options.missesBeforeCancel ?? 1;
    if (!Number.isInteger(misses) || misses < 1) {
      throw new Error(`missesBeforeCancel must be a whole number of 1 or more, not ${misses}`);
    }
    this.missesBeforeCancel = misses;
    this.clock = options.clock ?? systemClock;
  }

  /** The bookings the feed holds now, including those missed fewer times than the threshold. */
  get bookings(): Booking[] {
    return [...this.known.values()].map((entry) => entry.booking);
  }

  apply(feed: Booking[]): FeedChanges {
    const changes: FeedChanges = { created: [], changed: [], cancelled: [] };
    const seen = new Set<string>();
    for (const booking of feed) {
      seen.add(booking.id);
      this.take(booking, changes);
    }
    this.missAllBut(seen, changes);
    return changes;
  }

  /**
   * Forgets the stays that are over without a fetch, for a feed no longer set up: nothing will ever
   * fetch it again, and its stays must neither linger nor read as cancelled.
   */
  forgetStaysOver(): void {
    const today = latestToday(this.clock.now());
    for (const [id, entry] of this.known) if (entry.booking.departure <= today) this.known.delete(id);
  }

  toJSON(): FeedTrackerState {
    return { version: 1, bookings: [...this.known.values()].map((entry) => ({ ...entry })) };
  }

  static fromJSON(state: unknown, options: FeedTrackerOptions = {}): FeedTracker {
    const tracker = new FeedTracker(options);
    const raw = state as Partial<FeedTrackerState> | undefined;
    if (!raw || raw.version !== 1 || !Array.isArray(raw.bookings)) {
      throw new Error('saved feed state is not a version 1 booking list');
    }
    for (const entry of raw.bookings) {
      const booking = parseBooking(entry?.booking);
      const misses = Number.isInteger(entry?.misses) && entry.misses >= 0 ? entry.misses : 0;
      tracker.known.set(booking.id, { booking, misses });
    }
    return tracker;
  }

  private take(booking: Booking, changes: FeedChanges): void {
    const before = this.known.get(booking.id);
    this.known.set(booking.id, { booking, misses: 0 });
    if (!before) changes.created.push(booking);
    else if (bookingDiffers(before.booking, booking)) changes.changed.push(booking);
  }

  private missAllBut(seen: Set<string>, changes: FeedChanges): void {
    const today = latestToday(this.clock.now());
    for (const [id, entry] of this.known) {
      if (seen.has(id)) continue;
      // Channels drop stays from the feed once they are over; that is not a cancellation.
      if (entry.booking.departure <= today) {
        this.known.delete(id);
        continue;
      }
      entry.misses += 1;
      if (entry.misses >= this.missesBeforeCancel) {
        this.known.delete(id);
        changes.cancelled.push(entry.booking);
      }
    }
  }
}

/**
 * The newest calendar day anywhere on Earth (UTC+14): the feed does not say where the property is.
 * A stay Sydney drops on the morning of its checkout day must not read as a cancellation that revokes
 * the guest's code while they pack. The price is that a stay cancelled on its last evening in the
 * Americas goes unnoticed, and its code ends at checkout anyway.
 */
export function latestToday(now: Date): string {
  return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}
