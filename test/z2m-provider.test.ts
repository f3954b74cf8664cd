/**
 * The Zigbee2MQTT provider against a Zigbee2MQTT lock double on a real Mosquitto: what it publishes,
 * how it reads back one slot, what it makes of refusals, silence, lost answers and broker restarts.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, MqttClient } from 'mqtt';
import { CommandRunner } from '../lib/locks/command-runner';
import { KeypadEvent, LockConfig, LockError } from '../lib/locks/provider';
import { devicesFromBridge, listZigbee2MqttDevices, Zigbee2MqttLocks } from '../lib/locks/zigbee2mqtt/zigbee2mqtt';
import type { LockCommand } from '../lib/messages';
import { BrokerConnection } from '../lib/mqtt/broker';
import { ManualClock } from '../lib/time/clock';
import { bridgeDevices, Z2mLockDouble } from './doubles/z2m-lock';
import { Mosquitto } from './support/mosquitto';
import { eventually } from './support/red';

const PIN = '048213';
const OTHER_PIN = '731950';

function frontDoor(overrides: Partial<LockConfig['rules']> = {}): LockConfig {
  return {
    id: 'front-door',
    name: 'Front door',
    device: 'Front door',
    schedules: false,
    rules: { codeLengths: [6], firstSlot: 0, lastSlot: 9, ...overrides },
  };
}

function code(slot: number, pin: string) {
  return { slot, pin, name: 'Ana Costa', startsAt: '2027-03-27T16:00:00.000Z', endsAt: '2027-03-30T10:30:00.000Z' };
}

/** Runs `work` while moving the manual clock on in steps, for as long as it takes (timeouts, backoff). */
async function withClockRunning<T>(clock: ManualClock, work: Promise<T>, stepMs = 5_000, maxSteps = 2_000): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let step = 0; step < maxSteps && !settled; step++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (!settled) clock.advance(stepMs);
  }
  return watched;
}

async function rejectsWith(work: Promise<unknown>, reason: string, transient: boolean): Promise<LockError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof LockError, `expected a LockError, got ${String(err)}`);
    assert.equal(err.reason, reason, err.message);
    assert.equal(err.transient, transient, err.message);
    assert.ok(!err.message.includes(PIN) && !err.message.includes(OTHER_PIN), 'a PIN is in the error');
    return err;
  }
  assert.fail(`expected a ${reason} failure`);
}

