/**
 * A Nuki keypad code as StayKey writes and reads it: the body sent for a slot (Nuki's name, the
 * guest's dates, every weekday), whether an auth already holds it, and what a smartlock says of its
 * keypad and battery.
 */
import { CodeUpdate, LockConfig, LockError } from '../provider';
import { KeypadCodeBody, NukiAuth, NukiSmartlock } from './api';
import { nukiName, nukiRules } from './rules';

/** Nuki's own battery number is missing on some models when critical: reported as this. */
const CRITICAL_LEVEL = 10;

/** Every weekday (Mon 64 .. Sun 1), all day (0 to 0): the dates alone limit a guest's code. */
const ALL_WEEK = 127;

export function nukiLock(lock: LockConfig): LockConfig {
  return { ...lock, rules: nukiRules(lock.rules) };
}

export function codeBody(lock: LockConfig, code: CodeUpdate): KeypadCodeBody {
  return {
    name: nukiName(code.name, code.slot),
    allowedFromDate: instant(lock, code.slot, code.startsAt, 'start'),
    allowedUntilDate: instant(lock, code.slot, code.endsAt, 'end'),
    allowedWeekDays: ALL_WEEK,
    allowedFromTime: 0,
    allowedUntilTime: 0,
    remoteAllowed: false,
  };
}

function instant(lock: LockConfig, slot: number, value: string, what: string): string {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new LockError(`the code for slot ${slot} of ${lock.name} has no valid ${what} date`, 'rejected-code', false);
  return new Date(at).toISOString();
}

export function codeOf(auth: NukiAuth): string | undefined {
  return auth.code === undefined || auth.code === null ? undefined : String(auth.code);
}

export function holdsAlready(auth: NukiAuth, pin: string | undefined, body: KeypadCodeBody): boolean {
  if (pin !== undefined && codeOf(auth) !== pin) return false;
  return auth.name === body.name && sameInstant(auth.allowedFromDate, body.allowedFromDate) && sameInstant(auth.allowedUntilDate, body.allowedUntilDate);
}

function sameInstant(a: string | undefined, b: string): boolean {
  return a !== undefined && Date.parse(a) === Date.parse(b);
}

export function hasKeypad(smartlock: NukiSmartlock): boolean {
  const config = smartlock.config;
  if (!config || (config.keypadPaired === undefined && config.keypad2Paired === undefined)) return true;
  return config.keypadPaired === true || config.keypad2Paired === true;
}

/** Nuki's percentage; a critical battery without one is reported low enough to be treated as critical. */
export function batteryOf(smartlock: NukiSmartlock): number | null {
  const charge = smartlock.state?.batteryCharge;
  const known = typeof charge === 'number' && Number.isFinite(charge) ? Math.min(Math.max(charge, 0), 100) : undefined;
  if (smartlock.state?.batteryCritical === true) return Math.min(known ?? CRITICAL_LEVEL, CRITICAL_LEVEL);
  return known ?? null;
}
