/**
 * The locks of one locks config as Home Assistant knows them: the lock entity, its device, the
 * battery sensor on that device. Shared by the Z-Wave JS and ZHA providers, which differ only in the
 * services they call and the events their keypads send.
 */
import type { HassEntity } from 'home-assistant-js-websocket';
import { LockConfig, LockError, LockStatus } from '../provider';
import { EntityRegistryEntry, HaClient, HaError, REGISTRY_UNREADABLE } from '../../ha/connection';

const UNREACHABLE = new Set(['unavailable', 'unknown']);

export class HaLockDirectory {
  private readonly byId = new Map<string, LockConfig>();

  constructor(
    private readonly client: HaClient,
    locks: LockConfig[],
  ) {
    for (const lock of locks) {
      entityIdOf(lock);
      this.byId.set(lock.id, lock);
    }
  }

  locks(): LockConfig[] {
    return [...this.byId.values()];
  }

  lock(lockId: string): LockConfig {
    const lock = this.byId.get(lockId);
    if (!lock) throw new LockError(`there is no lock "${lockId}" in this locks config`, 'unknown-lock', false);
    return lock;
  }

  /**
   * Before a write: Home Assistant skips an unavailable entity without a word (and ignores a missing
   * one), so a call that "succeeds" may have done nothing. Better to know and retry later.
   */
  assertWritable(lock: LockConfig): void {
    const entityId = entityIdOf(lock);
    const state = this.client.state;
    if (state === 'auth-failed' || state === 'unconfigured') {
      // Retrying will not help: the host has to fix the server config.
      throw new LockError(`${lock.name}: ${this.client.detail ?? 'the Home Assistant server config is incomplete'}`, 'auth', false);
    }
    if (state !== 'connected') {
      throw new LockError(`${lock.name}: Home Assistant at ${this.client.url} is not connected`, 'offline', true);
    }
    if (!this.client.entitiesKnown) {
      throw new LockError(`${lock.name}: Home Assistant has not sent its entities yet`, 'offline', true);
    }
    const entity = this.client.entity(entityId);
    if (!entity) {
      throw new LockError(
        `${lock.name}: Home Assistant has no entity ${entityId}; check the lock's entity in the locks config`,
        'unknown-lock',
        false,
      );
    }
    if (entity.state === 'unavailable') {
      throw new LockError(`${lock.name} (${entityId}) is unavailable in Home Assistant: off the mesh or out of battery`, 'offline', true);
    }
  }

  async status(lockId: string): Promise<LockStatus> {
    const lock = this.lock(lockId);
    const entity = this.client.entity(entityIdOf(lock));
    const online = this.client.state === 'connected' && entity !== undefined && !UNREACHABLE.has(entity.state);
    let warning: string | undefined;
    const battery = await this.batterySensor(lock).catch((err: unknown) => {
      warning = registryProblem(err);
      return undefined;
    });
    const percent = percentOf(battery?.state) ?? percentOf(entity?.attributes.battery_level);
    const seen = latest(entity?.last_updated, battery?.last_updated);
    return { lockId, online, battery: percent, ...(seen ? { lastSeenAt: seen } : {}), ...(warning ? { warning } : {}) };
  }

  /** The lock a device event (a keypad, a notification) came from, or undefined when it is none of ours. */
  async lockForDevice(deviceId: unknown): Promise<LockConfig | undefined> {
    if (typeof deviceId !== 'string' || deviceId === '') return undefined;
    const found = this.find(await this.client.entityRegistry(), deviceId);
    if (found) return found;
    // A lock paired after the registry was read.
    return this.find(await this.client.entityRegistry(true), deviceId);
  }

  private find(registry: EntityRegistryEntry[], deviceId: string): LockConfig | undefined {
    const entityIds = new Set(registry.filter((entry) => entry.device_id === deviceId).map((entry) => entry.entity_id));
    return this.locks().find((lock) => entityIds.has(entityIdOf(lock)));
  }

  /** The battery sensor on the lock's device: the one Z-Wave JS and ZHA create, `device_class: battery`. */
  private async batterySensor(lock: LockConfig): Promise<HassEntity | undefined> {
    const registry = await this.client.entityRegistry();
    const deviceId = registry.find((entry) => entry.entity_id === entityIdOf(lock))?.device_id;
    if (!deviceId) return undefined;
    return registry
      .filter((entry) => entry.device_id === deviceId && entry.entity_id.startsWith('sensor.') && !entry.disabled_by)
      .map((entry) => this.client.entity(entry.entity_id))
      .find((state): state is HassEntity => state !== undefined && state.attributes.device_class === 'battery');
  }
}

/** What the host must fix when Home Assistant will not list its entity registry; undefined for a passing fault. */
export function registryProblem(err: unknown): string | undefined {
  return err instanceof HaError && err.code === REGISTRY_UNREADABLE ? err.message : undefined;
}

/** The lock's Home Assistant entity (the `device` of its row): `lock.front_door`. */
export function entityIdOf(lock: LockConfig): string {
  const entityId = lock.device?.trim() ?? '';
  if (!/^lock\.[a-z0-9_]+$/.test(entityId)) {
    throw new Error(
      `${lock.name}: set the lock's Home Assistant entity in the locks config (device, e.g. lock.front_door)` +
        (entityId ? `; "${entityId}" is not a lock entity` : ''),
    );
  }
  return entityId;
}

function percentOf(value: unknown): number | null {
  if (value === undefined || value === null || value === '') return null;
  const number = Number(value);
  if (!Number.isFinite(number)) return null;
  return Math.min(Math.max(number, 0), 100);
}

function latest(...times: Array<string | undefined>): string | undefined {
  const known = times.filter((time): time is string => typeof time === 'string' && !Number.isNaN(Date.parse(time)));
  if (known.length === 0) return undefined;
  return known.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));
}
