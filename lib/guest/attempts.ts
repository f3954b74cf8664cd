/**
 * Counts wrong tries on the guest check-in page and locks out whoever makes too many: one limiter per
 * client address, one per booking reference. Time comes from a Clock so a test can move it by hand.
 */
import type { Clock } from '../time/clock';

export interface TryLimit {
  /** Wrong tries allowed within `windowMinutes`; the last of them starts the lock-out. */
  tries: number;
  windowMinutes: number;
  lockoutMinutes: number;
}

interface TryRecord {
  /** When each wrong try within the window happened (ms). */
  wrongAt: number[];
  lockedUntil?: number;
}

const MINUTE = 60_000;
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
    const record = this.records.get(key);
    if (!record?.lockedUntil) return undefined;
    if (record.lockedUntil > this.now()) return new Date(record.lockedUntil);
    this.records.delete(key); // the lock-out served, the count starts again
    return undefined;
  }

  /** Counts a wrong try; true when it starts a lock-out. */
  recordWrong(key: string): boolean {
    const now = this.now();
    const record = this.records.get(key) ?? { wrongAt: [] };
    this.records.delete(key); // re-inserted below, so the map stays ordered by last activity
    record.wrongAt = record.wrongAt.filter((at) => at > now - this.limit.windowMinutes * MINUTE);
    record.wrongAt.push(now);
    const startsLockout = record.wrongAt.length >= this.limit.tries;
    if (startsLockout) record.lockedUntil = now + this.limit.lockoutMinutes * MINUTE;
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
