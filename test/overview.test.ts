import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { AccessEvent, Ledger } from '../lib/ledger/ledger';
import { issuerOverview, OverviewInput } from '../lib/ledger/overview';
import type { LockConfig, LockStatus } from '../lib/locks/provider';
import type { LockCommand, WindowMessage } from '../lib/messages';
import { PIN_MASK } from '../lib/notify/render';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const door: LockConfig = { id: 'door', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 9 } };
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 9 } };
const ok = (c: LockCommand) => ({ kind: 'lock-result' as const, commandId: c.id, codeId: c.codeId, lockId: c.lockId, action: c.action, ok: true, confirmed: true, attempts: 1 });

function windowMessage(id: string, guestName: string, arrival: string, departure: string, locks: string[]): WindowMessage {
  const booking = { id, unit: 'Room 101', source: 'test', arrival, departure, guestName };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks });
  return { kind: 'window', change: 'created', booking, window };
}

function healthy(battery = 80): Map<string, LockStatus | Error> {
  return new Map([door, gate].map((lock) => [lock.id, { lockId: lock.id, online: true, battery }]));
}

/** Runs every command the ledger plans, each confirmed; returns the PINs that went to the locks. */
async function settle(ledger: Ledger): Promise<string[]> {
  const pins: string[] = [];
  for (let i = 0; i < 10; i++) {
    const { commands } = await ledger.reconcile();
    if (!commands.length) break;
    for (const c of commands) {
      if (c.pin) pins.push(vault.open(c.pin));
      await ledger.acceptResult(ok(c));
    }
  }
  return pins;
}

function setUp(now = '2026-07-09T10:00:00Z') {
  const clock = new ManualClock(now);
  const events: AccessEvent[] = [];
  const ledger = new Ledger({ clock, vault, locks: () => [door, gate], onAccessEvent: (event) => events.push(event) });
  const input = (statuses = healthy(), plan: OverviewInput['plan'] = []): OverviewInput => ({ data: ledger.snapshot(), locks: [door, gate], provider: 'simulated', statuses, now: clock.now(), plan });
  return { clock, ledger, input, events };
}

