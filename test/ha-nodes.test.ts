/**
 * The Home Assistant nodes in the real Node-RED runtime: a staykey-ha-server config node (token in
 * credentials), a locks config with the Z-Wave JS provider, lock-provider and the notifier's
 * Home Assistant channel, all against the HA double.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, NodeMessage } from 'node-red';
import type { HaConnection } from '../lib/ha/connection';
import type { AlertMessage, CodeMessage, CodeUsedMessage, DeliveryMessage, LockResultMessage } from '../lib/messages';
import { readOutbox } from '../lib/notify/outbox';
import { PIN_MASK } from '../lib/notify/render';
import { Vault } from '../lib/pins/vault';
import { windowFor } from '../lib/windows/window';
import { lockCommand } from './doubles/ha-fixtures';
import { HaDouble } from './doubles/ha-server';
import { eventually, helper } from './support/red';
import { nodeRedPath, nodeRedResolve } from './support/node-red-path';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [
  require('../nodes/ha-server/ha-server') as unknown,
  require('../nodes/locks-config/locks-config') as unknown,
  require('../nodes/lock-provider/lock-provider') as unknown,
  require('../nodes/notifier/notifier') as unknown,
];
/* eslint-enable @typescript-eslint/no-require-imports */

const TOKEN = 'node-test-token-abcdef0123';
const PIN = '739152';

function flow(double: HaDouble, locks: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'HA' },
    { id: 'ha', type: 'staykey-ha-server', name: 'Home', url: double.url },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'zwave-js',
      haServer: 'ha',
      locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20, reservedSlots: '1', device: 'lock.front_door', schedules: true }],
      maxAttempts: 3,
      retryDelay: 0.01,
      ...locks,
    },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['results'], ['alerts']] },
    { id: 'results', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    {
      id: 'notifier',
      type: 'staykey-notifier',
      z: 'tab',
      channel: 'ha-notify',
      haServer: 'ha',
      haService: 'notify.mobile_app_ana',
      property: 'Sea View',
      retries: 2,
      retryDelay: 0.01,
      wires: [['sent'], ['deliveries']],
    },
    { id: 'sent', type: 'helper', z: 'tab' },
    { id: 'deliveries', type: 'helper', z: 'tab' },
  ];
}

