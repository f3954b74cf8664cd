/**
 * The TTLock account: its locks and gateways, read page by page, and which gateway reaches which lock
 * (writes through one gateway go one at a time).
 */
import type { Clock } from '../../time/clock';
import { LockConfig, LockError } from '../provider';
import { TTLockApi } from './api';
import { lockIdFromName } from '../lock-rows';

/** One lock on the account, as the TTLock cloud lists it. */
export interface TTLockLockInfo {
  lockId: number;
  lockName: string;
  lockAlias: string;
  /** Battery as last cached by the cloud (percent), null when unknown. */
  electricQuantity: number | null;
  hasGateway: boolean;
  /** The lock's time zone in TTLock, as an offset from UTC without summer time (ms). */
  timezoneRawOffset?: number;
}

export interface TTLockGateway {
  gatewayId: number;
  gatewayName: string;
  online: boolean;
}

export interface Inventory {
  locks: Map<number, TTLockLockInfo>;
  gateways: Map<number, TTLockGateway>;
  gatewayOfLock: Map<number, number>;
  readAt: number;
}

const MAX_PAGES = 200;

/** Every lock on the account, for the editor's list and for status. */
export async function listAccountLocks(api: TTLockApi, pageSize = 1000): Promise<TTLockLockInfo[]> {
  const items = await allPages(api, '/v3/lock/list', {}, pageSize);
  return items.map(lockInfoOf).filter((lock): lock is TTLockLockInfo => lock !== undefined);
}

/** A locks-config row for a lock on the account: TTLock keeps dates per code, and StayKey numbers its own slots. */
export function suggestedLock(info: TTLockLockInfo): LockConfig {
  const name = info.lockAlias || info.lockName || `TTLock ${info.lockId}`;
  return {
    id: lockIdFromName(name) || `ttlock-${info.lockId}`,
    name,
    rules: { codeLengths: [6], firstSlot: 1, lastSlot: 100 },
    schedules: true,
    device: String(info.lockId),
  };
}

export async function readInventory(api: TTLockApi, clock: Clock, lockPageSize?: number): Promise<Inventory> {
  const locks = await listAccountLocks(api, lockPageSize);
  const gatewayItems = await allPages(api, '/v3/gateway/list', {}, 100);
  const gateways = new Map<number, TTLockGateway>();
  const gatewayOfLock = new Map<number, number>();
  for (const item of gatewayItems) {
    const gateway = gatewayOf(item);
    if (!gateway) continue;
    gateways.set(gateway.gatewayId, gateway);
    for (const lockId of await locksOfGateway(api, gateway.gatewayId)) {
      // A lock two gateways can reach is queued behind the one that is online.
      const known = gatewayOfLock.get(lockId);
      if (known === undefined || (!gateways.get(known)?.online && gateway.online)) gatewayOfLock.set(lockId, gateway.gatewayId);
    }
  }
  return { locks: new Map(locks.map((lock) => [lock.lockId, lock])), gateways, gatewayOfLock, readAt: clock.now().getTime() };
}

async function locksOfGateway(api: TTLockApi, gatewayId: number): Promise<number[]> {
  try {
    const reply = await api.get('/v3/gateway/listLock', { gatewayId });
    const list = Array.isArray(reply.list) ? reply.list : [];
    return list.map((item) => Number((item as Record<string, unknown>).lockId)).filter((id) => Number.isInteger(id));
  } catch (err) {
    // One gateway that will not say its locks must not hide the others; its locks queue on their own.
    if (err instanceof LockError && err.reason === 'auth') throw err;
    return [];
  }
}

export async function allPages(api: TTLockApi, path: string, params: Record<string, string | number>, pageSize: number): Promise<unknown[]> {
  const items: unknown[] = [];
  for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
    const reply = await api.get(path, { ...params, pageNo, pageSize });
    const list = Array.isArray(reply.list) ? reply.list : [];
    items.push(...list);
    const pages = Number(reply.pages);
    if (list.length < pageSize || (Number.isFinite(pages) && pageNo >= pages)) break;
  }
  return items;
}

function lockInfoOf(item: unknown): TTLockLockInfo | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const raw = item as Record<string, unknown>;
  const lockId = Number(raw.lockId);
  if (!Number.isInteger(lockId)) return undefined;
  const battery = Number(raw.electricQuantity);
  const offset = Number(raw.timezoneRawOffset);
  const info: TTLockLockInfo = {
    lockId,
    lockName: text(raw.lockName),
    lockAlias: text(raw.lockAlias),
    electricQuantity: raw.electricQuantity === undefined || raw.electricQuantity === null || !Number.isFinite(battery) ? null : battery,
    hasGateway: Number(raw.hasGateway) === 1,
  };
  if (raw.timezoneRawOffset !== undefined && Number.isFinite(offset)) info.timezoneRawOffset = offset;
  return info;
}

function gatewayOf(item: unknown): TTLockGateway | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const raw = item as Record<string, unknown>;
  const gatewayId = Number(raw.gatewayId);
  if (!Number.isInteger(gatewayId)) return undefined;
  return { gatewayId, gatewayName: text(raw.gatewayName), online: Number(raw.isOnline) === 1 };
}

export function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}
