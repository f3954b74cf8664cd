import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Booking } from '../lib/bookings/booking';
import { Ledger, LedgerStore } from '../lib/ledger/ledger';
import { memoryLedgerStore } from '../lib/ledger/ledger-memory';
import { fileLedgerStore } from '../lib/ledger/ledger-file';
import { LedgerData } from '../lib/ledger/ledger-types';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, WindowMessage } from '../lib/messages';
import { ruleBroken } from '../lib/pins/pin-rules';
import { pinMatchesHash, Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const frontDoor: LockConfig = { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 3, lastSlot: 5 } };
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: false, rules: { codeLengths: [4], firstSlot: 1, lastSlot: 10 } };

function booking(id: string, arrival: string, departure: string): Booking {
  return { id, unit: 'Room 101', source: 'test', arrival, departure, guestName: 'Ada Lovelace' };
}

function windowMessage(b: Booking, change: WindowMessage['change'] = 'created', locks = ['front']): WindowMessage {
  const window = windowFor(b, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks });
  return { kind: 'window', change, booking: b, window };
}

function ok(command: LockCommand): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 };
}

function failed(command: LockCommand, reason: LockResultMessage['reason'], error: string): LockResultMessage {
  return { ...ok(command), ok: false, confirmed: false, reason, error };
}

function memoryStore(): LedgerStore & { data?: LedgerData } {
  return memoryLedgerStore();
}

function makeLedger(clock: ManualClock, store: LedgerStore = memoryStore(), locks = [frontDoor, gate]) {
  return new Ledger({ clock, vault, locks: () => locks, store });
}