function next(id: string): Promise<NodeMessage & Record<string, unknown>> {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

function connectionOf(id: string): HaConnection {
  const connection = (helper.getNode(id) as unknown as { connection?: HaConnection }).connection;
  assert.ok(connection, 'the server config node has no connection');
  return connection;
}

async function ready(): Promise<void> {
  const connection = connectionOf('ha');
  await connection.whenConnected(5_000);
  await eventually('the entity states arrive', () => connection.entitiesKnown);
}

describe('Home Assistant nodes in Node-RED', () => {
  let double: HaDouble;
  let directory: string;
  let vault: Vault;

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
    double.addZwaveLock({ entityId: 'lock.front_door', name: 'Front door', battery: 66 });
    double.addZhaLock({ entityId: 'lock.garden_gate', name: 'Garden gate' });
    double.addNotifyService('mobile_app_ana');
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ha-nodes-'));
    vault = Vault.openDirectory(directory);
    helper.settings({ staykey: { directory } });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await double.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('puts a code on a Z-Wave lock through lock-provider, confirmed by reading the slot back', async () => {
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    await ready();
    const result = next('results');
    helper.getNode('provider').receive({ payload: { kind: 'lock-command', command: lockCommand('set', 3, 'front-door', { pin: vault.seal(PIN) }) } });
    const payload = (await result).payload as LockResultMessage;
    assert.equal(payload.ok, true, payload.error);
    assert.equal(payload.confirmed, true);
    assert.deepEqual(double.codes('lock.front_door'), { 3: PIN });
    assert.ok(!JSON.stringify(payload).includes(PIN));
  });

  it('passes a code used at the keypad on as code-used', async () => {
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    await ready();
    await eventually('lock-provider listens for keypad use', () => double.subscriptionCount('zwave_js_notification') === 1);
    const used = next('results');
    double.keypadUnlock('lock.front_door', 3);
    const message = await used;
    assert.equal(message.topic, 'code-used');
    const payload = message.payload as CodeUsedMessage;
    assert.deepEqual({ ...payload, at: undefined }, { kind: 'code-used', lockId: 'front-door', slot: 3, success: true, at: undefined });
  });

  it('answers a lock query with the battery from the lock sensor', async () => {
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    await ready();
    const state = next('results');
    helper.getNode('provider').receive({ payload: { kind: 'lock-query' } });
    const locks = ((await state).payload as { locks: Array<{ lockId: string; online: boolean; battery: number | null }> }).locks;
    assert.deepEqual(
      locks.map((lock) => [lock.lockId, lock.online, lock.battery]),
      [['front-door', true, 66]],
    );
  });

  it("tells the host once when Home Assistant will not list its entity registry, on the tasks output and in the log", async () => {
    double.refuseCommand('config/entity_registry/list');
    double.refuseCommand('config/entity_registry/list_for_display');
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    const alerts: AlertMessage[] = [];
    helper.getNode('alerts').on('input', (msg: NodeMessage) => alerts.push(msg.payload as AlertMessage));
    await eventually('the host is told', () => alerts.length === 1);
    const [payload] = alerts;
    assert.equal(payload.kind, 'alert');
    assert.equal(payload.severity, 'warning');
    assert.equal(payload.topic, 'home-assistant');
    assert.match(payload.text, /would not list its entity registry/);
    assert.match(payload.text, /token of an administrator/);
    assert.ok(!payload.text.includes(TOKEN));
  });

  it('sends a host alert through a Home Assistant notify service, and records it', async () => {
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    const sent = next('sent');
    const alert: AlertMessage = { kind: 'alert', severity: 'warning', topic: 'Front door', text: 'The battery of Front door is low.' };
    helper.getNode('notifier').receive({ payload: alert });
    const message = await sent;
    assert.equal(message.delivered, true);
    const [call] = double.callsTo('notify', 'mobile_app_ana');
    assert.ok(call, 'no notify call reached Home Assistant');
    assert.match(String(call.data.message), /The battery of Front door is low/);
    assert.match(String(call.data.title), /Front door/);
    const records = readOutbox(path.join(directory, 'outbox.jsonl'));
    assert.deepEqual(
      records.map((record) => [record.channel, record.to, record.ok]),
      [['ha-notify', 'notify.mobile_app_ana', true]],
    );
  });

  it('sends a guest code by notify, reports the delivery, and lets no code out of the flow', async () => {
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    const booking = { id: 'B9', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-14', departure: '2026-07-17', guestName: 'Ana' };
    const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front-door'] });
    const code: CodeMessage = {
      kind: 'code',
      change: 'issued',
      bookingId: 'B9',
      booking,
      window,
      codes: [{ lockId: 'front-door', lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal(PIN) }],
    };
    const sent = next('sent');
    const delivered = next('deliveries');
    helper.getNode('notifier').receive({ payload: code });
    const message = await sent;
    assert.ok(!JSON.stringify(message).includes(PIN), 'the notify went out; the flow gets the preview only');
    assert.ok(String(message.payload).includes(PIN_MASK));
    assert.ok(String(double.callsTo('notify', 'mobile_app_ana')[0].data.message).includes(PIN));
    assert.deepEqual((await delivered).payload as DeliveryMessage, { kind: 'delivery', bookingId: 'B9', channel: 'ha-notify', delivered: true });
    assert.ok(!fs.readFileSync(path.join(directory, 'outbox.jsonl'), 'utf8').includes(PIN));
  });

  it("lists the server's Z-Wave lock entities for the locks config editor, and explains an undeployed server", async () => {
    await helper.load(nodes, flow(double), { ha: { token: TOKEN } });
    const answer = await helper.request().get('/staykey/ha-server/ha/locks?platform=zwave_js');
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, { locks: [{ entityId: 'lock.front_door', name: 'Front door', state: 'locked', platform: 'zwave_js' }] });
    const services = await helper.request().get('/staykey/ha-server/ha/notify');
    assert.deepEqual(services.body, { services: ['notify.mobile_app_ana'] });
    const missing = await helper.request().get('/staykey/ha-server/not-deployed/locks');
    assert.equal(missing.status, 404);
    assert.match(String(missing.body.error), /deploy it once/);
  });

  it('reports a refused token once in the log, naming the server and not the token; commands fail at once', async () => {
    const wrong = 'wrong-token-zyx987';
    await helper.load(nodes, flow(double), { ha: { token: wrong } });
    await eventually('the token is refused', () => connectionOf('ha').state === 'auth-failed');
    const logged = helper
      .log()
      .getCalls()
      .map((call) => JSON.stringify(call.args[0]));
    const refusals = logged.filter((entry) => entry.includes('refused the access token'));
    assert.equal(refusals.length, 1);
    assert.ok(refusals[0].includes(double.url));
    assert.ok(!logged.some((entry) => entry.includes(wrong)), 'the token reached the log');
    const result = next('results');
    helper.getNode('provider').receive({ payload: { kind: 'lock-command', command: lockCommand('set', 3, 'front-door', { pin: vault.seal(PIN) }) } });
    const payload = (await result).payload as LockResultMessage;
    assert.equal(payload.ok, false);
    assert.equal(payload.reason, 'auth');
    assert.equal(payload.attempts, 1);
    assert.equal(double.connections, 1);
  });

  it('turns a lock row without a lock entity into a locks config error', async () => {
    await helper.load(nodes, flow(double, { locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20 }] }), { ha: { token: TOKEN } });
    const problem = (helper.getNode('locks') as unknown as { problem?: string }).problem;
    assert.match(problem ?? '', /lock\.front_door/);
  });
});

