/**
 * Reads the iCal (RFC 5545) calendar a booking channel exports (Airbnb, Vrbo, Booking.com, a PMS) into
 * bookings. ical.js reads the calendar into events; lib/bookings/stays.ts decides which events are
 * stays, blocks or a PMS's check-in/check-out markers. A body that is not a whole calendar is an
 * error: the caller must never mistake a broken fetch for an empty calendar, or every booking would
 * look cancelled.
 */
import ICAL from 'ical.js';
import { Booking } from './booking';
import { CalendarEvent, StayOptions, StayPoint, staysFromEvents } from './stays';
import { addDays, instantToZoned, isTimeZone, zonedToInstant } from '../time/zoned';

export type FeedOptions = StayOptions;

type Component = InstanceType<typeof ICAL.Component>;
type Time = InstanceType<typeof ICAL.Time>;

export function parseFeed(text: string, options: FeedOptions): Booking[] {
  if (options.unit.trim() === '') throw new Error('set the unit this feed\'s bookings are for');
  const calendar = readCalendar(text);
  const zone = calendarZone(calendar);
  const events: CalendarEvent[] = [];
  for (const vevent of calendar.getAllSubcomponents('vevent')) {
    const event = readEventOrFail(vevent, zone, options.endedBefore);
    if (event) events.push(event);
  }
  return staysFromEvents(events, options);
}

/**
 * ical.js reads some parts only when asked (a TZID's VTIMEZONE, say) and then fails with its own
 * TypeError. Such an event makes the whole feed bad: skipping it would cancel its booking.
 */
function readEventOrFail(vevent: Component, zone: string | undefined, endedBefore: string | undefined): CalendarEvent | undefined {
  try {
    return readEvent(vevent, zone, endedBefore);
  } catch (err) {
    const uid = vevent.getFirstPropertyValue('uid');
    const which = typeof uid === 'string' && uid.trim() !== '' ? `event ${uid.trim()}` : 'an event';
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`feed is not valid iCal: ${which} cannot be read (${why}); keeping the last good bookings`);
  }
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

/** X-WR-TIMEZONE names the calendar's zone; UTC times are turned into the property's days with it. */
function calendarZone(calendar: Component): string | undefined {
  const zone = calendar.getFirstPropertyValue('x-wr-timezone');
  return typeof zone === 'string' && isTimeZone(zone.trim()) ? zone.trim() : undefined;
}

function readEvent(event: Component, calendarZone: string | undefined, endedBefore: string | undefined): CalendarEvent | undefined {
  // A RECURRENCE-ID event overrides one occurrence of a repeating event; stays do not repeat.
  if (event.hasProperty('recurrence-id')) return undefined;
  const status = stringProperty(event, 'status');
  if (status?.toUpperCase() === 'CANCELLED') return undefined;
  const stay = readStay(event, calendarZone);
  if (!stay) return undefined;
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
