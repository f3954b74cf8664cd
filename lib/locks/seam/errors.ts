/**
 * What Seam answers when something fails, as a LockError a host can act on, with the same reasons
 * every other provider uses (so retries, alerts and readiness behave alike). Seam's texts may quote
 * the code sent ("Cannot set duplicate access code 482913 ..."): digit runs never reach a sentence.
 */
import { isSeamHttpApiError, isSeamHttpUnauthorizedError } from '@seamapi/http';
import { LockError, LockFailureReason } from '../provider';
import { isRecord, text } from './devices';

/** An access code's or device's error codes, by the reason StayKey gives them. */
const CODE_ERRORS: ReadonlyArray<[LockFailureReason, boolean, string[]]> = [
  ['duplicate-code', false, ['duplicate_code_on_device', 'duplicate_code_attempt_prevented', 'schlage_detected_duplicate', 'wyze_potential_duplicate_code']],
  ['slots-full', false, ['no_space_for_access_code_on_device', 'smartthings_no_free_slots_available', 'hubitat_no_free_positions_available']],
  ['rejected-code', false, ['code_constraints_violated', 'august_lock_invalid_code_length', 'august_lock_missing_keypad']],
  ['auth', false, ['account_disconnected', 'salto_ks_subscription_limit_exceeded', 'subscription_required']],
  ['offline', true, ['device_offline', 'hub_disconnected', 'bridge_disconnected', 'seam_bridge_disconnected', 'august_lock_temporarily_offline', 'igloohome_bridge_offline', 'device_disconnected']],
];

const ADVICE: Partial<Record<LockFailureReason, string>> = {
  'duplicate-code': 'the lock already holds that code',
  'slots-full': 'the lock has no room for another code',
  'rejected-code': 'the lock refused the code',
  auth: 'the lock\'s brand account needs the host in the Seam console',
  offline: 'the lock cannot be reached now',
};

/** The reason for the first error Seam reports on a code (or its device); vendor-error for any other. */
export function codeErrorFailure(lockName: string, errorCodes: string[], pin?: string): LockError {
  for (const [reason, transient, codes] of CODE_ERRORS) {
    const found = errorCodes.find((code) => codes.includes(code));
    if (found) return new LockError(`${lockName}: Seam reports ${found} (${ADVICE[reason]})`, reason, transient);
  }
  return new LockError(`${lockName}: Seam reports ${scrubbed(errorCodes.join(', '), pin) || 'a problem'} with the code`, 'vendor-error', true);
}

/** A failed request as a LockError. Never with the API key or the PIN. */
export function requestFailure(lockName: string, err: unknown, pin?: string): LockError {
  if (err instanceof LockError) return err;
  if (isSeamHttpUnauthorizedError(err)) {
    return new LockError('Seam refused the API key (401): make a new key in the Seam console and enter it in the Seam account', 'auth', false);
  }
  if (isSeamHttpApiError(err)) return apiFailure(lockName, err.code, err.statusCode, scrubbed(err.message, pin));
  const status = httpStatus(err);
  if (status === 429) return new LockError(`${lockName}: Seam asks StayKey to slow down (429)`, 'busy', true);
  if (status !== undefined && status >= 500) return new LockError(`${lockName}: Seam is not answering properly (${status}); it usually passes`, 'vendor-error', true);
  if (status === 401 || status === 403) return new LockError(`Seam refused the API key (${status}): check it in the Seam account`, 'auth', false);
  if (status !== undefined) return new LockError(`${lockName}: Seam refused the request (${status})`, 'vendor-error', false);
  if (isTimeout(err)) return new LockError(`${lockName}: Seam did not answer in time`, 'timeout', true);
  const message = err instanceof Error ? err.message : String(err);
  return new LockError(`${lockName}: Seam could not be reached (${scrubbed(message, pin)})`, 'vendor-error', true);
}

function apiFailure(lockName: string, code: string, status: number, message: string): LockError {
  if (code === 'duplicate_access_code') return new LockError(`${lockName}: Seam says the lock already holds that code (${code})`, 'duplicate-code', false);
  if (code === 'device_not_found') return new LockError(`${lockName}: Seam has no such device: check the device id in the locks config`, 'unknown-lock', false);
  if (code === 'device_offline' || code === 'device_disconnected') return new LockError(`${lockName}: Seam says the device is offline`, 'offline', true);
  if (code === 'account_disconnected') return codeErrorFailure(lockName, [code]);
  if (status === 429 || code === 'rate_limit_exceeded') return new LockError(`${lockName}: Seam asks StayKey to slow down (${code})`, 'busy', true);
  if (status >= 500) return new LockError(`${lockName}: Seam had a problem (${status} ${code}); it usually passes`, 'vendor-error', true);
  if (status === 403) return new LockError(`Seam does not let this API key change ${lockName} (403 ${code}): check the key's workspace`, 'auth', false);
  if (code === 'invalid_input') return new LockError(`${lockName}: Seam refused the code's details (${message})`, 'rejected-code', false);
  return new LockError(`${lockName}: Seam refused the request (${status} ${code}: ${message})`, 'vendor-error', false);
}

function httpStatus(err: unknown): number | undefined {
  if (!isRecord(err) || !isRecord(err.response)) return undefined;
  return typeof err.response.status === 'number' ? err.response.status : undefined;
}

function isTimeout(err: unknown): boolean {
  return isRecord(err) && (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || text(err.name) === 'TimeoutError');
}

/** Vendor texts may quote what was sent: the PIN, and any run of four digits or more, go. */
export function scrubbed(message: string, pin?: string): string {
  const clean = pin ? message.split(pin).join('••••') : message;
  return clean.replace(/\d{4,}/g, '…').slice(0, 300).trim();
}
