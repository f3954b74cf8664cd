/**
 * Home Assistant MQTT discovery of the locks, against a real Mosquitto: what Home Assistant would read
 * from the broker (retained configs and values), re-publishing when it restarts, removal, availability.
 */
import { strict as assert } from 'node:assert';
import { connect, MqttClient } from 'mqtt';
import { parseDashboardInput } from '../lib/ha/discovery-input';
import { DashboardLock, HaDashboard } from '../lib/ha/discovery';
import { BrokerConnection } from '../lib/mqtt/broker';
import { Mosquitto } from './support/mosquitto';
import { eventually } from './support/red';

interface Seen {
  topic: string;
  payload: string;
  retain: boolean;
}

/** A client that, like Home Assistant, subscribes to everything and keeps what arrives. */
async function watcher(url: string, filters: string[] = ['homeassistant/#', 'staykey/#']): Promise<{ client: MqttClient; seen: Seen[] }> {
  const client = connect(url, { reconnectPeriod: 100 });
  const seen: Seen[] = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync(filters, { qos: 1 });
  return { client, seen };
}

/** What the broker holds now: a fresh subscriber gets each retained message once, then nothing. */
async function heldNow(url: string): Promise<Map<string, string>> {
  const late = await watcher(url);
  try {
    let count = -1;
    for (let quiet = 0; quiet < 4; ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      quiet = late.seen.length === count ? quiet + 1 : 0;
      count = late.seen.length;
    }
    return new Map(late.seen.map((m) => [m.topic, m.payload]));
  } finally {
    await late.client.endAsync();
  }
}

/** What the broker holds once `ready` says it has everything expected (publishing is asynchronous). */
async function retained(url: string, ready: (held: Map<string, string>) => boolean): Promise<Map<string, string>> {
  let held = new Map<string, string>();
  await eventually('the broker holds what was published', async () => ready((held = await heldNow(url))));
  return held;
}

const atLeast = (count: number) => (held: Map<string, string>) => held.size >= count;
const without = (text: string, count: number) => (held: Map<string, string>) =>
  held.size === count && ![...held.keys()].some((topic) => topic.includes(text));

const FRONT: DashboardLock = { lockId: 'front-door', name: 'Front door', model: 'zigbee2mqtt' };
const GATE: DashboardLock = { lockId: 'garden.gate', name: 'Garden gate', model: 'zigbee2mqtt' };
const OBJECTS = [
  ['sensor', 'battery'],
  ['sensor', 'battery_state'],
  ['sensor', 'active_codes'],
  ['sensor', 'next_arrival'],
  ['sensor', 'last_code_used'],
  ['binary_sensor', 'online'],
];

function configTopics(id: string): string[] {
  return OBJECTS.map(([component, object]) => `homeassistant/${component}/staykey_${id}/${object}/config`);
}

