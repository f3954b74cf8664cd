import { Clock } from '../time/clock';

/**
 * What a vendor's cloud tolerates: so many requests a second per account, and one write at a time
 * per lock (a second write while the bridge is still talking to the lock gets lost or refused).
 * Any provider can use these; they know nothing of locks, only of keys and a clock.
 */

export class RateLimitClosed extends Error {
  constructor() {
    super('the request was not sent: StayKey is stopping');
    this.name = 'RateLimitClosed';
  }
}

export interface TokenBucketOptions {
  clock: Clock;
  /** Requests per second, on average. */
  perSecond: number;
  /** How many may go out at once after a quiet spell (default: two seconds' worth, at least 1). */
  burst?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

// Float arithmetic leaves 0.9999999 tokens after exactly the right wait; that is a token.
const EPSILON = 1e-9;

/**
 * A token bucket: at most `burst` requests at once, then `perSecond` on average. Requests are
 * handed out in the order they asked, so a burst of retries cannot starve an earlier command.
 */
export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private readonly waiters: Waiter[] = [];
  private cancelTimer: (() => void) | undefined;
  private closed = false;

  constructor(options: TokenBucketOptions) {
    if (!(options.perSecond > 0)) throw new Error(`a rate limit needs a positive number of requests per second (got ${options.perSecond})`);
    this.clock = options.clock;
    this.perSecond = options.perSecond;
    this.burst = Math.max(Math.floor(options.burst ?? options.perSecond * 2), 1);
    this.tokens = this.burst;
    this.refilledAt = this.clock.now().getTime();
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves when a request may go out; rejects with RateLimitClosed once the bucket is closed. */
  take(): Promise<void> {
    if (this.closed) return Promise.reject(new RateLimitClosed());
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.handOut();
    });
  }

  /**
   * The vendor said "slow down" (HTTP 429, Retry-After): nothing goes out for `ms`; then one
   * request, and the rest at the normal pace, so the queue does not hit the vendor all at once.
   */
  pauseFor(ms: number): void {
    if (!(ms > 0)) return;
    const now = this.clock.now().getTime();
    this.pausedUntil = Math.max(this.pausedUntil, now + ms);
    this.tokens = 1;
    this.refilledAt = this.pausedUntil;
    this.rearm();
  }

  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new RateLimitClosed());
  }

  private handOut(): void {
    const now = this.clock.now().getTime();
    this.refill(now);
    while (this.waiters.length > 0 && now >= this.pausedUntil && this.tokens >= 1 - EPSILON) {
      this.tokens = Math.max(this.tokens - 1, 0);
      this.waiters.shift()!.resolve();
    }
    this.rearm();
  }

  private refill(now: number): void {
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.perSecond) / 1000);
    this.refilledAt = now;
  }

  /** One timer at a time, set for when the next waiter can have a token. */
  private rearm(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.closed || this.waiters.length === 0) return;
    const now = this.clock.now().getTime();
    const untilToken = ((1 - this.tokens) * 1000) / this.perSecond;
    const start = Math.max(this.refilledAt, now);
    const wait = Math.max(Math.ceil(start - now + Math.max(untilToken, 0)), 1);
    this.cancelTimer = this.clock.setTimer(wait, () => {
      this.cancelTimer = undefined;
      this.handOut();
    });
  }
}

/** One token bucket per key (a vendor account, an API host), made when first asked for. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly options: TokenBucketOptions) {}

  bucket(key: string): TokenBucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.options);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  take(key: string): Promise<void> {
    return this.bucket(key).take();
  }

  close(): void {
    for (const bucket of this.buckets.values()) bucket.close();
  }
}

/**
 * At most `limit` tasks per key at once (one per lock by default); the others wait their turn in
 * the order they came. A failed task frees its place like a finished one.
 */
export class KeyedGate {
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, Array<() => void>>();

  constructor(readonly limit = 1) {
    if (!(Number.isInteger(limit) && limit >= 1)) throw new Error(`a gate lets at least one task through (got ${limit})`);
  }

  /** Tasks running for `key` now. */
  active(key: string): number {
    return this.running.get(key) ?? 0;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    await this.enter(key);
    try {
      return await task();
    } finally {
      this.leave(key);
    }
  }

  private enter(key: string): Promise<void> {
    if (this.active(key) < this.limit) {
      this.running.set(key, this.active(key) + 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const queue = this.queues.get(key) ?? [];
      queue.push(resolve);
      this.queues.set(key, queue);
    });
  }

  private leave(key: string): void {
    const queue = this.queues.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) this.queues.delete(key);
    if (next) return next(); // the place passes straight to the next task
    const left = this.active(key) - 1;
    if (left > 0) this.running.set(key, left);
    else this.running.delete(key);
  }
}
