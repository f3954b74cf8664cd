/**
 * The shared broker connection against a real Mosquitto of the test's own: availability and last
 * will, subscriptions restored after a broker restart, a refused login, nothing queued while away.
 */
import { strict as assert } from 'node:assert';
import { connect, MqttClient } from 'mqtt';
import { BrokerConnection, checkBrokerUrl } from '../lib/mqtt/broker';
import { ConnectionState, MqttMessage, MqttNotConnected, topicMatches } from '../lib/mqtt/link';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Mosquitto, testCertificates } from './support/mosquitto';
import { eventually } from './support/red';

/** A plain client on the side, watching what the broker holds and forwards. */
async function observer(url: string, filter: string): Promise<{ client: MqttClient; seen: Array<{ topic: string; payload: string; retain: boolean }> }> {
  const client = connect(url, { reconnectPeriod: 100 });
  const seen: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  await client.subscribeAsync(filter, { qos: 1 });
  return { client, seen };
}

function connectionTo(broker: Mosquitto, extra: Partial<ConstructorParameters<typeof BrokerConnection>[0]> = {}): BrokerConnection {
  return new BrokerConnection({
    url: broker.url,
    clientId: `staykey-test-${Math.random().toString(16).slice(2)}`,
    availabilityTopic: 'staykey/test-config/availability',
    reconnectMs: 100,
    ...extra,
  });
}

