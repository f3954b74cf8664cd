/** TTLock's passcodes as StayKey reads and writes them: their types, dates and what a listing says. */
import { CodeOnLock, LockConfig, LockError } from '../provider';
import { text } from './account';
import { ListedPasscode, TTLockSlots, toMinute } from './slots';

export interface Passcode extends ListedPasscode {
  pin: string | null;
  type: number;
}

/** The code types TTLock lists: 2 permanent, 3 period (the one StayKey adds). */
export const PERIOD = 3;
const PERMANENT = 2;
/** Through the gateway (or Wi-Fi): 1, TTLock's default, only writes the cloud and the code never opens the door. */
export const VIA_GATEWAY = 2;
export const PASSCODE_GONE = -2009;

/** A passcode as a code on the lock, in the slot StayKey knows it by, with the dates StayKey asked for. */
export function codeOnLock(slots: TTLockSlots, device: string, passcode: Passcode): CodeOnLock {
  const slot = slots.slotOf(device, passcode.keyboardPwdId)!;
  const held = slots.isOurs(device, passcode.keyboardPwdId) ? slots.slot(device, slot) : undefined;
  const code: CodeOnLock = { slot, name: passcode.name, pin: passcode.pin };
  if (passcode.type === PERMANENT) return code;
  if (passcode.startDate !== undefined) code.startsAt = asked(held?.startsAt, passcode.startDate);
  if (passcode.endDate !== undefined) code.endsAt = asked(held?.endsAt, passcode.endDate);
  return code;
}

/** keyboardPwdType may come as a string ("3"), dates as 0 for none. */
export function passcodeOf(item: unknown): Passcode | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const raw = item as Record<string, unknown>;
  const keyboardPwdId = Number(raw.keyboardPwdId);
  if (!Number.isInteger(keyboardPwdId)) return undefined;
  const pin = raw.keyboardPwd === undefined || raw.keyboardPwd === null || raw.keyboardPwd === '' ? null : String(raw.keyboardPwd);
  const passcode: Passcode = { keyboardPwdId, name: text(raw.keyboardPwdName), pin, type: Number(raw.keyboardPwdType) };
  const start = Number(raw.startDate);
  const end = Number(raw.endDate);
  if (start > 0) passcode.startDate = start;
  if (end > 0) passcode.endDate = end;
  return passcode;
}

/** The date StayKey asked for where TTLock kept that minute of it; otherwise TTLock's own. */
function asked(requested: string | undefined, stored: number): string {
  if (requested && toMinute(requested) === stored) return requested;
  return new Date(stored).toISOString();
}

/** TTLock's minutes for the code's window; a window that ends before it starts is refused here. */
export function datesOf(lock: LockConfig, code: { slot: number; startsAt: string; endsAt: string }): { startDate: number; endDate: number } {
  const start = Date.parse(code.startsAt);
  const end = Date.parse(code.endsAt);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
    throw new LockError(`${lock.name}: the code for slot ${code.slot} needs a start before its end`, 'rejected-code', false);
  }
  return { startDate: toMinute(code.startsAt), endDate: toMinute(code.endsAt) };
}
