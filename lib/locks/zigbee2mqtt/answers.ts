/**
 * A command to a Zigbee2MQTT lock and its answer: the command goes out once, then StayKey waits for
 * the state that answers it, a failure Zigbee2MQTT logs, the lock going offline, a reconnect, or the
 * timeout. Nothing is queued to go out later.
 */
import type { MqttLink } from '../../mqtt/link';
import { MqttNotConnected } from '../../mqtt/link';
import { Clock } from '../../time/clock';
import { LockError } from '../provider';
import type { LockWatch } from './watch';

export type LockEvent =
  | { kind: 'state'; state: Record<string, unknown>; retained: boolean }
  | { kind: 'failure'; text: string }
  | { kind: 'offline' }
  | { kind: 'reconnected' };

export type Outcome<T> = T | 'timeout' | 'offline' | 'reconnected' | { failure: string };

interface Waiter {
  watch: LockWatch;
  decide(event: LockEvent): boolean;
  finish(outcome: Outcome<'answered'>): void;
}

export class Answers {
  private readonly waiters = new Set<Waiter>();

  constructor(
    private readonly mqtt: MqttLink,
    private readonly clock: Clock,
    private readonly baseTopic: string,
    private readonly answerMs: number,
  ) {}

  /**
   * Publishes one command and waits for what `decide` takes as its answer, a failure Zigbee2MQTT
   * logs for this device, the lock going offline, a reconnect (the answer may have been missed),
   * or the timeout. The command goes out once; nothing is queued to go out later.
   */
  async exchange(
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

  /** What the lock (or Zigbee2MQTT about it) said, for whatever waits on that lock. */
  tell(watch: LockWatch, event: LockEvent): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.watch !== watch) continue;
      if (event.kind === 'failure') waiter.finish({ failure: event.text });
      else if (event.kind === 'offline') waiter.finish('offline');
      else if (event.kind === 'reconnected') waiter.finish('reconnected');
      else if (waiter.decide(event)) waiter.finish('answered');
    }
  }

  /** Stopping: every command still waiting ends as if its lock went offline. */
  stopWaiting(): void {
    for (const waiter of [...this.waiters]) waiter.finish('offline');
  }

  failure(watch: LockWatch, outcome: Outcome<'answered'>, what: string, slot: number): LockError {
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
}

/** Retained state is what Zigbee2MQTT kept from before: never the answer to what was just asked. */
export function carriesSlot(event: LockEvent, slot: number): boolean {
  if (event.kind !== 'state' || event.retained) return false;
  const users = event.state.users;
  return typeof users === 'object' && users !== null && String(slot) in users;
}

export function changed(event: LockEvent, key: string, before: unknown): boolean {
  if (event.kind !== 'state' || event.retained) return false;
  return key in event.state && event.state[key] !== before && event.state[key] !== null;
}
