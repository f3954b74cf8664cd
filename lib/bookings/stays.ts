/**
 * Turns a calendar's events (from an iCal feed or a Home Assistant calendar) into one booking per
 * stay. Blocks are left out. The "Check-in" / "Check-out" events some PMSs add beside a stay are
 * folded into that stay (they give its times), and a calendar made only of such events still gives
 * one booking per stay, by pairing each check-in with the next check-out of the same guest.
 */
import { Booking } from './booking';
import { eventKind, EventKind, guestDetails, GuestDetails, markerGuest, nameFromSummary } from './event-summary';

/** Where a stay starts or ends: the day at the property, and the instant when the calendar gives a time. */
export interface StayPoint {
  day: string;
  instant?: string;
}

/** One calendar event, whatever calendar it came from. */
export interface CalendarEvent {
  uid?: string;
  summary: string;
  description: string;
  start: StayPoint;
  end: StayPoint;
}

export interface StayOptions {
  /** The unit every booking is for ("Room 101"). */
  unit: string;
  /** The calendar's name, kept on each booking ("airbnb"). */
  source: string;
  /** Keep only events whose summary starts with one of these (case-insensitive). */
  include?: string[];
  /** Leave out events whose summary starts with one of these (case-insensitive). */
  exclude?: string[];
  /**
   * Leave out stays whose checkout day is before this day (YYYY-MM-DD): years of history in a feed
   * are of no use to a door and would only fill memory.
   */
  endedBefore?: string;
  /**
   * Booking.com exports every reservation as "CLOSED - Not available", with no guest and no contact:
   * true reads those events as stays (whose code goes to the host, who passes it on), false as blocks.
   */
  closedAreStays?: boolean;
}

/** An event left out of the bookings, and why: the host hears of each once. */
export interface SkippedEvent {
  uid?: string;
  summary?: string;
  reason: string;
  /** The event may be a stay but cannot be read: its stay keeps its last good version. */
  unreadable?: boolean;
}

interface Marker {
  event: CalendarEvent;
  kind: 'arrival' | 'departure';
  day: string;
  guest?: string;
}

/**
 * What readStays works out from an event alone, kept per event object: FeedMemory hands the same
 * objects over on every poll, so an unchanged event's description is not read again.
 */
export type EventFacts = WeakMap<CalendarEvent, Facts>;

interface Facts {
  nights: number;
  details?: GuestDetails;
  /** The stay as last built, with the settings it was built for: a poll hands out copies of it. */
  stay?: { unit: string; source: string; closedAreStays: boolean; booking: Booking };
}

export function staysFromEvents(events: CalendarEvent[], options: StayOptions): Booking[] {
  return readStays(events, options).bookings;
}

/** The stays in `events`, and the events left out with why (blocks, events the host's filters leave out). */
export function readStays(events: CalendarEvent[], options: StayOptions, reading: StayReading = {}): { bookings: Booking[]; skipped: SkippedEvent[] } {
  const stays: Booking[] = [];
  const markers: Marker[] = [];
  const skipped: SkippedEvent[] = [];
  const skip = (event: CalendarEvent, reason: string, unreadable = false) => {
    skipped.push(unreadable ? { uid: event.uid, summary: event.summary, reason, unreadable } : { uid: event.uid, summary: event.summary, reason });
  };
  const wanted = summaryFilter(options);
  const summaries = summaryReaders();
  let everyStayByUid = reading.uidsUnique === true;
  for (const event of events) {
    if (!wanted(event.summary)) {
      skip(event, 'left out by the include / exclude setting');
      continue;
    }
    const known = factsOf(event, reading.facts);
    const kind = closedStay(event.summary, options) ? 'stay' : summaries.kind(event.summary, known.nights);
    if (kind === 'block') {
      skip(event, 'a block (dates closed, no guest)');
      continue;
    }
    if (kind === 'stay') {
      const booking = rememberedStay(event, options, known, summaries.name);
      if (!booking) skip(event, 'its checkout is not after its arrival', true);
      else stays.push(booking);
      if (!event.uid) everyStayByUid = false;
      continue;
    }
    markers.push({ event, kind, day: event.start.day, guest: markerGuest(event.summary) });
  }
  // A later copy of the same id replaces an earlier one: feeds append the newer version. Stays named
  // by UIDs known to be unique cannot repeat, and skip the Map.
  const bookings = everyStayByUid ? stays : [...byId(stays).values()];
  const unmatched = markers.filter((marker) => !attachToStay(marker, bookings));
  const paired = unmatched.length === 0 ? [] : pairMarkers(unmatched, options);
  const all = paired.length === 0 ? bookings : [...byId(bookings, paired).values()];
  const kept = options.endedBefore ? all.filter((booking) => booking.departure >= options.endedBefore!) : all;
  return { bookings: kept, skipped };
}