describe('Zigbee2MQTT locks (against a lock double on a real broker)', () => {
  let broker: Mosquitto;
  let lock: Z2mLockDouble;
  let link: BrokerConnection;
  let clock: ManualClock;
  let provider: Zigbee2MqttLocks;
  let directory: string;
  let sniffer: MqttClient;
  let sent: Array<{ topic: string; payload: string }>;

  before(async () => {
    broker = await Mosquitto.start();
  });

  after(async () => {
    await broker.close();
  });

  async function startLock(options: { exposePin?: boolean; pinCodeCount?: number } = {}): Promise<void> {
    lock = await Z2mLockDouble.start({ url: broker.url, name: 'Front door', exposePin: options.exposePin ?? true, pinCodeCount: options.pinCodeCount });
  }

  function startProvider(config: LockConfig = frontDoor()): Zigbee2MqttLocks {
    return new Zigbee2MqttLocks({ locks: [config], mqtt: link, clock, file: path.join(directory, 'z2m.json') });
  }

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-z2m-'));
    clock = new ManualClock('2027-03-27T12:00:00Z');
    link = new BrokerConnection({ url: broker.url, clientId: `staykey-${Math.random()}`, availabilityTopic: 'staykey/t/availability', reconnectMs: 100 });
    sent = [];
    sniffer = connect(broker.url, { reconnectPeriod: 100 });
    sniffer.on('message', (topic, payload) => sent.push({ topic, payload: payload.toString() }));
    await new Promise<void>((resolve) => sniffer.once('connect', () => resolve()));
    await sniffer.subscribeAsync(['zigbee2mqtt/Front door/set', 'zigbee2mqtt/Front door/get']);
  });

  afterEach(async () => {
    await provider?.close();
    await link.close();
    await lock?.close();
    await sniffer.endAsync(true);
    if (!broker.isRunning) await broker.restart();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  async function ready(options: { exposePin?: boolean; pinCodeCount?: number; config?: LockConfig } = {}): Promise<void> {
    await startLock(options);
    provider = startProvider(options.config);
    link.start();
    await eventually('connected', () => link.state === 'connected');
    await eventually('the lock is seen online', async () => (await provider.status('front-door')).online);
  }

  it('writes a slot the way Zigbee2MQTT takes it (PIN as text, so a leading 0 survives) and reads that slot back', async () => {
    await ready();
    await provider.setCode('front-door', code(1, PIN));
    assert.deepEqual(lock.codes(), [{ user: 1, pin: PIN, enabled: true }]);
    await eventually('the sniffer saw the command', () => sent.length >= 1);
    assert.deepEqual(sent[0], {
      topic: 'zigbee2mqtt/Front door/set',
      payload: JSON.stringify({ pin_code: { user: 1, user_type: 'unrestricted', user_enabled: true, pin_code: PIN } }),
    });

    assert.deepEqual(await provider.listCodes('front-door'), [{ slot: 1, pin: PIN }]);
    await eventually('the sniffer saw the read', () => sent.length >= 2);
    assert.deepEqual(sent[1], { topic: 'zigbee2mqtt/Front door/get', payload: JSON.stringify({ pin_code: { user: 1 } }) });
    assert.equal(lock.reads, 1, 'one slot read, nothing more');
    assert.equal(lock.fullReads, 0);
    // Asked again, nothing new was written since: the answer comes from what the lock reported.
    assert.deepEqual(await provider.listCodes('front-door'), [{ slot: 1, pin: PIN }]);
    assert.equal(lock.reads, 1);
  });

  it('clears a slot with "pin_code": null, and the slot reads back empty', async () => {
    await ready();
    await provider.setCode('front-door', code(1, PIN));
    await provider.listCodes('front-door');
    await provider.clearCode('front-door', 1);
    assert.deepEqual(lock.codes(), []);
    await eventually('the sniffer saw the clear', () => sent.some((m) => m.payload.includes('null')));
    const clear = JSON.parse(sent.find((m) => m.payload.includes('null'))!.payload) as { pin_code: Record<string, unknown> };
    assert.equal(clear.pin_code.user, 1);
    assert.equal(clear.pin_code.pin_code, null);
    assert.deepEqual(await provider.listCodes('front-door'), []);
  });

  it('confirms a command through the runner by reading the one slot back', async () => {
    await ready();
    const runner = new CommandRunner(provider, { clock, maxAttempts: 3, random: () => 0 });
    const command: LockCommand = { id: 'c1', action: 'set', lockId: 'front-door', slot: 2, codeId: 'k1', name: 'Ana', startsAt: '', endsAt: '' };
    const result = await runner.execute(command, PIN);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.confirmed, true);
    assert.equal(result.attempts, 1);
    assert.equal(lock.writes(2), 1);
    assert.equal(lock.fullReads, 0);
  });

  it('reads a masked PIN (no expose_pin) as unknown, not as a different code', async () => {
    await ready({ exposePin: false });
    await provider.setCode('front-door', code(4, PIN));
    assert.deepEqual(await provider.listCodes('front-door'), [{ slot: 4, pin: null }]);
    assert.deepEqual(await provider.readSlot('front-door', 5), null);
  });

  it('refuses a PIN the lock has reported in another slot, without sending it', async () => {
    await ready();
    await provider.setCode('front-door', code(1, PIN));
    await provider.listCodes('front-door');
    const before = lock.commands.length;
    await rejectsWith(provider.setCode('front-door', code(2, PIN)), 'duplicate-code', false);
    assert.equal(lock.commands.length, before, 'the duplicate went to the lock');
  });

  it('turns a lock that answers but will not keep the code (a duplicate keyed in at the lock) into a duplicate-code refusal', async () => {
    await ready();
    lock.keyInAtTheLock(7, PIN);
    const first = await rejectsWith(withClockRunning(clock, provider.setCode('front-door', code(2, PIN))), 'vendor-error', true);
    assert.match(first.message, /did not save/);
    await rejectsWith(withClockRunning(clock, provider.setCode('front-door', code(2, PIN))), 'duplicate-code', false);
    assert.equal(lock.writes(2), 0);
    assert.equal(lock.fullReads, 0);
  });

  it('refuses a slot beyond the lock\'s users for good, as Zigbee2MQTT reports it', async () => {
    await ready({ pinCodeCount: 5, config: frontDoor({ lastSlot: 9 }) });
    await rejectsWith(provider.setCode('front-door', code(8, PIN)), 'rejected-code', false);
  });

  it('fails fast (offline, worth retrying) while Zigbee2MQTT says the lock is offline, and sends nothing', async () => {
    await ready();
    await lock.dropOffMesh('announced');
    await eventually('offline seen', async () => !(await provider.status('front-door')).online);
    await rejectsWith(provider.setCode('front-door', code(1, PIN)), 'offline', true);
    assert.equal(lock.commands.length, 0);
    await lock.backOnMesh();
    await eventually('online again', async () => (await provider.status('front-door')).online);
    await provider.setCode('front-door', code(1, PIN));
    assert.equal(lock.writes(1), 1);
  });

  it('fails as soon as Zigbee2MQTT logs that it could not deliver the command', async () => {
    await ready();
    await lock.dropOffMesh('unnoticed');
    const err = await rejectsWith(provider.setCode('front-door', code(1, PIN)), 'timeout', true);
    assert.match(err.message, /Zigbee2MQTT could not set the code in slot 1 on Front door: .*Delivery failed/);
  });

  it('times out on a silent lock, then writes once when it is back (nothing applied twice)', async () => {
    await ready();
    await lock.dropOffMesh('silent');
    await rejectsWith(withClockRunning(clock, provider.setCode('front-door', code(1, PIN))), 'timeout', true);
    await lock.backOnMesh();
    await provider.setCode('front-door', code(1, PIN));
    assert.equal(lock.writes(1), 1);
    assert.deepEqual(await provider.listCodes('front-door'), [{ slot: 1, pin: PIN }]);
  });

  it('does not write again when the lock did the write but its answer was lost', async () => {
    await ready();
    lock.loseNextAnswer();
    await withClockRunning(clock, provider.setCode('front-door', code(3, PIN)));
    assert.equal(lock.writes(3), 1);
    assert.deepEqual(await provider.listCodes('front-door'), [{ slot: 3, pin: PIN }]);
  });

  it('completes a command when the broker restarts between the command and the answer, writing once', async () => {
    await ready();
    const runner = new CommandRunner(provider, { clock, maxAttempts: 10, random: () => 0.5 });
    const command: LockCommand = { id: 'c2', action: 'set', lockId: 'front-door', slot: 6, codeId: 'k2', name: 'Ben', startsAt: '', endsAt: '' };
    lock.holdAnswers();
    const running = runner.execute(command, PIN);
    await eventually('the lock got the command', () => lock.commands.length === 1);
    await broker.stop();
    lock.releaseAnswers();
    await broker.restart();
    const result = await withClockRunning(clock, running, 1_000);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.confirmed, true);
    assert.equal(lock.writes(6), 1, 'the code was written twice');
    assert.deepEqual(lock.codes(), [{ user: 6, pin: PIN, enabled: true }]);
  });

  it('reports battery and online from the lock\'s state and availability, and offline while the broker is away', async () => {
    await ready();
    assert.equal((await provider.status('front-door')).battery, null, 'no battery before the lock reports one');
    await lock.setBattery(35);
    await eventually('battery seen', async () => (await provider.status('front-door')).battery === 35);
    const status = await provider.status('front-door');
    assert.equal(status.online, true);
    assert.equal(status.lastSeenAt, clock.now().toISOString());
    await lock.dropOffMesh();
    await eventually('offline', async () => !(await provider.status('front-door')).online);
    await lock.backOnMesh();
    await eventually('online', async () => (await provider.status('front-door')).online);
    await broker.stop();
    await eventually('broker away', async () => !(await provider.status('front-door')).online);
  });

  it('passes keypad use on: the slot that opened the door, or a failed try without a slot; other unlocks are not code use', async () => {
    await ready();
    const events: KeypadEvent[] = [];
    provider.onKeypad((event) => events.push(event));
    await provider.setCode('front-door', code(3, PIN));
    assert.equal(await lock.pressKeypad(PIN), true);
    assert.equal(await lock.pressKeypad('999999'), false);
    await eventually('both events', () => events.length === 2);
    const at = clock.now().toISOString();
    assert.deepEqual(events, [
      { lockId: 'front-door', slot: 3, success: true, at },
      { lockId: 'front-door', slot: null, success: false, at },
    ]);
    // An unlock from Home Assistant or the app (rf) is not a guest's code.
    await sniffer.publishAsync('zigbee2mqtt/Front door', JSON.stringify({ action: 'unlock', action_user: 3, action_source_name: 'rf' }));
    await lock.setBattery(80);
    await eventually('the later state arrives', async () => (await provider.status('front-door')).battery === 80);
    assert.equal(events.length, 2);
  });

  it('remembers the slots it used across a restart (numbers only) and reads just those', async () => {
    await ready();
    await provider.setCode('front-door', code(1, PIN));
    await provider.setCode('front-door', code(4, OTHER_PIN));
    const file = fs.readFileSync(path.join(directory, 'z2m.json'), 'utf8');
    assert.ok(!file.includes(PIN) && !file.includes(OTHER_PIN), 'a PIN is in the file');
    assert.deepEqual(JSON.parse(file), { version: 1, locks: { 'front-door': { slots: [1, 4] } } });

    await provider.close();
    provider = startProvider();
    const readsBefore = lock.reads;
    assert.deepEqual(await provider.listCodes('front-door'), [
      { slot: 1, pin: PIN },
      { slot: 4, pin: OTHER_PIN },
    ]);
    assert.equal(lock.reads - readsBefore, 2);
    assert.equal(lock.fullReads, 0);
  });

  it('says which lock lacks a device name', () => {
    const config = { ...frontDoor(), device: undefined };
    assert.throws(() => startProvider(config), /Front door has no Zigbee2MQTT device/);
  });

  it('lists Zigbee2MQTT devices from its retained device list, locks first, without the coordinator', async () => {
    link.start();
    await eventually('connected', () => link.state === 'connected');
    await sniffer.publishAsync('zigbee2mqtt/bridge/devices', JSON.stringify(bridgeDevices(['Front door'], ['Kitchen plug'])), { retain: true, qos: 1 });
    const devices = await listZigbee2MqttDevices(link, clock);
    assert.deepEqual(
      devices.map((device) => [device.name, device.lock]),
      [
        ['Front door', true],
        ['Kitchen plug', false],
      ],
    );
    assert.deepEqual(devicesFromBridge('not json'), []);
    await sniffer.publishAsync('zigbee2mqtt/bridge/devices', '', { retain: true, qos: 1 });
  });
});
