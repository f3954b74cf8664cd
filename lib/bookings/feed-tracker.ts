/**
 * Remembers what one feed said last time, so each good fetch becomes a list of created, changed and
 * cancelled bookings. Only good fetches reach `apply`: a failed or garbled fetch must never make
 * bookings look cancelled, and neither may the failures that look like good fetches: a calendar with
 * no events at all, or one that suddenly lacks most of its stays (held until confirmed).
 */
import { Booking, bookingDiffers, parseBooking } from './booking';
import type { SkippedEvent } from './stays';
import { Clock, systemClock } from '../time/clock';

export interface FeedChanges {
  created: Booking[];
  changed: Booking[];
  cancelled: Booking[];
  /** Stays this fetch would have cancelled in a mass disappearance: kept, waiting for a fetch that agrees or the host. */
  held: Booking[];
  /** The feed listed no event at all while it had stays: nothing changed (true on the first such fetch only). */
  cameBackEmpty: boolean;
  /** Events skipped for a reason not reported before (once per UID and reason). */
  skipped: SkippedEvent[];
}

/** What one good fetch listed, beyond its bookings (see FeedReading in ical-feed.ts). */
export interface FeedListing {
  bookings: Booking[];
  /** Every event the calendar held, blocks included; 0 is an empty calendar. Unknown: the bookings' count. */
  events?: number;
  /** Stays kept as they were: their event is listed but unreadable. */
  keep?: string[];
  /** This fetch cancels nothing (an unreadable event without a UID could be any stay). */
  holdMissing?: boolean;
  skipped?: SkippedEvent[];
}

export interface MassCancelGuard {
  /** Cancellations in one fetch that make it a mass disappearance (default 3; 0 turns the guard off). */
  atLeast?: number;
  /** ...when they are also at least this share of the feed's future stays (default 0.5). */
  share?: number;
  /** How long after it is held a fetch that agrees carries a mass disappearance out (default 1 h). */
  waitMs?: number;
}

export interface FeedTrackerOptions {
  /** Good fetches in a row a booking must be missing from before it counts as cancelled (default 1). */
  missesBeforeCancel?: number;
  guard?: MassCancelGuard;
  clock?: Clock;
}

interface Known {
  booking: Booking;
  /** Good fetches in a row this booking has been missing from. */
  misses: number;
  /** When a mass disappearance took it out of the feed: its cancellation waits (ISO). */
  heldSince?: string;
  /**
   * The host rejected its held cancellation: the feed is wrong, the stay goes on. It is kept until its
   * checkout even while the feed lacks it; once the feed lists it again it is followed as any other.
   */
  keptByHost?: boolean;
  /** The fetch that last listed it (counted from this tracker's start; not saved). */
  seenIn?: number;
}

export interface FeedTrackerState {
  version: 1;
  bookings: Known[];
  /** Since when the feed has come back empty (ISO), so the host is told once. */
  emptySince?: string;
  /** The skipped events the host has been told about (UID and reason). */
  reported?: string[];
}

export const DEFAULT_GUARD: Required<MassCancelGuard> = { atLeast: 3, share: 0.5, waitMs: 3600_000 };

export class FeedTracker {
  private readonly known = new Map<string, Known>();
  private readonly missesBeforeCancel: number;
  private readonly guard: Required<MassCancelGuard>;
  private readonly clock: Clock;
  private emptySince: string | undefined;
  private reported = new Set<string>();
  /** Fetches applied since this tracker was made: which one last listed a stay tells who is missing. */
  private fetches = 0;

  constructor(options: FeedTrackerOptions = {}) {
    const misses = options.missesBeforeCancel ?? 1;
    if (!Number.isInteger(misses) || misses < 1) {
      throw new Error(`missesBeforeCancel must be a whole number of 1 or more, not ${misses}`);
    }
    this.missesBeforeCancel = misses;
    this.guard = checkGuard({ ...DEFAULT_GUARD, ...definedOnly(options.guard) });
    this.clock = options.clock ?? systemClock;
  }

