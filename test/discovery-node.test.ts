/**
 * The ha-dashboard node in the real Node-RED runtime, with a staykey-mqtt broker config on a real
 * Mosquitto: the locks config's locks become Home Assistant devices, battery-watch's reports reach
 * them, bad input goes to Catch nodes, and no PIN is ever published.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, MqttClient } from 'mqtt';
import type { NodeMessage } from 'node-red';
import { Vault } from '../lib/pins/vault';
import { Mosquitto } from './support/mosquitto';
import { eventually, helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodes = ['mqtt-broker/mqtt-broker', 'locks-config/locks-config', 'battery-watch/battery-watch', 'ha-dashboard/ha-dashboard'].map((file) => require(`../nodes/${file}`) as unknown);

const PIN = '518204';

function flow(brokerUrl: string, dashboard: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'dashboard' },
    { id: 'broker', type: 'staykey-mqtt', url: brokerUrl },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'simulated',
      latency: 0,
      locks: [
        { id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20 },
        { id: 'garden-gate', name: 'Garden gate', codeLength: 6, firstSlot: 1, lastSlot: 20 },
      ],
    },
    { id: 'battery', type: 'staykey-battery-watch', z: 'tab', locks: 'locks', checkAt: '09:00', timeZone: 'Europe/Lisbon', wires: [['dash'], []] },
    { id: 'dash', type: 'staykey-ha-dashboard', z: 'tab', mqttBroker: 'broker', prefix: 'homeassistant', locks: 'locks', ...dashboard },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['dash'], wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

describe('ha-dashboard node (real broker)', () => {
  let broker: Mosquitto;
  let directory: string;
  let ha: MqttClient;
  let seen: Array<{ topic: string; payload: string }>;

  beforeEach(async () => {
    broker = await Mosquitto.start();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-dashboard-'));
    helper.settings({ staykey: { directory } });
    seen = [];
    // Home Assistant, listening to everything StayKey could publish.
    ha = connect(broker.url, { reconnectPeriod: 100 });
    ha.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
    await new Promise<void>((resolve) => ha.once('connect', () => resolve()));
    await ha.subscribeAsync('#', { qos: 1 });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await ha.endAsync(true);
    await broker.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  const config = (topic: string) => {
    const found = [...seen].reverse().find((m) => m.topic === topic);
    return found ? (JSON.parse(found.payload) as Record<string, unknown>) : undefined;
  };
  const value = (topic: string) => [...seen].reverse().find((m) => m.topic === topic)?.payload;

  it('makes the locks config\'s locks Home Assistant devices at once, with the provider as their model', async () => {
    await helper.load(nodes, flow(broker.url));
    await eventually('both devices discovered', () => !!config('homeassistant/sensor/staykey_garden-gate/battery/config') && !!config('homeassistant/binary_sensor/staykey_front-door/online/config'));
    const battery = config('homeassistant/sensor/staykey_front-door/battery/config')!;
    assert.deepEqual(battery.device, { identifiers: ['staykey_front-door'], name: 'Front door', manufacturer: 'StayKey', model: 'simulated' });
    assert.deepEqual(battery.availability, [{ topic: 'staykey/broker/availability', payload_available: 'online', payload_not_available: 'offline' }]);
    await eventually('online', () => value('staykey/broker/availability') === 'online');
    const statuses: string[] = [];
    const dash = helper.getNode('dash') as unknown as { on(event: string, listener: (call: { args: [{ text?: string }] }) => void): void };
    dash.on('call:status', (call) => statuses.push(call.args[0].text ?? ''));
    helper.getNode('dash').receive({ payload: { kind: 'lock-summary', locks: [] } });
    await eventually('status shows the locks', () => statuses.includes('2 locks in HA'));
  });

  it('passes battery-watch\'s report on to Home Assistant', async () => {
    await helper.load(nodes, flow(broker.url));
    helper.getNode('battery').receive({ payload: Date.now() });
    await eventually('battery values', () => value('staykey/garden-gate/battery') !== undefined && value('staykey/front-door/online') !== undefined);
    assert.equal(value('staykey/front-door/battery'), '100');
    assert.equal(value('staykey/front-door/battery_state'), 'healthy');
    assert.equal(value('staykey/front-door/online'), 'ON');
  });

  it('publishes a lock summary and code use, and never a PIN, whatever the message carries', async () => {
    await helper.load(nodes, flow(broker.url));
    const sealed = Vault.openDirectory(directory).seal(PIN);
    helper.getNode('dash').receive({
      payload: {
        kind: 'lock-summary',
        locks: [
          { lockId: 'front-door', name: 'Front door', activeGuestCodes: 1, nextArrival: '2027-04-02T15:00:00Z', lastCodeUsedAt: null, pin: PIN, sealed },
        ],
      },
    });
    helper.getNode('dash').receive({ payload: { kind: 'code-used', lockId: 'front-door', slot: 3, success: true, at: '2027-03-28T15:12:00Z', pin: PIN } });
    await eventually('values', () => value('staykey/front-door/last_code_used') === '2027-03-28T15:12:00.000Z');
    assert.equal(value('staykey/front-door/active_codes'), '1');
    assert.equal(value('staykey/front-door/next_arrival'), '2027-04-02T15:00:00.000Z');
    const everything = JSON.stringify(seen);
    assert.ok(!everything.includes(PIN), 'a PIN reached MQTT');
    assert.ok(!everything.includes(sealed), 'a sealed PIN reached MQTT');
  });

  it('sends input it does not take to Catch nodes', async () => {
    await helper.load(nodes, flow(broker.url));
    const caught = new Promise<NodeMessage>((resolve) => helper.getNode('caught').once('input', resolve));
    // A lock result shares lock-provider's output with code use: passed over, not an error.
    helper.getNode('dash').receive({ payload: { kind: 'lock-result', commandId: 'c1', ok: true } });
    helper.getNode('dash').receive({ payload: { kind: 'booking' } });
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /ha-dashboard takes battery-report, lock-summary or code-used messages, not "booking"/);
    const second = new Promise<NodeMessage>((resolve) => helper.getNode('caught').once('input', resolve));
    helper.getNode('dash').receive({ payload: { kind: 'lock-summary', locks: [{ lockId: 'front-door', activeGuestCodes: 1, nextArrival: 'soon' }] } });
    const bad = (await second) as NodeMessage & { error: { message: string } };
    assert.match(bad.error.message, /nextArrival must be an ISO date/);
  });

  it('says so when no broker is chosen', async () => {
    await helper.load(nodes, flow(broker.url, { mqttBroker: '' }));
    const caught = new Promise<NodeMessage>((resolve) => helper.getNode('caught').once('input', resolve));
    helper.getNode('dash').receive({ payload: { kind: 'lock-summary', locks: [] } });
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /no MQTT broker/);
  });
});
