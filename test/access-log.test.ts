import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AccessLog } from '../lib/ledger/access-log';
import { AccessEvent, Ledger } from '../lib/ledger/ledger';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const door: LockConfig = { id: 'door', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 9 } };

function windowMessage(flags?: Record<string, boolean>): WindowMessage {
  const booking = { id: 'b1', unit: 'Room 101', source: 'test', arrival: '2026-07-10', departure: '2026-07-12', guestName: 'Ada Lovelace', phoneLast4: '4821', ...(flags ? { flags } : {}) };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['door'] });
  return { kind: 'window', change: 'created', booking, window };
}

const ok = (c: LockCommand) => ({ kind: 'lock-result' as const, commandId: c.id, codeId: c.codeId, lockId: c.lockId, action: c.action, ok: true, confirmed: true, attempts: 1 });

describe('release conditions', () => {
  it('holds the guest message until the booking is paid and ID-checked, and warns the host a day ahead', async () => {
    const clock = new ManualClock('2026-07-08T16:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], releaseFlags: ['paid', 'idVerified'] });
    ledger.acceptWindow(windowMessage({ paid: true }));
    const [set] = (await ledger.reconcile()).commands;
    assert.equal(set.action, 'set', 'the code still goes on the lock');
    await ledger.acceptResult(ok(set));
    const held = await ledger.reconcile();
    assert.deepEqual(held.codeMessages, []);
    assert.deepEqual(held.alerts, [], 'no alarm two days ahead');
    clock.advanceTo('2026-07-09T16:00:00Z');
    const warned = await ledger.reconcile();
    assert.match(warned.alerts[0]?.text ?? '', /not released \(idVerified not set\)/);
    ledger.acceptWindow({ ...windowMessage({ paid: true, idVerified: true }), change: 'changed' });
    const released = await ledger.reconcile();
    assert.equal(released.codeMessages[0]?.change, 'issued');
  });
});

describe('access log', () => {
  it('records each code event without PINs or guest details', async () => {
    const events: AccessEvent[] = [];
    const clock = new ManualClock('2026-07-08T16:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], onAccessEvent: (e) => events.push(e) });
    ledger.acceptWindow(windowMessage());
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    ledger.acceptKeypad({ kind: 'code-used', lockId: 'door', slot: null, success: false, at: '2026-07-10T15:58:00Z' });
    ledger.acceptKeypad({ kind: 'code-used', lockId: 'door', slot: set.slot, success: true, at: '2026-07-10T16:01:00Z' });
    clock.advanceTo('2026-07-12T10:00:00Z');
    const [clear] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(clear));
    await ledger.reconcile();
    assert.deepEqual(events.map((e) => e.event), ['issued', 'set', 'failed-attempt', 'used', 'cleared', 'revoked']);
    const text = JSON.stringify(events);
    for (const secret of [vault.open(set.pin!), 'Ada', '4821']) assert.ok(!text.includes(secret), secret);
  });

  it('deletes entries older than the retention period', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-log-')), 'log.jsonl');
    const clock = new ManualClock('2026-01-01T00:00:00Z');
    const log = new AccessLog(file, clock, 90);
    log.record({ at: '2026-01-01T00:00:00Z', event: 'set', lockId: 'door' });
    clock.advanceTo('2026-03-15T00:00:00Z');
    log.record({ at: '2026-03-15T00:00:00Z', event: 'used', lockId: 'door' });
    clock.advanceTo('2026-04-05T00:00:00Z');
    log.record({ at: '2026-04-05T00:00:00Z', event: 'cleared', lockId: 'door' });
    assert.deepEqual(log.read().map((e) => e.event), ['used', 'cleared']);
  });
});

