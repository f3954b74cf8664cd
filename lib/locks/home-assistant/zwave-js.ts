/**
 * Z-Wave locks through Home Assistant's Z-Wave JS integration: codes by `zwave_js.set_lock_usercode` /
 * `clear_lock_usercode` on the lock entity, one slot read back by `zwave_js.get_lock_usercode` (answered
 * from Z-Wave JS's cache, so a read costs the lock no battery), keypad use from `zwave_js_notification`.
 */
import * as crypto from 'node:crypto';
import type { HaClient, HaEvent } from '../../ha/connection';
import { entityIdOf, HaLockDirectory } from './lock-entities';
import { lockErrorFrom, mayHaveReachedLock } from './lock-errors';
import { Clock, systemClock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockConnection, LockError, LockProvider, LockStatus } from '../provider';

export interface HaLocksOptions {
  locks: LockConfig[];
  client: HaClient;
  /** For keypad events Home Assistant sends without a time. */
  clock?: Clock;
}

/** Notification CC "Access Control" (type 6) events, as Z-Wave JS reports them. */
const ACCESS_CONTROL = 6;
const NOTIFICATION_CC = 113;
const KEYPAD_UNLOCK = 6;
/** "Manually enter user access code exceeds code limit": wrong codes tried at the keypad. */
const CODE_LIMIT_EXCEEDED = 19;
/** "New user code not added due to duplicate code": the lock already has that PIN in another slot. */
const DUPLICATE_CODE = 15;

interface SlotAnswer {
  usercode?: unknown;
  in_use?: unknown;
}

export class HaZwaveJsLocks implements LockProvider {
  readonly kind = 'zwave-js';
  /** Z-Wave user codes carry no dates: a code goes on when its window opens and comes off when it closes. */
  readonly schedules = false;
  /** The shared Home Assistant connection: lock-provider shows its state. */
  readonly connection: LockConnection;
  private readonly directory: HaLockDirectory;
  private readonly client: HaClient;
  private readonly clock: Clock;
  /**
   * Writes whose answer was lost (Home Assistant restarted, the mesh timed out): lock and slot to a
   * hash of what was written. Repeating that write first looks whether the lock already has it, so a
   * code is not sent twice.
   */
  private readonly uncertain = new Map<string, string>();
  private readonly keypadListeners = new Set<(event: KeypadEvent) => void>();
  private readonly stopNotifications: () => void;
  /** Duplicate-code reports per lock, counted as they arrive. */
  private readonly duplicateReports = new Map<string, number>();
  /** The last set per lock and slot, and how many duplicate reports the lock had made before it. */
  private readonly lastSets = new Map<string, { fingerprint: string; reportsBefore: number }>();

  constructor(options: HaLocksOptions) {
    this.client = options.client;
    this.connection = { kind: 'home-assistant', client: options.client };
    this.clock = options.clock ?? systemClock;
    this.directory = new HaLockDirectory(options.client, options.locks);
    // Z-Wave JS answers a set before the lock has refused it: the refusal comes later, as a notification.
    this.stopNotifications = this.client.subscribeEvents('zwave_js_notification', (event) => {
      void this.notification(event).catch(() => undefined);
    });
  }

  async listLocks(): Promise<LockConfig[]> {
    return this.directory.locks().map((lock) => ({ ...lock, schedules: this.schedules }));
  }

  status(lockId: string): Promise<LockStatus> {
    return this.directory.status(lockId);
  }

