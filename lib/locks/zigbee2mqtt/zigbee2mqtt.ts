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
 */
import { readJson, writeJsonAtomic } from '../../store/atomic-file';
import type { ConnectionState, MqttLink, MqttMessage } from '../../mqtt/link';
import { MqttNotConnected } from '../../mqtt/link';
import { Clock } from '../../time/clock';
import { assertPinAllowed, assertSlotAllowed } from '../code-rules';
import { CodeOnLock, CodeToSet, CodeUpdate, KeypadEvent, LockConfig, LockConnection, LockError, LockProvider, LockStatus } from '../provider';
import { dictionary } from '../../ids';

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

export const DEFAULT_BASE_TOPIC = 'zigbee2mqtt';
const DEFAULT_ANSWER_MS = 30_000;
/** Zigbee user ids stop at 0xFFFD; the lock sends 0xFFFF (or nothing) when no user is involved. */
const MAX_USER = 0xfffd;

interface SlotEntry {
  /** `available`, `enabled`, `disabled`, or `not_supported...` as Zigbee2MQTT words it. */
  status: string;
  /** null where the lock masks PINs (no `expose_pin`). */
  pin: string | null;
}

interface Asked {
  pin: string | null;
  confirmed: boolean;
}

interface LockWatch {
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

type LockEvent =
  | { kind: 'state'; state: Record<string, unknown>; retained: boolean }
  | { kind: 'failure'; text: string }
  | { kind: 'offline' }
  | { kind: 'reconnected' };

type Outcome<T> = T | 'timeout' | 'offline' | 'reconnected' | { failure: string };

interface Waiter {
  watch: LockWatch;
  decide(event: LockEvent): boolean;
  finish(outcome: Outcome<'answered'>): void;
}

interface SavedSlots {
  version: 1;
  locks: Record<string, { slots: number[] }>;
}

export class Zigbee2MqttLocks implements LockProvider {
  readonly kind = 'zigbee2mqtt';
  /** Zigbee user codes carry no dates: a code goes on when the guest's window opens, off when it closes. */
  readonly schedules = false;
  /** The broker these locks are reached through, for a node to show its connection. */
  readonly connection: LockConnection;
  readonly baseTopic: string;
  private readonly watches = new Map<string, LockWatch>();
  private readonly waiters = new Set<Waiter>();
  private readonly keypadListeners = new Set<(event: KeypadEvent) => void>();
  private readonly stops: (() => void)[] = [];
  private readonly clock: Clock;
  private readonly mqtt: MqttLink;
  private readonly answerMs: number;
  private lastConnection: ConnectionState;
  private closed = false;

  constructor(private readonly options: Zigbee2MqttOptions) {
    this.clock = options.clock;
    this.mqtt = options.mqtt;
    this.connection = { kind: 'mqtt', broker: options.mqtt };
    this.baseTopic = cleanBaseTopic(options.baseTopic);
    this.answerMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_MS;
    this.lastConnection = options.mqtt.state;
    for (const config of options.locks) this.watches.set(config.id, newWatch(config));
    this.load();
    this.listen();
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
    const outcome = await this.exchange(watch, { pin_code: { user: slot } }, 'get', (event) => carriesSlot(event, slot));
    if (outcome !== 'answered') throw this.failure(watch, outcome, `read slot ${slot}`, slot);
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
    const outcome = await this.exchange(watch, payload, 'set', (event) => changed(event, 'last_successful_pincode_save', before));
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
    const outcome = await this.exchange(watch, payload, 'set', (event) => changed(event, 'last_successful_pincode_clear', before));
    if (outcome === 'answered') {
      watch.asked.set(slot, { pin: null, confirmed: true });
      watch.stale.add(slot);
      return;
    }
    if (outcome !== 'timeout' && outcome !== 'reconnected') throw this.failure(watch, outcome, `clear slot ${slot}`, slot);
    // The answer may have been lost rather than the clear: the slot itself says which.
    const held = await this.readSlot(lockId, slot);
    if (held === null) return;
    throw new LockError(`${watch.config.name} still holds a code in slot ${slot} after the clear`, 'timeout', true);
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    this.keypadListeners.add(listener);
    return () => {
      this.keypadListeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const waiter of [...this.waiters]) waiter.finish('offline');
    this.keypadListeners.clear();
  }

  // --- A command and its answer -----------------------------------------------------------------

