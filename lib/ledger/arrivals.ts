import type { LockConfig, LockStatus } from '../locks/provider';
import type { AlertMessage } from '../messages';
import { arrivalProblems, readinessText } from './readiness';
import type { BookingEntry } from './ledger-types';
import { LedgerPart } from './ledger-records';
import { alert } from './ledger-alerts';

/**
 * Readiness before each arrival: every lock online and charged, every code on its lock, the guest told.
 */
export class Arrivals extends LedgerPart {
  upcomingArrivals(hours: number): [string, BookingEntry][] {
    const now = this.now().getTime();
    return Object.entries(this.data.bookings).filter(([, entry]) => {
      if (entry.cancelled || entry.window.kind === 'staff' || entry.window.kind === 'backup') return false;
      const left = Date.parse(entry.window.checkInAt) - now;
      return left > 0 && left <= hours * 3600_000;
    });
  }

  /** The locks of arrivals within the next `hours`: the ones whose status a readiness check needs. */
  locksArrivingWithin(hours: number): string[] {
    const ids = new Set<string>();
    for (const [, entry] of this.upcomingArrivals(hours)) entry.window.locks.forEach((lockId) => ids.add(lockId));
    return [...ids];
  }

  /**
   * Readiness before each arrival: every lock online and above critical battery, every code confirmed
   * (or, without schedules, its slot free), the guest told. A problem is told once per check period
   * (e.g. 24 h ahead, then again 2 h ahead if it is still there), new problems as soon as they appear,
   * with the fallback for each lock (its backup key).
   */
  checkReadiness(statuses: Map<string, LockStatus | Error>, checkHours: number[], fallbackFor: (lock: LockConfig) => string): AlertMessage[] {
    const now = this.now();
    const locks = new Map(this.options.locks().map((lock) => [lock.id, lock]));
    const alerts: AlertMessage[] = [];
    for (const [id, entry] of this.upcomingArrivals(Math.max(...checkHours))) {
      const hoursLeft = (Date.parse(entry.window.checkInAt) - now.getTime()) / 3600_000;
      const period = Math.min(...checkHours.filter((hours) => hours >= hoursLeft));
      const codes = this.codesOf(id);
      const others = (lockId: string) => this.activeCodesOn(lockId).filter((code) => code.bookingId !== id);
      const problems = arrivalProblems({ bookingId: id, entry, codes, othersOnLock: others }, locks, statuses, now);
      const fresh = problems.filter((problem) => !this.alerted.has(`ready:${id}:${period}:${problem.key}`));
      if (!fresh.length) continue;
      fresh.forEach((problem) => this.alerted.add(`ready:${id}:${period}:${problem.key}`));
      const troubled = [...new Set(problems.map((problem) => problem.lockId))].map((lockId) => locks.get(lockId)).filter((lock): lock is LockConfig => Boolean(lock));
      const text = readinessText(id, entry, problems, hoursLeft, troubled.map(fallbackFor));
      alerts.push(alert('critical', 'readiness', text, { bookingId: id }));
    }
    return alerts;
  }
}
