/**
 * The shipped flow flows/airbnb-ttlock.json: well formed, without secrets, and, once a host has filled
 * in the feed address, the TTLock account and the lock's TTLock id, it puts an Airbnb guest's code on
 * the lock (here the TTLock double) and reports the lock's battery.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { BatteryReportMessage, LockResultMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import { TTLockCloud } from './doubles/ttlock-cloud';
import { eventually, helper } from './support/red';

type FlowNode = { id: string; type: string; name?: string; z?: string; wires?: string[][]; [key: string]: unknown };

const root = path.join(__dirname, '..', '..');
const shipped = JSON.parse(fs.readFileSync(path.join(root, 'flows', 'airbnb-ttlock.json'), 'utf8')) as FlowNode[];
const byType = (type: string) => shipped.filter((node) => node.type === type);
const named = (name: string) => shipped.find((node) => node.name === name)!;
const LOCK = 3001;

/** StayKey's node modules as package.json lists them, and the TTLock account wherever it is not listed yet. */
function nodeModules(): unknown[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const files = new Set(Object.values(pkg['node-red'].nodes).map((file) => path.join(root, file)));
  files.add(path.join(root, 'dist', 'nodes', 'ttlock-account', 'ttlock-account.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [...files].map((file) => require(file) as unknown);
}

/** An Airbnb export with one guest arriving on 10 July. */
const FEED = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Airbnb Inc//Hosting Calendar 0.8.8//EN',
  'BEGIN:VEVENT',
  'DTSTAMP:20260701T000000Z',
  'DTSTART;VALUE=DATE:20260710',
  'DTEND;VALUE=DATE:20260713',
  'SUMMARY:Reserved',
  'UID:ttlock-ada@airbnb.com',
  'DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMADA1',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

describe('the TTLock example', function () {
  this.timeout(60_000);
  const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'ttlock - codes through the TTLock cloud.json'), 'utf8')) as FlowNode[];
  const node = (name: string) => example.find((n) => n.name === name)!;
  let directory: string;

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ttlock-example-'));
    helper.settings({ staykey: { directory, clock: new ManualClock('2026-07-11T12:00:00Z') } });
    await helper.startServer();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('loads without errors and, without credentials, reaches nothing: a booking ends in a result saying what is missing', async () => {
    const flow = example
      .filter((n) => n.type !== 'comment')
      .map((n): FlowNode => (n.type === 'inject' || n.type === 'debug' ? { id: n.id, type: 'helper', z: n.z, wires: n.wires ?? [] } : { ...n }));
    await helper.load(nodeModules(), flow);
    const errors = (helper as unknown as { log(): { getCalls(): Array<{ args: Array<{ level?: number }> }> } })
      .log()
      .getCalls()
      .filter((call) => (call.args[0]?.level ?? 99) <= 20);
    assert.deepEqual(errors, []);
    const results: LockResultMessage[] = [];
    helper.getNode(node('lock results').id).on('input', (msg: NodeMessage) => results.push(msg.payload as LockResultMessage));
    helper.getNode(node('Room 101').id).receive({ payload: { id: 'HMANA12345', unit: 'Room 101', guestName: 'Ana Costa', arrival: '2026-07-10', departure: '2026-07-13' } });
    await eventually('the lock result', () => results.length > 0);
    assert.equal(results[0].ok, false);
    assert.equal(results[0].reason, 'auth');
    assert.equal(results[0].attempts, 1);
    assert.match(results[0].error ?? '', /missing its client id, client secret, user name or password/);
  });
});

