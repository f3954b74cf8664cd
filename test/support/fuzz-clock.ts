/**
 * Wall clocks from Intl alone, for checking lib/time/zoned.ts and everything built on it against
 * something that is not itself.
 */
const DAY = 86_400_000;

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * What the clocks in `zone` show at `instant` (milliseconds, read as if UTC, to the second), and the
 * zone's offset then in milliseconds, from Intl alone. Seconds matter: some zones kept local mean
 * time into the 1970s (Africa/Monrovia, 44 min 30 s behind UTC until 1972).
 */
export function clockAt(instant: number, zone: string): { wall: number; offset: number } {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - Number(parts.year) : Number(parts.year);
  const wall = utc(year, Number(parts.month), Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return { wall, offset: wall - Math.floor(instant / 1000) * 1000 };
}

export function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** A wall time (date and HH:MM) as milliseconds, read as if it were UTC. */
export function wallMillis(date: string, time: string): number {
  const [year, month, day] = date.split('-').map(Number);
  const [hour, minute] = time.trim().split(':').map(Number);
  return utc(year, month, day, hour, minute);
}

/**
 * Where `requested` (a wall time) must land: the earliest instant that shows it, or, when the clocks
 * skip it, the instant read with the offset in force before the jump (which shows it moved on by the
 * gap). The offsets either side come from a day before and after, when the clocks changed at most once.
 */
export function expectedInstant(requested: number, zone: string): { instant: number; gap: boolean } {
  const before = clockAt(requested - DAY, zone).offset;
  const after = clockAt(requested + DAY, zone).offset;
  const showing = [requested - before, requested - after].filter((instant) => clockAt(instant, zone).wall === requested).sort((a, b) => a - b);
  if (showing.length > 0) return { instant: showing[0], gap: false };
  return { instant: requested - before, gap: true };
}
