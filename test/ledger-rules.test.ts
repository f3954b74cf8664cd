/** The ledger against what hosts meet: full locks, resets, drift, staff hours, one-time codes, shared gates. */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { Booking } from '../lib/bookings/booking';
import { Ledger } from '../lib/ledger/ledger';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, ReadCode, WindowMessage } from '../lib/messages';
import { ruleBroken } from '../lib/pins/pin-rules';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { AccessWindow, windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const door = (over: Partial<LockConfig['rules']> = {}, schedules = true): LockConfig => ({
  id: 'door',
  name: 'Front door',
  schedules,
  rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5, ...over },
});
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 50 } };

function booking(id: string, arrival: string, departure: string, extra: Partial<Booking> = {}): Booking {
  return { id, unit: 'Room 101', source: 'test', arrival, departure, guestName: id, ...extra };
}

function windowMessage(b: Booking, locks = ['door'], change: WindowMessage['change'] = 'created'): WindowMessage {
  const window = windowFor(b, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks });
  return { kind: 'window', change, booking: b, window };
}

function ok(command: LockCommand, extra: Partial<LockResultMessage> = {}): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1, ...extra };
}

/** Runs reconciles, answering every command as done, until nothing more happens. */
async function settle(ledger: Ledger): Promise<LockCommand[]> {
  const all: LockCommand[] = [];
  for (let i = 0; i < 20; i++) {
    const { commands } = await ledger.reconcile();
    if (!commands.length) return all;
    all.push(...commands);
    for (const command of commands) await ledger.acceptResult(ok(command));
  }
  throw new Error('the ledger never settled');
}

function makeLedger(clock: ManualClock, locks: LockConfig[], extra: Partial<ConstructorParameters<typeof Ledger>[0]> = {}) {
  return new Ledger({ clock, vault, locks: () => locks, ...extra });
}

describe('ledger: slots', () => {
  it('never uses a reserved slot', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door({ reservedSlots: [1, 2] })]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-11')));
    const [set] = (await ledger.reconcile()).commands;
    assert.equal(set.slot, 3);
  });

  it('takes bookings nearest arrival first, whatever order they came in', async () => {
    const clock = new ManualClock('2026-07-09T17:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('later', '2026-07-11', '2026-07-12')));
    ledger.acceptWindow(windowMessage(booking('sooner', '2026-07-10', '2026-07-11')));
    const { commands } = await ledger.reconcile();
    const setFor = (id: string) => commands.findIndex((c) => c.action === 'set' && c.codeId === ledger.codesOf(id)[0].codeId);
    assert.ok(setFor('sooner') >= 0 && setFor('later') >= 0, JSON.stringify(commands.map((c) => [c.action, c.codeId])));
    assert.ok(setFor('sooner') < setFor('later'), 'the sooner guest\'s code goes to the lock first');
    assert.deepEqual([ledger.codesOf('sooner')[0].slot, ledger.codesOf('later')[0].slot], [1, 2]);
  });

  it('gives the last slot to the nearest arrival and tells the host which booking waits', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door({ firstSlot: 1, lastSlot: 1 }, false)]);
    ledger.acceptWindow(windowMessage(booking('later', '2026-07-11', '2026-07-12')));
    await ledger.reconcile(); // 'later' reserves slot 1 (the gate-less door sets codes only when windows open)
    ledger.acceptWindow(windowMessage(booking('sooner', '2026-07-10', '2026-07-11')));
    const plan = await ledger.reconcile();
    assert.deepEqual(ledger.codesOf('sooner').map((c) => c.slot), [1]);
    const [waiting] = ledger.codesOf('later');
    assert.equal(waiting.waitingForSlot, true);
    assert.ok(plan.alerts.some((a) => a.bookingId === 'later' && /no free slot/.test(a.text)), JSON.stringify(plan.alerts));
    const laterPin = waiting.sealedPin;
    clock.advanceTo('2026-07-11T10:00:00Z'); // the sooner guest checks out and their code comes off
    await settle(ledger);
    clock.advanceTo('2026-07-11T15:00:00Z');
    const [set] = await settle(ledger);
    assert.deepEqual([set.action, set.codeId, set.slot], ['set', 'later@door', 1]);
    assert.equal(vault.open(set.pin!), vault.open(laterPin!), 'the waiting guest keeps the code they were told');
  });

  it('keeps a same-day turnover apart: checkout 11:00 and check-in 16:00 on one lock hold two slots', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('leaving', '2026-07-08', '2026-07-11')));
    ledger.acceptWindow(windowMessage(booking('arriving', '2026-07-11', '2026-07-13')));
    clock.advanceTo('2026-07-10T00:00:00Z');
    await settle(ledger);
    const [leaving] = ledger.codesOf('leaving');
    const [arriving] = ledger.codesOf('arriving');
    assert.notEqual(leaving.slot, arriving.slot);
    assert.ok(leaving.onLock!.endsAt <= arriving.onLock!.startsAt, 'the windows do not overlap');
  });
});

