import { patternBroken } from '../pins/pin-rules';
import { LockConfig, LockError } from './provider';

/**
 * What a keypad refuses, checked the same way by every provider that keeps codes itself (simulated,
 * manual). The messages name the slot, never the PIN.
 */
export function assertSlotAllowed(lock: LockConfig, slot: number): void {
  const { firstSlot, lastSlot } = lock.rules;
  if (!Number.isInteger(slot) || slot < firstSlot || slot > lastSlot) {
    throw new LockError(`${lock.name} has no slot ${slot} for StayKey: its slots are ${firstSlot} to ${lastSlot}`, 'rejected-code', false);
  }
  if (lock.rules.reservedSlots?.includes(slot)) {
    throw new LockError(
      `${lock.name} keeps slot ${slot} reserved (locks config): StayKey never sets, changes or clears it; use another slot`,
      'rejected-code',
      false,
    );
  }
}

export function assertPinAllowed(lock: LockConfig, slot: number, pin: string): void {
  const rules = lock.rules;
  if (!/^[0-9]+$/.test(pin)) {
    throw new LockError(`${lock.name} takes digits only; the code for slot ${slot} has other characters`, 'rejected-code', false);
  }
  if (!rules.codeLengths.includes(pin.length)) {
    const lengths = rules.codeLengths.join(' or ');
    throw new LockError(`${lock.name} takes ${lengths}-digit codes; the code for slot ${slot} has ${pin.length}`, 'rejected-code', false);
  }
  const forbidden = [...(rules.forbiddenDigits ?? '')].find((digit) => pin.includes(digit));
  if (forbidden !== undefined) {
    throw new LockError(`${lock.name}'s keypad has no "${forbidden}"; the code for slot ${slot} uses it`, 'rejected-code', false);
  }
  const prefix = (rules.forbiddenPrefixes ?? []).find((start) => pin.startsWith(start));
  if (prefix !== undefined) {
    throw new LockError(`${lock.name} refuses codes starting "${prefix}"; the code for slot ${slot} does`, 'rejected-code', false);
  }
  const pattern = patternBroken(pin, rules);
  if (pattern) throw new LockError(`${lock.name} ${pattern.replace(/^this lock /, '')}: the code for slot ${slot} breaks that rule`, 'rejected-code', false);
}

/** The reasons worth another try: the lock may answer in a minute. */
export function isTransientReason(reason: string): boolean {
  return reason === 'offline' || reason === 'timeout' || reason === 'busy';
}
