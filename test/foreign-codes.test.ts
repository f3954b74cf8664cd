/**
 * Codes StayKey did not create are never overwritten: a lock first linked is read whole before any write,
 * a slot never seen is read before its first write, every lock is verified once a day and no more.
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import { Booking } from '../lib/bookings/booking';
import { Ledger, LedgerOptions, LedgerStore } from '../lib/ledger/ledger';
import { memoryLedgerStore } from '../lib/ledger/ledger-memory';
import type { LedgerData } from '../lib/ledger/ledger-types';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, ReadCode, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';

const vault = Vault.withKey(crypto.randomBytes(32));
const HOUR = 3600_000;

function lock(over: Partial<LockConfig> = {}, rules: Partial<LockConfig['rules']> = {}): LockConfig {
  return { id: 'door', name: 'Front door', schedules: true, codeCheck: 'read-back', rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5, ...rules }, ...over };
}

function booking(id: string, arrival: string, departure: string, guestName = id): Booking {
  return { id, unit: 'Room 101', source: 'test', arrival, departure, guestName };
}

function windowMessage(b: Booking, locks = ['door']): WindowMessage {
  const window = windowFor(b, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks });
  return { kind: 'window', change: 'created', booking: b, window };
}

function answer(command: LockCommand, extra: Partial<LockResultMessage> = {}): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1, ...extra };
}

function memoryStore(): LedgerStore & { data?: LedgerData } {
  return memoryLedgerStore();
}

/**
 * A lock as the ledger meets it: slots that hold codes (the host's own among them), reads answered from
 * them, writes put into them. A write over a slot that holds someone else's code is recorded.
 */
class Door {
  readonly slots = new Map<number, { pin: string; name?: string; ours: boolean }>();
  readonly reads: number[] = [];
  readonly overwritten: number[] = [];

  holdsForeign(slot: number, pin: string, name?: string): void {
    this.slots.set(slot, { pin, name, ours: false });
  }

  answer(command: LockCommand): LockResultMessage {
    if (command.action === 'read') {
      this.reads.push(command.slot);
      const codes: ReadCode[] = [...this.slots.entries()]
        .filter(([slot]) => command.slot === 0 || slot === command.slot)
        .map(([slot, held]) => ({ slot, pin: vault.seal(held.pin), ...(held.name ? { name: held.name } : {}) }));
      return answer(command, { codes });
    }
    if (command.action === 'clear') {
      this.slots.delete(command.slot);
      return answer(command);
    }
    const before = this.slots.get(command.slot);
    if (before && !before.ours) this.overwritten.push(command.slot);
    this.slots.set(command.slot, { pin: command.pin ? vault.open(command.pin) : before!.pin, name: command.name, ours: true });
    return answer(command);
  }
}

async function run(ledger: Ledger, door: Door): Promise<{ commands: LockCommand[]; alerts: string[] }> {
  const commands: LockCommand[] = [];
  const alerts: string[] = [];
  for (let round = 0; round < 30; round++) {
    const plan = await ledger.reconcile();
    alerts.push(...plan.alerts.map((a) => `${a.topic}: ${a.text}`));
    if (!plan.commands.length) return { commands, alerts };
    commands.push(...plan.commands);
    for (const command of plan.commands) alerts.push(...(await ledger.acceptResult(door.answer(command))).map((a) => `${a.topic}: ${a.text}`));
  }
  throw new Error('the ledger never settled');
}

function makeLedger(clock: ManualClock, locks: LockConfig[], extra: Partial<LedgerOptions> = {}): Ledger {
  return new Ledger({ clock, vault, locks: () => locks, ...extra });
}

