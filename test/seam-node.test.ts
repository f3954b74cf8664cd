/**
 * Seam in a real Node-RED runtime: a seam-account (API key as a credential), a locks config with
 * provider Seam, lock-provider and pin-issuer wired in a loop, against Seam's own fake server, on a
 * ManualClock. A booking's code ends up as a time-bound access code on the Seam lock with the guest's
 * window; a wrong key is an auth problem the host sees, never a crash and never the key in a log; an
 * outage of Seam's create across a restart loses nothing and doubles nothing; the editor's device
 * list shows the workspace's locks as rows.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { Booking } from '../lib/bookings/booking';
import type { LedgerData } from '../lib/ledger/ledger-types';
import type { AlertMessage, CodeMessage, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { SEAM_KEY, SEAM_LOCKS, SeamFake } from './doubles/seam-fake';
import { helper, stayKeyNodes } from './support/red';
import { clearRecorded, messages, RECORDER, recorderNode } from './support/recorder';
import { readFileLedger } from '../lib/ledger/ledger-file';

/* eslint-disable @typescript-eslint/no-require-imports */
const seamAccountNode = require('../nodes/seam-account/seam-account') as unknown;
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;
const pinIssuerNode = require('../nodes/pin-issuer/pin-issuer') as unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

type FlowNode = { id: string; type: string; z?: string; name?: string; [key: string]: unknown };

const modules = [seamAccountNode, locksConfigNode, lockProviderNode, pinIssuerNode, recorderNode];
const DEVICE = SEAM_LOCKS.augustFront;

function flow(endpoint: string): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'Seam' },
    { id: 'seam', type: 'staykey-seam-account', name: 'Seam', endpoint, workspaceId: '', timeout: 20 },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'seam',
      seamAccount: 'seam',
      locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: '4x AA', device: DEVICE }],
      maxAttempts: 30,
      retryDelay: 1,
    },
    { id: 'issuer', type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', commandTimeoutMinutes: 120, retryFailedAfterMinutes: 60, wires: [['provider'], ['codes'], ['alerts']] },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['issuer', 'results'], ['provider-alerts']] },
    { id: 'results', type: RECORDER, z: 'tab' },
    { id: 'codes', type: RECORDER, z: 'tab' },
    { id: 'alerts', type: RECORDER, z: 'tab' },
    { id: 'provider-alerts', type: RECORDER, z: 'tab' },
  ];
}

