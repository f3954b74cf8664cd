/**
 * What the ha-dashboard node takes on its input, parsed once at the edge into the dashboard's own
 * types. Only the fields a dashboard shows are copied: anything else a message carries (a sealed PIN
 * by mistake, a guest's phone number) never reaches MQTT.
 */
import type { BatteryClass } from '../messages';
import type { LockSummary } from '../messages';
import type { BatteryValues, CodeUse } from './discovery';
import { checkId } from '../ids';

export type DashboardInput =
  | { kind: 'battery-report'; readings: BatteryValues[] }
  | { kind: 'lock-summary'; locks: LockSummary[] }
  | { kind: 'code-used'; use: CodeUse }
  /** Another StayKey message that shares a wire with these (a lock result, a dry-run plan): nothing to show. */
  | { kind: 'passed-over' };

/** Kinds that arrive on the same outputs as the dashboard's inputs: lock-provider's results, pin-issuer's plans. */
const PASSED_OVER = new Set(['lock-result', 'plan']);

const BATTERY_CLASSES: BatteryClass[] = ['healthy', 'replace-soon', 'critical', 'unknown'];

export function parseDashboardInput(payload: unknown): DashboardInput {
  const message = objectOf(payload, 'the message');
  switch (message.kind) {
    case 'battery-report':
      return { kind: 'battery-report', readings: listOf(message.locks, 'battery-report locks').map(batteryReading) };
    case 'lock-summary':
      return { kind: 'lock-summary', locks: listOf(message.locks, 'lock-summary locks').map(lockSummary) };
    case 'code-used':
      return { kind: 'code-used', use: codeUse(message) };
    default:
      if (typeof message.kind === 'string' && PASSED_OVER.has(message.kind)) return { kind: 'passed-over' };
      throw new Error(
        `ha-dashboard takes battery-report, lock-summary or code-used messages, not ${message.kind === undefined ? 'a message without payload.kind' : `"${String(message.kind)}"`}`,
      );
  }
}

function batteryReading(value: unknown, index: number): BatteryValues {
  const reading = objectOf(value, `battery reading ${index + 1}`);
  const lockId = requiredId(reading.lockId, `battery reading ${index + 1}: lockId`);
  const level = reading.level === null || reading.level === undefined ? null : Number(reading.level);
  if (level !== null && !Number.isFinite(level)) throw new Error(`battery reading for ${lockId}: level must be a number or null`);
  const batteryClass = BATTERY_CLASSES.includes(reading.batteryClass as BatteryClass) ? (reading.batteryClass as BatteryClass) : 'unknown';
  return {
    lockId,
    name: typeof reading.lockName === 'string' && reading.lockName !== '' ? reading.lockName : lockId,
    level,
    batteryClass,
    online: reading.online === true,
  };
}

function lockSummary(value: unknown, index: number): LockSummary {
  const lock = objectOf(value, `lock summary ${index + 1}`);
  const lockId = requiredId(lock.lockId, `lock summary ${index + 1}: lockId`);
  const count = Number(lock.activeGuestCodes ?? 0);
  if (!Number.isInteger(count) || count < 0) throw new Error(`lock summary for ${lockId}: activeGuestCodes must be a whole number`);
  const summary: LockSummary = {
    lockId,
    name: typeof lock.name === 'string' && lock.name !== '' ? lock.name : lockId,
    activeGuestCodes: count,
    nextArrival: instantOrNull(lock.nextArrival, `lock summary for ${lockId}: nextArrival`),
    lastCodeUsedAt: instantOrNull(lock.lastCodeUsedAt, `lock summary for ${lockId}: lastCodeUsedAt`),
  };
  if (typeof lock.lastCodeUsedBy === 'string' && lock.lastCodeUsedBy !== '') summary.lastCodeUsedBy = lock.lastCodeUsedBy;
  return summary;
}

function codeUse(message: Record<string, unknown>): CodeUse {
  const lockId = requiredId(message.lockId, 'code-used: lockId');
  const at = instantOrNull(message.at, 'code-used: at');
  if (at === null) throw new Error('code-used: at is missing');
  const slot = Number.isInteger(message.slot) ? (message.slot as number) : null;
  return { lockId, slot, success: message.success === true, at };
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function listOf(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${what} must be a list`);
  return value;
}

/** An id that must be there: text, and safe as an id (lib/ids.ts). */
function requiredId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`${what} is missing`);
  return checkId(value, what);
}

/** An ISO instant, normalised; null stays null. */
function instantOrNull(value: unknown, what: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  const time = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new Error(`${what} must be an ISO date and time (got ${JSON.stringify(value)})`);
  return new Date(time).toISOString();
}
