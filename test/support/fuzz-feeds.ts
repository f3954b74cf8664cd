/**
 * Generated iCal feeds for the fuzz tests: well-formed calendars the way Airbnb, Vrbo, Booking.com
 * and PMSs write them (all-day and timed events, IANA and Outlook-style zones, folded lines,
 * escaped text), and the broken bodies a channel really serves (cut-off downloads, login pages,
 * random bytes, nothing at all).
 */
import fc from 'fast-check';
import { clockAt, expectedInstant } from './fuzz-clock';

/** Summaries each channel writes for a guest's stay (in the host's language). */
export const STAY_SUMMARIES = [
  'Reserved',
  'Reserved - Claire Martin',
  'Réservée - Claire Martin',
  'Reserviert - Jonas Weber',
  'Reservado - María José',
  'CLOSED - Anna Berg',
  'Jonas Weber',
  'John Smith (Airbnb)',
  'Tripadvisor Rentals: John Smith',
  'Booking',
  'Reservation Emma Stone',
];

/** Dates the channel or host closed: never a booking. */
export const BLOCK_SUMMARIES = [
  'Airbnb (Not available)',
  'Not available',
  'CLOSED - Not available',
  'Blocked',
  'Nicht verfügbar',
  'Indisponible',
  'Owner block',
];

/** A PMS's check-in and check-out markers beside a stay. */
export const MARKER_SUMMARIES = ['Check-in: Anna Berg', 'Check-out: Anna Berg', 'Arrival', 'Departure', 'Check-in', 'Check-out - Jonas Weber'];

/** An Outlook-style zone the feed itself defines: only its VTIMEZONE says what it means. */
export const OUTLOOK_ZONE = 'W. Europe Standard Time';
const OUTLOOK_VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  `TZID:${OUTLOOK_ZONE}`,
  'BEGIN:STANDARD',
  'DTSTART:16010101T030000',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:16010101T020000',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

const ZONES = Intl.supportedValuesOf('timeZone');

/** A day as iCal writes it (20260710) and as StayKey writes it (2026-07-10). */
export interface Day {
  ical: string;
  iso: string;
}

export type Point =
  | { kind: 'date'; day: Day }
  | { kind: 'utc'; day: Day; time: string }
  | { kind: 'zoned'; day: Day; time: string; tzid: string }
  | { kind: 'floating'; day: Day; time: string };

export interface FeedEvent {
  uid?: string;
  summary?: string;
  description?: string;
  start: Point;
  /** DTEND, a DURATION, or nothing. */
  end: { kind: 'point'; point: Point } | { kind: 'duration'; value: string } | { kind: 'none' };
  status?: string;
  recurrence?: boolean;
}

export interface Feed {
  calendarZone?: string;
  outlookZone: boolean;
  events: FeedEvent[];
  /** How the lines end, and how long lines are folded. */
  newline: '\r\n' | '\n';
  foldWith: ' ' | '\t';
  foldSeed: number;
}

const MS_DAY = 86_400_000;
// 1970 to 2099: feeds carry years of history and bookings a year or two ahead; the zone database
// changed rules many times in between (US 2007, Russia 2011 and 2014, Samoa 2011, ...).
const FIRST_DAY = Date.UTC(1970, 0, 1) / MS_DAY;
const LAST_DAY = Date.UTC(2099, 11, 31) / MS_DAY;

export function dayFrom(dayNumber: number): Day {
  const iso = new Date(dayNumber * MS_DAY).toISOString().slice(0, 10);
  return { iso, ical: iso.replace(/-/g, '') };
}

const dayNumber = fc.integer({ min: FIRST_DAY, max: LAST_DAY });
const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(0, 0, 0, 30, 59)).map(([h, m, s]) =>
  [h, m, s].map((n) => String(n).padStart(2, '0')).join(''),
);

function point(day: Day, kind: Point['kind'], clock: string, tzid: string): Point {
  if (kind === 'date') return { kind, day };
  if (kind === 'zoned') return { kind, day, time: clock, tzid };
  return { kind, day, time: clock };
}

