import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { Ledger } from '../lib/ledger/ledger';
import type { LockConfig, LockStatus } from '../lib/locks/provider';
import type { LockCommand, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const door: LockConfig = { id: 'door', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 9 } };
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: false, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 1 } };
const fallback = (lock: LockConfig) => `Backup key for ${lock.name}: in the lockbox.`;
const ok = (c: LockCommand) => ({ kind: 'lock-result' as const, commandId: c.id, codeId: c.codeId, lockId: c.lockId, action: c.action, ok: true, confirmed: true, attempts: 1 });
const failed = (c: LockCommand) => ({ ...ok(c), ok: false, confirmed: false, reason: 'offline' as const, error: 'Front door is offline' });

function windowMessage(id: string, arrival: string, departure: string, locks: string[]): WindowMessage {
  const booking = { id, unit: 'Room 101', source: 'test', arrival, departure, guestName: id };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks });
  return { kind: 'window', change: 'created', booking, window };
}

function healthy(...ids: string[]): Map<string, LockStatus | Error> {
  return new Map(ids.map((lockId) => [lockId, { lockId, online: true, battery: 80 }]));
}

async function settle(ledger: Ledger) {
  for (let i = 0; i < 10; i++) {
    const { commands } = await ledger.reconcile();
    if (!commands.length) return;
    for (const c of commands) await ledger.acceptResult(ok(c));
  }
}

describe('readiness before each arrival', () => {
  it('says nothing when every lock is ready', async () => {
    const clock = new ManualClock('2026-07-09T15:30:00Z'); // 23.5 h before check-in
    const ledger = new Ledger({ clock, vault, locks: () => [door] });
    ledger.acceptWindow(windowMessage('Ada', '2026-07-10', '2026-07-12', ['door']));
    await settle(ledger);
    assert.deepEqual(ledger.checkReadiness(healthy('door'), [24, 2], fallback), []);
  });

  it('alerts a day ahead when a code could not be set, naming the lock and its backup key, then again 2 h ahead', async () => {
    const clock = new ManualClock('2026-07-08T15:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door] });
    ledger.acceptWindow(windowMessage('Ada', '2026-07-10', '2026-07-12', ['door']));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(failed(set));
    assert.deepEqual(ledger.checkReadiness(healthy('door'), [24, 2], fallback), [], 'more than 24 h ahead: the failure alert already went');
    clock.advanceTo('2026-07-09T15:10:00Z');
    const [dayAhead] = ledger.checkReadiness(healthy('door'), [24, 2], fallback);
    assert.equal(dayAhead.severity, 'critical');
    assert.match(dayAhead.text, /Booking Ada .*in 24 h\) is not ready:\n- the code is not confirmed on Front door \(last error: Front door is offline\)/);
    assert.match(dayAhead.text, /Backup key for Front door: in the lockbox\./);
    clock.advanceTo('2026-07-09T16:00:00Z');
    assert.deepEqual(ledger.checkReadiness(healthy('door'), [24, 2], fallback), [], 'told once per period');
    clock.advanceTo('2026-07-10T13:30:00Z');
    assert.equal(ledger.checkReadiness(healthy('door'), [24, 2], fallback).length, 1, 'again 2 h ahead');
  });

  it('alerts within the next check when a lock goes offline or its battery turns critical after the day-ahead check', async () => {
    const clock = new ManualClock('2026-07-09T15:30:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door] });
    ledger.acceptWindow(windowMessage('Ada', '2026-07-10', '2026-07-12', ['door']));
    await settle(ledger);
    assert.deepEqual(ledger.checkReadiness(healthy('door'), [24, 2], fallback), []);
    clock.advanceTo('2026-07-10T04:00:00Z');
    const offline = ledger.checkReadiness(new Map([['door', { lockId: 'door', online: false, battery: 80 }]]), [24, 2], fallback);
    assert.match(offline[0].text, /Front door is offline/);
    clock.advanceTo('2026-07-10T04:15:00Z');
    const flat = ledger.checkReadiness(new Map([['door', { lockId: 'door', online: true, battery: 9 }]]), [24, 2], fallback);
    assert.match(flat[0].text, /battery is at 9 % \(critical\)/);
  });

  it('tells the host when the previous guest\'s code could not be cleared and the arriving guest has no slot', async () => {
    const clock = new ManualClock('2026-07-07T15:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [gate] });
    ledger.acceptWindow(windowMessage('Leaving', '2026-07-07', '2026-07-10', ['gate']));
    await settle(ledger);
    // The previous guest's code should come off at 10:00 UTC on the 10th; the clear fails.
    clock.advanceTo('2026-07-10T10:00:00Z');
    const { commands } = await ledger.reconcile();
    await ledger.acceptResult(failed(commands[0]));
    ledger.acceptWindow(windowMessage('Arriving', '2026-07-10', '2026-07-12', ['gate']));
    await ledger.reconcile();
    const [alert] = ledger.checkReadiness(healthy('gate'), [24, 2], fallback);
    assert.match(alert?.text ?? '', /no code is reserved on Main gate \(is it full\?\)/);
  });
});
