/**
 * When battery-watch speaks up. A host with ten locks who is told every morning that one needs
 * batteries "within 2 weeks" stops reading; so a lock is news when it changes class (or goes quiet,
 * or comes back), only a critical or unreachable lock is repeated, once a day, and everything a
 * property needs is said in one message. What was said is remembered (WatchMemory) across restarts.
 */
import type { AlertMessage, BatteryReading, Severity } from '../messages';
import { dictionary, dictionaryOf } from '../ids';
import { backupKeyProblem, daysBetween } from '../locks/backup-keys';
import type { LockConfig } from '../locks/provider';
import { BatteryThresholds, describe, reachable } from './battery';

/** The daily check may repeat what is still wrong; a check asked for only says what is new. */
export type CheckKind = 'daily' | 'on-demand';

/** The battery classes a host is told about; `unknown` (no level yet) is never news. */
export type ToldClass = 'healthy' | 'replace-soon' | 'critical';

/** What the host has been told about one lock. Dates are the property's local dates (YYYY-MM-DD). */
export interface LockMemory {
  /** The class last told; a lock never told of counts as healthy. */
  told: ToldClass;
  batteryToldOn?: string;
  /** Start (ISO) of the offline or silent spell the host was told of; cleared once the lock reports again. */
  unreachableSince?: string;
  unreachableToldOn?: string;
  backupRemindedOn?: string;
}

export interface WatchMemory {
  version: 1;
  locks: Record<string, LockMemory>;
}

export function emptyMemory(): WatchMemory {
  return { version: 1, locks: dictionary() };
}

/** Why a lock is in today's digest. */
export type LockNews =
  | 'worse' // replace-soon or critical, new
  | 'better' // critical -> replace-soon
  | 'replaced' // healthy again: new batteries
  | 'still-critical' // the daily repeat
  | 'unreachable' // offline or silent, new
  | 'still-unreachable' // the daily repeat
  | 'reachable'; // reporting again

export interface Review {
  /** Locks with something to say, by lock id; a lock without news is absent. */
  news: Map<string, LockNews[]>;
  memory: WatchMemory;
}

export interface ReviewContext {
  /** The property's date today (YYYY-MM-DD). */
  today: string;
  kind: CheckKind;
  now: Date;
  thresholdsOf: (lockId: string) => BatteryThresholds;
}

/**
 * A class is left upwards only with this many points to spare, so a level wavering around a threshold
 * (cold nights, a busy day at the door) does not say "replaced" one day and "replace soon" the next.
 */
export const RECOVERY_MARGIN = 5;

/** Compares the readings with what the host was told; returns the news and what the host will have been told. */
export function review(readings: BatteryReading[], memory: WatchMemory, context: ReviewContext): Review {
  const news = new Map<string, LockNews[]>();
  const locks = dictionary<LockMemory>();
  for (const reading of readings) {
    const remembered: LockMemory = { ...(memory.locks[reading.lockId] ?? { told: 'healthy' }) };
    const lockNews = [...reachabilityNews(reading, remembered, context), ...batteryNews(reading, remembered, context)];
    if (lockNews.length > 0) news.set(reading.lockId, lockNews);
    locks[reading.lockId] = remembered;
  }
  // A lock removed from the locks config is forgotten with it.
  return { news, memory: { version: 1, locks } };
}

/** Updates `remembered` in place: it is the review's own copy. */
function reachabilityNews(reading: BatteryReading, remembered: LockMemory, context: ReviewContext): LockNews[] {
  if (reachable(reading)) {
    if (remembered.unreachableSince === undefined) return [];
    delete remembered.unreachableSince;
    delete remembered.unreachableToldOn;
    return ['reachable'];
  }
  if (remembered.unreachableSince === undefined) {
    remembered.unreachableSince = context.now.toISOString();
    remembered.unreachableToldOn = context.today;
    return ['unreachable'];
  }
  if (context.kind === 'daily' && remembered.unreachableToldOn !== context.today) {
    remembered.unreachableToldOn = context.today;
    return ['still-unreachable'];
  }
  return [];
}

function batteryNews(reading: BatteryReading, remembered: LockMemory, context: ReviewContext): LockNews[] {
  // An unreachable lock's level is its last report, not its state; the unreachable alert covers it.
  if (!reachable(reading) || reading.level === null || reading.batteryClass === 'unknown') return [];
  const now = classWithMargin(reading.level, remembered.told, context.thresholdsOf(reading.lockId));
  if (now !== remembered.told) {
    const change = changeNews(remembered.told, now);
    remembered.told = now;
    remembered.batteryToldOn = context.today;
    return [change];
  }
  if (now === 'critical' && context.kind === 'daily' && remembered.batteryToldOn !== context.today) {
    remembered.batteryToldOn = context.today;
    return ['still-critical'];
  }
  return [];
}

const RANK: Record<ToldClass, number> = { healthy: 0, 'replace-soon': 1, critical: 2 };

