/**
 * The shapes bookings arrive in as messages, read into bookings before anything changes:
 * - StayKey's own booking (`{id, arrival, departure, ...}`, see docs/nodes/booking-source.md), one or a list;
 * - a BookingMessage from another booking-source (`{kind: 'booking', change, booking}`);
 * - a PMS webhook: an envelope (`{event | action, reservation | booking | data}`) around a reservation
 *   with the field names PMSs use (checkIn, check_in, arrival_date, guest.first_name, guestsCount...);
 * - Home Assistant calendar events (`{summary, start, end, description, uid?}`, start/end as dates or
 *   date-times), alone, as a list, or the whole answer of calendar.get_events. These are read like a
 *   feed's events: blocks are left out and check-in/check-out markers folded into their stay.
 */
import { Booking, parseBooking } from './booking';
import { CalendarEvent, StayOptions, StayPoint, staysFromEvents } from './stays';
import { checkId } from '../ids';
import { isCalendarDate } from '../time/zoned';
import { isRecord, textOrNumber } from '../messages/text';
import { bookingLanguageTag, supportedLanguage } from '../i18n/languages';
import { callingCodeOf, normaliseCallingCode } from '../i18n/phone';

/** One booking a message names: to put, or to cancel. */
export interface MessageItem {
  id: string;
  cancel: boolean;
  /** The booking as the message describes it; for a cancellation, only if the message describes it. */
  booking?: Booking;
  /** Why a cancellation's description could not be read (it matters only if the booking is unknown). */
  problem?: string;
}

type Raw = Record<string, unknown>;

interface Entry {
  raw: unknown;
  cancel: boolean;
}

export function readBookingMessage(payload: unknown, change: unknown, defaults: StayOptions): MessageItem[] {
  const { entries, calendar } = entriesOf(payload);
  if (entries.length === 0 && !calendar) throw new Error('the message holds an empty list of bookings');
  const cancelAll = change === 'cancelled';
  const items: MessageItem[] = [];
  const events: CalendarEvent[] = [];
  for (const entry of entries.map((raw) => unwrap({ raw, cancel: cancelAll }))) {
    const raw = record(entry.raw);
    if (raw && isCalendarEvent(raw)) events.push(calendarEvent(raw));
    else items.push(bookingItem(entry, defaults));
  }
  if (events.length > 0) items.push(...calendarItems(events, defaults, cancelAll));
  return items;
}

/** A list, `{events: [...]}`, or calendar.get_events' answer `{"calendar.flat_3": {events: [...]}}`. */
function entriesOf(payload: unknown): { entries: unknown[]; calendar: boolean } {
  if (Array.isArray(payload)) return { entries: payload, calendar: false };
  const raw = record(payload);
  if (raw && Array.isArray(raw.events)) return { entries: raw.events, calendar: true };
  const calendars = raw ? Object.values(raw).map(record) : [];
  if (calendars.length > 0 && calendars.every((value) => value && Array.isArray(value.events))) {
    return { entries: calendars.flatMap((value) => value?.events as unknown[]), calendar: true };
  }
  return { entries: [payload], calendar: false };
}

/** Takes the booking out of a BookingMessage or a webhook envelope, noting a cancellation on the way. */
function unwrap(entry: Entry): Entry {
  const raw = record(entry.raw);
  if (!raw) return entry;
  if (raw.kind === 'booking') return unwrap({ raw: raw.booking, cancel: entry.cancel || raw.change === 'cancelled' });
  if (hasOwnDates(raw)) return entry;
  const inner = record(raw.reservation) ?? record(raw.booking) ?? record(raw.data);
  if (!inner) return entry;
  const what = textOrNumber(raw.event) ?? textOrNumber(raw.action) ?? textOrNumber(raw.type) ?? '';
  return unwrap({ raw: inner, cancel: entry.cancel || /cancel/i.test(what) });
}

const ARRIVAL_KEYS = ['arrival', 'checkIn', 'check_in', 'checkin', 'arrival_date', 'arrivalDate', 'checkInDate', 'check_in_date', 'start_date', 'startDate'];
const DEPARTURE_KEYS = ['departure', 'checkOut', 'check_out', 'checkout', 'departure_date', 'departureDate', 'checkOutDate', 'check_out_date', 'end_date', 'endDate'];
/** The PMS's own reservation id first: the channel's confirmation code may be missing from a cancellation. */
const ID_KEYS = ['id', 'uid', '_id', 'reservationId', 'reservation_id', 'reservationCode', 'confirmationCode', 'confirmation_code', 'code', 'reference-id'];

