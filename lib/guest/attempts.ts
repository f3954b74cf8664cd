/**
 * Counts wrong tries on the guest check-in page and locks out whoever makes too many: one limiter per
 * client address, one per booking. Time comes from a Clock so a test can move it by hand.
 *
 * The limit is a promise ("10 wrong tries an hour"), so it holds over any rolling window: a lock-out
 * lasts at least until the window has room again, the tries that led to it are still counted after it,
 * and each lock-out that follows another within a day lasts twice as long as the one before.
 */
import type { Clock } from '../time/clock';

export interface TryLimit {
  /** Wrong tries allowed within `windowMinutes`; the last of them starts the lock-out. */
  tries: number;
  windowMinutes: number;
  /** The first lock-out; each one that follows within a day lasts twice as long, up to a day. */
  lockoutMinutes: number;
}

interface TryRecord {
  /** When each wrong try within the window happened (ms). */
  wrongAt: number[];
  lockedUntil?: number;
  /** Lock-outs in a row: each one ending less than a day before the next began. */
  lockouts: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The longest a single lock-out grows to; a host can always give the guest their code another way. */
const LONGEST_LOCKOUT = DAY;
/** A key quiet this long after its last lock-out starts again from the first, shortest one. */
const LOCKOUTS_FORGOTTEN_AFTER = DAY;
/**
 * Someone sending endless made-up references must not fill the memory. Beyond this many keys the
 * oldest quiet ones go first; a key under lock-out is kept.
 */
const MAX_KEYS = 20_000;

export class TryLimiter {
  private readonly records = new Map<string, TryRecord>();

  constructor(
    private readonly limit: TryLimit,
    private readonly clock: Clock,
  ) {
    if (!(limit.tries >= 1)) throw new Error('the number of tries allowed must be at least 1');
    if (!(limit.windowMinutes > 0) || !(limit.lockoutMinutes > 0)) throw new Error('try windows and lock-outs must last more than 0 minutes');
  }

  /** When the lock-out of `key` ends, or undefined when it may try. */
  lockedUntil(key: string): Date | undefined {
    const lockedUntil = this.records.get(key)?.lockedUntil;
    return lockedUntil !== undefined && lockedUntil > this.now() ? new Date(lockedUntil) : undefined;
  }

  /** Counts a wrong try; true when it starts a lock-out. */
  recordWrong(key: string): boolean {
    const now = this.now();
    const record = this.records.get(key) ?? { wrongAt: [], lockouts: 0 };
    this.records.delete(key); // re-inserted below, so the map stays ordered by last activity
    record.wrongAt = this.withinWindow(record.wrongAt, now);
    record.wrongAt.push(now);
    const startsLockout = record.wrongAt.length >= this.limit.tries;
    if (startsLockout) this.lockOut(record, now);
    this.records.set(key, record);
    this.forgetOldest();
    return startsLockout;
  }

  /** A proven booking starts with a clean count (a guest who mistyped a few times, then got it right). */
  forget(key: string): void {
    this.records.delete(key);
  }

  /** Keys under lock-out now. */
  lockedOut(): number {
    const now = this.now();
    let count = 0;
    for (const record of this.records.values()) if ((record.lockedUntil ?? 0) > now) count += 1;
    return count;
  }

  /** The earliest end of a lock-out still running. */
  nextLockoutEnd(): Date | undefined {
    const now = this.now();
    let earliest: number | undefined;
    for (const record of this.records.values()) {
      if (record.lockedUntil && record.lockedUntil > now && (earliest === undefined || record.lockedUntil < earliest)) earliest = record.lockedUntil;
    }
    return earliest === undefined ? undefined : new Date(earliest);
  }

  private lockOut(record: TryRecord, now: number): void {
    const repeats = record.lockedUntil !== undefined && now - record.lockedUntil < LOCKOUTS_FORGOTTEN_AFTER;
    record.lockouts = repeats ? record.lockouts + 1 : 1;
    const length = Math.min(this.limit.lockoutMinutes * MINUTE * 2 ** (record.lockouts - 1), LONGEST_LOCKOUT);
    // Until the oldest try counted leaves the window: only then is there room for another.
    const windowHasRoom = record.wrongAt[record.wrongAt.length - this.limit.tries] + this.limit.windowMinutes * MINUTE;
    record.lockedUntil = Math.max(now + length, windowHasRoom);
  }

  private withinWindow(times: number[], now: number): number[] {
    return times.filter((at) => at > now - this.limit.windowMinutes * MINUTE);
  }

  private forgetOldest(): void {
    if (this.records.size <= MAX_KEYS) return;
    const now = this.now();
    for (const [key, record] of this.records) {
      if (this.records.size <= MAX_KEYS) return;
      if ((record.lockedUntil ?? 0) <= now) this.records.delete(key);
    }
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
