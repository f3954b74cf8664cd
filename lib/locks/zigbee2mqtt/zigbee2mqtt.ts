/**
 * Zigbee keypad locks through Zigbee2MQTT, straight over MQTT (no Home Assistant needed).
 *
 * What Zigbee2MQTT offers, and how StayKey uses it:
 * - `<base>/<device>/set {"pin_code":{"user":N,...,"pin_code":"123456"}}` writes a slot (users start at 0);
 *   `"pin_code": null` clears it. The lock answers with a set/clear PIN response, and Zigbee2MQTT publishes
 *   `last_successful_pincode_save` / `_clear` in the device state only when the lock said yes. A refused
 *   code (a duplicate, memory full) publishes nothing at all.
 * - `<base>/<device>/get {"pin_code":{"user":N}}` reads ONE slot; the state then carries `users.N`
 *   (`status`, and `pin_code` only with the device option `expose_pin`). StayKey never asks for all slots
 *   (`{"pin_code":{}}` makes the lock answer one message per slot, which drains its batteries).
 * - `<base>/<device>/availability` says `online`/`offline` (`{"state":"online"}` on newer versions).
 * - A keypad unlock arrives as `action: unlock` with `action_user` (the slot) and `action_source_name: keypad`.
 * - A command that fails in the radio network is logged on `<base>/bridge/logging` (`bridge/log` on 1.x).
 *
 * This class is the front door; each job lives in a file of its own: answers (a command and its answer),
 * lock-reports (what Zigbee2MQTT says), watch (a lock as last reported), remembered-slots (kept across
 * restarts) and devices (the device list for the editor).
 */
import type { MqttLink } from '../../mqtt/link';
import { MqttNotConnected } from '../../mqtt/link';
import { Clock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockConnection, LockError, LockProvider, LockStatus } from '../provider';
import { Answers, carriesSlot, changed, Outcome } from './answers';
import { cleanBaseTopic } from './devices';
import { LockReports } from './lock-reports';
import { loadRememberedSlots, saveRememberedSlots } from './remembered-slots';
import { holdsCode, inRange, LockWatch, newWatch } from './watch';

export { cleanBaseTopic, DEFAULT_BASE_TOPIC, devicesFromBridge, listZigbee2MqttDevices } from './devices';
export type { Z2mDevice } from './devices';

export interface Zigbee2MqttOptions {
  locks: LockConfig[];
  mqtt: MqttLink;
  clock: Clock;
  /** Zigbee2MQTT's base topic (its `mqtt.base_topic`), default `zigbee2mqtt`. */
  baseTopic?: string;
  /** How long a lock may take to answer a write or a read (default 30 s: sleepy locks wake slowly). */
  answerTimeoutMs?: number;
  /** Where the slots StayKey used are remembered across restarts (slot numbers only, never a PIN). */
  file?: string;
}

const DEFAULT_ANSWER_MS = 30_000;

export class Zigbee2MqttLocks implements LockProvider {
  readonly kind = 'zigbee2mqtt';
  /** Zigbee user codes carry no dates: a code goes on when the guest's window opens, off when it closes. */
  readonly schedules = false;
  /** The broker these locks are reached through, for a node to show its connection. */
  readonly connection: LockConnection;
  readonly baseTopic: string;
  private readonly watches = new Map<string, LockWatch>();
  private readonly mqtt: MqttLink;
  private readonly answers: Answers;
  private readonly reports: LockReports;
  private closed = false;

  constructor(private readonly options: Zigbee2MqttOptions) {
    this.mqtt = options.mqtt;
    this.connection = { kind: 'mqtt', broker: options.mqtt };
    this.baseTopic = cleanBaseTopic(options.baseTopic);
    this.answers = new Answers(options.mqtt, options.clock, this.baseTopic, options.answerTimeoutMs ?? DEFAULT_ANSWER_MS);
    for (const config of options.locks) this.watches.set(config.id, newWatch(config));
    loadRememberedSlots(options.file, this.watches);
    const { watches, mqtt, baseTopic, answers } = this;
    this.reports = new LockReports({ watches, mqtt, clock: options.clock, baseTopic, answers });
  }

  async listLocks(): Promise<LockConfig[]> {
    return [...this.watches.values()].map((watch) => watch.config);
  }

  /** From what the lock last reported; asks the lock nothing (a battery read wakes it). */
  async status(lockId: string): Promise<LockStatus> {
    const watch = this.watchFor(lockId);
    return {
      lockId,
      online: this.mqtt.state === 'connected' && watch.availability !== 'offline',
      battery: watch.battery,
      ...(watch.lastSeenAt ? { lastSeenAt: watch.lastSeenAt } : {}),
    };
  }

