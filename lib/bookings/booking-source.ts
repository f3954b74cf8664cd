/**
 * Everything booking-source knows between fetches: each feed's bookings, the bookings that came as
 * messages, what has been announced downstream, and the file that keeps all of it across restarts.
 *
 * One unit may have several feeds (Airbnb, Vrbo, Booking.com, a PMS). Every change is reconciled
 * the same way: merge what all feeds and messages list now into stays (lib/bookings/unit-stays.ts),
 * compare with what was announced, and announce the difference. So a stay two feeds list is announced
 * once, and it is cancelled only when no feed lists it any more.
 *
 * The state is saved after every change, so a booking that vanished from a feed while Node-RED was
 * down is still cancelled after the restart, and nothing already announced is announced again.
 */
import { Booking, bookingDiffers } from './booking';
import { FeedChanges, FeedListing, FeedTracker, FeedTrackerOptions, FeedTrackerState, latestToday, MassCancelGuard } from './feed-tracker';
import { FeedOptions, readFeed } from './ical-feed';
import { BookingUpdate, MessageBookings } from './message-bookings';
import { MessageItem, readBookingMessage } from './message-shapes';
import { mergeStays } from './unit-stays';
import type { AlertMessage } from '../messages';
import { isConfirmation, isRejection, readConfirmation } from '../messages/parse-confirmation';
import { readJson, writeFileAtomic } from '../store/atomic-file';
import { Clock, systemClock } from '../time/clock';
import { addDays } from '../time/zoned';
import { doubleBookingAlert, feedAlert, heldAlert, skippedAlert, stillListed, unreadableAlert } from './source-alerts';
import { AnnouncedStay, SavedState, upgrade, withoutGuest } from './source-state';

export interface BookingSourceOptions {
  unit: string;
  /** The feed iCal text is read as when no feed is named, and the source of bookings sent as messages. */
  source: string;
  /**
   * The feeds set up, in order of preference (the first one's details and id win when two list the
   * same stay). A saved feed not in the list is retired: its stays are kept until they are over,
   * never cancelled, since removing a feed from the node is not a fetch that lost them.
   */
  feeds?: string[];
  include?: string[];
  exclude?: string[];
  missesBeforeCancel?: number;
  /** When one fetch drops so many stays at once that it is held for the host (feed-tracker.ts). */
  massCancel?: MassCancelGuard;
  /** Per feed (by name): the listing's zone for times without one, the channel, Booking.com's CLOSED events. */
  feedSettings?: Map<string, FeedReadingSettings>;
  /** Stays whose checkout is more than this many days ago are skipped when a feed is read (default 30). */
  keepPastDays?: number;
  /**
   * Days after checkout a stay keeps its guest's name, email, phone digits and event text in the saved
   * state (default 90, as the access log): past that only dates and ids are written.
   */
  forgetGuestsDays?: number;
  clock?: Clock;
  /** Where the state lives (`<userDir>/staykey/feeds/<node id>.json`); none keeps it in memory only. */
  stateFile?: string;
}

/** What the host says about one feed: see FeedOptions in ical-feed.ts. */
export type FeedReadingSettings = Pick<FeedOptions, 'timeZone' | 'channel' | 'closed'>;

/** A stay a feed dropped in a mass disappearance, waiting for the host to confirm or reject its cancellation. */
export interface HeldCancellation {
  feed: string;
  bookingId: string;
  guestName?: string;
  arrival: string;
  departure: string;
  heldSince: string;
}

/** What one fetch or message changed: bookings to announce, and what the host should know. */
export interface SourceUpdate {
  updates: BookingUpdate[];
  alerts: AlertMessage[];
}

const DEFAULT_KEEP_PAST_DAYS = 30;
const DEFAULT_FORGET_GUESTS_DAYS = 90;
const RESTATE_CANCELLATIONS_DAYS = 14;

