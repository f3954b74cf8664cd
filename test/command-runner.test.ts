import { strict as assert } from 'node:assert';
import { backoffDelay } from '../lib/locks/backoff';
import { CommandRunner, CommandRunnerOptions } from '../lib/locks/command-runner';
import { CodeOnLock, CodeToSet, CodeUpdate, LockConfig, NotSentYet } from '../lib/locks/provider';
import { SimulatedLocks, SimulatedLocksOptions } from '../lib/locks/simulated';
import type { LockCommand, LockResultMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';

const frontDoor: LockConfig = { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 } };
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: false, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 } };
const PIN = '482913';

function command(action: LockCommand['action'], slot = 3, lockId = 'front', id = `${action}-${lockId}-${slot}`): LockCommand {
  return {
    id,
    action,
    lockId,
    slot,
    codeId: `code-${slot}`,
    name: 'Ada Lovelace',
    startsAt: '2025-06-12T15:00:00Z',
    endsAt: '2025-06-15T10:00:00Z',
  };
}

type Make<T extends SimulatedLocks> = new (options: SimulatedLocksOptions) => T;

function setup<T extends SimulatedLocks = SimulatedLocks>(runner: Partial<CommandRunnerOptions> = {}, locks: Partial<SimulatedLocksOptions> = {}, Kind?: Make<T>) {
  const clock = new ManualClock('2025-06-10T12:00:00Z');
  const options: SimulatedLocksOptions = { locks: [frontDoor, gate], clock, ...locks };
  const simulated = Kind ? new Kind(options) : (new SimulatedLocks(options) as T);
  const names: Record<string, string> = { front: 'Front door', gate: 'Main gate' };
  return {
    clock,
    locks: simulated,
    runner: new CommandRunner(simulated, { clock, random: () => 0.5, lockName: (id) => names[id], ...runner }),
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Lets promises run and moves the clock until every given command has a result. */
async function settle<T>(clock: ManualClock, work: Promise<T>, stepMs = 1_000): Promise<T> {
  let finished = false;
  void work.then(
    () => (finished = true),
    () => (finished = true),
  );
  for (let step = 0; step < 100_000 && !finished; step++) {
    await turn();
    if (!finished) clock.advance(stepMs);
  }
  assert.ok(finished, 'the command never finished');
  return work;
}

/** A simulated lock that shows its PINs masked on read-back, as many Z-Wave locks do. */
class MaskingLocks extends SimulatedLocks {
  override async listCodes(lockId: string): Promise<CodeOnLock[]> {
    return (await super.listCodes(lockId)).map((code) => ({ ...code, pin: null }));
  }
}

/** A lock whose driver throws plain errors (a dropped socket) and echoes the PIN in them. */
class CrashingLocks extends SimulatedLocks {
  crashes = 0;
  override async setCode(lockId: string, code: CodeToSet): Promise<void> {
    if (this.crashes > 0) {
      this.crashes -= 1;
      throw new Error(`socket hang up while sending ${code.pin}`);
    }
    return super.setCode(lockId, code);
  }
}

/** Counts what reaches the lock: writes (sets, updates, clears) and reads. Masks PINs when told to. */
class CountingLocks extends SimulatedLocks {
  writes = 0;
  reads = 0;
  masked = false;
  override setCode(lockId: string, code: CodeToSet): Promise<void> {
    this.writes += 1;
    return super.setCode(lockId, code);
  }
  override updateCode(lockId: string, code: CodeUpdate): Promise<void> {
    this.writes += 1;
    return super.updateCode(lockId, code);
  }
  override clearCode(lockId: string, slot: number): Promise<void> {
    this.writes += 1;
    return super.clearCode(lockId, slot);
  }
  override async listCodes(lockId: string): Promise<CodeOnLock[]> {
    this.reads += 1;
    const codes = await super.listCodes(lockId);
    return this.masked ? codes.map((code) => ({ ...code, pin: null })) : codes;
  }
}

/** A lock behind a rate limit StayKey keeps itself: the first `heldBack` writes never leave, each for 30 s. */
class HeldBackLocks extends CountingLocks {
  heldBack = 0;
  override setCode(lockId: string, code: CodeToSet): Promise<void> {
    if (this.heldBack > 0) {
      this.heldBack -= 1;
      return Promise.reject(new NotSentYet('the vendor asked for quiet; StayKey waits 30 s', 30_000));
    }
    return super.setCode(lockId, code);
  }
}

/** Records how many commands each lock has in hand at once. */
class WatchedLocks extends SimulatedLocks {
  active = new Map<string, number>();
  mostAtOnce = new Map<string, number>();
  mostOverall = 0;
  private async watch<T>(lockId: string, work: () => Promise<T>): Promise<T> {
    const now = (this.active.get(lockId) ?? 0) + 1;
    this.active.set(lockId, now);
    this.mostAtOnce.set(lockId, Math.max(this.mostAtOnce.get(lockId) ?? 0, now));
    const overall = [...this.active.values()].reduce((sum, n) => sum + n, 0);
    this.mostOverall = Math.max(this.mostOverall, overall);
    try {
      return await work();
    } finally {
      this.active.set(lockId, (this.active.get(lockId) ?? 1) - 1);
    }
  }
  override setCode(lockId: string, code: CodeToSet): Promise<void> {
    return this.watch(lockId, () => super.setCode(lockId, code));
  }
  override listCodes(lockId: string): Promise<CodeOnLock[]> {
    return this.watch(lockId, () => super.listCodes(lockId));
  }
}

describe('CommandRunner', () => {
  it('sets a code and confirms it by reading the slot back', async () => {
    const { runner, locks, clock } = setup();
    const result = await settle(clock, runner.execute(command('set'), PIN));
    assert.deepEqual(result, {
      kind: 'lock-result',
      commandId: 'set-front-3',
      codeId: 'code-3',
      lockId: 'front',
      action: 'set',
      ok: true,
      confirmed: true,
      attempts: 1,
    });
    assert.equal(locks.inspect('front').codes[0]?.pin, PIN);
  });

  it('retries transient failures with backoff and then succeeds', async () => {
    const { runner, locks, clock } = setup();
    locks.failNext('front', 3, 'timeout');
    const retries: number[] = [];
    const result = await settle(clock, runner.execute(command('set'), PIN, (attempt) => retries.push(attempt)));
    assert.equal(result.ok, true);
    assert.equal(result.confirmed, true);
    assert.equal(result.attempts, 4);
    assert.deepEqual(retries, [1, 2, 3]);
  });

  it('waits on its clock between attempts, up to the exponential ceiling times the random draw', async () => {
    const { runner, locks, clock } = setup({ random: () => 0.75 });
    locks.failNext('front', 1, 'timeout');
    const retries: number[] = [];
    const result = runner.execute(command('set'), PIN, (attempt) => retries.push(attempt));
    await turn();
    assert.deepEqual(retries, [1]);
    clock.advance(1_499);
    await turn();
    assert.equal(locks.inspect('front').codes.length, 0, 'retried before 0.75 x 2 s had passed');
    clock.advance(1);
    assert.equal((await result).attempts, 2);
  });

  it('gives up after maxAttempts with a sentence naming the lock and what to do', async () => {
    const { runner, locks, clock } = setup({ maxAttempts: 5 });
    locks.setOnline('front', false);
    const retries: string[] = [];
    const result = await settle(clock, runner.execute(command('set'), PIN, (_attempt, error) => retries.push(error)), 60_000);
    assert.equal(result.ok, false);
    assert.equal(result.confirmed, false);
    assert.equal(result.attempts, 5);
    assert.equal(result.reason, 'offline');
    assert.equal(retries.length, 4);
    assert.match(result.error ?? '', /^Front door could not set the code in slot 3 after 5 attempts/);
    assert.match(result.error ?? '', /batteries/);
    assert.ok(!(result.error ?? '').includes(PIN));
  });

  it('returns a permanent failure at once', async () => {
    const { runner, locks, clock } = setup();
    await locks.setCode('front', { slot: 4, name: 'Other guest', pin: PIN, startsAt: '', endsAt: '' });
    const retries: number[] = [];
    const result = await settle(clock, runner.execute(command('set', 3), PIN, (attempt) => retries.push(attempt)));
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'duplicate-code');
    assert.equal(result.attempts, 1);
    assert.deepEqual(retries, []);
    assert.match(result.error ?? '', /Front door refused to set the code in slot 3.*issue a different code/);
  });

  it('retries when the lock said yes but the read-back shows an empty slot', async () => {
    const { runner, locks, clock } = setup();
    locks.ignoreNextWrites('front', 1);
    const retries: string[] = [];
    const result = await settle(clock, runner.execute(command('set'), PIN, (_attempt, error) => retries.push(error)));
    assert.equal(result.ok, true);
    assert.equal(result.confirmed, true);
    assert.equal(result.attempts, 2);
    assert.match(retries[0] ?? '', /slot 3 was empty when read back/);
  });

  it('retries and reports a clear that did not clear', async () => {
    const { runner, locks, clock } = setup({ maxAttempts: 3 });
    await locks.setCode('front', { slot: 3, name: 'Ada', pin: PIN, startsAt: '', endsAt: '' });
    locks.ignoreNextWrites('front', 5);
    const retries: string[] = [];
    const result = await settle(clock, runner.execute(command('clear'), undefined, (_a, error) => retries.push(error)));
    assert.equal(result.ok, false);
    assert.equal(result.attempts, 3);
    assert.match(result.error ?? '', /could not remove the code in slot 3 after 3 attempts \(slot 3 still holds a code after the clear\)/);
    assert.equal(retries.length, 2);
  });

  it('counts a masked PIN on read-back as confirmed', async () => {
    const { runner, clock } = setup({}, {}, MaskingLocks);
    const result = await settle(clock, runner.execute(command('set'), PIN));
    assert.equal(result.confirmed, true);
  });

  it('retries when the read-back shows other dates than the update sent', async () => {
    const { runner, locks, clock } = setup({ maxAttempts: 2 });
    await locks.setCode('front', { slot: 3, name: 'Ada', pin: PIN, startsAt: '2025-06-12T15:00:00Z', endsAt: '2025-06-14T10:00:00Z' });
    locks.ignoreNextWrites('front', 2);
    const result = await settle(clock, runner.execute(command('update'), PIN));
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /different end when read back/);
  });

  it('treats a surprise exception as worth a retry, and never repeats the PIN it echoed', async () => {
    const { runner, clock, locks: crashing } = setup({}, {}, CrashingLocks);
    crashing.crashes = 1;
    const retries: string[] = [];
    const result = await settle(clock, runner.execute(command('set'), PIN, (_a, error) => retries.push(error)));
    assert.equal(result.ok, true);
    assert.equal(result.attempts, 2);
    assert.match(retries[0] ?? '', /socket hang up/);
    assert.ok(!(retries[0] ?? '').includes(PIN));
  });

  it('is idempotent: the same code again and a clear of an empty slot both succeed', async () => {
    const { runner, clock } = setup();
    assert.equal((await settle(clock, runner.execute(command('set'), PIN))).ok, true);
    assert.equal((await settle(clock, runner.execute(command('set'), PIN))).ok, true);
    assert.equal((await settle(clock, runner.execute(command('clear'), undefined))).confirmed, true);
    assert.equal((await settle(clock, runner.execute(command('clear'), undefined))).confirmed, true);
  });

  it('refuses a set without a code, without touching the lock', async () => {
    const { runner, locks, clock } = setup();
    const result = await settle(clock, runner.execute(command('set'), undefined));
    assert.equal(result.ok, false);
    assert.equal(result.attempts, 0);
    assert.equal(locks.inspect('front').battery, 100);
  });

  it('runs one command at a time on a lock, and different locks in parallel', async () => {
    const { runner, clock, locks: watched } = setup({}, { latencyMs: 500 }, WatchedLocks);
    const results = Promise.all([
      runner.execute(command('set', 3, 'front'), '111111'),
      runner.execute(command('set', 4, 'front'), '222222'),
      runner.execute(command('set', 5, 'front'), '333333'),
      runner.execute(command('set', 3, 'gate'), '444444'),
      runner.execute(command('set', 4, 'gate'), '555555'),
    ]);
    const done: LockResultMessage[] = await settle(clock, results, 100);
    assert.ok(done.every((r) => r.ok && r.confirmed));
    assert.equal(watched.mostAtOnce.get('front'), 1);
    assert.equal(watched.mostAtOnce.get('gate'), 1);
    assert.equal(watched.mostOverall, 2, 'the two locks never worked at the same time');
    assert.deepEqual(
      watched.inspect('front').codes.map((c) => c.slot),
      [3, 4, 5],
    );
  });

  it('stops retrying when closed', async () => {
    const { runner, locks } = setup();
    locks.setOnline('front', false);
    const result = runner.execute(command('set'), PIN);
    await turn();
    runner.close();
    const stopped = await result;
    assert.equal(stopped.ok, false);
    assert.equal(stopped.attempts, 1);
    assert.match(stopped.error ?? '', /stopped before/);
  });

  it('on a lock whose provider cannot read codes back, reports the accepted command as final, "not verifiable", without reading', async () => {
    // Reading this lock fails for good (as through ZHA): a runner that tried would end not ok.
    const { runner, clock, locks } = setup({}, { codeCheck: 'accepted' });
    const result = await settle(clock, runner.execute(command('set'), PIN));
    assert.deepEqual([result.ok, result.confirmed, result.unverifiable, result.error], [true, true, true, undefined]);
    assert.equal(locks.inspect('front').codes.length, 1);
  });

  it('does not count waits StayKey imposes on itself as attempts: a small attempts setting still reaches the lock', async () => {
    const { runner, locks, clock } = setup({ maxAttempts: 1 }, {}, HeldBackLocks);
    locks.heldBack = 4;
    const retries: number[] = [];
    const started = clock.now().getTime();
    const result = await settle(clock, runner.execute(command('set'), PIN, (attempt) => retries.push(attempt)));
    assert.equal(result.ok, true, result.error);
    assert.equal(result.attempts, 1);
    assert.equal(locks.writes, 1, 'one write reached the lock');
    assert.deepEqual(retries, [], 'a held-back request is no failed attempt');
    assert.ok(clock.now().getTime() - started >= 4 * 30_000, 'each hold was waited out');
  });

  it('stops a held-back command when closed, having spent no attempt', async () => {
    const { runner, locks } = setup({ maxAttempts: 3 }, {}, HeldBackLocks);
    locks.heldBack = 10;
    const result = runner.execute(command('set'), PIN);
    await turn();
    runner.close();
    const stopped = await result;
    assert.deepEqual([stopped.ok, stopped.attempts, locks.writes], [false, 0, 0]);
    assert.match(stopped.error ?? '', /stopped before/);
  });

  it('without read-back (manual locks) reports ok but not confirmed', async () => {
    const { runner, clock } = setup({ readBack: false });
    const result = await settle(clock, runner.execute(command('set'), PIN));
    assert.equal(result.ok, true);
    assert.equal(result.confirmed, false);
  });
});