describe('ledger: PINs', () => {
  it('uses the phone\'s last 4 digits when asked and the lock allows it', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()], { pinFromPhone: true });
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-11', { phoneLast4: '4821' })));
    const [set] = (await ledger.reconcile()).commands;
    const pin = vault.open(set.pin!);
    assert.match(pin, /^4821\d{2}$/);
    assert.equal(ruleBroken(pin, door().rules), undefined);
  });

  it('falls back to a random PIN when the phone digits would be weak', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const fourDigits = door({ codeLengths: [4] });
    const ledger = makeLedger(clock, [fourDigits], { pinFromPhone: true });
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-11', { phoneLast4: '1234' })));
    const [set] = (await ledger.reconcile()).commands;
    assert.notEqual(vault.open(set.pin!), '1234');
  });

  it('gives every unit\'s guest a different code on a shared gate', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door(), { ...door(), id: 'door-102', name: 'Room 102' }, gate]);
    ledger.acceptWindow(windowMessage(booking('a', '2026-07-10', '2026-07-11'), ['door', 'gate']));
    ledger.acceptWindow(windowMessage(booking('b', '2026-07-10', '2026-07-11', { unit: 'Room 102' }), ['door-102', 'gate']));
    const commands = await settle(ledger);
    const onGate = commands.filter((c) => c.lockId === 'gate').map((c) => vault.open(c.pin!));
    assert.equal(onGate.length, 2);
    assert.notEqual(onGate[0], onGate[1]);
    const a = commands.filter((c) => c.codeId.startsWith('a@')).map((c) => vault.open(c.pin!));
    assert.equal(a[0], a[1], 'one guest keeps one code on their door and the gate');
  });
});

describe('ledger: reset, wipe and moves', () => {
  it('moves the code when the booking moves to another unit', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door(), { ...door(), id: 'door-102', name: 'Room 102' }]);
    const b = booking('b1', '2026-07-10', '2026-07-12');
    ledger.acceptWindow(windowMessage(b, ['door']));
    const [set] = await settle(ledger);
    ledger.acceptWindow(windowMessage({ ...b, unit: 'Room 102' }, ['door-102'], 'changed'));
    const moved = await settle(ledger);
    assert.deepEqual(moved.map((c) => [c.action, c.lockId]).sort(), [['clear', 'door'], ['set', 'door-102']]);
    assert.equal(vault.open(moved.find((c) => c.action === 'set')!.pin!), vault.open(set.pin!), 'the guest keeps their code');
  });

  it('wipes a lock: every code cleared, then put back with the same PIN', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    ledger.acceptWindow(windowMessage(booking('b2', '2026-07-10', '2026-07-12')));
    const first = await settle(ledger);
    ledger.wipe('door');
    const again = await settle(ledger);
    assert.deepEqual(again.map((c) => c.action), ['clear', 'clear', 'set', 'set']);
    for (const set of again.filter((c) => c.action === 'set')) {
      const before = first.find((c) => c.codeId === set.codeId)!;
      assert.equal(vault.open(set.pin!), vault.open(before.pin!));
      assert.equal(set.slot, before.slot);
    }
  });
});