/** Text the way people write it in summaries and descriptions: accents, commas, semicolons, new lines. */
const freeText = fc.string({ unit: fc.constantFrom(...'abcdeéüñ ABC,;:\\\n-–()@./0123456789'.split('')), maxLength: 40 });
const summary = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...STAY_SUMMARIES) },
  { weight: 2, arbitrary: fc.constantFrom(...BLOCK_SUMMARIES) },
  { weight: 2, arbitrary: fc.constantFrom(...MARKER_SUMMARIES) },
  { weight: 1, arbitrary: freeText },
);

/** Airbnb's description (reservation link and phone digits), a PMS's, or free text long enough to fold. */
const description = fc.oneof(
  fc.tuple(fc.stringMatching(/^HM[A-Z0-9]{8}$/), fc.stringMatching(/^\d{4}$/)).map(
    ([code, phone]) => `Reservation URL: https://www.airbnb.com/hosting/reservations/details/${code}\nPhone Number (Last 4 Digits): ${phone}`,
  ),
  fc.tuple(fc.constantFrom('Jonas Weber', 'Ana Lima', 'Zoë Ørsted'), fc.integer({ min: 1, max: 12 })).map(
    ([name, guests]) => `Guest: ${name}\nEmail: guest@example.com\nGuests: ${guests}\nConfirmation number: BK-${guests}21\nPhone: +49 170 1234 567`,
  ),
  freeText,
);

const event: fc.Arbitrary<FeedEvent> = fc
  .record({
    uid: fc.option(fc.stringMatching(/^[a-z0-9]{4,24}@(airbnb\.com|vrbo\.com|booking\.com|pms\.example)$/), { freq: 8 }),
    summary: fc.option(summary, { freq: 12 }),
    description: fc.option(description, { freq: 2 }),
    startDay: dayNumber,
    nights: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 21 }) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 0 }) }),
    startKind: fc.constantFrom<Point['kind']>('date', 'date', 'date', 'utc', 'zoned', 'floating'),
    endShape: fc.constantFrom('same', 'same', 'same', 'duration', 'none', 'other-kind'),
    endKind: fc.constantFrom<Point['kind']>('date', 'utc', 'zoned', 'floating'),
    startTime: time,
    endTime: time,
    // ical.js expands an Outlook zone's rules from 1601 on every read (about 7 ms a feed): rarer, so
    // that 10,000 feeds stay quick.
    tzid: fc.oneof({ weight: 40, arbitrary: fc.constantFrom(...ZONES) }, { weight: 1, arbitrary: fc.constant(OUTLOOK_ZONE) }),
    status: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('CONFIRMED', 'TENTATIVE', 'CANCELLED') }),
    // About one event in thirty overrides an occurrence of a repeating event (RECURRENCE-ID).
    recurrenceRoll: fc.integer({ min: 0, max: 29 }),
  })
  .map((r) => {
    const startDay = dayFrom(r.startDay);
    const endDay = dayFrom(Math.min(LAST_DAY + 30, r.startDay + r.nights));
    const start = point(startDay, r.startKind, r.startTime, r.tzid);
    let end: FeedEvent['end'];
    if (r.endShape === 'duration') end = { kind: 'duration', value: r.startKind === 'date' ? `P${Math.max(r.nights, 0)}D` : `P${Math.max(r.nights, 0)}DT2H` };
    else if (r.endShape === 'none') end = { kind: 'none' };
    else end = { kind: 'point', point: point(endDay, r.endShape === 'same' ? r.startKind : r.endKind, r.endTime, r.tzid) };
    const generated: FeedEvent = { start, end };
    if (r.uid !== null) generated.uid = r.uid;
    if (r.summary !== null) generated.summary = r.summary;
    if (r.description !== null) generated.description = r.description;
    if (r.status !== null) generated.status = r.status;
    if (r.recurrenceRoll === 0) generated.recurrence = true;
    return generated;
  });

export const feedArbitrary: fc.Arbitrary<Feed> = fc.record({
  calendarZone: fc.option(fc.oneof(fc.constantFrom(...ZONES), fc.constant('Mars/Olympus_Mons')), { freq: 3 }).map((zone) => zone ?? undefined),
  outlookZone: fc.boolean(),
  events: fc.array(event, { maxLength: 12 }),
  newline: fc.constantFrom<Feed['newline']>('\r\n', '\r\n', '\n'),
  foldWith: fc.constantFrom<Feed['foldWith']>(' ', ' ', '\t'),
  foldSeed: fc.nat(),
});

/** iCal TEXT: backslash, semicolon, comma and new line escaped (RFC 5545, 3.3.11). */
function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

