/**
 * One websocket connection to a Home Assistant server, shared by every StayKey node that uses the
 * same server config. It wraps home-assistant-js-websocket: that library reconnects and re-subscribes
 * on its own once connected; this class adds what it leaves out (retrying the first connection,
 * telling nodes how the connection is, a clear error for a refused token, a time limit per call)
 * and keeps the states of all entities so providers can answer "is the lock online" without asking.
 */
import {
  callService as sendServiceCall,
  Connection,
  createConnection,
  createLongLivedTokenAuth,
  ERR_CONNECTION_LOST,
  ERR_INVALID_AUTH,
  getServices,
  getStates,
  HassEntities,
  HassEntity,
  HassEvent,
  HassServices,
  HassServiceTarget,
  subscribeEntities,
} from 'home-assistant-js-websocket';
import { Clock, systemClock } from '../time/clock';

export type HaConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'auth-failed' | 'unconfigured' | 'closed';

export interface HaStateChange {
  state: HaConnectionState;
  /** A sentence for the host when something is wrong (never the token). */
  detail?: string;
}

export interface HaServerSettings {
  /** The server's base address: http://homeassistant:8123, https://ha.example.com, http://supervisor/core. */
  url: string;
  /** A long-lived access token. Inside the Home Assistant add-on it may be left empty (the supervisor's token is used). */
  token: string;
}

export interface HaConnectionOptions {
  clock?: Clock;
  /** How long a call may take before it counts as lost (default 60 s). Z-Wave JS answers a set within seconds. */
  callTimeoutMs?: number;
  /** The supervisor token of the Home Assistant add-on (process.env.SUPERVISOR_TOKEN), for http://supervisor/core. */
  supervisorToken?: string;
}

/** An answer of `call_service`: the context, and the response when one was asked for. */
export interface ServiceResult {
  context?: { id: string };
  response?: unknown;
}

/** One entry of `config/entity_registry/list`: how an entity belongs to a device. */
export interface EntityRegistryEntry {
  entity_id: string;
  device_id: string | null;
  platform: string;
  name?: string | null;
  original_name?: string | null;
  entity_category?: string | null;
  disabled_by?: string | null;
}

export type HaEvent = HassEvent;

/** What lock providers and the notifier use of a Home Assistant server; HaConnection is the real one. */
export interface HaClient {
  readonly url: string;
  readonly state: HaConnectionState;
  /** Why the connection is not working, in a host's words (never the token). */
  readonly detail?: string;
  start(): void;
  onState(listener: (change: HaStateChange) => void): () => void;
  callService(domain: string, service: string, data?: object, target?: HassServiceTarget, returnResponse?: boolean): Promise<ServiceResult>;
  /** The entity's latest state; undefined when Home Assistant has none (or has not sent its states yet). */
  entity(entityId: string): HassEntity | undefined;
  /** Whether Home Assistant has sent its entity states since the connection was made. */
  readonly entitiesKnown: boolean;
  entities(): HassEntities;
  getStates(): Promise<HassEntity[]>;
  getServices(): Promise<HassServices>;
  /** Listens for one event type; survives reconnects. Returns a function that stops listening. */
  subscribeEvents(eventType: string, listener: (event: HaEvent) => void): () => void;
  entityRegistry(refresh?: boolean): Promise<EntityRegistryEntry[]>;
  whenConnected(timeoutMs: number): Promise<void>;
}

export type HaErrorCode =
  | 'not_connected'
  | 'connection_lost'
  | 'timeout'
  | 'auth'
  | 'unconfigured'
  | 'closed'
  | 'no_websocket'
  | 'home_assistant_error'
  | 'service_validation_error'
  | 'invalid_format'
  | 'not_found'
  | 'unauthorized'
  | 'unknown_error'
  | string;

/** A failure talking to Home Assistant: HA's own error code (`service_validation_error`...) or one of ours. */
export class HaError extends Error {
  constructor(
    message: string,
    readonly code: HaErrorCode,
  ) {
    super(message);
    this.name = 'HaError';
  }
}

