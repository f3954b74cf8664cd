/**
 * A Seam device as StayKey needs it, read defensively from what Seam answers (a vendor's answer is
 * outside input): whether it is online, its battery, how it takes codes, and its code rules.
 */
import { lockIdFromName } from '../lock-rows';
import type { LockConfig, LockRules } from '../provider';

export interface SeamDevice {
  deviceId: string;
  name: string;
  deviceType: string;
  manufacturer?: string;
  online: boolean;
  /** Percent, or null when the device reports none. */
  battery: number | null;
  /** Seam can put a code on it over its connection (most Wi-Fi and hub locks). */
  onlineCodes: boolean;
  /** It takes offline (algorithmic) codes: igloohome and other locks without connectivity. */
  offlineCodes: boolean;
  /** Seam keeps a pool of backup codes for it. */
  backupPool: boolean;
  codeLengths: number[];
  maxCodes?: number;
  /** Seam's code constraints (`no_zeros`, `cannot_start_with_12`, ...). */
  constraints: string[];
  /** The longest name the device takes, where it limits names. */
  nameMaxLength?: number;
  /** Device errors Seam reports (`device_offline`, `account_disconnected`, ...). */
  errors: string[];
}

/** A device from a Seam answer; undefined when the answer is not a device. */
export function seamDeviceOf(raw: unknown): SeamDevice | undefined {
  if (!isRecord(raw) || typeof raw.device_id !== 'string' || !raw.device_id) return undefined;
  const properties = isRecord(raw.properties) ? raw.properties : {};
  const constraints = arrayOf(properties.code_constraints).filter(isRecord);
  const nameLimit = constraints.find((c) => c.constraint_type === 'name_length' && typeof c.max_length === 'number');
  return {
    deviceId: raw.device_id,
    name: text(properties.name) || text(raw.display_name) || raw.device_id,
    deviceType: text(raw.device_type),
    manufacturer: text(properties.manufacturer) || undefined,
    online: properties.online === true,
    battery: batteryOf(properties),
    onlineCodes: raw.can_program_online_access_codes === true,
    offlineCodes: raw.can_program_offline_access_codes === true,
    backupPool: properties.supports_backup_access_code_pool === true,
    codeLengths: arrayOf(properties.supported_code_lengths).filter((n): n is number => Number.isInteger(n) && (n as number) >= 4 && (n as number) <= 10),
    maxCodes: Number.isInteger(properties.max_active_codes_supported) ? (properties.max_active_codes_supported as number) : undefined,
    constraints: constraints.map((c) => text(c.constraint_type)).filter(Boolean),
    nameMaxLength: nameLimit ? (nameLimit.max_length as number) : undefined,
    errors: arrayOf(raw.errors)
      .filter(isRecord)
      .map((e) => text(e.error_code))
      .filter(Boolean),
  };
}

function batteryOf(properties: Record<string, unknown>): number | null {
  const level = typeof properties.battery_level === 'number' ? properties.battery_level : isRecord(properties.battery) ? properties.battery.level : undefined;
  if (typeof level !== 'number' || !Number.isFinite(level)) return null;
  // Seam gives a fraction from 0 to 1; StayKey speaks percent.
  return Math.round(Math.min(Math.max(level, 0), 1) * 100);
}

/** Seam's constraints as StayKey's rules, on top of what the host typed: the stricter of both wins. */
export function seamRules(rules: LockRules, device: SeamDevice): LockRules {
  const digits = new Set(rules.forbiddenDigits ?? '');
  const prefixes = new Set(rules.forbiddenPrefixes ?? []);
  if (device.constraints.includes('no_zeros')) digits.add('0');
  if (device.constraints.includes('cannot_contain_089')) for (const d of '089') digits.add(d);
  if (device.constraints.includes('cannot_contain_0789')) for (const d of '0789') digits.add(d);
  if (device.constraints.includes('cannot_start_with_12')) prefixes.add('12');
  const lengths = device.codeLengths.length ? rules.codeLengths.filter((n) => device.codeLengths.includes(n)) : rules.codeLengths;
  const codeLengths = lengths.length ? lengths : [preferredLength(device.codeLengths)];
  const room = device.maxCodes !== undefined && device.maxCodes > 0 ? rules.firstSlot + device.maxCodes - 1 : rules.lastSlot;
  const runs = device.constraints.some((c) => c === 'no_triple_consecutive_ints' || c === 'no_ascending_or_descending_sequence');
  const fewDigits = device.constraints.includes('at_least_three_unique_digits');
  return {
    ...rules,
    ...(runs ? { noRunsOf: Math.min(rules.noRunsOf ?? 3, 3) } : {}),
    ...(fewDigits ? { minDistinctDigits: Math.max(rules.minDistinctDigits ?? 3, 3) } : {}),
    codeLengths,
    lastSlot: Math.max(Math.min(rules.lastSlot, room), rules.firstSlot),
    ...(digits.size ? { forbiddenDigits: [...digits].sort().join('') } : {}),
    ...(prefixes.size ? { forbiddenPrefixes: [...prefixes] } : {}),
  };
}

/** Six digits where the device takes them (hard to guess, easy to type), else its longest. */
function preferredLength(lengths: number[]): number {
  if (lengths.includes(6)) return 6;
  return Math.max(...lengths);
}

/** A lock row for a device, as the editor's "list Seam devices" offers it: the host names it and saves. */
export function suggestedSeamLock(device: SeamDevice): LockConfig {
  const base: LockRules = { codeLengths: [6], firstSlot: 1, lastSlot: 20 };
  return {
    id: lockIdFromName(device.name) || `seam-${device.deviceId.replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 40)}`,
    name: device.name,
    device: device.deviceId,
    schedules: true,
    rules: seamRules(base, device),
  };
}

/** Device errors that mean the lock cannot be reached now: Seam keeps codes but cannot program them. */
export const UNREACHABLE_DEVICE_ERRORS = new Set(['device_offline', 'hub_disconnected', 'account_disconnected', 'bridge_disconnected', 'seam_bridge_disconnected', 'device_disconnected']);

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value.slice(0, 1000) : [];
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value.slice(0, 200) : '';
}
