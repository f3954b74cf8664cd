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

export function classify(level: number | null, thresholds: BatteryThresholds = defaultThresholds): BatteryClass {
  if (level === null || !Number.isFinite(level)) return 'unknown';
  if (level < thresholds.criticalBelow) return 'critical';
  if (level < thresholds.replaceSoonBelow) return 'replace-soon';
  return 'healthy';
}

function advice(batteryClass: BatteryClass, online: boolean, batteryType?: string): string {
  const cells = batteryType ? `${batteryType} batteries` : 'batteries';
  if (!online) return 'lock is offline: check it and its hub, and keep the backup key ready';
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

export function readingFor(lock: LockConfig, status: LockStatus, thresholds: BatteryThresholds): BatteryReading {
  const batteryClass = classify(status.battery, thresholds);
  return {
    lockId: lock.id,
    lockName: lock.name,
    online: status.online,
    level: status.battery,
    batteryClass,
    batteryType: lock.batteryType,
    advice: advice(batteryClass, status.online, lock.batteryType),
  };
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
  };
}

export function report(readings: BatteryReading[], checkedAt: Date): BatteryReportMessage {
  const attention = readings.filter((r) => !r.online || r.batteryClass === 'critical' || r.batteryClass === 'replace-soon');
  return { kind: 'battery-report', checkedAt: checkedAt.toISOString(), locks: readings, attention };
}

/** One line a host reads at a glance: "Front door 12 % critical: replace the AA batteries now". */
export function describe(reading: BatteryReading): string {
  const level = reading.level === null ? 'level unknown' : `${Math.round(reading.level)} %`;
  // An offline lock's level is its last report, not its state: "healthy" there would reassure wrongly.
  if (!reading.online) {
    const last = reading.level === null ? '' : ` (last ${level})`;
    return `${reading.lockName} offline${last}: ${reading.advice}`;
  }
  return `${reading.lockName} ${level} ${reading.batteryClass}: ${reading.advice}`;
}