  /** The bookings the feed holds now, including those missed fewer times than the threshold and those held. */
  get bookings(): Booking[] {
    return [...this.known.values()].map((entry) => entry.booking);
  }

  /** The stays whose cancellation is held, waiting for a fetch that agrees or for the host. */
  get held(): Booking[] {
    return [...this.known.values()].filter((entry) => entry.heldSince !== undefined).map((entry) => entry.booking);
  }

  /** The feed's last fetch listed no event at all while it had stays. */
  get empty(): boolean {
    return this.emptySince !== undefined;
  }

  apply(listing: FeedListing | Booking[]): FeedChanges {
    const fetch = Array.isArray(listing) ? { bookings: listing } : listing;
    const changes: FeedChanges = { created: [], changed: [], cancelled: [], held: [], cameBackEmpty: false, skipped: [] };
    // A calendar with no event at all is what channels serve when they fail, not a host cancelling everything.
    if ((fetch.events ?? fetch.bookings.length) === 0 && this.futureStays() > 0) {
      changes.cameBackEmpty = this.emptySince === undefined;
      this.emptySince ??= this.clock.now().toISOString();
      return changes;
    }
    this.emptySince = undefined;
    changes.skipped = this.newlySkipped(fetch.skipped ?? []);
    const future = this.futureStays();
    const fetchNumber = ++this.fetches;
    for (const booking of fetch.bookings) this.take(booking, fetchNumber, changes);
    const keep = new Set(fetch.keep ?? []);
    const missing = this.missAllBut(fetchNumber, (id) => fetch.holdMissing === true || keep.has(id));
    this.cancelOrHold(missing, future, changes);
    return changes;
  }

  /**
   * The host confirms held cancellations (all, or those named): they are carried out now.
   * Returns the bookings cancelled.
   */
  confirmHeld(ids?: string[]): Booking[] {
    const wanted = ids ? new Set(ids) : undefined;
    const cancelled: Booking[] = [];
    for (const [id, entry] of this.known) {
      if (entry.heldSince === undefined || (wanted && !wanted.has(id))) continue;
      this.known.delete(id);
      cancelled.push(entry.booking);
    }
    return cancelled;
  }

  /**
   * The host rejects held cancellations (all, or those named): those stays go on, kept until their
   * checkout whatever the feed says, or until the feed lists them again. Returns the bookings kept.
   */
  keepHeld(ids?: string[]): Booking[] {
    const wanted = ids ? new Set(ids) : undefined;
    const kept: Booking[] = [];
    for (const [id, entry] of this.known) {
      if (entry.heldSince === undefined || (wanted && !wanted.has(id))) continue;
      entry.heldSince = undefined;
      entry.misses = 0;
      entry.keptByHost = true;
      kept.push(entry.booking);
    }
    return kept;
  }

