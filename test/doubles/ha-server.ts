/**
 * A Home Assistant double that speaks HA's websocket protocol on 127.0.0.1 (`/api/websocket`), for the
 * real home-assistant-js-websocket client: the auth phase, strictly increasing ids, result and error
 * shapes, ping/pong, supported_features (coalesced frames), subscribe_events, subscribe_entities (`a`,
 * `c`, `r`), get_states, get_services, the entity registry and call_service with the Z-Wave JS, ZHA
 * and notify services. It holds entity states and what each lock holds in each slot.
 *
 * It behaves like Home Assistant where that matters to a client: an entity service skips a missing or
 * unavailable entity without an error (and fails only when a response was asked for); schema errors are
 * `invalid_format`, bad values `service_validation_error`, a lock that does not answer
 * `home_assistant_error`. Tests can restart it, take a lock off the mesh, hold a call, fire keypad
 * events and set batteries.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export const HA_VERSION = '2025.10.1';

type Platform = 'zwave_js' | 'zha';

interface EntityState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
  context: { id: string; parent_id: null; user_id: null };
}

interface RegistryEntry {
  entity_id: string;
  device_id: string | null;
  platform: string;
  id: string;
  unique_id: string;
  name: null;
  original_name: string | null;
  entity_category: string | null;
  disabled_by: null;
  hidden_by: null;
  area_id: null;
  config_entry_id: string;
  has_entity_name: boolean;
  icon: null;
  labels: string[];
  options: Record<string, unknown>;
  translation_key: null;
  categories: Record<string, unknown>;
  created_at: number;
  modified_at: number;
}

interface LockModel {
  entityId: string;
  platform: Platform;
  deviceId: string;
  batteryEntityId: string;
  /** How many slots the lock has. */
  capacity: number;
  slots: Map<number, { code: string; enabled: boolean }>;
  /** How the lock reports PINs back: as they are, as `****`, or as `0000000000`. */
  mask: 'none' | 'stars' | 'zeros';
  nodeId: number;
  ieee: string;
  /** The state it returns to when it comes back on the mesh. */
  lastState: string;
}

export interface AddLockOptions {
  entityId: string;
  name: string;
  battery?: number;
  capacity?: number;
}

/** A call_service as the double received it; `applied` says whether it changed anything. */
export interface ServiceCallRecord {
  domain: string;
  service: string;
  data: Record<string, unknown>;
  target?: Record<string, unknown>;
  returnResponse: boolean;
  applied: boolean;
}

interface Subscription {
  kind: 'events' | 'entities';
  eventType?: string;
  entityIds?: string[];
}

interface Client {
  socket: WebSocket;
  authed: boolean;
  lastId: number;
  coalesce: boolean;
  subscriptions: Map<number, Subscription>;
  pending: unknown[];
  flushing: boolean;
}

interface Incoming {
  id?: unknown;
  type?: unknown;
  [key: string]: unknown;
}

class ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a held call waits for: `apply` changes the lock, `answer` sends the result. */
export interface HeldCall {
  readonly received: Promise<ServiceCallRecord>;
  release(options: { apply: boolean; answer: boolean }): void;
}

interface CallHook {
  domain: string;
  service: string;
  onCall(record: ServiceCallRecord, proceed: (apply: boolean, answer: boolean, failure?: ServiceError) => void): void;
}

type ServiceHandler = (call: ServiceCallRecord, apply: boolean) => unknown;

interface ServiceDefinition {
  fields: Record<string, { required: boolean; type: 'int' | 'string' | 'any' }>;
  response: 'none' | 'only';
  entityPlatform?: Platform;
  handle: ServiceHandler;
}

export class HaDouble {
  readonly serviceCalls: ServiceCallRecord[] = [];
  /** WebSocket connections accepted, auth messages seen, tokens refused. */
  connections = 0;
  authAttempts = 0;
  authFailures = 0;
  private token: string;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly clients = new Set<Client>();
  private readonly states = new Map<string, EntityState>();
  private readonly registry = new Map<string, RegistryEntry>();
  private readonly locks = new Map<string, LockModel>();
  private readonly services = new Map<string, ServiceDefinition>();
  private readonly hooks: CallHook[] = [];
  private down = false;
  private nextNode = 5;
  /** Commands this server refuses, as Home Assistant refuses one a token may not use: type to error. */
  private readonly refused = new Map<string, { code: string; message: string }>();