/** How a calendar's events are read: what was found per event before, and whether UIDs are unique. */
export interface StayReading {
  facts?: EventFacts;
  /** No two events have the same UID (ical-feed keeps one copy per UID). */
  uidsUnique?: boolean;
}

/** Bookings by id: each id where it first came, the last booking with it; then `extra` where the id is new. */
function byId(bookings: Booking[], extra: Booking[] = []): Map<string, Booking> {
  const result = new Map<string, Booking>();
  for (const booking of bookings) result.set(booking.id, booking);
  for (const booking of extra) if (!result.has(booking.id)) result.set(booking.id, booking);
  return result;
}

/** Summaries longer than this are read each time: the memory is for the few summaries a channel repeats. */
const REMEMBERED_SUMMARY = 200;

/**
 * eventKind and nameFromSummary for one calendar, remembering their answer per summary: an Airbnb
 * feed of 20,000 events has two summaries ("Reserved", "Airbnb (Not available)"), and reading each
 * again (accents taken off, a dozen patterns tried) was a tenth of a feed's ingest.
 */
function summaryReaders(): { kind: (summary: string, nights: number) => EventKind; name: (summary: string) => string | undefined } {
  const oneNight = remembering((summary) => eventKind(summary, 1));
  const longer = remembering((summary) => eventKind(summary, 2));
  // eventKind only asks whether the event is one night or less.
  return { kind: (summary, nights) => (nights <= 1 ? oneNight(summary) : longer(summary)), name: remembering(nameFromSummary) };
}

function remembering<T>(read: (summary: string) => T): (summary: string) => T {
  const answers = new Map<string, { answer: T }>();
  return (summary) => {
    if (summary.length > REMEMBERED_SUMMARY) return read(summary);
    const known = answers.get(summary);
    if (known) return known.answer;
    const answer = read(summary);
    answers.set(summary, { answer });
    return answer;
  };
}

/** Booking.com's "CLOSED - Not available" is a reservation on a feed marked as Booking.com. */
function closedStay(summary: string, options: StayOptions): boolean {
  return options.closedAreStays === true && /^closed\s*-\s*not available$/i.test(summary.trim());
}

function factsOf(event: CalendarEvent, facts: EventFacts | undefined): Facts {
  const known = facts?.get(event);
  if (known) return known;
  const found = { nights: nights(event) };
  facts?.set(event, found);
  return found;
}

function nights(event: CalendarEvent): number {
  return Math.round((dayMillis(event.end.day) - dayMillis(event.start.day)) / 86_400_000);
}

