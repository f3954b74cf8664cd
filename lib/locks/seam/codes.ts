/**
 * Seam's access codes as StayKey reads them, and when one counts as on the lock. Seam's lifecycle
 * is asynchronous: a code is `unset` while Seam holds it for later, `setting` while it programs the
 * device, `set` once the device has it, `removing` on its way out. A create call only says Seam
 * took the request; the code's status, errors and warnings say what the lock holds.
 */
import type { CodeOnLock } from '../provider';
import { isRecord, text } from './devices';

export interface SeamCode {
  accessCodeId: string;
  deviceId: string;
  name: string;
  /** The PIN, where Seam shows it; null when it does not. */
  code: string | null;
  startsAt?: string;
  endsAt?: string;
  status: string;
  errors: string[];
  warnings: string[];
  managed: boolean;
  offline: boolean;
}

export function seamCodeOf(raw: unknown, managed: boolean): SeamCode | undefined {
  if (!isRecord(raw) || typeof raw.access_code_id !== 'string' || !raw.access_code_id) return undefined;
  const code = typeof raw.code === 'string' && /^[0-9]{1,16}$/.test(raw.code) ? raw.code : null;
  return {
    accessCodeId: raw.access_code_id,
    deviceId: text(raw.device_id),
    name: text(raw.name),
    code,
    startsAt: isoOf(raw.starts_at),
    endsAt: isoOf(raw.ends_at),
    status: text(raw.status) || (managed ? 'unknown' : 'set'),
    errors: codesOf(raw.errors, 'error_code'),
    warnings: codesOf(raw.warnings, 'warning_code'),
    managed: typeof raw.is_managed === 'boolean' ? raw.is_managed : managed,
    offline: raw.is_offline_access_code === true,
  };
}

/**
 * The lock holds the code, or Seam holds it for a window that has not begun (Seam programs it
 * before the start: natively scheduled codes up to 72 h ahead, others 30 min ahead). A code with
 * errors, one still being set after its window opened, or one Seam cannot see (`unknown`) is not.
 */
export function isOnLock(code: SeamCode, now: Date): boolean {
  if (code.errors.length) return false;
  if (code.status === 'set' || code.status === 'removing') return true;
  if (code.status === 'unset' || code.status === 'setting') return code.startsAt !== undefined && Date.parse(code.startsAt) > now.getTime();
  return false;
}

export function codeOnLock(code: SeamCode, slot: number): CodeOnLock {
  return {
    slot,
    name: code.name,
    pin: code.code,
    ...(code.startsAt ? { startsAt: code.startsAt } : {}),
    ...(code.endsAt ? { endsAt: code.endsAt } : {}),
  };
}

function isoOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : new Date(millis).toISOString();
}

function codesOf(value: unknown, key: string): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .slice(0, 50)
    .filter(isRecord)
    .map((entry) => text(entry[key]))
    .filter(Boolean);
}
