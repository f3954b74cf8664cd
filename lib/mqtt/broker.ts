/**
 * One connection to an MQTT broker, shared by every StayKey node that uses the same broker config:
 * it reconnects by itself, puts its subscriptions back after each reconnect, and says `online` on an
 * availability topic whose last will says `offline`, so Home Assistant greys StayKey's entities out
 * when Node-RED stops or loses the network.
 */
import { connect, IClientOptions, MqttClient } from 'mqtt';
import {
  ConnectionListener,
  ConnectionState,
  MqttLink,
  MqttListener,
  MqttNotConnected,
  PublishOptions,
  topicMatches,
  topicSafe,
} from './link';

export interface BrokerSettings {
  /** mqtt://host:1883 or mqtts://host:8883 */
  url: string;
  username?: string;
  password?: string;
  /** Refuse a TLS certificate that is self-signed or for another host (default true). */
  rejectUnauthorized?: boolean;
  /** The certificate authority to trust for mqtts, as PEM text. */
  ca?: string;
  clientId: string;
  availabilityTopic: string;
  /** Wait between reconnect attempts (default 5 s). */
  reconnectMs?: number;
  /** How long one connect attempt may take (default 10 s). */
  connectTimeoutMs?: number;
}

export const ONLINE = 'online';

/** Where a StayKey broker config says `online`, and its last will `offline`: Home Assistant's availability for StayKey. */
export function availabilityTopicFor(configId: string): string {
  return `staykey/${topicSafe(configId)}/availability`;
}

export const OFFLINE = 'offline';

/** Node's TLS codes for a certificate that cannot be trusted. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** MQTT 3.1.1 and 5 codes for "wrong user name or password" and "not authorised". */
const REFUSED_CODES = new Set([4, 5, 134, 135]);

/** The URL as a host should type it; a sentence saying what is wrong otherwise. */
export function checkBrokerUrl(url: string): string {
  const trimmed = url.trim();
  if (trimmed === '') throw new Error('no broker URL: type one such as mqtt://homeassistant.local:1883');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new Error(`"${withoutUserInfo(trimmed)}" is not a broker URL: type one such as mqtt://homeassistant.local:1883`);
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'mqtts:') {
    throw new Error(`the broker URL must start with mqtt:// or mqtts:// (got ${parsed.protocol}//)`);
  }
  if (!parsed.hostname) throw new Error('the broker URL has no host name');
  if (parsed.username || parsed.password) {
    throw new Error('put the broker user name and password in their own fields, not in the URL');
  }
  return trimmed;
}

function withoutUserInfo(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/g, '//');
}