describe('ledger: refusals only the host can fix', () => {
  it('tells a slot beyond the lock\'s capacity once, and retries quietly after the pause', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()], { retryFailedAfterMinutes: 60 });
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const refusal = { ok: false, confirmed: false, reason: 'rejected-code' as const, error: 'Front door refused to set the code in slot 1 (code slot 1 not found)' };
    const [set] = (await ledger.reconcile()).commands;
    const first = await ledger.acceptResult(ok(set, refusal));
    clock.advance(61 * 60_000);
    const [retry] = (await ledger.reconcile()).commands;
    assert.equal(retry?.action, 'set', 'tried again after the pause, in case the host fixed it');
    const second = await ledger.acceptResult(ok(retry, refusal));
    assert.equal(first.filter((a) => a.topic === 'lock-failure').length, 1);
    assert.deepEqual(second, [], 'the same refusal is not told again');
    clock.advance(61 * 60_000);
    const [third] = (await ledger.reconcile()).commands;
    const offline = await ledger.acceptResult(ok(third, { ok: false, confirmed: false, reason: 'offline', error: 'Front door is offline' }));
    assert.equal(offline.length, 1, 'a different failure is told');
  });
});

describe('ledger: when to look again', () => {
  it('wakes when a command sent has had its time to answer, and when a failed one may be tried again; counts them', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()], { commandTimeoutMinutes: 30, retryFailedAfterMinutes: 20 });
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [set] = (await ledger.reconcile()).commands;
    assert.equal(set.action, 'set');
    // Nothing else falls due before the guest's window opens the next day: the command's answer is awaited 30 minutes.
    assert.equal(ledger.nextDueAt()?.toISOString(), '2026-07-09T16:30:00.000Z');
    assert.deepEqual(ledger.summary(), { onLocks: 0, pending: 1, failed: 0, bookings: 1 });
    clock.advanceTo('2026-07-09T16:05:00Z');
    await ledger.acceptResult(ok(set, { ok: false, confirmed: false, reason: 'offline', error: 'Front door is offline' }));
    assert.equal(ledger.nextDueAt()?.toISOString(), '2026-07-09T16:25:00.000Z', 'tried again 20 minutes after it failed');
    assert.deepEqual(ledger.summary(), { onLocks: 0, pending: 0, failed: 1, bookings: 1 });
    clock.advanceTo('2026-07-09T16:25:00Z');
    const [again] = (await ledger.reconcile()).commands;
    await ledger.acceptResult(ok(again));
    assert.deepEqual(ledger.summary(), { onLocks: 1, pending: 0, failed: 0, bookings: 1 });
  });

  it('wakes to set a code on a lock without schedules half an hour before the window opens', async () => {
    const clock = new ManualClock('2026-07-10T12:00:00Z');
    const ledger = makeLedger(clock, [door({}, false)]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    assert.deepEqual((await ledger.reconcile()).commands, [], 'nothing goes to the lock before the window is near');
    // Check-in 16:00 in Lisbon is 15:00 UTC; the code goes on 30 minutes before.
    assert.equal(ledger.nextDueAt()?.toISOString(), '2026-07-10T14:30:00.000Z');
    clock.advanceTo('2026-07-10T14:30:00Z');
    assert.deepEqual((await ledger.reconcile()).commands.map((c) => c.action), ['set']);
  });
});