describe('CommandRunner reads', () => {
  const read = (lockId = 'front'): LockCommand => ({ ...command('read', 0, lockId, `read-${lockId}`), codeId: '' });

  it('reads every code on a lock, PINs plain for the lock set to seal', async () => {
    const { runner, locks, clock } = setup();
    await locks.setCode('front', { slot: 3, name: 'Ada', pin: PIN, startsAt: '2025-06-12T15:00:00Z', endsAt: '2025-06-15T10:00:00Z' });
    await locks.setCode('front', { slot: 5, name: 'Grace', pin: '730155', startsAt: '2025-06-16T15:00:00Z', endsAt: '2025-06-18T10:00:00Z' });
    const result = await settle(clock, runner.execute(read(), undefined));
    assert.deepEqual(result, {
      kind: 'lock-result',
      commandId: 'read-front',
      codeId: '',
      lockId: 'front',
      action: 'read',
      ok: true,
      confirmed: true,
      attempts: 1,
      codes: [
        { slot: 3, name: 'Ada', pin: PIN, startsAt: '2025-06-12T15:00:00Z', endsAt: '2025-06-15T10:00:00Z' },
        { slot: 5, name: 'Grace', pin: '730155', startsAt: '2025-06-16T15:00:00Z', endsAt: '2025-06-18T10:00:00Z' },
      ],
    });
  });

  it('keeps a masked PIN null', async () => {
    const { runner, locks, clock } = setup({}, {}, MaskingLocks);
    await locks.setCode('gate', { slot: 4, name: 'Ada', pin: PIN, startsAt: '', endsAt: '' });
    const result = await settle(clock, runner.execute(read('gate'), undefined));
    assert.deepEqual(result.codes, [{ slot: 4, name: 'Ada', pin: null }]);
  });

  it('retries a read the lock did not answer', async () => {
    const rolls = [0.1, 0.1];
    const { runner, locks, clock } = setup({}, { failureRate: 0.5, random: () => rolls.shift() ?? 0.9 });
    locks.addCodeBehindOurBack('front', { slot: 3, name: 'Ada', pin: PIN, startsAt: '', endsAt: '' });
    const retries: string[] = [];
    const result = await settle(clock, runner.execute(read(), undefined, (_attempt, error) => retries.push(error)));
    assert.equal(result.ok, true);
    assert.equal(result.attempts, 3);
    assert.equal(result.codes?.length, 1);
    assert.match(retries[0] ?? '', /^Front door could not read its codes after 1 attempt \(Front door did not answer in time\)/);
  });

  it('gives up reading an offline lock with a sentence naming it, and no codes', async () => {
    const { runner, locks, clock } = setup({ maxAttempts: 2 });
    locks.setOnline('front', false);
    const result = await settle(clock, runner.execute(read(), undefined), 60_000);
    assert.equal(result.ok, false);
    assert.equal(result.reason, 'offline');
    assert.equal(result.codes, undefined);
    assert.match(result.error ?? '', /^Front door could not read its codes after 2 attempts/);
  });

  it('waits its turn behind a set on the same lock, and sees the code it set', async () => {
    const { runner, clock, locks: watched } = setup({}, { latencyMs: 500 }, WatchedLocks);
    const set = runner.execute(command('set', 3), PIN);
    const reading = runner.execute(read(), undefined);
    const [, result] = await settle(clock, Promise.all([set, reading]), 100);
    assert.equal(watched.mostAtOnce.get('front'), 1);
    assert.deepEqual(
      result.codes?.map((code) => [code.slot, code.pin]),
      [[3, PIN]],
    );
  });
});

