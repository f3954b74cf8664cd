import type { Clock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, LockConfig, LockError, LockProvider, LockStatus } from '../provider';
import { allPages, Inventory, readInventory, TTLockLockInfo } from './account';
import { TTLockApi, TTLockReply } from './api';
import { clockWarnings } from './clock';
import { TTLockError } from './errors';
import { codeOnLock, datesOf, Passcode, PASSCODE_GONE, passcodeOf, PERIOD, VIA_GATEWAY } from './passcodes';
import { TTLockSlots } from './slots';

export { listAccountLocks, suggestedLock } from './account';
export type { TTLockLockInfo } from './account';

export interface TTLockLocksOptions {
  /** The locks as configured; each one's `device` is its TTLock lock id. */
  locks: LockConfig[];
  api: TTLockApi;
  clock: Clock;
  /** Where the slot map is kept (no PINs in it), so it survives a restart. */
  file?: string;
  /** The IANA zone the locks are in, to check the zone each lock has in TTLock; unchecked when absent. */
  timeZone?: string;
  /** How old the list of locks and gateways may be before it is read again (default 10 min). */
  inventoryMaxAgeMs?: number;
  /** Page sizes (TTLock allows up to 1000 locks and 200 passcodes a page); tests make them small. */
  lockPageSize?: number;
  passcodePageSize?: number;
}

/**
 * Locks on the TTLock cloud. Writes go through each lock's gateway, one at a time per gateway (a
 * gateway handles one lock operation at a time and says "busy" otherwise). TTLock has no slots, so
 * StayKey's slots are mapped to TTLock's passcode ids in a small file; passcodes StayKey did not make
 * are listed with slots from 1001 up, which no host range reaches, so they are seen and left alone.
 *
 * The account's locks and gateways are read in account.ts, TTLock's passcodes are shaped in
 * passcodes.ts, and the slot map lives in slots.ts.
 */
export class TTLockLocks implements LockProvider {
  readonly kind = 'ttlock';
  private readonly api: TTLockApi;
  private readonly clock: Clock;
  private readonly slots: TTLockSlots;
  private readonly locks = new Map<string, LockConfig>();
  private readonly queues = new Map<string, Promise<void>>();
  private inventoryCache?: Inventory;
  private inventoryRead?: Promise<Inventory>;
  private closed = false;

  constructor(private readonly options: TTLockLocksOptions) {
    this.api = options.api;
    this.clock = options.clock;
    const devices = new Map<string, string>();
    for (const lock of options.locks) {
      const device = deviceOf(lock);
      const twin = devices.get(device);
      if (twin) throw new Error(`${lock.name} and ${twin} have the same TTLock lock id ${device}: each lock needs its own`);
      devices.set(device, lock.name);
      this.locks.set(lock.id, lock);
    }
    this.slots = new TTLockSlots(options.file);
  }

  async listLocks(): Promise<LockConfig[]> {
    return [...this.locks.values()];
  }