describe('the sidebar overview of a pin-issuer (lib/ledger/overview.ts)', () => {
  it('lists each lock with its provider, battery class and the codes on it, by guest name, PIN masked', async () => {
    const { ledger, input } = setUp();
    ledger.acceptWindow(windowMessage('HM1', 'Ada Lovelace', '2026-07-09', '2026-07-12', ['door', 'gate']));
    const pins = await settle(ledger);
    assert.equal(pins.length, 2);
    const overview = issuerOverview(input(healthy(30)));
    assert.deepEqual(overview.locks.map((lock) => [lock.lockId, lock.provider, lock.online, lock.batteryClass, lock.codes.length]), [
      ['door', 'simulated', true, 'replace-soon', 1],
      ['gate', 'simulated', true, 'replace-soon', 1],
    ]);
    const [code] = overview.locks[0].codes;
    assert.equal(code.who, 'Ada Lovelace');
    assert.equal(code.state, 'confirmed');
    assert.equal(code.pin, PIN_MASK);
    assert.equal(code.startsAt, '2026-07-09T15:00:00.000Z');
    const text = JSON.stringify(overview);
    for (const pin of pins) assert.ok(!text.includes(pin), 'a PIN is in the overview');
    assert.doesNotMatch(text, /sealedPin|pinHash|\$2[aby]\$/, 'nothing sealed or hashed either');
  });

  it('shows the next arrivals, ready or not and why, and what is not ready among the open alerts', async () => {
    const { ledger, input } = setUp('2026-07-09T10:00:00Z');
    ledger.acceptWindow(windowMessage('HM1', 'Ada', '2026-07-09', '2026-07-12', ['door']));
    ledger.acceptWindow(windowMessage('HM2', 'Grace', '2026-07-10', '2026-07-11', ['gate']));
    ledger.acceptWindow(windowMessage('HM3', 'Alan', '2026-07-14', '2026-07-15', ['door']));
    await settle(ledger);
    const statuses = healthy();
    statuses.set('gate', { lockId: 'gate', online: false, battery: 80 });
    const overview = issuerOverview(input(statuses));
    assert.deepEqual(overview.arrivals.map((arrival) => [arrival.who, arrival.readiness]), [['Ada', 'ready'], ['Grace', 'not-ready'], ['Alan', 'not-due']]);
    assert.deepEqual(overview.arrivals[2].problems, [], 'Alan\'s code is issued 48 h ahead: none yet is as planned');
    assert.ok(overview.arrivals[1].problems.includes('Main gate is offline'));
    assert.ok(overview.alerts.some((alert) => alert.severity === 'critical' && alert.text === 'Main gate is offline'));
    assert.ok(!overview.alerts.some((alert) => alert.bookingId === 'HM2'), 'Grace arrives in more than a day: her lock is the alert, not her stay yet');
  });

  it('marks a failed code as an open alert with the lock\'s error', async () => {
    const { ledger, input } = setUp();
    ledger.acceptWindow(windowMessage('HM1', 'Ada', '2026-07-09', '2026-07-12', ['door']));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult({ ...ok(set), ok: false, confirmed: false, reason: 'offline', error: 'no answer from the lock' });
    const overview = issuerOverview(input());
    assert.equal(overview.locks[0].codes[0].state, 'failed');
    assert.deepEqual(overview.alerts.filter((alert) => alert.bookingId === 'HM1').map((alert) => alert.text), ['Ada\'s code on Front door failed: no answer from the lock', 'Ada (check-in 2026-07-09T15:00:00.000Z) is not ready: the code is not confirmed on Front door (last error: no answer from the lock); the guest has not been told their code yet']);
  });

  it('shows a verify under way until the lock answers, then when it was verified', async () => {
    const { ledger, input } = setUp();
    ledger.verify('door');
    const { commands } = await ledger.reconcile();
    assert.equal(issuerOverview(input()).locks[0].verifying, true);
    for (const read of commands) await ledger.acceptResult({ ...ok(read), codes: [] });
    const door = issuerOverview(input()).locks[0];
    assert.equal(door.verifying, false);
    assert.equal(door.verifiedAt, '2026-07-09T10:00:00.000Z');
  });

  it('names a guest the feed gives no name by the reservation code', async () => {
    const { ledger, input } = setUp();
    const message = windowMessage('HM1', '', '2026-07-09', '2026-07-12', ['door']);
    message.booking = { ...message.booking, guestName: undefined, summary: 'Reserved', reservationCode: 'HMADA1' };
    ledger.acceptWindow(message);
    await settle(ledger);
    assert.equal(issuerOverview(input()).locks[0].codes[0].who, 'reservation HMADA1');
  });

  it('a lock that could not be reached is unknown, not offline, and says why', () => {
    const { input } = setUp();
    const statuses = healthy();
    statuses.set('door', new Error('the hub does not answer'));
    const [lock] = issuerOverview(input(statuses)).locks;
    assert.deepEqual([lock.online, lock.batteryClass, lock.problem], [null, 'unknown', 'could not be reached: the hub does not answer']);
  });

  it('shows the dry-run plan by guest, the steps due now marked as the next reconcile\'s, without logging them as access', async () => {
    const { ledger, input, clock, events } = setUp('2026-07-08T10:00:00Z');
    ledger.acceptWindow(windowMessage('HM1', 'Ada', '2026-07-10', '2026-07-12', ['door']));
    const before = events.length;
    const plan = await ledger.forecast(new Date('2026-07-14T00:00:00Z'), new ManualClock(clock.now()));
    assert.equal(events.length, before, 'a forecast writes nothing to the access log');
    const overview = issuerOverview(input(healthy(), plan));
    assert.deepEqual(overview.plan.map((step) => [step.action, step.who, step.next]), [
      ['set', 'Ada', false],
      ['clear', 'Ada', false],
    ]);
    clock.advanceTo('2026-07-08T15:00:00Z');
    const due = issuerOverview({ ...input(healthy(), plan) });
    assert.equal(due.plan[0].next, true, 'the issue time has come: the next reconcile sets it');
  });
});