/** Months 01-12, days 01-31: the days Date.parse reads (it rolls February 30th over, as Date.UTC does). */
const ISO_DAY = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/** Midnight UTC of a YYYY-MM-DD day, without parsing a date text for each of tens of thousands of events. */
function dayMillis(day: string): number {
  const year = Number(day.slice(0, 4));
  // Date.UTC reads years 0-99 as 1900-1999; anything not plainly a day is left to Date.parse.
  if (year < 100 || !ISO_DAY.test(day)) return Date.parse(`${day}T00:00:00Z`);
  return Date.UTC(year, Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
}

/** The host's include / exclude prefixes, read once per calendar rather than once per event. */
function summaryFilter(options: StayOptions): (summary: string) => boolean {
  const include = prefixes(options.include);
  const exclude = prefixes(options.exclude);
  if (include.length === 0 && exclude.length === 0) return () => true;
  return (summary) => {
    const text = summary.trim().toLowerCase();
    if (include.length > 0 && !include.some((prefix) => text.startsWith(prefix))) return false;
    return !exclude.some((prefix) => text.startsWith(prefix));
  };
}

function prefixes(list: string[] | undefined): string[] {
  return (list ?? []).filter((prefix) => prefix.trim() !== '').map((prefix) => prefix.trim().toLowerCase());
}

/**
 * The event's stay: a copy of the one built last time for the same settings, else built now. Only
 * copies leave: whoever changes a booking downstream never changes what the next poll hands out.
 */
function rememberedStay(event: CalendarEvent, options: StayOptions, known: Facts, names: (summary: string) => string | undefined): Booking | undefined {
  const closedAreStays = options.closedAreStays === true;
  const stay = known.stay;
  if (stay && stay.unit === options.unit && stay.source === options.source && stay.closedAreStays === closedAreStays) return { ...stay.booking };
  const booking = stayBooking(event, options, (known.details ??= guestDetails(event.summary, event.description, names)));
  if (booking) known.stay = { unit: options.unit, source: options.source, closedAreStays, booking: { ...booking } };
  return booking;
}

function stayBooking(event: CalendarEvent, options: StayOptions, details: GuestDetails): Booking | undefined {
  if (event.end.day <= event.start.day) return undefined;
  const id = event.uid ?? details.reservationCode ?? `${event.start.day}/${event.end.day}/${event.summary}`;
  const booking: Booking = { id, unit: options.unit, source: options.source, arrival: event.start.day, departure: event.end.day };
  if (event.start.instant) booking.arrivalAt = event.start.instant;
  if (event.end.instant) booking.departureAt = event.end.instant;
  if (event.summary !== '') booking.summary = event.summary;
  Object.assign(booking, details);
  // No guest contact in a Booking.com feed: the host is sent the code, to pass it on.
  if (options.closedAreStays && !booking.email) booking.codeTo = 'host';
  return booking;
}

/**
 * A check-in on a stay's arrival day (or a check-out on its checkout day) belongs to that stay and
 * gives its time when the stay itself is all-day. A marker on a day inside a stay is that stay's too
 * (a PMS's "Check-in" for a mid-stay room change); only a marker outside every stay is left over.
 */
function attachToStay(marker: Marker, stays: Booking[]): boolean {
  const boundary = stays.filter((stay) => (marker.kind === 'arrival' ? stay.arrival : stay.departure) === marker.day);
  const stay = boundary.find((candidate) => sameGuest(candidate.guestName, marker.guest)) ?? boundary[0];
  if (stay) {
    enrich(stay, marker);
    return true;
  }
  return stays.some((candidate) => candidate.arrival < marker.day && marker.day < candidate.departure);
}

function enrich(stay: Booking, marker: Marker): void {
  const instant = marker.event.start.instant;
  if (instant && marker.kind === 'arrival' && !stay.arrivalAt) stay.arrivalAt = instant;
  if (instant && marker.kind === 'departure' && !stay.departureAt) stay.departureAt = instant;
  const details = guestDetails('', marker.event.description);
  if (!stay.guestName && marker.guest) stay.guestName = marker.guest;
  for (const key of ['reservationCode', 'phoneLast4', 'phoneCountryCode', 'email', 'guests', 'language'] as const) {
    if (stay[key] === undefined && details[key] !== undefined) (stay as unknown as Record<string, unknown>)[key] = details[key];
  }
}

function sameGuest(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/**
 * A PMS calendar of check-ins and check-outs only: each check-in opens a stay that the next
 * check-out of the same guest (or of anyone, when the markers name nobody) closes. A check-in
 * without a check-out yet, or a check-out whose check-in is no longer in the calendar, is not a stay.
 */
function pairMarkers(markers: Marker[], options: StayOptions): Booking[] {
  const byGuest = new Map<string, Marker[]>();
  for (const marker of markers) {
    const key = marker.guest?.toLowerCase() ?? guestDetails('', marker.event.description).reservationCode ?? '';
    const list = byGuest.get(key);
    if (list) list.push(marker);
    else byGuest.set(key, [marker]);
  }
  const stays: Booking[] = [];
  for (const list of byGuest.values()) {
    // On a turnover day the check-out of one stay comes before the check-in of the next.
    list.sort((a, b) => a.day.localeCompare(b.day) || (a.kind === b.kind ? 0 : a.kind === 'departure' ? -1 : 1));
    let open: Marker | undefined;
    for (const marker of list) {
      if (marker.kind === 'arrival') open = marker;
      else if (open && marker.day > open.day) {
        stays.push(pairedStay(open, marker, options));
        open = undefined;
      }
    }
  }
  return stays.sort((a, b) => a.arrival.localeCompare(b.arrival));
}

function pairedStay(arrival: Marker, departure: Marker, options: StayOptions): Booking {
  const details = { ...guestDetails('', departure.event.description), ...guestDetails('', arrival.event.description) };
  // The check-in's UID names the stay: it is there from the day the booking is made.
  const id = arrival.event.uid ?? details.reservationCode ?? `${arrival.day}/${departure.day}/${arrival.event.summary}`;
  const booking: Booking = { id, unit: options.unit, source: options.source, arrival: arrival.day, departure: departure.day };
  if (arrival.event.start.instant) booking.arrivalAt = arrival.event.start.instant;
  if (departure.event.start.instant) booking.departureAt = departure.event.start.instant;
  booking.summary = arrival.event.summary;
  Object.assign(booking, details);
  const guest = arrival.guest ?? departure.guest;
  if (guest) booking.guestName = guest;
  return booking;
}