  /**
   * The codes in StayKey's slots as the lock last reported them, after reading (one by one) the slots
   * written since. Slots StayKey never used and was never told about are not read: a full read
   * costs the lock one radio exchange per slot.
   */
  async listCodes(lockId: string): Promise<CodeOnLock[]> {
    const watch = this.watchFor(lockId);
    for (const slot of [...watch.stale].sort((a, b) => a - b)) await this.readSlot(lockId, slot);
    return [...watch.slots.entries()]
      .filter(([slot, entry]) => inRange(watch.config, slot) && holdsCode(entry))
      .sort(([a], [b]) => a - b)
      .map(([slot, entry]) => ({ slot, pin: entry.pin }));
  }

  /** Reads one slot from the lock: the code it holds (PIN null when masked), or null when empty. */
  async readSlot(lockId: string, slot: number): Promise<CodeOnLock | null> {
    const watch = this.watchFor(lockId);
    this.assertReachable(watch);
    const outcome = await this.answers.exchange(watch, { pin_code: { user: slot } }, 'get', (event) => carriesSlot(event, slot));
    if (outcome !== 'answered') throw this.answers.failure(watch, outcome, `read slot ${slot}`, slot);
    watch.stale.delete(slot);
    const entry = watch.slots.get(slot);
    const held = entry && holdsCode(entry) ? { slot, pin: entry.pin } : null;
    this.compareWithAsked(watch, slot, held);
    if (!held && !watch.asked.get(slot)?.pin && watch.remembered.delete(slot)) this.save();
    return held;
  }

  async setCode(lockId: string, code: CodeToSet): Promise<void> {
    const watch = this.watchFor(lockId);
    const { slot, pin } = code;
    assertSlotAllowed(watch.config, slot);
    assertPinAllowed(watch.config, slot, pin);
    this.assertReachable(watch);
    this.assertNotElsewhere(watch, slot, pin);
    if (await this.alreadyAsked(watch, slot, pin)) return;
    const before = watch.lastSave;
    watch.asked.set(slot, { pin, confirmed: false });
    const payload = { pin_code: { user: slot, user_type: 'unrestricted', user_enabled: true, pin_code: pin } };
    const outcome = await this.answers.exchange(watch, payload, 'set', (event) => changed(event, 'last_successful_pincode_save', before));
    if (outcome === 'answered') return this.written(watch, slot, pin, false);
    await this.checkUnsaved(watch, slot, pin, outcome);
  }