  /** Every slot Z-Wave JS knows of, from its cache: for an explicit read, never after each command. */
  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    const lock = this.directory.lock(lockId);
    const slots = await this.usercodes(lock, undefined);
    return [...slots.entries()]
      .map(([slot, answer]) => codeFrom(slot, answer))
      .filter((code): code is CodeOnLock => code !== null)
      .sort((a, b) => a.slot - b.slot);
  }

  async readSlot(lockId: string, slot: number): Promise<CodeOnLock | null> {
    const lock = this.directory.lock(lockId);
    const slots = await this.usercodes(lock, slot);
    const answer = slots.get(slot);
    return answer ? codeFrom(slot, answer) : null;
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    const lock = this.directory.lock(lockId);
    assertSlotAllowed(lock, code.slot);
    assertPinAllowed(lock, code.slot, code.pin);
    await this.write(lock, code.slot, code.pin);
  }

  /** Only the dates changed: the lock keeps no dates, so the code stays as it is, if it is there. */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    if (code.pin) return this.setCode(lockId, { ...code, pin: code.pin });
    const lock = this.directory.lock(lockId);
    assertSlotAllowed(lock, code.slot);
    if ((await this.readSlot(lockId, code.slot)) === null) {
      throw new LockError(`slot ${code.slot} of ${lock.name} is empty: its code has to be set again`, 'rejected-code', false);
    }
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = this.directory.lock(lockId);
    assertSlotAllowed(lock, slot);
    await this.write(lock, slot, undefined);
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    this.keypadListeners.add(listener);
    return () => {
      this.keypadListeners.delete(listener);
    };
  }

  /** The connection belongs to the server config node and stays open for its other users. */
  async close(): Promise<void> {
    this.stopNotifications();
    this.keypadListeners.clear();
  }

  /** One subscription for everything the lock reports: keypad use, and codes it refused as duplicates. */
  private async notification(event: HaEvent): Promise<void> {
    const data = event.data as Record<string, unknown>;
    if (data.command_class !== NOTIFICATION_CC || data.type !== ACCESS_CONTROL) return;
    if (data.event === DUPLICATE_CODE) return this.noteDuplicate(data);
    if (this.keypadListeners.size === 0) return;
    const keypad = await this.keypadEvent(event);
    if (!keypad) return;
    for (const listener of [...this.keypadListeners]) {
      try {
        listener({ ...keypad });
      } catch {
        // One broken listener must not keep the event from the others.
      }
    }
  }

  // --- Writing ----------------------------------------------------------------------------------

  /** A set when `pin` is given, a clear when not. */
  private async write(lock: LockConfig, slot: number, pin: string | undefined): Promise<void> {
    this.directory.assertWritable(lock);
    const key = `${lock.id}:${slot}`;
    const fingerprint = fingerprintOf(slot, pin);
    if (this.uncertain.get(key) === fingerprint && (await this.alreadyOnLock(lock, slot, pin))) {
      this.uncertain.delete(key);
      return;
    }
    if (pin !== undefined) this.assertNotRefusedAsDuplicate(lock, slot, fingerprint);
    const service = pin === undefined ? 'clear_lock_usercode' : 'set_lock_usercode';
    const data = pin === undefined ? { code_slot: slot } : { code_slot: slot, usercode: pin };
    const reportsBefore = this.duplicateReports.get(lock.id) ?? 0;
    try {
      await this.client.callService('zwave_js', service, data, { entity_id: entityIdOf(lock) });
      this.uncertain.delete(key);
      if (pin === undefined) this.lastSets.delete(key);
      else this.lastSets.set(key, { fingerprint, reportsBefore });
    } catch (err) {
      if (mayHaveReachedLock(err)) this.uncertain.set(key, fingerprint);
      else this.uncertain.delete(key);
      const what = pin === undefined ? `clear slot ${slot}` : `set the code in slot ${slot}`;
      throw lockErrorFrom(err, lock.name, what, this.client.url, pin);
    }
  }

  /**
   * The same code set again after the lock reported a duplicate (its read-back found the slot empty):
   * the lock will refuse it again, so say so instead of trying 30 times.
   */
  private assertNotRefusedAsDuplicate(lock: LockConfig, slot: number, fingerprint: string): void {
    const key = `${lock.id}:${slot}`;
    const last = this.lastSets.get(key);
    if (!last || last.fingerprint !== fingerprint) return;
    if ((this.duplicateReports.get(lock.id) ?? 0) <= last.reportsBefore) return;
    this.lastSets.delete(key);
    throw new LockError(`${lock.name} refused the code for slot ${slot}: it already holds the same code in another slot`, 'duplicate-code', false);
  }

  private async noteDuplicate(data: Record<string, unknown>): Promise<void> {
    const lock = await this.directory.lockForDevice(data.device_id);
    if (lock) this.duplicateReports.set(lock.id, (this.duplicateReports.get(lock.id) ?? 0) + 1);
  }

  /** A masked PIN cannot show the write arrived: then it is sent again (harmless). */
  private async alreadyOnLock(lock: LockConfig, slot: number, pin: string | undefined): Promise<boolean> {
    const held = await this.readSlot(lock.id, slot);
    if (pin === undefined) return held === null;
    return held !== null && held.pin === pin;
  }

  private async usercodes(lock: LockConfig, slot: number | undefined): Promise<Map<number, SlotAnswer>> {
    const entityId = entityIdOf(lock);
    const what = slot === undefined ? 'read its codes' : `read slot ${slot}`;
    let response: unknown;
    try {
      const data = slot === undefined ? {} : { code_slot: slot };
      response = (await this.client.callService('zwave_js', 'get_lock_usercode', data, { entity_id: entityId }, true)).response;
    } catch (err) {
      throw lockErrorFrom(err, lock.name, what, this.client.url);
    }
    return slotsIn(response, entityId, lock.name);
  }

  // --- Keypad -----------------------------------------------------------------------------------

  private async keypadEvent(event: HaEvent): Promise<KeypadEvent | undefined> {
    const data = event.data as Record<string, unknown>;
    if (data.event !== KEYPAD_UNLOCK && data.event !== CODE_LIMIT_EXCEEDED) return undefined;
    const lock = await this.directory.lockForDevice(data.device_id);
    if (!lock) return undefined;
    const at = typeof event.time_fired === 'string' ? new Date(event.time_fired).toISOString() : this.clock.now().toISOString();
    if (data.event === CODE_LIMIT_EXCEEDED) return { lockId: lock.id, slot: null, success: false, at };
    return { lockId: lock.id, slot: userIdOf(data.parameters), success: true, at };
  }
}