describe('privacy', () => {
  it('forgets a finished booking, with the guest\'s details, the configured days after checkout', async () => {
    const clock = new ManualClock('2026-07-08T16:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], keepFinishedDays: 3 });
    ledger.acceptWindow(windowMessage());
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    clock.advanceTo('2026-07-12T10:00:00Z');
    const [clear] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(clear));
    clock.advanceTo('2026-07-15T09:00:00Z');
    await ledger.reconcile();
    assert.ok(JSON.stringify(ledger.snapshot()).includes('Ada'), 'kept for 3 days');
    clock.advanceTo('2026-07-15T10:01:00Z');
    await ledger.reconcile();
    const snapshot = JSON.stringify(ledger.snapshot());
    assert.ok(!snapshot.includes('Ada') && !snapshot.includes('4821'));
  });
});

describe('guest check-in page lookups', () => {
  it('finds a booking only from its reservation code with the guest\'s last name or phone digits', async () => {
    const clock = new ManualClock('2026-07-08T16:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], keepPinsForGuestPage: true });
    const message = windowMessage();
    message.booking.reservationCode = 'HMADA1';
    ledger.acceptWindow(message);
    assert.equal(ledger.findGuest('hmada1', 'lovelace'), 'b1');
    assert.equal(ledger.findGuest('HMADA1', '4821'), 'b1');
    assert.equal(ledger.findGuest('HMADA1', 'Byron'), undefined);
    assert.equal(ledger.findGuest('HMOTHER', 'Lovelace'), undefined);
    assert.deepEqual(ledger.guestView('b1')?.codes, [{ lockName: 'Front door', pin: null }], 'nothing before issue');
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'b1', channel: 'output', delivered: true });
    await ledger.reconcile();
    const view = ledger.guestView('b1')!;
    assert.equal(view.codes[0].pin, vault.open(set.pin!), 'kept for the page even after delivery');
    ledger.reissue('b1');
    assert.ok(ledger.guestView('b1')!.version > view.version, 'a reset invalidates page sessions');
  });

  it('takes only the reservation code the guest was given as a reference, never an internal id', () => {
    const ledger = new Ledger({ clock: new ManualClock('2026-07-08T16:00:00Z'), vault, locks: () => [door] });
    const message = windowMessage();
    message.booking.reservationCode = 'HMADA1';
    ledger.acceptWindow(message);
    assert.equal(ledger.findGuest('b1', 'Lovelace'), undefined, 'the booking id is not a reference');
    assert.deepEqual(ledger.guestsNamed('b1'), []);
    assert.deepEqual(ledger.guestsNamed('hm ada 1'), ['b1']);
    const noCode = new Ledger({ clock: new ManualClock('2026-07-08T16:00:00Z'), vault, locks: () => [door] });
    noCode.acceptWindow(windowMessage());
    assert.equal(noCode.findGuest('b1', 'Lovelace'), undefined, 'a booking without a reservation code cannot be found');
  });

  it('takes no one-letter last name as proof, only the phone digits then', () => {
    const ledger = new Ledger({ clock: new ManualClock('2026-07-08T16:00:00Z'), vault, locks: () => [door] });
    const message = windowMessage();
    message.booking.reservationCode = 'HMX1';
    message.booking.guestName = 'Malcolm X';
    ledger.acceptWindow(message);
    assert.equal(ledger.findGuest('HMX1', 'x'), undefined);
    assert.equal(ledger.findGuest('HMX1', '4821'), 'b1');
  });

  it('hides the code from the page at once when a release flag is cleared after issue', async () => {
    const clock = new ManualClock('2026-07-08T16:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], keepPinsForGuestPage: true, releaseFlags: ['paid'] });
    ledger.acceptWindow(windowMessage({ paid: true }));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    assert.equal(ledger.guestView('b1')!.codes[0].pin, vault.open(set.pin!), 'shown while paid');
    ledger.acceptWindow({ ...windowMessage({ paid: false }), change: 'changed' });
    const held = ledger.guestView('b1')!;
    assert.deepEqual(held.codes, [{ lockName: 'Front door', pin: null }], 'hidden before any reconcile');
    assert.equal(held.onHold, true);
    ledger.acceptWindow({ ...windowMessage({ paid: true }), change: 'changed' });
    assert.equal(ledger.guestView('b1')!.codes[0].pin, vault.open(set.pin!), 'shown again once paid');
  });
});