  /**
   * Publishes one command and waits for what `decide` takes as its answer, a failure Zigbee2MQTT
   * logs for this device, the lock going offline, a reconnect (the answer may have been missed),
   * or the timeout. The command goes out once; nothing is queued to go out later.
   */
  private async exchange(
    watch: LockWatch,
    payload: Record<string, unknown>,
    verb: 'set' | 'get',
    decide: (event: LockEvent) => boolean,
  ): Promise<Outcome<'answered'>> {
    const answer = this.waitFor(watch, decide);
    try {
      await this.mqtt.publish(`${this.baseTopic}/${watch.device}/${verb}`, JSON.stringify(payload), { qos: 0 });
    } catch (err) {
      answer.cancel();
      if (err instanceof MqttNotConnected) throw new LockError(`${watch.config.name}: ${err.message}`, 'offline', true);
      throw err;
    }
    return answer.outcome;
  }

  private waitFor(watch: LockWatch, decide: (event: LockEvent) => boolean): { outcome: Promise<Outcome<'answered'>>; cancel: () => void } {
    let cancelTimer: () => void = () => undefined;
    let waiter: Waiter | undefined;
    const outcome = new Promise<Outcome<'answered'>>((resolve) => {
      const current: Waiter = {
        watch,
        decide,
        finish: (result) => {
          cancelTimer();
          this.waiters.delete(current);
          resolve(result);
        },
      };
      waiter = current;
      this.waiters.add(current);
      cancelTimer = this.clock.setTimer(this.answerMs, () => current.finish('timeout'));
    });
    return { outcome, cancel: () => waiter?.finish('offline') };
  }

  /** After a write without an answer: look at the slot, then decide what the host is told. */
  private async checkUnsaved(watch: LockWatch, slot: number, pin: string, outcome: Outcome<'answered'>): Promise<void> {
    if (outcome !== 'timeout' && outcome !== 'reconnected') throw this.failure(watch, outcome, `set the code in slot ${slot}`, slot);
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

  private failure(watch: LockWatch, outcome: Outcome<'answered'>, what: string, slot: number): LockError {
    const name = watch.config.name;
    if (outcome === 'offline') return new LockError(`${name} went offline before it could ${what}`, 'offline', true);
    if (outcome === 'reconnected') return new LockError(`${name}: the MQTT connection dropped before the lock could ${what}`, 'timeout', true);
    if (outcome === 'timeout') {
      return new LockError(`${name} did not answer within ${Math.round(this.answerMs / 1000)} s when asked to ${what}`, 'timeout', true);
    }
    if (outcome === 'answered') return new LockError(`${name}: unexpected answer when asked to ${what}`, 'vendor-error', true);
    if (/must be in range/i.test(outcome.failure)) {
      return new LockError(`${name} has no PIN user ${slot} (Zigbee2MQTT: out of range): lower "to slot" in the locks config`, 'rejected-code', false);
    }
    return new LockError(`Zigbee2MQTT could not ${what} on ${name}: ${outcome.failure}`, 'timeout', true);
  }

  // --- What the lock says ------------------------------------------------------------------------

  private listen(): void {
    for (const watch of this.watches.values()) {
      const deviceTopic = `${this.baseTopic}/${watch.device}`;
      this.stops.push(this.mqtt.subscribe(deviceTopic, (message) => this.onState(watch, message)));
      this.stops.push(this.mqtt.subscribe(`${deviceTopic}/availability`, (message) => this.onAvailability(watch, message)));
    }
    this.stops.push(this.mqtt.subscribe(`${this.baseTopic}/bridge/logging`, (message) => this.onBridgeLog(message)));
    this.stops.push(this.mqtt.subscribe(`${this.baseTopic}/bridge/log`, (message) => this.onBridgeLog(message)));
    this.stops.push(this.mqtt.onState((state) => this.onConnection(state)));
  }

  private onState(watch: LockWatch, message: MqttMessage): void {
    const state = parseObject(message.payload);
    if (!state) return;
    watch.lastSeenAt = this.clock.now().toISOString();
    if (typeof state.battery === 'number' && Number.isFinite(state.battery)) watch.battery = state.battery;
    mergeSlots(watch, state.users);
    // Retained state is old news: an `action` in it happened before StayKey was listening.
    if (!message.retained) this.keypad(watch, state);
    this.tell(watch, { kind: 'state', state, retained: message.retained });
    if ('last_successful_pincode_save' in state) watch.lastSave = state.last_successful_pincode_save;
    if ('last_successful_pincode_clear' in state) watch.lastClear = state.last_successful_pincode_clear;
  }

  private onAvailability(watch: LockWatch, message: MqttMessage): void {
    const parsed = parseObject(message.payload);
    const text = String(parsed ? parsed.state : message.payload).trim().toLowerCase();
    if (text !== 'online' && text !== 'offline') return;
    watch.availability = text;
    if (text === 'offline') this.tell(watch, { kind: 'offline' });
  }

  private onBridgeLog(message: MqttMessage): void {
    if (message.retained) return;
    const entry = parseObject(message.payload);
    const text = entry && typeof entry.message === 'string' ? entry.message : undefined;
    if (!text) return;
    const failed = /Publish '(?:set|get)' '([^']+)' to '(.+?)' failed: '([\s\S]*)'\s*$/.exec(text);
    if (!failed || failed[1] !== 'pin_code') return;
    for (const watch of this.watches.values()) {
      if (watch.device === failed[2]) this.tell(watch, { kind: 'failure', text: scrubDigits(failed[3]) });
    }
  }