describe('foreign codes: a lock first linked is read before anything is written', () => {
  it('reads every slot first, then keeps the owner\'s code and avoids its slot and PIN', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const door = new Door();
    door.holdsForeign(1, '739164');
    door.holdsForeign(2, '204816');
    const ledger = makeLedger(clock, [lock()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const first = await ledger.reconcile();
    assert.deepEqual(first.commands.map((c) => [c.action, c.slot]), [['read', 0]], 'the whole lock is read, and nothing is written yet');
    const readAlerts = await ledger.acceptResult(door.answer(first.commands[0]));
    assert.ok(readAlerts.some((a) => a.topic === 'foreign-codes' && /slots 1, 2/.test(a.text)));
    const { commands } = await run(ledger, door);
    const set = commands.find((c) => c.action === 'set')!;
    assert.equal(set.slot, 3);
    assert.ok(!['739164', '204816'].includes(vault.open(set.pin!)));
    assert.deepEqual(door.overwritten, []);
    assert.equal(door.slots.get(1)?.pin, '739164');
  });

  it('writes nothing to a lock while its first read is under way, and reads it once', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [lock()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const first = await ledger.reconcile();
    const second = await ledger.reconcile();
    assert.deepEqual(first.commands.map((c) => c.action), ['read']);
    assert.deepEqual(second.commands, [], 'no second read, no write before the answer');
  });

  it('reads nothing on locks that cannot read codes back (ZHA, manual)', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [lock({ codeCheck: 'accepted' }), lock({ id: 'gate', codeCheck: 'host' })]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12'), ['door', 'gate']));
    const { commands } = await ledger.reconcile();
    assert.deepEqual(commands.map((c) => c.action), ['set', 'set']);
  });

  it("recognises codes this ledger set on a lock it had never read (a ledger from before reads)", async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const store = memoryStore();
    const door = new Door();
    const before = makeLedger(clock, [lock({ codeCheck: undefined })], { store });
    before.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const earlier = await run(before, door);
    assert.deepEqual(earlier.commands.map((c) => c.action), ['set']);
    const after = makeLedger(clock, [lock()], { store });
    const { commands, alerts } = await run(after, door);
    assert.deepEqual(commands.map((c) => [c.action, c.slot]), [['read', 0]], 'its own code is neither foreign nor drift');
    assert.deepEqual(alerts, []);
    assert.deepEqual(store.data!.foreign?.door, []);
  });

  it('takes a code it set whose answer was lost as on the lock, recognised by its PIN', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const door = new Door();
    const ledger = makeLedger(clock, [lock()], { commandTimeoutMinutes: 120 });
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    await run(ledger, door);
    ledger.reissue('b1');
    const { commands } = await ledger.reconcile();
    const clear = commands.find((c) => c.action === 'clear')!;
    await ledger.acceptResult(door.answer(clear));
    const [set] = (await ledger.reconcile()).commands;
    door.answer(set); // the lock took it; the answer never came
    await ledger.acceptResult({ ...answer(set), ok: false, confirmed: false, reason: 'timeout', error: 'no answer' });
    ledger.verify('door');
    const after = await run(ledger, door);
    assert.ok(!after.alerts.some((a) => a.startsWith('foreign-codes')), after.alerts.join('\n'));
    assert.equal(ledger.codesOf('b1')[0].slot, set.slot);
    assert.equal(ledger.codesOf('b1')[0].state, 'confirmed');
  });

  it('moves a reserved code whose slot turns out taken before its window opens, and never writes over it', async () => {
    const clock = new ManualClock('2026-07-08T16:00:00Z');
    const door = new Door();
    const ledger = makeLedger(clock, [lock({ schedules: false })]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const early = await run(ledger, door);
    assert.deepEqual(early.commands.map((c) => c.action), ['read'], 'reserved, not yet on the door');
    door.holdsForeign(1, '739164'); // the owner keys a code into slot 1 meanwhile
    clock.advance(26 * HOUR); // the daily verify (a day, and up to two hours by lock) finds it
    const verified = await run(ledger, door);
    assert.ok(verified.alerts.some((a) => /^foreign-codes: .*slots 1\b/.test(a)), verified.alerts.join('\n'));
    clock.advanceTo(new Date('2026-07-10T15:00:00Z')); // the window opens (less the set-ahead)
    const { commands } = await run(ledger, door);
    assert.deepEqual(commands.filter((c) => c.action === 'set').map((c) => c.slot), [2]);
    assert.deepEqual(door.overwritten, []);
    assert.equal(door.slots.get(1)?.pin, '739164');
  });
});

