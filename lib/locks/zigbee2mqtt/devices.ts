/**
 * Zigbee2MQTT's device list, for the locks config editor to suggest device names, and the base topic
 * every Zigbee2MQTT topic starts with.
 */
import type { MqttLink } from '../../mqtt/link';
import { Clock } from '../../time/clock';

export const DEFAULT_BASE_TOPIC = 'zigbee2mqtt';

export function cleanBaseTopic(value: string | undefined): string {
  const base = (value ?? '').trim().replace(/\/+$/, '') || DEFAULT_BASE_TOPIC;
  if (/[+#]/.test(base)) throw new Error(`the Zigbee2MQTT base topic "${base}" cannot contain + or #`);
  return base;
}

/** A device Zigbee2MQTT knows, as the locks config editor suggests it. */
export interface Z2mDevice {
  name: string;
  model?: string;
  vendor?: string;
  description?: string;
  /** It exposes a lock or PIN codes: what the editor suggests first. */
  lock: boolean;
}

/** Reads `<base>/bridge/devices` (a retained list): every device but the coordinator, locks first. */
export function devicesFromBridge(payload: string): Z2mDevice[] {
  let list: unknown;
  try {
    list = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const devices: Z2mDevice[] = [];
  for (const value of list) {
    if (typeof value !== 'object' || value === null) continue;
    const device = value as Record<string, unknown>;
    if (device.type === 'Coordinator' || typeof device.friendly_name !== 'string') continue;
    const definition = (typeof device.definition === 'object' && device.definition !== null ? device.definition : {}) as Record<string, unknown>;
    devices.push({
      name: device.friendly_name,
      ...(typeof definition.model === 'string' ? { model: definition.model } : {}),
      ...(typeof definition.vendor === 'string' ? { vendor: definition.vendor } : {}),
      ...(typeof definition.description === 'string' ? { description: definition.description } : {}),
      lock: exposesLock(definition.exposes),
    });
  }
  return devices.sort((a, b) => Number(b.lock) - Number(a.lock) || a.name.localeCompare(b.name));
}

function exposesLock(exposes: unknown): boolean {
  if (!Array.isArray(exposes)) return false;
  return exposes.some((expose) => {
    if (typeof expose !== 'object' || expose === null) return false;
    const entry = expose as Record<string, unknown>;
    return entry.type === 'lock' || entry.property === 'pin_code' || entry.name === 'pin_code';
  });
}

/**
 * Zigbee2MQTT's devices, from its retained device list; empty when none arrives within `waitMs`
 * (Zigbee2MQTT not running, or another base topic).
 */
export function listZigbee2MqttDevices(mqtt: MqttLink, clock: Clock, baseTopic?: string, waitMs = 3000): Promise<Z2mDevice[]> {
  const topic = `${cleanBaseTopic(baseTopic)}/bridge/devices`;
  return new Promise((resolve) => {
    let cancelTimer: () => void = () => undefined;
    let stop: () => void = () => undefined;
    const finish = (devices: Z2mDevice[]) => {
      cancelTimer();
      stop();
      resolve(devices);
    };
    stop = mqtt.subscribe(topic, (message) => finish(devicesFromBridge(message.payload)));
    cancelTimer = clock.setTimer(waitMs, () => finish([]));
  });
}