  /** Zigbee locks keep no dates: without a new PIN there is nothing to send, only the slot to check. */
  async updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    const watch = this.watchFor(lockId);
    if (code.pin !== undefined) return this.setCode(lockId, { ...code, pin: code.pin });
    assertSlotAllowed(watch.config, code.slot);
    watch.stale.add(code.slot);
    this.remember(watch, code.slot);
  }

  async clearCode(lockId: string, slot: number): Promise<void> {
    const watch = this.watchFor(lockId);
    assertSlotAllowed(watch.config, slot);
    this.assertReachable(watch);
    if (await this.alreadyAsked(watch, slot, null)) return;
    const before = watch.lastClear;
    watch.asked.set(slot, { pin: null, confirmed: false });
    this.remember(watch, slot);
    const payload = { pin_code: { user: slot, user_type: 'unrestricted', user_enabled: true, pin_code: null } };
    const outcome = await this.answers.exchange(watch, payload, 'set', (event) => changed(event, 'last_successful_pincode_clear', before));
    if (outcome === 'answered') {
      watch.asked.set(slot, { pin: null, confirmed: true });
      watch.stale.add(slot);
      return;
    }
    if (outcome !== 'timeout' && outcome !== 'reconnected') throw this.answers.failure(watch, outcome, `clear slot ${slot}`, slot);
    // The answer may have been lost rather than the clear: the slot itself says which.
    const held = await this.readSlot(lockId, slot);
    if (held === null) return;
    throw new LockError(`${watch.config.name} still holds a code in slot ${slot} after the clear`, 'timeout', true);
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    return this.reports.onKeypad(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reports.stopListening();
    this.answers.stopWaiting();
    this.reports.forgetKeypadListeners();
  }

  // --- A write and what the lock made of it ----------------------------------------------------

  /** After a write without an answer: look at the slot, then decide what the host is told. */
  private async checkUnsaved(watch: LockWatch, slot: number, pin: string, outcome: Outcome<'answered'>): Promise<void> {
    if (outcome !== 'timeout' && outcome !== 'reconnected') throw this.answers.failure(watch, outcome, `set the code in slot ${slot}`, slot);
    const held = await this.readSlot(watch.config.id, slot);
    if (held && (held.pin === pin || held.pin === null)) return this.written(watch, slot, pin, true);
    // The lock answered the read, so it heard us; it did not keep the code.
    this.assertNotElsewhere(watch, slot, pin);
    if (outcome === 'reconnected') {
      throw new LockError(`${watch.config.name}: the MQTT connection dropped while the code for slot ${slot} was on its way`, 'timeout', true);
    }
    const refusals = (watch.unsaved.get(slot) ?? 0) + 1;
    watch.unsaved.set(slot, refusals);
    if (refusals >= 2) {
      // Zigbee2MQTT says nothing when a lock refuses a code; a lock that answers every read and
      // still will not keep the code twice running most likely holds it in another slot.
      watch.unsaved.delete(slot);
      throw new LockError(
        `${watch.config.name} answered but did not keep the code for slot ${slot} (twice); it most likely holds the same code in another slot`,
        'duplicate-code',
        false,
      );
    }
    throw new LockError(`${watch.config.name} answered but did not save the code in slot ${slot}`, 'vendor-error', true);
  }

  /**
   * The same thing asked again. Said yes to already: nothing to send (listCodes reads it back).
   * Asked without an answer: the lock may have done it all the same, so look before writing again.
   */
  private async alreadyAsked(watch: LockWatch, slot: number, pin: string | null): Promise<boolean> {
    const asked = watch.asked.get(slot);
    if (!asked || asked.pin !== pin) return false;
    if (asked.confirmed) {
      watch.stale.add(slot);
      return true;
    }
    if (pin === null) return false;
    const held = await this.readSlot(watch.config.id, slot);
    return held !== null && held.pin === pin;
  }

  private written(watch: LockWatch, slot: number, pin: string, justRead: boolean): void {
    watch.asked.set(slot, { pin, confirmed: true });
    watch.unsaved.delete(slot);
    if (!justRead) watch.stale.add(slot);
    this.remember(watch, slot);
  }

  /** A read that agrees with what was asked confirms it; one that disagrees means asking again. */
  private compareWithAsked(watch: LockWatch, slot: number, held: CodeOnLock | null): void {
    const asked = watch.asked.get(slot);
    if (!asked) return;
    const agrees = asked.pin === null ? held === null : held !== null && (held.pin === null || held.pin === asked.pin);
    if (agrees) asked.confirmed = true;
    else watch.asked.delete(slot);
  }

  // --- Checks before a command ---------------------------------------------------------------------

  private assertReachable(watch: LockWatch): void {
    if (this.closed) throw new LockError('the Zigbee2MQTT locks were stopped', 'offline', true);
    if (this.mqtt.state !== 'connected') {
      throw new LockError(`${watch.config.name}: ${new MqttNotConnected(this.mqtt.state, this.mqtt.problem).message}`, 'offline', true);
    }
    if (watch.availability === 'offline') {
      throw new LockError(
        `${watch.config.name} is offline in Zigbee2MQTT (not heard from lately: check its batteries and that it is in range)`,
        'offline',
        true,
      );
    }
  }

  /** Known from the lock's own report (with expose_pin): the same PIN already opens another slot. */
  private assertNotElsewhere(watch: LockWatch, slot: number, pin: string): void {
    const other = this.heldElsewhere(watch, slot, pin);
    if (other === undefined) return;
    throw new LockError(`${watch.config.name} already holds the code for slot ${slot} in slot ${other}`, 'duplicate-code', false);
  }

  private heldElsewhere(watch: LockWatch, slot: number, pin: string): number | undefined {
    for (const [other, entry] of watch.slots) {
      if (other !== slot && holdsCode(entry) && entry.pin === pin) return other;
    }
    return undefined;
  }

  private watchFor(lockId: string): LockWatch {
    const watch = this.watches.get(lockId);
    if (!watch) throw new LockError(`there is no Zigbee2MQTT lock "${lockId}" in the locks config`, 'unknown-lock', false);
    return watch;
  }

  // --- Slots remembered across restarts ----------------------------------------------------------

  private remember(watch: LockWatch, slot: number): void {
    if (watch.remembered.has(slot)) return;
    watch.remembered.add(slot);
    this.save();
  }

  private save(): void {
    saveRememberedSlots(this.options.file, this.watches);
  }
}