describe('the Home Assistant editor routes in a Node-RED runtime with admin login', function () {
  this.timeout(60_000);
  let runtime: ChildProcess | undefined;
  let base = '';
  let userDir = '';

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ha-admin-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bcrypt = require('bcrypt') as { hashSync(text: string, rounds: number): string };
    const settings = {
      uiPort: port,
      uiHost: '127.0.0.1',
      userDir,
      flowFile: 'flows.json',
      credentialSecret: 'staykey-admin-test',
      nodesDir: [path.join(__dirname, '..', 'nodes', 'ha-server')],
      adminAuth: { type: 'credentials', users: [{ username: 'host', password: bcrypt.hashSync('open sesame', 8), permissions: '*' }] },
      logging: { console: { level: 'error' } },
    };
    const settingsFile = path.join(userDir, 'settings.js');
    fs.writeFileSync(settingsFile, `module.exports = ${JSON.stringify(settings)};\n`);
    runtime = spawn(process.execPath, [nodeRedResolve('node-red/red.js'), '-s', settingsFile], { stdio: 'ignore' });
    await eventually('Node-RED answers', async () => (await fetch(`${base}/auth/login`).catch(() => undefined))?.ok === true, 45_000);
  });

  after(() => {
    runtime?.kill();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('refuses the lock list without a login, and answers a logged-in editor', async () => {
    const anonymous = await fetch(`${base}/staykey/ha-server/abc/locks`);
    assert.equal(anonymous.status, 401);
    const login = await fetch(`${base}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'host', password: 'open sesame' }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    const answer = await fetch(`${base}/staykey/ha-server/abc/locks`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(answer.status, 404);
    assert.match(((await answer.json()) as { error: string }).error, /not deployed yet/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
