/**
 * Controls a host's flow can send pin-issuer: give a booking new codes, look again now, ask locks what
 * they hold, clear a lock and put back what belongs there, use a backup code, or see the plan. A
 * keypad use (lock-provider -> pin-issuer) is read here too: like a control, it names a lock and asks
 * for nothing but a look.
 */
import type { CodeUsedMessage } from './index';
import { givenText } from './text';

export type Control =
  | { kind: 'reissue'; bookingId: string }
  | { kind: 'reconcile' }
  | { kind: 'verify'; lockId?: string }
  | { kind: 'wipe'; lockId: string }
  | { kind: 'plan' }
  | { kind: 'activate-backup'; bookingId: string; lockId: string }
  /** lock-provider's answer to a lock-query arrives on the same wire: nothing to do. */
  | { kind: 'lock-state' };

export const CONTROL_KINDS = ['reissue', 'reconcile', 'plan', 'lock-state', 'verify', 'activate-backup', 'wipe'];

/** A control by its kind (one of CONTROL_KINDS). */
export function parseControl(payload: Record<string, unknown>): Control {
  switch (payload.kind) {
    case 'reissue':
      if (!givenText(payload.bookingId)) throw new Error('pin-issuer: a reissue needs the bookingId whose codes to replace');
      return { kind: 'reissue', bookingId: String(payload.bookingId) };
    case 'verify':
      return { kind: 'verify', lockId: givenText(payload.lockId) };
    case 'activate-backup':
      if (!givenText(payload.bookingId) || !givenText(payload.lockId)) throw new Error('pin-issuer: activate-backup needs the bookingId and the lockId');
      return { kind: 'activate-backup', bookingId: String(payload.bookingId), lockId: String(payload.lockId) };
    case 'wipe':
      if (!givenText(payload.lockId)) throw new Error('pin-issuer: a wipe needs the lockId of the lock to clear');
      return { kind: 'wipe', lockId: String(payload.lockId) };
    default:
      return { kind: payload.kind as 'reconcile' | 'plan' | 'lock-state' };
  }
}

/** `now` stamps a keypad use that comes without its time: the node's clock, not the wall's (the demo and tests set it). */
export function parseCodeUsed(payload: Record<string, unknown>, now: Date): CodeUsedMessage {
  if (!givenText(payload.lockId) || typeof payload.success !== 'boolean') throw new Error('pin-issuer: a code-used needs lockId and success');
  return {
    kind: 'code-used',
    lockId: String(payload.lockId),
    slot: typeof payload.slot === 'number' ? payload.slot : null,
    success: payload.success,
    at: givenText(payload.at) ?? now.toISOString(),
  };
}
