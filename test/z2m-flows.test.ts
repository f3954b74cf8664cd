/**
 * The shipped flows flows/vrbo-zigbee2mqtt.json and flows/battery-dashboard.json: well formed, without
 * secrets, and, once a host has filled in the broker, the feed address and the lock's friendly name,
 * they put a Vrbo guest's code on the Zigbee lock (the Zigbee2MQTT lock double on a real Mosquitto)
 * and show the lock's battery in Home Assistant.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, MqttClient } from 'mqtt';
import type { NodeMessage } from 'node-red';
import type { BatteryReportMessage, LockResultMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { Z2mLockDouble } from './doubles/z2m-lock';
import { Mosquitto } from './support/mosquitto';
import { eventually, helper } from './support/red';

type FlowNode = { id: string; type: string; name?: string; z?: string; wires?: string[][]; [key: string]: unknown };

const root = path.join(__dirname, '..', '..');
const readFlow = (file: string) => JSON.parse(fs.readFileSync(path.join(root, 'flows', file), 'utf8')) as FlowNode[];

/** StayKey's node modules as package.json lists them (from this build), and the MQTT ones wherever they are not listed yet. */
function nodeModules(): unknown[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
  const built = path.join(__dirname, '..');
  const files = new Set(Object.values(pkg['node-red'].nodes).map((file) => path.join(built, file.replace(/^dist\//, ''))));
  files.add(path.join(built, 'nodes', 'mqtt-broker', 'mqtt-broker.js'));
  files.add(path.join(built, 'nodes', 'ha-dashboard', 'ha-dashboard.js'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [...files].map((file) => require(file) as unknown);
}

/** Shared checks of a shipped flow: one tab, 16-hex ids, wired within itself, no secrets. */
function checkShape(flow: FlowNode[]): void {
  const ids = new Set(flow.map((node) => node.id));
  assert.equal(ids.size, flow.length, 'ids are unique');
  assert.equal(flow.filter((node) => node.type === 'tab').length, 1);
  for (const node of flow) {
    assert.match(node.id, /^[0-9a-f]{16}$/);
    for (const target of (node.wires ?? []).flat()) assert.ok(ids.has(target), `${node.name ?? node.type} is wired to a node the flow lacks`);
    assert.ok(!('credentials' in node), `${node.name ?? node.type} carries credentials`);
    for (const key of ['user', 'password', 'username', 'token']) assert.ok(!(key in node), `${node.name ?? node.type} holds a ${key}`);
  }
  const comment = flow.find((node) => node.type === 'comment');
  assert.ok(comment && String(comment.info).length > 300, 'a read-me comment says how to set it up');
}

/** A Vrbo export with a guest staying now (arrived yesterday). */
function vrboFeed(arrival: string, departure: string): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//HomeAway.com, Inc.//EN',
    'BEGIN:VEVENT',
    'UID:7d2c9e1a-4b3f-4c8e-9a1d-2f3e4a5b6c7d',
    'DTSTAMP:20270701T120000Z',
    `DTSTART;VALUE=DATE:${arrival.replace(/-/g, '')}`,
    `DTEND;VALUE=DATE:${departure.replace(/-/g, '')}`,
    'SUMMARY:Reserved - Lena Fischer',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}

describe('the shipped Vrbo -> Zigbee2MQTT flow', () => {
  const shipped = readFlow('vrbo-zigbee2mqtt.json');
  const byType = (type: string) => shipped.filter((node) => node.type === type);
  const named = (name: string) => shipped.find((node) => node.name === name)!;

  describe('as a file', () => {
    it('is one tab of nodes with unique ids, wired within itself, without secrets', () => {
      checkShape(shipped);
    });

    it('reads a Vrbo feed into a Zigbee2MQTT lock, on the broker config, with the battery watch on the same locks', () => {
      const [locks] = byType('staykey-locks');
      const [broker] = byType('staykey-mqtt');
      assert.equal(locks.provider, 'zigbee2mqtt');
      assert.equal(locks.mqttBroker, broker.id);
      assert.equal(locks.z2mBaseTopic, 'zigbee2mqtt');
      assert.equal((locks.locks as Array<{ device: string }>)[0].device, 'Cabin door');
      assert.equal(broker.url, 'mqtt://core-mosquitto:1883');
      assert.equal(named('Vrbo feed').source, 'vrbo');
      for (const type of ['staykey-pin-issuer', 'staykey-lock-provider', 'staykey-battery-watch']) {
        assert.equal(byType(type)[0].locks, locks.id, `${type} uses the Zigbee2MQTT locks`);
      }
      const issuer = byType('staykey-pin-issuer')[0];
      const provider = byType('staykey-lock-provider')[0];
      assert.deepEqual(issuer.wires?.[0], [provider.id]);
      assert.ok(provider.wires?.[0].includes(issuer.id), 'lock results go back to the pin-issuer');
      assert.ok(String(named('Vrbo -> Zigbee2MQTT lock: read me first').info).includes('expose_pin'));
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
    let broker: Mosquitto;
    let lock: Z2mLockDouble;
    let feedServer: http.Server;
    let feedUrl: string;
    let directory: string;
    const clock = new ManualClock('2027-07-09T12:00:00Z');

    before(async () => {
      broker = await Mosquitto.start();
      lock = await Z2mLockDouble.start({ url: broker.url, name: 'Cabin door', exposePin: true, battery: 64 });
      feedServer = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/calendar' });
        res.end(vrboFeed('2027-07-08', '2027-07-12'));
      });
      await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
      feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/vrbo.ics`;
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-vrbo-z2m-'));
      helper.settings({ staykey: { directory, clock } });
      await helper.startServer();
    });

    after(async () => {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
      await lock.close();
      await broker.close();
      feedServer.close();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    it("puts the staying guest's code on the Zigbee lock, confirmed, and reports the lock's battery", async () => {
      const filledIn = shipped
        .filter((node) => node.type !== 'comment')
        .map((node): FlowNode => {
          if (node.type === 'inject' || node.type === 'debug') return { id: node.id, type: 'helper', z: node.z, wires: node.wires ?? [] };
          if (node.type === 'staykey-mqtt') return { ...node, url: broker.url };
          if (node.type === 'staykey-access-window') return { ...node, timeZone: 'Europe/Berlin' };
          if (node.type === 'staykey-battery-watch') return { ...node, timeZone: 'Europe/Berlin' };
          return { ...node };
        });
      await helper.load(nodeModules(), filledIn, { [named('Vrbo feed').id]: { url: feedUrl } });
      const results: LockResultMessage[] = [];
      helper.getNode(named('lock results').id).on('input', (msg: NodeMessage) => results.push(msg.payload as LockResultMessage));
      const reports: BatteryReportMessage[] = [];
      helper.getNode(named('battery report').id).on('input', (msg: NodeMessage) => reports.push(msg.payload as BatteryReportMessage));

      // The clock here only moves when told: a first attempt before the broker answers would wait for ever.
      const provider = (helper.getNode(byType('staykey-locks')[0].id) as unknown as LockSetNode).lockSet.provider;
      await eventually('the lock is seen online', async () => (await provider.status('front-door')).online);
      helper.getNode(named('read the feed now').id).send({ payload: Date.now() });
      await eventually('the code is on the lock', () => lock.codes().length === 1, 15_000);
      const [held] = lock.codes();
      assert.match(held.pin, /^\d{6}$/);
      assert.ok(held.user >= 1 && held.user <= 20, `slot ${held.user} is outside the range`);
      await eventually('the result comes back confirmed', () => results.some((result) => result.action === 'set' && result.ok && result.confirmed));
      assert.equal(lock.fullReads, 0, 'StayKey read every slot of the lock');

      helper.getNode(named('check batteries now').id).send({ payload: Date.now() });
      await eventually('the battery is reported', () => reports.length > 0 && reports[reports.length - 1].locks[0].level !== null, 15_000);
      const report = reports[reports.length - 1];
      assert.deepEqual(
        report.locks.map((reading) => [reading.lockId, reading.online, reading.level, reading.batteryClass]),
        [['front-door', true, 64, 'healthy']],
      );
    });
  });
});

describe('the shipped battery dashboard flow', () => {
  const shipped = readFlow('battery-dashboard.json');
  const byType = (type: string) => shipped.filter((node) => node.type === type);

  it('is one tab with unique ids, wired within itself, without secrets; battery-watch feeds ha-dashboard on the same locks', () => {
    checkShape(shipped);
    const [locks] = byType('staykey-locks');
    const [watch] = byType('staykey-battery-watch');
    const [dashboard] = byType('staykey-ha-dashboard');
    assert.equal(watch.locks, locks.id);
    assert.equal(dashboard.locks, locks.id);
    assert.equal(dashboard.mqttBroker, byType('staykey-mqtt')[0].id);
    assert.ok(watch.wires?.[0].includes(dashboard.id));
  });

  describe('filled in and running', function () {
    this.timeout(60_000);
    let broker: Mosquitto;
    let locks: Z2mLockDouble[];
    let directory: string;
    let ha: MqttClient;
    const seen = new Map<string, string>();

    before(async () => {
      broker = await Mosquitto.start();
      locks = [
        await Z2mLockDouble.start({ url: broker.url, name: 'Front door', battery: 82 }),
        await Z2mLockDouble.start({ url: broker.url, name: 'Garden gate', battery: 12 }),
      ];
      ha = connect(broker.url, { reconnectPeriod: 100 });
      ha.on('message', (topic, payload) => seen.set(topic, payload.toString()));
      await new Promise<void>((resolve) => ha.once('connect', () => resolve()));
      await ha.subscribeAsync(['homeassistant/#', 'staykey/#'], { qos: 1 });
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-battery-dashboard-'));
      helper.settings({ staykey: { directory } });
      await helper.startServer();
    });

    after(async () => {
      await helper.unload();
      await helper.stopServer();
      helper.settings({});
      await ha.endAsync(true);
      for (const lock of locks) await lock.close();
      await broker.close();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    it('shows both Zigbee2MQTT locks in Home Assistant with the battery each reports', async () => {
      const named = (name: string) => shipped.find((node) => node.name === name)!;
      const filledIn = shipped
        .filter((node) => node.type !== 'comment')
        .map((node): FlowNode => {
          if (node.type === 'inject' || node.type === 'debug') return { id: node.id, type: 'helper', z: node.z, wires: node.wires ?? [] };
          if (node.type === 'staykey-mqtt') return { ...node, url: broker.url };
          return { ...node };
        });
      await helper.load(nodeModules(), filledIn);
      await eventually('both devices discovered', () =>
        ['front-door', 'garden-gate'].every((id) => seen.has(`homeassistant/sensor/staykey_${id}/battery/config`)),
      );
      const config = JSON.parse(seen.get('homeassistant/sensor/staykey_garden-gate/battery/config')!) as { device: { model: string; name: string } };
      assert.deepEqual([config.device.name, config.device.model], ['Garden gate', 'zigbee2mqtt']);

      // The locks report their batteries as Zigbee2MQTT state; then the daily check (pressed now) reads them.
      await locks[0].setBattery(82);
      await locks[1].setBattery(12);
      const provider = (helper.getNode(byType('staykey-locks')[0].id) as unknown as LockSetNode).lockSet.provider;
      await eventually('the batteries are heard', async () => (await provider.status('garden-gate')).battery === 12 && (await provider.status('front-door')).battery === 82);
      helper.getNode(named('check batteries now').id).send({ payload: Date.now() });
      await eventually('battery values in Home Assistant', () => seen.get('staykey/garden-gate/battery') === '12' && seen.get('staykey/front-door/battery') === '82');
      assert.equal(seen.get('staykey/garden-gate/battery_state'), 'critical');
      assert.equal(seen.get('staykey/front-door/battery_state'), 'healthy');
      assert.equal(seen.get('staykey/front-door/online'), 'ON');
    });
  });
});