describe('foreign codes: a slot never seen is read before its first write', () => {
  it('reads only that slot, moves on when it is taken, and writes where it is empty', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const door = new Door();
    const locks = [lock({}, { lastSlot: 2 })];
    const ledger = makeLedger(clock, locks);
    ledger.acceptWindow(windowMessage(booking('a', '2026-07-10', '2026-07-20')));
    ledger.acceptWindow(windowMessage(booking('b', '2026-07-10', '2026-07-20')));
    await run(ledger, door);
    assert.deepEqual(door.reads, [0]);
    // The host widens the range; meanwhile the owner put a code into slot 3.
    locks[0] = lock({}, { lastSlot: 6 });
    door.holdsForeign(3, '739164');
    ledger.acceptWindow(windowMessage(booking('c', '2026-07-10', '2026-07-20')));
    const { commands } = await run(ledger, door);
    assert.deepEqual(door.reads, [0, 3, 4], 'slot 3 read and found taken, slot 4 read and found empty');
    assert.deepEqual(commands.filter((c) => c.action === 'set').map((c) => c.slot), [4]);
    assert.deepEqual(door.overwritten, []);
    assert.equal(door.slots.get(3)?.pin, '739164');
  });
});

describe('foreign codes: the daily verify', () => {
  async function linked(extra: Partial<LedgerOptions> = {}) {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const door = new Door();
    const ledger = makeLedger(clock, [lock()], extra);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-20')));
    await run(ledger, door);
    return { clock, door, ledger };
  }

  it('reads every lock once a day, and repairs drift', async () => {
    const { clock, door, ledger } = await linked();
    clock.advance(23 * HOUR);
    await run(ledger, door);
    assert.deepEqual(door.reads, [0], 'not before a day is up');
    door.slots.clear(); // someone removed the guest's code at the keypad
    assert.ok(ledger.nextDueAt()!.getTime() <= Date.parse('2026-07-10T18:00:00Z'), 'the timer wakes for the read');
    clock.advance(3 * HOUR); // a day, and up to two hours that differ by lock
    const { commands, alerts } = await run(ledger, door);
    assert.deepEqual(door.reads, [0, 0]);
    assert.ok(alerts.some((a) => a.startsWith('drift:')));
    assert.deepEqual(commands.filter((c) => c.action !== 'read').map((c) => c.action), ['set']);
  });

  it('reads locks linked together again at different minutes, not all at once', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const reads: { lockId: string; at: number }[] = [];
    const locks = [lock(), lock({ id: 'gate', name: 'Gate' })];
    const ledger = makeLedger(clock, locks);
    const answerAll = async () => {
      for (const command of (await ledger.reconcile()).commands) {
        if (command.action === 'read') reads.push({ lockId: command.lockId, at: clock.now().getTime() });
        await ledger.acceptResult(answer(command, { codes: [] }));
      }
    };
    await answerAll();
    for (let minute = 0; minute < 27 * 60; minute += 5) {
      clock.advance(5 * 60_000);
      await answerAll();
    }
    const again = reads.slice(2);
    assert.deepEqual(again.map((read) => read.lockId).sort(), ['door', 'gate']);
    assert.ok(Math.abs(again[0].at - again[1].at) >= 30 * 60_000, 'at least half an hour apart');
    assert.ok(again.every((read) => read.at - reads[0].at >= 24 * HOUR));
  });

  it('never reads more than once a day, whatever the setting, and not at all at 0', async () => {
    const often = await linked({ verifyEveryHours: 1 });
    for (let hour = 0; hour < 23; hour++) {
      often.clock.advance(HOUR);
      await run(often.ledger, often.door);
    }
    assert.deepEqual(often.door.reads, [0]);
    const never = await linked({ verifyEveryHours: 0 });
    never.clock.advance(72 * HOUR);
    await run(never.ledger, never.door);
    assert.deepEqual(never.door.reads, [0]);
  });

  it('reads a lock again when a pin-issuer is deleted and added again', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const store = memoryStore();
    const door = new Door();
    const ledger = makeLedger(clock, [lock()], { store, verifyEveryHours: 0 });
    await run(ledger, door);
    ledger.forgetLockReads();
    const again = makeLedger(clock, [lock()], { store, verifyEveryHours: 0 });
    await run(again, door);
    assert.deepEqual(door.reads, [0, 0]);
  });
});

