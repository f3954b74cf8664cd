/**
 * Counts a feed's failed fetches and decides when the host hears about it: on the first failure, when
 * the kind of failure changes, and when the feed works again. A feed that fails every 15 minutes
 * overnight gives one alert, not forty.
 */
import { AlertMessage } from '../messages';

/** However often a feed fails, it is tried again at least once an hour. */
export const LONGEST_WAIT_MS = 3600_000;

export class FeedHealth {
  private failuresInRow = 0;
  private lastReason: string | undefined;

  /** `feedName` in the host's words: "Room 101 feed (airbnb.com)". */
  constructor(private readonly feedName: string) {}

  get failures(): number {
    return this.failuresInRow;
  }

  /**
   * When to fetch next: the set interval while the feed works; after failures, twice as long for each
   * failure in a row, up to an hour (or the interval, if that is longer). A channel that is down or
   * rate-limiting us is not hammered, and a good fetch brings back the normal pace.
   */
  nextPollIn(intervalMs: number): number {
    if (this.failuresInRow === 0) return intervalMs;
    const longest = Math.max(intervalMs, LONGEST_WAIT_MS);
    return Math.min(intervalMs * 2 ** Math.min(this.failuresInRow, 20), longest);
  }

  failed(reason: string): AlertMessage | undefined {
    this.failuresInRow += 1;
    const repeated = reason === this.lastReason;
    this.lastReason = reason;
    if (repeated) return undefined;
    return {
      kind: 'alert',
      severity: 'warning',
      topic: 'feed',
      text: `${this.feedName} failed: ${reason}. Keeping the last good bookings; nothing is cancelled until it works again.`,
    };
  }

  succeeded(): AlertMessage | undefined {
    const failures = this.failuresInRow;
    this.failuresInRow = 0;
    this.lastReason = undefined;
    if (failures === 0) return undefined;
    const times = failures === 1 ? 'one failed fetch' : `${failures} failed fetches`;
    return { kind: 'alert', severity: 'info', topic: 'feed', text: `${this.feedName} works again after ${times}.` };
  }
}
