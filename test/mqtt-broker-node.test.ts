/**
 * The staykey-mqtt config node in the Node-RED runtime, against a real Mosquitto with a login: it takes
 * the user and password from Node-RED credentials, and the nodes using it show how the connection is.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Mosquitto } from './support/mosquitto';
import { eventually, helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodes = ['mqtt-broker/mqtt-broker', 'ha-dashboard/ha-dashboard'].map((file) => require(`../nodes/${file}`) as unknown);

interface Watchable {
  on(event: string, listener: (call: { args: [{ text?: string; fill?: string }] }) => void): void;
}

function flow(url: string) {
  return [
    { id: 'tab', type: 'tab', label: 'broker' },
    { id: 'broker', type: 'staykey-mqtt', url },
    { id: 'dash', type: 'staykey-ha-dashboard', z: 'tab', mqttBroker: 'broker', prefix: 'homeassistant' },
  ];
}

describe('staykey-mqtt config node (real broker with a login)', () => {
  let broker: Mosquitto;
  let directory: string;
  let statuses: string[];

  before(async () => {
    broker = await Mosquitto.start({ users: { nodered: 'door-secret-1' } });
  });

  after(async () => {
    await broker.close();
  });

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-mqtt-node-'));
    helper.settings({ staykey: { directory } });
    statuses = [];
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    if (!broker.isRunning) await broker.restart();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function load(url: string, credentials: Record<string, unknown>): Promise<void> {
    await helper.load(nodes, flow(url), { broker: credentials });
    (helper.getNode('dash') as unknown as Watchable).on('call:status', (call) => statuses.push(call.args[0].text ?? ''));
  }

  it('logs in with the user and password kept in Node-RED credentials; the nodes using it show the connection', async () => {
    await load(broker.url, { user: 'nodered', password: 'door-secret-1' });
    await eventually('connected', () => statuses.includes('0 locks in HA'));
  });

  it('shows a refused login on the nodes using it, without the password anywhere', async () => {
    await load(broker.url, { user: 'nodered', password: 'wrong-secret-2' });
    await eventually('refused', () => statuses.includes('broker refused login'));
    const link = (helper.getNode('broker') as unknown as { mqttLink(): { problem?: string } }).mqttLink();
    assert.match(link.problem ?? '', /refused/);
    assert.ok(!JSON.stringify(statuses).includes('wrong-secret-2'));
    assert.ok(!(link.problem ?? '').includes('wrong-secret-2'));
  });

  it('shows the broker going away and coming back, and reconnects by itself', async () => {
    await load(broker.url, { user: 'nodered', password: 'door-secret-1' });
    await eventually('connected', () => statuses.includes('0 locks in HA'));
    await broker.restart();
    await eventually('offline shown', () => statuses.includes('broker offline'));
    await eventually('connected again', () => statuses.lastIndexOf('0 locks in HA') > statuses.indexOf('broker offline'), 15_000);
  });

  it('refuses a URL with the password in it at deploy, without repeating the password', async () => {
    await load('mqtt://nodered:door-secret-1@127.0.0.1:1', {});
    const problem = (helper.getNode('broker') as unknown as { problem?: string }).problem ?? '';
    assert.match(problem, /in their own fields/);
    assert.ok(!problem.includes('door-secret-1'));
  });
});