describe('CommandRunner resent commands', () => {
  const resent = (action: LockCommand['action'], slot = 3): LockCommand => ({ ...command(action, slot), resent: true });

  it('does not write a resent set the lock already holds', async () => {
    const { runner, locks, clock } = setup({}, {}, CountingLocks);
    assert.equal((await settle(clock, runner.execute(command('set'), PIN))).attempts, 1);
    assert.equal(locks.writes, 1);
    const again = await settle(clock, runner.execute(resent('set'), PIN));
    assert.equal(again.ok, true);
    assert.equal(again.confirmed, true);
    assert.equal(again.attempts, 0);
    assert.equal(locks.writes, 1, 'the lock was written twice');
  });

  it('does not clear a resent clear again when the slot is already empty', async () => {
    const { runner, locks, clock } = setup({}, {}, CountingLocks);
    const result = await settle(clock, runner.execute(resent('clear'), undefined));
    assert.deepEqual([result.ok, result.confirmed, result.attempts, locks.writes], [true, true, 0, 0]);
  });

  it('writes a resent set the lock does not hold, or holds with other dates', async () => {
    const { runner, locks, clock } = setup({}, {}, CountingLocks);
    const first = await settle(clock, runner.execute(resent('set'), PIN));
    assert.deepEqual([first.ok, first.confirmed, first.attempts, locks.writes], [true, true, 1, 1]);
    const moved: LockCommand = { ...resent('update'), endsAt: '2025-06-16T10:00:00Z' };
    const update = await settle(clock, runner.execute(moved, undefined));
    assert.deepEqual([update.ok, update.attempts, locks.writes], [true, 1, 2]);
    assert.equal(locks.inspect('front').codes[0]?.endsAt, '2025-06-16T10:00:00Z');
  });

  it('writes a resent set again where the lock masks PINs, since the slot may hold another code', async () => {
    const { runner, locks, clock } = setup({}, {}, CountingLocks);
    await locks.setCode('gate', { slot: 3, name: 'Last guest', pin: '111111', startsAt: '', endsAt: '' });
    locks.masked = true;
    const result = await settle(clock, runner.execute({ ...resent('set'), lockId: 'gate' }, PIN));
    assert.equal(result.attempts, 1);
    assert.equal(locks.writes, 2);
    assert.equal(locks.inspect('gate').codes[0]?.pin, PIN);
  });

  it('joins a command resent while its first sending is still being retried: one series of attempts', async () => {
    const { runner, locks, clock } = setup({ maxAttempts: 5, baseDelayMs: 60 * 60_000, maxDelayMs: 60 * 60_000, random: () => 0.99 }, {}, CountingLocks);
    locks.setOnline('front', false);
    const first = runner.execute(command('set'), PIN);
    // The pin-issuer resends after 120 minutes without an answer; the first sending is at its third attempt.
    for (let step = 0; step < 120; step++) {
      await turn();
      clock.advance(60_000);
    }
    const again = runner.execute(resent('set'), PIN);
    const [original, resend] = await settle(clock, Promise.all([first, again]), 60_000);
    assert.equal(original.ok, false);
    assert.deepEqual(resend, original, 'the resend is answered with the one result');
    assert.deepEqual([locks.writes, locks.reads], [5, 0], 'five attempts in all, not five more after the first five');
  });

  it('writes a command that is not marked resent without looking first', async () => {
    const { runner, locks, clock } = setup({}, {}, CountingLocks);
    await settle(clock, runner.execute(command('set'), PIN));
    const reads = locks.reads;
    await settle(clock, runner.execute(command('set'), PIN));
    assert.equal(locks.writes, 2);
    assert.equal(locks.reads - reads, 1, 'only the read-back after the write');
  });
});