function property(name: string, at: Point): string {
  const stamp = at.kind === 'date' ? at.day.ical : `${at.day.ical}T${at.time}`;
  if (at.kind === 'date') return `${name};VALUE=DATE:${stamp}`;
  if (at.kind === 'utc') return `${name}:${stamp}Z`;
  if (at.kind === 'zoned') return `${name};TZID=${at.tzid.includes(' ') ? `"${at.tzid}"` : at.tzid}:${stamp}`;
  return `${name}:${stamp}`;
}

function eventLines(e: FeedEvent): string[] {
  const lines = ['BEGIN:VEVENT', 'DTSTAMP:20260601T090000Z'];
  if (e.uid !== undefined) lines.push(`UID:${e.uid}`);
  lines.push(property('DTSTART', e.start));
  if (e.end.kind === 'point') lines.push(property('DTEND', e.end.point));
  if (e.end.kind === 'duration') lines.push(`DURATION:${e.end.value}`);
  if (e.summary !== undefined) lines.push(`SUMMARY:${escapeText(e.summary)}`);
  if (e.description !== undefined) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  if (e.status !== undefined) lines.push(`STATUS:${e.status}`);
  if (e.recurrence) lines.push(property('RECURRENCE-ID', e.start));
  lines.push('END:VEVENT');
  return lines;
}

/**
 * RFC 5545 folds lines longer than 75 octets: a line break and one space or tab, anywhere in the
 * line. Each long line is cut at its own (seeded) widths, never inside a character.
 */
function fold(line: string, foldWith: string, newline: string, seed: number): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return line;
  const parts: string[] = [];
  let rest = [...line];
  let state = seed;
  while (rest.length > 0) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const width = 20 + (state % 55);
    let take = 0;
    let octets = 0;
    while (take < rest.length && octets + Buffer.byteLength(rest[take], 'utf8') <= width) octets += Buffer.byteLength(rest[take++], 'utf8');
    parts.push(rest.slice(0, Math.max(take, 1)).join(''));
    rest = rest.slice(Math.max(take, 1));
  }
  return parts.join(`${newline}${foldWith}`);
}

export function feedText(feed: Feed): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey fuzz//Feeds 1.0//EN', 'CALSCALE:GREGORIAN'];
  if (feed.calendarZone) lines.push(`X-WR-TIMEZONE:${feed.calendarZone}`);
  if (feed.outlookZone || feed.events.some((e) => usesOutlookZone(e))) lines.push(...OUTLOOK_VTIMEZONE);
  for (const e of feed.events) lines.push(...eventLines(e));
  lines.push('END:VCALENDAR');
  return lines.map((line, index) => fold(line, feed.foldWith, feed.newline, feed.foldSeed + index)).join(feed.newline) + feed.newline;
}

function usesOutlookZone(e: FeedEvent): boolean {
  const zoned = (p: Point) => p.kind === 'zoned' && p.tzid === OUTLOOK_ZONE;
  return zoned(e.start) || (e.end.kind === 'point' && zoned(e.end.point));
}

export interface CertainStay {
  arrival: string;
  departure: string;
  /** The exact check-in and checkout, for timed events in UTC or an IANA zone. */
  arrivalAt?: string;
  departureAt?: string;
}

/**
 * The stays a correct reader must find: events with a unique UID, a guest summary, at least two
 * nights (a one-night "Check-in" could be a marker), not cancelled, not an override, and both ends
 * all-day, or both timed in UTC, one IANA zone or floating. Their days and instants are worked out
 * here with Intl alone (test/support/fuzz-clock.ts).
 */
