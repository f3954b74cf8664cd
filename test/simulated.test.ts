import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeToSet, KeypadEvent, LockConfig, LockError } from '../lib/locks/provider';
import { SimulatedLocks, SimulatedLocksOptions } from '../lib/locks/simulated';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';

const frontDoor: LockConfig = { id: 'front', name: 'Front door', schedules: false, rules: { codeLengths: [6], firstSlot: 3, lastSlot: 5 } };
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: true, rules: { codeLengths: [4], firstSlot: 1, lastSlot: 10 } };

const vault = Vault.withKey(crypto.randomBytes(32));
const sealing = { seal: (pin: string) => vault.seal(pin), open: (sealed: string) => vault.open(sealed) };

function code(slot: number, pin: string, dates: Partial<CodeToSet> = {}): CodeToSet {
  return { slot, name: `Guest ${slot}`, pin, startsAt: '2025-06-12T15:00:00Z', endsAt: '2025-06-15T10:00:00Z', ...dates };
}

function simulated(options: Partial<SimulatedLocksOptions> = {}): { locks: SimulatedLocks; clock: ManualClock } {
  const clock = new ManualClock('2025-06-10T12:00:00Z');
  return { locks: new SimulatedLocks({ locks: [frontDoor, gate], clock, ...options }), clock };
}

