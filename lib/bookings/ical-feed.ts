/**
 * Reads the iCal (RFC 5545) calendar a booking channel exports (Airbnb, Vrbo, Booking.com, a PMS) into
 * bookings. Blocks ("Not available", "Blocked") are dates a host or channel closed, not guests, and are
 * left out. A body that is not a whole calendar is an error: the caller must never mistake a broken
 * fetch for an empty calendar, or every booking would look cancelled.
 */
import ICAL from 'ical.js';
import { Booking } from './booking';
import { addDays, instantToZoned, isTimeZone, zonedToInstant } from '../time/zoned';

export interface FeedOptions {
  /** The unit every booking of this feed is for ("Room 101"). */
  unit: string;
  /** The feed's name, kept on each booking ("airbnb"). */
  source: string;
  /** Keep only events whose summary starts with one of these (case-insensitive). */
  include?: string[];
  /** Leave out events whose summary starts with one of these (case-insensitive). */
  exclude?: string[];
}

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

/** Where a stay starts or ends: the day at the property, and the instant when the feed gives a time. */
interface StayPoint {
  day: string;
  instant?: string;
}

export function parseFeed(text: string, options: FeedOptions): Booking[] {
  if (options.unit.trim() === '') throw new Error('set the unit this feed\'s bookings are for');
  const calendar = readCalendar(text);
  const zone = calendarZone(calendar);
  const bookings = new Map<string, Booking>();
  for (const event of calendar.getAllSubcomponents('vevent')) {
    const booking = readEvent(event, options, zone);
    // A later copy of the same UID replaces an earlier one: feeds append the newer version.
    if (booking) bookings.set(booking.id, booking);
  }
  return [...bookings.values()];
}

function readCalendar(text: string): Component {
  checkBody(text);
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
  return calendar;
}

/** The failures a channel really serves: an empty 200, a login or error page, a cut-off download. */
function checkBody(text: string): void {
  const body = text.replace(/^\uFEFF/, '').trim();
  if (body === '') throw new Error('feed is empty (no calendar at all)');
  if (body.startsWith('<')) {
    throw new Error('feed returned a web page instead of an iCal calendar (check the feed address)');
  }
  if (!/^BEGIN:VCALENDAR\s*$/im.test(body)) throw new Error('feed is not an iCal calendar (no BEGIN:VCALENDAR)');
  if (!/^END:VCALENDAR$/i.test(body.split(/\r?\n/).pop()?.trim() ?? '')) {
    throw new Error('feed is cut off (no END:VCALENDAR at the end); keeping the last good bookings');
  }
}

/** X-WR-TIMEZONE names the calendar's zone; UTC times are turned into the property's days with it. */
function calendarZone(calendar: Component): string | undefined {
  const zone = calendar.getFirstPropertyValue('x-wr-timezone');
  return typeof zone === 'string' && isTimeZone(zone.trim()) ? zone.trim() : undefined;
}

function readEvent(event: Component, options: FeedOptions, calendarZone: string | undefined): Booking | undefined {
  // A RECURRENCE-ID event overrides one occurrence of a repeating event; stays do not repeat.
  if (event.hasProperty('recurrence-id')) return undefined;
  const status = stringProperty(event, 'status');
  if (status?.toUpperCase() === 'CANCELLED') return undefined;
  const summary = stringProperty(event, 'summary') ?? '';
  if (isBlock(summary) || !wanted(summary, options)) return undefined;

  const stay = readStay(event, calendarZone);
  if (!stay || stay.departure.day <= stay.arrival.day) return undefined;

  const id = stringProperty(event, 'uid') ?? `${stay.arrival.day}/${stay.departure.day}/${summary}`;
  const booking: Booking = {
    id,
    unit: options.unit,
    source: options.source,
    arrival: stay.arrival.day,
    departure: stay.departure.day,
  };
  if (stay.arrival.instant) booking.arrivalAt = stay.arrival.instant;
  if (stay.departure.instant) booking.departureAt = stay.departure.instant;
  if (summary !== '') booking.summary = summary;
  Object.assign(booking, guestDetails(summary, stringProperty(event, 'description') ?? ''));
  return booking;
}

