/** Zigbee locks through Home Assistant's ZHA integration, against the HA double with the real websocket client. */
import { strict as assert } from 'node:assert';
import { HaConnection } from '../lib/ha/connection';
import { CommandRunner } from '../lib/locks/command-runner';
import { HaZhaLocks } from '../lib/locks/home-assistant/zha';
import { KeypadEvent, LockConfig, LockError } from '../lib/locks/provider';
import { ManualClock } from '../lib/time/clock';
import { lockCommand } from './doubles/ha-fixtures';
import { HaDouble } from './doubles/ha-server';
import { eventually } from './support/red';

const TOKEN = 'zha-test-token-0001';
const PIN = '5729';
const gate: LockConfig = {
  id: 'garden-gate',
  name: 'Garden gate',
  schedules: true,
  device: 'lock.garden_gate',
  rules: { codeLengths: [4], firstSlot: 1, lastSlot: 10, reservedSlots: [1] },
};

describe('ZHA locks through Home Assistant', () => {
  let double: HaDouble;
  let connection: HaConnection;
  let locks: HaZhaLocks;
  let runner: CommandRunner;

  beforeEach(async () => {
    double = await HaDouble.start({ token: TOKEN });
    double.addZhaLock({ entityId: 'lock.garden_gate', name: 'Garden gate', battery: 64 });
    double.addZwaveLock({ entityId: 'lock.front_door', name: 'Front door' });
    const clock = new ManualClock('2026-07-14T12:00:00Z');
    connection = new HaConnection({ url: double.url, token: TOKEN });
    connection.start();
    await connection.whenConnected(5_000);
    await eventually('the entity states arrive', () => connection.entitiesKnown);
    locks = new HaZhaLocks({ locks: [gate], client: connection, clock });
    // As the locks config runs ZHA: the provider says it cannot read codes back (codeCheck 'accepted').
    runner = new CommandRunner(locks, { clock, maxAttempts: 3, random: () => 0.5 });
  });

  afterEach(async () => {
    runner.close();
    await locks.close();
    connection.close();
    await double.close();
  });

  it('sets a code with set_lock_user_code; accepted is final, "set, not verifiable" (ZHA cannot read it back)', async () => {
    assert.equal(locks.codeCheck, 'accepted');
    const result = await runner.execute(lockCommand('set', 3, 'garden-gate'), PIN);
    assert.equal(result.ok, true, result.error);
    assert.deepEqual([result.confirmed, result.unverifiable], [true, true]);
    assert.deepEqual(double.codes('lock.garden_gate'), { 3: PIN });
    assert.equal(double.codeEnabled('lock.garden_gate', 3), true);
    const [call] = double.callsTo('zha', 'set_lock_user_code');
    assert.deepEqual(call.data, { code_slot: 3, user_code: PIN });
    assert.deepEqual(call.target, { entity_id: 'lock.garden_gate' });
  });

  it('clears a code with clear_lock_user_code', async () => {
    double.putCode('lock.garden_gate', 4, '1111');
    const result = await runner.execute(lockCommand('clear', 4, 'garden-gate'), undefined);
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(double.codes('lock.garden_gate'), {});
  });

  it('enables the slot again when only the dates change, so a disabled guest code works', async () => {
    double.putCode('lock.garden_gate', 5, PIN);
    await connection.callService('zha', 'disable_lock_user_code', { code_slot: 5 }, { entity_id: 'lock.garden_gate' });
    assert.equal(double.codeEnabled('lock.garden_gate', 5), false);
    const result = await runner.execute(lockCommand('update', 5, 'garden-gate'), undefined);
    assert.equal(result.ok, true, result.error);
    assert.equal(double.codeEnabled('lock.garden_gate', 5), true);
    assert.deepEqual(double.codes('lock.garden_gate'), { 5: PIN });
    assert.equal(double.callsTo('zha', 'set_lock_user_code').length, 0);
  });

  it('never touches a reserved slot', async () => {
    double.putCode('lock.garden_gate', 1, '9999');
    const result = await runner.execute(lockCommand('set', 1, 'garden-gate'), PIN);
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'rejected-code');
    assert.deepEqual(double.codes('lock.garden_gate'), { 1: '9999' });
    assert.equal(double.serviceCalls.length, 0);
  });

  it('says plainly that it cannot read codes back', async () => {
    await assert.rejects(locks.listCodes('garden-gate'), (err: LockError) => err.transient === false && /ZHA cannot read codes/.test(err.message));
  });

  it("reads the battery from the lock's sensor and online from its availability", async () => {
    assert.deepEqual({ ...(await locks.status('garden-gate')), lastSeenAt: undefined }, { lockId: 'garden-gate', online: true, battery: 64, lastSeenAt: undefined });
    double.setAvailable('lock.garden_gate', false);
    await eventually('the lock is offline', async () => !(await locks.status('garden-gate')).online);
  });

  it('reports a keypad unlock with its slot, and a wrong PIN without one', async () => {
    const events: KeypadEvent[] = [];
    locks.onKeypad((event) => events.push(event));
    await eventually('the subscription is made', () => double.subscriptionCount('zha_event') === 1);
    double.keypadUnlock('lock.garden_gate', 3);
    double.keypadUnlock('lock.front_door', 2); // a Z-Wave lock: not this provider's
    double.keypadWrongCode('lock.garden_gate');
    await eventually('both events arrive', () => events.length === 2);
    assert.deepEqual(
      events.map((event) => [event.lockId, event.slot, event.success]),
      [
        ['garden-gate', 3, true],
        ['garden-gate', null, false],
      ],
    );
  });

  it('retries a write the lock did not answer, and reports it as a timeout', async () => {
    double.failNext('zha', 'set_lock_user_code');
    await assert.rejects(locks.setCode('garden-gate', { slot: 6, name: 'Ana', pin: PIN, startsAt: '', endsAt: '' }), (err: LockError) => {
      assert.equal(err.reason, 'timeout');
      assert.equal(err.transient, true);
      assert.match(err.message, /did not respond/);
      return true;
    });
    const retried = await runner.execute(lockCommand('set', 6, 'garden-gate'), PIN);
    assert.equal(retried.ok, true, retried.error);
    assert.deepEqual(double.codes('lock.garden_gate'), { 6: PIN });
  });
});
