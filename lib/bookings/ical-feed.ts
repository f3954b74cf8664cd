/**
 * Reads the iCal (RFC 5545) calendar a booking channel exports (Airbnb, Vrbo, Booking.com, a PMS) into
 * bookings. ical.js reads the calendar into events; lib/bookings/stays.ts decides which events are
 * stays, blocks or a PMS's check-in/check-out markers. A body that is not a whole calendar is an
 * error: the caller must never mistake a broken fetch for an empty calendar, or every booking would
 * look cancelled.
 *
 * One bad event does not spoil the feed: it is reported (with its UID and what is wrong), and its
 * UID is listed in `keep`, so the stay it was keeps its last good version instead of looking cancelled.
 */
import ICAL from 'ical.js';
import { Booking } from './booking';
import { isReservedId } from '../ids';
import { CalendarEvent, EventFacts, readStays, SkippedEvent, StayOptions, StayPoint } from './stays';
import { eventProperties, JCalComponent, PLAIN_ONLY, plainPoint, textOf } from './jcal-event';
import { addDays, instantToZoned, isCalendarDate, isTimeZone, serverTimeZone, zonedToInstant } from '../time/zoned';

export interface FeedOptions extends StayOptions {
  /**
   * The listing's IANA zone, for times written without a zone (no Z, no TZID). Without it the feed's
   * X-WR-TIMEZONE is used, and without that the server's zone.
   */
  timeZone?: string;
  /**
   * What the host says this feed is: "booking.com" makes Booking.com's "CLOSED - Not available" a
   * stay. A feed whose PRODID or UIDs name booking.com is taken as one too.
   */
  channel?: string;
  /** Booking.com's "CLOSED - Not available": stays (the default on a Booking.com feed) or blocks. */
  closed?: 'stays' | 'blocks';
}

/** What one good fetch of a feed says. */
export interface FeedReading {
  bookings: Booking[];
  /** Every VEVENT in the calendar, blocks and unreadable ones included: 0 is a calendar that came back empty. */
  events: number;
  /** Events left out of the bookings, each with why. */
  skipped: SkippedEvent[];
  /** UIDs whose event is listed but cannot be taken now (unreadable, conflicting copies): their stay is kept as it was. */
  keep: string[];
  /** An event without a UID could not be read: it may be any stay, so this fetch cancels nothing. */
  holdMissing: boolean;
}

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/** The bookings of a feed (see readFeed for everything else it says). */
export function parseFeed(text: string, options: FeedOptions): Booking[] {
  return readFeed(text, options).bookings;
}

export function readFeed(text: string, options: FeedOptions): FeedReading {
  return readingOf(readFeedEvents(text, options), options);
}

/**
 * A feed read event by event, before its stays are worked out: what a worker thread sends back, and
 * what FeedMemory keeps of a fetch so the next one reads only the events whose text changed.
 */
export interface FeedEvents {
  /** The VCALENDAR without its VEVENTs: its own properties (PRODID, X-WR-TIMEZONE) and time zones. */
  calendar: JCalComponent;
  /** One per VEVENT, in feed order. */
  entries: EventEntry[];
}

/** One VEVENT: its copy (none when it is no stay at all: cancelled, an override, long over) and its UID. */
export interface EventEntry {
  copy?: Copy;
  /** The UID as stringProperty reads it, for the Booking.com test. */
  uid?: string;
}

/** Throws, as reading the feed would, when `text` is not a whole calendar or the unit is not set. */
export function checkFeedText(text: string, options: FeedOptions): void {
  if (options.unit.trim() === '') throw new Error('set the unit this feed\'s bookings are for');
  checkBody(text);
}

export function readFeedEvents(text: string, options: FeedOptions): FeedEvents {
  checkFeedText(text, options);
  const { calendar, jCal } = readCalendar(text);
  const zones = { named: calendarZone(calendar), floating: floatingZone(calendar, options) };
  const vevents = jCal[2].filter((component) => component[0] === 'vevent');
  checkEventsPairUp(text, vevents.length);
  const entries: EventEntry[] = [];
  for (const vevent of vevents) {
    const read = readPlainCopy(vevent, zones, options.endedBefore);
    const copy = read === PLAIN_ONLY ? readCopy(new ICAL.Component(vevent, calendar), zones, options.endedBefore) : read.copy;
    const uid = read === PLAIN_ONLY || read.uid === PLAIN_ONLY ? safely(() => stringProperty(new ICAL.Component(vevent, calendar), 'uid')) : read.uid;
    entries.push({ copy, uid });
  }
  return { calendar: [jCal[0], jCal[1], jCal[2].filter((component) => component[0] !== 'vevent')], entries };
}

