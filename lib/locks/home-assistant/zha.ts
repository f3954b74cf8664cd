/**
 * Zigbee locks through Home Assistant's ZHA integration: `zha.set_lock_user_code` (which also enables
 * the slot), `clear_lock_user_code`, `enable_lock_user_code`, and keypad use from `zha_event`.
 *
 * ZHA has no service that reads a code back, and it does not pass the lock's programming events on,
 * so StayKey cannot confirm a ZHA write: the locks config runs ZHA locks without read-back, and a
 * result says `confirmed: false`. A code is known to work once it is used at the keypad.
 */
import type { HaClient, HaEvent } from '../../ha/connection';
import { entityIdOf, HaLockDirectory } from './lock-entities';
import { lockErrorFrom } from './lock-errors';
import { Clock, systemClock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import type { HaLocksOptions } from './zwave-js';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockConnection, LockError, LockProvider, LockStatus } from '../provider';

/** Operation event codes 3 and 5 of the ZCL door lock cluster: a wrong PIN at the keypad. */
const WRONG_PIN_CODES = new Set(['3', '5']);
const UNLOCK = new Set(['unlock', '2']);
const KEYPAD = new Set(['keypad', '0']);

export class HaZhaLocks implements LockProvider {
  readonly kind = 'zha';
  readonly codeCheck = 'accepted';
  /** ZHA user codes carry no dates. */
  readonly schedules = false;
  /** The shared Home Assistant connection: lock-provider shows its state. */
  readonly connection: LockConnection;
  private readonly directory: HaLockDirectory;
  private readonly client: HaClient;
  private readonly clock: Clock;
  private readonly stops = new Set<() => void>();

  constructor(options: HaLocksOptions) {
    this.client = options.client;
    this.connection = { kind: 'home-assistant', client: options.client };
    this.clock = options.clock ?? systemClock;
    this.directory = new HaLockDirectory(options.client, options.locks);
  }

  async listLocks(): Promise<LockConfig[]> {
    return this.directory.locks().map((lock) => ({ ...lock, schedules: this.schedules }));
  }

  status(lockId: string): Promise<LockStatus> {
    return this.directory.status(lockId);
  }

  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    const lock = this.directory.lock(lockId);
    throw new LockError(`${lock.name}: ZHA cannot read codes back from a lock; check them in the lock's own app`, 'vendor-error', false);
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    const lock = this.directory.lock(lockId);
    assertSlotAllowed(lock, code.slot);
    assertPinAllowed(lock, code.slot, code.pin);
    await this.call(lock, 'set_lock_user_code', { code_slot: code.slot, user_code: code.pin }, `set the code in slot ${code.slot}`, code.pin);
  }

  /**
   * Only the dates changed: the code stays. Enabling the slot again costs one message and makes sure
   * the guest's code works, should someone have disabled it at the lock or in Home Assistant.
   */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    if (code.pin) return this.setCode(lockId, { ...code, pin: code.pin });
    const lock = this.directory.lock(lockId);
    assertSlotAllowed(lock, code.slot);
    await this.call(lock, 'enable_lock_user_code', { code_slot: code.slot }, `enable slot ${code.slot}`);
  }

  /** A clear removes the code; `disable_lock_user_code` would leave it on the lock, which StayKey never wants. */
  async clearCode(lockId: string, slot: number): Promise<void> {
    const lock = this.directory.lock(lockId);
    assertSlotAllowed(lock, slot);
    await this.call(lock, 'clear_lock_user_code', { code_slot: slot }, `clear slot ${slot}`);
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    const stop = this.client.subscribeEvents('zha_event', (event) => {
      void this.keypadEvent(event).then(
        (keypad) => {
          if (keypad) listener(keypad);
        },
        () => undefined,
      );
    });
    this.stops.add(stop);
    return () => {
      stop();
      this.stops.delete(stop);
    };
  }

  async close(): Promise<void> {
    for (const stop of this.stops) stop();
    this.stops.clear();
  }

  private async call(lock: LockConfig, service: string, data: object, what: string, pin?: string): Promise<void> {
    this.directory.assertWritable(lock);
    try {
      await this.client.callService('zha', service, data, { entity_id: entityIdOf(lock) });
    } catch (err) {
      throw lockErrorFrom(err, lock.name, what, this.client.url, pin);
    }
  }

  /**
   * ZHA sends `operation_event_notification` as `{source: "Keypad", operation: "Unlock", code_slot: 3}`
   * (slots from 1); some versions pass the cluster's own field names, which are read too.
   */
  private async keypadEvent(event: HaEvent): Promise<KeypadEvent | undefined> {
    const data = event.data as Record<string, unknown>;
    if (data.command !== 'operation_event_notification') return undefined;
    const args = isObject(data.args) ? data.args : {};
    const source = words(args.source ?? args.operation_event_source);
    const operation = words(args.operation ?? args.operation_event_code);
    if (!KEYPAD.has(source)) return undefined;
    // Spelled UnlockInvalidPinOrID, UnlockFailureInvalidPINOrID, ... depending on the zigpy version.
    const wrong = WRONG_PIN_CODES.has(operation) || operation.includes('invalidpin');
    if (!wrong && !UNLOCK.has(operation)) return undefined;
    const lock = await this.directory.lockForDevice(data.device_id);
    if (!lock) return undefined;
    const at = typeof event.time_fired === 'string' ? new Date(event.time_fired).toISOString() : this.clock.now().toISOString();
    if (wrong) return { lockId: lock.id, slot: null, success: false, at };
    return { lockId: lock.id, slot: slotOf(args), success: true, at };
  }
}

function slotOf(args: Record<string, unknown>): number | null {
  if (args.code_slot !== undefined) {
    const slot = Number(args.code_slot);
    return Number.isInteger(slot) && slot > 0 ? slot : null;
  }
  // The cluster numbers users from 0; ZHA's services and StayKey number slots from 1.
  const user = Number(args.user_id);
  return Number.isInteger(user) && user >= 0 ? user + 1 : null;
}

function words(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return '';
  return value.replace(/^.*\./, '').replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