const booking: Booking = { id: 'HM4KX2@airbnb.com', unit: 'Loft', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada Lovelace-Byron' };

function windowMessage(): WindowMessage {
  const window = windowFor(booking, {
    checkIn: '16:00',
    checkOut: '11:00',
    timeZone: 'America/New_York',
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    leadHours: 48,
    locks: ['front-door'],
  });
  return { kind: 'window', change: 'created', booking, window };
}

/** Airbnb's calendar export: one stay, "Reserved". */
const AIRBNB_FEED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN',
  'BEGIN:VEVENT',
  'UID:1418fb94e984-8a52c2a7ff0e2e4c3d0a7b4e@airbnb.com',
  'DTSTAMP:20260701T120000Z',
  'DTSTART;VALUE=DATE:20260710',
  'DTEND;VALUE=DATE:20260712',
  'SUMMARY:Reserved',
  'DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMQ4Z2XK8P\\nPhone Number (Last 4 Digits): 7731',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/** The feed on 127.0.0.1, as Airbnb would serve it. */
async function serveFeed(text: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/calendar; charset=utf-8' });
    response.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/calendar/ical/4242.ics?s=feed-secret`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Moves the clock in small steps, letting sockets and timers run, until `check` holds. */
async function driveUntil(clock: ManualClock, what: string, check: () => boolean, stepMs = 250, maxSteps = 8_000): Promise<void> {
  for (let step = 0; step < maxSteps; step++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
    clock.advance(stepMs);
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** The statuses node `id` showed (the helper spies on every node's status at once). */
function statusesOf(id: string): Array<{ fill?: string; text?: string }> {
  const node = helper.getNode(id);
  return node.status
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0] as { fill?: string; text?: string });
}

/** Every status, log line, node error and message the runtime produced, as one text. */
function everythingShown(): string {
  const nodes = ['issuer', 'provider'].map((id) => helper.getNode(id)).filter(Boolean);
  const statuses = nodes.flatMap((node) => node.status.getCalls?.() ?? []).map((call) => JSON.stringify(call.args));
  const errors = nodes.flatMap((node) => [...(node.error.getCalls?.() ?? []), ...(node.warn.getCalls?.() ?? [])]).map((call) => JSON.stringify(call.args, (_key, value: unknown) => (value instanceof Error ? value.message : value)));
  const logs = helper.log().getCalls().map((call) => JSON.stringify(call.args));
  const sent = ['results', 'codes', 'alerts', 'provider-alerts'].flatMap((id) => messages(id).map((msg) => JSON.stringify(msg)));
  return [...statuses, ...errors, ...logs, ...sent].join('\n');
}

describe('Seam in a Node-RED flow (Seam\'s own fake)', function () {
  this.timeout(120_000);
  let directory: string;
  let clock: ManualClock;
  let fake: SeamFake;
  let vault: Vault;

  const ledger = () => readFileLedger(path.join(directory, 'ledgers', 'issuer.json'))!;
  const load = (apiKey = SEAM_KEY) => helper.load(modules, flow(fake.url), { seam: { apiKey } });
  const told = () => messages('codes').map((msg) => msg.payload as CodeMessage);
  const ours = () => fake.codesOn(DEVICE).filter((code) => !code.is_backup);

  before(async () => {
    fake = await SeamFake.start();
  });

  after(async () => {
    await fake?.stop();
  });

  beforeEach(async () => {
    clearRecorded();
    fake.removeCodes(DEVICE);
    fake.recover();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-seam-node-'));
    vault = Vault.openDirectory(directory);
    clock = new ManualClock('2026-07-09T00:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    fake.recover();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("puts a booking's code on the Seam lock as a time-bound access code, and pin-issuer reports it on the lock", async () => {
    await load();
    helper.getNode('issuer').receive({ payload: windowMessage() });
    await driveUntil(clock, 'the guest is told', () => told().length > 0);

    assert.equal(ours().length, 1, 'one access code on the device');
    const [held] = ours();
    assert.equal(held.type, 'time_bound');
    assert.equal(held.starts_at, '2026-07-10T20:00:00.000Z', '16:00 in New York');
    assert.equal(held.ends_at, '2026-07-13T15:00:00.000Z', '11:00 in New York');
    assert.equal(held.status, 'unset', 'Seam holds it until shortly before the start');
    const pin = String(held.code);
    assert.match(pin, /^[0-9]{6}$/);

    const entry = ledger().codes[`${booking.id}@front-door`];
    assert.equal(entry.state, 'confirmed');
    assert.equal(held.name, entry.name, 'the name pin-issuer gives every provider');
    assert.ok(String(held.name).length <= 20 && !String(held.name).includes(booking.id) && !String(held.name).includes('Lovelace-Byron'));

    const [message] = told();
    assert.equal(message.change, 'issued');
    assert.equal(vault.open(message.codes[0].pin!), pin, 'the guest gets the code Seam has');
    const results = messages('results').map((msg) => msg.payload as LockResultMessage).filter((result) => result.kind === 'lock-result');
    assert.ok(results.some((result) => result.action === 'set' && result.ok), 'the lock-provider reports the code set');
    assert.deepEqual(messages('alerts'), []);
    assert.deepEqual(messages('provider-alerts'), []);

    // Seam programs the lock later: the code stays StayKey's, and nothing is written again.
    fake.markSet(held.access_code_id);
    clock.advance(36 * 3600_000);
    await driveUntil(clock, 'a while of reads', () => false, 1000, 200).catch(() => undefined);
    assert.equal(ours().length, 1);
    assert.equal(ours()[0].access_code_id, held.access_code_id);

    const shown = everythingShown();
    assert.ok(!shown.includes(pin), 'no PIN in statuses, logs or messages');
    assert.ok(!shown.includes(SEAM_KEY), 'no API key in statuses, logs or messages');
    const state = fs.readFileSync(path.join(directory, 'locks', 'locks.seam.json'), 'utf8');
    assert.ok(state.includes(held.access_code_id) && !state.includes(pin) && !state.includes(SEAM_KEY), 'the slot map is kept, without the PIN or the key');
  });

  it('shows a wrong API key as an auth problem, crashes nothing, writes nothing and never shows the key', async () => {
    const wrongKey = 'seam_wrongkey_7TqZ9v2Lm8Xc4Rb1';
    await load(wrongKey);
    helper.getNode('issuer').receive({ payload: windowMessage() });
    const alerts = () => messages('alerts').map((msg) => msg.payload as AlertMessage);
    await driveUntil(clock, 'the host is alerted', () => alerts().some((alert) => alert.topic === 'lock-read'));

    const results = messages('results').map((msg) => msg.payload as LockResultMessage).filter((result) => result.kind === 'lock-result');
    assert.deepEqual([results[0].action, results[0].reason, results[0].attempts], ['read', 'auth', 1], 'a refused key is not tried 30 times');
    assert.match(String(results[0].error), /Seam refused the API key \(401\)/);
    const statuses = statusesOf('provider');
    assert.ok(statuses.some((status) => status.fill === 'red' && status.text === 'front-door auth'), 'the lock-provider shows the refusal');
    assert.equal(ours().length, 0, 'nothing written with a refused key');
    assert.ok(helper.getNode('issuer') && helper.getNode('provider'), 'the nodes are still running');

    const shown = everythingShown();
    assert.ok(!shown.includes(wrongKey), 'the key is in no status, log line, error or message');
    assert.ok(!shown.includes(SEAM_KEY));
  });

  it('reports a missing API key on the lock-provider without asking Seam anything', async () => {
    await load('');
    const problem = (helper.getNode('locks') as unknown as { problem?: string }).problem ?? '';
    assert.match(problem, /locks config: the Seam account has no API key: make one in the Seam console \(Developer > API keys\)/);
    const statuses = statusesOf('provider');
    assert.equal(statuses[statuses.length - 1]?.fill, 'red');
    assert.match(String(statuses[statuses.length - 1]?.text), /^locks config: the Seam account/);
    helper.getNode('issuer').receive({ payload: windowMessage() });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ours().length, 0);
  });

  it("survives an outage of Seam's create across a restart: the code ends on the lock once, and the guest is told", async () => {
    fake.outage(['/access_codes/create']);
    await load();
    helper.getNode('issuer').receive({ payload: windowMessage() });
    const retries = () => statusesOf('provider').filter((status) => /^retry \d+/.test(String(status.text))).length;
    await driveUntil(clock, 'StayKey has retried during the outage', () => retries() >= 3, 100);
    assert.equal(ours().length, 0);
    assert.deepEqual(told(), []);
    const pending = JSON.parse(fs.readFileSync(path.join(directory, 'locks', 'locks.seam.json'), 'utf8')) as { devices: Record<string, { pending: Record<string, unknown> }> };
    assert.equal(Object.keys(pending.devices[DEVICE].pending).length, 1, 'the create sent is remembered across the restart');

    await helper.unload();
    clock.advance(10 * 60_000);
    fake.recover();
    await load();
    await driveUntil(clock, 'the guest is told after the restart', () => told().length > 0);

    assert.equal(ours().length, 1, 'exactly one code for the booking');
    const [held] = ours();
    assert.equal(held.starts_at, '2026-07-10T20:00:00.000Z');
    assert.equal(vault.open(told()[0].codes[0].pin!), String(held.code));
    assert.equal(ledger().codes[`${booking.id}@front-door`].state, 'confirmed');
    assert.equal(told().length, 1, 'the guest is told once');
    assert.ok(!everythingShown().includes(String(held.code)));
  });

  it('runs the shipped Airbnb -> Seam flow once its key and device id are filled in', async () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'flows', 'airbnb-seam.json'), 'utf8')) as FlowNode[];
    const account = shipped.find((node) => node.type === 'staykey-seam-account')!;
    const locksConfig = shipped.find((node) => node.type === 'staykey-locks')!;
    assert.equal(locksConfig.provider, 'seam');
    assert.equal(locksConfig.seamAccount, account.id);
    assert.equal(account.endpoint, 'https://connect.getseam.com');
    assert.ok(shipped.every((node) => !('credentials' in node)), 'no key and no feed address in the shipped file');
    const byName = (name: string) => shipped.find((node) => node.name === name)!;
    const testFlow = shipped
      .filter((node) => node.type !== 'comment')
      .map((node): FlowNode => {
        if (node.type === 'inject' || node.type === 'debug') return { id: node.id, type: RECORDER, z: node.z };
        if (node.id === account.id) return { ...node, endpoint: fake.url };
        if (node.id === locksConfig.id) return { ...node, locks: (node.locks as object[]).map((row) => ({ ...row, device: DEVICE })) };
        if (node.type === 'staykey-access-window') return { ...node, timeZone: 'America/New_York' };
        return node;
      });
    const feed = await serveFeed(AIRBNB_FEED);
    try {
      await helper.load([...stayKeyNodes(), recorderNode], testFlow, { [account.id]: { apiKey: SEAM_KEY }, [byName('Airbnb feed').id]: { url: `airbnb ${feed.url}` } });
      const outbox = byName('messages (codes hidden)').id;
      const toGuest = () => messages(outbox).find((msg) => (msg as NodeMessage & { audience?: string }).audience === 'guest');
      await driveUntil(clock, 'the guest message is written', () => toGuest() !== undefined);
      assert.equal(ours().length, 1);
      const [held] = ours();
      assert.equal(held.starts_at, '2026-07-10T20:00:00.000Z', '16:00 in New York');
      assert.equal(held.ends_at, '2026-07-12T15:30:00.000Z', '11:00 in New York and the 30-minute buffer');
      const guest = toGuest() as NodeMessage & { preview?: string };
      assert.ok(String(guest.payload).includes(String(held.code)), 'the guest gets the code Seam has');
      assert.ok(!String(guest.preview).includes(String(held.code)), 'the debug view masks it');
    } finally {
      await feed.close();
    }
  });

  it("lists the workspace's locks for the editor, each as a row with its Seam device id, never the key", async () => {
    fake.db.updateDevice({ device_id: SEAM_LOCKS.schlage, properties: { battery_level: 0.42 } });
    await load();
    const response = await helper.request().get('/staykey/seam/seam/devices');
    assert.equal(response.status, 200);
    const body = response.body as { devices: Array<{ deviceId: string; name: string; type: string; online: boolean; battery: number | null; onlineCodes: boolean; row: Record<string, unknown> }> };
    assert.deepEqual(
      body.devices.map((device) => [device.deviceId, device.type, device.online, device.onlineCodes, device.row.device, device.row.schedules, device.row.codeLength]),
      [
        [SEAM_LOCKS.augustFront, 'august_lock', true, true, SEAM_LOCKS.augustFront, true, 6],
        [SEAM_LOCKS.augustBack, 'august_lock', true, true, SEAM_LOCKS.augustBack, true, 6],
        [SEAM_LOCKS.schlage, 'schlage_lock', true, true, SEAM_LOCKS.schlage, true, 6],
      ],
      'the locks, not the thermostat or the noise sensor',
    );
    assert.equal(body.devices.find((device) => device.deviceId === SEAM_LOCKS.schlage)?.battery, 42);
    assert.ok(!response.text.includes(SEAM_KEY));

    assert.equal((await helper.request().get('/staykey/seam/nope/devices')).status, 404);
    assert.equal((await helper.request().get('/staykey/seam/locks/devices')).status, 404, 'only a Seam account answers');
  });

  it('answers the device list with 502 and Seam\'s refusal when the key is wrong, and 400 without a key', async () => {
    await load('seam_wrongkey_for_the_list_5Hq');
    const refused = await helper.request().get('/staykey/seam/seam/devices');
    assert.equal(refused.status, 502);
    assert.match(String(refused.body.error), /Seam refused the API key/);
    assert.ok(!refused.text.includes('seam_wrongkey_for_the_list_5Hq'));
    await helper.unload();
    await load('');
    const missing = await helper.request().get('/staykey/seam/seam/devices');
    assert.equal(missing.status, 400);
    assert.match(String(missing.body.error), /no API key/);
  });
});
