/**
 * Local wall-clock times in a property's IANA time zone, computed with the runtime's own time-zone
 * database (Intl), never with the server's zone. Hosts say "check-in 16:00 in Lisbon"; locks and the
 * ledger work in instants.
 */

export interface LocalDateTime {
  date: string; // YYYY-MM-DD
  time: string; // HH:MM
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(zone: string): void {
  if (!isTimeZone(zone)) throw new Error(`"${zone}" is not an IANA time zone (for example Europe/Lisbon)`);
}

export function parseTimeOfDay(text: string): { hour: number; minute: number } {
  const match = TIME.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a time of day (HH:MM, 24-hour)`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

export function parseDate(text: string): { year: number; month: number; day: number } {
  const match = DATE.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a date (YYYY-MM-DD)`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) throw new Error(`"${text}" is not a calendar date`);
  return { year, month, day };
}

/** Offset of `zone` from UTC at `instant`, in minutes (Lisbon in summer: +60). */
export function zoneOffsetMinutes(zone: string, instant: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const field = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/**
 * The instant at which the clocks in `zone` show `local`. A time skipped by a spring-forward change
 * (02:30 on the night clocks jump from 02:00 to 03:00) is moved forward by the gap, so the door opens
 * at 03:30 local rather than never; a time that happens twice at fall-back takes the first (earlier)
 * occurrence, so access never starts late.
 */
export function zonedToInstant(local: LocalDateTime, zone: string): Date {
  const { year, month, day } = parseDate(local.date);
  const { hour, minute } = parseTimeOfDay(local.time);
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  const candidates = new Set<number>();
  for (const probeHours of [-36, -12, 0, 12, 36]) {
    const offset = zoneOffsetMinutes(zone, new Date(wallAsUtc + probeHours * 3600_000));
    candidates.add(offset);
  }
  const matches = [...candidates]
    .map((offset) => wallAsUtc - offset * 60_000)
    .filter((instant) => sameWallTime(instant, wallAsUtc, zone))
    .sort((a, b) => a - b);
  if (matches.length > 0) return new Date(matches[0]);
  // In a gap: use the offset in force just before it, which lands the same distance past the jump.
  const before = zoneOffsetMinutes(zone, new Date(wallAsUtc - 24 * 3600_000));
  return new Date(wallAsUtc - before * 60_000);
}

function sameWallTime(instant: number, wallAsUtc: number, zone: string): boolean {
  return instant + zoneOffsetMinutes(zone, new Date(instant)) * 60_000 === wallAsUtc;
}

/** What the clocks in `zone` show at `instant`. */
export function instantToZoned(instant: Date, zone: string): LocalDateTime {
  const shifted = new Date(instant.getTime() + zoneOffsetMinutes(zone, instant) * 60_000);
  const iso = shifted.toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

/** "Sat 21 Nov 2026, 16:00" in the property's zone, for messages to guests and hosts. */
export function formatLocal(instant: Date, zone: string, locale = 'en-GB'): string {
  return new Intl.DateTimeFormat(locale, {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(instant);
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = parseDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}
