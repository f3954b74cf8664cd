import * as crypto from 'node:crypto';
import type { LockRules } from '../locks/provider';

/**
 * PINs guests and strangers guess first: keypad lines (2580), years, lovers' numbers. Patterns
 * (all-same, runs, repeats, too few distinct digits) are caught by rule; these are the ones that
 * look random to a rule but not to a person.
 */
const COMMON_PINS = new Set([
  '1004', '2000', '6969', '1122', '1313', '2580', '0852', '5683', '1010', '2468', '1357', '7531', '8642', '1379', '3179',
  '1590', '7410', '0147', '3690', '9630', '1793', '2486', '1998', '0007', '4200', '0420', '1123', '2001', '2525', '1221',
  '112233', '159753', '147258', '258369', '147369', '520520', '789456', '102030', '252525', '696969', '110110', '123321',
  '121121', '741852', '963852', '357159', '246810', '111222', '142536', '987654', '131313', '007007', '666999', '198523',
]);

export type RandomInt = (maxExclusive: number) => number;

const cryptoRandom: RandomInt = (max) => crypto.randomInt(max);

/** A PIN nobody should be given: guessable by pattern, or on the list of common PINs. */
export function isWeakPin(pin: string): boolean {
  if (!/^\d+$/.test(pin)) return true;
  return (
    allSame(pin) ||
    isRun(pin, 1) ||
    isRun(pin, -1) ||
    repeatsShortUnit(pin) ||
    tooFewDistinctDigits(pin) ||
    looksLikeYear(pin) ||
    COMMON_PINS.has(pin)
  );
}

function allSame(pin: string): boolean {
  return pin.split('').every((digit) => digit === pin[0]);
}

/** 1234, 4321, 7890, 8901: keypads wrap 9 to 0 for the people who try these. */
function isRun(pin: string, step: 1 | -1): boolean {
  for (let i = 1; i < pin.length; i++) {
    if ((Number(pin[i - 1]) + step + 10) % 10 !== Number(pin[i])) return false;
  }
  return true;
}

/** 1212, 123123, 4545 45: a short unit repeated to fill the PIN. */
function repeatsShortUnit(pin: string): boolean {
  for (let unit = 1; unit <= Math.floor(pin.length / 2); unit++) {
    if (pin.length % unit !== 0) continue;
    if (pin.slice(0, unit).repeat(pin.length / unit) === pin) return true;
  }
  return false;
}

function tooFewDistinctDigits(pin: string): boolean {
  const distinct = new Set(pin).size;
  return pin.length >= 6 ? distinct < 3 : distinct < 2;
}

function looksLikeYear(pin: string): boolean {
  return pin.length === 4 && /^(19|20)\d\d$/.test(pin);
}

/** Why a PIN breaks a lock's rules, or undefined when it obeys them all. */
export function ruleBroken(pin: string, rules: LockRules): string | undefined {
  if (!/^\d+$/.test(pin)) return 'a PIN has digits only';
  if (!rules.codeLengths.includes(pin.length)) return `this lock takes PINs of ${rules.codeLengths.join(' or ')} digits`;
  const forbidden = [...(rules.forbiddenDigits ?? '')].find((digit) => pin.includes(digit));
  if (forbidden !== undefined) return `this lock's keypad has no ${forbidden}`;
  const prefix = (rules.forbiddenPrefixes ?? []).find((p) => pin.startsWith(p));
  if (prefix !== undefined) return `this lock refuses PINs starting with ${prefix}`;
  const pattern = patternBroken(pin, rules);
  if (pattern) return pattern;
  if (isWeakPin(pin)) return 'the PIN is too easy to guess';
  return undefined;
}

/** The patterns some locks refuse on their own (runs of consecutive digits, too few different digits). */
export function patternBroken(pin: string, rules: LockRules): string | undefined {
  if (rules.noRunsOf !== undefined && rules.noRunsOf >= 2 && hasRun(pin, rules.noRunsOf)) return `this lock refuses ${rules.noRunsOf} consecutive digits in a row`;
  if (rules.minDistinctDigits !== undefined && new Set(pin).size < rules.minDistinctDigits) return `this lock wants at least ${rules.minDistinctDigits} different digits`;
  return undefined;
}

/** 123 or 987 somewhere in the PIN, for a run of length 3. */
function hasRun(pin: string, length: number): boolean {
  for (const step of [1, -1]) {
    let run = 1;
    for (let i = 1; i < pin.length; i++) {
      run = Number(pin[i]) - Number(pin[i - 1]) === step ? run + 1 : 1;
      if (run >= length) return true;
    }
  }
  return false;
}

export function digitsAllowed(rules: LockRules): string[] {
  const allowed = '0123456789'.split('').filter((digit) => !(rules.forbiddenDigits ?? '').includes(digit));
  if (allowed.length < 2) throw new Error('lock rules leave fewer than two digits to make PINs from');
  return allowed;
}

/**
 * Why a lock's rules leave no PIN that is hard to guess, for the cases a locks config can hold:
 * a PIN of six or more digits needs three different ones (tooFewDistinctDigits), and a start must
 * be left for it. Undefined when PINs can be made (or only trying tells).
 */
export function rulesLeaveNoPin(rules: LockRules): string | undefined {
  const length = rules.codeLengths[0];
  if (!Number.isInteger(length) || length < 4 || length > 12) return `PIN length ${length} is not supported (4 to 12)`;
  const allowed = '0123456789'.split('').filter((digit) => !(rules.forbiddenDigits ?? '').includes(digit));
  if (allowed.length < 2) return 'lock rules leave fewer than two digits to make PINs from';
  if (length >= 6 && allowed.length < 3) {
    return `a ${length}-digit PIN needs three different digits to be hard to guess, and the lock's rules leave only ${allowed.join(' and ')}`;
  }
  const starts = allowed.filter((digit) => !(rules.forbiddenPrefixes ?? []).includes(digit));
  if (starts.length === 0) return 'the forbidden starts leave no digit a PIN could start with';
  return undefined;
}

/**
 * A fresh PIN for a lock: uniformly random over the lock's allowed digits (crypto.randomInt), obeying
 * its rules, never weak, and not among `taken` (the lock's other active codes). Rejection sampling
 * keeps every allowed PIN equally likely.
 */
export function generatePin(rules: LockRules, isTaken: (pin: string) => boolean, random: RandomInt = cryptoRandom): string {
  const problem = rulesLeaveNoPin(rules);
  if (problem) throw new Error(problem);
  const length = rules.codeLengths[0];
  const digits = digitsAllowed(rules);
  let fitsRules = false;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    let pin = '';
    for (let i = 0; i < length; i++) pin += digits[random(digits.length)];
    if (ruleBroken(pin, rules) !== undefined) continue;
    fitsRules = true;
    if (!isTaken(pin)) return pin;
  }
  // Without a single PIN that obeys the rules in 10,000 tries, the rules are the problem, not the codes.
  if (!fitsRules) throw new Error('the lock\'s rules (forbidden digits and starts) leave almost no PIN that is hard to guess: allow more digits or fewer starts');
  throw new Error('could not find a free PIN for this lock: too many active codes for its PIN length');
}
