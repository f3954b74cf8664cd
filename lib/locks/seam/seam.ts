import { isSeamHttpApiError, SeamHttpRequest } from '@seamapi/http';
import type { Clock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockError, LockProvider, LockRules, LockStatus } from '../provider';
import type { SeamAccount } from './account';
import { codeOnLock, isOnLock, SeamCode, seamCodeOf } from './codes';
import { SeamDevice, seamDeviceOf, seamRules, UNREACHABLE_DEVICE_ERRORS } from './devices';
import { codeErrorFailure, requestFailure } from './errors';
import { SeamEvents } from './events';
import { SeamSlots } from './slots';

export interface SeamLocksOptions {
  /** The locks as configured; each one's `device` is its Seam device id. */
  locks: LockConfig[];
  account: SeamAccount;
  clock: Clock;
  /** Where the slot map is kept (no PINs in it), so it survives a restart. */
  file?: string;
  /** How often Seam's events are read for codes used at the door (default 5 min; 0: never). */
  eventsEveryMs?: number;
  /** How old a device's details may be before they are read again (default 10 min). */
  deviceMaxAgeMs?: number;
}

/**
 * Locks reached through Seam (August, Yale, Schlage, Kwikset, igloohome, Lockly, SmartThings, Wyze,
 * Tedee, Salto KS and more). Codes are Seam's time-bound access codes: Seam keeps each one's window
 * and programs the lock, so this provider writes once per booking and confirms by reading the code
 * back (status, errors, warnings). Seam has no slots: slots map to access code ids (slots.ts), and
 * codes StayKey did not make get slots from 1001 up, seen and left alone.
 */
export class SeamLocks implements LockProvider {
  readonly kind = 'seam';
  private readonly clock: Clock;
  private readonly slots: SeamSlots;
  private readonly locks = new Map<string, LockConfig>();
  /** The rules as the host saved them; a device's constraints are put on top each time it is read. */
  private readonly savedRules = new Map<string, LockRules>();
  private readonly devices = new Map<string, { device: SeamDevice; readAt: number }>();
  private readonly events: SeamEvents;
  private closed = false;

  constructor(private readonly options: SeamLocksOptions) {
    this.clock = options.clock;
    const devices = new Map<string, string>();
    for (const lock of options.locks) {
      const device = deviceOf(lock);
      const twin = devices.get(device);
      if (twin) throw new Error(`${lock.name} and ${twin} have the same Seam device id: each lock needs its own`);
      devices.set(device, lock.name);
      this.locks.set(lock.id, lock);
      this.savedRules.set(lock.id, lock.rules);
      // Seam keeps each code's window on the lock.
      lock.schedules = true;
    }
    this.slots = new SeamSlots(options.file);
    this.events = new SeamEvents({
      client: () => options.account.client(),
      clock: options.clock,
      everyMs: options.eventsEveryMs ?? 5 * 60_000,
      locks: [...this.locks.values()],
      slotOf: (device, accessCodeId) => this.slots.slotOf(device, accessCodeId),
    });
  }

  async listLocks(): Promise<LockConfig[]> {
    return [...this.locks.values()];
  }