/**
 * The events as a worker thread can send them: plain data, without ical.js's objects or arrays. A
 * UID listed more than once has its SEQUENCE and DTSTAMP read here, while its event is at hand.
 */
export function portableEvents(events: FeedEvents): FeedEvents {
  const calendar = new ICAL.Component(events.calendar);
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const { copy } of events.entries) {
    if (copy?.uid === undefined) continue;
    if (seen.has(copy.uid)) repeated.add(copy.uid);
    seen.add(copy.uid);
  }
  const entries = events.entries.map(({ copy, uid }) => {
    if (!copy) return { uid };
    if (copy.uid !== undefined && repeated.has(copy.uid)) revisionOf(copy, calendar);
    // Not `delete`: it would turn each copy into a slow dictionary object.
    return { copy: { ...copy, vevent: undefined }, uid };
  });
  return { calendar: events.calendar, entries };
}

/**
 * The stays of a feed read event by event. `known.facts`: what earlier polls found per event;
 * `known.uidsUnique`: no UID is listed twice (FeedMemory knows it from the last poll), so copies need no sorting.
 */
export function readingOf(events: FeedEvents, options: FeedOptions, known: { facts?: EventFacts; uidsUnique?: boolean } = {}): FeedReading {
  const calendar = new ICAL.Component(events.calendar);
  const reading: FeedReading = { bookings: [], events: events.entries.length, skipped: [], keep: [], holdMissing: false };
  const copies: Copy[] = [];
  const uids: (string | undefined)[] = [];
  for (const { copy, uid } of events.entries) {
    uids.push(uid);
    if (copy && isReservedId(copy.uid)) reading.skipped.push({ uid: copy.uid, reason: 'its UID is a name JavaScript keeps for itself, not an id' });
    else if (copy) copies.push(copy);
  }
  const calendarEvents: CalendarEvent[] = [];
  for (const copy of latestCopies(copies, reading, calendar, known.uidsUnique === true)) {
    if ('problem' in copy) noteUnreadable({ uid: copy.uid, summary: copy.summary, reason: copy.problem }, reading);
    else calendarEvents.push(copy.event);
  }
  const stays = readStays(calendarEvents, { ...options, closedAreStays: closedAreStays(calendar, uids, options) }, { facts: known.facts, uidsUnique: true });
  reading.bookings = stays.bookings;
  for (const skipped of stays.skipped) {
    if (skipped.unreadable) noteUnreadable(skipped, reading);
    else reading.skipped.push(skipped);
  }
  return reading;
}

/**
 * One VEVENT as read: a calendar event, or why it cannot be read. Its SEQUENCE and DTSTAMP are read
 * only when another copy has its UID (see revisionOf), from `vevent` (ical.js's object or the jCal it
 * wraps) or, for a copy sent from a worker or kept from the last fetch, from `text`: the VEVENT's lines.
 */
export type Copy = ({ event: CalendarEvent } | { problem: string; summary: string }) & {
  uid?: string;
  repeats: boolean;
  vevent?: Component | JCalComponent;
  text?: string;
  revision?: Revision;
};

interface Revision {
  sequence: number;
  stamp: string;
}

interface Zones {
  /** X-WR-TIMEZONE: what UTC times are turned into the property's days with. */
  named: string | undefined;
  /** Where times written without a zone are read. */
  floating: string;
}

/** An event that may be a stay but cannot be read now: reported, and its stay kept as it was. */
function noteUnreadable(skipped: SkippedEvent, reading: FeedReading): void {
  reading.skipped.push({ ...skipped, unreadable: true });
  if (skipped.uid) reading.keep.push(skipped.uid);
  else reading.holdMissing = true;
}

/**
 * One copy per UID: the highest SEQUENCE, then the latest DTSTAMP (RFC 5545's order of revisions).
 * Copies that neither settles and that say different things are a conflict: the host is told and the
 * stay keeps its last good version. Events without a UID are each their own.
 */