const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** Waits between first-connection attempts grow to this; the library then reconnects within 5 s. */
const MAX_RETRY_DELAY_MS = 30_000;

interface EventSubscription {
  eventType: string;
  listener: (event: HaEvent) => void;
  unsubscribe?: () => Promise<void>;
  stopped: boolean;
}

export class HaConnection implements HaClient {
  readonly url: string;
  private readonly token: string;
  private readonly problem?: string;
  private readonly clock: Clock;
  private readonly callTimeoutMs: number;
  private connection?: Connection;
  private current: HaStateChange = { state: 'idle' };
  private readonly stateListeners = new Set<(change: HaStateChange) => void>();
  private readonly subscriptions = new Set<EventSubscription>();
  private states: HassEntities = {};
  private statesReceived = false;
  private registry?: Promise<EntityRegistryEntry[]>;
  private failures = 0;
  private cancelRetry?: () => void;
  private started = false;
  private closed = false;
  /** How many times a websocket was opened by this class (the library's reconnects not counted). */
  connectAttempts = 0;

  constructor(settings: HaServerSettings, options: HaConnectionOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    const parsed = parseServerUrl(settings.url);
    this.url = parsed.url;
    this.token = settings.token || (parsed.supervisor ? (options.supervisorToken ?? '') : '');
    this.problem = parsed.problem ?? (this.token ? undefined : `no access token for Home Assistant at ${this.url || '(no address)'}: paste a long-lived access token into the server config`);
  }

  get state(): HaConnectionState {
    return this.current.state;
  }

  get detail(): string | undefined {
    return this.current.detail;
  }

  get entitiesKnown(): boolean {
    return this.statesReceived;
  }

  /** Connects once; later calls do nothing. Nodes call it when they first need the server. */
  start(): void {
    if (this.started || this.closed) return;
    this.started = true;
    if (this.problem) {
      this.setState('unconfigured', this.problem);
      return;
    }
    void this.connect();
  }

  onState(listener: (change: HaStateChange) => void): () => void {
    this.stateListeners.add(listener);
    listener({ ...this.current });
    return () => {
      this.stateListeners.delete(listener);
    };
  }

  async callService(
    domain: string,
    service: string,
    data?: object,
    target?: HassServiceTarget,
    returnResponse?: boolean,
  ): Promise<ServiceResult> {
    const connection = await this.ready();
    const call = sendServiceCall(connection, domain, service, data, target, returnResponse);
    return (await this.limited(call, `${domain}.${service}`)) as ServiceResult;
  }

  entity(entityId: string): HassEntity | undefined {
    // The library's states are a plain object: an entity id such as `constructor` must find nothing.
    return Object.hasOwn(this.states, entityId) ? this.states[entityId] : undefined;
  }

  entities(): HassEntities {
    return this.states;
  }

  async getStates(): Promise<HassEntity[]> {
    const connection = await this.ready();
    return this.limited(getStates(connection), 'get_states');
  }

  async getServices(): Promise<HassServices> {
    const connection = await this.ready();
    return this.limited(getServices(connection), 'get_services');
  }

  subscribeEvents(eventType: string, listener: (event: HaEvent) => void): () => void {
    const subscription: EventSubscription = { eventType, listener, stopped: false };
    this.subscriptions.add(subscription);
    if (this.connection) this.subscribeOn(this.connection, subscription);
    return () => {
      subscription.stopped = true;
      this.subscriptions.delete(subscription);
      void subscription.unsubscribe?.().catch(() => undefined);
    };
  }

  /** Read once per connection (devices rarely change); `refresh` reads it again, e.g. for a device not seen yet. */
  entityRegistry(refresh = false): Promise<EntityRegistryEntry[]> {
    if (this.registry && !refresh) return this.registry;
    const pending = this.ready().then((connection) => this.readRegistry(connection));
    this.registry = pending;
    pending.catch(() => {
      if (this.registry === pending) this.registry = undefined;
    });
    return pending;
  }

