/**
 * Z-Wave locks through Home Assistant's Z-Wave JS integration, driven through the command runner as
 * lock-provider drives them, against the HA double with the real websocket client.
 */
import { strict as assert } from 'node:assert';
import { HaConnection } from '../lib/ha/connection';
import { CommandRunner } from '../lib/locks/command-runner';
import { HaZwaveJsLocks } from '../lib/locks/home-assistant/zwave-js';
import { KeypadEvent, LockConfig, LockError } from '../lib/locks/provider';
import { ManualClock } from '../lib/time/clock';
import { driveClock, lockCommand } from './doubles/ha-fixtures';
import { HaDouble } from './doubles/ha-server';
import { eventually } from './support/red';

const TOKEN = 'zwave-test-token-0001';
const PIN = '482913';
const frontDoor: LockConfig = {
  id: 'front-door',
  name: 'Front door',
  schedules: true,
  device: 'lock.front_door',
  rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20, reservedSlots: [1] },
};
const wideRange: LockConfig = { ...frontDoor, id: 'wide', device: 'lock.front_door', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 300 } };

describe('Z-Wave JS locks through Home Assistant', () => {
  let double: HaDouble;
  let connection: HaConnection;
  let locks: HaZwaveJsLocks;
  let clock: ManualClock;
  let runner: CommandRunner;

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
    double.addZwaveLock({ entityId: 'lock.front_door', name: 'Front door', battery: 77 });
    double.addZhaLock({ entityId: 'lock.garden_gate', name: 'Garden gate', battery: 50 });
    clock = new ManualClock('2026-07-14T12:00:00Z');
    connection = new HaConnection({ url: double.url, token: TOKEN });
    connection.start();
    await connection.whenConnected(5_000);
    await eventually('the entity states arrive', () => connection.entitiesKnown);
    locks = new HaZwaveJsLocks({ locks: [frontDoor, wideRange], client: connection, clock });
    runner = new CommandRunner(locks, { clock, maxAttempts: 5, random: () => 0.5, lockName: () => 'Front door' });
  });

  afterEach(async () => {
    runner.close();
    await locks.close();
    connection.close();
    await double.close();
  });

  it('sets a code with set_lock_usercode and confirms it by reading that one slot back', async () => {
    const result = await runner.execute(lockCommand('set', 3), PIN);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.confirmed, true);
    assert.deepEqual(double.codes('lock.front_door'), { 3: PIN });
    const [set] = double.callsTo('zwave_js', 'set_lock_usercode');
    assert.deepEqual(set.data, { code_slot: 3, usercode: PIN });
    assert.deepEqual(set.target, { entity_id: 'lock.front_door' });
    const reads = double.callsTo('zwave_js', 'get_lock_usercode');
    assert.deepEqual(
      reads.map((read) => read.data),
      [{ code_slot: 3 }],
      'the runner must read one slot, never the whole lock',
    );
  });

  it('clears a code and confirms the slot is empty', async () => {
    double.putCode('lock.front_door', 4, '111111');
    const result = await runner.execute(lockCommand('clear', 4), undefined);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.confirmed, true);
    assert.deepEqual(double.codes('lock.front_door'), {});
    assert.deepEqual(double.callsTo('zwave_js', 'clear_lock_usercode')[0].data, { code_slot: 4 });
  });

  for (const mask of ['stars', 'zeros'] as const) {
    it(`counts a masked read-back (${mask}) as unknown, not as drift`, async () => {
      double.maskCodes('lock.front_door', mask);
      const result = await runner.execute(lockCommand('set', 5), PIN);
      assert.equal(result.ok, true, result.error);
      assert.equal(result.confirmed, true);
      assert.equal(result.attempts, 1, 'a masked PIN is not a failed attempt');
      assert.deepEqual(double.codes('lock.front_door'), { 5: PIN });
      assert.deepEqual(await locks.readSlot('front-door', 5), { slot: 5, pin: null });
    });
  }

  it('reports a code the lock refuses as a duplicate of another slot, after one retry instead of thirty', async () => {
    await eventually('the provider listens for lock notifications', () => double.subscriptionCount('zwave_js_notification') === 1);
    double.putCode('lock.front_door', 2, PIN);
    const result = await driveClock(runner.execute(lockCommand('set', 3), PIN), clock, 2_000);
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'duplicate-code');
    assert.equal(result.attempts, 2);
    assert.deepEqual(double.codes('lock.front_door'), { 2: PIN });
    assert.ok(!String(result.error).includes(PIN));
  });

  it('never touches a reserved slot (the owner code in slot 1 stays)', async () => {
    double.putCode('lock.front_door', 1, '999999');
    const set = await runner.execute(lockCommand('set', 1), PIN);
    const clear = await runner.execute(lockCommand('clear', 1), undefined);
    for (const result of [set, clear]) {
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'rejected-code');
      assert.equal(result.attempts, 1);
    }
    assert.deepEqual(double.codes('lock.front_door'), { 1: '999999' });
    assert.equal(double.serviceCalls.length, 0, 'nothing reached Home Assistant');
  });

  it("treats Home Assistant's validation error as final, not worth retrying", async () => {
    const refused = locks.setCode('wide', { slot: 260, name: 'Ana', pin: PIN, startsAt: '', endsAt: '' });
    await assert.rejects(refused, (err: LockError) => {
      assert.equal(err.reason, 'rejected-code');
      assert.equal(err.transient, false);
      assert.ok(!err.message.includes(PIN));
      return true;
    });
  });

  it("tells the host once about a slot beyond the lock's capacity (code slot N not found), without retrying", async () => {
    const onWide = (action: 'set' | 'clear') => lockCommand(action, 31, 'wide');
    const set = await driveClock(runner.execute(onWide('set'), PIN), clock, 2_000);
    const clear = await driveClock(runner.execute(onWide('clear'), undefined), clock, 2_000);
    for (const result of [set, clear]) {
      assert.equal(result.ok, false);
      assert.equal(result.reason, 'rejected-code');
      assert.equal(result.attempts, 1);
      assert.match(result.error ?? '', /no code slot 31/);
      assert.match(result.error ?? '', /last slot in the locks config/);
      assert.ok(!String(result.error).includes(PIN));
    }
    assert.equal(double.callsTo('zwave_js', 'set_lock_usercode').length, 1);
    assert.equal(double.callsTo('zwave_js', 'clear_lock_usercode').length, 1);
  });

  it('changes only the dates of a code without a PIN: nothing is sent, the code stays', async () => {
    double.putCode('lock.front_door', 6, PIN);
    const result = await runner.execute(lockCommand('update', 6), undefined);
    assert.equal(result.ok, true, result.error);
    assert.equal(double.callsTo('zwave_js', 'set_lock_usercode').length, 0);
    assert.deepEqual(double.codes('lock.front_door'), { 6: PIN });
    const empty = await runner.execute(lockCommand('update', 7), undefined);
    assert.equal(empty.ok, false);
    assert.equal(empty.reason, 'rejected-code');
  });

  it('lists the codes on the lock when asked for a read', async () => {
    double.putCode('lock.front_door', 1, '999999');
    double.putCode('lock.front_door', 8, PIN);
    const result = await runner.execute(lockCommand('read', 0), undefined);
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(result.codes, [
      { slot: 1, pin: '999999' },
      { slot: 8, pin: PIN },
    ]);
  });

  it('keeps Z-Wave locks without schedules, whatever the row says', async () => {
    assert.deepEqual(
      (await locks.listLocks()).map((lock) => lock.schedules),
      [false, false],
    );
  });

  it("reads the battery from the sensor on the lock's device, and online from the lock's availability", async () => {
    const status = await locks.status('front-door');
    assert.equal(status.online, true);
    assert.equal(status.battery, 77);
    assert.ok(status.lastSeenAt);
    double.setBattery('lock.front_door', 23);
    await eventually('the battery is 23 %', async () => (await locks.status('front-door')).battery === 23);
    double.setAvailable('lock.front_door', false);
    await eventually('the lock is offline', async () => !(await locks.status('front-door')).online);
    double.setState('lock.front_door', 'unknown');
    await eventually('an unknown lock is not online either', async () => connection.entity('lock.front_door')?.state === 'unknown');
    assert.equal((await locks.status('front-door')).online, false);
  });

  it('reports a code used at the keypad, with its slot, and wrong codes without one', async () => {
    const events: KeypadEvent[] = [];
    const stop = locks.onKeypad((event) => events.push(event));
    await eventually('the subscription is made', () => double.subscriptionCount('zwave_js_notification') === 1);
    double.keypadUnlock('lock.front_door', 3);
    double.keypadUnlock('lock.garden_gate', 4); // a ZHA lock: not this provider's
    double.keypadWrongCode('lock.front_door');
    await eventually('both events arrive', () => events.length === 2);
    assert.equal(events[0].lockId, 'front-door');
    assert.equal(events[0].slot, 3);
    assert.equal(events[0].success, true);
    assert.ok(!Number.isNaN(Date.parse(events[0].at)));
    assert.deepEqual({ ...events[1], at: undefined }, { lockId: 'front-door', slot: null, success: false, at: undefined });
    stop();
  });

  describe('when Home Assistant will not list its entity registry', () => {
    const usedAtKeypad = async (): Promise<KeypadEvent[]> => {
      const events: KeypadEvent[] = [];
      locks.onKeypad((event) => events.push(event));
      await eventually('the subscription is made', () => double.subscriptionCount('zwave_js_notification') === 1);
      double.keypadUnlock('lock.front_door', 3);
      return events;
    };

    it("finds the lock's device through the compact listing: keypad use, battery and duplicate codes go on", async () => {
      double.refuseCommand('config/entity_registry/list');
      const events = await usedAtKeypad();
      await eventually('the keypad use arrives', () => events.length === 1);
      assert.equal(events[0].lockId, 'front-door');
      assert.equal(events[0].slot, 3);
      const status = await locks.status('front-door');
      assert.equal(status.battery, 77);
      assert.equal(status.warning, undefined);
      double.putCode('lock.front_door', 2, PIN);
      const refused = await driveClock(runner.execute(lockCommand('set', 3), PIN), clock, 2_000);
      assert.equal(refused.reason, 'duplicate-code');
    });

    it('tells the host in the lock status, naming what stops working and what to change', async () => {
      double.refuseCommand('config/entity_registry/list');
      double.refuseCommand('config/entity_registry/list_for_display');
      const status = await locks.status('front-door');
      assert.equal(status.online, true);
      assert.match(status.warning ?? '', /would not list its entity registry \(Unauthorized; Unauthorized\)/);
      assert.match(status.warning ?? '', /keypad use, the battery sensor and duplicate-code reports/);
      assert.match(status.warning ?? '', /token of an administrator/);
      assert.ok(!(status.warning ?? '').includes(TOKEN));
    });
  });

  it('does not send a write to a lock that is off the mesh, and retries it', async () => {
    double.setAvailable('lock.front_door', false);
    await eventually('the lock is unavailable', () => connection.entity('lock.front_door')?.state === 'unavailable');
    await assert.rejects(locks.setCode('front-door', { slot: 3, name: 'Ana', pin: PIN, startsAt: '', endsAt: '' }), (err: LockError) => {
      assert.equal(err.reason, 'offline');
      assert.equal(err.transient, true);
      return true;
    });
    assert.equal(double.serviceCalls.length, 0);
    const result = runner.execute(lockCommand('set', 3), PIN);
    await new Promise((resolve) => setTimeout(resolve, 30));
    double.setAvailable('lock.front_door', true);
    const done = await driveClock(result, clock, 5_000);
    assert.equal(done.ok, true, done.error);
    assert.deepEqual(double.codes('lock.front_door'), { 3: PIN });
  });

  it('refuses a lock row without a lock entity', () => {
    assert.throws(() => new HaZwaveJsLocks({ locks: [{ ...frontDoor, device: 'front door' }], client: connection }), /lock\.front_door/);
  });
});