function latestCopies(copies: Copy[], reading: FeedReading, calendar: Component, uidsUnique: boolean): Copy[] {
  if (uidsUnique) return onlyCopies(copies, reading);
  // The first copy of each UID, in feed order; the rare UIDs listed more than once have all their copies in `more`.
  const byUid = new Map<string, Copy>();
  const more = new Map<string, Copy[]>();
  const result: Copy[] = [];
  for (const copy of copies) {
    if (copy.repeats) reading.skipped.push({ uid: copy.uid, summary: summaryOf(copy), reason: 'repeats (RRULE): read once, as its first stay' });
    if (!copy.uid) {
      result.push(copy);
      continue;
    }
    const first = byUid.get(copy.uid);
    const list = first === undefined ? undefined : more.get(copy.uid);
    if (first === undefined) byUid.set(copy.uid, copy);
    else if (list) list.push(copy);
    else more.set(copy.uid, [first, copy]);
  }
  for (const [uid, first] of byUid) {
    const list = more.size === 0 ? undefined : more.get(uid);
    if (!list) {
      result.push(first);
      continue;
    }
    const newest = list.reduce((best, copy) => (newer(copy, best, calendar) > 0 ? copy : best));
    const rivals = list.filter((copy) => newer(copy, newest, calendar) === 0);
    if (new Set(rivals.map(contentOf)).size > 1) {
      reading.skipped.push({ uid, summary: summaryOf(newest), reason: `${list.length} copies with this UID disagree and neither SEQUENCE nor DTSTAMP says which is newer` });
      reading.keep.push(uid);
      continue;
    }
    reading.skipped.push({ uid, summary: summaryOf(newest), reason: `listed ${list.length} times: the copy with the highest SEQUENCE, then the latest DTSTAMP, is used` });
    result.push(newest);
  }
  return result;
}

/** latestCopies when no UID is listed twice: the same order (events without a UID first), without a search. */
function onlyCopies(copies: Copy[], reading: FeedReading): Copy[] {
  const withoutUid: Copy[] = [];
  const withUid: Copy[] = [];
  for (const copy of copies) {
    if (copy.repeats) reading.skipped.push({ uid: copy.uid, summary: summaryOf(copy), reason: 'repeats (RRULE): read once, as its first stay' });
    (copy.uid ? withUid : withoutUid).push(copy);
  }
  return withoutUid.concat(withUid);
}

function newer(a: Copy, b: Copy, calendar: Component): number {
  const [first, second] = [revisionOf(a, calendar), revisionOf(b, calendar)];
  return first.sequence - second.sequence || (first.stamp < second.stamp ? -1 : first.stamp > second.stamp ? 1 : 0);
}

function summaryOf(copy: Copy): string {
  return 'event' in copy ? copy.event.summary : copy.summary;
}

function contentOf(copy: Copy): string {
  return JSON.stringify('event' in copy ? copy.event : { problem: copy.problem });
}

/**
 * ical.js reads some parts only when asked (a TZID's VTIMEZONE, a malformed date) and then throws;
 * such an event is unreadable, not a reason to drop the whole feed.
 */
function readCopy(vevent: Component, zones: Zones, endedBefore: string | undefined): Copy | undefined {
  const uid = safely(() => stringProperty(vevent, 'uid'));
  const summary = safely(() => stringProperty(vevent, 'summary')) ?? '';
  const meta = { uid, repeats: safely(() => vevent.hasProperty('rrule')) ?? false, vevent };
  try {
    const read = readEvent(vevent, zones, endedBefore);
    if (read === undefined) return undefined;
    if (typeof read === 'string') return { ...meta, problem: read, summary };
    return { ...meta, event: read };
  } catch (err) {
    return { ...meta, problem: `cannot be read (${err instanceof Error ? err.message : String(err)})`, summary };
  }
}

/**
 * The plain event read from its jCal arrays (see jcal-event.ts), or PLAIN_ONLY when it needs
 * ical.js's objects. `uid` is what stringProperty reads, for the Booking.com test.
 */