export class BookingSource {
  private feeds = new Map<string, FeedTracker>();
  private messages: MessageBookings;
  private announced = new Map<string, AnnouncedStay>();
  private doubles = new Set<string>();
  private recentCancellations: { booking: Booking; at: string }[] = [];
  /** Each feed's last good listing, for a "not modified" answer. */
  private readonly lastFeeds = new Map<string, FeedListing>();
  /** The state as last written, so an unchanged feed does not rewrite the file every poll. */
  private written: string | undefined;
  private readonly clock: Clock;

  private constructor(private readonly options: BookingSourceOptions) {
    this.clock = options.clock ?? systemClock;
    this.messages = new MessageBookings(this.clock);
    this.orderFeeds(new Map());
  }

  /** Opens the saved state; a damaged state file is an error, never silently an empty start. */
  static open(options: BookingSourceOptions): BookingSource {
    const source = new BookingSource(options);
    const saved = options.stateFile ? readJson<unknown>(options.stateFile) : undefined;
    if (saved === undefined) return source;
    try {
      source.restore(saved);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`${options.stateFile} cannot be read (${why}); move it away to start over`);
    }
    // As read, not as it would be saved now: a guest past the retention in the file is written out at the next save.
    source.written = JSON.stringify(source.state(false));
    return source;
  }

  /**
   * Rewrites the saved state when a stay has passed the retention since its last save, so a guest is
   * forgotten on time even when no feed answers and no message comes. Throws when it cannot save.
   */
  forgetPastGuests(): void {
    this.save();
  }

  /** How many bookings the source holds now. */
  get count(): number {
    return this.announced.size;
  }

  /** The bookings as announced. */
  get bookings(): Booking[] {
    return [...this.announced.values()].map((stay) => stay.booking);
  }

  /**
   * Everything announced that still matters, to announce again when Node-RED starts: a kill between
   * this node's save and the pin-issuer's could otherwise lose a booking or a cancellation. The ledger
   * takes a repeat as no change.
   */
  restatement(): BookingUpdate[] {
    const today = latestToday(this.clock.now());
    const current = this.bookings.filter((booking) => booking.departure > today).map((booking) => ({ change: 'changed' as const, booking }));
    const cutoff = this.clock.now().getTime() - RESTATE_CANCELLATIONS_DAYS * 24 * 3600_000;
    const cancelled = this.recentCancellations
      .filter((entry) => Date.parse(entry.at) >= cutoff)
      .map(({ booking }) => ({ change: 'cancelled' as const, booking }));
    return [...current, ...cancelled];
  }

  /** How a feed's text is read: its name on each booking, the day before which stays are skipped, the host's settings for it. */
  feedOptions(feed: string = this.options.source): FeedOptions {
    const keep = this.options.keepPastDays ?? DEFAULT_KEEP_PAST_DAYS;
    return {
      ...this.options.feedSettings?.get(feed),
      unit: this.options.unit,
      source: feed,
      include: this.options.include,
      exclude: this.options.exclude,
      endedBefore: addDays(latestToday(this.clock.now()), -keep),
    };
  }

  /** A whole feed: what it no longer lists is cancelled. Throws, changing nothing, when it is not a good feed. */
  readFeed(text: string, feed: string = this.options.source): SourceUpdate {
    return this.applyFeed(feed, readFeed(text, this.feedOptions(feed)));
  }

  /** A feed's listing, already read (off the main thread for a big feed); a bare list of bookings is a whole feed. */
  applyFeed(feed: string, listing: FeedListing | Booking[]): SourceUpdate {
    const fetched = Array.isArray(listing) ? { bookings: listing } : listing;
    const result = this.transaction(() => this.applyListing(feed, fetched));
    this.lastFeeds.set(feed, fetched);
    return result;
  }

  /** The feed answered "not modified": the same feed again, which still counts toward missed bookings. */
  readUnchangedFeed(feed: string = this.options.source): SourceUpdate {
    const last = this.lastFeeds.get(feed);
    if (!last) return { updates: [], alerts: [] };
    return this.transaction(() => this.applyListing(feed, last));
  }

  /** What the host should see on the node: feeds that came back empty, stays held. */
  get warnings(): { empty: string[]; held: number } {
    const trackers = [...this.feeds];
    return {
      empty: trackers.filter(([, tracker]) => tracker.empty).map(([name]) => name),
      held: trackers.reduce((sum, [, tracker]) => sum + tracker.held.length, 0),
    };
  }

  /**
   * The host's answer to held cancellations (`{kind: 'confirm-cancellations', feed?, bookings?}`):
   * carries out those of the named feed (or every feed), all or only the booking ids listed.
   */
  confirmCancellations(payload: unknown): SourceUpdate {
    const { feed, ids } = readConfirmation(payload);
    const trackers = this.heldTrackers(feed, 'confirm-cancellations', ids);
    return this.transaction(() => {
      for (const tracker of trackers) tracker.confirmHeld(ids);
      return this.reconcile();
    });
  }

  /**
   * The host's "no" to held cancellations (`{kind: 'reject-cancellations', feed?, bookings?}`): the feed
   * is wrong, those stays go on with their codes, kept until checkout unless the feed lists them again.
   */
  rejectCancellations(payload: unknown): SourceUpdate {
    const { feed, ids } = readConfirmation(payload);
    const trackers = this.heldTrackers(feed, 'reject-cancellations', ids);
    return this.transaction(() => {
      for (const tracker of trackers) tracker.keepHeld(ids);
      return this.reconcile();
    });
  }

  /** Every held cancellation waiting for the host, by feed: what the editor's sidebar lists. */
  heldCancellations(): HeldCancellation[] {
    return [...this.feeds].flatMap(([feed, tracker]) =>
      tracker.heldSince.map(({ booking, since }) => {
        const held: HeldCancellation = { feed, bookingId: booking.id, arrival: booking.arrival, departure: booking.departure, heldSince: since };
        if (booking.guestName) held.guestName = booking.guestName;
        return held;
      }),
    );
  }

  /** The feeds an answer is for; refuses one that would change nothing, so the host hears why. */
  private heldTrackers(feed: string | undefined, kind: string, ids: string[] | undefined): FeedTracker[] {
    if (feed !== undefined && !this.feeds.has(feed)) throw new Error(`${kind}: there is no feed "${feed}" here (${[...this.feeds.keys()].join(', ')})`);
    const trackers = [...this.feeds].filter(([name]) => feed === undefined || name === feed).map(([, tracker]) => tracker);
    const held = trackers.flatMap((tracker) => tracker.held.map((booking) => booking.id));
    if (!held.length) throw new Error(`${kind}: no cancellation is waiting for the host`);
    if (ids && !ids.some((id) => held.includes(id))) throw new Error(`${kind}: none of ${ids.slice(0, 5).join(', ')} is held`);
    return trackers;
  }

  private applyListing(feed: string, listing: FeedListing): SourceUpdate {
    const changes = this.tracker(feed).apply(listing);
    const result = this.reconcile();
    result.alerts.push(...this.feedAlerts(feed, changes));
    return result;
  }

  /** What a fetch held back or could not read, in the host's words. */
  private feedAlerts(feed: string, changes: FeedChanges): AlertMessage[] {
    const where = `${this.options.unit ? `${this.options.unit} ` : ''}${feed} feed`;
    const alerts: AlertMessage[] = [];
    if (changes.cameBackEmpty) {
      const count = this.tracker(feed).bookings.length;
      alerts.push(feedAlert('warning', `${where} came back empty (a calendar with no events at all), as channels do when they fail; ` + `its ${count} booking${count === 1 ? '' : 's'} and their codes are kept, and StayKey keeps checking.`));
    }
    if (changes.held.length > 0) alerts.push(heldAlert(where, feed, changes.held, this.options.massCancel));
    for (const skipped of changes.skipped) if (skipped.unreadable) alerts.push(unreadableAlert(where, skipped));
    const others = changes.skipped.filter((skipped) => !skipped.unreadable);
    if (others.length > 0) alerts.push(skippedAlert(where, others));
    return alerts;
  }

  /**
   * Bookings sent as a message (see message-shapes.ts for the shapes). Each speaks only for itself;
   * a cancellation cancels it. Nothing changes if any of them is bad.
   */
  receive(payload: unknown, change?: unknown): SourceUpdate {
    if (isConfirmation(payload)) return this.confirmCancellations(payload);
    if (isRejection(payload)) return this.rejectCancellations(payload);
    const { unit, source, include, exclude } = this.options;
    const items = readBookingMessage(payload, change, { unit, source, include, exclude });
    for (const item of items) if (item.cancel) this.checkCancellable(item);
    return this.transaction(() => {
      const cancels = new Map<string, Booking | undefined>();
      for (const item of items) {
        if (!item.cancel) {
          this.messages.put(item.booking as Booking);
          continue;
        }
        this.messages.remove(item.id);
        cancels.set(item.id, item.booking);
      }
      return this.reconcile(cancels);
    });
  }

  private checkCancellable(item: MessageItem): void {
    if (item.booking || this.messages.has(item.id) || this.aliases().has(item.id)) return;
    const why = item.problem ? ` (${item.problem})` : '; give its arrival and departure too';
    throw new Error(`cannot cancel booking ${item.id}: it is not known here and the message does not describe it${why}`);
  }

  /**
   * Merges everything listed now into stays and announces the difference: cancellations first (so a
   * lock slot they free is there for the bookings after them), then changes, then new bookings.
   * `cancels` are the ids a message cancelled, with the booking as the message described it.
   */
  private reconcile(cancels = new Map<string, Booking | undefined>()): SourceUpdate {
    for (const [name, tracker] of this.feeds) if (this.isRetired(name)) tracker.forgetStaysOver();
    const listed = [...this.feeds.values()].flatMap((tracker) => tracker.bookings).concat(this.messages.bookings);
    const aliases = this.aliases();
    const { stays, doubles } = mergeStays(listed, aliases);
    const next = new Map(stays.map((stay) => [stay.id, { booking: stay.booking, members: stay.members }]));
    const cancelledIds = new Set([...cancels.keys()].map((id) => aliases.get(id) ?? id));
    const today = latestToday(this.clock.now());

    const updates: BookingUpdate[] = [];
    const alerts: AlertMessage[] = [];
    for (const [id, before] of this.announced) {
      if (next.has(id)) continue;
      // Channels drop stays once they are over: that is not a cancellation, unless a message says so.
      if (before.booking.departure > today || cancelledIds.has(id)) updates.push({ change: 'cancelled', booking: before.booking });
    }
    for (const [id, described] of cancels) {
      if (!aliases.has(id) && described) updates.push({ change: 'cancelled', booking: described });
      if (next.has(aliases.get(id) ?? '')) alerts.push(stillListed(id, this.options.unit));
    }
    for (const stay of stays) {
      const before = this.announced.get(stay.id);
      if (!before || !bookingDiffers(before.booking, stay.booking)) continue;
      // A stay that is over and stays over (a copy of it aged out of another feed) is no news.
      if (before.booking.departure <= today && stay.booking.departure <= today) continue;
      updates.push({ change: 'changed', booking: stay.booking });
    }
    for (const stay of stays) if (!this.announced.has(stay.id)) updates.push({ change: 'created', booking: stay.booking });

    alerts.push(...doubles.filter((double) => !this.doubles.has(double.key)).map(doubleBookingAlert));
    this.rememberCancellations(updates);
    this.announced = next;
    this.doubles = new Set(doubles.map((double) => double.key));
    return { updates, alerts };
  }

  private rememberCancellations(updates: BookingUpdate[]): void {
    const now = this.clock.now();
    const cutoff = now.getTime() - RESTATE_CANCELLATIONS_DAYS * 24 * 3600_000;
    const fresh = updates.filter((update) => update.change === 'cancelled').map((update) => ({ booking: update.booking, at: now.toISOString() }));
    const freshIds = new Set(fresh.map((entry) => entry.booking.id));
    this.recentCancellations = [...this.recentCancellations.filter((entry) => Date.parse(entry.at) >= cutoff && !freshIds.has(entry.booking.id)), ...fresh];
  }

  /** The id of every copy seen before, to the id its stay was announced under. */
  private aliases(): Map<string, string> {
    const aliases = new Map<string, string>();
    for (const id of this.announced.keys()) aliases.set(id, id);
    for (const [id, stay] of this.announced) for (const member of stay.members) if (!aliases.has(member)) aliases.set(member, id);
    return aliases;
  }

  private tracker(feed: string): FeedTracker {
    let tracker = this.feeds.get(feed);
    if (!tracker) {
      tracker = new FeedTracker(trackerOptions(this.options, this.clock));
      this.feeds.set(feed, tracker);
    }
    return tracker;
  }

  private isRetired(feed: string): boolean {
    return this.options.feeds !== undefined && !this.options.feeds.includes(feed);
  }

  /** The feeds set up come first, in their order; saved feeds no longer set up after them. */
  private orderFeeds(saved: Map<string, FeedTracker>): void {
    this.feeds = new Map();
    for (const name of this.options.feeds ?? []) this.feeds.set(name, saved.get(name) ?? new FeedTracker(trackerOptions(this.options, this.clock)));
    for (const [name, tracker] of saved) if (!this.feeds.has(name)) this.feeds.set(name, tracker);
  }

  /**
   * Runs a change and saves it. If the state cannot be saved (disk full, permissions) the change is
   * undone and the error thrown, so the next fetch or message tries again and nothing is announced
   * that a restart would forget.
   */
  private transaction(change: () => SourceUpdate): SourceUpdate {
    const before = this.state();
    const result = change();
    try {
      this.save();
    } catch (err) {
      this.restore(before);
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`bookings could not be saved to ${this.options.stateFile} (${why}); nothing was changed`);
    }
    return result;
  }

  /** The state as saved: stays over for longer than the retention keep no trace of their guest. */
  private state(forget = true): SavedState {
    const keep = forget ? this.forgetter() : (booking: Booking) => booking;
    const tracker = (state: FeedTrackerState): FeedTrackerState => ({ ...state, bookings: state.bookings.map((entry) => ({ ...entry, booking: keep(entry.booking) })) });
    const messages = this.messages.toJSON();
    return {
      version: 2,
      feeds: [...this.feeds].map(([name, feed]) => ({ name, tracker: tracker(feed.toJSON()) })),
      messages: { ...messages, bookings: messages.bookings.map(keep) },
      announced: [...this.announced.values()].map((stay) => ({ ...stay, booking: keep(stay.booking) })),
      doubles: [...this.doubles],
      recentCancellations: this.recentCancellations.map((entry) => ({ ...entry, booking: forget && this.isPast(entry.at) ? withoutGuest(entry.booking) : keep(entry.booking) })),
    };
  }

  private forgetter(): (booking: Booking) => Booking {
    const before = addDays(this.clock.now().toISOString().slice(0, 10), -this.forgetGuestsDays());
    return (booking) => (booking.departure < before ? withoutGuest(booking) : booking);
  }

  /** A cancellation made longer ago than the retention: its guest goes, however far off the stay was. */
  private isPast(at: string): boolean {
    return Date.parse(at) < this.clock.now().getTime() - this.forgetGuestsDays() * 24 * 3600_000;
  }

  private forgetGuestsDays(): number {
    return this.options.forgetGuestsDays ?? DEFAULT_FORGET_GUESTS_DAYS;
  }

  private restore(saved: unknown): void {
    const state = upgrade(saved, this.options.source);
    const options = trackerOptions(this.options, this.clock);
    this.orderFeeds(new Map(state.feeds.map((feed) => [feed.name, FeedTracker.fromJSON(feed.tracker, options)])));
    this.messages = MessageBookings.fromJSON(state.messages, this.clock);
    this.announced = new Map(state.announced.map((stay) => [stay.booking.id, stay]));
    this.doubles = new Set(state.doubles);
    this.recentCancellations = Array.isArray((saved as SavedState).recentCancellations) ? [...(saved as SavedState).recentCancellations!] : [];
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

function trackerOptions(options: BookingSourceOptions, clock: Clock): FeedTrackerOptions {
  return { missesBeforeCancel: options.missesBeforeCancel, guard: options.massCancel, clock };
}
