/**
 * What Nuki Web answers when a request fails, as a LockError a host can act on: which lock, what
 * happened, what to do. Never with the PIN: Nuki's texts may quote what was sent.
 */
import { LockConfig, LockError } from '../provider';
import { NukiApiError } from './api';

export interface CallContext {
  /** Answers the write looks into itself (a 400 about the code, a 404 for an auth gone meanwhile). */
  raw?: number[];
  pin?: string;
}

export function lockErrorFor(lock: LockConfig, err: unknown, pin: string | undefined): LockError {
  if (err instanceof LockError) return err;
  if (!(err instanceof NukiApiError)) {
    const text = err instanceof Error ? err.message : String(err);
    return new LockError(`${lock.name}: ${scrubbed(text, pin)}`, 'vendor-error', true);
  }
  switch (err.failure) {
    case 'timeout':
      return new LockError(`${lock.name}: ${err.message}`, 'timeout', true);
    case 'network':
      return new LockError(`${lock.name}: ${err.message}`, 'vendor-error', true);
    case 'stopped':
      return new LockError(`${lock.name}: ${err.message}`, 'busy', true);
    default:
      return httpError(lock, err);
  }
}

function httpError(lock: LockConfig, err: NukiApiError): LockError {
  const status = err.status;
  if (status === 401) {
    return new LockError('Nuki Web refused the API token (401): make a new token in Nuki Web and enter it in the Nuki account', 'auth', false);
  }
  if (status === 403) {
    return new LockError(`Nuki Web does not let this API token change ${lock.name} (403): check the token's rights in Nuki Web`, 'auth', false);
  }
  if (status === 404) {
    return new LockError(`Nuki Web knows no smartlock ${lock.device ?? ''} for ${lock.name} (404): check the lock's Nuki id in the locks config`, 'unknown-lock', false);
  }
  if (status === 429) return new LockError(`${lock.name}: ${err.message}`, 'busy', true);
  if (status === 422) return new LockError(`Nuki Web refused the code's details for ${lock.name} (422: ${scrubbed(err.detail)})`, 'rejected-code', false);
  if (status >= 500 || status === 408) return new LockError(`${lock.name}: Nuki Web had a problem (${status}); it usually passes`, 'vendor-error', true);
  return new LockError(`${lock.name}: Nuki Web refused the request (${status}${err.detail ? `: ${scrubbed(err.detail)}` : ''})`, 'vendor-error', false);
}

/** Vendor texts may quote what was sent ("The supplied value '245678' ..."): quoted values and digit runs go. */
export function scrubbed(text: string, pin?: string): string {
  let clean = pin ? text.split(pin).join('••••') : text;
  clean = clean.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"').replace(/\d{4,}/g, '…');
  return clean.trim() || 'no details';
}

export function mentionsCode(detail: string): boolean {
  return /parameter\s+'?code'?/i.test(detail);
}