function readPlainCopy(
  vevent: JCalComponent,
  zones: Zones,
  endedBefore: string | undefined,
): { copy: Copy | undefined; uid: string | undefined | typeof PLAIN_ONLY } | typeof PLAIN_ONLY {
  const properties = eventProperties(vevent);
  const uid = textOf(properties.uid);
  // A RECURRENCE-ID event overrides one occurrence of a repeating event; stays do not repeat.
  if (properties.recurrenceId) return { copy: undefined, uid };
  const status = textOf(properties.status);
  const summary = textOf(properties.summary);
  const description = textOf(properties.description);
  if (uid === PLAIN_ONLY || status === PLAIN_ONLY || summary === PLAIN_ONLY || description === PLAIN_ONLY) return PLAIN_ONLY;
  if (status?.toUpperCase() === 'CANCELLED') return { copy: undefined, uid };
  if (!properties.dtstart || !properties.dtend || properties.duration) return PLAIN_ONLY;
  const arrival = plainPoint(properties.dtstart, zones);
  const departure = plainPoint(properties.dtend, zones);
  if (arrival === PLAIN_ONLY || departure === PLAIN_ONLY) return PLAIN_ONLY;
  if (departure.day < arrival.day || (departure.instant && arrival.instant && departure.instant < arrival.instant)) return PLAIN_ONLY;
  if (endedBefore && departure.day < endedBefore && departure.day > addDays(arrival.day, 1)) return { copy: undefined, uid };
  const event: CalendarEvent = { summary: summary ?? '', description: description ?? '', start: arrival, end: departure };
  if (uid) event.uid = uid;
  return { copy: { uid, repeats: properties.rrule !== undefined, vevent, event }, uid };
}

/** SEQUENCE and DTSTAMP, read once and only when asked (ical.js reads DTSTAMP's zone). */
function revisionOf(copy: Copy, calendar: Component): Revision {
  if (copy.revision) return copy.revision;
  const component = copy.vevent instanceof ICAL.Component ? copy.vevent : new ICAL.Component(copy.vevent ?? eventOf(copy.text), calendar);
  copy.revision = { sequence: safely(() => sequenceOf(component)) ?? 0, stamp: safely(() => stampOf(component)) ?? '' };
  return copy.revision;
}

/** The jCal of one VEVENT's lines; an empty event when there are none (revisionOf then reads 0 and ''). */
function eventOf(text: string | undefined): JCalComponent {
  const parsed = safely(() => ICAL.parse(text ?? '')) as unknown;
  return Array.isArray(parsed) && parsed[0] === 'vevent' ? (parsed as JCalComponent) : ['vevent', [], []];
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function sequenceOf(vevent: Component): number {
  const value = vevent.getFirstPropertyValue('sequence');
  const sequence = typeof value === 'number' ? value : Number(value);
  return Number.isSafeInteger(sequence) && sequence >= 0 ? sequence : 0;
}

/** DTSTAMP as UTC text, so two stamps compare as strings. */
function stampOf(vevent: Component): string {
  const value = vevent.getFirstPropertyValue('dtstamp');
  return value instanceof ICAL.Time ? new Date(value.toUnixTime() * 1000).toISOString() : '';
}

function readCalendar(text: string): { calendar: Component; jCal: JCalComponent } {
  let parsed: unknown;
  try {
    parsed = ICAL.parse(text);
  } catch (err) {
    throw new Error(`feed is not valid iCal: ${err instanceof Error ? err.message : String(err)}`);
  }
  // Several top-level components come back as a list; a booking feed has exactly one calendar.
  const first = Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed;
  const calendar = new ICAL.Component(first as unknown[]);
  if (calendar.name !== 'vcalendar') throw new Error('feed is not an iCal calendar (no VCALENDAR)');
  return { calendar, jCal: first as JCalComponent };
}

/**
 * The failures a channel really serves: an empty 200, a login or error page, a cut-off download. The
 * patterns cannot match the same characters two ways, so a feed of megabytes of blanks is checked in
 * linear time.
 */
function checkBody(text: string): void {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new Error('feed is empty (no calendar at all)');
  if (body.startsWith('<')) {
    throw new Error('feed returned a web page instead of an iCal calendar (check the feed address)');
  }
  if (!/^BEGIN:VCALENDAR[^\S\r\n]*$/im.test(body)) throw new Error('feed is not an iCal calendar (no BEGIN:VCALENDAR)');
  if (!/^END:VCALENDAR$/i.test(body.slice(body.lastIndexOf('\n') + 1).trim())) {
    throw new Error('feed is cut off (no END:VCALENDAR at the end); keeping the last good bookings');
  }
}

/**
 * A VEVENT whose END is missing swallows the events after it (ical.js reads them as its children), so
 * their stays would look cancelled: a feed whose BEGIN:VEVENT and END:VEVENT lines do not pair up with
 * the events read is garbled, a failed fetch.
 */
function checkEventsPairUp(text: string, read: number): void {
  let begins = 0;
  let ends = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    if (mayBeEventEdge(text, start, end)) {
      const trimmed = text.slice(start, end).trim().toUpperCase();
      if (trimmed === 'BEGIN:VEVENT') begins += 1;
      else if (trimmed === 'END:VEVENT') ends += 1;
    }
    start = end + 1;
  }
  if (begins !== ends || begins !== read) {
    throw new Error(`feed is garbled: ${begins} BEGIN:VEVENT, ${ends} END:VEVENT and ${read} events that pair up; keeping the last good bookings`);
  }
}