  /**
   * Online from the lock's gateway (or, for a Wi-Fi lock, from whether it answers), battery read live
   * through the gateway, else the cloud's last reading. A lock clock or time zone off is a `warning`.
   */
  async status(lockId: string): Promise<LockStatus> {
    const lock = this.lockFor(lockId);
    const device = Number(deviceOf(lock));
    const inventory = await this.inventory(true);
    const info = inventory.locks.get(device);
    if (!info) throw new TTLockError(`the TTLock account has no lock ${device} (${lock.name}): check its TTLock lock id`, 'unknown-lock', false);
    const gatewayId = inventory.gatewayOfLock.get(device);
    const gateway = gatewayId === undefined ? undefined : inventory.gateways.get(gatewayId);
    const live = await this.liveBattery(device);
    const unreachable = live instanceof LockError && live.reason === 'offline';
    const online = gateway ? gateway.online && !unreachable : typeof live === 'number';
    const status: LockStatus = { lockId, online, battery: typeof live === 'number' ? live : info.electricQuantity };
    if (typeof live === 'number') status.lastSeenAt = this.clock.now().toISOString();
    const warning = await this.clockWarning(lock, info, online);
    if (warning) status.warning = warning;
    return status;
  }

  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    const lock = this.lockFor(lockId);
    const device = deviceOf(lock);
    const passcodes = await this.passcodes(device);
    this.slots.reconcile(device, passcodes);
    return passcodes.map((passcode) => codeOnLock(this.slots, device, passcode)).sort((a, b) => a.slot - b.slot);
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, code.slot);
    assertPinAllowed(lock, code.slot, code.pin);
    const device = deviceOf(lock);
    await this.throughGateway(device, async () => {
      await this.takeLostAdd(device, code.slot);
      if (await this.changeHeld(lock, device, code, code.pin)) return;
      await this.add(lock, device, code);
    });
  }

  /** The dates are always sent: without startDate TTLock answers success and changes nothing. */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, code.slot);
    if (code.pin !== undefined) assertPinAllowed(lock, code.slot, code.pin);
    const device = deviceOf(lock);
    await this.throughGateway(device, async () => {
      await this.takeLostAdd(device, code.slot);
      if (await this.changeHeld(lock, device, code, code.pin)) return;
      if (code.pin === undefined) {
        throw new LockError(`${lock.name} holds no code in slot ${code.slot}: it has to be set again`, 'rejected-code', false);
      }
      await this.add(lock, device, { ...code, pin: code.pin });
    });
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, slot);
    const device = deviceOf(lock);
    await this.throughGateway(device, async () => {
      await this.takeLostAdd(device, slot);
      this.slots.forgetPending(device, slot);
      const held = this.slots.slot(device, slot);
      if (!held) return;
      // The slot keeps its passcode until a listing shows it gone: a delete TTLock acknowledged but
      // did not do must still show up in the slot when the clear is checked.
      if (await this.deletePasscode(lock, device, held.keyboardPwdId)) this.slots.remove(device, slot);
    });
  }

  /**
   * Removes a passcode StayKey did not make (listed with a slot from 1001 up). Nothing in StayKey
   * calls this by itself: those codes are the host's, and only the host may say they can go.
   */
  async removeForeignCode(lockId: string, slot: number): Promise<void> {
    const lock = this.lockFor(lockId);
    const device = deviceOf(lock);
    const passcode = (await this.passcodes(device)).find((p) => this.slots.slotOf(device, p.keyboardPwdId) === slot);
    if (!passcode || this.slots.isOurs(device, passcode.keyboardPwdId)) {
      throw new LockError(`${lock.name} has no code StayKey did not make in slot ${slot}`, 'rejected-code', false);
    }
    await this.throughGateway(device, () => this.deletePasscode(lock, device, passcode.keyboardPwdId));
    this.slots.reconcile(device, await this.passcodes(device));
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // --- Writes ------------------------------------------------------------------------------------

  private async add(lock: LockConfig, device: string, code: CodeToSet): Promise<void> {
    const dates = datesOf(lock, code);
    this.slots.expect(device, code.slot, { name: code.name, startsAt: code.startsAt, endsAt: code.endsAt, since: this.clock.now().toISOString() });
    let reply: TTLockReply;
    try {
      reply = await this.api.post('/v3/keyboardPwd/add', {
        lockId: device,
        keyboardPwd: code.pin,
        keyboardPwdName: code.name,
        keyboardPwdType: PERIOD,
        startDate: dates.startDate,
        endDate: dates.endDate,
        addType: VIA_GATEWAY,
      });
    } catch (err) {
      // A lost answer may hide a passcode that landed: the pending add stays, to be recognised later.
      if (err instanceof LockError && !err.transient) this.slots.forgetPending(device, code.slot);
      throw await this.explained(lock, device, err);
    }
    const keyboardPwdId = Number(reply.keyboardPwdId);
    if (!Number.isInteger(keyboardPwdId) || keyboardPwdId <= 0) {
      throw new LockError(`TTLock did not say which passcode it made for slot ${code.slot}`, 'vendor-error', true);
    }
    this.slots.place(device, code.slot, { keyboardPwdId, startsAt: code.startsAt, endsAt: code.endsAt });
  }

  /** Changes the passcode in the slot, if it still has one; false when there is none to change. */
  private async changeHeld(lock: LockConfig, device: string, code: CodeUpdate, pin: string | undefined): Promise<boolean> {
    const held = this.slots.slot(device, code.slot);
    if (!held) return false;
    const dates = datesOf(lock, code);
    try {
      await this.api.post('/v3/keyboardPwd/change', {
        lockId: device,
        keyboardPwdId: held.keyboardPwdId,
        keyboardPwdName: code.name,
        newKeyboardPwd: pin,
        startDate: dates.startDate,
        endDate: dates.endDate,
        changeType: VIA_GATEWAY,
      });
    } catch (err) {
      if (err instanceof TTLockError && err.errcode === PASSCODE_GONE) {
        // Removed in the TTLock app behind StayKey's back: the slot is empty now.
        this.slots.remove(device, code.slot);
        return false;
      }
      throw await this.explained(lock, device, err);
    }
    this.slots.place(device, code.slot, { keyboardPwdId: held.keyboardPwdId, startsAt: code.startsAt, endsAt: code.endsAt });
    return true;
  }

  /** True when TTLock says the passcode is gone already: what a clear wants. */
  private async deletePasscode(lock: LockConfig, device: string, keyboardPwdId: number): Promise<boolean> {
    try {
      await this.api.post('/v3/keyboardPwd/delete', { lockId: device, keyboardPwdId, deleteType: VIA_GATEWAY });
      return false;
    } catch (err) {
      if (err instanceof TTLockError && err.errcode === PASSCODE_GONE) return true;
      throw await this.explained(lock, device, err);
    }
  }

  /** An add whose answer was lost (a timeout, a restart) may have landed: look before writing again. */
  private async takeLostAdd(device: string, slot: number): Promise<void> {
    if (!this.slots.pending(device, slot) || this.slots.slot(device, slot)) return;
    this.slots.reconcile(device, await this.passcodes(device));
  }

  /** A full lock: the host must make room, so say which codes StayKey did not make and could go. */
  private async explained(lock: LockConfig, device: string, err: unknown): Promise<unknown> {
    if (!(err instanceof LockError) || err.reason !== 'slots-full') return err;
    let names = '';
    try {
      names = this.removable(device, await this.passcodes(device));
    } catch {
      // The refusal itself is what matters; the list of names is a courtesy.
    }
    return new TTLockError(`${lock.name}: ${err.message}${names}`, err.reason, err.transient, err instanceof TTLockError ? err.errcode : undefined);
  }

  private removable(device: string, passcodes: Passcode[]): string {
    const now = this.clock.now().getTime();
    const others = passcodes.filter((p) => !this.slots.isOurs(device, p.keyboardPwdId));
    const expired = others.filter((p) => p.endDate !== undefined && p.endDate < now);
    const named = (expired.length ? expired : others).slice(0, 5).map((p) => `"${p.name || `passcode ${p.keyboardPwdId}`}"`);
    if (named.length === 0) return '';
    const which = expired.length ? `expired codes StayKey did not make (${expired.length})` : `codes StayKey did not make (${others.length})`;
    return `; ${which}, e.g. ${named.join(', ')}`;
  }

  // --- Reads -------------------------------------------------------------------------------------

  private async passcodes(device: string): Promise<Passcode[]> {
    const pageSize = this.options.passcodePageSize ?? 200;
    const items = await allPages(this.api, '/v3/lock/listKeyboardPwd', { lockId: device }, pageSize);
    return items.map(passcodeOf).filter((p): p is Passcode => p !== undefined);
  }

  private async liveBattery(device: number): Promise<number | LockError> {
    try {
      const reply = await this.throughGateway(String(device), () => this.api.get('/v3/lock/queryElectricQuantity', { lockId: device }));
      const level = Number(reply.electricQuantity);
      return Number.isFinite(level) ? level : new LockError('TTLock gave no battery level', 'vendor-error', true);
    } catch (err) {
      return err instanceof LockError ? err : new LockError(String(err), 'vendor-error', true);
    }
  }

  private async clockWarning(lock: LockConfig, info: TTLockLockInfo, online: boolean): Promise<string | undefined> {
    let lockTime: number | undefined;
    if (online) {
      try {
        const reply = await this.throughGateway(String(info.lockId), () => this.api.get('/v3/lock/queryDate', { lockId: info.lockId }));
        lockTime = Number(reply.date);
      } catch {
        // A lock that cannot tell its time now is checked again at the next status.
      }
    }
    const warnings = clockWarnings({
      lockName: lock.name,
      now: this.clock.now(),
      lockTime: Number.isFinite(lockTime) ? lockTime : undefined,
      rawOffsetMs: info.timezoneRawOffset,
      timeZone: this.options.timeZone,
    });
    return warnings.length ? warnings.join(' ') : undefined;
  }

  private inventory(fresh = false): Promise<Inventory> {
    const cached = this.inventoryCache;
    const maxAge = this.options.inventoryMaxAgeMs ?? 10 * 60_000;
    if (!fresh && cached && this.clock.now().getTime() - cached.readAt < maxAge) return Promise.resolve(cached);
    this.inventoryRead ??= readInventory(this.api, this.clock, this.options.lockPageSize).then(
      (inventory) => {
        this.inventoryRead = undefined;
        this.inventoryCache = inventory;
        return inventory;
      },
      (err: unknown) => {
        this.inventoryRead = undefined;
        throw err;
      },
    );
    return this.inventoryRead;
  }

  // --- One operation at a time per gateway ---------------------------------------------------------

  /** Two locks on one gateway never get overlapping operations; a lock without a gateway queues alone. */
  private async throughGateway<T>(device: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new LockError('the TTLock provider was stopped', 'offline', true);
    const inventory = await this.inventory();
    const gatewayId = inventory.gatewayOfLock.get(Number(device));
    const key = gatewayId === undefined ? `lock:${device}` : `gateway:${gatewayId}`;
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  private lockFor(lockId: string): LockConfig {
    const lock = this.locks.get(lockId);
    if (!lock) throw new LockError(`there is no TTLock lock "${lockId}" in the locks config`, 'unknown-lock', false);
    return lock;
  }
}

function deviceOf(lock: LockConfig): string {
  const device = (lock.device ?? '').trim();
  if (!/^[1-9][0-9]*$/.test(device)) {
    throw new LockError(
      `${lock.name} needs its TTLock lock id (a number, shown by "list TTLock locks" in the locks config) in the device field`,
      'unknown-lock',
      false,
    );
  }
  return device;
}
