/**
 * Reads one VEVENT straight from the jCal arrays ICAL.parse returns (RFC 7265: [name, properties,
 * components], each property [name, parameters, type, value...]), for the events nearly every feed
 * is made of: all-day or UTC or floating dates, text UID and SUMMARY. Wrapping each of twenty
 * thousand events in ical.js Component, Property and Time objects took most of a feed's ingest time
 * (docs/benchmarks.md, issue 17).
 *
 * ical.js still does all the RFC 5545 parsing (folding, escapes, parameters, value types); this only
 * reads its output. Whatever is not plain here (a TZID, which needs the feed's VTIMEZONE or the zone
 * database; a DURATION; a date that is impossible or unreadable; a property of an unexpected type)
 * answers `PLAIN_ONLY`, and the caller reads that event through ical.js's objects as before, so
 * every answer stays exactly what ical.js would give.
 */
import { instantToZoned, zonedToInstant } from '../time/zoned';
import type { StayPoint } from './stays';

/** A jCal property: [name, parameters, value type, first value, ...more values]. */
export type JCalProperty = [string, Record<string, unknown>, string, ...unknown[]];
/** A jCal component: [name, properties, subcomponents]. */
export type JCalComponent = [string, JCalProperty[], JCalComponent[]];

/** This event needs ical.js's objects to be read exactly. */
export const PLAIN_ONLY = Symbol('plain only');

/** The properties a stay is read from: the first of each, as ical.js's getFirstProperty finds it. */
export interface EventProperties {
  uid?: JCalProperty;
  summary?: JCalProperty;
  description?: JCalProperty;
  status?: JCalProperty;
  dtstart?: JCalProperty;
  dtend?: JCalProperty;
  duration?: JCalProperty;
  rrule?: JCalProperty;
  recurrenceId?: JCalProperty;
}

/** One pass over the event's properties; names are compared with constants, never used as keys. */
export function eventProperties(vevent: JCalComponent): EventProperties {
  const found: EventProperties = {};
  for (const property of vevent[1]) {
    switch (property[0]) {
      case 'uid': found.uid ??= property; break;
      case 'summary': found.summary ??= property; break;
      case 'description': found.description ??= property; break;
      case 'status': found.status ??= property; break;
      case 'dtstart': found.dtstart ??= property; break;
      case 'dtend': found.dtend ??= property; break;
      case 'duration': found.duration ??= property; break;
      case 'rrule': found.rrule ??= property; break;
      case 'recurrence-id': found.recurrenceId ??= property; break;
      default: break;
    }
  }
  return found;
}

/**
 * A text property's value trimmed, undefined when absent or blank (as ical-feed's stringProperty).
 * ical.js hands a text value over as the string in the jCal; another type (UID;VALUE=DATE-TIME)
 * becomes an object there, so only ical.js can say what it reads as.
 */
export function textOf(property: JCalProperty | undefined): string | undefined | typeof PLAIN_ONLY {
  if (!property) return undefined;
  if (property[2] !== 'text') return PLAIN_ONLY;
  const value = property[3];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Where times written without a zone are read, and the calendar's own zone (see ical-feed's Zones). */
export interface PlainZones {
  named: string | undefined;
  floating: string;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z?)$/;

/**
 * A DTSTART or DTEND without TZID as a stay point, read as ical-feed's stayPoint reads ical.js's Time.
 * Anything ical.js would turn into something else (a TZID, an impossible date it would roll over,
 * a leap second, a year Date.UTC reads as 19xx) is left to ical.js.
 */
export function plainPoint(property: JCalProperty, zones: PlainZones): StayPoint | typeof PLAIN_ONLY {
  if (property[1].tzid !== undefined) return PLAIN_ONLY;
  const raw = property[3];
  if (typeof raw !== 'string') return PLAIN_ONLY;
  if (property[2] === 'date') return isPlainDate(raw) ? { day: raw } : PLAIN_ONLY;
  if (property[2] !== 'date-time') return PLAIN_ONLY;
  const match = DATE_TIME.exec(raw);
  if (!match) return PLAIN_ONLY;
  const [year, month, dayOfMonth, hour, minute, second] = match.slice(1, 7).map(Number);
  const day = raw.slice(0, 10);
  if (hour > 23 || minute > 59 || second > 59 || !isPlainDay(year, month, dayOfMonth)) return PLAIN_ONLY;
  if (match[7] === 'Z') {
    // ical.js's own arithmetic for a UTC time (Time#toUnixTime), so the instant is the same to the ms.
    const instant = new Date(Date.UTC(year, month - 1, dayOfMonth, hour, minute, second));
    return { day: zones.named ? instantToZoned(instant, zones.named).date : instant.toISOString().slice(0, 10), instant: instant.toISOString() };
  }
  const local = zonedToInstant({ date: day, time: `${match[4]}:${match[5]}` }, zones.floating);
  return { day, instant: new Date(local.getTime() + second * 1000).toISOString() };
}

/**
 * "2026-08-01" naming a real day, read digit by digit: a pattern's captures and Number() for each
 * of tens of thousands of dates were a noticeable share of the ingest.
 */
function isPlainDate(raw: string): boolean {
  if (raw.length !== 10 || raw.charCodeAt(4) !== 0x2d || raw.charCodeAt(7) !== 0x2d) return false;
  const year = digits(raw, 0, 4);
  const month = digits(raw, 5, 7);
  const day = digits(raw, 8, 10);
  return year >= 0 && month >= 0 && day >= 0 && isPlainDay(year, month, day);
}

/** The number written in raw[from, to) in ASCII digits, or -1 when something else is there. */
function digits(raw: string, from: number, to: number): number {
  let value = 0;
  for (let at = from; at < to; at++) {
    const digit = raw.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A real day of a year from 1000 on (what isCalendarDate says, without building a Date for each of
 * tens of thousands of dates); earlier years are left to ical.js, as Date.UTC reads 0-99 as 19xx.
 */
function isPlainDay(year: number, month: number, day: number): boolean {
  if (year < 1000 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]);
}
