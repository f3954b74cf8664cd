import type { Clock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockError, LockProvider, LockRules, LockStatus, WriteOutcome } from '../provider';
import type { SeamAccount } from './account';
import { ChosenCodes } from './chosen';
import { codeOnLock, isOnLock, SeamCode } from './codes';
import { SeamDevice, seamRules, UNREACHABLE_DEVICE_ERRORS } from './devices';
import { codeErrorFailure } from './errors';
import { SeamEvents } from './events';
import { SeamRequests } from './requests';
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
 * codes StayKey did not make get slots from 1001 up, seen and left alone. Locks without connectivity
 * get offline codes, and a code that cannot be set may be replaced from Seam's backup pool (chosen.ts).
 */
export class SeamLocks implements LockProvider {
  readonly kind = 'seam';
  private readonly clock: Clock;
  private readonly slots: SeamSlots;
  private readonly requests: SeamRequests;
  private readonly chosen: ChosenCodes;
  private readonly locks = new Map<string, LockConfig>();
  /** The rules as the host saved them; a device's constraints are put on top each time it is read. */
  private readonly savedRules = new Map<string, LockRules>();
  private readonly devices = new Map<string, { device: SeamDevice; readAt: number }>();
  private readonly events: SeamEvents;

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
    this.requests = new SeamRequests(options.account);
    this.chosen = new ChosenCodes(this.requests, this.slots, this.clock);
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
    const device = deviceOf(lock);
    const codes = await this.codesOn(lock);
    const held: CodeOnLock[] = [];
    for (const code of codes) {
      const slot = this.slots.slotOf(device, code.accessCodeId);
      if (slot === undefined) continue;
      if (this.slots.isOurs(device, code.accessCodeId) && !this.counts(device, slot, code)) continue;
      held.push(codeOnLock(code, slot));
    }
    return held.sort((a, b) => a.slot - b.slot);
  }

  setCode(lockId: string, code: CodeToSet): Promise<void | WriteOutcome> {
    return this.write(this.lockFor(lockId), code, code.pin);
  }

  updateCode(lockId: string, code: CodeUpdate): Promise<void | WriteOutcome> {
    return this.write(this.lockFor(lockId), code, code.pin);
  }

  async clearCode(lockId: string, slot: number): Promise<void | WriteOutcome> {
    const lock = this.lockFor(lockId);
    assertSlotAllowed(lock, slot);
    const device = deviceOf(lock);
    return this.options.account.writes.run(device, async () => {
      await this.takeLostCreate(lock, slot);
      this.slots.forgetPending(device, slot);
      const accessCodeId = this.slots.codeIn(device, slot);
      if (!accessCodeId) return;
      const current = await this.requests.code(lock, accessCodeId);
      if (!current) return this.slots.remove(device, slot);
      if (current.status === 'removing') throw new LockError(`${lock.name}: Seam is still taking the code in slot ${slot} off the lock`, 'busy', true);
      const offline = this.slots.chosen(device, slot)?.why === 'offline-code';
      await this.requests.delete(lock, accessCodeId);
      // The slot keeps its code until Seam shows it gone: a delete Seam took but has not done yet still shows.
      if (await this.requests.code(lock, accessCodeId)) return;
      this.slots.remove(device, slot);
      const notice = offline ? this.chosen.stillOpens(lock, current, slot) : undefined;
      return notice ? { notice } : undefined;
    });
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    return this.events.listen(listener);
  }

  async close(): Promise<void> {
    this.requests.stopped = true;
    this.events.close();
  }

  // --- Writes ------------------------------------------------------------------------------------

  /** Create, or change the code the slot holds; then read it back until Seam says the lock has it. */
  private async write(lock: LockConfig, code: CodeUpdate, pin: string | undefined): Promise<void | WriteOutcome> {
    assertSlotAllowed(lock, code.slot);
    const device = await this.device(lock);
    const name = codeName(code.name, code.slot, device);
    if (!device.onlineCodes && !device.offlineCodes) {
      throw new LockError(`${lock.name} cannot take access codes through Seam: use the manual provider for it`, 'rejected-code', false);
    }
    // An offline code's PIN comes from the lock's algorithm; the PIN StayKey drew is not used.
    if (device.onlineCodes && pin !== undefined) assertPinAllowed(lock, code.slot, pin);
    return this.options.account.writes.run(device.deviceId, async () => {
      await this.takeLostCreate(lock, code.slot);
      if (!device.onlineCodes) return this.chosen.writeOffline(lock, device, code, name);
      const accessCodeId = (await this.changeHeld(lock, code, name, pin)) ?? (await this.create(lock, device, code, name, pin));
      return this.confirm(lock, device, accessCodeId, code, pin);
    });
  }

  private async create(lock: LockConfig, device: SeamDevice, code: CodeUpdate, name: string, pin: string | undefined): Promise<string> {
    if (pin === undefined) throw new LockError(`${lock.name} holds no code in slot ${code.slot}: it has to be set again`, 'rejected-code', false);
    const deviceId = device.deviceId;
    this.slots.expect(deviceId, code.slot, { name, startsAt: code.startsAt, endsAt: code.endsAt, since: this.clock.now().toISOString() });
    let created: SeamCode | undefined;
    try {
      // Where the device has Seam's backup pool, Seam keeps backup codes on it, ready if this one fails.
      created = await this.requests.create(lock, { deviceId, name, pin, startsAt: code.startsAt, endsAt: code.endsAt, backupPool: device.backupPool });
    } catch (err) {
      // A lost answer may hide a code that landed: the pending create stays, to be recognised later.
      if (err instanceof LockError && !err.transient) this.slots.forgetPending(deviceId, code.slot);
      throw err;
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
    const current = await this.requests.code(lock, accessCodeId);
    if (!current) {
      // Deleted in Seam or in the lock's app behind StayKey's back: the slot is empty now.
      this.slots.remove(device, code.slot);
      return undefined;
    }
    const sameHours = sameInstant(current.startsAt, code.startsAt) && sameInstant(current.endsAt, code.endsAt);
    // A backup from the pool keeps its own PIN: the guest was told that one.
    const backup = this.slots.chosen(device, code.slot)?.why === 'backup-pool';
    const samePin = pin === undefined || backup || current.code === pin;
    if (sameHours && samePin && current.name === name && current.errors.length === 0) return accessCodeId;
    if (backup && !sameHours) return this.replaceBackup(lock, accessCodeId, code);
    const newPin = pin !== undefined && !backup ? { code: pin } : {};
    await this.requests.update(lock, { access_code_id: accessCodeId, name, starts_at: code.startsAt, ends_at: code.endsAt, ...newPin }, pin);
    return accessCodeId;
  }

  /** New hours for a guest holding a pulled backup: the backup goes, and a code of the guest's own is made. */
  private async replaceBackup(lock: LockConfig, accessCodeId: string, code: CodeUpdate): Promise<undefined> {
    await this.requests.delete(lock, accessCodeId);
    this.slots.remove(deviceOf(lock), code.slot);
    return undefined;
  }

  /** Reads the code back: the write counts once Seam shows the lock has it (or holds it for later), with no errors. */
  private async confirm(lock: LockConfig, device: SeamDevice, accessCodeId: string, code: CodeUpdate, pin: string | undefined): Promise<void | WriteOutcome> {
    const current = await this.requests.code(lock, accessCodeId);
    if (!current) throw new LockError(`${lock.name}: the code for slot ${code.slot} was gone from Seam when read back`, 'vendor-error', true);
    const asked = this.slots.chosen(device.deviceId, code.slot);
    if (current.errors.length) {
      const failure = codeErrorFailure(lock.name, current.errors, pin);
      const backup = asked ? undefined : await this.chosen.pullBackup(lock, device, current, code, failure);
      if (backup) return backup;
      throw failure;
    }
    if (this.counts(device.deviceId, code.slot, current)) return asked ? this.chosen.outcome(lock, current, asked, code.slot) : undefined;
    if (current.status === 'unknown') throw new LockError(`${lock.name}: Seam cannot see the lock's codes now (status unknown): its account may be disconnected`, 'offline', true);
    const delayed = current.warnings.includes('delay_in_setting_on_device') ? ' (Seam reports a delay)' : '';
    throw new LockError(`${lock.name}: Seam is still putting the code for slot ${code.slot} on the lock${delayed}`, 'busy', true);
  }

  /** A code of StayKey's counts as on the lock once set, or held by Seam for later; an offline code as soon as it exists. */
  private counts(device: string, slot: number, code: SeamCode): boolean {
    if (this.slots.chosen(device, slot)?.why === 'offline-code') return code.errors.length === 0;
    return isOnLock(code, this.clock.now());
  }

  /** A create whose answer was lost (a timeout, a restart) may have landed: look before writing again. */
  private async takeLostCreate(lock: LockConfig, slot: number): Promise<void> {
    const device = deviceOf(lock);
    if (!this.slots.pending(device, slot) || this.slots.codeIn(device, slot)) return;
    await this.codesOn(lock);
  }

  // --- Reads -------------------------------------------------------------------------------------

  /** Every code on the device, StayKey's and others', with the slot map brought in line. */
  private async codesOn(lock: LockConfig): Promise<SeamCode[]> {
    const device = deviceOf(lock);
    const codes = await this.requests.codesOn(lock, device);
    // Seam (and its fake) may leave pool codes out of a listing, pulled ones too: those a slot holds are read one by one.
    for (const id of this.slots.backupsHeld(device)) {
      if (codes.some((code) => code.accessCodeId === id)) continue;
      const backup = await this.requests.code(lock, id);
      if (backup) codes.push(backup);
    }
    this.slots.reconcile(device, codes);
    return codes;
  }

  /** The device's details, read again when older than the limit (or when `fresh`); its rules go on the lock. */
  private async device(lock: LockConfig, fresh = false): Promise<SeamDevice> {
    const deviceId = deviceOf(lock);
    const known = this.devices.get(deviceId);
    const maxAge = this.options.deviceMaxAgeMs ?? 10 * 60_000;
    if (!fresh && known && this.clock.now().getTime() - known.readAt < maxAge) return known.device;
    const device = await this.requests.device(lock, deviceId);
    this.devices.set(deviceId, { device, readAt: this.clock.now().getTime() });
    lock.rules = seamRules(this.savedRules.get(lock.id) ?? lock.rules, device);
    return device;
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
  return undefined;
}

function sameInstant(a: string | undefined, b: string): boolean {
  return a !== undefined && Date.parse(a) === Date.parse(b);
}
