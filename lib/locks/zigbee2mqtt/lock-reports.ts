/**
 * What Zigbee2MQTT says about the locks: device state (slots, battery, keypad use), availability,
 * failures it logs on the bridge, and the broker connection coming back. Each report updates the
 * lock's watch and is passed on to the commands waiting for an answer.
 */
import type { ConnectionState, MqttLink, MqttMessage } from '../../mqtt/link';
import { Clock } from '../../time/clock';
import { KeypadEvent } from '../provider';
import type { Answers, LockEvent } from './answers';
import { LockWatch, mergeSlots } from './watch';

/** Zigbee user ids stop at 0xFFFD; the lock sends 0xFFFF (or nothing) when no user is involved. */
const MAX_USER = 0xfffd;

export interface LockReportsOptions {
  watches: Map<string, LockWatch>;
  mqtt: MqttLink;
  clock: Clock;
  baseTopic: string;
  answers: Answers;
}

export class LockReports {
  private readonly keypadListeners = new Set<(event: KeypadEvent) => void>();
  private readonly stops: (() => void)[] = [];
  private readonly watches: Map<string, LockWatch>;
  private readonly clock: Clock;
  private readonly answers: Answers;
  private lastConnection: ConnectionState;

  constructor(options: LockReportsOptions) {
    this.watches = options.watches;
    this.clock = options.clock;
    this.answers = options.answers;
    this.lastConnection = options.mqtt.state;
    this.listen(options.mqtt, options.baseTopic);
  }

  onKeypad(listener: (event: KeypadEvent) => void): () => void {
    this.keypadListeners.add(listener);
    return () => {
      this.keypadListeners.delete(listener);
    };
  }

  stopListening(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  forgetKeypadListeners(): void {
    this.keypadListeners.clear();
  }

  private listen(mqtt: MqttLink, baseTopic: string): void {
    for (const watch of this.watches.values()) {
      const deviceTopic = `${baseTopic}/${watch.device}`;
      this.stops.push(mqtt.subscribe(deviceTopic, (message) => this.onState(watch, message)));
      this.stops.push(mqtt.subscribe(`${deviceTopic}/availability`, (message) => this.onAvailability(watch, message)));
    }
    this.stops.push(mqtt.subscribe(`${baseTopic}/bridge/logging`, (message) => this.onBridgeLog(message)));
    this.stops.push(mqtt.subscribe(`${baseTopic}/bridge/log`, (message) => this.onBridgeLog(message)));
    this.stops.push(mqtt.onState((state) => this.onConnection(state)));
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
    this.answers.tell(watch, event);
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
}

function parseObject(payload: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(payload) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function userOf(value: unknown): number | null {
  const user = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof user === 'number' && Number.isInteger(user) && user >= 0 && user <= MAX_USER ? user : null;
}

/** Zigbee2MQTT's error text can echo the command, PIN included. */
function scrubDigits(text: string): string {
  return text.replace(/\d{4,}/g, '••••').slice(0, 300);
}