export class BrokerConnection implements MqttLink {
  private client: MqttClient | undefined;
  private current: ConnectionState = 'connecting';
  private why: string | undefined;
  private readonly listeners = new Map<string, Set<MqttListener>>();
  private readonly stateListeners = new Set<ConnectionListener>();
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: BrokerSettings) {
    checkBrokerUrl(settings.url);
  }

  get state(): ConnectionState {
    return this.current;
  }

  get problem(): string | undefined {
    return this.why;
  }

  get availabilityTopic(): string {
    return this.settings.availabilityTopic;
  }

  /** Connects, once; later calls do nothing. The config node starts it when the first node needs it. */
  start(): void {
    if (this.client || this.current === 'closed') return;
    this.client = connect(checkBrokerUrl(this.settings.url), this.clientOptions());
    this.client.on('connect', () => void this.connected());
    this.client.on('message', (topic, payload, packet) => this.deliver(topic, payload.toString('utf8'), packet.retain === true));
    this.client.on('close', () => this.lost());
    this.client.on('error', (err) => this.failed(err));
  }

  async publish(topic: string, payload: string, options: PublishOptions = {}): Promise<void> {
    const client = this.client;
    if (!client || this.current !== 'connected') throw new MqttNotConnected(this.current, this.why);
    await client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain === true });
  }

  subscribe(filter: string, listener: MqttListener): () => void {
    let set = this.listeners.get(filter);
    if (!set) {
      set = new Set();
      this.listeners.set(filter, set);
    }
    set.add(listener);
    // Subscribing again, even to a filter already held, makes the broker send its retained
    // messages once more, so a newcomer learns what the others already know.
    if (this.current === 'connected') this.client?.subscribe(filter, { qos: 1 });
    return () => this.unsubscribe(filter, listener);
  }

  onState(listener: ConnectionListener): () => void {
    this.stateListeners.add(listener);
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  /** Says `offline` (a clean disconnect does not fire the last will) and disconnects for good. */
  async close(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    const wasConnected = this.current === 'connected';
    this.setState('closed');
    this.listeners.clear();
    this.stateListeners.clear();
    if (!client) return;
    if (wasConnected) {
      await withTimeout(client.publishAsync(this.settings.availabilityTopic, OFFLINE, { qos: 1, retain: true }), 2000).catch(() => undefined);
    }
    await withTimeout(client.endAsync(!wasConnected), 3000).catch(() => client.end(true));
  }

  private clientOptions(): IClientOptions {
    const { settings } = this;
    const options: IClientOptions = {
      clientId: settings.clientId,
      clean: true,
      // We put subscriptions back ourselves, then say "connected".
      resubscribe: false,
      reconnectPeriod: settings.reconnectMs ?? 5000,
      connectTimeout: settings.connectTimeoutMs ?? 10_000,
      // A lock command that could not go out now must not go out later behind StayKey's back.
      queueQoSZero: false,
      will: { topic: settings.availabilityTopic, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      rejectUnauthorized: settings.rejectUnauthorized !== false,
    };
    if (settings.username) options.username = settings.username;
    if (settings.password) options.password = settings.password;
    if (settings.ca && settings.ca.trim() !== '') options.ca = settings.ca;
    return options;
  }

  private async connected(): Promise<void> {
    const client = this.client;
    if (!client || this.current === 'closed') return;
    this.why = undefined;
    try {
      const filters = [...this.listeners.keys()];
      if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
      await client.publishAsync(this.settings.availabilityTopic, ONLINE, { qos: 1, retain: true });
    } catch (err) {
      // The connection dropped again while we were setting up; the next connect tries again.
      this.why = describeError(err, this.settings);
      return;
    }
    if (client.connected && !this.isClosed()) this.setState('connected');
  }

  /** A method, not a field read: the state may change while `connected` awaits the broker. */
  private isClosed(): boolean {
    return this.current === 'closed';
  }

  private lost(): void {
    if (this.current === 'closed' || this.current === 'refused') return;
    if (this.current === 'connected') this.setState('disconnected', this.why);
    else if (this.why) this.tell(this.current, this.why);
  }

  private failed(err: Error & { code?: unknown }): void {
    if (this.current === 'closed') return;
    this.why = describeError(err, this.settings);
    if (typeof err.code === 'number' && REFUSED_CODES.has(err.code)) {
      // Retrying with the same wrong password would only fill the broker's log.
      this.setState('refused', this.why);
      this.client?.end(true);
      return;
    }
    if (typeof err.code === 'number') {
      // Any other refusal (server unavailable...): mqtt.js stops here, so try again later ourselves.
      this.retryTimer = setTimeout(() => this.client?.reconnect(), this.settings.reconnectMs ?? 5000);
    }
    if (this.current === 'connected') this.setState('disconnected', this.why);
    else this.tell(this.current, this.why);
  }

  private unsubscribe(filter: string, listener: MqttListener): void {
    const set = this.listeners.get(filter);
    if (!set) return;
    set.delete(listener);
    if (set.size > 0) return;
    this.listeners.delete(filter);
    if (this.current === 'connected') this.client?.unsubscribe(filter);
  }

  private deliver(topic: string, payload: string, retained: boolean): void {
    for (const [filter, set] of this.listeners) {
      if (!topicMatches(filter, topic)) continue;
      for (const listener of [...set]) {
        try {
          listener({ topic, payload, retained });
        } catch {
          // One broken listener must not keep the message from the others.
        }
      }
    }
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.current = state;
    this.tell(state, detail);
  }

  private tell(state: ConnectionState, detail?: string): void {
    for (const listener of [...this.stateListeners]) {
      try {
        listener(state, detail);
      } catch {
        // A node that cannot show its status must not stop the connection.
      }
    }
  }
}

/** The error in a host's words, without the password or anything of the URL's user part. */
function describeError(err: unknown, settings: BrokerSettings): string {
  const code = (err as { code?: unknown }).code;
  let text = err instanceof Error ? err.message : String(err);
  if (code === 4 || code === 134) text = 'the broker refused the user name or password';
  else if (code === 5 || code === 135) text = 'the broker refused: not authorised (check the user name and password)';
  else if (code === 'ECONNREFUSED') text = 'the broker refused the connection (is it running, and is the port right?)';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') text = 'the broker host name could not be found';
  else if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) {
    text = `the broker's certificate could not be checked (${text}): paste its CA, or untick "check the certificate" for a self-signed one`;
  }
  text = withoutUserInfo(text);
  if (settings.password) text = text.split(settings.password).join('••••');
  return text;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
