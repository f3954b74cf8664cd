/**
 * The Home Assistant connection, with the real home-assistant-js-websocket client against the HA
 * double: tokens, reconnects, re-subscription, entity states and the protocol itself.
 */
import { strict as assert } from 'node:assert';
import { WebSocket } from 'ws';
import { HaConnection, HaError, HaStateChange, parseServerUrl } from '../lib/ha/connection';
import { ManualClock } from '../lib/time/clock';
import { driveClock } from './doubles/ha-fixtures';
import { HaDouble } from './doubles/ha-server';
import { eventually } from './support/red';

const TOKEN = 'token-for-the-tests-0123456789';

describe('Home Assistant connection', () => {
  let double: HaDouble;
  const open: HaConnection[] = [];

  function connect(token = TOKEN, clock?: ManualClock): HaConnection {
    const connection = new HaConnection({ url: double.url, token }, clock ? { clock } : {});
    open.push(connection);
    return connection;
  }

  function states(connection: HaConnection): HaStateChange[] {
    const seen: HaStateChange[] = [];
    connection.onState((change) => seen.push(change));
    return seen;
  }

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
    double.addZwaveLock({ entityId: 'lock.front_door', name: 'Front door', battery: 80 });
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) connection.close();
    await double.close();
  });

  it('connects with a long-lived token and keeps the entity states Home Assistant sends', async () => {
    const connection = connect();
    const seen = states(connection);
    connection.start();
    await connection.whenConnected(5_000);
    assert.deepEqual(
      seen.map((change) => change.state),
      ['idle', 'connecting', 'connected'],
    );
    await eventually('the entity states arrive', () => connection.entitiesKnown);
    assert.equal(connection.entity('lock.front_door')?.state, 'locked');
    assert.equal(connection.entity('sensor.front_door_battery')?.state, '80');
    const all = await connection.getStates();
    assert.ok(all.some((state) => state.entity_id === 'lock.front_door'));
  });

  it('follows state changes and removals sent on subscribe_entities', async () => {
    const connection = connect();
    await connection.whenConnected(5_000);
    await eventually('the entity states arrive', () => connection.entitiesKnown);
    double.setBattery('lock.front_door', 41);
    await eventually('the battery change arrives', () => connection.entity('sensor.front_door_battery')?.state === '41');
    double.setAvailable('lock.front_door', false);
    await eventually('the lock goes unavailable', () => connection.entity('lock.front_door')?.state === 'unavailable');
    double.removeEntity('sensor.front_door_battery');
    await eventually('the sensor is removed', () => connection.entity('sensor.front_door_battery') === undefined);
  });

  it('reports a refused token once, naming the server and never the token, and does not try again', async () => {
    const clock = new ManualClock('2026-07-01T10:00:00Z');
    const wrong = 'wrong-token-abcdef';
    const connection = connect(wrong, clock);
    const seen = states(connection);
    await assert.rejects(connection.whenConnected(5_000), (err: HaError) => {
      assert.equal(err.code, 'auth');
      assert.ok(err.message.includes(double.url), err.message);
      assert.ok(!err.message.includes(wrong));
      return true;
    });
    const refused = seen.find((change) => change.state === 'auth-failed');
    assert.ok(refused?.detail?.includes(double.url));
    assert.ok(!JSON.stringify(seen).includes(wrong));
    // An hour of StayKey's clock, and real time for the library's own timers: no second attempt.
    clock.advance(60 * 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    assert.equal(double.connections, 1);
    assert.equal(double.authFailures, 1);
    assert.equal(connection.connectAttempts, 1);
    await assert.rejects(connection.callService('zwave_js', 'clear_lock_usercode', { code_slot: 3 }), (err: HaError) => err.code === 'auth');
  });

  it('stops after one refused reconnect when the token is revoked while running', async () => {
    const connection = connect();
    await connection.whenConnected(5_000);
    const seen = states(connection);
    double.setToken('a-new-token');
    await double.restart(0);
    await eventually('the token is refused', () => seen.some((change) => change.state === 'auth-failed'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(double.authFailures, 1, 'the refused token was tried again');
  });

  it('says when Home Assistant cannot be reached, and connects once it is up', async () => {
    const clock = new ManualClock('2026-07-01T10:00:00Z');
    const back = double.restart(300);
    const connection = connect(TOKEN, clock);
    const seen = states(connection);
    connection.start();
    await eventually('the first attempt fails', () => seen.some((change) => change.state === 'disconnected'));
    const failed = seen.find((change) => change.state === 'disconnected');
    assert.match(failed?.detail ?? '', /cannot reach Home Assistant at http:\/\/127\.0\.0\.1/);
    await back;
    await driveClock(connection.whenConnected(10_000), clock, 2_000);
    assert.equal(connection.state, 'connected');
  });

  it('reconnects after Home Assistant restarts and hears the events it subscribed to again', async () => {
    const connection = connect();
    const heard: number[] = [];
    connection.subscribeEvents('zwave_js_notification', (event) => heard.push(Number((event.data as { event: number }).event)));
    const seen = states(connection);
    await connection.whenConnected(5_000);
    await eventually('the subscription is made', () => double.subscriptionCount('zwave_js_notification') === 1);
    double.keypadUnlock('lock.front_door', 3);
    await eventually('the first event arrives', () => heard.length === 1);

    await double.restart(200);
    await eventually('the connection comes back', () => double.openConnections === 1 && connection.state === 'connected', 15_000);
    assert.ok(seen.some((change) => change.state === 'disconnected'));
    await eventually('the subscription is made again', () => double.subscriptionCount('zwave_js_notification') === 1);
    double.keypadUnlock('lock.front_door', 4);
    await eventually('the event after the restart arrives', () => heard.length === 2);
    assert.deepEqual(heard, [6, 6]);
  });

  it('stops listening when told, and unsubscribes at Home Assistant', async () => {
    const connection = connect();
    const heard: unknown[] = [];
    const stop = connection.subscribeEvents('zha_event', (event) => heard.push(event));
    await connection.whenConnected(5_000);
    await eventually('the subscription is made', () => double.subscriptionCount('zha_event') === 1);
    stop();
    await eventually('the subscription is removed', () => double.subscriptionCount('zha_event') === 0);
    double.fire('zha_event', { command: 'operation_event_notification' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(heard, []);
  });

  it('gives up on a call Home Assistant does not answer in time', async () => {
    const clock = new ManualClock('2026-07-01T10:00:00Z');
    const connection = connect(TOKEN, clock);
    await connection.whenConnected(5_000);
    const held = double.holdNext('zwave_js', 'clear_lock_usercode');
    const call = connection.callService('zwave_js', 'clear_lock_usercode', { code_slot: 3 }, { entity_id: 'lock.front_door' });
    await held.received;
    clock.advance(60_000);
    await assert.rejects(call, (err: HaError) => err.code === 'timeout' && /did not answer zwave_js\.clear_lock_usercode/.test(err.message));
    held.release({ apply: true, answer: true });
  });

  it("passes Home Assistant's error codes on", async () => {
    const connection = connect();
    await connection.whenConnected(5_000);
    const target = { entity_id: 'lock.front_door' };
    await assert.rejects(connection.callService('zwave_js', 'no_such_service', {}, target), (err: HaError) => err.code === 'not_found');
    await assert.rejects(connection.callService('zwave_js', 'set_lock_usercode', { code_slot: 'x', usercode: '1234' }, target), (err: HaError) => err.code === 'invalid_format');
    await assert.rejects(connection.callService('zwave_js', 'set_lock_usercode', { code_slot: 300, usercode: '1234' }, target), (err: HaError) => err.code === 'service_validation_error');
  });

  it("reads the compact registry Home Assistant's frontend uses when the full one is refused: the same entities and devices", async () => {
    const connection = connect();
    await connection.whenConnected(5_000);
    const full = await connection.entityRegistry();
    double.refuseCommand('config/entity_registry/list');
    const compact = await connection.entityRegistry(true);
    const links = (entries: typeof full) => entries.map((entry) => [entry.entity_id, entry.device_id, entry.platform, entry.entity_category ?? null]).sort();
    assert.ok(full.length >= 2, 'the lock and its battery sensor');
    assert.deepEqual(links(compact), links(full));
  });

  it('reads the address as the library needs it', () => {
    assert.equal(parseServerUrl('http://homeassistant:8123/').url, 'http://homeassistant:8123');
    assert.equal(parseServerUrl('ws://homeassistant:8123/api/websocket').url, 'http://homeassistant:8123');
    assert.equal(parseServerUrl('http://supervisor/core').supervisor, true);
    assert.match(parseServerUrl('homeassistant:8123').problem ?? '', /http/);
    assert.match(parseServerUrl('').problem ?? '', /no Home Assistant address/);
  });

  it('without a token it says so and never connects', async () => {
    const connection = connect('');
    const seen = states(connection);
    connection.start();
    assert.equal(connection.state, 'unconfigured');
    assert.match(seen[seen.length - 1].detail ?? '', /no access token/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(double.connections, 0);
  });
});

describe('the Home Assistant double speaks the websocket protocol', () => {
  let double: HaDouble;

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
  });

  afterEach(() => double.close());

  /** A raw client: every frame the double sends, in order. */
  async function rawClient(): Promise<{ socket: WebSocket; next: () => Promise<Record<string, unknown>> }> {
    const socket = new WebSocket(`${double.url.replace('http', 'ws')}/api/websocket`);
    const inbox: Record<string, unknown>[] = [];
    const waiting: Array<(message: Record<string, unknown>) => void> = [];
    socket.on('message', (data) => {
      const parsed = JSON.parse(data.toString()) as Record<string, unknown> | Record<string, unknown>[];
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
        const waiter = waiting.shift();
        if (waiter) waiter(message);
        else inbox.push(message);
      }
    });
    await new Promise((resolve) => socket.once('open', resolve));
    const next = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve)));
    return { socket, next };
  }

  it('asks for auth, answers auth_ok, and refuses ids that do not increase', async () => {
    const { socket, next } = await rawClient();
    assert.equal((await next()).type, 'auth_required');
    socket.send(JSON.stringify({ type: 'auth', access_token: TOKEN }));
    assert.deepEqual(await next(), { type: 'auth_ok', ha_version: '2025.10.1' });
    socket.send(JSON.stringify({ id: 5, type: 'ping' }));
    assert.deepEqual(await next(), { id: 5, type: 'pong' });
    socket.send(JSON.stringify({ id: 5, type: 'ping' }));
    assert.deepEqual(await next(), { id: 5, type: 'result', success: false, error: { code: 'id_reuse', message: 'Identifier values have to increase.' } });
    socket.send(JSON.stringify({ id: 6, type: 'unsubscribe_events', subscription: 99 }));
    assert.deepEqual(await next(), { id: 6, type: 'result', success: false, error: { code: 'not_found', message: 'Subscription not found.' } });
    socket.send(JSON.stringify({ id: 7, type: 'no_such_command' }));
    assert.equal(((await next()).error as { code: string }).code, 'unknown_command');
    socket.close();
  });

  it('closes the socket after auth_invalid', async () => {
    const { socket, next } = await rawClient();
    await next();
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.send(JSON.stringify({ type: 'auth', access_token: 'nope' }));
    assert.deepEqual(await next(), { type: 'auth_invalid', message: 'Invalid access token or password' });
    await closed;
  });

  it('skips an unavailable lock without an error, as Home Assistant does, but fails a read of it', async () => {
    double.addZwaveLock({ entityId: 'lock.back_door', name: 'Back door' });
    double.setAvailable('lock.back_door', false);
    const { socket, next } = await rawClient();
    await next();
    socket.send(JSON.stringify({ type: 'auth', access_token: TOKEN }));
    await next();
    const target = { entity_id: 'lock.back_door' };
    socket.send(JSON.stringify({ id: 1, type: 'call_service', domain: 'zwave_js', service: 'set_lock_usercode', service_data: { code_slot: 3, usercode: '123456' }, target }));
    assert.equal((await next()).success, true);
    assert.deepEqual(double.codes('lock.back_door'), {});
    socket.send(JSON.stringify({ id: 2, type: 'call_service', domain: 'zwave_js', service: 'get_lock_usercode', service_data: { code_slot: 3 }, target, return_response: true }));
    assert.equal(((await next()).error as { code: string }).code, 'home_assistant_error');
    socket.close();
  });
});
