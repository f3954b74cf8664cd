/** A lock's answer to a command (lock-provider -> pin-issuer). */
import type { LockResultMessage } from './index';
import { givenText } from './text';

export function parseLockResult(payload: Record<string, unknown>): LockResultMessage {
  // codeId may be empty: lock-provider sends that for a manual task it cannot trace, and the ledger ignores it.
  if (!givenText(payload.commandId) || typeof payload.codeId !== 'string' || typeof payload.ok !== 'boolean') {
    throw new Error('pin-issuer: a lock-result needs commandId, codeId and ok (wire lock-provider output 1 to this node)');
  }
  const result: LockResultMessage = { ...(payload as unknown as LockResultMessage), confirmed: payload.confirmed === true };
  if (payload.fromLock !== undefined) result.fromLock = codeFromLock(payload.fromLock);
  if (payload.notice !== undefined) result.notice = typeof payload.notice === 'string' ? payload.notice.slice(0, 500) : undefined;
  return result;
}

/** A code the lock chose: a sealed PIN and two dates, or the result is refused (a PIN must never be half-read). */
function codeFromLock(value: unknown): LockResultMessage['fromLock'] {
  const given = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const { pin, startsAt, endsAt, why } = given;
  const dated = (date: unknown) => typeof date === 'string' && date.length <= 40 && !Number.isNaN(Date.parse(date));
  if (typeof pin !== 'string' || pin.length > 500 || !dated(startsAt) || !dated(endsAt) || (why !== 'offline-code' && why !== 'backup-pool')) {
    throw new Error('pin-issuer: a lock-result\'s fromLock needs a sealed pin, startsAt, endsAt and why (offline-code or backup-pool)');
  }
  return { pin, startsAt: startsAt as string, endsAt: endsAt as string, why };
}
