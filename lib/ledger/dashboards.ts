import type { LockSummary } from '../messages';
import type { LedgerSummary } from './ledger-options';
import { LedgerPart } from './ledger-records';
import { isGuest } from './ledger-helpers';

/**
 * What dashboards show: each lock's guest codes, next arrival and last use, and the ledger's counts. Never a PIN.
 */
export class Dashboards extends LedgerPart {
  /** Each lock as a dashboard shows it: guest codes on it, the next arrival, the last use. Never a PIN. */
  lockSummaries(): LockSummary[] {
    const arrivals = this.nextArrivals(this.now().toISOString());
    return this.options.locks().map((lock) => {
      const guestCodes = this.codesOnLock(lock.id).filter((code) => code.onLock && isGuest(this.data.bookings[code.bookingId]));
      const lastUse = this.data.lastUse?.[lock.id];
      const summary: LockSummary = {
        lockId: lock.id,
        name: lock.name,
        activeGuestCodes: guestCodes.length,
        nextArrival: arrivals.get(lock.id) ?? null,
        lastCodeUsedAt: lastUse?.at ?? null,
      };
      const unverifiable = guestCodes.filter((code) => code.unverifiable).length;
      if (unverifiable > 0) summary.unverifiableGuestCodes = unverifiable;
      const who = lastUse && this.data.bookings[lastUse.bookingId]?.booking.guestName;
      if (who) summary.lastCodeUsedBy = who;
      return summary;
    });
  }

  /**
   * Each lock's next guest check-in after `now`, from one walk over the bookings. Walking them once per
   * lock made the summaries that follow every reconcile take 4.5-5 s at 1,000 locks (docs/benchmarks.md).
   */
  private nextArrivals(now: string): Map<string, string> {
    const next = new Map<string, string>();
    for (const entry of Object.values(this.data.bookings)) {
      const checkIn = entry.window.checkInAt;
      if (entry.cancelled || !isGuest(entry) || !(checkIn > now)) continue;
      for (const lockId of entry.window.locks) {
        const known = next.get(lockId);
        if (known === undefined || checkIn < known) next.set(lockId, checkIn);
      }
    }
    return next;
  }

  summary(): LedgerSummary {
    const counts = { onLocks: 0, pending: 0, failed: 0, bookings: Object.keys(this.data.bookings).length };
    // Through the index by booking: a Map walks far quicker than the dictionary of codes (see codesByBooking).
    for (const codes of this.records.codesByBooking()) {
      for (const code of codes) {
        if (code.onLock) counts.onLocks += 1;
        if (code.state === 'pending' || code.inFlight) counts.pending += 1;
        if (code.state === 'failed') counts.failed += 1;
      }
    }
    return counts;
  }
}
