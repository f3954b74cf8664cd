/**
 * One simulated lock: the codes it holds, its battery and whether it answers, and the rules a real
 * keypad keeps (one PIN in one slot, a scheduled code opens only inside its dates).
 */
import type { SealedPin } from '../pins/vault';
import { isTransientReason } from './code-rules';
import { CodeOnLock, CodeToSet, LockConfig, LockError, LockFailureReason } from './provider';

export interface HeldCode {
  slot: number;
  name: string;
  pin: string;
  sealed?: SealedPin;
  startsAt?: string;
  endsAt?: string;
}

export interface SimulatedLock {
  config: LockConfig;
  online: boolean;
  battery: number;
  lastSeenAt?: string;
  codes: Map<number, HeldCode>;
  forcedFailures: { count: number; reason: LockFailureReason };
  ignoredWrites: number;
  /** Still counted online by its hub, but it has stopped reporting (a lock whose radio died quietly). */
  silent?: boolean;
}

/** A lock without schedules keeps no dates: the code works until it is cleared. */
export function heldCode(lock: SimulatedLock, code: CodeToSet): HeldCode {
  const held: HeldCode = { slot: code.slot, name: code.name, pin: code.pin };
  if (lock.config.schedules) {
    held.startsAt = code.startsAt;
    held.endsAt = code.endsAt;
  }
  return held;
}

export function withoutSealed(code: HeldCode): CodeOnLock {
  const { sealed: _sealed, ...rest } = code;
  return rest;
}

export function codesOf(lock: SimulatedLock): CodeOnLock[] {
  return [...lock.codes.values()].sort((a, b) => a.slot - b.slot).map(withoutSealed);
}

export function isAwake(lock: SimulatedLock): boolean {
  return lock.online && lock.battery > 0;
}

export function throwForcedFailure(lock: SimulatedLock): void {
  const forced = lock.forcedFailures;
  if (forced.count <= 0) return;
  forced.count -= 1;
  throw new LockError(`${lock.config.name} failed (${forced.reason}, simulated)`, forced.reason, isTransientReason(forced.reason));
}

/** Keypads refuse a PIN that already opens another slot: it could not tell the two guests apart. */
export function assertNotElsewhere(lock: SimulatedLock, code: CodeToSet): void {
  for (const held of lock.codes.values()) {
    if (held.slot !== code.slot && held.pin === code.pin) {
      throw new LockError(
        `${lock.config.name} already holds the code for slot ${code.slot} in slot ${held.slot}`,
        'duplicate-code',
        false,
      );
    }
  }
}

export function codeThatOpens(lock: SimulatedLock, pin: string, now: Date): HeldCode | undefined {
  return [...lock.codes.values()].find((code) => code.pin === pin && withinDates(code, now.getTime()));
}

function withinDates(code: HeldCode, now: number): boolean {
  if (code.startsAt && now < Date.parse(code.startsAt)) return false;
  if (code.endsAt && now >= Date.parse(code.endsAt)) return false;
  return true;
}

export function clampBattery(percent: number): number {
  const value = Number.isFinite(percent) ? percent : 100;
  return Math.round(Math.min(Math.max(value, 0), 100) * 100) / 100;
}