  private constructor(token: string) {
    this.token = token;
    this.server = http.createServer((_req, res) => {
      res.writeHead(404).end();
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.defineLockServices();
  }

  static async start(options: { token: string }): Promise<HaDouble> {
    const double = new HaDouble(options.token);
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    return double;
  }

  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    this.wss.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- What tests set up ------------------------------------------------------------------------

  addZwaveLock(options: AddLockOptions): void {
    this.addLock('zwave_js', options);
  }

  addZhaLock(options: AddLockOptions): void {
    this.addLock('zha', options);
  }

  addNotifyService(name: string): void {
    this.services.set(`notify.${name}`, {
      fields: { message: { required: true, type: 'any' }, title: { required: false, type: 'any' }, target: { required: false, type: 'any' }, data: { required: false, type: 'any' } },
      response: 'none',
      handle: () => undefined,
    });
  }

  /** A token revoked in Home Assistant: connections that authenticate from now on are refused. */
  setToken(token: string): void {
    this.token = token;
  }

  // --- What tests look at -----------------------------------------------------------------------

  /** What the lock holds: slot to PIN. */
  codes(entityId: string): Record<number, string> {
    const lock = this.lockFor(entityId);
    return Object.fromEntries([...lock.slots.entries()].map(([slot, held]) => [slot, held.code]));
  }

  codeEnabled(entityId: string, slot: number): boolean | undefined {
    return this.lockFor(entityId).slots.get(slot)?.enabled;
  }

  callsTo(domain: string, service: string): ServiceCallRecord[] {
    return this.serviceCalls.filter((call) => call.domain === domain && call.service === service);
  }

  /** Event subscriptions open now, over all connections (optionally of one event type). */
  subscriptionCount(eventType?: string): number {
    let count = 0;
    for (const client of this.clients) {
      for (const sub of client.subscriptions.values()) if (sub.kind === 'events' && (eventType === undefined || sub.eventType === eventType)) count += 1;
    }
    return count;
  }

  get openConnections(): number {
    return [...this.clients].filter((client) => client.authed).length;
  }

  // --- What tests do to it ----------------------------------------------------------------------

  /** A code keyed in at the lock itself (the owner's code in a reserved slot). */
  putCode(entityId: string, slot: number, code: string): void {
    this.lockFor(entityId).slots.set(slot, { code, enabled: true });
  }

  maskCodes(entityId: string, mask: LockModel['mask']): void {
    this.lockFor(entityId).mask = mask;
  }

  /** The lock drops off the mesh (`unavailable`) or comes back. */
  setAvailable(entityId: string, available: boolean): void {
    const lock = this.lockFor(entityId);
    const current = this.states.get(entityId)!;
    if (!available && current.state !== 'unavailable') lock.lastState = current.state;
    this.setState(entityId, available ? lock.lastState : 'unavailable');
  }

  setBattery(entityId: string, percent: number): void {
    this.setState(this.lockFor(entityId).batteryEntityId, String(percent));
  }

  /** Changes an entity's state (and attributes), as an integration would. */
  setState(entityId: string, state: string, attributes?: Record<string, unknown>): void {
    const old = this.states.get(entityId);
    if (!old) throw new Error(`the double has no entity ${entityId}`);
    const now = new Date().toISOString();
    const next: EntityState = {
      ...old,
      state,
      attributes: attributes ? { ...old.attributes, ...attributes } : old.attributes,
      last_changed: state === old.state ? old.last_changed : now,
      last_updated: now,
      context: newContext(),
    };
    this.states.set(entityId, next);
    this.stateChanged(old, next);
  }

  removeEntity(entityId: string): void {
    const old = this.states.get(entityId);
    if (!old) return;
    this.states.delete(entityId);
    this.registry.delete(entityId);
    for (const client of this.authedClients()) {
      for (const [id, sub] of client.subscriptions) {
        if (sub.kind === 'entities' && wants(sub, entityId)) this.send(client, eventMessage(id, { r: [entityId] }));
      }
    }
    this.fire('state_changed', { entity_id: entityId, old_state: old, new_state: null });
  }

  /** A guest types the code of `slot` at the keypad, and the door opens. */
  keypadUnlock(entityId: string, slot: number): void {
    const lock = this.lockFor(entityId);
    if (lock.platform === 'zwave_js') {
      this.fire('zwave_js_notification', this.zwaveNotification(lock, 6, 'Keypad unlock operation', { userId: slot }));
    } else {
      this.fire('zha_event', this.zhaOperation(lock, 'Unlock', slot));
    }
  }

  /** Wrong codes at the keypad, as far as the lock reports them. */
  keypadWrongCode(entityId: string): void {
    const lock = this.lockFor(entityId);
    if (lock.platform === 'zwave_js') {
      this.fire('zwave_js_notification', this.zwaveNotification(lock, 19, 'Manually enter user access code exceeds code limit', {}));
    } else {
      this.fire('zha_event', this.zhaOperation(lock, 'UnlockInvalidPinOrID', 0));
    }
  }

  fire(eventType: string, data: Record<string, unknown>): void {
    const event = { event_type: eventType, data, origin: 'LOCAL', time_fired: new Date().toISOString(), context: newContext() };
    for (const client of this.authedClients()) {
      for (const [id, sub] of client.subscriptions) {
        if (sub.kind === 'events' && (sub.eventType === undefined || sub.eventType === eventType)) {
          this.send(client, { id, type: 'event', event });
        }
      }
    }
  }

  /**
   * Home Assistant restarts: every connection drops at once and new ones are refused for `downMs`
   * (real time). Entity states and lock slots survive, as they do on a real restart.
   */
  restart(downMs = 0): Promise<void> {
    this.down = true;
    for (const client of this.clients) client.socket.terminate();
    this.clients.clear();
    return new Promise((resolve) =>
      setTimeout(() => {
        this.down = false;
        resolve();
      }, downMs),
    );
  }

  /** The next call of `domain.service` waits until the test releases it. */
  holdNext(domain: string, service: string): HeldCall {
    let release: (options: { apply: boolean; answer: boolean }) => void = () => undefined;
    let received: (record: ServiceCallRecord) => void = () => undefined;
    const receivedPromise = new Promise<ServiceCallRecord>((resolve) => (received = resolve));
    const ready = new Promise<{ apply: boolean; answer: boolean }>((resolve) => (release = resolve));
    this.hooks.push({
      domain,
      service,
      onCall: (record, proceed) => {
        received(record);
        void ready.then(({ apply, answer }) => proceed(apply, answer));
      },
    });
    return { received: receivedPromise, release: (options) => release(options) };
  }

  /**
   * The next call of `domain.service` fails the way the integration reports a lock that did not
   * answer (`home_assistant_error`), having changed nothing.
   */
  /**
   * Refuses every `type` command from now on with a websocket error, e.g. the entity registry to a token
   * that is not an administrator's: `{"type":"result","success":false,"error":{"code":"unauthorized","message":"Unauthorized"}}`.
   */
  refuseCommand(type: string, code = 'unauthorized', message = 'Unauthorized'): void {
    this.refused.set(type, { code, message });
  }

  failNext(domain: string, service: string, message = 'Failed to send the command: the device did not respond'): void {
    this.hooks.push({ domain, service, onCall: (_record, proceed) => proceed(false, true, new ServiceError('home_assistant_error', message)) });
  }

  /**
   * Home Assistant goes down while the next call of `domain.service` is under way: before it reached
   * the lock (`apply: false`) or after (`apply: true`); either way the answer never comes.
   */
  restartOnNext(domain: string, service: string, options: { apply: boolean; downMs?: number }): Promise<ServiceCallRecord> {
    return new Promise((resolve) => {
      this.hooks.push({
        domain,
        service,
        onCall: (record, proceed) => {
          proceed(options.apply, false);
          resolve(record);
          void this.restart(options.downMs ?? 0);
        },
      });
    });
  }

  // --- The websocket protocol -------------------------------------------------------------------

  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.down || req.url !== '/api/websocket') {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(socket: WebSocket): void {
    this.connections += 1;
    const client: Client = { socket, authed: false, lastId: 0, coalesce: false, subscriptions: new Map(), pending: [], flushing: false };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    socket.on('message', (data) => this.receive(client, data.toString()));
    socket.send(JSON.stringify({ type: 'auth_required', ha_version: HA_VERSION }));
  }

  private receive(client: Client, text: string): void {
    let message: Incoming;
    try {
      message = JSON.parse(text) as Incoming;
    } catch {
      client.socket.close(1003);
      return;
    }
    if (!client.authed) return this.authenticate(client, message);
    this.command(client, message);
  }

  private authenticate(client: Client, message: Incoming): void {
    if (message.type !== 'auth') {
      client.socket.send(JSON.stringify({ type: 'auth_invalid', message: 'Auth message incorrectly formatted: expected auth' }));
      client.socket.close();
      return;
    }
    this.authAttempts += 1;
    if (message.access_token !== this.token) {
      this.authFailures += 1;
      client.socket.send(JSON.stringify({ type: 'auth_invalid', message: 'Invalid access token or password' }));
      client.socket.close();
      return;
    }
    client.authed = true;
    client.socket.send(JSON.stringify({ type: 'auth_ok', ha_version: HA_VERSION }));
  }

  private command(client: Client, message: Incoming): void {
    const id = message.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || typeof message.type !== 'string') {
      this.send(client, errorMessage(typeof id === 'number' ? id : 0, 'invalid_format', 'Message incorrectly formatted.'));
      return;
    }
    if (id <= client.lastId) {
      this.send(client, errorMessage(id, 'id_reuse', 'Identifier values have to increase.'));
      return;
    }
    client.lastId = id;
    const refusal = typeof message.type === 'string' ? this.refused.get(message.type) : undefined;
    if (refusal) return this.send(client, errorMessage(id, refusal.code, refusal.message));
    switch (message.type) {
      case 'ping':
        return this.send(client, { id, type: 'pong' });
      case 'supported_features':
        client.coalesce = isObject(message.features) && message.features.coalesce_messages === 1;
        return this.send(client, resultMessage(id, null));
      case 'subscribe_events':
        client.subscriptions.set(id, { kind: 'events', eventType: typeof message.event_type === 'string' ? message.event_type : undefined });
        return this.send(client, resultMessage(id, null));
      case 'unsubscribe_events':
        return this.unsubscribe(client, id, message.subscription);
      case 'subscribe_entities':
        return this.subscribeEntities(client, id, message.entity_ids);
      case 'get_states':
        return this.send(client, resultMessage(id, [...this.states.values()]));
      case 'get_services':
        return this.send(client, resultMessage(id, this.serviceList()));
      case 'get_config':
        return this.send(client, resultMessage(id, { version: HA_VERSION, state: 'RUNNING', components: ['zwave_js', 'zha', 'notify'] }));
      case 'config/entity_registry/list':
        return this.send(client, resultMessage(id, [...this.registry.values()]));
      case 'config/entity_registry/list_for_display':
        return this.send(client, resultMessage(id, this.registryForDisplay()));
      case 'call_service':
        return this.callService(client, id, message);
      default:
        return this.send(client, errorMessage(id, 'unknown_command', 'Unknown command.'));
    }
  }

  /** The compact registry Home Assistant's frontend reads: short keys, categories by index, disabled entities left out. */
  private registryForDisplay(): unknown {
    const categories = ['config', 'diagnostic'];
    const entities = [...this.registry.values()]
      .filter((entry) => entry.disabled_by === null)
      .map((entry) => ({
        ei: entry.entity_id,
        ...(entry.device_id ? { di: entry.device_id } : {}),
        pl: entry.platform,
        ...(entry.entity_category ? { ec: categories.indexOf(entry.entity_category) } : {}),
        ...(entry.has_entity_name ? { hn: true } : {}),
      }));
    return { entity_categories: Object.fromEntries(categories.map((name, index) => [String(index), name])), entities };
  }

  private unsubscribe(client: Client, id: number, subscription: unknown): void {
    if (typeof subscription !== 'number' || !client.subscriptions.has(subscription)) {
      this.send(client, errorMessage(id, 'not_found', 'Subscription not found.'));
      return;
    }
    client.subscriptions.delete(subscription);
    this.send(client, resultMessage(id, null));
  }

  private subscribeEntities(client: Client, id: number, entityIds: unknown): void {
    const sub: Subscription = { kind: 'entities', ...(Array.isArray(entityIds) ? { entityIds: entityIds.map(String) } : {}) };
    client.subscriptions.set(id, sub);
    this.send(client, resultMessage(id, null));
    const added: Record<string, unknown> = {};
    for (const state of this.states.values()) if (wants(sub, state.entity_id)) added[state.entity_id] = compressed(state);
    this.send(client, eventMessage(id, { a: added }));
  }

  private callService(client: Client, id: number, message: Incoming): void {
    const domain = String(message.domain ?? '');
    const service = String(message.service ?? '');
    const definition = this.services.get(`${domain}.${service}`);
    if (!definition) {
      this.send(client, errorMessage(id, 'not_found', `Service ${domain}.${service} not found.`));
      return;
    }
    const record: ServiceCallRecord = {
      domain,
      service,
      data: isObject(message.service_data) ? { ...message.service_data } : {},
      ...(isObject(message.target) ? { target: { ...message.target } } : {}),
      returnResponse: message.return_response === true,
      applied: false,
    };
    this.serviceCalls.push(record);
    const hookAt = this.hooks.findIndex((hook) => hook.domain === domain && hook.service === service);
    const run = (apply: boolean, answer: boolean, failure?: ServiceError) => {
      const outcome = failure ? { error: failure } : this.run(definition, record, apply);
      if (answer && client.socket.readyState === WebSocket.OPEN) this.send(client, outcomeMessage(id, outcome, record.returnResponse));
    };
    if (hookAt === -1) return run(true, true);
    const [hook] = this.hooks.splice(hookAt, 1);
    hook.onCall(record, run);
  }

  private run(definition: ServiceDefinition, record: ServiceCallRecord, apply: boolean): { response?: unknown; error?: ServiceError } {
    try {
      checkFields(definition, record.data);
      if (definition.response === 'only' && !record.returnResponse) {
        throw new ServiceError('service_validation_error', `Validation error: The action ${record.domain}.${record.service} requires responses and must be called with return_response=True`);
      }
      if (definition.response === 'none' && record.returnResponse) {
        throw new ServiceError('service_validation_error', "Validation error: An action which does not return responses can't be called with return_response=True");
      }
      return { response: definition.handle(record, apply) };
    } catch (err) {
      if (err instanceof ServiceError) return { error: err };
      return { error: new ServiceError('unknown_error', String(err)) };
    }
  }

  private send(client: Client, message: unknown): void {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (!client.coalesce) {
      client.socket.send(JSON.stringify(message));
      return;
    }
    // With coalesce_messages, Home Assistant sends what is ready together as one JSON array.
    client.pending.push(message);
    if (client.flushing) return;
    client.flushing = true;
    setImmediate(() => {
      client.flushing = false;
      const batch = client.pending.splice(0);
      if (client.socket.readyState !== WebSocket.OPEN || batch.length === 0) return;
      client.socket.send(JSON.stringify(batch.length === 1 ? batch[0] : batch));
    });
  }

  private authedClients(): Client[] {
    return [...this.clients].filter((client) => client.authed);
  }

  private stateChanged(old: EntityState, next: EntityState): void {
    const plus: Record<string, unknown> = { c: next.context.id };
    if (old.state !== next.state) {
      plus.s = next.state;
      plus.lc = seconds(next.last_changed);
    } else {
      plus.lu = seconds(next.last_updated);
    }
    if (old.attributes !== next.attributes) plus.a = next.attributes;
    for (const client of this.authedClients()) {
      for (const [id, sub] of client.subscriptions) {
        if (sub.kind === 'entities' && wants(sub, next.entity_id)) this.send(client, eventMessage(id, { c: { [next.entity_id]: { '+': plus } } }));
      }
    }
    this.fire('state_changed', { entity_id: next.entity_id, old_state: old, new_state: next });
  }

  // --- Entities and services --------------------------------------------------------------------

  private addLock(platform: Platform, options: AddLockOptions): void {
    const deviceId = randomHex(32);
    const objectId = options.entityId.replace(/^lock\./, '');
    const batteryEntityId = `sensor.${objectId}_battery`;
    const model: LockModel = {
      entityId: options.entityId,
      platform,
      deviceId,
      batteryEntityId,
      capacity: options.capacity ?? 30,
      slots: new Map(),
      mask: 'none',
      nodeId: this.nextNode++,
      ieee: Array.from({ length: 8 }, () => randomHex(2)).join(':'),
      lastState: 'locked',
    };
    this.locks.set(options.entityId, model);
    this.addEntity(options.entityId, 'locked', { friendly_name: options.name, supported_features: 0 }, deviceId, platform, null);
    const battery = {
      friendly_name: `${options.name} Battery level`,
      device_class: 'battery',
      state_class: 'measurement',
      unit_of_measurement: '%',
    };
    this.addEntity(batteryEntityId, String(options.battery ?? 100), battery, deviceId, platform, 'diagnostic');
  }

  private addEntity(entityId: string, state: string, attributes: Record<string, unknown>, deviceId: string, platform: string, category: string | null): void {
    const now = new Date().toISOString();
    this.states.set(entityId, { entity_id: entityId, state, attributes, last_changed: now, last_updated: now, context: newContext() });
    this.registry.set(entityId, {
      entity_id: entityId,
      device_id: deviceId,
      platform,
      id: randomHex(32),
      unique_id: randomHex(16),
      name: null,
      original_name: String(attributes.friendly_name ?? entityId),
      entity_category: category,
      disabled_by: null,
      hidden_by: null,
      area_id: null,
      config_entry_id: randomHex(32),
      has_entity_name: true,
      icon: null,
      labels: [],
      options: {},
      translation_key: null,
      categories: {},
      created_at: 0,
      modified_at: 0,
    });
  }

  private defineLockServices(): void {
    const slot = { code_slot: { required: true, type: 'int' as const } };
    this.services.set('zwave_js.set_lock_usercode', {
      fields: { ...slot, usercode: { required: true, type: 'string' } },
      response: 'none',
      entityPlatform: 'zwave_js',
      handle: (call, apply) =>
        this.onEachLock(call, 'zwave_js', apply, (lock) => {
          const codeSlot = zwaveSlot(call.data.code_slot);
          const usercode = String(call.data.usercode);
          if (!/^\d{4,}$/.test(usercode)) throw new ServiceError('service_validation_error', 'Validation error: User code must be at least 4 digits');
          if (codeSlot > lock.capacity) throw new ServiceError('home_assistant_error', `Unable to set lock usercode on lock ${lock.entityId} code_slot ${codeSlot}: userCode for code slot ${codeSlot} not found`);
          if (!apply) return undefined;
          // Z-Wave JS answers at once; the lock refuses a PIN it already has in another slot, and says so later.
          const elsewhere = [...lock.slots.entries()].some(([other, held]) => other !== codeSlot && held.code === usercode);
          if (elsewhere) {
            setImmediate(() => this.fire('zwave_js_notification', this.zwaveNotification(lock, 15, 'New user code not added due to duplicate code', {})));
            return undefined;
          }
          lock.slots.set(codeSlot, { code: usercode, enabled: true });
          return undefined;
        }),
    });
    this.services.set('zwave_js.clear_lock_usercode', {
      fields: slot,
      response: 'none',
      entityPlatform: 'zwave_js',
      handle: (call, apply) =>
        this.onEachLock(call, 'zwave_js', apply, (lock) => {
          const codeSlot = zwaveSlot(call.data.code_slot);
          if (codeSlot > lock.capacity) throw new ServiceError('home_assistant_error', `Unable to clear lock usercode on lock ${lock.entityId} code_slot ${codeSlot}: userIdStatus for code slot ${codeSlot} not found`);
          if (apply) lock.slots.delete(codeSlot);
          return undefined;
        }),
    });
    this.services.set('zwave_js.get_lock_usercode', {
      fields: { code_slot: { required: false, type: 'int' } },
      response: 'only',
      entityPlatform: 'zwave_js',
      handle: (call, apply) =>
        this.onEachLock(call, 'zwave_js', apply, (lock) => {
          if (call.data.code_slot === undefined) {
            return Object.fromEntries(Array.from({ length: lock.capacity }, (_, index) => [String(index + 1), this.slotAnswer(lock, index + 1)]));
          }
          const codeSlot = Number(call.data.code_slot);
          if (codeSlot < 1 || codeSlot > lock.capacity) throw new ServiceError('home_assistant_error', `Code slot ${codeSlot} not found on ${lock.entityId}`);
          return { [String(codeSlot)]: this.slotAnswer(lock, codeSlot) };
        }),
    });
    this.services.set('zha.set_lock_user_code', {
      fields: { ...slot, user_code: { required: true, type: 'string' } },
      response: 'none',
      entityPlatform: 'zha',
      handle: (call, apply) =>
        this.onEachLock(call, 'zha', apply, (lock) => {
          const codeSlot = zhaSlot(lock, call.data.code_slot);
          if (apply) lock.slots.set(codeSlot, { code: String(call.data.user_code), enabled: true });
          return undefined;
        }),
    });
    for (const [service, change] of [
      ['clear_lock_user_code', 'clear'],
      ['enable_lock_user_code', 'enable'],
      ['disable_lock_user_code', 'disable'],
    ] as const) {
      this.services.set(`zha.${service}`, {
        fields: slot,
        response: 'none',
        entityPlatform: 'zha',
        handle: (call, apply) =>
          this.onEachLock(call, 'zha', apply, (lock) => {
            const codeSlot = zhaSlot(lock, call.data.code_slot);
            const held = lock.slots.get(codeSlot);
            if (!apply) return undefined;
            if (change === 'clear') lock.slots.delete(codeSlot);
            else if (held) held.enabled = change === 'enable';
            return undefined;
          }),
      });
    }
  }

  /**
   * Home Assistant's entity services: each targeted lock of the platform that is there and available;
   * the others are skipped without an error, unless a response was asked for and none is left.
   */
  private onEachLock(call: ServiceCallRecord, platform: Platform, apply: boolean, act: (lock: LockModel) => unknown): unknown {
    const targets = targetEntityIds(call);
    const locks = targets
      .map((entityId) => this.locks.get(entityId))
      .filter((lock): lock is LockModel => lock !== undefined && lock.platform === platform && this.states.get(lock.entityId)?.state !== 'unavailable');
    if (locks.length === 0) {
      if (call.returnResponse) throw new ServiceError('home_assistant_error', 'Service call requested response data but did not match any entities');
      return undefined;
    }
    const responses: Record<string, unknown> = {};
    for (const lock of locks) responses[lock.entityId] = act(lock);
    call.applied = apply;
    return call.returnResponse ? responses : undefined;
  }

  private slotAnswer(lock: LockModel, slot: number): { usercode: string; in_use: boolean } {
    const held = lock.slots.get(slot);
    if (!held) return { usercode: '', in_use: false };
    if (lock.mask === 'stars') return { usercode: '*'.repeat(held.code.length), in_use: true };
    if (lock.mask === 'zeros') return { usercode: '0000000000', in_use: true };
    return { usercode: held.code, in_use: true };
  }

  private zwaveNotification(lock: LockModel, event: number, label: string, parameters: Record<string, unknown>): Record<string, unknown> {
    return {
      domain: 'zwave_js',
      node_id: lock.nodeId,
      home_id: 3967834092,
      endpoint: 0,
      device_id: lock.deviceId,
      command_class: 113,
      command_class_name: 'Notification',
      label: 'Access Control',
      type: 6,
      event,
      event_label: label,
      parameters,
    };
  }

  private zhaOperation(lock: LockModel, operation: string, slot: number): Record<string, unknown> {
    return {
      device_ieee: lock.ieee,
      unique_id: `${lock.ieee}:1:0x0101`,
      device_id: lock.deviceId,
      endpoint_id: 1,
      cluster_id: 257,
      command: 'operation_event_notification',
      args: { source: 'Keypad', operation, code_slot: slot },
      params: {},
    };
  }

  private serviceList(): Record<string, Record<string, unknown>> {
    const list: Record<string, Record<string, unknown>> = {};
    for (const [key, definition] of this.services) {
      const [domain, service] = key.split('.');
      list[domain] ??= {};
      const fields = Object.fromEntries(Object.entries(definition.fields).map(([name, field]) => [name, { required: field.required, selector: {} }]));
      list[domain][service] = {
        name: service,
        description: '',
        fields,
        ...(definition.entityPlatform ? { target: { entity: [{ integration: definition.entityPlatform, domain: ['lock'] }] } } : {}),
        ...(definition.response === 'only' ? { response: { optional: false } } : {}),
      };
    }
    return list;
  }

  private lockFor(entityId: string): LockModel {
    const lock = this.locks.get(entityId);
    if (!lock) throw new Error(`the double has no lock ${entityId}`);
    return lock;
  }
}

/** voluptuous as Home Assistant uses it: a missing or mistyped field is `invalid_format`. */
function checkFields(definition: ServiceDefinition, data: Record<string, unknown>): void {
  for (const key of Object.keys(data)) {
    if (!(key in definition.fields) && !(definition.entityPlatform && key === 'entity_id')) {
      throw new ServiceError('invalid_format', `extra keys not allowed @ data['${key}']`);
    }
  }
  for (const [name, field] of Object.entries(definition.fields)) {
    const value = data[name];
    if (value === undefined) {
      if (field.required) throw new ServiceError('invalid_format', `required key not provided @ data['${name}']`);
      continue;
    }
    if (field.type === 'int' && !Number.isInteger(Number(value))) throw new ServiceError('invalid_format', `expected int for dictionary value @ data['${name}']`);
    if (field.type === 'string' && (typeof value === 'object' || value === null)) throw new ServiceError('invalid_format', `expected str for dictionary value @ data['${name}']`);
    if (field.type === 'int') data[name] = Number(value);
  }
}

function zwaveSlot(value: unknown): number {
  const slot = Number(value);
  if (slot < 1 || slot > 254) throw new ServiceError('service_validation_error', 'Validation error: Code slot must be between 1 and 254');
  return slot;
}

function zhaSlot(lock: LockModel, value: unknown): number {
  const slot = Number(value);
  if (slot < 1 || slot > lock.capacity) throw new ServiceError('home_assistant_error', `Failed to set code slot ${slot} on ${lock.entityId}: invalid value`);
  return slot;
}

function targetEntityIds(call: ServiceCallRecord): string[] {
  const ids = [call.target?.entity_id, call.data.entity_id].flatMap((value) => (Array.isArray(value) ? value : value === undefined ? [] : [value]));
  return [...new Set(ids.map(String))];
}

function outcomeMessage(id: number, outcome: { response?: unknown; error?: ServiceError }, returnResponse: boolean): unknown {
  if (outcome.error) return errorMessage(id, outcome.error.code, outcome.error.message);
  const result: Record<string, unknown> = { context: newContext() };
  if (returnResponse) result.response = outcome.response ?? null;
  return resultMessage(id, result);
}

function resultMessage(id: number, result: unknown): unknown {
  return { id, type: 'result', success: true, result };
}

function errorMessage(id: number, code: string, message: string): unknown {
  return { id, type: 'result', success: false, error: { code, message } };
}

function eventMessage(id: number, event: unknown): unknown {
  return { id, type: 'event', event };
}

/** The short form subscribe_entities sends: state, attributes, context id, times in epoch seconds. */
function compressed(state: EntityState): Record<string, unknown> {
  const entry: Record<string, unknown> = { s: state.state, a: state.attributes, c: state.context.id, lc: seconds(state.last_changed) };
  if (state.last_updated !== state.last_changed) entry.lu = seconds(state.last_updated);
  return entry;
}

function wants(sub: Subscription, entityId: string): boolean {
  return !sub.entityIds || sub.entityIds.includes(entityId);
}

function seconds(iso: string): number {
  return Date.parse(iso) / 1000;
}

function newContext(): { id: string; parent_id: null; user_id: null } {
  return { id: randomHex(13).toUpperCase(), parent_id: null, user_id: null };
}

function randomHex(bytes: number): string {
  return crypto.randomBytes(Math.ceil(bytes / 2)).toString('hex').slice(0, bytes);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