  /** Online and battery as Seam last heard from the device; a device error Seam reports is a warning. */
  async status(lockId: string): Promise<LockStatus> {
    const lock = this.lockFor(lockId);
    const device = await this.device(lock, true);
    const unreachable = device.errors.some((code) => UNREACHABLE_DEVICE_ERRORS.has(code));
    const status: LockStatus = { lockId, online: device.online && !unreachable, battery: device.battery };
    const warning = deviceWarning(device);
    if (warning) status.warning = warning;
    return status;
  }

  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    const lock = this.lockFor(lockId);
    const codes = await this.codesOn(lock);
    const now = this.clock.now();
    const held: CodeOnLock[] = [];
    for (const code of codes) {
      const slot = this.slots.slotOf(deviceOf(lock), code.accessCodeId);
      if (slot === undefined) continue;
      // StayKey's own code counts only once the lock has it, or Seam holds it for a window not begun.
      if (this.slots.isOurs(deviceOf(lock), code.accessCodeId) && !isOnLock(code, now)) continue;
      held.push(codeOnLock(code, slot));
    }
    return held.sort((a, b) => a.slot - b.slot);
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    const lock = this.lockFor(lockId);
    await this.write(lock, code, code.pin);
  }

  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    const lock = this.lockFor(lockId);
    await this.write(lock, code, code.pin);
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, slot);
    const device = deviceOf(lock);
    await this.options.account.writes.run(device, async () => {
      await this.takeLostCreate(lock, slot);
      this.slots.forgetPending(device, slot);
      const accessCodeId = this.slots.codeIn(device, slot);
      if (!accessCodeId) return;
      const current = await this.accessCode(lock, accessCodeId);
      if (!current) return this.slots.remove(device, slot);
      if (current.status === 'removing') throw new LockError(`${lock.name}: Seam is still taking the code in slot ${slot} off the lock`, 'busy', true);
      await this.call(lock, () => this.client().accessCodes.delete({ access_code_id: accessCodeId }));
      // The slot keeps its code until a listing shows it gone: a delete Seam took but has not done yet still shows.
      if (!(await this.accessCode(lock, accessCodeId))) this.slots.remove(device, slot);
    });
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    return this.events.listen(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events.close();
  }

  // --- Writes ------------------------------------------------------------------------------------

  /** Create, or change the code the slot holds; then read it back until Seam says the lock has it. */
  private async write(lock: LockConfig, code: CodeUpdate, pin: string | undefined): Promise<void> {
    assertSlotAllowed(lock, code.slot);
    const device = await this.device(lock);
    const name = codeName(code.name, code.slot, device);
    if (!device.onlineCodes) {
      const why = device.offlineCodes ? 'takes only offline (algorithmic) codes, which StayKey does not issue yet' : 'cannot take access codes through Seam';
      throw new LockError(`${lock.name} ${why}: use the manual provider for it, or a lock Seam can program`, 'rejected-code', false);
    }
    if (pin !== undefined) assertPinAllowed(lock, code.slot, pin);
    await this.options.account.writes.run(device.deviceId, async () => {
      if (this.closed) throw new LockError('the Seam provider was stopped', 'busy', true);
      await this.takeLostCreate(lock, code.slot);
      const accessCodeId = (await this.changeHeld(lock, code, name, pin)) ?? (await this.create(lock, device, code, name, pin));
      await this.confirm(lock, accessCodeId, code.slot, pin);
    });
  }

  private async create(lock: LockConfig, device: SeamDevice, code: CodeUpdate, name: string, pin: string | undefined): Promise<string> {
    if (pin === undefined) throw new LockError(`${lock.name} holds no code in slot ${code.slot}: it has to be set again`, 'rejected-code', false);
    const deviceId = device.deviceId;
    this.slots.expect(deviceId, code.slot, { name, startsAt: code.startsAt, endsAt: code.endsAt, since: this.clock.now().toISOString() });
    let created: SeamCode | undefined;
    try {
      const answer = await this.client().accessCodes.create({
        device_id: deviceId,
        name,
        code: pin,
        starts_at: code.startsAt,
        ends_at: code.endsAt,
        // Seam's backup codes stand ready where the device has a pool: the host can pull one in Seam if this one fails.
        ...(device.backupPool ? { use_backup_access_code_pool: true } : {}),
      });
      created = seamCodeOf(answer, true);
    } catch (err) {
      const failure = requestFailure(lock.name, err, pin);
      // A lost answer may hide a code that landed: the pending create stays, to be recognised later.
      if (!failure.transient) this.slots.forgetPending(deviceId, code.slot);
      throw failure;
    }
    if (!created) throw new LockError(`Seam did not say which access code it made for slot ${code.slot} of ${lock.name}`, 'vendor-error', true);
    this.slots.place(deviceId, code.slot, created.accessCodeId);
    return created.accessCodeId;
  }

  /** Brings the slot's code in line (PIN, name, dates), if the slot has one; undefined when there is none. */
  private async changeHeld(lock: LockConfig, code: CodeUpdate, name: string, pin: string | undefined): Promise<string | undefined> {
    const device = deviceOf(lock);
    const accessCodeId = this.slots.codeIn(device, code.slot);
    if (!accessCodeId) return undefined;
    const current = await this.accessCode(lock, accessCodeId);
    if (!current) {
      // Deleted in Seam or in the lock's app behind StayKey's back: the slot is empty now.
      this.slots.remove(device, code.slot);
      return undefined;
    }
    const same = current.name === name && sameInstant(current.startsAt, code.startsAt) && sameInstant(current.endsAt, code.endsAt);
    const samePin = pin === undefined || current.code === pin;
    if (same && samePin && current.errors.length === 0) return accessCodeId;
    await this.call(lock, () => this.update({ access_code_id: accessCodeId, name, starts_at: code.startsAt, ends_at: code.endsAt, ...(pin !== undefined ? { code: pin } : {}) }), pin);
    return accessCodeId;
  }

  /**
   * Seam's API reference documents `/access_codes/update` as a POST (and Seam's fake accepts only
   * POST), while this client sends PUT: the request goes through the client's own machinery, as POST.
   */
  private update(body: Record<string, unknown>): Promise<unknown> {
    const parent = this.client().accessCodes;
    const config = { pathname: '/access_codes/update', method: 'POST', body, responseKey: 'action_attempt', options: { waitForActionAttempt: false } } as const;
    return new SeamHttpRequest<{ action_attempt: unknown }, 'action_attempt'>(parent, config);
  }

  /** Reads the code back: the write counts once Seam shows the lock has it (or holds it for later), with no errors. */
  private async confirm(lock: LockConfig, accessCodeId: string, slot: number, pin: string | undefined): Promise<void> {
    const code = await this.accessCode(lock, accessCodeId);
    if (!code) throw new LockError(`${lock.name}: the code for slot ${slot} was gone from Seam when read back`, 'vendor-error', true);
    if (code.errors.length) throw codeErrorFailure(lock.name, code.errors, pin);
    if (isOnLock(code, this.clock.now())) return;
    if (code.status === 'unknown') throw new LockError(`${lock.name}: Seam cannot see the lock's codes now (status unknown): its account may be disconnected`, 'offline', true);
    const delayed = code.warnings.includes('delay_in_setting_on_device') ? ' (Seam reports a delay)' : '';
    throw new LockError(`${lock.name}: Seam is still putting the code for slot ${slot} on the lock${delayed}`, 'busy', true);
  }

  /** A create whose answer was lost (a timeout, a restart) may have landed: look before writing again. */
  private async takeLostCreate(lock: LockConfig, slot: number): Promise<void> {
    const device = deviceOf(lock);
    if (!this.slots.pending(device, slot) || this.slots.codeIn(device, slot)) return;
    await this.codesOn(lock);
  }

  // --- Reads -------------------------------------------------------------------------------------

  /** Every code on the device, StayKey's and others' (unmanaged ones too), with the slot map brought in line. */
  private async codesOn(lock: LockConfig): Promise<SeamCode[]> {
    const device = deviceOf(lock);
    const client = this.client();
    const managed = await this.call(lock, () => client.accessCodes.list({ device_id: device }));
    const unmanaged = await this.call(lock, () => client.accessCodes.unmanaged.list({ device_id: device }));
    // One code listed twice (Seam's fake lists unmanaged codes in both) is one code.
    const byId = new Map<string, SeamCode>();
    for (const code of [...listOf(managed, true), ...listOf(unmanaged, false)]) {
      if (!code.deviceId || code.deviceId === device) byId.set(code.accessCodeId, code);
    }
    const codes = [...byId.values()];
    this.slots.reconcile(device, codes);
    return codes;
  }

  private async accessCode(lock: LockConfig, accessCodeId: string): Promise<SeamCode | undefined> {
    try {
      return seamCodeOf(await this.client().accessCodes.get({ access_code_id: accessCodeId }), true);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw requestFailure(lock.name, err);
    }
  }

  /** The device's details, read again when older than the limit (or when `fresh`); its rules go on the lock. */
  private async device(lock: LockConfig, fresh = false): Promise<SeamDevice> {
    const deviceId = deviceOf(lock);
    const known = this.devices.get(deviceId);
    const maxAge = this.options.deviceMaxAgeMs ?? 10 * 60_000;
    if (!fresh && known && this.clock.now().getTime() - known.readAt < maxAge) return known.device;
    const answer = await this.call(lock, () => this.client().devices.get({ device_id: deviceId }));
    const device = seamDeviceOf(answer);
    if (!device) throw new LockError(`${lock.name}: Seam's answer about device ${deviceId} was not a device`, 'vendor-error', true);
    this.devices.set(deviceId, { device, readAt: this.clock.now().getTime() });
    lock.rules = seamRules(this.savedRules.get(lock.id) ?? lock.rules, device);
    return device;
  }

  private async call<T>(lock: LockConfig, request: () => Promise<T>, pin?: string): Promise<T> {
    if (this.closed) throw new LockError('the Seam provider was stopped', 'busy', true);
    try {
      return await request();
    } catch (err) {
      throw requestFailure(lock.name, err, pin);
    }
  }

  private client() {
    try {
      return this.options.account.client();
    } catch (err) {
      throw new LockError(err instanceof Error ? err.message : String(err), 'auth', false);
    }
  }

  private lockFor(lockId: string): LockConfig {
    const lock = this.locks.get(lockId);
    if (!lock) throw new LockError(`there is no Seam lock "${lockId}" in the locks config`, 'unknown-lock', false);
    return lock;
  }
}