export function certainStays(feed: Feed): Map<string, CertainStay> {
  const count = new Map<string, number>();
  for (const e of feed.events) if (e.uid) count.set(e.uid, (count.get(e.uid) ?? 0) + 1);
  const zone = feed.calendarZone && ZONES.includes(feed.calendarZone) ? feed.calendarZone : undefined;
  const stays = new Map<string, CertainStay>();
  for (const e of feed.events) {
    if (!e.uid || count.get(e.uid) !== 1 || e.recurrence || e.status === 'CANCELLED') continue;
    if (e.summary === undefined || !STAY_SUMMARIES.includes(e.summary)) continue;
    if (e.end.kind !== 'point' || e.end.point.kind !== e.start.kind) continue;
    if (e.start.kind === 'zoned' && e.start.tzid === OUTLOOK_ZONE) continue;
    const start = expectedPoint(e.start, zone);
    const end = expectedPoint(e.end.point, zone);
    const nights = (Date.parse(`${end.day}T00:00:00Z`) - Date.parse(`${start.day}T00:00:00Z`)) / MS_DAY;
    if (nights < 2) continue;
    const stay: CertainStay = { arrival: start.day, departure: end.day };
    if (start.instant) stay.arrivalAt = start.instant;
    if (end.instant) stay.departureAt = end.instant;
    stays.set(e.uid, stay);
  }
  return stays;
}

function expectedPoint(at: Point, calendarZone: string | undefined): { day: string; instant?: string } {
  if (at.kind === 'date' || at.kind === 'floating') return { day: at.day.iso };
  const [hour, minute, second] = [0, 2, 4].map((i) => Number(at.time.slice(i, i + 2)));
  const wall = Date.parse(`${at.day.iso}T00:00:00Z`) + (hour * 60 + minute) * 60_000;
  if (at.kind === 'utc') {
    const instant = wall + second * 1000;
    // A calendar's X-WR-TIMEZONE says whose day a UTC time falls on.
    const day = calendarZone ? new Date(clockAt(instant, calendarZone).wall).toISOString().slice(0, 10) : at.day.iso;
    return { day, instant: new Date(instant).toISOString() };
  }
  return { day: at.day.iso, instant: new Date(expectedInstant(wall, at.tzid).instant + second * 1000).toISOString() };
}

/** What a channel serves when it is down, moved, or cut off mid-download. */
const HTML_PAGES = [
  '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please log in</body></html>',
  '<html><body><h1>503 Service Unavailable</h1></body></html>',
  '<?xml version="1.0"?><error>Not found</error>',
  '\uFEFF<!doctype html><p>Calendar moved</p>',
];

/** Broken bodies: each may still happen to be a calendar (a cut after END:VCALENDAR), most are not. */
export const brokenFeedArbitrary: fc.Arbitrary<string> = fc.oneof(
  // A download cut off anywhere, with or without a new line after the cut.
  fc.tuple(feedArbitrary, fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()).map(([feed, at, newline]) => {
    const text = feedText(feed);
    return text.slice(0, Math.floor(text.length * at)) + (newline ? '\r\n' : '');
  }),
  // One line lost, doubled or replaced with noise.
  fc.tuple(feedArbitrary, fc.nat(), fc.constantFrom('drop', 'double', 'noise'), fc.string({ maxLength: 30 })).map(([feed, index, how, noise]) => {
    const lines = feedText(feed).split('\r\n');
    const at = index % lines.length;
    if (how === 'drop') lines.splice(at, 1);
    else if (how === 'double') lines.splice(at, 0, lines[at]);
    else lines[at] = noise;
    return lines.join('\r\n');
  }),
  // A good header with events that lie about their own structure.
  fc.array(
    fc.constantFrom('BEGIN:VEVENT', 'END:VEVENT', 'DTSTART:2026', 'DTSTART;VALUE=DATE:20261340', 'DTEND;TZID=Nowhere/City:20260710T250000', 'DURATION:PXYZ', 'SUMMARY', ':', ';;;', 'BEGIN:VTIMEZONE', 'END:VALARM', 'RRULE:FREQ=DAILY'),
    { maxLength: 12 },
  ).map((lines) => ['BEGIN:VCALENDAR', 'VERSION:2.0', ...lines, 'END:VCALENDAR'].join('\r\n')),
  fc.constantFrom(...HTML_PAGES),
  fc.constantFrom('', ' ', '\r\n', '\uFEFF', 'null', '{}', 'BEGIN:VCALENDAR', 'END:VCALENDAR', 'BEGIN:VCALENDAR\r\nEND:VCALENDAR', 'BEGIN:VCARD\r\nEND:VCARD'),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  fc.string({ unit: 'binary', maxLength: 200 }),
  // Random bytes wrapped in a calendar's first and last lines, so they reach ical.js.
  fc.string({ unit: 'binary', maxLength: 200 }).map((noise) => `BEGIN:VCALENDAR\r\n${noise}\r\nEND:VCALENDAR\r\n`),
);
