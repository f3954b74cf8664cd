import { zoneOffsetMinutes } from '../../time/zoned';

/**
 * A TTLock lock opens a code by its own clock, in the time zone TTLock has for it. A clock that has
 * drifted, or a zone set wrong when the lock was paired, makes every code start and end off by that
 * much ("codes offset by an hour"), so both are checked and told to the host.
 */
export interface LockClockReading {
  lockName: string;
  now: Date;
  /** The lock's clock as TTLock read it (ms), when it could. */
  lockTime?: number;
  /** The lock's zone in TTLock: offset from UTC without summer time (ms). */
  rawOffsetMs?: number;
  /** Where the lock really is (IANA); the zone is not checked without it. */
  timeZone?: string;
}

export const CLOCK_TOLERANCE_MS = 5 * 60_000;

export function clockWarnings(reading: LockClockReading): string[] {
  const warnings: string[] = [];
  const drift = clockDrift(reading);
  if (drift) warnings.push(drift);
  const zone = zoneMismatch(reading);
  if (zone) warnings.push(zone);
  return warnings;
}

function clockDrift({ lockName, now, lockTime }: LockClockReading): string | undefined {
  if (lockTime === undefined || !Number.isFinite(lockTime)) return undefined;
  const off = lockTime - now.getTime();
  if (Math.abs(off) <= CLOCK_TOLERANCE_MS) return undefined;
  const size = duration(Math.abs(off));
  // A clock ahead reaches a code's start (and end) before the real time does.
  const [how, when] = off > 0 ? ['ahead', 'early'] : ['behind', 'late'];
  return `${lockName}'s clock is ${size} ${how}: codes start and end ${size} ${when}. Set its time in the TTLock app (lock settings, clock).`;
}

function zoneMismatch({ lockName, now, rawOffsetMs, timeZone }: LockClockReading): string | undefined {
  if (!timeZone || rawOffsetMs === undefined || !Number.isFinite(rawOffsetMs)) return undefined;
  let standard: number;
  try {
    standard = standardOffsetMs(timeZone, now);
  } catch {
    return undefined;
  }
  if (standard === rawOffsetMs) return undefined;
  return (
    `${lockName} is set to ${utcOffset(rawOffsetMs)} in TTLock, but ${timeZone} is ${utcOffset(standard)}: ` +
    `codes would open ${duration(Math.abs(rawOffsetMs - standard))} off. Correct the lock's time zone in the TTLock app.`
  );
}

/** The zone's offset without summer time: the smaller of January's and July's, in either hemisphere. */
export function standardOffsetMs(timeZone: string, now: Date): number {
  const year = now.getUTCFullYear();
  const january = zoneOffsetMinutes(timeZone, new Date(Date.UTC(year, 0, 1)));
  const july = zoneOffsetMinutes(timeZone, new Date(Date.UTC(year, 6, 1)));
  return Math.min(january, july) * 60_000;
}

function utcOffset(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.round((minutes / 60) * 10) / 10;
  return `${hours} h`;
}