  /**
   * The full registry; where Home Assistant will not give it (a token that is not an administrator's, a
   * server that does not answer in time), the compact one its own frontend reads for every user, which
   * also says each entity's device. When both are refused the error says what stops working and why.
   */
  private async readRegistry(connection: Connection): Promise<EntityRegistryEntry[]> {
    let refusal: HaError;
    try {
      const entries = await this.limited(connection.sendMessagePromise<unknown>({ type: 'config/entity_registry/list' }), 'the entity registry');
      return registryEntries(entries);
    } catch (err) {
      refusal = toHaError(err, this.url);
      if (LOST.has(refusal.code)) throw refusal;
    }
    try {
      const compact = await this.limited(
        connection.sendMessagePromise<unknown>({ type: 'config/entity_registry/list_for_display' }),
        'the entity registry',
      );
      return displayEntries(compact);
    } catch (err) {
      const second = toHaError(err, this.url);
      if (LOST.has(second.code)) throw second;
      throw new HaError(
        `Home Assistant at ${this.url} would not list its entity registry (${refusal.message}; ${second.message}): ` +
          "StayKey cannot tell which device a lock is, so keypad use, the battery sensor and duplicate-code reports " +
          "are not matched to it. Give the server config a token of an administrator",
        REGISTRY_UNREADABLE,
      );
    }
  }

