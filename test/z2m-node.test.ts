/**
 * lock-provider driving a Zigbee2MQTT lock in the real Node-RED runtime: a locks config with provider
 * zigbee2mqtt, a staykey-mqtt broker config, the lock double on a real Mosquitto, and a manual clock
 * for the runner's backoff, so an hour off the mesh takes a moment.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectAsync } from 'mqtt';
import type { NodeMessage } from 'node-red';
import type { CodeUsedMessage, LockCommand, LockResultMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { Zigbee2MqttLocks } from '../lib/locks/zigbee2mqtt/zigbee2mqtt';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { bridgeDevices, Z2mLockDouble } from './doubles/z2m-lock';
import { Mosquitto } from './support/mosquitto';
import { eventually, helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mqttBrokerNode = require('../nodes/mqtt-broker/mqtt-broker') as (RED: unknown) => void;

const PIN = '604217';
const nodes = [mqttBrokerNode, locksConfigNode, lockProviderNode];

function flow(brokerUrl: string, locksConfig: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'z2m' },
    { id: 'broker', type: 'staykey-mqtt', url: brokerUrl, verifyCertificate: true },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'zigbee2mqtt',
      mqttBroker: 'broker',
      z2mBaseTopic: 'zigbee2mqtt',
      locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 0, lastSlot: 9, device: 'Front door', schedules: true }],
      maxAttempts: 60,
      retryDelay: 2,
      ...locksConfig,
    },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['results'], ['alerts']] },
    { id: 'results', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['provider'], wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

function setCommand(vault: Vault, slot = 2, id = 'set-1'): { payload: unknown } {
  const command: LockCommand = {
    id,
    action: 'set',
    lockId: 'front-door',
    slot,
    codeId: 'code-1',
    name: 'Ana Costa',
    pin: vault.seal(PIN),
    startsAt: '2027-03-27T16:00:00.000Z',
    endsAt: '2027-03-30T10:30:00.000Z',
  };
  return { payload: { kind: 'lock-command', command } };
}

function next(id: string, test: (msg: NodeMessage) => boolean = () => true): Promise<NodeMessage> {
  return new Promise((resolve) => {
    const node = helper.getNode(id);
    const listener = (msg: NodeMessage) => {
      if (!test(msg)) return;
      node.removeListener('input', listener);
      resolve(msg);
    };
    node.on('input', listener);
  });
}

const isResult = (msg: NodeMessage) => (msg.payload as { kind?: string }).kind === 'lock-result';

describe('lock-provider with Zigbee2MQTT locks (real broker, lock double)', () => {
  let broker: Mosquitto;
  let lock: Z2mLockDouble;
  let directory: string;
  let vault: Vault;
  let clock: ManualClock;

  before(async () => {
    broker = await Mosquitto.start();
  });

  after(async () => {
    await broker.close();
  });

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-z2m-node-'));
    vault = Vault.openDirectory(directory);
    clock = new ManualClock('2027-03-27T16:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    lock = await Z2mLockDouble.start({ url: broker.url, name: 'Front door', exposePin: true });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await lock.close();
    if (!broker.isRunning) await broker.restart();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function provider(): Zigbee2MqttLocks {
    const found = (helper.getNode('locks') as unknown as LockSetNode).lockSet.provider;
    assert.ok(found instanceof Zigbee2MqttLocks);
    return found;
  }

  async function loaded(): Promise<void> {
    await helper.load(nodes, flow(broker.url));
    await eventually('the lock is seen online', async () => (await provider().status('front-door')).online);
  }

  /** Moves the manual clock on while real time lets the broker and the lock answer. */
  async function runClock(until: () => boolean, stepMs: number, maxSteps = 5_000): Promise<void> {
    for (let step = 0; step < maxSteps && !until(); step++) {
      clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }

  it('sets a code on the lock, confirmed by reading that one slot back, and keeps the lock\'s dates out of it', async () => {
    await loaded();
    assert.equal(provider().kind, 'zigbee2mqtt');
    const result = next('results', isResult);
    helper.getNode('provider').receive(setCommand(vault));
    const payload = (await result).payload as LockResultMessage;
    assert.deepEqual([payload.ok, payload.confirmed, payload.attempts], [true, true, 1], payload.error);
    assert.deepEqual(lock.codes(), [{ user: 2, pin: PIN, enabled: true }]);
    assert.equal(lock.fullReads, 0);
    // Zigbee user codes carry no dates, whatever the row said: the ledger times them itself.
    assert.equal((helper.getNode('locks') as unknown as LockSetNode).lockSet.lock('front-door')?.schedules, false);
  });

  it('finishes a command to a lock that was off the mesh for an hour, once it is back, writing it once', async () => {
    await loaded();
    await lock.dropOffMesh('announced');
    await eventually('offline seen', async () => !(await provider().status('front-door')).online);
    const statuses: string[] = [];
    const watched = helper.getNode('provider') as unknown as { on(event: string, listener: (call: { args: [{ text?: string }] }) => void): void };
    watched.on('call:status', (call) => statuses.push(call.args[0].text ?? ''));
    const outcome: { result?: LockResultMessage } = {};
    const latest = (): LockResultMessage | undefined => outcome.result;
    void next('results', isResult).then((msg) => (outcome.result = msg.payload as LockResultMessage));
    helper.getNode('provider').receive(setCommand(vault));

    const start = clock.now().getTime();
    await runClock(() => clock.now().getTime() - start >= 60 * 60_000, 30_000);
    assert.equal(latest(), undefined, 'the command ended while the lock was away');
    assert.equal(lock.commands.length, 0, 'commands went to a lock Zigbee2MQTT says is offline');
    assert.ok(statuses.some((text) => /^retry \d+\/60 front-door$/.test(text)), `statuses: ${statuses.join(', ')}`);

    await lock.backOnMesh();
    await eventually('online again', async () => (await provider().status('front-door')).online);
    await runClock(() => latest() !== undefined, 30_000);
    const result = latest();
    assert.ok(result, 'no result');
    assert.equal(result.ok, true, result.error);
    assert.equal(result.confirmed, true);
    assert.ok(result.attempts > 1);
    assert.equal(lock.writes(2), 1, 'the code was written more than once');
  });

  it('finishes a command when the broker restarts between the command and the lock\'s answer', async () => {
    await loaded();
    lock.holdAnswers();
    const outcome: { result?: LockResultMessage } = {};
    const latest = (): LockResultMessage | undefined => outcome.result;
    void next('results', isResult).then((msg) => (outcome.result = msg.payload as LockResultMessage));
    helper.getNode('provider').receive(setCommand(vault, 5));
    await eventually('the lock got the command', () => lock.commands.length === 1);
    await broker.stop();
    lock.releaseAnswers();
    await broker.restart();
    await runClock(() => latest() !== undefined, 1_000);
    const result = latest();
    assert.ok(result, 'no result');
    assert.equal(result.ok, true, result.error);
    assert.equal(lock.writes(5), 1, 'the code was written more than once');
  });

  it('shows "broker offline" on its status while the broker is down, and its locks again once it is back', async () => {
    await loaded();
    const statuses: string[] = [];
    helper.getNode('provider').on('call:status', (call) => statuses.push((call.args[0] as { text?: string }).text ?? ''));
    await broker.stop();
    await eventually('the broker is shown offline', () => statuses.includes('broker offline'));
    await broker.restart();
    await eventually('the locks are shown again', () => statuses.at(-1) === '1 lock');
    assert.ok(statuses.indexOf('broker offline') < statuses.lastIndexOf('1 lock'), `statuses: ${statuses.join(', ')}`);
  });

  it('sends keypad use on output 1 as code-used: the slot on success, none for a wrong PIN', async () => {
    await loaded();
    const set = next('results', isResult);
    helper.getNode('provider').receive(setCommand(vault, 3));
    await set;
    const used = next('results', (msg) => msg.topic === 'code-used');
    await lock.pressKeypad(PIN);
    const payload = (await used).payload as CodeUsedMessage;
    assert.deepEqual(payload, { kind: 'code-used', lockId: 'front-door', slot: 3, success: true, at: clock.now().toISOString() });
    const wrong = next('results', (msg) => msg.topic === 'code-used');
    await lock.pressKeypad('111111');
    assert.deepEqual(((await wrong).payload as CodeUsedMessage).slot, null);
  });

  it('reports a locks config without a broker to Catch nodes', async () => {
    await helper.load(nodes, flow(broker.url, { mqttBroker: '' }));
    const caught = next('caught');
    helper.getNode('provider').receive(setCommand(vault));
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /Zigbee2MQTT locks need an MQTT broker/);
  });

  it('lists Zigbee2MQTT devices for the editor from the deployed broker config', async () => {
    await loaded();
    // Zigbee2MQTT's bridge keeps its device list retained.
    const bridge = await connectAsync(broker.url);
    await bridge.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices(['Front door', 'Back door'], ['Hall light'])), {
      retain: true,
      qos: 1,
    });
    await bridge.endAsync();
    const answer = await helper.request().get('/staykey/zigbee2mqtt/devices?broker=broker&base=zigbee2mqtt');
    assert.equal(answer.status, 200);
    const body = answer.body as { devices: Array<{ name: string; lock: boolean }>; connected: boolean };
    assert.deepEqual(
      body.devices.map((device) => [device.name, device.lock]),
      [
        ['Back door', true],
        ['Front door', true],
        ['Hall light', false],
      ],
    );
    assert.equal(body.connected, true);
    const missing = await helper.request().get('/staykey/zigbee2mqtt/devices?broker=nope');
    assert.equal(missing.status, 404);
  });

  it('guards the device list with the staykey-mqtt.read permission', () => {
    const routes: Array<{ path: string; handlers: unknown[] }> = [];
    const permissions: string[] = [];
    const fakeRed = {
      nodes: { registerType: () => undefined, createNode: () => undefined, getNode: () => null },
      httpAdmin: { get: (route: string, ...handlers: unknown[]) => routes.push({ path: route, handlers }) },
      auth: {
        needsPermission: (permission: string) => {
          permissions.push(permission);
          return `needs ${permission}`;
        },
      },
    };
    mqttBrokerNode(fakeRed);
    const route = routes.find((entry) => entry.path === '/staykey/zigbee2mqtt/devices');
    assert.ok(route, 'no device route');
    assert.equal(route.handlers[0], 'needs staykey-mqtt.read');
    assert.deepEqual(permissions, ['staykey-mqtt.read']);
  });
});