describe('ledger', () => {
  it('issues nothing for a booking far in the future', async () => {
    const clock = new ManualClock('2026-06-01T12:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const plan = await ledger.reconcile();
    assert.deepEqual(plan.commands, []);
    assert.deepEqual(plan.codeMessages, []);
  });

  it('issues a code inside the lead time, and tells the guest once the lock confirms it', async () => {
    const clock = new ManualClock('2026-07-08T15:00:00Z'); // 48 h before 16:00 Lisbon (15:00 UTC) on the 10th
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const plan = await ledger.reconcile();
    assert.equal(plan.commands.length, 1);
    const [set] = plan.commands;
    assert.equal(set.action, 'set');
    assert.equal(set.slot, 3);
    assert.equal(set.startsAt, '2026-07-10T15:00:00.000Z');
    assert.equal(set.endsAt, '2026-07-13T10:00:00.000Z');
    const pin = vault.open(set.pin!);
    assert.equal(ruleBroken(pin, frontDoor.rules), undefined);
    assert.deepEqual(plan.codeMessages, [], 'the guest hears nothing before the lock has the code');

    await ledger.acceptResult(ok(set));
    const after = await ledger.reconcile();
    assert.deepEqual(after.commands, []);
    assert.equal(after.codeMessages.length, 1);
    assert.equal(after.codeMessages[0].change, 'issued');
    assert.equal(vault.open(after.codeMessages[0].codes[0].pin!), pin);
    assert.deepEqual((await ledger.reconcile()).codeMessages, [], 'told once');
  });

  it('keeps the same code and slot when the guest changes dates', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-15'), 'changed'));
    const plan = await ledger.reconcile();
    assert.equal(plan.commands.length, 1);
    const [update] = plan.commands;
    assert.equal(update.action, 'update');
    assert.equal(update.slot, set.slot);
    assert.equal(vault.open(update.pin!), vault.open(set.pin!));
    assert.equal(update.endsAt, '2026-07-15T10:00:00.000Z');
    await ledger.acceptResult(ok(update));
    const told = await ledger.reconcile();
    assert.equal(told.codeMessages[0]?.change, 'updated');
  });

  it('clears the code when the booking is cancelled and forgets the PIN', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    const b = booking('b1', '2026-07-10', '2026-07-13');
    ledger.acceptWindow(windowMessage(b));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage(b, 'cancelled'));
    const plan = await ledger.reconcile();
    assert.deepEqual(plan.commands.map((c) => [c.action, c.slot]), [['clear', set.slot]]);
    await ledger.acceptResult(ok(plan.commands[0]));
    const after = await ledger.reconcile();
    assert.equal(after.codeMessages[0]?.change, 'revoked');
    const code = ledger.codesOf('b1')[0];
    assert.equal(code.state, 'revoked');
    assert.equal(code.sealedPin, undefined);
    assert.equal(code.pinHash, undefined);
  });

  it('clears the code at checkout', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    clock.advanceTo('2026-07-13T09:59:00Z');
    assert.deepEqual((await ledger.reconcile()).commands, []);
    clock.advanceTo('2026-07-13T10:00:00Z');
    assert.deepEqual((await ledger.reconcile()).commands.map((c) => c.action), ['clear']);
  });

  it('reserves a code on a lock without schedules at issue time and sets it when the window opens', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13'), 'created', ['gate']));
    const early = await ledger.reconcile();
    assert.deepEqual(early.commands, []);
    assert.equal(early.codeMessages.length, 1, 'the guest can be told once the code is reserved');
    const told = vault.open(early.codeMessages[0].codes[0].pin!);
    clock.advanceTo('2026-07-10T15:00:00Z');
    const open = await ledger.reconcile();
    assert.deepEqual(open.commands.map((c) => c.action), ['set']);
    assert.equal(vault.open(open.commands[0].pin!), told);
  });

  it('gives two guests on one lock different PINs and slots', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-11')));
    ledger.acceptWindow(windowMessage(booking('b2', '2026-07-11', '2026-07-13')));
    const { commands } = await ledger.reconcile();
    assert.equal(commands.length, 2);
    assert.notEqual(commands[0].slot, commands[1].slot);
    assert.notEqual(vault.open(commands[0].pin!), vault.open(commands[1].pin!));
  });

  it('keeps only a bcrypt hash once the code is on the lock and delivered', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const [set] = (await ledger.reconcile()).commands;
    const pin = vault.open(set.pin!);
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    assert.ok(ledger.codesOf('b1')[0].sealedPin, 'still sealed until delivered');
    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'b1', channel: 'email', delivered: true });
    await ledger.reconcile();
    const code = ledger.codesOf('b1')[0];
    assert.equal(code.sealedPin, undefined);
    assert.ok(await pinMatchesHash(pin, code.pinHash!));
  });

  describe('a lock that cannot read codes back (ZHA)', () => {
    it('takes the accepted code as final: on the lock, hashed after delivery, ready for the arrival, "set, not verifiable" on the dashboard', async () => {
      const clock = new ManualClock('2026-07-09T00:00:00Z');
      const ledger = makeLedger(clock);
      ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
      const [set] = (await ledger.reconcile()).commands;
      const pin = vault.open(set.pin!);
      await ledger.acceptResult({ ...ok(set), unverifiable: true });
      const told = await ledger.reconcile();
      assert.equal(told.codeMessages.length, 1, 'the guest is told');
      assert.deepEqual(told.commands, [], 'nothing is sent again to prove it');
      const [code] = ledger.codesOf('b1');
      assert.deepEqual([code.state, code.unverifiable, code.awaitingConfirmation], ['confirmed', true, undefined]);
      assert.equal(ledger.lockSummaries().find((lock) => lock.lockId === 'front')?.unverifiableGuestCodes, 1);
      ledger.acceptDelivery({ kind: 'delivery', bookingId: 'b1', channel: 'email', delivered: true });
      await ledger.reconcile();
      const hashed = ledger.codesOf('b1')[0];
      assert.equal(hashed.sealedPin, undefined, 'the PIN does not stay reversible for the whole stay');
      assert.ok(await pinMatchesHash(pin, hashed.pinHash!));
      clock.advanceTo('2026-07-10T12:00:00Z');
      const healthy = new Map([['front', { lockId: 'front', online: true, battery: 90 }]]);
      assert.deepEqual(ledger.checkReadiness(healthy, [24, 2], () => 'the key box'), [], 'no false "not confirmed" alarm before the arrival');
    });

    it('still waits for the host on a manual lock (accepted there only means the host was asked)', async () => {
      const clock = new ManualClock('2026-07-09T00:00:00Z');
      const ledger = makeLedger(clock);
      ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
      const [set] = (await ledger.reconcile()).commands;
      await ledger.acceptResult({ ...ok(set), confirmed: false });
      const [code] = ledger.codesOf('b1');
      assert.deepEqual([code.state, code.unverifiable], ['set', undefined]);
    });
  });

  it('updates dates without the PIN once only its hash is left', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'b1', channel: 'output', delivered: true });
    await ledger.reconcile();
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-14'), 'changed'));
    const [update] = (await ledger.reconcile()).commands;
    assert.equal(update.action, 'update');
    assert.equal(update.pin, undefined, 'the lock keeps the PIN it has');
    await ledger.acceptResult(ok(update));
    const told = await ledger.reconcile();
    assert.equal(told.codeMessages[0].change, 'updated');
    assert.equal(told.codeMessages[0].codes[0].pin, undefined);
  });

  it('re-issues a new code when asked: the old one is cleared first, the new one set in the same slot, the guest told', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(set));
    await ledger.reconcile();
    ledger.reissue('b1');
    const [clear] = (await ledger.reconcile()).commands;
    assert.deepEqual([clear.action, clear.slot], ['clear', set.slot]);
    await ledger.acceptResult(ok(clear));
    const [update] = (await ledger.reconcile()).commands;
    assert.equal(update.action, 'set');
    assert.equal(update.slot, set.slot);
    assert.notEqual(vault.open(update.pin!), vault.open(set.pin!));
    await ledger.acceptResult(ok(update));
    assert.equal((await ledger.reconcile()).codeMessages[0].change, 'reissued');
  });

  it('alerts on a failure, retries after a pause, and picks a new PIN for a duplicate', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const [set] = (await ledger.reconcile()).commands;
    const alerts = await ledger.acceptResult(failed(set, 'offline', 'Front door is offline'));
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].text, /b1.*front.*offline/);
    assert.deepEqual((await ledger.reconcile()).commands, [], 'no hammering right after a failure');
    clock.advance(61 * 60_000);
    const [retry] = (await ledger.reconcile()).commands;
    assert.equal(retry.action, 'set');
    await ledger.acceptResult(failed(retry, 'duplicate-code', 'the lock already has this PIN'));
    const [fresh] = (await ledger.reconcile()).commands;
    assert.notEqual(vault.open(fresh.pin!), vault.open(retry.pin!));
  });

  it('tells the host which booking has no code when a lock is full', async () => {
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const ledger = makeLedger(clock);
    for (const id of ['b1', 'b2', 'b3', 'b4']) ledger.acceptWindow(windowMessage(booking(id, '2026-07-10', '2026-07-11')));
    const plan = await ledger.reconcile();
    assert.equal(plan.commands.length, 3, 'slots 3 to 5');
    assert.equal(plan.alerts.length, 1);
    assert.match(plan.alerts[0].text, /no free slot for booking b4/);
  });

  it('resends unanswered commands after a restart, and only those', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ledger-'));
    const file = path.join(dir, 'ledger.json');
    const clock = new ManualClock('2026-07-09T00:00:00Z');
    const first = makeLedger(clock, fileLedgerStore(file));
    first.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    first.acceptWindow(windowMessage(booking('b2', '2026-07-10', '2026-07-13')));
    const sent = (await first.reconcile()).commands;
    await first.acceptResult(ok(sent[0]));
    await first.save();
    const pins = sent.map((c) => vault.open(c.pin!));
    const written = [file, `${file}.journal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    assert.ok(written.includes(sent[1].id), 'the command under way is in the journal');
    assert.ok(!written.includes(pins[0]) && !written.includes(pins[1]), 'no PIN in the ledger files');

    const second = makeLedger(clock, fileLedgerStore(file));
    const again = second.commandsInFlight();
    assert.deepEqual(again.map((c) => c.id), [sent[1].id]);
    assert.equal(vault.open(again[0].pin!), pins[1]);
    assert.deepEqual((await second.reconcile()).commands, [], 'nothing sent twice by the reconcile');
  });
});
