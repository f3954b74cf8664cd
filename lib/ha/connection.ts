/**
 * One websocket connection to a Home Assistant server, shared by every StayKey node that uses the
 * same server config. It wraps home-assistant-js-websocket: that library reconnects and re-subscribes
 * on its own once connected; this class adds what it leaves out (retrying the first connection,
 * telling nodes how the connection is, a clear error for a refused token, a time limit per call)
 * and keeps the states of all entities so providers can answer "is the lock online" without asking.
 *
 * What callers see of it (HaClient, HaError) is in client.ts; the entity registry, the time limit per
 * call and the server address each have a file of their own.
 */
import {
  callService as sendServiceCall,
  Connection,
  createConnection,
  createLongLivedTokenAuth,
  ERR_INVALID_AUTH,
  getServices,
  getStates,
  HassEntities,
  HassEntity,
  HassServices,
  HassServiceTarget,
  subscribeEntities,
} from 'home-assistant-js-websocket';
import { Clock, systemClock } from '../time/clock';
import { withinTime } from './call-limit';
import {
  EntityRegistryEntry,
  HaClient,
  HaConnectionOptions,
  HaConnectionState,
  HaError,
  HaEvent,
  HaServerSettings,
  HaStateChange,
  ServiceResult,
} from './client';
import { readEntityRegistry } from './entity-registry';
import { parseServerUrl } from './server-url';

export { HaError, toHaError } from './client';
export type {
  EntityRegistryEntry,
  HaClient,
  HaConnectionOptions,
  HaConnectionState,
  HaErrorCode,
  HaEvent,
  HaServerSettings,
  HaStateChange,
  ServiceResult,
} from './client';
export { REGISTRY_UNREADABLE } from './entity-registry';
export { parseServerUrl } from './server-url';

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
    const pending = this.ready().then((connection) => readEntityRegistry(connection, this.url, (call, what) => this.limited(call, what)));
    this.registry = pending;
    pending.catch(() => {
      if (this.registry === pending) this.registry = undefined;
    });
    return pending;
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
    return withinTime(call, what, this.clock, this.callTimeoutMs, this.url);
  }
}

function isFinal(state: HaConnectionState): boolean {
  return state === 'auth-failed' || state === 'unconfigured' || state === 'closed';
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
