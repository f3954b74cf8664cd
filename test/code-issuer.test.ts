/** The pin-issuer's loop without Node-RED: one queue, a sleep until the next thing is due, readiness, the dry run. */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { Booking } from '../lib/bookings/booking';
import { CodeIssuer, IssuerOutput, IssuerSink, PlanMessage } from '../lib/ledger/issuer';
import { Ledger } from '../lib/ledger/ledger';
import { emptyLedger, LedgerData } from '../lib/ledger/ledger-types';
import { applyBatch } from '../lib/ledger/ledger-changes';
import type { LockConfig, LockStatus } from '../lib/locks/provider';
import type { LockSummary, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const door: LockConfig = { id: 'door', name: 'Front door', schedules: true, codeCheck: 'read-back', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } };

function windowOf(id: string, arrival: string, departure: string): WindowMessage {
  const booking: Booking = { id, unit: 'Room 101', source: 'test', arrival, departure, guestName: id };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['door'] });
  return { kind: 'window', change: 'created', booking, window };
}

class Recorded implements IssuerSink {
  readonly outputs: IssuerOutput[] = [];
  readonly plans: PlanMessage[] = [];
  readonly summaries: LockSummary[][] = [];
  readonly troubles: unknown[] = [];
  send(output: IssuerOutput): void {
    this.outputs.push(output);
  }
  plan(plan: PlanMessage): void {
    this.plans.push(plan);
  }
  lockSummaries(locks: LockSummary[]): void {
    this.summaries.push(locks);
  }
  counts(): void {}
  trouble(err: unknown): void {
    this.troubles.push(err);
  }
  commands() {
    return this.outputs.flatMap((output) => output.commands);
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

function world(options: { dryRun?: boolean; status?: LockStatus; data?: { value?: LedgerData } } = {}) {
  const clock = new ManualClock('2026-07-01T12:00:00Z');
  const saved = options.data ?? {};
  const ledger = new Ledger({
    clock,
    vault,
    locks: () => [door],
    store: { load: () => saved.value && (JSON.parse(JSON.stringify(saved.value)) as LedgerData), apply: (batch) => applyBatch((saved.value ??= emptyLedger()), batch) },
  });
  const sink = new Recorded();
  const status = options.status ?? { lockId: 'door', online: true, battery: 90 };
  const issuer = new CodeIssuer({ ledger, clock, lockStatus: async () => status, fallbackFor: () => 'the key in the lockbox', sink, dryRun: options.dryRun });
  return { clock, ledger, sink, issuer, saved };
}

/** Answers every command as done, the lock empty when read. */
async function answerAll(issuer: CodeIssuer, sink: Recorded, from = 0): Promise<number> {
  const commands = sink.commands().slice(from);
  for (const command of commands) {
    await issuer.handle({ kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1, ...(command.action === 'read' ? { codes: [] } : {}) });
  }
  return from + commands.length;
}

describe('the issuer loop (lib, without Node-RED)', () => {
  it('reconciles a burst of windows once, after the last', async () => {
    const { issuer, sink } = world();
    issuer.start();
    await settle();
    await answerAll(issuer, sink);
    const before = sink.outputs.length;
    const windows = ['a', 'b', 'c'].map((id) => windowOf(id, '2026-07-02', '2026-07-04'));
    windows.forEach(() => issuer.windowComing());
    await Promise.all(windows.map((window) => issuer.handle(window)));
    assert.equal(sink.outputs.length - before, 1, 'one plan for three windows');
    assert.equal(sink.outputs.at(-1)!.commands.filter((c) => c.action === 'set').length, 3);
  });

  it('sleeps until the issue time on its own clock, then sends the set', async () => {
    const { clock, issuer, sink } = world();
    issuer.start();
    await settle();
    const seen = await answerAll(issuer, sink);
    issuer.windowComing();
    await issuer.handle(windowOf('later', '2026-07-20', '2026-07-22'));
    assert.equal(sink.commands().length, seen, 'nothing before the issue time');
    clock.advanceTo('2026-07-18T15:00:00Z');
    await settle();
    const sets = sink.commands().slice(seen).filter((c) => c.action === 'set');
    assert.equal(sets.length, 1);
  });

  it('tells the host before an arrival whose lock is offline, within 15 minutes', async () => {
    const { clock, issuer, sink } = world({ status: { lockId: 'door', online: false, battery: 80 } });
    issuer.start();
    issuer.watchArrivals();
    await settle();
    await answerAll(issuer, sink);
    issuer.windowComing();
    await issuer.handle(windowOf('soon', '2026-07-02', '2026-07-04'));
    // Check-in is 27 h away: readiness starts 24 h ahead, and looks every 15 minutes.
    for (let quarter = 0; quarter < 16; quarter++) {
      clock.advance(15 * 60_000);
      await settle();
    }
    const readiness = sink.outputs.flatMap((output) => output.alerts).filter((alert) => alert.topic === 'readiness');
    assert.equal(readiness.length, 1);
    assert.match(readiness[0].text, /the key in the lockbox/);
  });

  it('in a dry run sends the plan and never a command', async () => {
    const { issuer, sink } = world({ dryRun: true });
    issuer.windowComing();
    await issuer.handle(windowOf('a', '2026-07-02', '2026-07-04'));
    assert.deepEqual(sink.commands(), []);
    assert.ok(sink.plans.at(-1)!.actions.some((action) => action.action === 'set' && action.bookingId === 'a'));
  });

  it('resends a command left without an answer after a restart, once', async () => {
    const data: { value?: LedgerData } = {};
    const first = world({ data });
    first.issuer.start();
    await settle();
    await answerAll(first.issuer, first.sink);
    first.issuer.windowComing();
    await first.issuer.handle(windowOf('a', '2026-07-02', '2026-07-04'));
    const [set] = first.sink.commands().filter((c) => c.action === 'set');
    await first.issuer.stop(false);
    const second = world({ data });
    second.issuer.start();
    await settle();
    assert.deepEqual(second.sink.commands(), [{ ...set, resent: true }]);
  });

  it('forgets what it read of the locks when removed from the flow, not when merely stopped', async () => {
    const data: { value?: LedgerData } = {};
    const { issuer, sink } = world({ data });
    issuer.start();
    await settle();
    await answerAll(issuer, sink);
    await issuer.stop(false);
    assert.ok(data.value?.reads?.door?.readAt);
    await issuer.stop(true);
    assert.equal(data.value?.reads?.door, undefined);
  });

  it('keeps going when its locks cannot be listed (a locks config that failed to start), without an unhandled rejection', async () => {
    const clock = new ManualClock('2026-07-01T12:00:00Z');
    const broken = () => {
      throw new Error('no locks configured: choose a StayKey locks config node');
    };
    const ledger = new Ledger({ clock, vault, locks: broken, store: { load: () => undefined, apply: () => undefined } });
    const sink = new Recorded();
    const issuer = new CodeIssuer({ ledger, clock, lockStatus: async () => ({ lockId: 'door', online: true, battery: 90 }), fallbackFor: () => 'the key', sink });
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      issuer.start();
      await settle();
      assert.equal(sink.troubles.length, 1, 'the host hears of it once');
      assert.equal(clock.pendingTimers, 1, 'it looks again later');
      clock.advance(5 * 60_000);
      await settle();
      assert.equal(sink.troubles.length, 2);
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, [], 'a failure handler that throws would take Node-RED down');
    } finally {
      process.removeListener('unhandledRejection', listener);
      await issuer.stop(false);
    }
  });
});
