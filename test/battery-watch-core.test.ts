/**
 * The battery watch without Node-RED: a clock set by hand, locks that answer from a table, and a
 * memory file in a temporary folder.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatteryWatch, BatteryWatchSettings, CheckOutcome, withProperty } from '../lib/battery/watch';
import type { LockConfig, LockStatus } from '../lib/locks/provider';
import { ManualClock } from '../lib/time/clock';

const rules = { codeLength: 6, firstSlot: 1, lastSlot: 20 } as unknown as LockConfig['rules'];
const frontDoor: LockConfig = { id: 'front-door', name: 'Front door', rules, schedules: false, property: 'Sea View' };
const gate: LockConfig = { id: 'gate', name: 'Main gate', rules, schedules: true, property: 'Sea View' };

const settings: BatteryWatchSettings = {
  thresholds: { replaceSoonBelow: 40, criticalBelow: 15 },
  checkAt: '09:00',
  timeZone: 'Europe/Lisbon',
  silentAfterHours: 24,
  remindBackupKeys: false,
  backupTestDays: 180,
};

/** Lets promise chains run out. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('BatteryWatch', () => {
  let directory: string;
  let clock: ManualClock;
  let levels: Map<string, number | null>;
  let warnings: string[];

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-watch-core-'));
    // 07:00 in Lisbon (summer time, UTC+1), two hours before the daily check.
    clock = new ManualClock('2026-07-01T06:00:00Z');
    levels = new Map([
      ['front-door', 80],
      ['gate', 10],
    ]);
    warnings = [];
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  function status(lockId: string): Promise<LockStatus> {
    const level = levels.get(lockId);
    if (level === undefined) return Promise.reject(new Error('lock does not answer'));
    return Promise.resolve({ lockId, online: true, battery: level, lastSeenAt: clock.now().toISOString() });
  }

  function watch(memoryFile = path.join(directory, 'memory.json'), locks = () => ({ locks: [frontDoor, gate], status })): BatteryWatch {
    return new BatteryWatch(settings, { clock, memoryFile, locks, warn: (text) => warnings.push(text) });
  }

  it('reports every lock and alerts about the critical one, once per day when asked', async () => {
    const battery = watch();
    const first = await battery.check('on-demand');
    assert.deepEqual(first.report.locks.map((reading) => `${reading.lockId} ${reading.batteryClass}`), ['front-door healthy', 'gate critical']);
    assert.equal(first.alerts.length, 1);
    assert.match(first.alerts[0].alert.text, /Main gate 10 % critical/);
    const again = await battery.check('on-demand');
    assert.equal(again.alerts.length, 0, 'a check asked for never repeats what was sent that day');
  });

  it('remembers what it told in its memory file, so a new watch does not repeat it', async () => {
    await watch().check('on-demand');
    const restarted = await watch().check('on-demand');
    assert.equal(restarted.alerts.length, 0);
    assert.deepEqual(warnings, []);
  });

  it('starts afresh, with a warning, when its memory file cannot be read', async () => {
    const file = path.join(directory, 'memory.json');
    fs.writeFileSync(file, '{"version":');
    const outcome = await watch(file).check('on-demand');
    assert.equal(outcome.alerts.length, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^battery-watch: starting with a fresh memory of alerts sent/);
  });

  it('calls a lock that does not answer unreachable instead of failing the check', async () => {
    levels.delete('gate');
    const outcome = await watch().check('on-demand');
    const gateReading = outcome.report.locks.find((reading) => reading.lockId === 'gate');
    assert.equal(gateReading?.online, false);
  });

  it('fails the check when there are no locks to read', async () => {
    const battery = watch(undefined, () => {
      throw new Error('no locks configured');
    });
    await assert.rejects(battery.check('on-demand'), /no locks configured/);
    levels.set('gate', 90);
    // The queue goes on after a failed check.
    await assert.rejects(battery.check('daily'), /no locks configured/);
  });

  it('runs one check at a time, in the order asked', async () => {
    const battery = watch();
    const order: string[] = [];
    const first = battery.check('on-demand').then(() => order.push('first'));
    const second = battery.check('on-demand').then((outcome) => order.push(`second ${outcome.alerts.length}`));
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second 0']);
  });

  it('checks daily at the set hour on the property’s clock, across the October clock change, until stopped', async () => {
    clock.advanceTo('2026-10-24T06:00:00Z');
    const battery = watch();
    const checked: CheckOutcome[] = [];
    battery.start({ checked: (outcome) => checked.push(outcome), failed: assert.fail });
    assert.equal(battery.nextCheckIn(), 2 * 3600_000);

    clock.advanceTo('2026-10-24T07:59:00Z');
    await settle();
    assert.equal(checked.length, 0);
    clock.advanceTo('2026-10-24T08:00:01Z');
    await settle();
    assert.deepEqual(checked.map((outcome) => outcome.report.checkedAt), ['2026-10-24T08:00:00.000Z']);

    // Winter time from Sunday: 09:00 in Lisbon is 09:00 UTC.
    clock.advanceTo('2026-10-25T08:30:00Z');
    await settle();
    assert.equal(checked.length, 1);
    clock.advanceTo('2026-10-25T09:00:01Z');
    await settle();
    assert.equal(checked.length, 2);

    battery.stop();
    assert.equal(clock.pendingTimers, 0);
    clock.advance(3 * 24 * 3600_000);
    await settle();
    assert.equal(checked.length, 2);
  });

  it('tells the listener when a daily check fails, and checks again the next day', async () => {
    let broken = true;
    const battery = watch(undefined, () => {
      if (broken) throw new Error('no locks configured');
      return { locks: [frontDoor], status };
    });
    const failures: string[] = [];
    const checked: CheckOutcome[] = [];
    battery.start({ checked: (outcome) => checked.push(outcome), failed: (err) => failures.push(String(err)) });
    clock.advanceTo('2026-07-01T08:00:01Z');
    await settle();
    assert.deepEqual(failures, ['Error: no locks configured']);
    broken = false;
    clock.advanceTo('2026-07-02T08:00:01Z');
    await settle();
    assert.equal(checked.length, 1);
  });

  it('gives a lock without a property the locks config’s name, and keeps a lock’s own', () => {
    const { property: _none, ...annex } = { ...gate, id: 'annex' };
    const named = withProperty([frontDoor, annex as LockConfig], 'Garden');
    assert.deepEqual(named.map((lock) => lock.property), ['Sea View', 'Garden']);
    assert.deepEqual(withProperty([annex as LockConfig], undefined), [annex]);
  });
});