function changeNews(before: ToldClass, now: ToldClass): LockNews {
  if (RANK[now] > RANK[before]) return 'worse';
  return now === 'healthy' ? 'replaced' : 'better';
}

/** The class of `level`, but a lock moves to a better class only once clear of its lower threshold by the margin. */
export function classWithMargin(level: number, told: ToldClass, thresholds: BatteryThresholds): ToldClass {
  let now = plainClass(level, thresholds);
  while (RANK[now] < RANK[told] && level < lowerBound(now, thresholds) + RECOVERY_MARGIN) {
    now = now === 'healthy' ? 'replace-soon' : 'critical';
  }
  return now;
}

function plainClass(level: number, thresholds: BatteryThresholds): ToldClass {
  if (level < thresholds.criticalBelow) return 'critical';
  if (level < thresholds.replaceSoonBelow) return 'replace-soon';
  return 'healthy';
}

function lowerBound(batteryClass: ToldClass, thresholds: BatteryThresholds): number {
  if (batteryClass === 'healthy') return thresholds.replaceSoonBelow;
  if (batteryClass === 'replace-soon') return thresholds.criticalBelow;
  return 0;
}

/** One host message for one property. */
export interface PropertyAlert {
  property?: string;
  alert: AlertMessage;
}

/**
 * One digest per property with news: every lock of the property, its level and advice, so the host
 * sees the whole house at once; severity from the worst lock in it.
 */
export function digests(readings: BatteryReading[], news: Map<string, LockNews[]>): PropertyAlert[] {
  const alerts: PropertyAlert[] = [];
  for (const [property, locks] of byProperty(readings, (reading) => reading.property)) {
    if (!locks.some((reading) => news.has(reading.lockId))) continue;
    const lines = locks.map((reading) => digestLine(reading, news.get(reading.lockId) ?? []));
    const text = [heading('Battery check', property), ...lines].join('\n');
    alerts.push({ property, alert: { kind: 'alert', severity: worstOf(locks), topic: 'battery', text } });
  }
  return alerts;
}

function digestLine(reading: BatteryReading, lockNews: LockNews[]): string {
  const notes: string[] = [];
  if (lockNews.includes('reachable')) notes.push('back online');
  if (lockNews.includes('replaced')) notes.push('new batteries, healthy again');
  if (lockNews.includes('better')) notes.push('better than before (was critical)');
  if (notes.length === 0) return describe(reading);
  const advice = reading.advice === 'ok' ? notes : [...notes, reading.advice];
  return describe({ ...reading, advice: advice.join('; ') });
}

function worstOf(locks: BatteryReading[]): Severity {
  if (locks.some((reading) => !reachable(reading) || reading.batteryClass === 'critical')) return 'critical';
  if (locks.some((reading) => reading.batteryClass === 'replace-soon')) return 'warning';
  return 'info';
}

/** A backup key is nagged about at most this often per lock. */
export const BACKUP_REMINDER_DAYS = 7;

export interface BackupReminders {
  alerts: PropertyAlert[];
  memory: WatchMemory;
}

/**
 * Reminders, one message per property, for locks without a recorded backup key or whose key was not
 * tested within `testEveryDays`; a lock is named at most once a week.
 */
export function backupReminders(locks: LockConfig[], memory: WatchMemory, today: string, testEveryDays: number): BackupReminders {
  const remembered = dictionaryOf(memory.locks);
  const due = new Map<string, string>();
  for (const lock of locks) {
    const problem = backupKeyProblem(lock, today, testEveryDays);
    const last = remembered[lock.id]?.backupRemindedOn;
    if (!problem || (last !== undefined && daysBetween(last, today) < BACKUP_REMINDER_DAYS)) continue;
    due.set(lock.id, problem);
    remembered[lock.id] = { ...(remembered[lock.id] ?? { told: 'healthy' }), backupRemindedOn: today };
  }
  const alerts: PropertyAlert[] = [];
  for (const [property, propertyLocks] of byProperty(locks, (lock) => lock.property)) {
    const lines = propertyLocks.flatMap((lock) => (due.has(lock.id) ? [due.get(lock.id)!] : []));
    if (lines.length === 0) continue;
    const text = [heading('Backup keys', property), ...lines].join('\n');
    alerts.push({ property, alert: { kind: 'alert', severity: 'warning', topic: 'backup-key', text } });
  }
  return { alerts, memory: { version: 1, locks: remembered } };
}

function heading(what: string, property: string | undefined): string {
  return property ? `${what}, ${property}:` : `${what}:`;
}

/** Groups in the order the properties first appear in the locks config. */
function byProperty<T>(items: T[], propertyOf: (item: T) => string | undefined): Map<string | undefined, T[]> {
  const groups = new Map<string | undefined, T[]>();
  for (const item of items) {
    const property = propertyOf(item) || undefined;
    groups.set(property, [...(groups.get(property) ?? []), item]);
  }
  return groups;
}
