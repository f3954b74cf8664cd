import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { AlertMessage, BatteryReportMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import type { LockSetNode } from '../nodes/shared/lock-set';

/** The parts of node-red-node-test-helper these tests use (it ships no types). */
interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}
interface TestNode {
  receive(msg: object): void;
  on(event: 'input', listener: (msg: NodeMessage) => void): void;
  once(event: 'input', listener: (msg: NodeMessage) => void): void;
  status: { getCalls(): SpyCall[] };
}
interface TestHelper {
  init(runtimePath: string): void;
  settings(settings: Record<string, unknown>): unknown;
  load(nodes: unknown, flow: object[]): Promise<void>;
  getNode(id: string): TestNode;
  unload(): Promise<void>;
  startServer(done?: (err?: unknown) => void): Promise<void>;
  stopServer(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helper = require('node-red-node-test-helper') as TestHelper;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const batteryWatchNode = require('../nodes/battery-watch/battery-watch') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;

helper.init(require.resolve('node-red'));

const rows = [
  { id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: '4x AA' },
  { id: 'gate', name: 'Main gate', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: 'CR123A' },
  { id: 'annex', name: 'Annex', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: '' },
];

function flow(watch: Record<string, unknown> = {}): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'batteries' },
    { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: rows, latency: 0, failureRate: 0, drain: 0, maxAttempts: 1, retryDelay: 1 },
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

describe('battery-watch node', () => {
  let directory: string;
  let clock: ManualClock;

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
});