describe('Home Assistant dashboard (MQTT discovery on a real broker)', () => {
  let broker: Mosquitto;
  let link: BrokerConnection;
  let dashboard: HaDashboard;
  const closers: Array<() => Promise<unknown> | void> = [];

  beforeEach(async () => {
    // A broker per test: retained messages of one test must not be read by the next.
    broker = await Mosquitto.start();
    link = new BrokerConnection({ url: broker.url, clientId: `staykey-${Math.random()}`, availabilityTopic: 'staykey/cfg1/availability', reconnectMs: 100 });
    link.start();
    await eventually('connected', () => link.state === 'connected');
  });

  afterEach(async () => {
    dashboard?.close();
    for (const close of closers.splice(0).reverse()) await close();
    await link.close();
    await broker.close();
  });

  function start(options: Partial<ConstructorParameters<typeof HaDashboard>[0]> = {}): HaDashboard {
    dashboard = new HaDashboard({ mqtt: link, ...options });
    dashboard.start();
    return dashboard;
  }

  it('makes each lock a device with six entities, retained, in the shapes Home Assistant reads', async () => {
    start().setLocks([FRONT]);
    const held = await retained(broker.url, atLeast(7));
    for (const topic of configTopics('front-door')) assert.ok(held.has(topic), `${topic} is not retained`);
    const device = { identifiers: ['staykey_front-door'], name: 'Front door', manufacturer: 'StayKey', model: 'zigbee2mqtt' };
    const availability = [{ topic: 'staykey/cfg1/availability', payload_available: 'online', payload_not_available: 'offline' }];
    const battery = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/battery/config')!) as Record<string, unknown>;
    assert.deepEqual(battery, {
      name: 'Battery',
      device_class: 'battery',
      unit_of_measurement: '%',
      state_class: 'measurement',
      entity_category: 'diagnostic',
      unique_id: 'staykey_front-door_battery',
      state_topic: 'staykey/front-door/battery',
      availability,
      device,
      origin: { name: 'StayKey', url: 'https://github.com/staykey/node-red-staykey' },
    });
    const state = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/battery_state/config')!) as Record<string, unknown>;
    assert.equal(state.device_class, 'enum');
    assert.deepEqual(state.options, ['healthy', 'replace soon', 'critical']);
    const arrival = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/next_arrival/config')!) as Record<string, unknown>;
    assert.equal(arrival.device_class, 'timestamp');
    const used = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/last_code_used/config')!) as Record<string, unknown>;
    assert.equal(used.device_class, 'timestamp');
    assert.equal(used.json_attributes_topic, 'staykey/front-door/last_code_used/attributes');
    const online = JSON.parse(held.get('homeassistant/binary_sensor/staykey_front-door/online/config')!) as Record<string, unknown>;
    assert.deepEqual([online.device_class, online.payload_on, online.payload_off, online.entity_category], ['connectivity', 'ON', 'OFF', 'diagnostic']);
    const codes = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/active_codes/config')!) as Record<string, unknown>;
    assert.equal(codes.state_class, 'measurement');
    for (const topic of configTopics('front-door')) {
      const config = JSON.parse(held.get(topic)!) as Record<string, unknown>;
      assert.deepEqual(config.device, device, topic);
      assert.deepEqual(config.availability, availability, topic);
      assert.match(String(config.state_topic), /^staykey\/front-door\//);
    }
  });

  it('puts battery reports, lock summaries and code use into retained values', async () => {
    const board = start();
    board.setLocks([FRONT]);
    const report = parseDashboardInput({
      kind: 'battery-report',
      checkedAt: '2027-03-27T09:00:00Z',
      locks: [{ lockId: 'front-door', lockName: 'Front door', online: true, level: 34.6, batteryClass: 'replace-soon', advice: '' }],
      attention: [],
    });
    assert.equal(report.kind, 'battery-report');
    if (report.kind === 'battery-report') board.batteryReport(report.readings);
    board.codeUsed({ lockId: 'front-door', slot: 3, success: true, at: '2027-03-27T16:05:00.000Z' });
    board.codeUsed({ lockId: 'front-door', slot: null, success: false, at: '2027-03-27T17:00:00.000Z' });
    board.codeUsed({ lockId: 'front-door', slot: 4, success: true, at: '2027-03-27T10:00:00.000Z' });
    // pin-issuer's summary, which knows whose code that was, comes after the event.
    board.lockSummary([
      {
        lockId: 'front-door',
        name: 'Front door',
        activeGuestCodes: 2,
        nextArrival: '2027-03-30T15:00:00.000Z',
        lastCodeUsedAt: '2027-03-27T16:05:00.000Z',
        lastCodeUsedBy: 'Ana Costa',
      },
    ]);
    const held = await retained(broker.url, atLeast(14));
    assert.equal(held.get('staykey/front-door/battery'), '35');
    assert.equal(held.get('staykey/front-door/battery_state'), 'replace soon');
    assert.equal(held.get('staykey/front-door/online'), 'ON');
    assert.equal(held.get('staykey/front-door/active_codes'), '2');
    assert.equal(held.get('staykey/front-door/next_arrival'), '2027-03-30T15:00:00.000Z');
    assert.equal(held.get('staykey/front-door/last_code_used'), '2027-03-27T16:05:00.000Z', 'a failed try or an older use moved it');
    assert.deepEqual(JSON.parse(held.get('staykey/front-door/last_code_used/attributes')!), { slot: 3, by: 'Ana Costa' });

    // A later use, then a summary still naming the earlier one: Ana's name must not land on it.
    board.codeUsed({ lockId: 'front-door', slot: 4, success: true, at: '2027-03-27T18:00:00.000Z' });
    board.lockSummary([
      { lockId: 'front-door', name: 'Front door', activeGuestCodes: 2, nextArrival: null, lastCodeUsedAt: '2027-03-27T16:05:00.000Z', lastCodeUsedBy: 'Ana Costa' },
    ]);
    const later = await retained(broker.url, (now) => now.get('staykey/front-door/next_arrival') === 'None');
    assert.equal(later.get('staykey/front-door/last_code_used'), '2027-03-27T18:00:00.000Z');
    assert.deepEqual(JSON.parse(later.get('staykey/front-door/last_code_used/attributes')!), { slot: 4 });
  });

  it('says unknown (None) for what a lock has not reported', async () => {
    const board = start();
    board.setLocks([FRONT]);
    board.batteryReport([{ lockId: 'front-door', name: 'Front door', level: null, batteryClass: 'unknown', online: false }]);
    board.lockSummary([{ lockId: 'front-door', name: 'Front door', activeGuestCodes: 0, nextArrival: null, lastCodeUsedAt: null }]);
    const held = await retained(broker.url, atLeast(13));
    assert.equal(held.get('staykey/front-door/battery'), 'None');
    assert.equal(held.get('staykey/front-door/battery_state'), 'None');
    assert.equal(held.get('staykey/front-door/online'), 'OFF');
    assert.equal(held.get('staykey/front-door/next_arrival'), 'None');
  });

  it('publishes the discovery again when Home Assistant comes back online', async () => {
    start().setLocks([FRONT]);
    await retained(broker.url, atLeast(7));
    const ha = await watcher(broker.url, ['homeassistant/+/+/+/config']);
    closers.push(() => ha.client.endAsync());
    await eventually('the retained configs', () => ha.seen.length === 6);
    await ha.client.publishAsync('homeassistant/status', 'online');
    await eventually('configs sent again', () => ha.seen.filter((m) => !m.retain).length === 6);
    assert.deepEqual(ha.seen.filter((m) => !m.retain).map((m) => m.topic).sort(), configTopics('front-door').sort());
    // "offline" is HA stopping: nothing to do.
    await ha.client.publishAsync('homeassistant/status', 'offline');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(ha.seen.filter((m) => !m.retain).length, 6);
  });

  it('removes a lock taken out of the set: empty retained payloads, and the broker forgets its values', async () => {
    const board = start();
    board.setLocks([FRONT, GATE]);
    board.batteryReport([{ lockId: 'garden.gate', name: 'Garden gate', level: 80, batteryClass: 'healthy', online: true }]);
    await retained(broker.url, atLeast(16));
    const ha = await watcher(broker.url);
    closers.push(() => ha.client.endAsync());
    await eventually('all retained', () => ha.seen.length >= 16);
    board.setLocks([FRONT]);
    // `garden.gate` becomes `garden_gate` in ids and topics.
    for (const topic of configTopics('garden_gate')) {
      await eventually(`${topic} emptied`, () => ha.seen.some((m) => m.topic === topic && m.payload === '' && !m.retain));
    }
    const held = await retained(broker.url, without('garden', 7));
    assert.ok(held.has('staykey/cfg1/availability'));
  });

  it('removes a lock that left the set while Node-RED was down, and remembers what it published', async () => {
    const remembered: string[][] = [];
    const old = await watcher(broker.url, ['unused']);
    closers.push(() => old.client.endAsync());
    for (const topic of configTopics('old-lock')) await old.client.publishAsync(topic, '{"name":"x"}', { retain: true, qos: 1 });
    start({ published: ['old-lock'], remember: (locks) => remembered.push(locks) }).setLocks([FRONT]);
    await eventually('old lock forgotten', () => remembered.some((ids) => !ids.includes('old-lock')));
    await retained(broker.url, without('old-lock', 7));
    assert.deepEqual(remembered[remembered.length - 1], ['front-door']);
  });

  it('without a locks config, learns locks from messages and takes a lock-summary as the whole set', async () => {
    const board = start({ defaultModel: 'StayKey lock' });
    board.batteryReport([
      { lockId: 'front-door', name: 'Front door', level: 90, batteryClass: 'healthy', online: true },
      { lockId: 'garden.gate', name: 'Garden gate', level: 70, batteryClass: 'healthy', online: true },
    ]);
    assert.deepEqual(board.lockIds.sort(), ['front-door', 'garden.gate']);
    board.lockSummary([{ lockId: 'front-door', name: 'Front door', activeGuestCodes: 1, nextArrival: null, lastCodeUsedAt: null, unverifiableGuestCodes: 1 }]);
    assert.deepEqual(board.lockIds, ['front-door']);
    // 13 as before, and the attributes of active_codes.
    const held = await retained(broker.url, without('garden', 14));
    const config = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/battery/config')!) as { device: { model: string } };
    assert.equal(config.device.model, 'StayKey lock');
    const codes = JSON.parse(held.get('homeassistant/sensor/staykey_front-door/active_codes/config')!) as { json_attributes_topic: string };
    assert.equal(codes.json_attributes_topic, 'staykey/front-door/active_codes/attributes');
    assert.deepEqual(JSON.parse(held.get('staykey/front-door/active_codes/attributes')!), { set_not_verifiable: 1, codes: 'set, not verifiable' });
  });

  it('publishes everything again after the broker restarts and forgets its retained messages', async () => {
    const board = start();
    board.setLocks([FRONT]);
    board.lockSummary([{ lockId: 'front-door', name: 'Front door', activeGuestCodes: 3, nextArrival: null, lastCodeUsedAt: null }]);
    await retained(broker.url, atLeast(10));
    await broker.restart();
    await eventually('reconnected', () => link.state === 'connected');
    const held = await retained(broker.url, atLeast(10));
    for (const topic of configTopics('front-door')) assert.ok(held.has(topic), `${topic} missing after the restart`);
    assert.equal(held.get('staykey/front-door/active_codes'), '3');
  });

  it('leaves the entities unavailable when Node-RED drops off (the broker config\'s last will)', async () => {
    start().setLocks([FRONT]);
    await retained(broker.url, atLeast(7));
    const ha = await watcher(broker.url, ['staykey/cfg1/availability']);
    closers.push(() => ha.client.endAsync());
    await eventually('online', () => ha.seen.some((m) => m.payload === 'online'));
    (link as unknown as { client: MqttClient }).client.stream.destroy();
    await eventually('offline by last will', () => ha.seen.some((m) => m.payload === 'offline'));
    // And it comes back by itself: online again, discovery again.
    await eventually('online again', () => ha.seen.filter((m) => m.payload === 'online').length >= 2);
  });
});