  /** The stays whose held cancellation waits, with the time each was held. */
  get heldSince(): { booking: Booking; since: string }[] {
    return [...this.known.values()].filter((entry) => entry.heldSince !== undefined).map((entry) => ({ booking: entry.booking, since: entry.heldSince! }));
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
    const state: FeedTrackerState = { version: 1, bookings: [...this.known.values()].map(({ seenIn, ...entry }) => entry) };
    if (this.emptySince) state.emptySince = this.emptySince;
    if (this.reported.size > 0) state.reported = [...this.reported];
    return state;
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
      const known: Known = { booking, misses };
      if (typeof entry.heldSince === 'string' && !Number.isNaN(Date.parse(entry.heldSince))) known.heldSince = entry.heldSince;
      if (entry.keptByHost === true) known.keptByHost = true;
      tracker.known.set(booking.id, known);
    }
    if (typeof raw.emptySince === 'string') tracker.emptySince = raw.emptySince;
    if (Array.isArray(raw.reported)) tracker.reported = new Set(raw.reported.filter((key): key is string => typeof key === 'string'));
    return tracker;
  }

  private futureStays(): number {
    const today = latestToday(this.clock.now());
    let count = 0;
    for (const entry of this.known.values()) if (entry.booking.departure > today) count += 1;
    return count;
  }

  /** Each skipped event is told once per UID and reason; one that is no longer skipped may be told again later. */
  private newlySkipped(skipped: SkippedEvent[]): SkippedEvent[] {
    const now = new Map<string, SkippedEvent>();
    for (const event of skipped) now.set(skipKey(event), event);
    const fresh = [...now].filter(([key]) => !this.reported.has(key)).map(([, event]) => event);
    this.reported = new Set(now.keys());
    return fresh;
  }

  private take(booking: Booking, fetchNumber: number, changes: FeedChanges): void {
    const before = this.known.get(booking.id);
    // An unchanged stay keeps the booking it had: the fresh copy dies young, rather than every poll
    // moving thousands of new bookings into the old generation of the heap.
    if (before && before.heldSince === undefined && !before.keptByHost && !bookingDiffers(before.booking, booking)) {
      before.misses = 0;
      before.seenIn = fetchNumber;
      return;
    }
    this.known.set(booking.id, { booking, misses: 0, seenIn: fetchNumber });
    if (!before) changes.created.push(booking);
    else if (bookingDiffers(before.booking, booking)) changes.changed.push(booking);
  }

  /** Counts a miss for every future stay the fetch lacks; returns those missed often enough to cancel. */
  private missAllBut(fetchNumber: number, kept: (id: string) => boolean): [string, Known][] {
    const today = latestToday(this.clock.now());
    const missing: [string, Known][] = [];
    for (const [id, entry] of this.known) {
      if (entry.seenIn === fetchNumber) continue;
      // Channels drop stays from the feed once they are over; that is history, not a cancellation.
      if (entry.booking.departure <= today) {
        this.known.delete(id);
        continue;
      }
      if (kept(id) || entry.keptByHost) continue;
      entry.misses += 1;
      if (entry.misses >= this.missesBeforeCancel) missing.push([id, entry]);
    }
    return missing;
  }

  /**
   * Cancels what the feed dropped, unless this fetch drops a large part of the feed at once (a channel
   * serving a half-empty calendar): then those stays are held until a fetch at least `waitMs` later
   * still lacks them, or the host confirms. A held stay the feed lists again is simply kept.
   */
  private cancelOrHold(missing: [string, Known][], future: number, changes: FeedChanges): void {
    const now = this.clock.now();
    const fresh = missing.filter(([, entry]) => entry.heldSince === undefined);
    const holdFresh = this.guard.atLeast > 0 && fresh.length >= this.guard.atLeast && fresh.length >= this.guard.share * future;
    for (const [id, entry] of missing) {
      if (entry.heldSince === undefined && holdFresh) {
        entry.heldSince = now.toISOString();
        changes.held.push(entry.booking);
        continue;
      }
      if (entry.heldSince !== undefined && now.getTime() - Date.parse(entry.heldSince) < this.guard.waitMs) continue;
      this.known.delete(id);
      changes.cancelled.push(entry.booking);
    }
  }
}

function skipKey(event: SkippedEvent): string {
  return JSON.stringify([event.uid ?? '', event.uid ? '' : event.summary ?? '', event.reason]);
}

function definedOnly(guard: MassCancelGuard | undefined): MassCancelGuard {
  const result: MassCancelGuard = {};
  if (guard?.atLeast !== undefined) result.atLeast = guard.atLeast;
  if (guard?.share !== undefined) result.share = guard.share;
  if (guard?.waitMs !== undefined) result.waitMs = guard.waitMs;
  return result;
}

function checkGuard(guard: Required<MassCancelGuard>): Required<MassCancelGuard> {
  if (!Number.isInteger(guard.atLeast) || guard.atLeast < 0) throw new Error(`the mass-cancellation count must be a whole number, 0 or more, not ${guard.atLeast}`);
  if (!(guard.share >= 0 && guard.share <= 1)) throw new Error(`the mass-cancellation share must be between 0 and 100 %, not ${guard.share * 100} %`);
  if (!(guard.waitMs >= 0) || !Number.isFinite(guard.waitMs)) throw new Error(`the wait before a held cancellation must be 0 or more minutes`);
  return guard;
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
