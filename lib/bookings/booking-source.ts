/**
 * Everything booking-source knows between fetches: the feed's bookings, the bookings that came as
 * messages, and the file that keeps both across restarts. It is saved after every change, so a
 * booking that vanished from the feed while Node-RED was down is still cancelled after the restart,
 * and nothing already announced is announced again as new.
 */
import { Booking, parseBooking } from './booking';
import { FeedChanges, FeedTracker, FeedTrackerOptions, FeedTrackerState } from './feed-tracker';
import { parseFeed } from './ical-feed';
import { BookingUpdate, MessageBookings, MessageBookingsState } from './message-bookings';
import { readJson, writeFileAtomic } from '../store/atomic-file';
import { Clock, systemClock } from '../time/clock';

export interface BookingSourceOptions {
  unit: string;
  source: string;
  include?: string[];
  exclude?: string[];
  missesBeforeCancel?: number;
  clock?: Clock;
  /** Where the state lives (`<userDir>/staykey/feeds/<node id>.json`); none keeps it in memory only. */
  stateFile?: string;
}

interface SavedState {
  version: 1;
  feed: FeedTrackerState;
  messages: MessageBookingsState;
}

/** One booking of a message, read and checked before anything is changed. */
interface MessageItem {
  id: string;
  cancel: boolean;
  booking?: Booking;
}

export class BookingSource {
  private lastFeed: Booking[] | undefined;
  /** The state as last written, so an unchanged feed does not rewrite the file every poll. */
  private written: string | undefined;

  private constructor(
    private readonly options: BookingSourceOptions,
    private feed: FeedTracker,
    private messages: MessageBookings,
  ) {}

  /** Opens the saved state; a damaged state file is an error, never silently an empty start. */
  static open(options: BookingSourceOptions): BookingSource {
    const source = new BookingSource(options, new FeedTracker(trackerOptions(options)), new MessageBookings(options.clock));
    const saved = options.stateFile ? readJson<SavedState>(options.stateFile) : undefined;
    if (!saved) return source;
    try {
      source.restore(saved);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${options.stateFile} cannot be read (${why}); move it away to start over`);
    }
    source.written = JSON.stringify(source.state());
    return source;
  }

  /** How many bookings the source holds now. */
  get count(): number {
    return this.feed.bookings.length + this.messages.bookings.length;
  }

  /** A whole feed: what it no longer lists is cancelled. Throws, changing nothing, when it is not a good feed. */
  readFeed(text: string): BookingUpdate[] {
    const bookings = parseFeed(text, this.options);
    const results = this.transaction(() => updates(this.feed.apply(bookings)));
    this.lastFeed = bookings;
    return results;
  }

  /** The feed answered "not modified": the same feed again, which still counts toward missed bookings. */
  readUnchangedFeed(): BookingUpdate[] {
    const feed = this.lastFeed;
    if (!feed) return [];
    return this.transaction(() => updates(this.feed.apply(feed)));
  }

  /**
   * Bookings sent as a message: one object or a list. Each speaks only for itself; `cancelled: true`
   * (or `change` 'cancelled' for the whole message) cancels it. Nothing changes if any of them is bad.
   */
  receive(payload: unknown, change?: unknown): BookingUpdate[] {
    const list = Array.isArray(payload) ? payload : [payload];
    if (list.length === 0) throw new Error('the message holds an empty list of bookings');
    const items = list.map((entry) => this.readItem(entry, change === 'cancelled'));
    return this.transaction(() => {
      const results: BookingUpdate[] = [];
      for (const item of items) {
        const update = item.cancel ? this.messages.cancel(item.id, item.booking) : this.messages.put(item.booking as Booking);
        if (update) results.push(update);
      }
      return results;
    });
  }

  /** A plain booking, or a BookingMessage ({kind: 'booking', change, booking}) from another booking-source. */
  private readItem(entry: unknown, cancelAll: boolean): MessageItem {
    const raw = record(entry);
    if (raw?.kind === 'booking') return this.readItem(raw.booking, cancelAll || raw.change === 'cancelled');
    const defaults = { unit: this.options.unit, source: this.options.source };
    const cancel = cancelAll || raw?.cancelled === true;
    if (!cancel) {
      const booking = parseBooking(entry, defaults);
      return { id: booking.id, cancel, booking };
    }
    const id = idOf(raw);
    if (!id) throw new Error('a cancellation needs the booking id (give id, uid or reservationCode)');
    if (this.messages.has(id)) return { id, cancel };
    return { id, cancel, booking: parseBookingForCancel(entry, defaults, id) };
  }

  /**
   * Runs a change and saves it. If the state cannot be saved (disk full, permissions) the change is
   * undone and the error thrown, so the next fetch or message tries again and nothing is announced
   * that a restart would forget.
   */
  private transaction(change: () => BookingUpdate[]): BookingUpdate[] {
    const before = this.state();
    const results = change();
    try {
      this.save();
    } catch (err) {
      this.restore(before);
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`bookings could not be saved to ${this.options.stateFile} (${why}); nothing was changed`);
    }
    return results;
  }

  private state(): SavedState {
    return { version: 1, feed: this.feed.toJSON(), messages: this.messages.toJSON() };
  }

  private restore(state: SavedState): void {
    this.feed = FeedTracker.fromJSON(state.feed, trackerOptions(this.options));
    this.messages = MessageBookings.fromJSON(state.messages, this.options.clock ?? systemClock);
  }

  /** Writes only when the state differs from the file: a poll that changes nothing costs no disk write. */
  private save(): void {
    if (!this.options.stateFile) return;
    const text = JSON.stringify(this.state());
    if (text === this.written) return;
    writeFileAtomic(this.options.stateFile, text);
    this.written = text;
  }
}

function trackerOptions(options: BookingSourceOptions): FeedTrackerOptions {
  return { missesBeforeCancel: options.missesBeforeCancel, clock: options.clock };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function idOf(raw: Record<string, unknown> | undefined): string | undefined {
  for (const value of [raw?.id, raw?.uid, raw?.reservationCode]) {
    const id = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
    if (id !== '') return id;
  }
  return undefined;
}

function parseBookingForCancel(entry: unknown, defaults: { unit: string; source: string }, id: string): Booking {
  try {
    return parseBooking(entry, defaults);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot cancel booking ${id}: it is not known here and the message does not describe it (${why})`);
  }
}

/** Cancellations first, so a lock slot they free is there for the bookings after them. */
function updates(changes: FeedChanges): BookingUpdate[] {
  return [
    ...changes.cancelled.map((booking) => ({ change: 'cancelled' as const, booking })),
    ...changes.changed.map((booking) => ({ change: 'changed' as const, booking })),
    ...changes.created.map((booking) => ({ change: 'created' as const, booking })),
  ];
}
