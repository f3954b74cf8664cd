/**
 * examples/ha-dashboard - batteries and codes in Home Assistant.json does what its comment promises,
 * once its broker config points at a broker (here a real Mosquitto of the test's own): each button puts
 * what it says into Home Assistant's entities.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, MqttClient } from 'mqtt';
import { Mosquitto } from './support/mosquitto';
import { eventually, helper } from './support/red';
import { nodeRedResolve } from './support/node-red-path';

type FlowNode = { id: string; type: string; name?: string; z?: string; wires?: string[][]; [key: string]: unknown };

const root = path.join(__dirname, '..', '..');
const example = JSON.parse(
  fs.readFileSync(path.join(root, 'examples', 'ha-dashboard - batteries and codes in Home Assistant.json'), 'utf8'),
) as FlowNode[];
const named = (name: string) => example.find((node) => node.name === name)!;

function nodeModules(): unknown[] {
  const built = path.join(__dirname, '..', 'nodes');
  const core = path.join(path.dirname(nodeRedResolve('@node-red/nodes/package.json')), 'core', 'common');
  const files = [
    path.join(built, 'mqtt-broker', 'mqtt-broker.js'),
    path.join(built, 'locks-config', 'locks-config.js'),
    path.join(built, 'battery-watch', 'battery-watch.js'),
    path.join(built, 'ha-dashboard', 'ha-dashboard.js'),
    path.join(core, '20-inject.js'),
    path.join(core, '21-debug.js'),
    path.join(core, '25-catch.js'),
    path.join(core, '90-comment.js'),
  ];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return files.map((file) => require(file) as unknown);
}

describe('the ha-dashboard example', function () {
  this.timeout(30_000);
  let broker: Mosquitto;
  let directory: string;
  let ha: MqttClient;
  const seen = new Map<string, string>();

  before(async () => {
    broker = await Mosquitto.start();
    ha = connect(broker.url, { reconnectPeriod: 100 });
    ha.on('message', (topic, payload) => seen.set(topic, payload.toString()));
    await new Promise<void>((resolve) => ha.once('connect', () => resolve()));
    await ha.subscribeAsync(['homeassistant/#', 'staykey/#'], { qos: 1 });
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-dashboard-example-'));
    helper.settings({ staykey: { directory } });
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    await ha.endAsync(true);
    await broker.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('is set up for the Home Assistant add-on, on simulated locks, without secrets', () => {
    assert.equal(named('Home Assistant broker').url, 'mqtt://core-mosquitto:1883');
    assert.equal(named('Simulated locks').provider, 'simulated');
    for (const node of example) assert.ok(!('credentials' in node), `${node.name ?? node.type} carries credentials`);
  });

  it('shows the locks, their batteries, the summaries and a guest opening the door in Home Assistant', async () => {
    const flow = example.map((node) => (node.type === 'staykey-mqtt' ? { ...node, url: broker.url } : { ...node }));
    await helper.load(nodeModules(), flow);
    await eventually('both locks discovered', () =>
      ['front-door', 'garden-gate'].every((id) => seen.has(`homeassistant/binary_sensor/staykey_${id}/online/config`)),
    );
    assert.equal((JSON.parse(seen.get('homeassistant/sensor/staykey_front-door/battery/config')!) as { device: { model: string } }).device.model, 'simulated');

    helper.getNode(named('check batteries now').id).receive({ payload: Date.now() });
    await eventually('batteries', () => seen.get('staykey/front-door/battery') === '100' && seen.get('staykey/garden-gate/online') === 'ON');
    assert.equal(seen.get('staykey/front-door/battery_state'), 'healthy');

    helper.getNode(named('example: lock summaries').id).receive({});
    await eventually('summaries', () => seen.get('staykey/front-door/active_codes') === '1' && seen.get('staykey/garden-gate/active_codes') === '0');
    assert.ok(!Number.isNaN(Date.parse(seen.get('staykey/front-door/next_arrival') ?? '')));
    assert.equal(seen.get('staykey/garden-gate/next_arrival'), 'None');
    assert.equal((JSON.parse(seen.get('staykey/front-door/last_code_used/attributes')!) as { by: string }).by, 'Ana Costa');

    const before = seen.get('staykey/front-door/last_code_used');
    helper.getNode(named('example: a guest opens the front door').id).receive({});
    await eventually('the door opened just now', () => seen.get('staykey/front-door/last_code_used') !== before);
    assert.ok(Date.parse(seen.get('staykey/front-door/last_code_used')!) > Date.parse(before!));
  });
});
