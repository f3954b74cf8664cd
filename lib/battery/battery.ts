import type { BatteryClass, BatteryReading, BatteryReportMessage } from '../messages';
import type { LockConfig, LockStatus } from '../locks/provider';

export interface BatteryThresholds {
  /** Below this a lock needs new batteries soon (percent). */
  replaceSoonBelow: number;
  /** Below this the lock may die before the next guest (percent). */
  criticalBelow: number;
}

export const defaultThresholds: BatteryThresholds = { replaceSoonBelow: 40, criticalBelow: 15 };

export function validateThresholds(thresholds: BatteryThresholds): void {
  const { replaceSoonBelow, criticalBelow } = thresholds;
  if (!(criticalBelow >= 0 && criticalBelow <= replaceSoonBelow && replaceSoonBelow <= 100)) {
    throw new Error(`battery thresholds must satisfy 0 <= critical (${criticalBelow}) <= replace soon (${replaceSoonBelow}) <= 100`);
  }
}

/**
 * The thresholds for one lock: its own where the lock row gives them, else the node's. A lock that
 * gives only one keeps the pair in order (its critical 50 % makes "replace soon" at least 50 %).
 */
export function thresholdsFor(lock: LockConfig, defaults: BatteryThresholds): BatteryThresholds {
  const { replaceSoonBelow, criticalBelow } = lock;
  if (replaceSoonBelow !== undefined && criticalBelow !== undefined) return { replaceSoonBelow, criticalBelow };
  if (criticalBelow !== undefined) return { replaceSoonBelow: Math.max(defaults.replaceSoonBelow, criticalBelow), criticalBelow };
  if (replaceSoonBelow !== undefined) return { replaceSoonBelow, criticalBelow: Math.min(defaults.criticalBelow, replaceSoonBelow) };
  return { ...defaults };
}

/** What battery-watch needs to call a lock silent: the time now and how long a lock may stay quiet (0: never silent). */
export interface Hearing {
  now: Date;
  silentAfterMs: number;
}

export function classify(level: number | null, thresholds: BatteryThresholds = defaultThresholds): BatteryClass {
  if (level === null || !Number.isFinite(level)) return 'unknown';
  if (level < thresholds.criticalBelow) return 'critical';
  if (level < thresholds.replaceSoonBelow) return 'replace-soon';
  return 'healthy';
}

function advice(batteryClass: BatteryClass, online: boolean, batteryType?: string, quietMs?: number): string {
  const cells = batteryType ? `${batteryType} batteries` : 'batteries';
  if (!online) return 'lock is offline: check it and its hub, and keep the backup key ready';
  if (quietMs !== undefined) return `no report for ${Math.floor(quietMs / 3_600_000)} h: check the lock and its hub, and keep the backup key ready`;
  switch (batteryClass) {
    case 'critical':
      return `replace the ${cells} now`;
    case 'replace-soon':
      return `replace the ${cells} within 2 weeks`;
    case 'unknown':
      return 'no battery level reported yet';
    default:
      return 'ok';
  }
}

/** `hearing` given: a lock online by its provider's word but quiet for too long is `silent`. */
export function readingFor(lock: LockConfig, status: LockStatus, thresholds: BatteryThresholds, hearing?: Hearing): BatteryReading {
  const batteryClass = classify(status.battery, thresholds);
  const quietMs = status.online && hearing ? quietFor(status, hearing) : undefined;
  return {
    lockId: lock.id,
    lockName: lock.name,
    online: status.online,
    level: status.battery,
    batteryClass,
    batteryType: lock.batteryType,
    advice: advice(batteryClass, status.online, lock.batteryType, quietMs),
    ...(lock.property ? { property: lock.property } : {}),
    ...(status.lastSeenAt ? { lastSeenAt: status.lastSeenAt } : {}),
    ...(quietMs !== undefined ? { silent: true } : {}),
  };
}

/** How long the lock has been quiet, when that is longer than allowed; a provider that never says when is trusted. */
function quietFor(status: LockStatus, hearing: Hearing): number | undefined {
  if (!status.lastSeenAt || hearing.silentAfterMs <= 0) return undefined;
  const seenAt = new Date(status.lastSeenAt).getTime();
  if (Number.isNaN(seenAt)) return undefined;
  const quiet = hearing.now.getTime() - seenAt;
  return quiet > hearing.silentAfterMs ? quiet : undefined;
}

/** A reading the lock could not give (its provider failed): offline, level unknown. */
export function unreachableReading(lock: LockConfig, reason: string): BatteryReading {
  return {
    lockId: lock.id,
    lockName: lock.name,
    online: false,
    level: null,
    batteryClass: 'unknown',
    batteryType: lock.batteryType,
    advice: `could not read the lock (${reason}): check it and keep the backup key ready`,
    ...(lock.property ? { property: lock.property } : {}),
  };
}

export function report(readings: BatteryReading[], checkedAt: Date): BatteryReportMessage {
  const attention = readings.filter((r) => !reachable(r) || r.batteryClass === 'critical' || r.batteryClass === 'replace-soon');
  return { kind: 'battery-report', checkedAt: checkedAt.toISOString(), locks: readings, attention };
}

/** The lock answers and reports: neither offline nor silent. */
export function reachable(reading: BatteryReading): boolean {
  return reading.online && !reading.silent;
}

/** One line a host reads at a glance: "Front door 12 % critical: replace the AA batteries now". */
export function describe(reading: BatteryReading): string {
  const level = reading.level === null ? 'level unknown' : `${Math.round(reading.level)} %`;
  // An offline lock's level is its last report, not its state: "healthy" there would reassure wrongly.
  if (!reading.online) {
    const last = reading.level === null ? '' : ` (last ${level})`;
    return `${reading.lockName} offline${last}: ${reading.advice}`;
  }
  if (reading.silent) {
    const last = reading.level === null ? '' : ` (last ${level})`;
    return `${reading.lockName} silent${last}: ${reading.advice}`;
  }
  return `${reading.lockName} ${level} ${reading.batteryClass}: ${reading.advice}`;
}