function deviceOf(lock: LockConfig): string {
  const device = (lock.device ?? '').trim();
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(device)) {
    throw new LockError(`${lock.name} needs its Seam device id (shown by "list Seam devices" in the locks config) in the device field`, 'unknown-lock', false);
  }
  return device;
}

/** Devices that want unique code names (Kwikset, Nuki) get the slot added; the rest the name as given. */
function codeName(name: string, slot: number, device: SeamDevice): string {
  const plain = name.replace(/\s+/g, ' ').trim() || `StayKey ${slot}`;
  const unique = device.constraints.includes('name_must_be_unique') ? `${plain} ${slot}` : plain;
  return device.nameMaxLength ? Array.from(unique).slice(0, device.nameMaxLength).join('') : unique;
}

function deviceWarning(device: SeamDevice): string | undefined {
  const other = device.errors.filter((code) => !UNREACHABLE_DEVICE_ERRORS.has(code));
  if (other.length) return `Seam reports ${other.slice(0, 3).join(', ')} for ${device.name}: see the device in the Seam console`;
  if (!device.onlineCodes && device.offlineCodes) return `${device.name} takes only offline (algorithmic) codes through Seam; StayKey does not issue those yet`;
  return undefined;
}

function listOf(answer: unknown, managed: boolean): SeamCode[] {
  if (!Array.isArray(answer)) return [];
  return answer
    .slice(0, 1000)
    .map((raw) => seamCodeOf(raw, managed))
    .filter((code): code is SeamCode => code !== undefined);
}

/** Seam answers a code that is gone with 404 (`access_code_not_found`; its fake says `not_found`). */
function isNotFound(err: unknown): boolean {
  if (!isSeamHttpApiError(err)) return false;
  return err.statusCode === 404 || err.code === 'access_code_not_found';
}

function sameInstant(a: string | undefined, b: string): boolean {
  return a !== undefined && Date.parse(a) === Date.parse(b);
}
