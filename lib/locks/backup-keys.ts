/**
 * Every smart lock needs a physical way in for the night its keypad dies: a key override, a key kept
 * where someone can reach it, and a test now and then (a key that was never tried, or a cylinder that
 * seized over winter, is no backup). This is what readiness alerts name as the fallback, and what
 * battery-watch reminds the host to record and test.
 */
import { parseDate } from '../time/zoned';
import type { BackupKey, LockConfig } from './provider';

/** A backup key not tried for this many days is due a test. */
export const defaultBackupTestDays = 90;

/**
 * The sentence a readiness alert gives as the fallback for `lock`:
 * "Backup key: in the lockbox by the gate (tested 2026-03-02)", or what is missing.
 */
export function fallbackFor(lock: LockConfig): string {
  const key = lock.backupKey;
  if (!key) return `No backup key is recorded for ${lock.name}: a guest could be locked out`;
  if (!key.override) return noOverride(lock);
  if (!key.keptAt) return `${lock.name} takes a backup key, but where it is kept is not recorded: a guest could be locked out`;
  const tested = key.lastTestedOn ? `tested ${key.lastTestedOn}` : 'never tested';
  return `Backup key: ${placeOf(key.keptAt)} (${tested})`;
}

/**
 * What the host should do about `lock`'s backup key on `today` (YYYY-MM-DD, the property's date), or
 * undefined when a key is recorded and was tested within `testEveryDays`.
 */
export function backupKeyProblem(lock: LockConfig, today: string, testEveryDays = defaultBackupTestDays): string | undefined {
  const key = lock.backupKey;
  if (!key) {
    return (
      `No backup key is recorded for ${lock.name}: a guest could be locked out. ` +
      'Keep a key where someone can reach it (a lockbox, a neighbour) and record it in the locks config.'
    );
  }
  if (!key.override) return `${noOverride(lock)}. Keep another way in ready (a backup code, a second door).`;
  if (!key.keptAt) {
    return `${lock.name} takes a backup key, but where it is kept is not recorded: record the key's place in the locks config.`;
  }
  return testProblem(lock.name, key, today, testEveryDays);
}

function testProblem(lockName: string, key: BackupKey, today: string, testEveryDays: number): string | undefined {
  const which = `The backup key of ${lockName} (${placeOf(key.keptAt ?? '')})`;
  if (!key.lastTestedOn) return `${which} has never been tested: open the door with it once and record the date.`;
  const age = daysBetween(key.lastTestedOn, today);
  if (age < 0) return `${which} has a test date in the future (${key.lastTestedOn}): correct it in the locks config.`;
  if (age <= testEveryDays) return undefined;
  return `${which} was last tested on ${key.lastTestedOn}, ${age} days ago: open the door with it again and record the date.`;
}

function noOverride(lock: LockConfig): string {
  return `${lock.name} has no key override: no key opens it, so a guest could be locked out`;
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` comes first. */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayNumber(to) - dayNumber(from)) / 86_400_000);
}

function dayNumber(date: string): number {
  const { year, month, day } = parseDate(date);
  return Date.UTC(year, month - 1, day);
}

const PREPOSITION = /^(in|inside|at|with|under|underneath|behind|on|by|near|beside|next|above|below|from)\b/i;
const DETERMINER = /^(the|my|our|your|a|an|their)\s+/i;
const PEOPLE = /^(neighbou?rs?|cleaners?|host|co-?host|owner|manager|concierge|caretaker|housekeep(er|ing)|porter|doorman|agent|friend|family)\b/i;
const DESKS = /^(reception|front desk|office)\b/i;
const CONTAINERS = /^(lock ?box|key ?box|key ?safe|safe|key cabinet|cabinet|mail ?box|letter ?box|post ?box|drawer|garage|shed|car)\b/i;

/**
 * "lockbox by the gate" -> "in the lockbox by the gate", "neighbour" -> "with the neighbour",
 * "under the mat" stays. A place we cannot read (a name: "Ana at no. 12") is left as the host wrote it.
 */
export function placeOf(keptAt: string): string {
  const place = keptAt.trim();
  if (PREPOSITION.test(place)) return place;
  const determiner = DETERMINER.exec(place);
  const noun = determiner ? place.slice(determiner[0].length) : place;
  const named = determiner ? place : `the ${lowerFirst(place)}`;
  if (PEOPLE.test(noun)) return `with ${named}`;
  if (DESKS.test(noun)) return `at ${named}`;
  if (CONTAINERS.test(noun) || determiner) return `in ${named}`;
  return place;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