/**
 * Whether a line can be BEGIN:VEVENT or END:VEVENT once trimmed and upper-cased: after blanks and
 * tabs it starts with B or E, or with a character trim() or toUpperCase() may treat otherwise (any
 * non-ASCII one, a vertical tab, a form feed, a CR). Splitting the feed into a string per line and
 * upper-casing every one cost as much as a tenth of ical.js's whole parse.
 */
function mayBeEventEdge(text: string, start: number, end: number): boolean {
  let at = start;
  while (at < end && (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x09)) at += 1;
  if (at === end) return false;
  const code = text.charCodeAt(at) | 0x20;
  return code === 0x62 || code === 0x65 || text.charCodeAt(at) >= 0x80 || (text.charCodeAt(at) >= 0x0b && text.charCodeAt(at) <= 0x0d);
}

/** X-WR-TIMEZONE names the calendar's zone; UTC times are turned into the property's days with it. */
function calendarZone(calendar: Component): string | undefined {
  const zone = safely(() => calendar.getFirstPropertyValue('x-wr-timezone'));
  return typeof zone === 'string' && isTimeZone(zone.trim()) ? zone.trim() : undefined;
}

/** The host's word for the listing first, then the calendar's own, then the server's. */
function floatingZone(calendar: Component, options: FeedOptions): string {
  if (options.timeZone && isTimeZone(options.timeZone)) return options.timeZone;
  return calendarZone(calendar) ?? serverTimeZone();
}

/** `uids`: every VEVENT's UID, as stringProperty reads it. */
function closedAreStays(calendar: Component, uids: (string | undefined)[], options: FeedOptions): boolean {
  if (options.closed === 'blocks') return false;
  if (options.closed === 'stays' || isBookingCom(options.channel ?? options.source)) return true;
  const prodid = safely(() => calendar.getFirstPropertyValue('prodid'));
  if (typeof prodid === 'string' && /booking\.com/i.test(prodid)) return true;
  return uids.some(isBookingComUid);
}

const BOOKING_COM_UID = '@booking.com';

/**
 * A UID ending in @booking.com in any ASCII case, as /@booking\.com$/i reads it (which folds no other
 * letter onto these), looking at the last 12 characters only: this runs for every UID of every poll.
 */
function isBookingComUid(uid: string | undefined): boolean {
  if (uid === undefined || uid.length < BOOKING_COM_UID.length) return false;
  const from = uid.length - BOOKING_COM_UID.length;
  for (let at = 0; at < BOOKING_COM_UID.length; at++) {
    const want = BOOKING_COM_UID.charCodeAt(at);
    const got = uid.charCodeAt(from + at);
    if (got !== want && !(want >= 0x61 && want <= 0x7a && got === want - 0x20)) return false;
  }
  return true;
}

/** "booking.com", "Booking", "bookingcom": what hosts call the Booking.com feed. */
export function isBookingCom(name: string | undefined): boolean {
  return typeof name === 'string' && /^(?:booking(?:\.?com)?)$/i.test(name.trim());
}

/** The event as a calendar event; undefined when it is no stay at all; a text saying why it cannot be read. */
function readEvent(event: Component, zones: Zones, endedBefore: string | undefined): CalendarEvent | string | undefined {
  // A RECURRENCE-ID event overrides one occurrence of a repeating event; stays do not repeat.
  if (event.hasProperty('recurrence-id')) return undefined;
  const status = stringProperty(event, 'status');
  if (status?.toUpperCase() === 'CANCELLED') return undefined;
  const stay = readStay(event, zones);
  if (typeof stay === 'string') return stay;
  // Years of history: a stay long over is dropped before its text is read. One-day events are kept,
  // as a PMS's check-in marker of a long stay under way may be older than the cut.
  if (endedBefore && stay.departure.day < endedBefore && stay.departure.day > addDays(stay.arrival.day, 1)) return undefined;
  const calendarEvent: CalendarEvent = {
    summary: stringProperty(event, 'summary') ?? '',
    description: stringProperty(event, 'description') ?? '',
    start: stay.arrival,
    end: stay.departure,
  };
  const uid = stringProperty(event, 'uid');
  if (uid) calendarEvent.uid = uid;
  return calendarEvent;
}