function hasOwnDates(raw: Raw): boolean {
  return [...ARRIVAL_KEYS, 'start'].some((key) => raw[key] !== undefined);
}

/** Home Assistant's shape: a summary and a start, and none of a booking's own fields. */
function isCalendarEvent(raw: Raw): boolean {
  if (typeof raw.summary !== 'string' || raw.start === undefined) return false;
  return ![...ARRIVAL_KEYS, 'id', 'reservationCode'].some((key) => raw[key] !== undefined);
}

function calendarEvent(raw: Raw): CalendarEvent {
  const summary = (raw.summary as string).trim();
  const start = calendarPoint(raw.start);
  if (!start) throw new Error(`calendar event "${summary}": start must be a date like 2026-07-14 or a date-time`);
  const end = raw.end === undefined ? { day: nextDay(start.day) } : calendarPoint(raw.end);
  if (!end) throw new Error(`calendar event "${summary}": end must be a date like 2026-07-14 or a date-time`);
  const event: CalendarEvent = { summary, description: textOrNumber(raw.description) ?? '', start, end };
  const uid = textOrNumber(raw.uid);
  if (uid) event.uid = uid;
  return event;
}

/** HA gives "2026-07-10" or "2026-07-10T16:00:00+02:00"; Google-style `{date}` / `{dateTime}` too. */
function calendarPoint(value: unknown): StayPoint | undefined {
  const raw = record(value);
  return stayPoint(raw ? raw.dateTime ?? raw.date : value);
}

/**
 * The day as written (the property's own day) and, when the time carries its offset or Z, the instant.
 * A time without an offset gives only the day: guessing the server's zone would be wrong.
 */
function stayPoint(value: unknown): StayPoint | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(value.trim());
  if (!match || !isCalendarDate(match[1])) return undefined;
  if (!match[2] || !match[3]) return { day: match[1] };
  const instant = new Date(value.trim().replace(' ', 'T'));
  return Number.isNaN(instant.getTime()) ? { day: match[1] } : { day: match[1], instant: instant.toISOString() };
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function calendarItems(events: CalendarEvent[], defaults: StayOptions, cancel: boolean): MessageItem[] {
  if (defaults.unit.trim() === '') throw new Error('calendar events do not say their unit: set the unit on the node');
  // A calendar event's UID becomes the booking id without passing parseBooking.
  return staysFromEvents(events, defaults).map((booking) => ({ id: checkId(booking.id, 'calendar event uid'), cancel, booking }));
}

