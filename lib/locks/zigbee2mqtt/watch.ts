/**
 * One Zigbee2MQTT lock as StayKey watches it: what the lock last reported, what StayKey asked of each
 * slot, and the slots StayKey has used.
 */
import { LockConfig } from '../provider';

export interface SlotEntry {
  /** `available`, `enabled`, `disabled`, or `not_supported...` as Zigbee2MQTT words it. */
  status: string;
  /** null where the lock masks PINs (no `expose_pin`). */
  pin: string | null;
}

export interface Asked {
  pin: string | null;
  confirmed: boolean;
}

export interface LockWatch {
  config: LockConfig;
  device: string;
  availability: 'online' | 'offline' | undefined;
  battery: number | null;
  lastSeenAt?: string;
  /** The slots as the lock last reported them. */
  slots: Map<number, SlotEntry>;
  lastSave: unknown;
  lastClear: unknown;
  /** Slots StayKey has used; only these (and slots it was told about) are ever read. */
  remembered: Set<number>;
  /** Slots written since they were last read: listCodes reads them before answering. */
  stale: Set<number>;
  /**
   * What StayKey last asked each slot to hold (a PIN, or null for empty), and whether the lock has
   * said yes or a read has shown it. A command tried again (its read-back failed, the broker
   * restarted) is then not written twice; a read that shows otherwise forgets it.
   */
  asked: Map<number, Asked>;
  /** Slots where the lock answered reads but did not save the code, in a row. */
  unsaved: Map<number, number>;
}

export function newWatch(config: LockConfig): LockWatch {
  const device = (config.device ?? '').trim();
  if (!device) {
    throw new Error(`${config.name} has no Zigbee2MQTT device: type its friendly name (as in Zigbee2MQTT) in the lock's device field`);
  }
  if (/[+#]/.test(device)) throw new Error(`${config.name}: the Zigbee2MQTT device name "${device}" cannot contain + or #`);
  return {
    config,
    device,
    availability: undefined,
    battery: null,
    slots: new Map(),
    lastSave: undefined,
    lastClear: undefined,
    remembered: new Set(),
    stale: new Set(),
    asked: new Map(),
    unsaved: new Map(),
  };
}

/** Zigbee2MQTT keeps the users it has read in the device state and sends them all each time. */
export function mergeSlots(watch: LockWatch, users: unknown): void {
  if (typeof users !== 'object' || users === null) return;
  for (const [key, value] of Object.entries(users as Record<string, unknown>)) {
    const slot = Number(key);
    if (!Number.isInteger(slot) || typeof value !== 'object' || value === null) continue;
    const entry = value as Record<string, unknown>;
    watch.slots.set(slot, { status: String(entry.status ?? 'unknown'), pin: pinOf(entry.pin_code) });
  }
}

/** A masked PIN (no expose_pin) is absent; some locks send "" or {} for an empty slot. */
function pinOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return null;
}

export function holdsCode(entry: SlotEntry): boolean {
  return entry.status === 'enabled' || entry.status === 'disabled' || entry.pin !== null;
}

export function inRange(config: LockConfig, slot: number): boolean {
  const { firstSlot, lastSlot, reservedSlots } = config.rules;
  return slot >= firstSlot && slot <= lastSlot && !(reservedSlots ?? []).includes(slot);
}
