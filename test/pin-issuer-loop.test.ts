/**
 * The pin-issuer wired to a real lock-provider on simulated locks, in a real runtime: dry runs,
 * read-back repairs, keypad use, readiness alerts and backup codes.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { AlertMessage, CodeMessage, WindowMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { eventually, helper, stayKeyNodes } from './support/red';
import { readFileLedger } from '../lib/ledger/ledger-file';

const rows = [{ id: 'door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 10, schedules: true }];

function flow(issuer: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab', label: 'loop' },
    { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: rows, latency: 0, failureRate: 0, drain: 0, maxAttempts: 2, retryDelay: 0.001 },
    { id: 'issuer', type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', wires: [['provider'], ['codes'], ['alerts'], ['plan']], ...issuer },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['issuer'], []] },
    { id: 'codes', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'plan', type: 'helper', z: 'tab' },
  ];
}

function window(arrival: string, departure: string): WindowMessage {
  const booking = { id: 'Ada', unit: 'Room 101', source: 'test', arrival, departure, guestName: 'Ada' };
  return { kind: 'window', change: 'created', booking, window: windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['door'] }) };
}

describe('pin-issuer with a lock-provider in the loop', function () {
  this.timeout(30_000);
  let clock: ManualClock;
  const got: Record<string, NodeMessage[]> = {};

  const lock = () => {
    const provider = (helper.getNode('locks') as unknown as LockSetNode).lockSet.provider;
    assert.ok(provider instanceof SimulatedLocks);
    return provider;
  };
  const send = (payload: unknown) => helper.getNode('issuer').receive({ payload });
  const alerts = () => (got.alerts ?? []).map((m) => m.payload as AlertMessage);

  let directory = '';

  async function start(at: string, issuer: Record<string, unknown> = {}) {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-loop-'));
    clock = new ManualClock(at);
    helper.settings({ userDir: directory, staykey: { directory, clock } });
    await helper.load(stayKeyNodes(), flow(issuer));
    for (const id of ['codes', 'alerts', 'plan']) {
      got[id] = [];
      helper.getNode(id).on('input', (msg: NodeMessage) => got[id].push(msg));
    }
  }

  beforeEach(() => helper.startServer());
  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
  });

  it('in a dry run, sends the plan and touches no lock', async () => {
    await start('2026-07-01T00:00:00Z', { dryRun: true });
    send(window('2026-07-10', '2026-07-12'));
    type Plan = { kind: string; actions?: { action: string; at: string }[] };
    const plans = () => (got.plan ?? []).map((m) => m.payload as Plan).filter((p) => p.kind === 'plan' && p.actions?.length);
    await eventually('a plan for the booking', () => plans().length > 0);
    const [plan] = plans();
    assert.deepEqual(plan.actions!.map((a) => [a.action, a.at]), [
      ['set', '2026-07-08T15:00:00.000Z'],
      ['clear', '2026-07-12T10:00:00.000Z'],
    ]);
    clock.advanceTo('2026-07-09T00:00:00Z');
    send({ kind: 'reconcile' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(lock().inspect('door').codes, []);
  });

  it('puts back a code removed at the keypad when asked to verify the lock', async () => {
    await start('2026-07-09T00:00:00Z');
    send(window('2026-07-10', '2026-07-12'));
    await eventually('the code is on the door', () => lock().inspect('door').codes.length === 1);
    const [code] = lock().inspect('door').codes;
    lock().removeCodeBehindOurBack('door', code.slot);
    send({ kind: 'verify', lockId: 'door' });
    await eventually('the code is back', () => lock().inspect('door').codes[0]?.pin === code.pin);
    assert.ok(alerts().some((a) => a.topic === 'drift' && !a.text.includes(code.pin!)));
  });

  it('tells the host when the guest first opens the door', async () => {
    await start('2026-07-09T00:00:00Z');
    send(window('2026-07-09', '2026-07-12'));
    await eventually('the code is on the door', () => lock().inspect('door').codes.length === 1);
    clock.advanceTo('2026-07-09T16:00:00Z');
    assert.equal(lock().enterPin('door', lock().inspect('door').codes[0].pin!), true);
    await eventually('an arrival alert', () => alerts().some((a) => a.topic === 'arrival'));
  });

  it('alerts before check-in when the lock goes offline, and lends the guest a backup code', async () => {
    await start('2026-07-08T12:00:00Z', { backupCodes: 1 });
    send(window('2026-07-10', '2026-07-12'));
    await eventually('the backup code is on the door and confirmed in the ledger', () => {
      const file = path.join(directory, 'ledgers', 'issuer.json');
      return readFileLedger(file)?.codes['backup:door:1@door']?.state === 'confirmed';
    });
    lock().setOnline('door', false);
    clock.advanceTo('2026-07-10T13:30:00Z'); // the guest's code could not be set (issue time passed while offline)
    await eventually('a readiness alert', () => alerts().some((a) => a.topic === 'readiness' && /Front door is offline/.test(a.text)), 15_000);
    await eventually('a backup code for the guest', () => (got.codes ?? []).some((m) => (m.payload as CodeMessage).change === 'backup')).catch((err) => {
      throw new Error(`${err.message}; alerts: ${alerts().map((a) => a.text).join(' / ')}`);
    });
    const backup = got.codes.map((m) => m.payload as CodeMessage).find((p) => p.change === 'backup')!;
    assert.equal(backup.bookingId, 'Ada');
    assert.ok(backup.codes[0].pin?.startsWith('sk1.'));
  });
});