describe('foreign codes: locks that cannot be read', () => {
  it('holds writes while the lock is away, tells the host, and reads again after the pause', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [lock()], { retryFailedAfterMinutes: 60 });
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [read] = (await ledger.reconcile()).commands;
    const alerts = await ledger.acceptResult({ ...answer(read), ok: false, confirmed: false, reason: 'offline', error: 'Front door is offline' });
    assert.ok(alerts.some((a) => a.topic === 'lock-read' && /offline/.test(a.text)));
    assert.deepEqual((await ledger.reconcile()).commands, []);
    clock.advance(61 * 60_000);
    assert.deepEqual((await ledger.reconcile()).commands.map((c) => [c.action, c.slot]), [['read', 0]]);
  });

  it('reads again at once, silently, when the lock set stopped before it asked (a redeploy)', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [lock()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [read] = (await ledger.reconcile()).commands;
    const alerts = await ledger.acceptResult({ ...answer(read), ok: false, confirmed: false, error: 'Front door: StayKey stopped before its codes were read' });
    assert.deepEqual(alerts, []);
    assert.deepEqual((await ledger.reconcile()).commands.map((c) => [c.action, c.slot]), [['read', 0]], 'no pause: nothing is wrong with the lock');
  });

  it('writes without reading where the lock answers that it cannot be read, and says so once', async () => {
    const clock = new ManualClock('2026-07-09T16:00:00Z');
    const ledger = makeLedger(clock, [lock()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12')));
    const [read] = (await ledger.reconcile()).commands;
    const alerts = await ledger.acceptResult({ ...answer(read), ok: false, confirmed: false, reason: 'vendor-error', error: 'no user code service' });
    assert.equal(alerts.filter((a) => a.topic === 'lock-read').length, 1);
    assert.deepEqual((await ledger.reconcile()).commands.map((c) => c.action), ['set']);
  });
});

describe('foreign codes: an earlier pin-issuer\'s codes', () => {
  it('a booking of the same name takes the slot of its earlier code, with a new PIN', async () => {
    const clock = new ManualClock('2026-07-05T16:00:00Z');
    const door = new Door();
    door.holdsForeign(4, '482913', 'SK Ada Lovelace');
    door.holdsForeign(2, '555123', 'SK Old Guest');
    const ledger = makeLedger(clock, [lock()]);
    ledger.acceptWindow(windowMessage(booking('b1', '2026-07-10', '2026-07-12', 'Ada Lovelace')));
    const early = await run(ledger, door);
    assert.ok(early.alerts.some((a) => /slot 2 holds a code named "SK Old Guest"/.test(a)));
    clock.advanceTo(new Date('2026-07-09T16:00:00Z')); // the issue time
    const { commands } = await run(ledger, door);
    const set = commands.find((c) => c.action === 'set')!;
    assert.equal(set.slot, 4, 'its earlier self\'s slot');
    assert.notEqual(vault.open(set.pin!), '482913', 'never the old PIN: an earlier guest of that name may know it');
    assert.equal(door.slots.get(2)?.pin, '555123', 'a code no booking matches is left alone');
  });
});
