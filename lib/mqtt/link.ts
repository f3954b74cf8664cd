/**
 * The small MQTT client every StayKey part that speaks MQTT (the Zigbee2MQTT locks, the Home Assistant
 * dashboard) is written against. The broker config node gives a real one; nothing else of MQTT leaks out.
 */

export interface MqttMessage {
  topic: string;
  payload: string;
  /** A retained message the broker kept, delivered on subscribing: old news, not an event. */
  retained: boolean;
}

export type MqttListener = (message: MqttMessage) => void;

/**
 * `connecting` until the broker first answers; `connected`; `disconnected` while reconnecting;
 * `refused` when the broker turned the user name or password down (no retry loop); `closed` for good.
 */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'refused' | 'closed';

export interface ConnectionListener {
  (state: ConnectionState, detail?: string): void;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

export interface MqttLink {
  readonly state: ConnectionState;
  /** Why the link is not connected, in a host's words (never a password). */
  readonly problem?: string;
  /** Where this Node-RED says `online`, and its last will says `offline` (retained). */
  readonly availabilityTopic: string;
  /** Rejects at once when the broker is not connected: a command must not wait in a queue and go out later. */
  publish(topic: string, payload: string, options?: PublishOptions): Promise<void>;
  /** Listens on a topic filter (`+` and `#` allowed); kept across reconnects. Returns a function that stops it. */
  subscribe(filter: string, listener: MqttListener): () => void;
  /** Told of every change of connection state; `connected` comes after the subscriptions are back. */
  onState(listener: ConnectionListener): () => void;
}

export class MqttNotConnected extends Error {
  constructor(state: ConnectionState, problem?: string) {
    super(problem ? `the MQTT broker is not connected (${problem})` : `the MQTT broker is not connected (${state})`);
    this.name = 'MqttNotConnected';
  }
}

/** Whether `topic` falls under `filter`, with MQTT's `+` (one level) and `#` (the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const wanted = filter.split('/');
  const actual = topic.split('/');
  for (let i = 0; i < wanted.length; i++) {
    if (wanted[i] === '#') return true;
    if (i >= actual.length) return false;
    if (wanted[i] !== '+' && wanted[i] !== actual[i]) return false;
  }
  return wanted.length === actual.length;
}

/** Ids Home Assistant and MQTT topics accept: letters, digits, `_` and `-`. */
export function topicSafe(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** What the `staykey-mqtt` config node offers the nodes that use it. */
export interface MqttLinkSource {
  /** Starts the shared connection on first use and gives it. */
  mqttLink?: () => MqttLink;
  /** Why the config cannot connect at all (a bad URL). */
  problem?: string;
}

/** The broker link of a config node (as `RED.nodes.getNode` gives it), or a sentence saying what is missing. */
export function linkFrom(node: unknown): MqttLink {
  const source = node as MqttLinkSource | null | undefined;
  if (!source) throw new Error('no MQTT broker: choose a StayKey MQTT broker config');
  if (source.problem) throw new Error(source.problem);
  if (typeof source.mqttLink !== 'function') throw new Error('the chosen config is not a StayKey MQTT broker');
  return source.mqttLink();
}
