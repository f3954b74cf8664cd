import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { Ledger } from '../lib/ledger/ledger';
import type { LockConfig, LockStatus } from '../lib/locks/provider';
import type { LockCommand, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const door: LockConfig = { id: 'door', name: 'Front door', schedules: false, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 9 } };
const ok = (c: LockCommand) => ({ kind: 'lock-result' as const, commandId: c.id, codeId: c.codeId, lockId: c.lockId, action: c.action, ok: true, confirmed: true, attempts: 1 });
const offline = new Map<string, LockStatus | Error>([['door', { lockId: 'door', online: false, battery: 60 }]]);

function windowMessage(): WindowMessage {
  const booking = { id: 'Ada', unit: 'Room 101', source: 'test', arrival: '2026-07-10', departure: '2026-07-12', guestName: 'Ada' };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['door'] });
  return { kind: 'window', change: 'created', booking, window };
}

async function settle(ledger: Ledger, answer = ok) {
  const all: LockCommand[] = [];
  for (let i = 0; i < 10; i++) {
    const { commands } = await ledger.reconcile();
    if (!commands.length) return all;
    all.push(...commands);
    for (const c of commands) await ledger.acceptResult(answer(c));
  }
  return all;
}

describe('backup codes', () => {
  it('keeps a pool of backup codes on each lock, never told to anyone', async () => {
    const clock = new ManualClock('2026-07-01T00:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], backupCodesPerLock: 2 });
    const commands = await settle(ledger);
    assert.deepEqual(commands.map((c) => [c.action, c.codeId]), [['set', 'backup:door:1@door'], ['set', 'backup:door:2@door']]);
    assert.deepEqual((await ledger.reconcile()).codeMessages, []);
  });

  it('lends a backup code to a guest whose own code cannot reach an offline lock, and replaces it after checkout', async () => {
    const clock = new ManualClock('2026-07-01T00:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], backupCodesPerLock: 1 });
    const [backupSet] = await settle(ledger);
    ledger.acceptWindow(windowMessage());
    clock.advanceTo('2026-07-10T14:00:00Z'); // an hour before check-in; the lock has gone offline
    const fail = (c: LockCommand) => ({ ...ok(c), ok: false, confirmed: false, reason: 'offline' as const, error: 'Front door is offline' });
    await settle(ledger, fail);
    const { messages, alerts } = ledger.lendBackupsToStranded(offline, 2);
    assert.equal(messages.length, 1);
    assert.equal(messages[0].change, 'backup');
    assert.equal(vault.open(messages[0].codes[0].pin!), vault.open(backupSet.pin!), 'the guest gets the code already on the lock');
    assert.match(alerts[0].text, /backup code \(slot \d\) was sent/);
    assert.deepEqual(ledger.lendBackupsToStranded(offline, 2).messages, [], 'lent once');

    clock.advanceTo('2026-07-12T10:00:00Z'); // checkout: the lent code is retired and replaced
    const rotation = await settle(ledger);
    const replaced = rotation.filter((c) => c.codeId === 'backup:door:1@door').map((c) => c.action);
    assert.deepEqual(replaced, ['clear', 'set']);
    const fresh = rotation.find((c) => c.codeId === 'backup:door:1@door' && c.action === 'set')!;
    assert.notEqual(vault.open(fresh.pin!), vault.open(backupSet.pin!));
  });

  it('tells the host to use the backup key when no backup code is free', async () => {
    const clock = new ManualClock('2026-07-10T14:00:00Z');
    const ledger = new Ledger({ clock, vault, locks: () => [door], backupCodesPerLock: 1 });
    ledger.acceptWindow(windowMessage());
    // The pool was never set (the lock was offline all along).
    const fail = (c: LockCommand) => ({ ...ok(c), ok: false, confirmed: false, reason: 'offline' as const, error: 'offline' });
    await settle(ledger, fail);
    const { messages, alerts } = ledger.lendBackupsToStranded(offline, 2);
    assert.deepEqual(messages, []);
    assert.match(alerts[0].text, /No backup code is free on lock door .* use the backup key/);
  });
});
