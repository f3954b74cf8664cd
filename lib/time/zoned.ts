/**
 * Local wall-clock times in a property's IANA time zone, computed with the runtime's own time-zone
 * database (Intl), never with the server's zone. Hosts say "check-in 16:00 in Lisbon"; locks and the
 * ledger work in instants.
 *
 * Every calculation here goes through `Date.UTC`, `getUTC*` and Intl formatters with an explicit
 * `timeZone`, so the answers are the same whatever TZ the Node-RED server runs in.
 */

export interface LocalDateTime {
  date: string; // YYYY-MM-DD
  time: string; // HH:MM
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Hosts type "9:00" as often as "09:00"; both mean the same time.
const TIME = /^(\d{1,2}):(\d{2})$/;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;

// Building an Intl.DateTimeFormat costs far more than using one, and a season of bookings asks for the
// same few zones thousands of times: keep one formatter per zone (and per locale for formatLocal).
const offsetFormats = new Map<string, Intl.DateTimeFormat>();
const displayFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(zone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormats.set(zone, format);
  }
  return format;
}

export function isTimeZone(zone: string): boolean {
  if (typeof zone !== 'string' || zone.trim() === '') return false;
  try {
    offsetFormat(zone);
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(zone: string): void {
  if (!isTimeZone(zone)) throw new Error(`"${zone}" is not an IANA time zone (for example Europe/Lisbon)`);
}

/**
 * The zone as a host should see it: trimmed, and in the database's own capitals when only the case
 * differs ("europe/lisbon" -> "Europe/Lisbon"). Links keep their name: Intl reports Asia/Kolkata as
 * Asia/Calcutta, and a host who wrote Kolkata should keep reading Kolkata.
 */
export function normalizeTimeZone(zone: string): string {
  const trimmed = typeof zone === 'string' ? zone.trim() : '';
  assertTimeZone(trimmed);
  const resolved = offsetFormat(trimmed).resolvedOptions().timeZone;
  return resolved.toLowerCase() === trimmed.toLowerCase() ? resolved : trimmed;
}

let serverZone: { tz: string | undefined; zone: string } | undefined;

/** The zone the server's own clock is set to, as Intl sees it (TZ, or the system setting). */
export function serverTimeZone(): string {
  // Building a DateTimeFormat costs as much as reading a few hundred events; the zone changes only with TZ.
  if (!serverZone || serverZone.tz !== process.env.TZ) {
    serverZone = { tz: process.env.TZ, zone: new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC' };
  }
  return serverZone.zone;
}


export function parseTimeOfDay(text: string): { hour: number; minute: number } {
  const match = typeof text === 'string' ? TIME.exec(text.trim()) : null;
  const hour = match ? Number(match[1]) : NaN;
  const minute = match ? Number(match[2]) : NaN;
  if (!(hour <= 23 && minute <= 59)) throw new Error(`"${text}" is not a time of day (HH:MM, 24-hour, e.g. 16:00)`);
  return { hour, minute };
}

/** "9:5" and " 9:00 " are not what a host wants to see back: always HH:MM. */
export function formatTimeOfDay(text: string): string {
  const { hour, minute } = parseTimeOfDay(text);
  return `${pad(hour)}:${pad(minute)}`;
}

export function parseDate(text: string): { year: number; month: number; day: number } {
  const match = typeof text === 'string' ? DATE.exec(text.trim()) : null;
  if (!match) throw new Error(`"${text}" is not a date (YYYY-MM-DD)`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(utcMillis(year, month, day, 0, 0));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) throw new Error(`"${text}" is not a calendar date`);
  return { year, month, day };
}

/** A real calendar day written YYYY-MM-DD: Date.parse would take 2026-02-30 and roll it into March. */
export function isCalendarDate(text: string): boolean {
  try {
    parseDate(text);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `zone` from UTC at `instant`, in minutes (Lisbon in summer: +60, Chatham in winter: +765). */
export function zoneOffsetMinutes(zone: string, instant: Date): number {
  return Math.round(zoneOffsetMillis(zone, instant) / MINUTE_MS);
}

/**
 * The offset to the second. Zones kept local mean time into living memory (Monrovia was 44 min 30 s
 * behind UTC until 1972): a wall time read with a rounded offset would show the minute before.
 */
function zoneOffsetMillis(zone: string, instant: Date): number {
  const millis = instant.getTime();
  if (Number.isNaN(millis)) throw new Error('cannot find a time-zone offset for an invalid date');
  const fields: Record<string, string> = {};
  for (const part of offsetFormat(zone).formatToParts(instant)) fields[part.type] = part.value;
  const year = fields.era === 'BC' || fields.era === 'B' ? 1 - Number(fields.year) : Number(fields.year);
  const shown = utcMillis(year, Number(fields.month), Number(fields.day), Number(fields.hour), Number(fields.minute), Number(fields.second));
  // The formatter shows whole seconds: compare against the instant without its milliseconds.
  const wholeSeconds = Math.floor(millis / 1000) * 1000;
  return shown - wholeSeconds;
}

/**
 * The instant at which the clocks in `zone` show `local`.
 *
 * A time skipped by a spring-forward change (02:30 on the night New York jumps from 02:00 to 03:00) is
 * moved forward by the gap, so the door opens at 03:30 local rather than never. A time that happens
 * twice at fall-back (01:30 on the night New York goes from 02:00 back to 01:00) takes the first,
 * earlier occurrence, so access never starts late and a checkout never runs an hour over.
 */
export function zonedToInstant(local: LocalDateTime, zone: string): Date {
  assertTimeZone(zone);
  const { year, month, day } = parseDate(local.date);
  const { hour, minute } = parseTimeOfDay(local.time);
  const wall = utcMillis(year, month, day, hour, minute);
  // Real offsets lie within -12 h .. +14 h, so the instant is within a day of `wall` read as UTC. The
  // offsets a day either side are the ones in force before and after any change around that time.
  const offsetBefore = zoneOffsetMillis(zone, new Date(wall - DAY_MS));
  const offsetAfter = zoneOffsetMillis(zone, new Date(wall + DAY_MS));
  const candidates = [offsetBefore, offsetAfter]
    .map((offset) => wall - offset)
    .filter((instant) => showsWallTime(instant, wall, zone))
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]);
  // In a gap: reading the wall time with the offset in force before the jump lands exactly the
  // length of the gap later on the clock (02:30 -> 03:30 for a one-hour jump).
  return new Date(wall - offsetBefore);
}

function showsWallTime(instant: number, wall: number, zone: string): boolean {
  return instant + zoneOffsetMillis(zone, new Date(instant)) === wall;
}

/** What the clocks in `zone` show at `instant` (to the minute). */
export function instantToZoned(instant: Date, zone: string): LocalDateTime {
  const shifted = new Date(instant.getTime() + zoneOffsetMillis(zone, instant));
  const date = `${String(shifted.getUTCFullYear()).padStart(4, '0')}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}`;
  return { date, time: `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}` };
}

/**
 * "Sat 21 Nov 2026, 16:00" in the property's zone, for messages to guests and hosts. The English form
 * is put together from its parts because ICU versions disagree about the comma after the weekday, and
 * a guest message should not change with a Node upgrade; other locales get Intl's own layout.
 */
export function formatLocal(instant: Date, zone: string, locale = 'en-GB'): string {
  const format = displayFormat(locale, zone);
  if (locale !== 'en-GB') return format.format(instant);
  const fields: Record<string, string> = {};
  for (const part of format.formatToParts(instant)) fields[part.type] = part.value;
  return `${fields.weekday} ${fields.day} ${fields.month} ${fields.year}, ${fields.hour}:${fields.minute}`;
}

function displayFormat(locale: string, zone: string): Intl.DateTimeFormat {
  const key = `${locale}|${zone}`;
  let format = displayFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone: zone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    displayFormats.set(key, format);
  }
  return format;
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  return instantToZoned(new Date(utcMillis(year, month, day + days, 0, 0)), 'UTC').date;
}

/** Date.UTC without its trap: years 0-99 would otherwise be read as 1900-1999. */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