/**
 * `get_lock_usercode` answers `{ "lock.front_door": { "3": { "usercode": "1234", "in_use": true } } }`,
 * one entry per slot asked for (every slot when none was).
 */
function slotsIn(response: unknown, entityId: string, lockName: string): Map<number, SlotAnswer> {
  const forLock = isObject(response) && Object.hasOwn(response, entityId) ? response[entityId] : undefined;
  if (!isObject(forLock)) {
    throw new LockError(`${lockName}: Home Assistant's answer to get_lock_usercode has nothing for ${entityId}`, 'vendor-error', true);
  }
  const slots = new Map<number, SlotAnswer>();
  for (const [key, value] of Object.entries(forLock)) {
    const slot = Number(key);
    if (Number.isInteger(slot) && isObject(value)) slots.set(slot, value);
  }
  return slots;
}

/** Null for an empty slot; a PIN of null where the lock masks it (`****`, `0000000000`): unknown, not drift. */
function codeFrom(slot: number, answer: SlotAnswer): CodeOnLock | null {
  const usercode = answer.usercode === undefined || answer.usercode === null ? '' : String(answer.usercode);
  if (answer.in_use === false) return null;
  if (answer.in_use !== true && usercode === '') return null;
  return { slot, pin: isMasked(usercode) ? null : usercode };
}

function isMasked(usercode: string): boolean {
  return usercode === '' || /^\*+$/.test(usercode) || /^0+$/.test(usercode);
}

function userIdOf(parameters: unknown): number | null {
  const userId = isObject(parameters) ? Number(parameters.userId) : NaN;
  return Number.isInteger(userId) && userId > 0 ? userId : null;
}

/** What a write was, without keeping the PIN itself in memory. */
function fingerprintOf(slot: number, pin: string | undefined): string {
  return crypto.createHash('sha256').update(`${slot}:${pin ?? ''}`).digest('hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