async function lockError(promise: Promise<unknown>): Promise<LockError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof LockError, `expected a LockError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the lock to refuse');
}

describe('SimulatedLocks', () => {
  it('holds a code in a slot and reads it back', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '482913'));
    const codes = await locks.listCodes('front');
    assert.deepEqual(codes, [{ slot: 3, name: 'Guest 3', pin: '482913' }]);
    assert.equal(locks.inspect('front').codes[0]?.pin, '482913');
  });

  it('only takes slots in the configured range, so capacity is lastSlot - firstSlot + 1', async () => {
    const { locks } = simulated();
    for (const slot of [3, 4, 5]) await locks.setCode('front', code(slot, `10000${slot}`));
    assert.equal(locks.inspect('front').codes.length, 3);
    for (const slot of [2, 6]) {
      const err = await lockError(locks.setCode('front', code(slot, `20000${slot}`)));
      assert.equal(err.reason, 'rejected-code');
      assert.equal(err.transient, false);
    }
    assert.equal(locks.inspect('front').codes.length, 3);
  });

  it('overwrites an occupied slot with a new code, as a Z-Wave keypad does', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '111111'));
    await locks.setCode('front', code(3, '222222'));
    assert.deepEqual(
      locks.inspect('front').codes.map((c) => [c.slot, c.pin]),
      [[3, '222222']],
    );
  });

  it('takes the same code in the same slot again without complaint', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '111111'));
    await locks.setCode('front', code(3, '111111'));
    assert.equal(locks.inspect('front').codes.length, 1);
  });

  it('refuses a PIN that already opens another slot, for good', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '482913'));
    const err = await lockError(locks.setCode('front', code(4, '482913')));
    assert.equal(err.reason, 'duplicate-code');
    assert.equal(err.transient, false);
    assert.ok(!err.message.includes('482913'), 'the error must not carry the PIN');
  });

  it('refuses a code of the wrong length or with other characters', async () => {
    const { locks } = simulated();
    assert.equal((await lockError(locks.setCode('front', code(3, '1234')))).reason, 'rejected-code');
    assert.equal((await lockError(locks.setCode('front', code(3, '12345a')))).reason, 'rejected-code');
  });

  it('fails as offline (worth a retry) while the lock is offline, and works once it is back', async () => {
    const { locks } = simulated();
    locks.setOnline('front', false);
    const err = await lockError(locks.setCode('front', code(3, '482913')));
    assert.equal(err.reason, 'offline');
    assert.equal(err.transient, true);
    assert.equal((await locks.status('front')).online, false);
    locks.setOnline('front', true);
    await locks.setCode('front', code(3, '482913'));
    assert.equal(locks.inspect('front').codes.length, 1);
  });

  it('clears a slot, and clearing an empty slot is no error', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '482913'));
    await locks.clearCode('front', 3);
    await locks.clearCode('front', 3);
    assert.deepEqual(await locks.listCodes('front'), []);
  });

  it('loses battery with each command and goes offline when it is flat', async () => {
    const { locks } = simulated({ batteryStart: 1, drainPerOperation: 0.4 });
    await locks.setCode('front', code(3, '111111'));
    await locks.updateCode('front', code(3, '111111'));
    assert.equal((await locks.status('front')).battery, 0.2);
    await locks.clearCode('front', 3);
    assert.equal(locks.inspect('front').battery, 0);
    const err = await lockError(locks.setCode('front', code(3, '111111')));
    assert.equal(err.reason, 'offline');
    assert.equal(locks.inspect('gate').battery, 1, 'another lock keeps its battery');
  });

  it('answers only after its latency has passed on its clock', async () => {
    const { locks, clock } = simulated({ latencyMs: 300 });
    let finished = false;
    const setting = locks.setCode('front', code(3, '482913')).then(() => (finished = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(finished, false);
    clock.advance(299);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(finished, false);
    clock.advance(1);
    await setting;
    assert.equal(locks.inspect('front').codes.length, 1);
  });

  it('fails the next commands it is told to, then works again', async () => {
    const { locks } = simulated();
    locks.failNext('front', 2, 'busy');
    assert.equal((await lockError(locks.setCode('front', code(3, '482913')))).reason, 'busy');
    assert.equal((await lockError(locks.setCode('front', code(3, '482913')))).transient, true);
    await locks.setCode('front', code(3, '482913'));
    assert.equal(locks.inspect('front').codes.length, 1);
  });

  it('times out at its failure rate, using the random source it is given', async () => {
    let roll = 0.1;
    const { locks } = simulated({ failureRate: 0.5, random: () => roll });
    const err = await lockError(locks.setCode('front', code(3, '482913')));
    assert.equal(err.reason, 'timeout');
    assert.equal(err.transient, true);
    roll = 0.9;
    await locks.setCode('front', code(3, '482913'));
    assert.equal(locks.inspect('front').codes.length, 1);
  });

  it('shows a code removed outside StayKey as gone', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '482913'));
    locks.removeCodeBehindOurBack('front', 3);
    assert.deepEqual(await locks.listCodes('front'), []);
  });

  it('acknowledges a write it was told to forget, and the read-back shows it', async () => {
    const { locks } = simulated();
    locks.ignoreNextWrites('front', 1);
    await locks.setCode('front', code(3, '482913'));
    assert.deepEqual(await locks.listCodes('front'), []);
  });

  it('keeps dates on a lock with schedules and opens only inside them', async () => {
    const { locks, clock } = simulated();
    await locks.setCode('gate', code(1, '4829'));
    const [held] = await locks.listCodes('gate');
    assert.equal(held?.startsAt, '2025-06-12T15:00:00Z');
    assert.equal(held?.endsAt, '2025-06-15T10:00:00Z');
    assert.equal(locks.opens('gate', '4829'), false, 'before check-in');
    clock.advanceTo('2025-06-12T15:00:00Z');
    assert.equal(locks.opens('gate', '4829'), true);
    clock.advanceTo('2025-06-15T10:00:00Z');
    assert.equal(locks.opens('gate', '4829'), false, 'after checkout');
  });

  it('keeps no dates on a lock without schedules: the code opens until it is cleared', async () => {
    const { locks } = simulated();
    await locks.setCode('front', code(3, '482913'));
    const [held] = await locks.listCodes('front');
    assert.equal(held?.startsAt, undefined);
    assert.equal(locks.opens('front', '482913'), true);
  });

  it('says which lock is unknown', async () => {
    const { locks } = simulated();
    const err = await lockError(locks.setCode('garage', code(3, '482913')));
    assert.equal(err.reason, 'unknown-lock');
    assert.match(err.message, /garage/);
  });

  it('refuses to set, change or clear a reserved slot, for good, and keeps the code in it', async () => {
    const owner: LockConfig = { ...frontDoor, rules: { ...frontDoor.rules, reservedSlots: [4] } };
    const clock = new ManualClock('2025-06-10T12:00:00Z');
    const locks = new SimulatedLocks({ locks: [owner], clock });
    locks.addCodeBehindOurBack('front', code(4, '999999'));
    for (const attempt of [
      locks.setCode('front', code(4, '482913')),
      locks.updateCode('front', { ...code(4, '482913'), pin: undefined }),
      locks.clearCode('front', 4),
    ]) {
      const err = await lockError(attempt);
      assert.equal(err.reason, 'rejected-code');
      assert.equal(err.transient, false);
      assert.match(err.message, /Front door keeps slot 4 reserved/);
    }
    await locks.setCode('front', code(3, '482913'));
    assert.deepEqual(
      locks.inspect('front').codes.map((c) => [c.slot, c.pin]),
      [
        [3, '482913'],
        [4, '999999'],
      ],
    );
  });

  describe('at the keypad', () => {
    function listening(locks: SimulatedLocks): KeypadEvent[] {
      const events: KeypadEvent[] = [];
      locks.onKeypad((event) => events.push(event));
      return events;
    }

    it('opens with a code in a slot and reports which slot opened it', async () => {
      const { locks, clock } = simulated();
      await locks.setCode('front', code(4, '482913'));
      const events = listening(locks);
      clock.advance(60_000);
      assert.equal(locks.enterPin('front', '482913'), true);
      assert.deepEqual(events, [{ lockId: 'front', slot: 4, success: true, at: '2025-06-10T12:01:00.000Z' }]);
    });

    it('reports a wrong code as a failure without a slot', async () => {
      const { locks } = simulated();
      await locks.setCode('front', code(4, '482913'));
      const events = listening(locks);
      assert.equal(locks.enterPin('front', '000000'), false);
      assert.deepEqual(events, [{ lockId: 'front', slot: null, success: false, at: '2025-06-10T12:00:00.000Z' }]);
    });

    it('on a lock with dates, opens only inside them and reports a try outside them as a failure', async () => {
      const { locks, clock } = simulated();
      await locks.setCode('gate', code(2, '4829'));
      const events = listening(locks);
      assert.equal(locks.enterPin('gate', '4829'), false, 'before check-in');
      clock.advanceTo('2025-06-12T15:00:00Z');
      assert.equal(locks.enterPin('gate', '4829'), true);
      clock.advanceTo('2025-06-15T10:00:00Z');
      assert.equal(locks.enterPin('gate', '4829'), false, 'at checkout');
      assert.deepEqual(
        events.map((event) => [event.slot, event.success]),
        [
          [null, false],
          [2, true],
          [null, false],
        ],
      );
    });

    it('offline, still opens but the hub hears nothing; flat, neither', async () => {
      const { locks } = simulated();
      await locks.setCode('front', code(3, '482913'));
      const events = listening(locks);
      locks.setOnline('front', false);
      assert.equal(locks.enterPin('front', '482913'), true);
      locks.setOnline('front', true);
      locks.setBattery('front', 0);
      assert.equal(locks.enterPin('front', '482913'), false);
      assert.deepEqual(events, []);
    });

    it('stops telling a listener that unsubscribed, and one broken listener does not stop the others', async () => {
      const { locks } = simulated();
      await locks.setCode('front', code(3, '482913'));
      const heard: number[] = [];
      locks.onKeypad(() => {
        throw new Error('broken dashboard');
      });
      const stop = locks.onKeypad(() => heard.push(1));
      locks.enterPin('front', '482913');
      stop();
      locks.enterPin('front', '482913');
      assert.deepEqual(heard, [1]);
    });
  });

  describe('across a restart', () => {
    let directory: string;
    beforeEach(() => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-simulated-'));
    });
    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('keeps codes, battery and online state, with PINs sealed and never in plain text', async () => {
      const file = path.join(directory, 'locks', 'simulated.json');
      const { locks } = simulated({ file, ...sealing, drainPerOperation: 1 });
      await locks.setCode('front', code(3, '482913'));
      await locks.setCode('gate', code(7, '5071'));
      locks.setOnline('gate', false);
      await locks.close();

      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes('482913'), 'the front door PIN is in the file');
      assert.ok(!text.includes('"5071"'), 'the gate PIN is in the file');
      assert.match(text, /sk1\./);

      const { locks: again } = simulated({ file, ...sealing });
      assert.deepEqual(
        again.inspect('front').codes.map((c) => [c.slot, c.pin]),
        [[3, '482913']],
      );
      assert.equal(again.inspect('front').battery, 99);
      assert.equal(again.inspect('gate').online, false);
      assert.equal(again.inspect('gate').codes[0]?.pin, '5071');
    });

    it('writes nothing of a PIN typed at the keypad', async () => {
      const file = path.join(directory, 'locks', 'simulated.json');
      const { locks, clock } = simulated({ file, ...sealing });
      await locks.setCode('front', code(3, '482913'));
      const before = fs.readFileSync(file, 'utf8');
      clock.advance(3_600_000);
      locks.enterPin('front', '482913');
      locks.enterPin('front', '765432');
      assert.equal(fs.readFileSync(file, 'utf8'), before);
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ['simulated.json']);
    });

    it('will not keep a file without a way to seal the PINs', () => {
      assert.throws(() => simulated({ file: path.join(directory, 'plain.json') }), /seal/);
    });
  });
});

describe('SimulatedLocks status', () => {
  it('counts a status answer as hearing from the lock, unless the lock has gone silent', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SimulatedLocks: Locks } = require('../lib/locks/simulated') as typeof import('../lib/locks/simulated');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ManualClock: Clock } = require('../lib/time/clock') as typeof import('../lib/time/clock');
    const clock = new Clock('2026-07-01T00:00:00Z');
    const locks = new Locks({ locks: [{ id: 'door', name: 'Door', schedules: false, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } }], clock, latencyMs: 0 });
    clock.advanceTo('2026-07-02T00:00:00Z');
    const heard = await locks.status('door');
    if (heard.lastSeenAt !== '2026-07-02T00:00:00.000Z') throw new Error(`not heard: ${heard.lastSeenAt}`);
    locks.setSilent('door', true);
    clock.advanceTo('2026-07-03T00:00:00Z');
    const quiet = await locks.status('door');
    if (quiet.lastSeenAt !== '2026-07-02T00:00:00.000Z') throw new Error(`a silent lock was heard: ${quiet.lastSeenAt}`);
  });
});