  /** For the editor: waits (real time, at most `timeoutMs`) until connected, or says why not. */
  whenConnected(timeoutMs: number): Promise<void> {
    this.start();
    return new Promise((resolve, reject) => {
      let stop: () => void = () => undefined;
      const timer = setTimeout(() => {
        stop();
        reject(new HaError(`Home Assistant at ${this.url} did not answer within ${Math.round(timeoutMs / 1000)} s`, 'timeout'));
      }, timeoutMs);
      stop = this.onState((change) => {
        if (change.state === 'connected') {
          clearTimeout(timer);
          queueMicrotask(() => stop());
          resolve();
        } else if (isFinal(change.state)) {
          clearTimeout(timer);
          queueMicrotask(() => stop());
          reject(this.notConnected());
        }
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelRetry?.();
    this.connection?.close();
    this.setState('closed');
    this.stateListeners.clear();
    this.subscriptions.clear();
  }

  // --- Connecting -----------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.setState('connecting');
    let connection: Connection;
    try {
      ensureWebSocket();
      this.connectAttempts += 1;
      connection = await createConnection({ auth: createLongLivedTokenAuth(this.url, this.token) });
    } catch (err) {
      if (this.closed) return;
      if (err === ERR_INVALID_AUTH) return this.refused();
      if (err instanceof HaError) return this.setState('unconfigured', err.message);
      this.retryLater();
      return;
    }
    if (this.closed) {
      connection.close();
      return;
    }
    this.attach(connection);
  }

  /** The first connection failed (Home Assistant still starting, a typo in the address): try again, slower each time. */
  private retryLater(): void {
    this.failures += 1;
    const delay = Math.min(this.failures * 2_000, MAX_RETRY_DELAY_MS);
    this.setState('disconnected', `cannot reach Home Assistant at ${this.url}; trying again in ${Math.round(delay / 1000)} s`);
    this.cancelRetry = this.clock.setTimer(delay, () => {
      this.cancelRetry = undefined;
      if (!this.closed) void this.connect();
    });
  }

  private attach(connection: Connection): void {
    this.connection = connection;
    this.failures = 0;
    connection.addEventListener('ready', () => {
      // Devices may have been added while Home Assistant was away.
      this.registry = undefined;
      this.setState('connected');
    });
    connection.addEventListener('disconnected', () => {
      this.setState('disconnected', `lost the connection to Home Assistant at ${this.url}; reconnecting`);
    });
    // The library stops reconnecting when the token is refused on a reconnect (revoked while we ran).
    connection.addEventListener('reconnect-error', () => this.refused());
    subscribeEntities(connection, (entities) => {
      this.states = entities;
      this.statesReceived = true;
    });
    for (const subscription of this.subscriptions) this.subscribeOn(connection, subscription);
    this.setState('connected');
  }

  private subscribeOn(connection: Connection, subscription: EventSubscription): void {
    const deliver = (event: HaEvent) => {
      if (subscription.stopped) return;
      try {
        subscription.listener(event);
      } catch {
        // One broken listener must not keep the event from the others.
      }
    };
    // While disconnected the library keeps the subscription and makes it again on reconnect.
    connection.subscribeEvents<HaEvent>(deliver, subscription.eventType).then(
      (unsubscribe) => {
        if (subscription.stopped) void unsubscribe().catch(() => undefined);
        else subscription.unsubscribe = unsubscribe;
      },
      () => undefined,
    );
  }

  /** A refused token does not get better by trying again: say so once, and stop. */
  private refused(): void {
    this.connection?.close();
    this.setState(
      'auth-failed',
      `Home Assistant at ${this.url} refused the access token: create a new long-lived access token ` +
        '(your Home Assistant profile, Security tab) and paste it into the StayKey server config',
    );
  }

  private setState(state: HaConnectionState, detail?: string): void {
    if (this.current.state === 'closed') return;
    if (this.current.state === 'auth-failed' && state !== 'closed') return;
    this.current = detail ? { state, detail } : { state };
    for (const listener of [...this.stateListeners]) {
      try {
        listener({ ...this.current });
      } catch {
        // A node's status display must not break the connection.
      }
    }
  }

  // --- Calls ----------------------------------------------------------------------------------

  /** The connection, once there is one; a call while disconnected fails at once (the caller retries). */
  private async ready(): Promise<Connection> {
    this.start();
    if (this.current.state === 'connecting' && !this.connection) await this.nextState();
    if (this.current.state === 'connected' && this.connection?.connected) return this.connection;
    throw this.notConnected();
  }

  private nextState(): Promise<void> {
    return new Promise((resolve) => {
      let first = true;
      let stop: () => void = () => undefined;
      stop = this.onState(() => {
        if (first) {
          first = false;
          return;
        }
        queueMicrotask(() => stop());
        resolve();
      });
    });
  }

  private notConnected(): HaError {
    const detail = this.current.detail;
    switch (this.current.state) {
      case 'auth-failed':
        return new HaError(detail ?? `Home Assistant at ${this.url} refused the access token`, 'auth');
      case 'unconfigured':
        return new HaError(detail ?? 'the Home Assistant server config is incomplete', 'unconfigured');
      case 'closed':
        return new HaError('the Home Assistant connection was closed (redeploy)', 'closed');
      default:
        return new HaError(detail ?? `Home Assistant at ${this.url} is not connected`, 'not_connected');
    }
  }

  /** Rejects with a HaError after the time limit, or with the call's own error turned into one. */
  private limited<T>(call: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const cancel = this.clock.setTimer(this.callTimeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new HaError(`Home Assistant did not answer ${what} within ${Math.round(this.callTimeoutMs / 1000)} s`, 'timeout'));
      });
      call.then(
        (value) => {
          if (settled) return;
          settled = true;
          cancel();
          resolve(value);
        },
        (err: unknown) => {
          if (settled) return;
          settled = true;
          cancel();
          reject(toHaError(err, this.url));
        },
      );
    });
  }
}

function isFinal(state: HaConnectionState): boolean {
  return state === 'auth-failed' || state === 'unconfigured' || state === 'closed';
}

/** What the library rejects with (its error numbers, or HA's `{code, message}`) as a HaError. */
/** Neither registry listing was given: the host has to change the token. */
export const REGISTRY_UNREADABLE = 'registry_unreadable';
/** Codes of a connection that went away: trying another command on it cannot help. */
const LOST = new Set<HaErrorCode>(['connection_lost', 'not_connected', 'closed']);
/** More entities than any home has: an answer beyond this is cut, not trusted whole. */
const MAX_REGISTRY_ENTRIES = 100_000;

