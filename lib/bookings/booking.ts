import { checkId } from '../ids';
import { text } from '../messages/text';
import { isCalendarDate } from '../time/zoned';
import { bookingLanguageTag } from '../i18n/languages';
import { normaliseCallingCode } from '../i18n/phone';

/** A guest's stay as a booking channel or PMS describes it, before any lock or time zone is involved. */
export interface Booking {
  /** Stable across fetches: the feed's UID (Airbnb `...@airbnb.com`) or the PMS's reservation id. */
  id: string;
  /** The unit the booking is for, in the host's words ("Room 101", "Beach house"). */
  unit: string;
  /** Where it came from: a feed's name, "message", ... */
  source: string;
  /** Arrival day at the property (YYYY-MM-DD). */
  arrival: string;
  /** Checkout day (YYYY-MM-DD); for all-day feed events this is DTEND, which iCal makes exclusive. */
  departure: string;
  /** Exact check-in / checkout instants when the feed gives timed events (ISO, UTC). */
  arrivalAt?: string;
  departureAt?: string;
  summary?: string;
  guestName?: string;
  reservationCode?: string;
  phoneLast4?: string;
  /**
   * The country calling code of the guest's phone ("+33"), where a PMS or feed gives the whole number:
   * a hint of the guest's language. Nothing more of the number is kept.
   */
  phoneCountryCode?: string;
  guests?: number;
  email?: string;
  /** Release conditions and other flags the host's flow may set (paid, idVerified, ...). */
  flags?: Record<string, boolean>;
  /** A booking of several units (a group taking two rooms): each unit gets its own code. */
  units?: string[];
  /** This booking's own check-in / checkout time of day (early check-in, late checkout), HH:MM. */
  checkInTime?: string;
  checkOutTime?: string;
  /**
   * `host`: the feed has no way to reach the guest (Booking.com), so the guest's code message goes to
   * the host, who passes it on.
   */
  codeTo?: 'host';
  /**
   * The guest's language as a PMS or webhook gives it: StayKey's own languages in short form ("fr" for
   * "FR-fr" or "fr-CA"), any other as its tag ("ja-JP"), for which guests get the host's default.
   */
  language?: string;
}

export type BookingChange = 'created' | 'changed' | 'cancelled';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads a booking that arrives as a message (http-in, a PMS webhook, a test) into a Booking, with an
 * error a host can act on when something is missing.
 */
export function parseBooking(input: unknown, defaults: { unit?: string; source?: string } = {}): Booking {
  if (!input || typeof input !== 'object') throw new Error('booking must be an object with id, arrival and departure');
  const raw = input as Record<string, unknown>;
  const id = bookingText(raw.id) ?? bookingText(raw.uid) ?? bookingText(raw.reservationCode);
  if (!id) throw new Error('booking has no id (give id, uid or reservationCode)');
  checkId(id, 'booking id');
  const arrival = day(raw.arrival ?? raw.checkIn ?? raw.start, 'arrival', id);
  const departure = day(raw.departure ?? raw.checkOut ?? raw.end, 'departure', id);
  if (departure <= arrival) throw new Error(`booking ${id}: departure ${departure} is not after arrival ${arrival}`);
  const unit = bookingText(raw.unit) ?? defaults.unit;
  if (!unit) throw new Error(`booking ${id} has no unit (set one on the node or in the booking)`);
  checkId(unit, `booking ${id}: unit`);
  const booking: Booking = { id, unit, source: bookingText(raw.source) ?? defaults.source ?? 'message', arrival, departure };
  copyText(raw, booking, ['summary', 'guestName', 'reservationCode', 'phoneLast4', 'email', 'arrivalAt', 'departureAt', 'checkInTime', 'checkOutTime']);
  const units = Array.isArray(raw.units) ? raw.units.map(bookingText).filter((unit): unit is string => unit !== undefined) : [];
  for (const each of units) checkId(each, `booking ${id}: unit`);
  if (units.length) booking.units = units;
  if (typeof raw.guests === 'number' && Number.isFinite(raw.guests)) booking.guests = raw.guests;
  if (raw.codeTo === 'host') booking.codeTo = 'host';
  // A language or calling code that cannot be read is left out: the guest gets the host's default, never no booking.
  const language = bookingLanguageTag(raw.language);
  if (language) booking.language = language;
  const callingCode = normaliseCallingCode(raw.phoneCountryCode);
  if (callingCode) booking.phoneCountryCode = callingCode;
  if (raw.flags && typeof raw.flags === 'object') booking.flags = flagsOf(raw.flags as Record<string, unknown>, id);
  return booking;
}

/** Release conditions are a few yes/no facts (paid, idVerified): anything bigger is not a flag. */
const MOST_FLAGS = 50;

/**
 * Own entries only, each set as data: a flag named `__proto__` must not become the flags' prototype.
 * Each is true or false: a value nested ten thousand deep would otherwise overflow the stack of every
 * comparison and save that touches the booking.
 */
function flagsOf(raw: Record<string, unknown>, id: string): Record<string, boolean> {
  const names = Object.keys(raw);
  if (names.length > MOST_FLAGS) throw new Error(`booking ${id}: ${names.length} flags; at most ${MOST_FLAGS}`);
  for (const name of names) {
    checkId(name, `booking ${id}: flag`);
    if (typeof raw[name] !== 'boolean') throw new Error(`booking ${id}: flag "${name.slice(0, 40)}" must be true or false`);
  }
  return Object.fromEntries(names.map((name) => [name, raw[name] as boolean]));
}

/**
 * Text, or any number written as text (PMSs send numeric ids). Unlike textOrNumber, NaN and Infinity
 * pass too, as they always have here; only a function node can build them.
 */
function bookingText(value: unknown): string | undefined {
  return typeof value === 'number' ? String(value) : text(value);
}

function day(value: unknown, field: string, id: string): string {
  const candidate = typeof value === 'string' ? value.slice(0, 10) : undefined;
  if (!candidate || !DAY.test(candidate) || !isCalendarDate(candidate)) {
    throw new Error(`booking ${id}: ${field} must be a date like 2026-07-14`);
  }
  return candidate;
}

function copyText(from: Record<string, unknown>, to: Booking, keys: (keyof Booking)[]): void {
  for (const key of keys) {
    const value = bookingText(from[key]);
    if (value !== undefined) (to as unknown as Record<string, unknown>)[key] = value;
  }
}

/**
 * Two versions of one booking differ in anything that matters to its code or its messages: the same
 * answer as comparing the JSON of their fields sorted by name, without writing two JSON texts per
 * booking on every fetch (a fifth of a feed's diff time, docs/benchmarks.md).
 */
export function bookingDiffers(a: Booking, b: Booking): boolean {
  const first = a as unknown as Record<string, unknown>;
  const second = b as unknown as Record<string, unknown>;
  const keys = sameKeys(Object.keys(first), Object.keys(second));
  if (!keys) return true;
  return keys.some((key) => !sameJson(first[key], second[key]));
}

/** The field names of both, when they are the same names (in any order). */
function sameKeys(first: string[], second: string[]): string[] | undefined {
  if (first.length !== second.length) return undefined;
  if (first.every((key, index) => key === second[index])) return first;
  const [sortedFirst, sortedSecond] = [[...first].sort(), [...second].sort()];
  return sortedFirst.every((key, index) => key === sortedSecond[index]) ? sortedFirst : undefined;
}

/** As inside a JSON array: undefined reads as null, and so do NaN and Infinity. */
function sameJson(first: unknown, second: unknown): boolean {
  return first === second || JSON.stringify([first]) === JSON.stringify([second]);
}
