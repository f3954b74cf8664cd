/**
 * Home Assistant's answers as LockErrors the command runner understands: what may pass on its own
 * (HA restarting, the mesh timing out) is transient and retried; what the host must fix (a bad slot,
 * a refused token) is not.
 */
import { LockError } from '../locks/provider';
import { HaError, toHaError } from './connection';

/** Whether a failed call may still have reached the lock (the answer, not the command, was lost). */
export function mayHaveReachedLock(err: unknown): boolean {
  const code = err instanceof HaError ? err.code : undefined;
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

function scrub(text: string, pin: string | undefined): string {
  if (!pin) return text;
  return text.split(pin).join('••••');
}
