import { LockConfig, LockRules } from '../provider';

/** Nuki keypads take 6 digits, 1 to 9 only, never starting "12" (the firmware's guard against 123456). */
export const NUKI_CODE_LENGTH = 6;
export const NUKI_FORBIDDEN_DIGITS = '0';
export const NUKI_FORBIDDEN_PREFIXES = ['12'];
/** Nuki Web refuses a longer name with 422. */
export const NUKI_NAME_LENGTH = 20;
/** About this many codes fit on a Nuki keypad. */
export const NUKI_MAX_CODES = 100;

/**
 * A lock's rules with Nuki's on top, whatever the host typed: pin-issuer makes codes from these, so
 * a code it issues for a Nuki lock is one the keypad takes. Digits and starts the host forbade as
 * well are kept; other code lengths are dropped, since the keypad takes none.
 */
export function nukiRules(rules: LockRules): LockRules {
  const digits = [...new Set(`${rules.forbiddenDigits ?? ''}${NUKI_FORBIDDEN_DIGITS}`)].sort().join('');
  const prefixes = [...new Set([...(rules.forbiddenPrefixes ?? []), ...NUKI_FORBIDDEN_PREFIXES])];
  return { ...rules, codeLengths: [NUKI_CODE_LENGTH], forbiddenDigits: digits, forbiddenPrefixes: prefixes };
}

/**
 * A code length the host typed that Nuki's replaces, worth one warning at start-up. The forbidden
 * digit and start are added silently: a locks config row leaves them empty by default.
 */
function overriddenLength(rules: LockRules): boolean {
  return rules.codeLengths[0] !== NUKI_CODE_LENGTH || rules.codeLengths.length > 1;
}

/**
 * Puts Nuki's rules on each lock config in place (the lock set hands the same objects to
 * pin-issuer) and marks the locks as keeping dates: Nuki stores each code's dates itself.
 */
export function applyNukiRules(locks: LockConfig[], warn: (text: string) => void): void {
  for (const lock of locks) {
    if (overriddenLength(lock.rules)) warn(`${lock.name} is a Nuki lock: its codes are ${NUKI_CODE_LENGTH} digits, whatever the locks config says`);
    lock.rules = nukiRules(lock.rules);
    lock.schedules = true;
  }
}

/** StayKey's name for a code, cut to what Nuki Web takes. */
export function nukiName(name: string, slot: number): string {
  const plain = name.replace(/\s+/g, ' ').trim() || `StayKey ${slot}`;
  return Array.from(plain).slice(0, NUKI_NAME_LENGTH).join('').trim();
}