  private onConnection(state: ConnectionState): void {
    const wasDown = this.lastConnection !== 'connected';
    this.lastConnection = state;
    if (state !== 'connected' || !wasDown) return;
    for (const watch of this.watches.values()) this.tell(watch, { kind: 'reconnected' });
  }

  private tell(watch: LockWatch, event: LockEvent): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.watch !== watch) continue;
      if (event.kind === 'failure') waiter.finish({ failure: event.text });
      else if (event.kind === 'offline') waiter.finish('offline');
      else if (event.kind === 'reconnected') waiter.finish('reconnected');
      else if (waiter.decide(event)) waiter.finish('answered');
    }
  }

  /** A keypad unlock names the slot that opened the door; a wrong PIN names none. */
  private keypad(watch: LockWatch, state: Record<string, unknown>): void {
    const action = state.action;
    if (typeof action !== 'string') return;
    const source = state.action_source_name;
    if (source !== undefined && source !== null && source !== 'keypad') return;
    let event: KeypadEvent | undefined;
    const at = this.clock.now().toISOString();
    if (action === 'unlock') event = { lockId: watch.config.id, slot: userOf(state.action_user), success: true, at };
    if (action === 'unlock_failure_invalid_pin_or_id' || action === 'lock_failure_invalid_pin_or_id') {
      event = { lockId: watch.config.id, slot: null, success: false, at };
    }
    if (!event) return;
    for (const listener of [...this.keypadListeners]) {
      try {
        listener({ ...event });
      } catch {
        // One broken listener must not keep the event from the others.
      }
    }
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

  private load(): void {
    if (!this.options.file) return;
    const saved = readJson<SavedSlots>(this.options.file);
    for (const [lockId, entry] of Object.entries(saved?.locks ?? {})) {
      const watch = this.watches.get(lockId);
      if (!watch || !Array.isArray(entry.slots)) continue;
      for (const slot of entry.slots) {
        if (!Number.isInteger(slot)) continue;
        watch.remembered.add(slot);
        // Unknown since the restart: read each once, when the codes are next asked for.
        watch.stale.add(slot);
      }
    }
  }

  private save(): void {
    if (!this.options.file) return;
    const locks: SavedSlots['locks'] = dictionary();
    for (const [lockId, watch] of this.watches) locks[lockId] = { slots: [...watch.remembered].sort((a, b) => a - b) };
    writeJsonAtomic(this.options.file, { version: 1, locks } satisfies SavedSlots);
  }
}

function newWatch(config: LockConfig): LockWatch {
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

export function cleanBaseTopic(value: string | undefined): string {
  const base = (value ?? '').trim().replace(/\/+$/, '') || DEFAULT_BASE_TOPIC;
  if (/[+#]/.test(base)) throw new Error(`the Zigbee2MQTT base topic "${base}" cannot contain + or #`);
  return base;
}

function parseObject(payload: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(payload) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Zigbee2MQTT keeps the users it has read in the device state and sends them all each time. */
function mergeSlots(watch: LockWatch, users: unknown): void {
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

function holdsCode(entry: SlotEntry): boolean {
  return entry.status === 'enabled' || entry.status === 'disabled' || entry.pin !== null;
}

function inRange(config: LockConfig, slot: number): boolean {
  const { firstSlot, lastSlot, reservedSlots } = config.rules;
  return slot >= firstSlot && slot <= lastSlot && !(reservedSlots ?? []).includes(slot);
}

/** Retained state is what Zigbee2MQTT kept from before: never the answer to what was just asked. */
function carriesSlot(event: LockEvent, slot: number): boolean {
  if (event.kind !== 'state' || event.retained) return false;
  const users = event.state.users;
  return typeof users === 'object' && users !== null && String(slot) in users;
}

function changed(event: LockEvent, key: string, before: unknown): boolean {
  if (event.kind !== 'state' || event.retained) return false;
  return key in event.state && event.state[key] !== before && event.state[key] !== null;
}

function userOf(value: unknown): number | null {
  const user = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof user === 'number' && Number.isInteger(user) && user >= 0 && user <= MAX_USER ? user : null;
}

/** Zigbee2MQTT's error text can echo the command, PIN included. */
function scrubDigits(text: string): string {
  return text.replace(/\d{4,}/g, '••••').slice(0, 300);
}

// --- The device list for the editor ------------------------------------------------------------------

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
