import type { LockConfig, LockStatus } from '../locks/provider';
import { formatLocal } from '../time/zoned';
import { periodAround } from '../windows/recurrence';
import type { BookingEntry, CodeEntry } from './ledger-types';

/** What is wrong for one arrival on one lock, with a key so each problem is told once per check. */
export interface ReadinessProblem {
  key: string;
  lockId: string;
  text: string;
}

export interface ArrivalCheck {
  bookingId: string;
  entry: BookingEntry;
  codes: CodeEntry[];
  /** Other bookings' active codes on the same locks, to spot a previous guest's code still in a slot. */
  othersOnLock: (lockId: string) => CodeEntry[];
}

const DEFAULT_CRITICAL = 15;

/**
 * Everything that would stand between this guest and the door at check-in: a lock offline or about
 * to die, a code not confirmed (or, on a lock without schedules, a slot still holding someone
 * else's code), the guest not told.
 */
export function arrivalProblems(check: ArrivalCheck, locks: Map<string, LockConfig>, statuses: Map<string, LockStatus | Error>, now: Date): ReadinessProblem[] {
  const { entry } = check;
  const problems: ReadinessProblem[] = [];
  const period = periodAround(entry.window, now);
  if (!period) return problems;
  for (const lockId of entry.window.locks) {
    const lock = locks.get(lockId);
    if (!lock) {
      problems.push({ key: `unknown:${lockId}`, lockId, text: `lock "${lockId}" is not configured` });
      continue;
    }
    problems.push(...lockProblems(lock, statuses.get(lockId)));
    problems.push(...codeProblems(check, lock, period.startsAt, now));
  }
  if (entry.told !== 'issued' && (entry.window.kind ?? 'guest') === 'guest') {
    problems.push({ key: 'not-told', lockId: entry.window.locks[0] ?? '', text: 'the guest has not been told their code yet' });
  }
  return problems;
}

function lockProblems(lock: LockConfig, status: LockStatus | Error | undefined): ReadinessProblem[] {
  if (!status || status instanceof Error) {
    const why = status instanceof Error ? `: ${status.message}` : '';
    return [{ key: `unreachable:${lock.id}`, lockId: lock.id, text: `${lock.name} could not be reached${why}` }];
  }
  if (!status.online) return [{ key: `offline:${lock.id}`, lockId: lock.id, text: `${lock.name} is offline` }];
  const critical = (lock as LockConfig & { criticalBelow?: number }).criticalBelow ?? DEFAULT_CRITICAL;
  if (status.battery !== null && status.battery < critical) {
    return [{ key: `battery:${lock.id}`, lockId: lock.id, text: `${lock.name}'s battery is at ${Math.round(status.battery)} % (critical)` }];
  }
  return [];
}

function codeProblems(check: ArrivalCheck, lock: LockConfig, startsAt: string, now: Date): ReadinessProblem[] {
  const code = check.codes.find((c) => c.lockId === lock.id && c.state !== 'revoked');
  const problem = (key: string, text: string) => [{ key: `${key}:${lock.id}`, lockId: lock.id, text }];
  if (!code) return problem('no-code', `no code is reserved on ${lock.name} (is it full?)`);
  if (code.waitingForSlot) return problem('no-slot', `${lock.name} has no free slot for this guest yet`);
  const why = code.lastError ? ` (last error: ${code.lastError})` : '';
  const windowOpen = now.getTime() >= Date.parse(startsAt);
  if (lock.schedules || windowOpen) {
    if (code.state !== 'confirmed' || !code.onLock) return problem('unconfirmed', `the code is not confirmed on ${lock.name}${why}`);
    return [];
  }
  // No schedules: the code goes on when the window opens; until then its slot must be free.
  const squatter = check.othersOnLock(lock.id).find((other) => other.slot === code.slot && other.onLock);
  if (squatter) return problem('slot-taken', `slot ${code.slot} of ${lock.name} still holds booking ${squatter.bookingId}'s code`);
  if (code.state === 'failed') return problem('failed', `the last command for ${lock.name} failed${why}`);
  return [];
}

/** "Booking HM123 (Ada, check-in Sat 10 Jul 2026, 16:00) in 2 h: ..." */
export function readinessText(bookingId: string, entry: BookingEntry, problems: ReadinessProblem[], hoursLeft: number, fallbacks: string[]): string {
  const who = entry.booking.guestName ?? 'guest';
  const when = formatLocal(new Date(entry.window.checkInAt), entry.window.timeZone);
  const lead = hoursLeft >= 1 ? `in ${Math.round(hoursLeft)} h` : `in ${Math.max(0, Math.round(hoursLeft * 60))} min`;
  const lines = problems.map((p) => `- ${p.text}`);
  return [`Booking ${bookingId} (${who}, check-in ${when}, ${lead}) is not ready:`, ...lines, ...fallbacks].join('\n');
}
