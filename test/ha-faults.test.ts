/**
 * What goes wrong in the field, against the HA double: Home Assistant restarting in the middle of a
 * command, an answer that never comes, a lock off the mesh for an hour. Commands complete afterwards,
 * nothing is lost and nothing is sent to the lock twice.
 */
import { strict as assert } from 'node:assert';
import { HaConnection } from '../lib/ha/connection';
import { CommandRunner, RunnerResult } from '../lib/locks/command-runner';
import { HaZwaveJsLocks } from '../lib/locks/home-assistant/zwave-js';
import { KeypadEvent, LockConfig } from '../lib/locks/provider';
import { ManualClock } from '../lib/time/clock';
import { driveClock, lockCommand } from './doubles/ha-fixtures';
import { HaDouble } from './doubles/ha-server';
import { eventually } from './support/red';

const TOKEN = 'faults-test-token-0001';
const PIN = '604217';
const frontDoor: LockConfig = {
  id: 'front-door',
  name: 'Front door',
  schedules: false,
  device: 'lock.front_door',
  rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 },
};

describe('Home Assistant faults', () => {
  let double: HaDouble;
  let connection: HaConnection;
  let locks: HaZwaveJsLocks;
  let clock: ManualClock;
  let runner: CommandRunner;

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
    double.addZwaveLock({ entityId: 'lock.front_door', name: 'Front door' });
    clock = new ManualClock('2026-07-14T12:00:00Z');
    // The connection keeps real time (its time limits are for the network); the runner waits on the test's clock.
    connection = new HaConnection({ url: double.url, token: TOKEN }, { callTimeoutMs: 500 });
    connection.start();
    await connection.whenConnected(5_000);
    await eventually('the entity states arrive', () => connection.entitiesKnown);
    locks = new HaZwaveJsLocks({ locks: [frontDoor], client: connection, clock });
    runner = new CommandRunner(locks, { clock, random: () => 0.5, lockName: () => 'Front door' });
  });

  afterEach(async () => {
    runner.close();
    await locks.close();
    connection.close();
    await double.close();
  });

  function setCalls() {
    return double.callsTo('zwave_js', 'set_lock_usercode');
  }

  it('completes a set after Home Assistant restarts before the code reached the lock, writing it once', async () => {
    const restarted = double.restartOnNext('zwave_js', 'set_lock_usercode', { apply: false, downMs: 100 });
    const result = runner.execute(lockCommand('set', 3), PIN);
    await restarted;
    const done = await driveClock(result, clock, 2_000);
    assert.equal(done.ok, true, done.error);
    assert.equal(done.confirmed, true);
    assert.ok(done.attempts >= 2);
    assert.deepEqual(double.codes('lock.front_door'), { 3: PIN });
    assert.equal(setCalls().filter((call) => call.applied).length, 1, 'the code reached the lock more than once');
  });

  it('does not send the code again when Home Assistant restarted after the lock took it', async () => {
    const restarted = double.restartOnNext('zwave_js', 'set_lock_usercode', { apply: true, downMs: 100 });
    const result = runner.execute(lockCommand('set', 3), PIN);
    await restarted;
    const done = await driveClock(result, clock, 2_000);
    assert.equal(done.ok, true, done.error);
    assert.equal(done.confirmed, true);
    assert.deepEqual(double.codes('lock.front_door'), { 3: PIN });
    assert.equal(setCalls().length, 1, 'the retry sent the code a second time');
  });

  it('does not clear twice when the answer to a clear was lost', async () => {
    double.putCode('lock.front_door', 4, '111111');
    const restarted = double.restartOnNext('zwave_js', 'clear_lock_usercode', { apply: true, downMs: 100 });
    const result = runner.execute(lockCommand('clear', 4), undefined);
    await restarted;
    const done = await driveClock(result, clock, 2_000);
    assert.equal(done.ok, true, done.error);
    assert.deepEqual(double.codes('lock.front_door'), {});
    assert.equal(double.callsTo('zwave_js', 'clear_lock_usercode').length, 1);
  });

  it('retries a call Home Assistant never answered, and does not repeat it once it turns out to have worked', async () => {
    const held = double.holdNext('zwave_js', 'set_lock_usercode');
    const result = runner.execute(lockCommand('set', 5), PIN);
    await held.received;
    // The answer is late: the connection gives up on it (0.5 s here), then Home Assistant does it after all.
    await new Promise((resolve) => setTimeout(resolve, 600));
    held.release({ apply: true, answer: true });
    const done = await driveClock(result, clock, 2_000);
    assert.equal(done.ok, true, done.error);
    assert.deepEqual(double.codes('lock.front_door'), { 5: PIN });
    assert.equal(setCalls().length, 1);
  });

  it('waits out a lock that is off the mesh for an hour: both queued commands complete when it returns, each sent once', async () => {
    double.putCode('lock.front_door', 4, '111111');
    double.setAvailable('lock.front_door', false);
    await eventually('the lock is unavailable', () => connection.entity('lock.front_door')?.state === 'unavailable');
    const set = runner.execute(lockCommand('set', 3), PIN);
    const clear = runner.execute(lockCommand('clear', 4), undefined);
    let finished = 0;
    for (const command of [set, clear]) void command.then(() => (finished += 1));

    const start = clock.now().getTime();
    while (clock.now().getTime() - start < 60 * 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      clock.advance(60_000);
    }
    assert.equal(finished, 0, 'a command gave up while the lock was away');
    assert.equal(double.serviceCalls.length, 0, 'commands were sent to an unavailable lock');

    double.setAvailable('lock.front_door', true);
    const [setDone, clearDone] = (await driveClock(Promise.all([set, clear]), clock, 60_000)) as RunnerResult[];
    assert.equal(setDone.ok, true, setDone.error);
    assert.equal(clearDone.ok, true, clearDone.error);
    assert.deepEqual(double.codes('lock.front_door'), { 3: PIN });
    assert.equal(setCalls().length, 1);
    assert.equal(double.callsTo('zwave_js', 'clear_lock_usercode').length, 1);
  });

  it('still hears keypad use after Home Assistant restarts', async () => {
    const events: KeypadEvent[] = [];
    locks.onKeypad((event) => events.push(event));
    await eventually('the subscription is made', () => double.subscriptionCount('zwave_js_notification') === 1);
    await double.restart(100);
    await eventually('the subscription is made again', () => double.subscriptionCount('zwave_js_notification') === 1, 15_000);
    double.keypadUnlock('lock.front_door', 7);
    await eventually('the keypad event arrives', () => events.length === 1);
    assert.equal(events[0].slot, 7);
  });
});