describe('CommandRunner and reserved slots', () => {
  it('is refused for good in a reserved slot, and the code there stays', async () => {
    const owner: LockConfig = { ...frontDoor, rules: { ...frontDoor.rules, reservedSlots: [3] } };
    const clock = new ManualClock('2025-06-10T12:00:00Z');
    const locks = new SimulatedLocks({ locks: [owner], clock });
    locks.addCodeBehindOurBack('front', { slot: 3, name: 'Owner', pin: '999999', startsAt: '', endsAt: '' });
    const runner = new CommandRunner(locks, { clock, random: () => 0.5, lockName: () => 'Front door' });
    for (const action of ['set', 'update', 'clear'] as const) {
      const result = await settle(clock, runner.execute(command(action), PIN));
      assert.equal(result.ok, false, action);
      assert.equal(result.reason, 'rejected-code');
      assert.equal(result.attempts, 1, `${action} was retried`);
      assert.match(result.error ?? '', /slot 3 reserved/);
    }
    assert.equal(locks.inspect('front').codes[0]?.pin, '999999');
  });
});

describe('backoffDelay', () => {
  const policy = (random: number) => ({ baseMs: 2_000, capMs: 600_000, random: () => random });

  it('doubles its ceiling after each failure and never passes the cap', () => {
    assert.equal(backoffDelay(1, policy(0.999_999)), 1_999);
    assert.equal(backoffDelay(2, policy(0.999_999)), 3_999);
    assert.equal(backoffDelay(5, policy(0.5)), 16_000);
    assert.equal(backoffDelay(30, policy(0.5)), 300_000);
    assert.equal(backoffDelay(1_000, policy(0.999_999)), 599_999);
  });

  it('can wait no time at all (full jitter)', () => {
    assert.equal(backoffDelay(7, policy(0)), 0);
  });
});