/** `config/entity_registry/list` as entries, anything malformed left out. */
function registryEntries(value: unknown): EntityRegistryEntry[] {
  if (!Array.isArray(value)) throw new HaError("Home Assistant's entity registry is not a list", 'invalid_format');
  return value.slice(0, MAX_REGISTRY_ENTRIES).filter((entry): entry is EntityRegistryEntry => {
    const raw = entry as Partial<EntityRegistryEntry> | null;
    return typeof raw === 'object' && raw !== null && typeof raw.entity_id === 'string';
  });
}

/**
 * `config/entity_registry/list_for_display`: `{entity_categories: {"0": "config", ...}, entities: [{ei: entity_id,
 * di: device_id, pl: platform, ec: category index, ...}]}`. It leaves disabled entities out, as StayKey would.
 */
function displayEntries(value: unknown): EntityRegistryEntry[] {
  const raw = typeof value === 'object' && value !== null ? (value as { entities?: unknown; entity_categories?: unknown }) : {};
  if (!Array.isArray(raw.entities)) throw new HaError("Home Assistant's entity registry is not a list", 'invalid_format');
  const categories = typeof raw.entity_categories === 'object' && raw.entity_categories !== null ? (raw.entity_categories as Record<string, unknown>) : {};
  const entries: EntityRegistryEntry[] = [];
  for (const item of raw.entities.slice(0, MAX_REGISTRY_ENTRIES)) {
    const entity = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    if (typeof entity.ei !== 'string') continue;
    const category = entity.ec === undefined ? undefined : Object.hasOwn(categories, String(entity.ec)) ? categories[String(entity.ec)] : undefined;
    entries.push({
      entity_id: entity.ei,
      device_id: typeof entity.di === 'string' ? entity.di : null,
      platform: typeof entity.pl === 'string' ? entity.pl : '',
      ...(typeof category === 'string' ? { entity_category: category } : {}),
      disabled_by: null,
    });
  }
  return entries;
}

export function toHaError(err: unknown, url: string): HaError {
  if (err instanceof HaError) return err;
  if (err === ERR_CONNECTION_LOST) return new HaError(`lost the connection to Home Assistant at ${url}`, 'connection_lost');
  if (typeof err === 'object' && err !== null) {
    const source = err as { code?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
    const inner = source.error && typeof source.error === 'object' ? source.error : source;
    if (inner.code === ERR_CONNECTION_LOST) return new HaError(`lost the connection to Home Assistant at ${url}`, 'connection_lost');
    if (inner.code !== undefined) return new HaError(String(inner.message ?? inner.code), String(inner.code));
    if (err instanceof Error) return new HaError(err.message, 'unknown_error');
  }
  return new HaError(String(err), 'unknown_error');
}

/**
 * The address as the library wants it (no trailing slash, no /api/websocket), or why it is not one.
 * `http://supervisor/core` is Home Assistant as seen from inside an add-on.
 */
export function parseServerUrl(text: string): { url: string; supervisor: boolean; problem?: string } {
  let url = String(text ?? '').trim().replace(/\/+$/, '');
  url = url.replace(/\/api(\/websocket)?$/, '');
  if (/^wss?:\/\//i.test(url)) url = url.replace(/^ws/i, 'http');
  if (!url) return { url, supervisor: false, problem: 'no Home Assistant address: set it in the server config, e.g. http://homeassistant:8123' };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, supervisor: false, problem: `"${url}" is not an address: use e.g. http://homeassistant:8123` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { url, supervisor: false, problem: `"${url}" must start with http:// or https://` };
  }
  return { url, supervisor: parsed.hostname === 'supervisor' };
}

/** Node.js before 22 has no WebSocket of its own; the library expects the browser's. `ws` stands in. */
function ensureWebSocket(): void {
  const scope = globalThis as { WebSocket?: unknown };
  if (typeof scope.WebSocket === 'function') return;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    scope.WebSocket = require('ws') as unknown;
  } catch {
    throw new HaError(
      'this Node.js has no WebSocket: install the "ws" package (npm install ws in the Node-RED folder) or use Node.js 22',
      'no_websocket',
    );
  }
}