describe('ledger: read-back', () => {
  async function readOf(ledger: Ledger, codes: ReadCode[]) {
    ledger.verify('door');
    const [read] = (await ledger.reconcile()).commands;
    assert.equal(read.action, 'read');
    return ledger.acceptResult(ok(read, { codes }));
  }

  it('puts back a code removed outside StayKey, and reports it', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [set] = await settle(ledger);
    const alerts = await readOf(ledger, []);
    assert.ok(alerts.some((a) => a.topic === 'drift' && /removed outside StayKey/.test(a.text)));
    const [again] = (await ledger.reconcile()).commands;
    assert.deepEqual([again.action, again.slot, vault.open(again.pin!)], ['set', set.slot, vault.open(set.pin!)]);
  });

  it('issues a new code and tells the guest when only the hash of a removed code is left', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [set] = await settle(ledger);
    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'b1', channel: 'output', delivered: true });
    await ledger.reconcile();
    assert.ok(ledger.codesOf('b1')[0].pinHash);
    await readOf(ledger, []);
    const [again] = (await ledger.reconcile()).commands;
    assert.equal(again.action, 'set');
    assert.notEqual(vault.open(again.pin!), vault.open(set.pin!));
    await ledger.acceptResult(ok(again));
    const told = await ledger.reconcile();
    assert.equal(told.codeMessages[0]?.change, 'reissued');
  });

  it('repairs a code changed outside StayKey', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [set] = await settle(ledger);
    await readOf(ledger, [{ slot: set.slot, pin: vault.seal('739164'), startsAt: set.startsAt, endsAt: set.endsAt }]);
    const [again] = (await ledger.reconcile()).commands;
    assert.deepEqual([again.action, vault.open(again.pin!)], ['set', vault.open(set.pin!)]);
  });

  it('leaves codes it did not create alone and avoids their slots and PINs', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door({ firstSlot: 1, lastSlot: 3 })]);
    const alerts = await readOf(ledger, [{ slot: 1, pin: vault.seal('739164') }, { slot: 2, pin: null }]);
    assert.ok(alerts.some((a) => a.topic === 'foreign-codes'));
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const commands = await settle(ledger);
    assert.deepEqual(commands.map((c) => c.action), ['set'], 'nothing of the owner\'s is cleared');
    assert.equal(commands[0].slot, 3);
    assert.notEqual(vault.open(commands[0].pin!), '739164');
  });
});

describe('ledger: staff, one-time and arrival', () => {
  const cleaner = (locks: string[]): WindowMessage => {
    const window: AccessWindow = {
      bookingId: 'staff:maria',
      unit: 'Sea View',
      locks,
      timeZone: 'Europe/Lisbon',
      checkInAt: '2026-03-01T00:00:00.000Z',
      checkOutAt: '2026-04-01T00:00:00.000Z',
      startsAt: '2026-03-01T00:00:00.000Z',
      endsAt: '2026-04-01T00:00:00.000Z',
      issueAt: '2026-02-27T00:00:00.000Z',
      kind: 'staff',
      weekly: { weekdays: [1], from: '10:00', to: '14:00' },
    };
    const b = { id: 'staff:maria', unit: 'Sea View', source: 'staff', arrival: '2026-03-01', departure: '2026-04-01', guestName: 'Maria' };
    return { kind: 'window', change: 'created', booking: b, window };
  };

  it('gives a cleaner the same code each Monday 10:00-14:00 on a lock without schedules', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00Z'); // Monday, Lisbon on UTC
    const ledger = makeLedger(clock, [door({}, false)]);
    ledger.acceptWindow(cleaner(['door']));
    assert.deepEqual(await settle(ledger), [], 'not before 10:00');
    clock.advanceTo('2026-03-02T10:00:00Z');
    const [set] = await settle(ledger);
    assert.equal(set.action, 'set');
    clock.advanceTo('2026-03-02T14:00:00Z');
    assert.deepEqual((await settle(ledger)).map((c) => c.action), ['clear']);
    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'staff:maria', channel: 'output', delivered: true });
    clock.advanceTo('2026-03-09T10:00:00Z');
    const [next] = await settle(ledger);
    assert.equal(next.action, 'set');
    assert.equal(vault.open(next.pin!), vault.open(set.pin!), 'the same code every week');
  });

  it('moves a cleaner\'s dates week by week on a lock that keeps schedules', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(cleaner(['door']));
    const [set] = await settle(ledger);
    assert.deepEqual([set.startsAt, set.endsAt], ['2026-03-02T10:00:00.000Z', '2026-03-02T14:00:00.000Z']);
    clock.advanceTo('2026-03-02T14:00:00Z');
    const [update] = await settle(ledger);
    assert.deepEqual([update.action, update.startsAt], ['update', '2026-03-09T10:00:00.000Z']);
  });

  it('sends a cleaner\'s PIN with each week\'s hours even once delivered: a cloud may have dropped the ended code', async () => {
    const clock = new ManualClock('2026-03-02T09:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(cleaner(['door']));
    const [set] = await settle(ledger);
    await ledger.reconcile();
    ledger.acceptDelivery({ kind: 'delivery', bookingId: 'staff:maria', channel: 'output', delivered: true });
    await ledger.reconcile();
    clock.advanceTo('2026-03-02T14:00:00Z');
    const [update] = await settle(ledger);
    assert.equal(update.action, 'update');
    assert.ok(update.pin, 'the PIN goes along, so a lock that lost the code takes it back unchanged');
    assert.equal(vault.open(update.pin), vault.open(set.pin!));
  });

  it('clears a one-time code after its first use, and tells the host of the arrival', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    const message = windowMessage(booking('plumber', '2026-07-10', '2026-07-11'));
    message.window.kind = 'one-time';
    ledger.acceptWindow(message);
    const [set] = await settle(ledger);
    const alerts = ledger.acceptKeypad({ kind: 'code-used', lockId: 'door', slot: set.slot, success: true, at: '2026-07-10T16:05:00Z' });
    assert.equal(alerts[0]?.topic, 'arrival');
    assert.deepEqual((await settle(ledger)).map((c) => c.action), ['clear']);
  });

  it('reports wrong PINs in a row', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    const wrong = () => ledger.acceptKeypad({ kind: 'code-used', lockId: 'door', slot: null, success: false, at: '2026-07-10T02:00:00Z' });
    assert.deepEqual([wrong().length, wrong().length], [0, 0]);
    assert.match(wrong()[0].text, /3 wrong PINs in a row on lock door/);
  });
});

