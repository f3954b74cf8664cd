/**
 * Who has proved which booking on the check-in page. A session is a random id (the browser's cookie)
 * bound to the booking and its version: a host's reset bumps the version, and the guest proves the
 * booking again before seeing the new code. Sessions live in memory; a restart asks guests again.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../time/clock';

export interface GuestSession {
  bookingId: string;
  version: number;
  expiresAt: number;
}

/** 32 random bytes, base64url: what a browser id looks like. Anything else is not ours. */
const ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const MINUTE = 60_000;
/** Far more verified guests than any property has at once; beyond it the oldest sessions end. */
const MAX_SESSIONS = 10_000;

export function newBrowserId(): string {
  return randomBytes(32).toString('base64url');
}

export function isBrowserId(value: string | undefined): value is string {
  return value !== undefined && ID_PATTERN.test(value);
}

export class GuestSessions {
  private readonly sessions = new Map<string, GuestSession>();
  /** Signs form tokens; new for every deploy, so an old page's form simply asks again. */
  private readonly secret = randomBytes(32);

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeMinutes: number,
  ) {
    if (!(lifetimeMinutes > 0)) throw new Error('a guest session must last more than 0 minutes');
  }

  /** Starts a session under a new id (never the one the browser came with, so a planted id proves nothing). */
  start(bookingId: string, version: number): string {
    const id = newBrowserId();
    this.sessions.set(id, { bookingId, version, expiresAt: this.now() + this.lifetimeMinutes * MINUTE });
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return id;
  }

  find(id: string | undefined): GuestSession | undefined {
    if (!isBrowserId(id)) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt > this.now()) return session;
    this.sessions.delete(id);
    return undefined;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  /** Bookings with a live session: the guests the node's status counts. */
  verifiedBookings(): number {
    this.dropExpired();
    return new Set([...this.sessions.values()].map((session) => session.bookingId)).size;
  }

  nextExpiry(): Date | undefined {
    this.dropExpired();
    let earliest: number | undefined;
    for (const session of this.sessions.values()) if (earliest === undefined || session.expiresAt < earliest) earliest = session.expiresAt;
    return earliest === undefined ? undefined : new Date(earliest);
  }

  /** The token a form carries: tied to the browser's id, so another site cannot make one for it. */
  formToken(browserId: string): string {
    return createHmac('sha256', this.secret).update(`form:${browserId}`).digest('base64url');
  }

  formTokenMatches(browserId: string | undefined, token: string | undefined): boolean {
    if (!isBrowserId(browserId) || typeof token !== 'string') return false;
    const expected = Buffer.from(this.formToken(browserId));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private dropExpired(): void {
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }

  private now(): number {
    return this.clock.now().getTime();
  }
}