function bookingItem(entry: Entry, defaults: StayOptions): MessageItem {
  const raw = record(entry.raw);
  const normal = raw ? normalize(raw) : entry.raw;
  const cancel = entry.cancel || (raw !== undefined && isCancelled(raw));
  const bookingDefaults = { unit: defaults.unit || undefined, source: defaults.source };
  if (!cancel) {
    const booking = parseBooking(normal, bookingDefaults);
    return { id: booking.id, cancel, booking };
  }
  const id = raw ? textOrNumber(first(raw, ID_KEYS)) : undefined;
  if (!id) throw new Error('a cancellation needs the booking id (give id, uid or reservationCode)');
  checkId(id, 'booking id');
  try {
    return { id, cancel, booking: parseBooking(normal, bookingDefaults) };
  } catch (err) {
    return { id, cancel, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** PMSs say a reservation is off in their status or type field. */
function isCancelled(raw: Raw): boolean {
  if (raw.cancelled === true || raw.canceled === true) return true;
  const status = textOrNumber(raw.status) ?? textOrNumber(raw.type) ?? '';
  return /^(cancell?ed|cancellation|declined|denied|expired)$/i.test(status);
}

/** The PMS's field names, read into StayKey's. Fields already in StayKey's names win. */
function normalize(raw: Raw): Raw {
  const guest = record(raw.guest) ?? {};
  const normal: Raw = { ...raw };
  const id = first(raw, ID_KEYS);
  if (id !== undefined) normal.id = id;
  setPoint(normal, 'arrival', 'arrivalAt', first(raw, [...ARRIVAL_KEYS, 'start']));
  setPoint(normal, 'departure', 'departureAt', first(raw, [...DEPARTURE_KEYS, 'end']));
  setText(normal, 'guestName', guestName(raw, guest));
  setText(normal, 'email', textOrNumber(raw.email) ?? textOrNumber(guest.email) ?? textOrNumber(raw.guestEmail) ?? textOrNumber(raw.guest_email));
  setText(normal, 'reservationCode', textOrNumber(first(raw, ['reservationCode', 'confirmationCode', 'confirmation_code', 'code', 'reference-id'])));
  setText(normal, 'phoneLast4', textOrNumber(raw.phoneLast4) ?? last4(phoneOf(raw, guest)));
  setText(normal, 'phoneCountryCode', normaliseCallingCode(raw.phoneCountryCode) ?? callingCodeOf(phoneOf(raw, guest)));
  setText(normal, 'language', guestLanguageTag(raw, guest));
  const guests = guestCount(raw);
  if (guests !== undefined) normal.guests = guests;
  else delete normal.guests;
  return normal;
}

function guestName(raw: Raw, guest: Raw): string | undefined {
  return (
    textOrNumber(raw.guestName) ??
    textOrNumber(raw.guest_name) ??
    textOrNumber(raw['guest-name']) ??
    (typeof raw.guest === 'string' ? textOrNumber(raw.guest) : undefined) ??
    textOrNumber(guest.name) ??
    textOrNumber(guest.fullName) ??
    textOrNumber(guest.full_name) ??
    joined(guest.firstName, guest.lastName) ??
    joined(guest.first_name, guest.last_name)
  );
}

/**
 * PMSs name the guest's language every way, sometimes twice (a locale beside a language): the first
 * that is one of StayKey's languages counts, else the first that is any language tag.
 */
const LANGUAGE_KEYS = ['language', 'lang', 'locale', 'guestLanguage', 'guest_language', 'preferredLanguage', 'preferred_language'];

function guestLanguageTag(raw: Raw, guest: Raw): string | undefined {
  const given = [raw, guest].flatMap((from) => LANGUAGE_KEYS.map((key) => from[key]));
  return given.map(supportedLanguage).find((language) => language !== undefined) ?? given.map(bookingLanguageTag).find((tag) => tag !== undefined);
}

function phoneOf(raw: Raw, guest: Raw): string | undefined {
  const listed = (value: unknown) => (Array.isArray(value) ? textOrNumber(value[0]) : undefined);
  return textOrNumber(raw.phone) ?? textOrNumber(guest.phone) ?? textOrNumber(raw.guestPhone) ?? listed(guest.phone_numbers) ?? listed(guest.phoneNumbers);
}

/** Only the last four digits of a phone number are kept, as from Airbnb's feed. */
function last4(phone: string | undefined): string | undefined {
  const digits = phone?.replace(/\D/g, '') ?? '';
  return digits.length >= 4 ? digits.slice(-4) : undefined;
}

function guestCount(raw: Raw): number | undefined {
  const nested = record(raw.guests);
  const candidates = [raw.guests, nested?.total, raw.guestsCount, raw.guests_count, raw.numberOfGuests, raw.number_of_guests];
  for (const candidate of candidates) {
    const count = wholeNumber(candidate);
    if (count !== undefined) return count;
  }
  const adults = wholeNumber(raw.adults ?? nested?.adults);
  if (adults === undefined) return undefined;
  return adults + (wholeNumber(raw.children ?? nested?.children) ?? 0);
}

function wholeNumber(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : undefined;
}

function setPoint(normal: Raw, dayKey: string, instantKey: string, value: unknown): void {
  const point = stayPoint(value);
  if (!point) return;
  normal[dayKey] = point.day;
  if (point.instant && normal[instantKey] === undefined) normal[instantKey] = point.instant;
}

function setText(normal: Raw, key: string, value: string | undefined): void {
  if (value !== undefined) normal[key] = value;
}

function first(raw: Raw, keys: string[]): unknown {
  for (const key of keys) {
    const value = raw[key];
    if (value !== undefined && value !== null && value !== '') return value;
  }
  return undefined;
}

function joined(a: unknown, b: unknown): string | undefined {
  const words = [textOrNumber(a), textOrNumber(b)].filter((word): word is string => word !== undefined);
  return words.length > 0 ? words.join(' ') : undefined;
}

function record(value: unknown): Raw | undefined {
  return isRecord(value) ? value : undefined;
}
