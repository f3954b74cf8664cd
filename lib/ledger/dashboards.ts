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
    const now = this.now().toISOString();
    return this.options.locks().map((lock) => {
      const guestCodes = this.codesOnLock(lock.id).filter((code) => code.onLock && isGuest(this.data.bookings[code.bookingId]));
      const arrivals = Object.values(this.data.bookings)
        .filter((entry) => !entry.cancelled && isGuest(entry) && entry.window.locks.includes(lock.id) && entry.window.checkInAt > now)
        .map((entry) => entry.window.checkInAt)
        .sort();
      const lastUse = this.data.lastUse?.[lock.id];
      const summary: LockSummary = {
        lockId: lock.id,
        name: lock.name,
        activeGuestCodes: guestCodes.length,
        nextArrival: arrivals[0] ?? null,
        lastCodeUsedAt: lastUse?.at ?? null,
      };
      const unverifiable = guestCodes.filter((code) => code.unverifiable).length;
      if (unverifiable > 0) summary.unverifiableGuestCodes = unverifiable;
      const who = lastUse && this.data.bookings[lastUse.bookingId]?.booking.guestName;
      if (who) summary.lastCodeUsedBy = who;
      return summary;
    });
  }

  summary(): LedgerSummary {
    const codes = Object.values(this.data.codes);
    return {
      onLocks: codes.filter((c) => c.onLock).length,
      pending: codes.filter((c) => c.state === 'pending' || c.inFlight).length,
      failed: codes.filter((c) => c.state === 'failed').length,
      bookings: Object.keys(this.data.bookings).length,
    };
  }
}