function stringProperty(event: Component, name: string): string | undefined {
  const value = event.getFirstPropertyValue(name);
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/**
 * Airbnb "Airbnb (Not available)", Vrbo "Blocked", Booking.com "CLOSED - Not available": dates the
 * channel or host closed. "CLOSED - Anna Berg" on Booking.com is a guest, so a bare CLOSED prefix is not a block.
 */
function isBlock(summary: string): boolean {
  const text = summary.trim().toLowerCase();
  if (text.includes('not available') || text.includes('unavailable')) return true;
  return /^(blocked|owner block|block|closed)$/.test(text) || /^(blocked|owner block)\b/.test(text);
}

function wanted(summary: string, options: FeedOptions): boolean {
  const text = summary.trim().toLowerCase();
  const startsWith = (prefixes: string[] | undefined) =>
    (prefixes ?? []).some((prefix) => prefix.trim() !== '' && text.startsWith(prefix.trim().toLowerCase()));
  const include = (options.include ?? []).filter((prefix) => prefix.trim() !== '');
  if (include.length > 0 && !startsWith(include)) return false;
  return !startsWith(options.exclude);
}

function readStay(event: Component, calendarZone: string | undefined): { arrival: StayPoint; departure: StayPoint } | undefined {
  const start = event.getFirstPropertyValue('dtstart');
  if (!(start instanceof ICAL.Time)) return undefined;
  const tzid = event.getFirstProperty('dtstart')?.getParameter('tzid');
  const arrival = stayPoint(start, tzid, calendarZone);
  const departure = stayEnd(event, start, calendarZone);
  return arrival && departure ? { arrival, departure } : undefined;
}

function stayEnd(event: Component, start: Time, calendarZone: string | undefined): StayPoint | undefined {
  const end = event.getFirstPropertyValue('dtend');
  if (end instanceof ICAL.Time) return stayPoint(end, event.getFirstProperty('dtend')?.getParameter('tzid'), calendarZone);
  const duration = event.getFirstPropertyValue('duration');
  if (duration instanceof ICAL.Duration) {
    const shifted = start.clone();
    shifted.addDuration(duration);
    return stayPoint(shifted, event.getFirstProperty('dtstart')?.getParameter('tzid'), calendarZone);
  }
  // RFC 5545: an all-day event without an end lasts one day, which for a stay is one night.
  if (start.isDate) return { day: addDays(dayOf(start), 1) };
  return undefined;
}

/**
 * The day at the property and, for timed events, the exact instant. A TZID defined by the feed's own
 * VTIMEZONE is converted by ical.js; an IANA TZID without one by the runtime's zone database; a
 * floating time (no zone at all) only gives a day, since guessing the server's zone would be wrong.
 */
function stayPoint(time: Time, tzid: unknown, calendarZone: string | undefined): StayPoint | undefined {
  if (time.isDate) return { day: dayOf(time) };
  const zone = time.zone;
  if (zone && zone.tzid === 'UTC') {
    const instant = new Date(time.toUnixTime() * 1000);
    const day = calendarZone ? instantToZoned(instant, calendarZone).date : instant.toISOString().slice(0, 10);
    return { day, instant: instant.toISOString() };
  }
  if (zone && zone.tzid !== 'floating' && zone.component) {
    return { day: dayOf(time), instant: new Date(time.toUnixTime() * 1000).toISOString() };
  }
  if (typeof tzid === 'string' && isTimeZone(tzid)) {
    const instant = zonedToInstant({ date: dayOf(time), time: `${pad(time.hour)}:${pad(time.minute)}` }, tzid);
    return { day: dayOf(time), instant: new Date(instant.getTime() + time.second * 1000).toISOString() };
  }
  return { day: dayOf(time) };
}

function dayOf(time: Time): string {
  return `${String(time.year).padStart(4, '0')}-${pad(time.month)}-${pad(time.day)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

interface GuestDetails {
  guestName?: string;
  reservationCode?: string;
  phoneLast4?: string;
  email?: string;
  guests?: number;
}

function guestDetails(summary: string, description: string): GuestDetails {
  const details: GuestDetails = {};
  const guestName = nameFromSummary(summary) ?? line(description, /^(?:guest(?:\s+name)?|name)\s*:\s*(.+)$/im);
  if (guestName) details.guestName = guestName;
  // Airbnb: "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABCDEF12"
  const code =
    /reservations\/details\/([A-Z0-9]+)/i.exec(description)?.[1] ??
    line(description, /^(?:reservation|confirmation|booking)\s*(?:code|number|id)\s*:\s*([A-Z0-9-]+)\s*$/im);
  if (code) details.reservationCode = code;
  const phone = /phone number \(last 4 digits\)\s*:\s*(\d{4})\b/i.exec(description)?.[1];
  if (phone) details.phoneLast4 = phone;
  const email = line(description, /^e-?mail(?:\s+address)?\s*:\s*(\S+@\S+\.\S+)\s*$/im);
  if (email) details.email = email;
  const guests = line(description, /^(?:guests|number of guests|guest count)\s*:\s*(\d{1,3})\b/im);
  if (guests) details.guests = Number(guests);
  return details;
}

function line(text: string, pattern: RegExp): string | undefined {
  const value = pattern.exec(text)?.[1]?.trim();
  return value ? value : undefined;
}

/** Words channels and PMSs put in a summary that are statuses, not people. */
const STATUS_WORDS = /^(reserved|reservation|booked|booking|confirmed|tentative|airbnb|vrbo|homeaway|guest|stay|occupied|busy)$/i;
const NAME = /^\p{L}[\p{L}\p{M}'’.\- ]{0,60}$/u;

/**
 * Vrbo "Reserved - Anna B", Booking.com "CLOSED - Anna Berg", or a PMS summary that is just the name.
 * A bare summary counts as a name only when capitalised like one ("Jonas Weber", not "Late arrival").
 */
function nameFromSummary(summary: string): string | undefined {
  const prefixed = /^(?:reserved|closed|booked|reservation)\s*[-–:]\s*(.+)$/i.exec(summary.trim());
  const candidate = (prefixed?.[1] ?? summary).trim();
  if (candidate === '' || STATUS_WORDS.test(candidate) || !NAME.test(candidate)) return undefined;
  const words = candidate.split(/\s+/);
  if (words.length > 5) return undefined;
  if (!prefixed && !(isCapitalised(words[0]) && isCapitalised(words[words.length - 1]))) return undefined;
  return candidate;
}

function isCapitalised(word: string): boolean {
  return /^\p{Lu}/u.test(word);
}
