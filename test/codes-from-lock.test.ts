/**
 * Codes a lock's own system chooses (an offline code, a backup from a vendor's pool): the guest is told
 * that PIN and the hours the lock honours; a daily read finding those hours is no drift; a guest who
 * had another PIN is told again; what the host must know comes as a warning; a half-formed answer is refused.
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { Booking } from '../lib/bookings/booking';
import { Ledger } from '../lib/ledger/ledger';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, WindowMessage } from '../lib/messages';
import { parseLockResult } from '../lib/messages/parse-lock-result';
import { guestView } from '../lib/notify/render';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const gate: LockConfig = { id: 'gate', name: 'Garden gate', schedules: true, codeCheck: 'read-back', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } };
const ada: Booking = { id: 'Ada', unit: 'Cottage', source: 'test', arrival: '2026-07-10', departure: '2026-07-12', guestName: 'Ada' };

function windowMessage(b: Booking): WindowMessage {
  const window = windowFor(b, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['gate'] });
  return { kind: 'window', change: 'created', booking: b, window };
}

function answer(command: LockCommand, extra: Partial<LockResultMessage> = {}): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1, ...extra };
}

/** The gate as its offline algorithm keeps it: whatever it chose, rounded to whole hours. */
const ROUNDED = { startsAt: '2026-07-10T15:00:00.000Z', endsAt: '2026-07-12T10:00:00.000Z' };

async function linkedLedger(clock: ManualClock): Promise<Ledger> {
  const ledger = new Ledger({ clock, vault, locks: () => [gate], quickPins: true });
  const { commands } = await ledger.reconcile();
  for (const read of commands.filter((c) => c.action === 'read')) await ledger.acceptResult(answer(read, { codes: [] }));
  return ledger;
}

describe('codes the lock chooses', () => {
  it('tells the guest the PIN the lock chose and the hours it honours, not the PIN StayKey drew', async () => {
    const clock = new ManualClock('2026-07-08T15:00:00Z');
    const ledger = await linkedLedger(clock);
    ledger.acceptWindow(windowMessage(ada));
    const [set] = (await ledger.reconcile()).commands;
    assert.equal(set.action, 'set');
    const alerts = await ledger.acceptResult(answer(set, { fromLock: { pin: vault.seal('739104'), ...ROUNDED, why: 'offline-code' }, notice: 'Garden gate: a sentence for the host' }));
    assert.deepEqual(alerts.map((a) => [a.severity, a.topic, a.text]), [['warning', 'lock-notice', 'Garden gate: a sentence for the host']]);
    const { codeMessages } = await ledger.reconcile();
    assert.equal(codeMessages.length, 1);
    const [told] = codeMessages[0].codes;
    assert.equal(vault.open(told.pin!), '739104');
    assert.notEqual(vault.open(set.pin!), '739104');
    assert.deepEqual([told.validFrom, told.validUntil], [ROUNDED.startsAt, ROUNDED.endsAt]);
    const view = guestView(codeMessages[0], (sealed) => vault.open(sealed));
    assert.match(view.codesText, /^Cottage: 739104 \(works .*2026.* to .*2026.*\)$/);
  });

  it('takes a daily read finding the rounded hours and the chosen PIN as no drift', async () => {
    const clock = new ManualClock('2026-07-08T15:00:00Z');
    const ledger = await linkedLedger(clock);
    ledger.acceptWindow(windowMessage(ada));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(answer(set, { fromLock: { pin: vault.seal('739104'), ...ROUNDED, why: 'offline-code' } }));
    await ledger.reconcile();
    clock.advance(26 * 3600_000);
    const { commands } = await ledger.reconcile();
    const read = commands.find((c) => c.action === 'read');
    assert.ok(read, 'the daily verify reads the gate');
    const alerts = await ledger.acceptResult(answer(read, { codes: [{ slot: set.slot, pin: vault.seal('739104'), ...ROUNDED }] }));
    assert.deepEqual(alerts, []);
    assert.deepEqual((await ledger.reconcile()).commands, [], 'nothing rewritten');
    // The same read with other hours is drift: the check still bites.
    clock.advance(26 * 3600_000);
    const next = (await ledger.reconcile()).commands.find((c) => c.action === 'read')!;
    const drift = await ledger.acceptResult(answer(next, { codes: [{ slot: set.slot, pin: vault.seal('739104'), startsAt: ROUNDED.startsAt, endsAt: '2026-07-11T10:00:00.000Z' }] }));
    assert.ok(drift.some((a) => /other dates/.test(a.text)), JSON.stringify(drift));
  });

  it('tells a guest again when a date change brings a new PIN from the lock', async () => {
    const clock = new ManualClock('2026-07-08T15:00:00Z');
    const ledger = await linkedLedger(clock);
    ledger.acceptWindow(windowMessage(ada));
    const [set] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(answer(set, { fromLock: { pin: vault.seal('739104'), ...ROUNDED, why: 'offline-code' } }));
    const first = (await ledger.reconcile()).codeMessages;
    assert.equal(first[0].change, 'issued');
    ledger.acceptWindow({ ...windowMessage({ ...ada, departure: '2026-07-13' }), change: 'changed' });
    const [update] = (await ledger.reconcile()).commands.filter((c) => c.action !== 'read');
    assert.equal(update.action, 'update');
    await ledger.acceptResult(answer(update, { fromLock: { pin: vault.seal('581736'), startsAt: ROUNDED.startsAt, endsAt: '2026-07-13T10:00:00.000Z', why: 'offline-code' } }));
    const second = (await ledger.reconcile()).codeMessages;
    assert.equal(second.length, 1);
    assert.equal(second[0].change, 'reissued');
    assert.equal(vault.open(second[0].codes[0].pin!), '581736');
  });

  it('refuses a lock-result whose chosen code is half there (no PIN half-read)', () => {
    const base = { kind: 'lock-result', commandId: 'c1', codeId: 'Ada@gate', lockId: 'gate', action: 'set', ok: true, confirmed: true, attempts: 1 };
    assert.throws(() => parseLockResult({ ...base, fromLock: { startsAt: ROUNDED.startsAt, endsAt: ROUNDED.endsAt, why: 'offline-code' } }), /fromLock needs a sealed pin/);
    assert.throws(() => parseLockResult({ ...base, fromLock: { pin: 'x', startsAt: 'soon', endsAt: ROUNDED.endsAt, why: 'offline-code' } }), /fromLock/);
    assert.throws(() => parseLockResult({ ...base, fromLock: { pin: 'x', ...ROUNDED, why: '__proto__' } }), /fromLock/);
    const fine = parseLockResult({ ...base, fromLock: { pin: 'sealed', ...ROUNDED, why: 'backup-pool', extra: 1 } });
    assert.deepEqual(fine.fromLock, { pin: 'sealed', ...ROUNDED, why: 'backup-pool' });
  });
});
