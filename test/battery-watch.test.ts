import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { AlertMessage, BatteryReportMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const batteryWatchNode = require('../nodes/battery-watch/battery-watch') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;

const keyed = { keyOverride: 'yes', backupKeyAt: 'lockbox by the gate', backupKeyTestedOn: '2026-06-15' };
const rows = [
  { id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: '4x AA', ...keyed },
  { id: 'gate', name: 'Main gate', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: 'CR123A', ...keyed },
  { id: 'annex', name: 'Annex', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: '', ...keyed },
];

function flow(watch: Record<string, unknown> = {}, lockRows: object[] = rows): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'batteries' },
    { id: 'locks', type: 'staykey-locks', name: 'Sea View', provider: 'simulated', locks: lockRows, latency: 0, failureRate: 0, drain: 0, maxAttempts: 1, retryDelay: 1 },
    {
      id: 'watch',
      type: 'staykey-battery-watch',
      z: 'tab',
      locks: 'locks',
      replaceSoonBelow: 40,
      criticalBelow: 15,
      checkAt: '09:00',
      timeZone: 'Europe/Lisbon',
      wires: [['reports'], ['alerts']],
      ...watch,
    },
    { id: 'reports', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'on-error', type: 'catch', z: 'tab', scope: ['watch'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

function next(id: string): Promise<NodeMessage> {
  return new Promise((resolve) => helper.getNode(id).once('input', resolve));
}

/** Every message a helper node gets from now on. */
function record(id: string): NodeMessage[] {
  const received: NodeMessage[] = [];
  helper.getNode(id).on('input', (msg) => received.push(msg));
  return received;
}

/** Lets promise chains and Node-RED's deferred message delivery (setImmediate) run out. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function locks(): SimulatedLocks {
  const provider = (helper.getNode('locks') as unknown as LockSetNode).lockSet.provider;
  assert.ok(provider instanceof SimulatedLocks);
  return provider;
}

function lastStatus(id: string): { fill?: string; text?: string } {
  const node = helper.getNode(id);
  const calls = node.status.getCalls().filter((call) => call.thisValue === node);
  return calls[calls.length - 1].args[0] as { fill?: string; text?: string };
}

/** Asks battery-watch to check now and waits for its report (alerts, if any, leave with it). */
async function checkNow(): Promise<BatteryReportMessage> {
  const reported = next('reports');
  helper.getNode('watch').receive({ payload: 'check' });
  const report = (await reported).payload as BatteryReportMessage;
  await settle();
  return report;
}

/** The alerts among `received` with this topic. */
function topicOf(received: NodeMessage[], topic: string): AlertMessage[] {
  return received.filter((msg) => msg.topic === topic).map((msg) => msg.payload as AlertMessage);
}

/** Moves to just after the daily 09:00 check (Lisbon summer time) of `day` and lets it run. */
async function dailyCheckOn(day: string): Promise<void> {
  clock.advanceTo(`${day}T08:00:01Z`);
  await settle();
}

let clock: ManualClock;

describe('battery-watch node', () => {
  let directory: string;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-battery-watch-'));
    // 07:00 in Lisbon (summer time, UTC+1), two hours before the daily check.
    clock = new ManualClock('2026-07-01T06:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    return helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ staykey: undefined });
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('reports every lock’s level and class when any message arrives', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    locks().setBattery('gate', 30);
    const alerts = record('alerts');
    const reported = next('reports');
    helper.getNode('watch').receive({ payload: 'check' });
    const report = (await reported).payload as BatteryReportMessage;
    assert.equal(report.kind, 'battery-report');
    assert.equal(report.checkedAt, '2026-07-01T06:00:00.000Z');
    assert.deepEqual(
      report.locks.map((r) => [r.lockId, r.level, r.batteryClass, r.online]),
      [
        ['front-door', 100, 'healthy', true],
        ['gate', 30, 'replace-soon', true],
        ['annex', 100, 'healthy', true],
      ],
    );
    assert.deepEqual(
      report.attention.map((r) => r.lockId),
      ['gate'],
    );
    await settle();
    assert.equal(alerts.length, 1);
    assert.equal((alerts[0].payload as AlertMessage).severity, 'warning');
    assert.deepEqual(lastStatus('watch'), { fill: 'yellow', shape: 'dot', text: 'Main gate 30%' });
  });

  it('sends no alert when every lock is healthy', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const alerts = record('alerts');
    const reported = next('reports');
    helper.getNode('watch').receive({ payload: '' });
    const report = (await reported).payload as BatteryReportMessage;
    assert.equal(report.locks.length, 3);
    assert.equal(report.attention.length, 0);
    await settle();
    assert.equal(alerts.length, 0);
    assert.deepEqual(lastStatus('watch'), { fill: 'green', shape: 'dot', text: '3 locks healthy' });
  });

  it('alerts the host about a low and an offline lock, with advice for each, and shows the worst', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    locks().setBattery('front-door', 30);
    locks().setBattery('gate', 10);
    locks().setOnline('annex', false);
    const alerted = next('alerts');
    const reported = next('reports');
    helper.getNode('watch').receive({ payload: true });
    const report = (await reported).payload as BatteryReportMessage;
    assert.deepEqual(
      report.attention.map((r) => [r.lockId, r.batteryClass, r.online]),
      [
        ['front-door', 'replace-soon', true],
        ['gate', 'critical', true],
        ['annex', 'healthy', false],
      ],
    );
    const alert = (await alerted).payload as AlertMessage;
    assert.equal(alert.kind, 'alert');
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.topic, 'battery');
    assert.deepEqual(alert.text.split('\n'), [
      'Battery check, Sea View:',
      'Front door 30 % replace-soon: replace the 4x AA batteries within 2 weeks',
      'Main gate 10 % critical: replace the CR123A batteries now',
      'Annex offline (last 100 %): lock is offline: check it and its hub, and keep the backup key ready',
    ]);
    // The critical gate outranks the front door that only needs batteries soon.
    assert.deepEqual(lastStatus('watch'), { fill: 'red', shape: 'dot', text: 'Main gate 10%' });
  });

  it('checks every day at 09:00 on the property’s clock, across the October clock change', async () => {
    // Saturday 24 October 2026, 07:00 in Lisbon; summer time ends at 02:00 on Sunday the 25th.
    clock.advanceTo('2026-10-24T06:00:00Z');
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const reports = record('reports');

    clock.advanceTo('2026-10-24T07:59:00Z');
    await settle();
    assert.equal(reports.length, 0, 'no report before 09:00 Lisbon');

    clock.advanceTo('2026-10-24T08:00:01Z'); // 09:00:01 Lisbon summer time
    await settle();
    assert.equal(reports.length, 1);
    assert.equal((reports[0].payload as BatteryReportMessage).kind, 'battery-report');

    clock.advanceTo('2026-10-25T08:30:00Z'); // 08:30 Lisbon winter time: not yet
    await settle();
    assert.equal(reports.length, 1, 'the second day waits for 09:00 winter time');

    clock.advanceTo('2026-10-25T09:00:01Z');
    await settle();
    assert.equal(reports.length, 2);
  });

  it('checks the next day too when a day’s check has run', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const reports = record('reports');
    for (const day of ['2026-07-01', '2026-07-02', '2026-07-03']) {
      clock.advanceTo(`${day}T08:00:01Z`);
      await settle();
    }
    assert.deepEqual(
      reports.map((msg) => (msg.payload as BatteryReportMessage).checkedAt.slice(0, 10)),
      ['2026-07-01', '2026-07-02', '2026-07-03'],
    );
  });

  it('stops its daily timer when the flow stops', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const reports = record('reports');
    assert.equal(clock.pendingTimers, 1);
    await helper.unload();
    assert.equal(clock.pendingTimers, 0);
    clock.advance(3 * 24 * 3600_000);
    await settle();
    assert.equal(reports.length, 0);
  });

  it('turns red and tells a Catch node when its thresholds are wrong', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow({ replaceSoonBelow: 10, criticalBelow: 20 }));
    assert.equal(lastStatus('watch').fill, 'red');
    assert.equal(clock.pendingTimers, 0);
    const caught = next('caught');
    helper.getNode('watch').receive({ payload: 'check' });
    const msg = (await caught) as NodeMessage & { error: { message: string } };
    assert.match(msg.error.message, /battery thresholds must satisfy/);
  });
  it('sends one digest per property: the locks config’s name unless the lock row names its own', async () => {
    const split = rows.map((row) => (row.id === 'annex' ? { ...row, property: 'Garden annex' } : row));
    await helper.load([locksConfigNode, batteryWatchNode], flow({}, split));
    locks().setBattery('front-door', 30);
    locks().setBattery('gate', 10);
    locks().setBattery('annex', 12);
    const alerts = record('alerts');
    const report = await checkNow();
    assert.deepEqual(
      report.locks.map((r) => [r.lockId, r.property]),
      [
        ['front-door', 'Sea View'],
        ['gate', 'Sea View'],
        ['annex', 'Garden annex'],
      ],
    );
    assert.deepEqual(
      alerts.map((msg) => [msg.topic, (msg as NodeMessage & { property?: string }).property]),
      [
        ['battery', 'Sea View'],
        ['battery', 'Garden annex'],
      ],
    );
    assert.deepEqual((alerts[0].payload as AlertMessage).text.split('\n'), [
      'Battery check, Sea View:',
      'Front door 30 % replace-soon: replace the 4x AA batteries within 2 weeks',
      'Main gate 10 % critical: replace the CR123A batteries now',
    ]);
    assert.deepEqual((alerts[1].payload as AlertMessage).text.split('\n'), ['Battery check, Garden annex:', 'Annex 12 % critical: replace the batteries now']);
  });

  it('alerts when a lock changes class, and not every day while it only needs batteries soon', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const alerts = record('alerts');
    locks().setBattery('front-door', 35);
    await dailyCheckOn('2026-07-01');
    locks().setBattery('front-door', 33);
    await dailyCheckOn('2026-07-02');
    await dailyCheckOn('2026-07-03');
    assert.equal(topicOf(alerts, 'battery').length, 1, 'replace-soon is said once');
    locks().setBattery('front-door', 12);
    await dailyCheckOn('2026-07-04');
    const battery = topicOf(alerts, 'battery');
    assert.equal(battery.length, 2);
    assert.equal(battery[1].severity, 'critical');
    assert.match(battery[1].text, /Front door 12 % critical: replace the 4x AA batteries now/);
  });

  it('repeats a critical lock once a day, and a check asked for never repeats what was sent that day', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const alerts = record('alerts');
    locks().setBattery('gate', 10);
    await checkNow();
    assert.equal(topicOf(alerts, 'battery').length, 1);
    await checkNow();
    await dailyCheckOn('2026-07-01');
    await checkNow();
    assert.equal(topicOf(alerts, 'battery').length, 1, 'told once today');
    await dailyCheckOn('2026-07-02');
    assert.equal(topicOf(alerts, 'battery').length, 2, 'the next day’s check repeats it');
    await checkNow();
    await dailyCheckOn('2026-07-03');
    assert.equal(topicOf(alerts, 'battery').length, 3);
    assert.ok(topicOf(alerts, 'battery').every((alert) => /Main gate \d+ % critical/.test(alert.text)));
  });

  it('says once that a lock is healthy again after its batteries were changed', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const alerts = record('alerts');
    locks().setBattery('gate', 10);
    await dailyCheckOn('2026-07-01');
    locks().setBattery('gate', 100);
    await checkNow();
    const battery = topicOf(alerts, 'battery');
    assert.equal(battery.length, 2);
    assert.equal(battery[1].severity, 'info');
    assert.match(battery[1].text, /Main gate 100 % healthy: new batteries, healthy again/);
    await dailyCheckOn('2026-07-02');
    await checkNow();
    assert.equal(topicOf(alerts, 'battery').length, 2);
    assert.deepEqual(lastStatus('watch'), { fill: 'green', shape: 'dot', text: '3 locks healthy' });
  });

  it('remembers what it told the host across a restart', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    locks().setBattery('gate', 10);
    const before = record('alerts');
    await checkNow();
    assert.equal(before.length, 1);
    assert.ok(fs.existsSync(path.join(directory, 'battery-watch', 'watch.json')));

    await helper.unload();
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    assert.equal(locks().inspect('gate').battery, 10, 'the simulated lock kept its level');
    const after = record('alerts');
    await checkNow();
    assert.equal(after.length, 0, 'the critical gate was already told about today');
    await dailyCheckOn('2026-07-01');
    assert.equal(after.length, 0, 'nor on the daily check of the same day');
    await dailyCheckOn('2026-07-02');
    assert.equal(topicOf(after, 'battery').length, 1);
  });

  it('alerts about an offline lock once per spell, again each day it lasts, and once when it is back', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const alerts = record('alerts');
    locks().setOnline('annex', false);
    await checkNow();
    await checkNow();
    let battery = topicOf(alerts, 'battery');
    assert.equal(battery.length, 1);
    assert.equal(battery[0].severity, 'critical');
    assert.match(battery[0].text, /Annex offline \(last 100 %\): lock is offline/);
    assert.deepEqual(lastStatus('watch'), { fill: 'red', shape: 'dot', text: 'Annex offline' });
    await dailyCheckOn('2026-07-01');
    assert.equal(topicOf(alerts, 'battery').length, 1, 'told today already');
    await dailyCheckOn('2026-07-02');
    assert.equal(topicOf(alerts, 'battery').length, 2, 'repeated the next day');

    locks().setOnline('annex', true);
    await checkNow();
    await checkNow();
    battery = topicOf(alerts, 'battery');
    assert.equal(battery.length, 3);
    assert.match(battery[2].text, /Annex 100 % healthy: back online/);
  });

  it('alerts about a lock that has not reported for 24 hours', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow());
    const alerts = record('alerts');
    await locks().setCode('front-door', { slot: 3, name: 'Guest', pin: '482913', startsAt: '2026-07-01T15:00:00Z', endsAt: '2026-07-04T10:00:00Z' });
    locks().setSilent('front-door', true);
    clock.advanceTo('2026-07-02T05:00:00Z'); // 23 hours later, past one daily check
    let report = await checkNow();
    assert.equal(report.locks[0].silent, undefined);
    assert.equal(topicOf(alerts, 'battery').length, 0);

    clock.advanceTo('2026-07-02T07:00:00Z'); // 25 hours
    report = await checkNow();
    assert.equal(report.locks[0].silent, true);
    assert.equal(report.locks[0].lastSeenAt, '2026-07-01T06:00:00.000Z');
    assert.deepEqual(
      report.attention.map((r) => r.lockId),
      ['front-door'],
    );
    const [alert] = topicOf(alerts, 'battery');
    assert.equal(alert.severity, 'critical');
    assert.match(alert.text, /Front door silent \(last 100 %\): no report for 25 h: check the lock and its hub/);
    assert.deepEqual(lastStatus('watch'), { fill: 'red', shape: 'dot', text: 'Front door silent' });
  });

  it('waits as long as the host allows before calling a lock silent', async () => {
    await helper.load([locksConfigNode, batteryWatchNode], flow({ silentAfterHours: 1, checkAt: '23:00' }));
    const alerts = record('alerts');
    await locks().setCode('gate', { slot: 3, name: 'Guest', pin: '482913', startsAt: '2026-07-01T15:00:00Z', endsAt: '2026-07-04T10:00:00Z' });
    locks().setSilent('gate', true);
    clock.advance(50 * 60_000);
    await checkNow();
    assert.equal(alerts.length, 0);
    clock.advance(20 * 60_000);
    await checkNow();
    assert.match(topicOf(alerts, 'battery')[0].text, /Main gate silent/);
  });

  it('uses a lock’s own thresholds from its row in the locks config', async () => {
    const ownThresholds = rows.map((row) => (row.id === 'gate' ? { ...row, replaceSoonBelow: 60, criticalBelow: 25 } : row));
    await helper.load([locksConfigNode, batteryWatchNode], flow({}, ownThresholds));
    locks().setBattery('gate', 50);
    locks().setBattery('front-door', 50);
    let report = await checkNow();
    assert.deepEqual(
      report.locks.map((r) => [r.lockId, r.batteryClass]),
      [
        ['front-door', 'healthy'],
        ['gate', 'replace-soon'],
        ['annex', 'healthy'],
      ],
    );
    locks().setBattery('gate', 20);
    report = await checkNow();
    assert.equal(report.locks[1].batteryClass, 'critical');
  });

  it('reminds about missing or untested backup keys on the daily check, at most once a week per lock', async () => {
    const someKeys = [
      rows[0],
      { ...rows[1], keyOverride: '', backupKeyAt: '', backupKeyTestedOn: '' },
      { ...rows[2], backupKeyTestedOn: '2026-02-01' },
    ];
    await helper.load([locksConfigNode, batteryWatchNode], flow({}, someKeys));
    const alerts = record('alerts');
    await checkNow();
    assert.equal(alerts.length, 0, 'a check asked for sends no reminders');

    const remindedOn: string[] = [];
    for (let day = 1; day <= 15; day++) {
      const date = `2026-07-${String(day).padStart(2, '0')}`;
      const before = alerts.length;
      await dailyCheckOn(date);
      if (alerts.length > before) remindedOn.push(date);
    }
    assert.deepEqual(remindedOn, ['2026-07-01', '2026-07-08', '2026-07-15']);
    assert.deepEqual(
      alerts.map((msg) => msg.topic),
      ['backup-key', 'backup-key', 'backup-key'],
    );
    const reminder = alerts[0].payload as AlertMessage;
    assert.equal(reminder.topic, 'backup-key');
    assert.equal(reminder.severity, 'warning');
    assert.deepEqual(reminder.text.split('\n'), [
      'Backup keys, Sea View:',
      'No backup key is recorded for Main gate: a guest could be locked out. Keep a key where someone can reach it (a lockbox, a neighbour) and record it in the locks config.',
      'The backup key of Annex (in the lockbox by the gate) was last tested on 2026-02-01, 150 days ago: open the door with it again and record the date.',
    ]);
  });

  it('sends no backup-key reminders when the host turned them off', async () => {
    const noKeys = rows.map((row) => ({ ...row, keyOverride: '', backupKeyAt: '', backupKeyTestedOn: '' }));
    await helper.load([locksConfigNode, batteryWatchNode], flow({ backupReminders: false }, noKeys));
    const alerts = record('alerts');
    await dailyCheckOn('2026-07-01');
    await dailyCheckOn('2026-07-08');
    assert.equal(alerts.length, 0);
  });

  it('reminds after the number of days the host chose', async () => {
    const testedLately = rows.map((row) => ({ ...row, backupKeyTestedOn: '2026-06-21' }));
    await helper.load([locksConfigNode, batteryWatchNode], flow({ backupTestDays: 10 }, testedLately));
    const alerts = record('alerts');
    await dailyCheckOn('2026-07-01'); // 10 days after the test
    assert.equal(alerts.length, 0);
    await dailyCheckOn('2026-07-02');
    const reminders = topicOf(alerts, 'backup-key');
    assert.equal(reminders.length, 1);
    assert.match(reminders[0].text, /Front door .* 11 days ago/);
  });
  it('runs the full daily check when msg.check is "daily": repeats what is critical and reminds about backup keys', async () => {
    const noKeyOnGate = rows.map((row) => (row.id === 'gate' ? { ...row, keyOverride: '', backupKeyAt: '', backupKeyTestedOn: '' } : row));
    // 07:00 in Lisbon now; the next daily check is at 05:00 tomorrow.
    await helper.load([locksConfigNode, batteryWatchNode], flow({ checkAt: '05:00' }, noKeyOnGate));
    const alerts = record('alerts');
    locks().setBattery('front-door', 10);
    await checkNow();
    assert.deepEqual(
      alerts.map((msg) => msg.topic),
      ['battery'],
    );
    clock.advanceTo('2026-07-02T02:00:00Z'); // 03:00 the next day in Lisbon
    await checkNow();
    assert.equal(alerts.length, 1, 'a plain check does not repeat');
    const reported = next('reports');
    helper.getNode('watch').receive({ payload: 'check', check: 'daily' });
    await reported;
    await settle();
    assert.deepEqual(
      alerts.map((msg) => msg.topic),
      ['battery', 'battery', 'backup-key'],
    );
    assert.match((alerts[2].payload as AlertMessage).text, /No backup key is recorded for Main gate/);
  });
});
