/**
 * Counts a feed's failed fetches and decides when the host hears about it: on the first failure, when
 * the kind of failure changes, and when the feed works again. A feed that fails every 15 minutes
 * overnight gives one alert, not forty.
 */
import { AlertMessage } from '../messages';

export class FeedHealth {
  private failuresInRow = 0;
  private lastReason: string | undefined;

  /** `feedName` in the host's words: "Room 101 feed (airbnb.com)". */
  constructor(private readonly feedName: string) {}

  get failures(): number {
    return this.failuresInRow;
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