describe('the shipped Airbnb -> TTLock flow', () => {
  describe('as a file', () => {
    it('is one tab of nodes with unique ids, wired within itself', () => {
      const ids = new Set(shipped.map((node) => node.id));
      assert.equal(ids.size, shipped.length);
      for (const node of shipped) {
        assert.match(node.id, /^[0-9a-f]{16}$/);
        for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${node.name} is wired to a node the flow lacks`);
      }
      assert.equal(byType('tab').length, 1);
    });

    it('reads an Airbnb feed into a TTLock lock, with the battery watch on the same locks', () => {
      const [locks] = byType('staykey-locks');
      assert.equal(locks.provider, 'ttlock');
      assert.equal(locks.ttlockAccount, byType('staykey-ttlock-account')[0].id);
      assert.equal((locks.locks as Array<{ schedules: boolean }>)[0].schedules, true, 'TTLock keeps dates per code');
      assert.equal(named('Airbnb feed').source, 'airbnb');
      for (const type of ['staykey-pin-issuer', 'staykey-lock-provider', 'staykey-battery-watch']) {
        assert.equal(byType(type)[0].locks, locks.id, `${type} uses the TTLock locks`);
      }
      assert.ok(String(named('Airbnb -> TTLock: read me first').info).includes('gateway'));
    });

    it('carries no secrets: no feed address, no TTLock credentials', () => {
      for (const node of shipped) {
        assert.ok(!('credentials' in node), `${node.name ?? node.type} carries credentials`);
        for (const key of ['url', 'clientId', 'clientSecret', 'username', 'password', 'accessToken']) {
          assert.ok(!(key in node), `${node.name ?? node.type} holds a ${key}`);
        }
      }
      assert.equal(named('TTLock account').baseUrl, 'https://euapi.ttlock.com');
    });

    it('never shows lock commands or guest codes in a debug node except as the masked preview', () => {
      const debugIds = new Set(byType('debug').map((node) => node.id));
      const issuer = byType('staykey-pin-issuer')[0];
      assert.ok(!(issuer.wires ?? []).slice(0, 2).flat().some((id) => debugIds.has(id)));
      assert.equal(named('messages (codes hidden)').complete, 'preview');
    });
  });

  describe('filled in and running', function () {
    this.timeout(60_000);
    let directory: string;
    let clock: ManualClock;
    let cloud: TTLockCloud;
    let feedServer: http.Server;
    let feedUrl: string;

    before(async () => {
      clock = new ManualClock('2026-07-09T00:00:00Z');
      cloud = new TTLockCloud({ clock, password: 'door-password' });
      cloud.addGateway(77);
      cloud.addLock({ lockId: LOCK, lockAlias: 'Room 101 door', gatewayId: 77, liveBattery: 64 });
      feedServer = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/calendar' });
        res.end(FEED);
      });
      await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
      feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/calendar.ics`;
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ttlock-flow-'));
      helper.settings({ staykey: { directory, clock } });
      await helper.startServer();
    });

    after(async () => {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
      await cloud.stop();
      feedServer.close();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    it("puts the guest's code on the lock for their stay and reports the lock's battery", async () => {
      const baseUrl = await cloud.start();
      const filledIn = shipped
        .filter((node) => node.type !== 'comment')
        .map((node): FlowNode => {
          if (node.type === 'inject' || node.type === 'debug') return { id: node.id, type: 'helper', z: node.z, wires: node.wires ?? [] };
          if (node.type === 'staykey-ttlock-account') return { ...node, baseUrl };
          if (node.type === 'staykey-access-window') return { ...node, timeZone: 'Europe/Lisbon' };
          if (node.type === 'staykey-locks') {
            const rows = node.locks as Array<Record<string, unknown>>;
            return { ...node, locks: rows.map((row) => ({ ...row, device: String(LOCK) })) };
          }
          return { ...node };
        });
      const credentials = {
        [named('Airbnb feed').id]: { url: feedUrl },
        [named('TTLock account').id]: { clientId: 'client-id-1', clientSecret: 'client-secret-1', username: 'host@example.com', password: 'door-password' },
      };
      await helper.load(nodeModules(), filledIn, credentials);
      const reports: BatteryReportMessage[] = [];
      helper.getNode(named('battery report').id).on('input', (msg: NodeMessage) => reports.push(msg.payload as BatteryReportMessage));

      helper.getNode(named('read the feed now').id).send({ payload: Date.now() });
      await eventually('the code is on the lock', () => cloud.passcodesOn(LOCK).length === 1);
      const [passcode] = cloud.passcodesOn(LOCK);
      assert.equal(passcode.startDate, Date.parse('2026-07-10T15:00:00.000Z'), '16:00 in Lisbon');
      assert.equal(passcode.endDate, Date.parse('2026-07-13T10:30:00.000Z'), '11:00 in Lisbon plus 30 minutes');
      assert.equal(cloud.callsTo('/v3/keyboardPwd/add')[0].params.addType, '2');

      helper.getNode(named('check batteries now').id).send({ payload: Date.now() });
      await eventually('the battery is reported', () => reports.length > 0);
      assert.deepEqual(
        reports[0].locks.map((lock) => [lock.lockId, lock.online, lock.level, lock.batteryClass]),
        [['front-door', true, 64, 'healthy']],
      );
    });
  });
});