function stringProperty(event: Component, name: string): string | undefined {
  const value = event.getFirstPropertyValue(name);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function readStay(event: Component, zones: Zones): { arrival: StayPoint; departure: StayPoint } | string {
  const startProblem = dateProblem(event, 'dtstart');
  if (startProblem) return startProblem;
  const endProblem = event.hasProperty('dtend') ? dateProblem(event, 'dtend') : undefined;
  if (endProblem) return endProblem;
  const start = event.getFirstPropertyValue('dtstart') as Time;
  const arrival = stayPoint(start, event.getFirstProperty('dtstart')?.getParameter('tzid'), zones);
  const departure = stayEnd(event, start, zones);
  if (!departure) return 'has a start time but no DTEND or DURATION';
  if (departure.day < arrival.day || (departure.instant && arrival.instant && departure.instant < arrival.instant)) {
    return `ends (${departure.instant ?? departure.day}) before it starts (${arrival.instant ?? arrival.day})`;
  }
  return { arrival, departure };
}

const DATE_VALUE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z?)?$/;

/**
 * ical.js turns 2026-02-31 into March 3rd without a word: a date is checked as written before it is
 * trusted. Says what is wrong with the property, or nothing when it is a real date.
 */
function dateProblem(event: Component, name: 'dtstart' | 'dtend'): string | undefined {
  const label = name.toUpperCase();
  const property = event.getFirstProperty(name);
  if (!property) return `has no ${label}`;
  const raw = (property as unknown as { jCal?: unknown[] }).jCal?.[3];
  const match = typeof raw === 'string' ? DATE_VALUE.exec(raw) : null;
  const day = match ? `${match[1]}-${match[2]}-${match[3]}` : '';
  const timeOk = !match || match[4] === undefined || (Number(match[4]) <= 23 && Number(match[5]) <= 59 && Number(match[6]) <= 60);
  if (!match || !isCalendarDate(day) || !timeOk) return `has an impossible ${label} (${String(raw).slice(0, 40)})`;
  if (!(event.getFirstPropertyValue(name) instanceof ICAL.Time)) return `has an unreadable ${label}`;
  return undefined;
}

function stayEnd(event: Component, start: Time, zones: Zones): StayPoint | undefined {
  const end = event.getFirstPropertyValue('dtend');
  if (end instanceof ICAL.Time) return stayPoint(end, event.getFirstProperty('dtend')?.getParameter('tzid'), zones);
  const duration = event.getFirstPropertyValue('duration');
  if (duration instanceof ICAL.Duration) {
    const shifted = start.clone();
    shifted.addDuration(duration);
    return stayPoint(shifted, event.getFirstProperty('dtstart')?.getParameter('tzid'), zones);
  }
  // RFC 5545: an all-day event without an end lasts one day, which for a stay is one night.
  if (start.isDate) return { day: addDays(dayOf(start), 1) };
  return undefined;
}

/**
 * The day at the property and, for timed events, the exact instant. A TZID defined by the feed's own
 * VTIMEZONE is converted by ical.js; an IANA TZID without one by the runtime's zone database; a
 * floating time (no zone at all, or a TZID nobody knows) in the listing's zone, so a timed stay
 * always has instants.
 */
function stayPoint(time: Time, tzid: unknown, zones: Zones): StayPoint {
  if (time.isDate) return { day: dayOf(time) };
  const zone = time.zone;
  if (zone && zone.tzid === 'UTC') {
    const instant = new Date(time.toUnixTime() * 1000);
    const day = zones.named ? instantToZoned(instant, zones.named).date : instant.toISOString().slice(0, 10);
    return { day, instant: instant.toISOString() };
  }
  if (zone && zone.tzid !== 'floating' && zone.component) {
    return { day: dayOf(time), instant: new Date(time.toUnixTime() * 1000).toISOString() };
  }
  const where = typeof tzid === 'string' && isTimeZone(tzid) ? tzid : zones.floating;
  const instant = zonedToInstant({ date: dayOf(time), time: `${pad(time.hour)}:${pad(time.minute)}` }, where);
  return { day: dayOf(time), instant: new Date(instant.getTime() + time.second * 1000).toISOString() };
}

function dayOf(time: Time): string {
  return `${String(time.year).padStart(4, '0')}-${pad(time.month)}-${pad(time.day)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
