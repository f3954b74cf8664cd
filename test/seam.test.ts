/**
 * The Seam provider against Seam's official fake: the lifecycle of a code (Seam holds it, programs
 * it, changes it in place, deletes it), read back before it counts; errors and outages mapped to the
 * reasons every provider uses; codes StayKey did not make left alone; device rules, battery, events.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandRunner } from '../lib/locks/command-runner';
import { CodeToSet, KeypadEvent, LockConfig, LockError } from '../lib/locks/provider';
import { listSeamDevices, openSeamAccount, SeamAccount, SeamLocks, suggestedSeamLock } from '../lib/locks/seam';
import { FIRST_FOREIGN_SLOT } from '../lib/locks/vendor-slots';
import { generatePin, ruleBroken } from '../lib/pins/pin-rules';
import type { LockCommand } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import { driveClock, until } from './doubles/nuki-cloud';
import { AUGUST_BACK, AUGUST_FRONT, LossyProxy, SEAM_ACCOUNT, SEAM_KEY, SEAM_WORKSPACE, SeamFake } from './doubles/seam-fake';

const PIN = '482913';
const NOW = '2027-03-01T10:00:00.000Z';
const code: CodeToSet = { slot: 3, name: 'SK Ada', pin: PIN, startsAt: '2027-03-05T15:00:00.000Z', endsAt: '2027-03-08T10:00:00.000Z' };

function lockRow(id: string, device: string, rules: Partial<LockConfig['rules']> = {}): LockConfig {
  return { id, name: id === 'front' ? 'Front door' : id, schedules: false, device, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20, ...rules } };
}

async function lockError(work: Promise<unknown>): Promise<LockError> {
  try {
    await work;
  } catch (err) {
    assert.ok(err instanceof LockError, `expected a LockError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

function command(action: LockCommand['action'], extra: Partial<LockCommand> = {}): LockCommand {
  return { id: `${action}-3`, action, lockId: 'front', slot: 3, codeId: 'HM1@front', name: code.name, startsAt: code.startsAt, endsAt: code.endsAt, ...extra };
}

describe('Seam provider against Seam’s official fake', function () {
  this.timeout(20_000);
  let fake: SeamFake;
  let clock: ManualClock;
  let dir: string;
  let account: SeamAccount;
  let locks: SeamLocks;
  let rows: LockConfig[];

  function provider(options: { key?: string; endpoint?: string; file?: string } = {}): SeamLocks {
    account = openSeamAccount({ apiKey: () => options.key ?? SEAM_KEY, endpoint: options.endpoint ?? fake.url });
    rows = [lockRow('front', AUGUST_FRONT), lockRow('back', AUGUST_BACK)];
    return new SeamLocks({ locks: rows, account, clock, file: options.file ?? path.join(dir, 'seam.json'), eventsEveryMs: 60_000 });
  }

  beforeEach(async () => {
    fake = await SeamFake.start();
    clock = new ManualClock(NOW);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-seam-'));
    locks = provider();
  });

  afterEach(async () => {
    await locks.close();
    await fake.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('the life of a code', () => {
    it('creates a time-bound access code with the window and reads it back in its slot', async () => {
      await locks.setCode('front', code);
      const [created] = fake.codesOn(AUGUST_FRONT);
      assert.equal(created.code, PIN);
      assert.equal(created.name, 'SK Ada');
      assert.equal(created.starts_at, code.startsAt);
      assert.equal(created.ends_at, code.endsAt);
      assert.deepEqual(await locks.listCodes('front'), [{ slot: 3, name: 'SK Ada', pin: PIN, startsAt: code.startsAt, endsAt: code.endsAt }]);
    });

    it('counts a code only once the lock has it when its window has begun (unset -> set)', async () => {
      clock.advanceTo('2027-03-05T16:00:00Z');
      const stillSetting = await lockError(locks.setCode('front', code));
      assert.equal(stillSetting.reason, 'busy');
      assert.ok(stillSetting.transient);
      assert.deepEqual(await locks.listCodes('front'), [], 'a code Seam has not put on the lock is not on it');
      fake.programDevice(AUGUST_FRONT);
      await locks.setCode('front', code);
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 1, 'the retry checked the same code, it did not make another');
      assert.equal((await locks.listCodes('front')).length, 1);
    });

    it('runs through the runner: set confirmed by reading back, retried while Seam is still setting', async () => {
      clock.advanceTo('2027-03-05T16:00:00Z');
      const runner = new CommandRunner(locks, { clock, maxAttempts: 5, baseDelayMs: 1000, random: () => 0.5 });
      // The device takes the code only after the first reading found Seam still setting it.
      const result = runner.execute(command('set'), PIN, () => fake.programDevice(AUGUST_FRONT));
      await driveClock(clock, result, { stepMs: 1000 });
      const done = await result;
      assert.equal(done.ok, true, done.error);
      assert.equal(done.confirmed, true);
      assert.ok(done.attempts >= 2, 'the first reading found the code still being set');
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 1);
    });

    it('changes the dates in place on a date change: the same access code, the same PIN', async () => {
      await locks.setCode('front', code);
      const [before] = fake.codesOn(AUGUST_FRONT);
      const later = { slot: 3, name: 'SK Ada', startsAt: '2027-03-06T15:00:00.000Z', endsAt: '2027-03-09T10:00:00.000Z' };
      await locks.updateCode('front', later);
      const after = fake.codesOn(AUGUST_FRONT);
      assert.equal(after.length, 1);
      assert.equal(after[0].access_code_id, before.access_code_id);
      assert.equal(after[0].code, PIN);
      assert.equal(after[0].starts_at, later.startsAt);
      assert.equal(after[0].ends_at, later.endsAt);
    });

    it('deletes the code on a cancellation; clearing an empty slot is fine', async () => {
      await locks.setCode('front', code);
      await locks.clearCode('front', 3);
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 0);
      assert.deepEqual(await locks.listCodes('front'), []);
      await locks.clearCode('front', 3);
    });

    it('puts a code back when someone deleted it in Seam behind StayKey’s back', async () => {
      await locks.setCode('front', code);
      const [first] = fake.codesOn(AUGUST_FRONT);
      fake.db.access_codes.splice(0); // not a method: the fake's state is read live
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 0);
      await locks.setCode('front', code);
      const [again] = fake.codesOn(AUGUST_FRONT);
      assert.ok(again && again.access_code_id !== first.access_code_id);
    });
  });

  describe('what Seam reports', () => {
    it('maps a duplicate code to duplicate-code (no retry), never with the PIN in the sentence', async () => {
      fake.db.addAccessCode({ workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, name: 'Owner', code: PIN, is_managed: false });
      const err = await lockError(locks.setCode('front', code));
      assert.equal(err.reason, 'duplicate-code');
      assert.equal(err.transient, false);
      assert.ok(!err.message.includes(PIN), err.message);
    });

    it('maps errors on the code (failed to set, device offline, no room) to StayKey’s reasons', async () => {
      await locks.setCode('front', code);
      const [created] = fake.codesOn(AUGUST_FRONT);
      const cases: Array<[string, string, boolean]> = [
        ['device_offline', 'offline', true],
        ['failed_to_set_on_device', 'vendor-error', true],
        ['no_space_for_access_code_on_device', 'slots-full', false],
        ['account_disconnected', 'auth', false],
      ];
      for (const [errorCode, reason, transient] of cases) {
        fake.db.updateAccessCode({ access_code_id: created.access_code_id, errors: [{ error_code: errorCode, message: 'x', is_access_code_error: true }] });
        const err = await lockError(locks.setCode('front', code));
        assert.equal(err.reason, reason, errorCode);
        assert.equal(err.transient, transient, errorCode);
        assert.deepEqual(await locks.listCodes('front'), [], `${errorCode}: a code with an error is not on the lock`);
      }
    });

    it('reports an offline device as offline, with its battery in percent', async () => {
      fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { online: false, battery_level: 0.18 } });
      const status = await locks.status('front');
      assert.equal(status.online, false);
      assert.equal(status.battery, 18);
      fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { online: true }, errors: [{ error_code: 'device_offline', message: 'x' }] });
      assert.equal((await locks.status('front')).online, false, 'a device error saying offline wins over the online flag');
    });

    it('refuses a wrong API key as auth, for good, and never says the key', async () => {
      const wrong = provider({ key: 'seam_wrongkey_0000' });
      const err = await lockError(wrong.setCode('front', code));
      assert.equal(err.reason, 'auth');
      assert.equal(err.transient, false);
      assert.ok(!err.message.includes('seam_wrongkey_0000'));
      await wrong.close();
    });

    it('tells an outage (503) as worth another try, and writes once it is over', async () => {
      fake.outage(['/access_codes/create']);
      const err = await lockError(locks.setCode('front', code));
      assert.equal(err.reason, 'vendor-error');
      assert.ok(err.transient);
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 0);
      fake.recover();
      await locks.setCode('front', code);
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 1);
    });

    it('takes runs and too few different digits from the device’s constraints, and PINs drawn for it obey them', async () => {
      fake.db.updateDevice({
        device_id: AUGUST_BACK,
        properties: { code_constraints: [{ constraint_type: 'no_ascending_or_descending_sequence' }, { constraint_type: 'at_least_three_unique_digits' }] },
      });
      await locks.status('back');
      const rules = rows[1].rules;
      assert.equal(rules.noRunsOf, 3);
      assert.equal(rules.minDistinctDigits, 3);
      const run = await lockError(locks.setCode('back', { ...code, pin: '591238' }));
      assert.match(run.message, /3 consecutive digits/);
      assert.equal(ruleBroken('905581', rules), undefined);
      assert.match(ruleBroken('597652', rules) ?? '', /consecutive/, '7-6-5 runs down');
      for (let i = 0; i < 200; i++) {
        const pin = generatePin(rules, () => false);
        assert.equal(ruleBroken(pin, rules), undefined, pin);
      }
    });

    it('recognises a create whose answer was lost, across a restart, instead of creating it twice', async () => {
      const proxy = new LossyProxy(fake.url);
      const endpoint = await proxy.start();
      try {
        await locks.close();
        locks = provider({ endpoint });
        proxy.dropAnswers.add('/access_codes/create');
        const lost = await lockError(locks.setCode('front', code));
        assert.ok(lost.transient, lost.message);
        assert.equal(fake.codesOn(AUGUST_FRONT).length, 1, 'the create reached Seam');
        await locks.close();
        proxy.dropAnswers.clear();
        locks = provider({ endpoint }); // a Node-RED restart: the slot book comes from its file
        await locks.setCode('front', code);
        assert.equal(fake.codesOn(AUGUST_FRONT).length, 1, 'nothing doubled');
        assert.equal((await locks.listCodes('front'))[0]?.slot, 3);
      } finally {
        await proxy.stop();
      }
    });
  });

  describe('codes the lock’s system chooses', () => {
    function igloo(): { lock: LockConfig; deviceId: string } {
      const device = fake.db.addDevice({
        device_type: 'igloohome_lock',
        name: 'Garden gate',
        workspace_id: SEAM_WORKSPACE,
        connected_account_id: SEAM_ACCOUNT,
        can_program_online_access_codes: false,
        properties: { online: false, supported_code_lengths: [6, 7, 8, 9] },
      });
      fake.db.updateDevice({ device_id: device.device_id, can_program_offline_access_codes: true });
      return { lock: lockRow('gate', device.device_id), deviceId: device.device_id };
    }

    it('gives a lock without connectivity an offline code: Seam’s PIN, never StayKey’s, and the hours it honours', async () => {
      const { lock, deviceId } = igloo();
      const gate = new SeamLocks({ locks: [lock], account, clock, file: path.join(dir, 'gate.json') });
      try {
        const outcome = await gate.setCode('gate', code);
        const [made] = fake.codesOn(deviceId);
        assert.ok(outcome?.fromLock, 'the PIN the lock chose comes back');
        assert.equal(outcome.fromLock.why, 'offline-code');
        assert.equal(outcome.fromLock.pin, made.code);
        assert.notEqual(made.code, PIN, 'the PIN StayKey drew is not sent');
        assert.equal(outcome.fromLock.startsAt, made.starts_at);
        assert.deepEqual((await gate.listCodes('gate')).map((c) => [c.slot, c.pin]), [[3, made.code]]);
        assert.deepEqual(await gate.setCode('gate', code), outcome, 'a retry gives the same code, it does not make another');
        assert.equal(fake.codesOn(deviceId).length, 1);
      } finally {
        await gate.close();
      }
    });

    it('makes a new offline code on a date change, and tells the host the old one opens until its end', async () => {
      const { lock, deviceId } = igloo();
      const gate = new SeamLocks({ locks: [lock], account, clock });
      try {
        const first = await gate.setCode('gate', code);
        const later = { slot: 3, name: 'SK Ada', startsAt: '2027-03-06T15:00:00.000Z', endsAt: '2027-03-09T10:00:00.000Z' };
        const second = await gate.updateCode('gate', later);
        assert.ok(second?.fromLock && first?.fromLock);
        assert.equal(fake.codesOn(deviceId).length, 1, 'the old code is gone from Seam');
        assert.equal(second.fromLock.startsAt, later.startsAt);
        assert.match(second.notice ?? '', /keeps opening the door until 2027-03-08T10:00:00.000Z/);
        const cleared = await gate.clearCode('gate', 3);
        assert.match(cleared?.notice ?? '', /offline code in slot 3 keeps opening the door until 2027-03-09T10:00:00.000Z/);
        assert.ok(!(cleared?.notice ?? '').includes(second.fromLock.pin), 'never the PIN');
        assert.equal(fake.codesOn(deviceId).length, 0);
      } finally {
        await gate.close();
      }
    });

    it('pulls a backup code from Seam’s pool when the guest’s own code fails shortly before arrival', async () => {
      fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { supports_backup_access_code_pool: true } });
      fake.db.addAccessCode({ workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, name: 'Backup 1', code: '913527', is_backup: true, status: 'set' });
      clock.advanceTo('2027-03-05T13:00:00Z'); // two hours before the code starts
      const runner = new CommandRunner(locks, { clock, maxAttempts: 5, baseDelayMs: 1000, random: () => 0.5 });
      const failOnDevice = () => {
        const own = fake.codesOn(AUGUST_FRONT).find((c) => c.name === 'SK Ada');
        if (own) fake.db.updateAccessCode({ access_code_id: own.access_code_id, errors: [{ error_code: 'failed_to_set_on_device', message: 'x' }] });
      };
      const startsSoon = { ...command('set'), startsAt: '2027-03-05T15:00:00.000Z' };
      // The device reports the failure only once Seam tried: after the first reading.
      clock.advanceTo('2027-03-05T15:30:00Z');
      const result = runner.execute(startsSoon, PIN, failOnDevice);
      await driveClock(clock, result, { stepMs: 1000 });
      const done = await result;
      assert.equal(done.ok, true, done.error);
      assert.equal(done.fromLock?.why, 'backup-pool');
      assert.equal(done.fromLock?.pin, '913527');
      assert.match(done.notice ?? '', /backup pool/);
      const names = fake.codesOn(AUGUST_FRONT).map((c) => c.name);
      assert.ok(!names.includes('SK Ada') && names.includes('Backup 1'), `the failed code is gone, the backup holds the slot: ${names.join(', ')}`);
      assert.equal((await locks.listCodes('front')).find((c) => c.slot === 3)?.pin, '913527');
    });

    it('does not pull a backup for a stay that starts in days: Seam may still set the guest’s own code', async () => {
      fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { supports_backup_access_code_pool: true } });
      fake.db.addAccessCode({ workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, name: 'Backup 1', code: '913527', is_backup: true, status: 'set' });
      await locks.setCode('front', code);
      const own = fake.codesOn(AUGUST_FRONT).find((c) => c.name === 'SK Ada')!;
      fake.db.updateAccessCode({ access_code_id: own.access_code_id, errors: [{ error_code: 'failed_to_set_on_device', message: 'x' }] });
      const err = await lockError(locks.setCode('front', code));
      assert.equal(err.reason, 'vendor-error');
      const still = fake.codesOn(AUGUST_FRONT).find((c) => c.access_code_id === own.access_code_id);
      assert.ok(still && !still.pulled_backup_access_code_id, 'nothing pulled: the guest’s own code stays, for Seam to set');
    });
  });

  describe('codes StayKey did not make, and the device’s rules', () => {
    it('lists unmanaged and other apps’ codes in slots from 1001, and never changes them', async () => {
      fake.db.addAccessCode({ workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, name: 'Cleaner', code: '735104', is_managed: false });
      fake.db.addAccessCode({ workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, name: 'Other app', code: '610482' });
      await locks.setCode('front', code);
      const listed = await locks.listCodes('front');
      assert.deepEqual(
        listed.map((c) => [c.slot, c.name]),
        [
          [3, 'SK Ada'],
          [FIRST_FOREIGN_SLOT, 'Cleaner'],
          [FIRST_FOREIGN_SLOT + 1, 'Other app'],
        ],
      );
      await locks.clearCode('front', 3);
      assert.deepEqual(
        fake.codesOn(AUGUST_FRONT).map((c) => c.name),
        ['Cleaner', 'Other app'],
      );
      assert.deepEqual((await locks.listCodes('front')).map((c) => c.slot), [FIRST_FOREIGN_SLOT, FIRST_FOREIGN_SLOT + 1], 'the same slots each time');
    });

    it('takes the code rules from the device: lengths, no zeros, no "12" start, how many codes', async () => {
      fake.db.updateDevice({
        device_id: AUGUST_FRONT,
        properties: {
          supported_code_lengths: [4, 6],
          max_active_codes_supported: 10,
          code_constraints: [{ constraint_type: 'no_zeros' }, { constraint_type: 'cannot_start_with_12' }],
        },
      });
      await locks.status('front');
      const rules = rows[0].rules;
      assert.deepEqual(rules.codeLengths, [6]);
      assert.equal(rules.forbiddenDigits, '0');
      assert.deepEqual(rules.forbiddenPrefixes, ['12']);
      assert.equal(rules.lastSlot, 10);
      const zero = await lockError(locks.setCode('front', { ...code, pin: '482903' }));
      assert.equal(zero.reason, 'rejected-code');
      const short = await lockError(locks.setCode('front', { ...code, pin: '4829' }));
      assert.equal(short.reason, 'rejected-code', 'the host chose 6 digits; the device also takes 4, but StayKey issues the host’s length');
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 0);
      await locks.setCode('front', code);
      assert.equal(fake.codesOn(AUGUST_FRONT).length, 1);
    });
  });

  describe('the editor’s device list', () => {
    it('lists the workspace’s locks (not its thermostat or sensor), each with a row named for the host', async () => {
      fake.db.updateDevice({ device_id: AUGUST_FRONT, properties: { supported_code_lengths: [4, 6, 12], code_constraints: [{ constraint_type: 'no_zeros' }] } });
      const devices = await listSeamDevices(account);
      assert.deepEqual(devices.map((d) => d.deviceId).sort(), [AUGUST_FRONT, AUGUST_BACK, 'schlage_device_id'].sort());
      const front = suggestedSeamLock(devices.find((d) => d.deviceId === AUGUST_FRONT)!);
      assert.equal(front.id, 'fake-august-lock-1');
      assert.equal(front.device, AUGUST_FRONT);
      assert.deepEqual(front.rules.codeLengths, [6]);
      assert.equal(front.rules.forbiddenDigits, '0');
      assert.equal(front.schedules, true);
    });
  });

  describe('codes used at the door', () => {
    it('reads Seam’s events and tells which slot’s code opened the lock, once each', async () => {
      await locks.setCode('front', code);
      const [created] = fake.codesOn(AUGUST_FRONT);
      const heard: KeypadEvent[] = [];
      const stop = locks.onKeypad((event) => heard.push(event));
      const at = new Date(clock.now().getTime() + 30_000).toISOString();
      fake.db.addEvent({ event_type: 'lock.unlocked', workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, access_code_id: created.access_code_id, created_at: at, occurred_at: at });
      fake.db.addEvent({ event_type: 'lock.unlocked', workspace_id: SEAM_WORKSPACE, device_id: AUGUST_FRONT, created_at: at, occurred_at: at });
      fake.db.addEvent({ event_type: 'lock.access_denied', workspace_id: SEAM_WORKSPACE, device_id: AUGUST_BACK, created_at: at, occurred_at: at });
      clock.advance(60_000);
      await until('two keypad events are heard', () => heard.length >= 2);
      clock.advance(60_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stop();
      assert.deepEqual(heard, [
        { lockId: 'front', slot: 3, success: true, at },
        { lockId: 'back', slot: null, success: false, at },
      ]);
    });
  });
});