describe('MQTT broker connection', () => {
  let broker: Mosquitto;
  const closers: Array<() => Promise<unknown> | void> = [];

  before(async () => {
    broker = await Mosquitto.start();
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    if (!broker.isRunning) await broker.restart();
  });

  after(async () => {
    await broker.close();
  });

  it('takes mqtt:// and mqtts:// URLs and explains any other', () => {
    assert.equal(checkBrokerUrl(' mqtt://core-mosquitto:1883 '), 'mqtt://core-mosquitto:1883');
    assert.equal(checkBrokerUrl('mqtts://broker.example.com:8883'), 'mqtts://broker.example.com:8883');
    assert.throws(() => checkBrokerUrl('http://broker:1883'), /must start with mqtt:\/\/ or mqtts:\/\//);
    assert.throws(() => checkBrokerUrl(''), /no broker URL/);
    assert.throws(() => checkBrokerUrl('mqtt://ha:s3cret@broker:1883'), (err: Error) => /own fields/.test(err.message) && !err.message.includes('s3cret'));
  });

  it('matches topic filters the way MQTT does', () => {
    assert.ok(topicMatches('zigbee2mqtt/+/availability', 'zigbee2mqtt/Front door/availability'));
    assert.ok(topicMatches('homeassistant/#', 'homeassistant/sensor/x/config'));
    assert.ok(!topicMatches('zigbee2mqtt/+', 'zigbee2mqtt/Front door/availability'));
    assert.ok(!topicMatches('zigbee2mqtt/Front door', 'zigbee2mqtt/Back door'));
  });

  it('connects, says online (retained) on its availability topic, and delivers what it subscribed to', async () => {
    const connection = connectionTo(broker);
    closers.push(() => connection.close());
    const received: MqttMessage[] = [];
    connection.subscribe('locks/+/state', (message) => received.push(message));
    connection.start();
    await eventually('connected', () => connection.state === 'connected');

    const late = await observer(broker.url, 'staykey/test-config/availability');
    closers.push(() => late.client.endAsync());
    await eventually('the retained availability arrives', () => late.seen.length > 0);
    assert.deepEqual(late.seen[0], { topic: 'staykey/test-config/availability', payload: 'online', retain: true });

    await late.client.publishAsync('locks/front/state', '{"battery":80}');
    await eventually('the message arrives', () => received.length === 1);
    assert.deepEqual(received[0], { topic: 'locks/front/state', payload: '{"battery":80}', retained: false });
  });

  it('puts its subscriptions back after the broker restarts, and says so only once they are back', async () => {
    const connection = connectionTo(broker);
    closers.push(() => connection.close());
    const states: ConnectionState[] = [];
    connection.onState((state) => states.push(state));
    const received: string[] = [];
    connection.subscribe('zigbee2mqtt/Front door', (message) => received.push(message.payload));
    connection.start();
    await eventually('connected', () => connection.state === 'connected');

    await broker.restart();
    await eventually('reconnected', () => states.filter((state) => state === 'connected').length === 2);
    assert.ok(states.includes('disconnected'), `states were ${states.join(', ')}`);

    const side = await observer(broker.url, 'unused/topic');
    closers.push(() => side.client.endAsync());
    await side.client.publishAsync('zigbee2mqtt/Front door', '{"battery":55}');
    await eventually('the message after the restart arrives', () => received.includes('{"battery":55}'));
  });

  it('leaves "offline" behind as its last will when its connection dies', async () => {
    // No reconnect within the test: what the broker holds afterwards is the will alone.
    const connection = connectionTo(broker, { reconnectMs: 60_000 });
    closers.push(() => connection.close());
    connection.start();
    await eventually('connected', () => connection.state === 'connected');
    const watcher = await observer(broker.url, 'staykey/test-config/availability');
    closers.push(() => watcher.client.endAsync());
    await eventually('online seen', () => watcher.seen.some((m) => m.payload === 'online'));

    // The network drops: no DISCONNECT reaches the broker, so it publishes the will.
    (connection as unknown as { client: MqttClient }).client.stream.destroy();
    await eventually('the will arrives', () => watcher.seen.some((m) => m.payload === 'offline'));
    await eventually('the connection knows it is down', () => connection.state === 'disconnected');

    const late = await observer(broker.url, 'staykey/test-config/availability');
    closers.push(() => late.client.endAsync());
    await eventually('the retained availability arrives', () => late.seen.length > 0);
    assert.deepEqual(late.seen[0], { topic: 'staykey/test-config/availability', payload: 'offline', retain: true });
  });

  it('says offline (retained) when it is closed on purpose', async () => {
    const connection = connectionTo(broker);
    connection.start();
    await eventually('connected', () => connection.state === 'connected');
    await connection.close();
    assert.equal(connection.state, 'closed');
    const late = await observer(broker.url, 'staykey/test-config/availability');
    closers.push(() => late.client.endAsync());
    await eventually('the retained availability arrives', () => late.seen.length > 0);
    assert.equal(late.seen[0].payload, 'offline');
  });

  it('refuses to publish while the broker is away, rather than queueing a command for later', async () => {
    const connection = connectionTo(broker);
    closers.push(() => connection.close());
    connection.start();
    await eventually('connected', () => connection.state === 'connected');
    await broker.stop();
    await eventually('disconnected', () => connection.state === 'disconnected');
    await assert.rejects(connection.publish('zigbee2mqtt/Front door/set', '{}', { qos: 0 }), MqttNotConnected);

    const watcher = { seen: [] as string[] };
    await broker.restart();
    await eventually('reconnected', () => connection.state === 'connected');
    const side = await observer(broker.url, 'zigbee2mqtt/#');
    closers.push(() => side.client.endAsync());
    side.client.on('message', (topic) => watcher.seen.push(topic));
    await connection.publish('zigbee2mqtt/marker', 'x', { qos: 1 });
    await eventually('the marker arrives', () => watcher.seen.includes('zigbee2mqtt/marker'));
    assert.ok(!watcher.seen.includes('zigbee2mqtt/Front door/set'), 'the refused command went out after all');
  });

  describe('with a login', () => {
    let secured: Mosquitto;

    before(async () => {
      secured = await Mosquitto.start({ users: { nodered: 'right-password' } });
    });

    after(async () => {
      await secured.close();
    });

    it('connects with the right user and password', async () => {
      const connection = connectionTo(secured, { username: 'nodered', password: 'right-password' });
      closers.push(() => connection.close());
      connection.start();
      await eventually('connected', () => connection.state === 'connected');
    });

    it('stops at a wrong password with a clear reason, without the password, and without retrying', async () => {
      const connection = connectionTo(secured, { username: 'nodered', password: 'wrong-password' });
      closers.push(() => connection.close());
      const states: ConnectionState[] = [];
      connection.onState((state) => states.push(state));
      connection.start();
      await eventually('refused', () => connection.state === 'refused');
      assert.match(connection.problem ?? '', /refused.*(user name or password|not authorised)/);
      assert.ok(!(connection.problem ?? '').includes('wrong-password'));
      // Several reconnect periods later it has not tried again.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(states.filter((state) => state === 'refused').length, 1);
      assert.equal(connection.state, 'refused');
    });
  });

  describe('over TLS (mqtts)', () => {
    let secure: Mosquitto | undefined;
    let certificates: ReturnType<typeof testCertificates>;
    let directory: string;

    before(async function () {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-tls-'));
      certificates = testCertificates(directory);
      if (!certificates) this.skip();
      secure = await Mosquitto.start({ tls: certificates });
    });

    after(async () => {
      await secure?.close();
      fs.rmSync(directory, { recursive: true, force: true });
    });

    it('refuses a certificate it cannot check, and says why', async () => {
      const connection = connectionTo(secure!);
      closers.push(() => connection.close());
      connection.start();
      await eventually('the certificate problem is known', () => /certificate could not be checked.*paste its CA/.test(connection.problem ?? ''));
      assert.notEqual(connection.state, 'connected');
    });

    it('connects when given the certificate authority', async () => {
      const connection = connectionTo(secure!, { ca: fs.readFileSync(certificates!.caFile, 'utf8') });
      closers.push(() => connection.close());
      connection.start();
      await eventually('connected', () => connection.state === 'connected');
    });

    it('connects to a self-signed broker when told not to check the certificate', async () => {
      const connection = connectionTo(secure!, { rejectUnauthorized: false });
      closers.push(() => connection.close());
      connection.start();
      await eventually('connected', () => connection.state === 'connected');
    });
  });
});
