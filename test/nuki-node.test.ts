/**
 * Nuki in a real Node-RED runtime: a locks config with provider Nuki and a nuki-account (token as a
 * credential), lock-provider and pin-issuer wired in a loop, against the Nuki Web double, on a
 * ManualClock. A booking's code ends on the lock with its dates and Nuki's rules; a 10-minute outage
 * across a restart loses nothing and duplicates nothing.
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
import type { CodeMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { NukiCloudDouble } from './doubles/nuki-cloud';
import { helper } from './support/red';
import { clearRecorded, messages, RECORDER, recorderNode } from './support/recorder';
import { readFileLedger } from '../lib/ledger/ledger-file';

/* eslint-disable @typescript-eslint/no-require-imports */
const nukiAccountNode = require('../nodes/nuki-account/nuki-account') as unknown;
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;
const pinIssuerNode = require('../nodes/pin-issuer/pin-issuer') as unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

const TOKEN = 'nuki-node-token-8c2d';
const DOOR = 4711;

const modules = [nukiAccountNode, locksConfigNode, lockProviderNode, pinIssuerNode, recorderNode];

type FlowNode = { id: string; type: string; z?: string; name?: string; [key: string]: unknown };

/** Every StayKey node the package registers, the Nuki account (until package.json lists it), and the recorder. */
function shippedModules(): unknown[] {
  const root = path.join(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const files = new Set(Object.values(pkg['node-red'].nodes).map((file) => path.join(root, file)));
  files.add(path.join(root, 'dist', 'nodes', 'nuki-account', 'nuki-account.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [...[...files].map((file) => require(file) as unknown), recorderNode];
}

function flow(cloudUrl: string): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'Nuki' },
    { id: 'nuki', type: 'staykey-nuki-account', name: 'Nuki Web', baseUrl: cloudUrl, requestsPerSecond: 5, timeout: 60 },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'nuki',
      nukiAccount: 'nuki',
      // The row asks for 4 digits: Nuki's rules win, and pin-issuer issues 6.
      locks: [{ id: 'front-door', name: 'Front door', codeLength: 4, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: '4x AA', device: String(DOOR) }],
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

const booking: Booking = { id: 'BC-4242@booking.com', unit: 'Room 101', source: 'booking.com', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada Lovelace-Byron' };

function windowMessage(): WindowMessage {
  const window = windowFor(booking, {
    checkIn: '16:00',
    checkOut: '11:00',
    timeZone: 'Europe/Lisbon',
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    leadHours: 48,
    locks: ['front-door'],
  });
  return { kind: 'window', change: 'created', booking, window };
}

/** What Booking.com's calendar export looks like: every stay "CLOSED - <guest>". */
const BOOKING_COM_FEED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//admin.booking.com//EN',
  'BEGIN:VEVENT',
  'UID:9f8e7d6c5b4a@booking.com',
  'DTSTAMP:20260701T120000Z',
  'DTSTART;VALUE=DATE:20260710',
  'DTEND;VALUE=DATE:20260712',
  'SUMMARY:CLOSED - Grace Hopper',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

/** The feed on 127.0.0.1, as Booking.com would serve it. */
async function serveFeed(text: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/calendar; charset=utf-8' });
    response.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/export?t=feed-secret`,
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

function everythingShown(): string {
  const statuses = ['issuer', 'provider'].flatMap((id) => helper.getNode(id)?.status.getCalls?.() ?? []).map((call) => JSON.stringify(call.args));
  const logs = helper.log().getCalls().map((call) => JSON.stringify(call.args));
  const sent = ['results', 'codes', 'alerts', 'provider-alerts'].flatMap((id) => messages(id).map((msg) => JSON.stringify(msg)));
  return [...statuses, ...logs, ...sent].join('\n');
}

describe('Nuki in a Node-RED flow', function () {
  this.timeout(60_000);
  let directory: string;
  let clock: ManualClock;
  let cloud: NukiCloudDouble;
  let vault: Vault;

  const ledger = () => readFileLedger(path.join(directory, 'ledgers', 'issuer.json'))!;
  const load = () => helper.load(modules, flow(cloud.url), { nuki: { token: TOKEN } });
  const told = () => messages('codes').map((msg) => msg.payload as CodeMessage);

  beforeEach(async () => {
    clearRecorded();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-nuki-node-'));
    vault = Vault.openDirectory(directory);
    clock = new ManualClock('2026-07-09T00:00:00Z');
    cloud = await NukiCloudDouble.start({ clock, token: TOKEN });
    cloud.addSmartlock({ smartlockId: DOOR, name: 'Front door', batteryCharge: 72 });
    helper.settings({ staykey: { directory, clock } });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    await cloud.close();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("puts a booking's code on the Nuki keypad with its dates and Nuki's rules, and tells the guest", async () => {
    await load();
    helper.getNode('issuer').receive({ payload: windowMessage() });
    await driveUntil(clock, 'the guest is told', () => told().length > 0);

    const [held] = cloud.keypadCodes(DOOR);
    assert.equal(cloud.keypadCodes(DOOR).length, 1);
    const pin = String(held.code);
    assert.match(pin, /^[1-9]{6}$/, 'six digits, none of them 0, although the row asked for 4');
    assert.ok(!pin.startsWith('12'));
    assert.equal(held.type, 13);
    assert.equal(held.allowedFromDate, '2026-07-10T15:00:00.000Z', '16:00 in Lisbon');
    assert.equal(held.allowedUntilDate, '2026-07-13T10:00:00.000Z', '11:00 in Lisbon');
    assert.ok(held.name.length <= 20);

    const [message] = told();
    assert.equal(message.change, 'issued');
    assert.equal(vault.open(message.codes[0].pin!), pin, 'the guest gets the code the keypad has');
    const entry = ledger().codes[`${booking.id}@front-door`];
    assert.equal(entry.state, 'confirmed');
    assert.equal(entry.name, held.name);
    assert.deepEqual(messages('alerts'), []);
    assert.deepEqual(messages('provider-alerts'), []);

    const shown = everythingShown();
    assert.ok(!shown.includes(pin), 'no PIN in statuses, logs or messages');
    assert.ok(!shown.includes(TOKEN), 'no token in statuses, logs or messages');
    const state = fs.readFileSync(path.join(directory, 'locks', 'locks.json'), 'utf8');
    assert.ok(state.includes(held.id) && !state.includes(pin), 'the slot map is kept, without the PIN');
  });

  it('answers a lock-query with the battery Nuki reports', async () => {
    await load();
    const before = messages('results').length;
    helper.getNode('provider').receive({ payload: { kind: 'lock-query' } });
    // The pin-issuer's first read of the lock answers on the same output: the state is the message of its kind.
    const state = () => messages('results').slice(before).find((msg) => (msg.payload as { kind: string }).kind === 'lock-state');
    await driveUntil(clock, 'the lock state', () => state() !== undefined);
    const payload = state()!.payload as { kind: string; locks: { lockId: string; online: boolean; battery: number | null; codes: number | null }[] };
    assert.deepEqual(payload.locks.map((lock) => [lock.lockId, lock.online, lock.battery, lock.codes]), [['front-door', true, 72, 0]]);
  });

  it('survives a 10-minute Nuki Web outage across a restart: the code ends on the lock once, and the guest is told', async () => {
    // The create reaches Nuki, its answer is lost, and Nuki Web is down from then on.
    cloud.loseNextAnswers(1, { method: 'PUT' }, { after: () => cloud.setOutage(true) });
    await load();
    helper.getNode('issuer').receive({ payload: windowMessage() });
    const failedSince = () => cloud.requests.filter((request) => request.status === 503).length;
    await driveUntil(clock, 'StayKey has retried during the outage', () => failedSince() >= 4, 100);
    assert.equal(cloud.keypadCodes(DOOR).length, 1, 'the create landed before the outage');
    assert.deepEqual(told(), []);

    await helper.unload();
    clock.advance(10 * 60_000);
    cloud.setOutage(false);
    const sentBefore = cloud.requests.length;
    await load();
    await driveUntil(clock, 'the guest is told after the restart', () => told().length > 0);

    assert.equal(cloud.keypadCodes(DOOR).length, 1, 'exactly one code for the booking');
    assert.equal(cloud.writes().filter((request) => request.method === 'PUT').length, 1, 'created once, found after the restart');
    const [held] = cloud.keypadCodes(DOOR);
    assert.equal(held.allowedFromDate, '2026-07-10T15:00:00.000Z');
    assert.equal(vault.open(told()[0].codes[0].pin!), String(held.code));
    assert.equal(ledger().codes[`${booking.id}@front-door`].state, 'confirmed');
    assert.ok(cloud.requests.length > sentBefore);
    assert.ok(!everythingShown().includes(String(held.code)));
  });

  it('runs the shipped Booking.com -> Nuki flow once its token and lock id are filled in, with the battery watch', async () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'flows', 'booking-com-nuki.json'), 'utf8')) as FlowNode[];
    const account = shipped.find((node) => node.type === 'staykey-nuki-account')!;
    const locksConfig = shipped.find((node) => node.type === 'staykey-locks')!;
    assert.equal(locksConfig.provider, 'nuki');
    assert.equal(locksConfig.nukiAccount, account.id);
    assert.equal(account.baseUrl, 'https://api.nuki.io');
    assert.ok(shipped.every((node) => !('credentials' in node)), 'no token and no feed address in the shipped file');
    const byName = (name: string) => shipped.find((node) => node.name === name)!;
    const testFlow = shipped
      .filter((node) => node.type !== 'comment')
      .map((node): FlowNode => {
        if (node.type === 'inject' || node.type === 'debug') return { id: node.id, type: RECORDER, z: node.z };
        if (node.id === account.id) return { ...node, baseUrl: cloud.url, timeout: 60 };
        if (node.id === locksConfig.id) return { ...node, locks: (node.locks as object[]).map((row) => ({ ...row, device: String(DOOR) })) };
        if (node.type === 'staykey-access-window') return { ...node, timeZone: 'Europe/Lisbon' };
        return node;
      });
    const feed = await serveFeed(BOOKING_COM_FEED);
    try {
      await helper.load(shippedModules(), testFlow, { [account.id]: { token: TOKEN }, [byName('Booking.com feed').id]: { url: `booking.com ${feed.url}` } });
      await runShippedFlow(byName);
    } finally {
      await feed.close();
    }
  });

  async function runShippedFlow(byName: (name: string) => FlowNode): Promise<void> {
    const outbox = byName('outbox (codes masked)').id;
    const toGuest = () => messages(outbox).find((msg) => (msg as NodeMessage & { audience?: string }).audience === 'guest');
    await driveUntil(clock, 'the guest message is written', () => toGuest() !== undefined);
    const [held] = cloud.keypadCodes(DOOR);
    assert.equal(cloud.keypadCodes(DOOR).length, 1);
    assert.match(String(held.code), /^[1-9]{6}$/);
    assert.equal(held.allowedFromDate, '2026-07-10T14:00:00.000Z', '15:00 in Lisbon');
    assert.equal(held.allowedUntilDate, '2026-07-12T10:30:00.000Z', '11:00 in Lisbon and the 30-minute buffer');
    const guest = toGuest() as NodeMessage & { preview?: string };
    assert.ok(String(guest.payload).includes(String(held.code)), 'the guest gets the code');
    assert.ok(!String(guest.preview).includes(String(held.code)), 'the debug view masks it');

    const report = byName('battery report').id;
    helper.getNode(byName('battery').id).receive({ payload: Date.now() });
    await driveUntil(clock, 'the battery report', () => messages(report).length > 0);
    const readings = (messages(report)[0].payload as { locks: { lockId: string; level: number | null; online: boolean }[] }).locks;
    assert.deepEqual(readings.map((reading) => [reading.lockId, reading.level, reading.online]), [['front-door', 72, true]]);
  }

  it('reports a missing token on the lock-provider without starting anything', async () => {
    await helper.load(modules, flow(cloud.url), { nuki: { token: '' } });
    const problem = (helper.getNode('locks') as unknown as { problem?: string }).problem ?? '';
    assert.match(problem, /locks config: the Nuki account has no API token: make one in Nuki Web/);
    const statuses = (helper.getNode('provider').status.getCalls?.() ?? []).map((call) => call.args[0] as { fill?: string; text?: string });
    assert.equal(statuses[statuses.length - 1]?.fill, 'red', 'the lock-provider shows the problem');
    helper.getNode('issuer').receive({ payload: windowMessage() });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(cloud.requests, [], 'nothing is sent to Nuki Web without a token');
  });
});
