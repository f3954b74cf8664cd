/**
 * What booking-source keeps between restarts: each feed's tracker, the bookings that came as messages,
 * what was announced downstream. Older files are read and upgraded; a stay long over keeps its dates and
 * ids, never its guest.
 */
import { Booking, parseBooking } from './booking';
import type { FeedTrackerState } from './feed-tracker';
import type { MessageBookingsState } from './message-bookings';

/** A stay as announced downstream, with the ids of the copies it was merged from. */
export interface AnnouncedStay {
  booking: Booking;
  members: string[];
}

export interface SavedState {
  version: 2;
  feeds: { name: string; tracker: FeedTrackerState }[];
  messages: MessageBookingsState;
  announced: AnnouncedStay[];
  /** Double bookings the host has been told about, so a poll does not repeat the alert. */
  doubles: string[];
  /** Cancellations of the last days, announced again after a restart in case one never reached the ledger. */
  recentCancellations?: { booking: Booking; at: string }[];
}

/** Version 1 knew one feed; everything it held had been announced. */
export interface SavedStateV1 {
  version: 1;
  feed: FeedTrackerState;
  messages: MessageBookingsState;
}

/** A stay long over: its dates and ids stay (so a feed that lists it again changes nothing), not its guest. */
export function withoutGuest(booking: Booking): Booking {
  const kept = { ...booking };
  for (const field of GUEST_FIELDS) delete kept[field];
  return kept;
}

/** What names or reaches a guest; the event's summary often holds their name ("Ada Lovelace (HM123)"). */
export const GUEST_FIELDS = ['guestName', 'email', 'phoneLast4', 'phoneCountryCode', 'reservationCode', 'summary', 'language'] as const;

/** Reads a saved state of either version, checking every booking in it. */
export function upgrade(saved: unknown, defaultFeed: string): SavedState {
  const raw = saved as Partial<SavedState> & Partial<SavedStateV1>;
  if (raw?.version === 1) return upgradeV1(raw as SavedStateV1, defaultFeed);
  if (raw?.version !== 2 || !Array.isArray(raw.feeds) || !Array.isArray(raw.announced) || !Array.isArray(raw.doubles)) {
    throw new Error('saved bookings are not a version 1 or 2 booking source state');
  }
  const announced = raw.announced.map((stay) => {
    const booking = parseBooking(stay?.booking);
    const members = Array.isArray(stay?.members) ? stay.members.filter((id): id is string => typeof id === 'string') : [];
    return { booking, members: members.length > 0 ? members : [booking.id] };
  });
  const feeds = raw.feeds.map((feed) => {
    if (typeof feed?.name !== 'string') throw new Error('a saved feed has no name');
    return feed;
  });
  return { version: 2, feeds, messages: raw.messages as MessageBookingsState, announced, doubles: raw.doubles.filter((key) => typeof key === 'string') };
}

export function upgradeV1(saved: SavedStateV1, defaultFeed: string): SavedState {
  const feedBookings = Array.isArray(saved.feed?.bookings) ? saved.feed.bookings.map((entry) => entry?.booking) : [];
  const messageBookings = Array.isArray(saved.messages?.bookings) ? saved.messages.bookings : [];
  const announced = [...feedBookings, ...messageBookings].map((entry) => {
    const booking = parseBooking(entry);
    return { booking, members: [booking.id] };
  });
  return { version: 2, feeds: [{ name: defaultFeed, tracker: saved.feed }], messages: saved.messages, announced, doubles: [] };
}
