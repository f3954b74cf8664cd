/**
 * Home Assistant's answers as LockErrors the command runner understands: what may pass on its own
 * (HA restarting, the mesh timing out) is transient and retried; what the host must fix (a bad slot,
 * a refused token) is not.
 */
import { LockError } from '../provider';
import { HaError, toHaError } from '../../ha/connection';

/** Whether a failed call may still have reached the lock (the answer, not the command, was lost). */
export function mayHaveReachedLock(err: unknown): boolean {
  const code = err instanceof HaError ? err.code : undefined;
  if (err instanceof HaError && slotNotFound(err.message) !== undefined) return false;
  return code === 'connection_lost' || code === 'timeout' || code === 'home_assistant_error' || code === 'unknown_error';
}

/**
 * `what` says what was tried ("set the code in slot 3"); `pin`, when given, is blanked out of
 * anything Home Assistant echoed back.
 */
export function lockErrorFrom(err: unknown, lockName: string, what: string, url: string, pin?: string): LockError {
  if (err instanceof LockError) return err;
  const ha = toHaError(err, url);
  const said = scrub(ha.message, pin);
  const missingSlot = slotNotFound(ha.message);
  if (missingSlot !== undefined && (ha.code === 'home_assistant_error' || ha.code === 'service_validation_error')) {
    // The lock has fewer slots than the locks config gives it: asking again cannot help.
    return new LockError(
      `${lockName} has no code slot ${missingSlot} (Home Assistant: ${said}): set the lock's last slot in the locks config to no more than it holds`,
      'rejected-code',
      false,
    );
  }
  switch (ha.code) {
    case 'not_connected':
    case 'connection_lost':
    case 'closed':
      return new LockError(`${lockName}: could not ${what}: ${said}`, 'offline', true);
    case 'timeout':
      return new LockError(`${lockName}: could not ${what}: ${said}`, 'timeout', true);
    case 'home_assistant_error':
      // Z-Wave JS and ZHA report a lock that did not answer this way: the mesh may do better next time.
      return new LockError(`${lockName}: Home Assistant could not ${what} (${said})`, 'timeout', true);
    case 'service_validation_error':
    case 'invalid_format':
      return new LockError(`${lockName}: Home Assistant refused to ${what} (${said})`, 'rejected-code', false);
    case 'not_found':
      // The integration may still be loading after a Home Assistant restart.
      return new LockError(`${lockName}: Home Assistant has no such service (${said}); is the integration loaded?`, 'offline', true);
    case 'auth':
    case 'unauthorized':
    case 'unconfigured':
    case 'no_websocket':
      return new LockError(`${lockName}: could not ${what}: ${said}`, 'auth', false);
    default:
      return new LockError(`${lockName}: could not ${what} (${said})`, 'vendor-error', true);
  }
}

/**
 * The slot in Z-Wave JS's "...code slot N not found" (zwave-js-server-python's NotFoundError, which
 * Home Assistant passes on as "Unable to set lock usercode on ... code_slot N: userCode for code slot
 * N not found"): a slot beyond what the lock holds. Undefined for any other message.
 */
export function slotNotFound(message: string): number | undefined {
  const match = /\bcode[ _]slot (\d{1,4}) not found\b/i.exec(message.slice(0, 500));
  return match ? Number(match[1]) : undefined;
}

function scrub(text: string, pin: string | undefined): string {
  if (!pin) return text;
  return text.split(pin).join('••••');
}