describe('ledger: dry run', () => {
  it('plans what would happen on each lock, and when, without changing the ledger', async () => {
    const clock = new ManualClock('2026-07-01T00:00:00Z');
    const ledger = makeLedger(clock, [door()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-13')));
    const plan = await ledger.forecast(new Date('2026-07-20T00:00:00Z'), new ManualClock(clock.now()));
    assert.deepEqual(
      plan.map((a) => [a.at, a.action, a.lockId, a.bookingId]),
      [
        ['2026-07-08T15:00:00.000Z', 'set', 'door', 'b1'],
        ['2026-07-13T10:00:00.000Z', 'clear', 'door', 'b1'],
      ],
    );
    assert.ok(!JSON.stringify(plan).includes('sk1.'), 'no PIN in a plan');
    assert.deepEqual(ledger.codesOf('b1'), [], 'the real ledger did not move');
  });
});

describe('ledger: lock summaries for dashboards', () => {
  it('counts guest codes on each lock, names the next arrival (not a cancelled one) and the last use, and holds no PIN', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [door(), gate]);
    ledger.acceptWindow(windowMessage(booking('Linus', '2026-07-20', '2026-07-22'), ['door', 'gate']));
    ledger.acceptWindow(windowMessage(booking('Ada', '2026-07-09', '2026-07-12'), ['door', 'gate']));
    ledger.acceptWindow(windowMessage(booking('Grace', '2026-07-14', '2026-07-16'), ['door']));
    ledger.acceptWindow(windowMessage(booking('Barbara', '2026-07-13', '2026-07-15'), ['gate']));
    ledger.acceptWindow(windowMessage(booking('Barbara', '2026-07-13', '2026-07-15'), ['gate'], 'cancelled'));
    const commands = await settle(ledger);
    const adaDoor = commands.find((c) => c.codeId === 'Ada@door')!;
    ledger.acceptKeypad({ kind: 'code-used', lockId: 'door', slot: adaDoor.slot, success: true, at: '2026-07-09T17:00:00Z' });
    const summaries = ledger.lockSummaries();
    assert.deepEqual(summaries, [
      { lockId: 'door', name: 'Front door', activeGuestCodes: 1, nextArrival: '2026-07-14T15:00:00.000Z', lastCodeUsedAt: '2026-07-09T17:00:00Z', lastCodeUsedBy: 'Ada' },
      { lockId: 'gate', name: 'Main gate', activeGuestCodes: 1, nextArrival: '2026-07-20T15:00:00.000Z', lastCodeUsedAt: null },
    ]);
    assert.ok(!JSON.stringify(summaries).includes(vault.open(adaDoor.pin!)));
  });
});
