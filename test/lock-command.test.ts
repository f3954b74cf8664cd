/**
 * lock-provider's core without Node-RED: the commands it takes (lib/messages/parse-lock-command.ts),
 * the state and counts it tells, a host's confirmation of a manual task, keypad use
 * (lib/locks/lock-state.ts) and the Home Assistant registry watch.
 */
import { strict as assert } from 'node:assert';
import type { HaClient, HaStateChange } from '../lib/ha/connection';
import { HaError, REGISTRY_UNREADABLE } from '../lib/ha/connection';
import { watchRegistry } from '../lib/locks/home-assistant/registry-watch';
import { runnerLockSet } from '../lib/locks/lock-set';
import { confirmHostTask, countsText, listenForKeypad, lockState } from '../lib/locks/lock-state';
import { ManualLocks } from '../lib/locks/manual';
import type { KeypadEvent, LockConfig, LockProvider } from '../lib/locks/provider';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { CodeUsedMessage, LockCommandMessage } from '../lib/messages';
import { parseLockCommand, parseLockProviderInput, parseManualConfirm } from '../lib/messages/parse-lock-command';
import { ManualClock } from '../lib/time/clock';

const sealed = 'sk1.iv.tag.body';
const plain = (text: string) => text;
const clock = () => new ManualClock(new Date('2026-06-01T10:00:00Z'));

function rows(): LockConfig[] {
  return [
    { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } },
    { id: 'gate', name: 'Main gate', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 5 } },
  ];
}

function lockSetOver(provider: LockProvider, locks: LockConfig[]) {
  return runnerLockSet({ provider, locks, clock: clock(), maxAttempts: 1, baseDelayMs: 1, seal: plain, open: plain });
}

function command(fields: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'lock-command', command: { id: 'c1', action: 'set', lockId: 'front', slot: 3, codeId: 'code-1', name: 'Ada', pin: sealed, ...fields } };
}

/** A set as the lock set takes it; the locks here open PINs as plain text. */
function setMessage(lockId: string, slot: number): LockCommandMessage {
  const pin = '551902' as LockCommandMessage['command']['pin'];
  return { kind: 'lock-command', command: { id: `set-${lockId}-${slot}`, action: 'set', lockId, slot, codeId: `code-${slot}`, name: 'Ada', pin, startsAt: '2026-06-02T15:00:00Z', endsAt: '2026-06-05T10:00:00Z' } };
}

describe('lock-provider input (parse-lock-command)', () => {
  it('reads a set with its sealed code, dates and the resent mark', () => {
    const parsed = parseLockCommand(command({ startsAt: '2026-06-02T15:00:00Z', endsAt: '2026-06-05T10:00:00Z', resent: true }));
    assert.deepEqual(parsed, {
      kind: 'lock-command',
      command: { id: 'c1', action: 'set', lockId: 'front', slot: 3, codeId: 'code-1', name: 'Ada', startsAt: '2026-06-02T15:00:00Z', endsAt: '2026-06-05T10:00:00Z', pin: sealed, resent: true },
    });
  });

  it('reads a read of every slot when it names none, without a name or dates', () => {
    const parsed = parseLockCommand({ command: { id: 'r1', action: 'read', lockId: 'front' } });
    assert.deepEqual(parsed.command, { id: 'r1', action: 'read', lockId: 'front', slot: 0, codeId: '', name: '', startsAt: '', endsAt: '' });
  });

  it('refuses what would not make sense on a lock, word for word', () => {
    const refusals: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'lock-command' }, 'lock-command without a command'],
      [command({ action: undefined }), 'lock-command: action is missing'],
      [command({ action: 'open' }), 'lock-command: "open" is not set, update, clear or read'],
      [command({ pin: '123456' }), 'lock-command: the code must travel sealed'],
      [command({ slot: 1.5 }), 'lock-command: slot must be a whole number'],
      [command({ action: 'read', slot: -1 }), 'lock-command: slot must be a whole number'],
      [command({ pin: undefined }), 'lock-command: a set needs a sealed code'],
      [command({ lockId: '' }), 'lock-command: lockId is missing'],
      [command({ action: 'read', lockId: undefined }), 'lock-command: lockId is missing'],
    ];
    for (const [payload, error] of refusals) assert.throws(() => parseLockCommand(payload), { message: error }, error);
  });

  it('tells the three kinds apart and names any other', () => {
    assert.equal(parseLockProviderInput(command({})).kind, 'lock-command');
    assert.deepEqual(parseLockProviderInput({ kind: 'lock-query' }), { kind: 'lock-query' });
    assert.equal(parseLockProviderInput({ kind: 'manual-confirm', lockId: 'front' }).kind, 'manual-confirm');
    assert.throws(() => parseLockProviderInput({}), { message: 'lock-provider takes lock-command, manual-confirm or lock-query messages, not a message without payload.kind' });
    assert.throws(() => parseLockProviderInput({ kind: 'booking' }), { message: 'lock-provider takes lock-command, manual-confirm or lock-query messages, not "booking"' });
  });

  it('reads a manual confirmation\'s lock and slot, and refuses a reserved name as its lock', () => {
    assert.deepEqual(parseManualConfirm({ lockId: 'front', slot: '3' }), { lockId: 'front', slot: 3 });
    assert.throws(() => parseManualConfirm({ lockId: '__proto__', slot: 3 }), /^Error: manual-confirm: lockId "__proto__" cannot be used/);
  });
});

describe('what lock-provider tells of its locks (lock-state)', () => {
  it('counts locks and the codes on them where the provider knows, in the singular for one', async () => {
    const locks = rows();
    const provider = new SimulatedLocks({ locks, clock: clock() });
    const lockSet = lockSetOver(provider, locks);
    assert.equal(countsText(lockSet), '2 locks, 0 codes');
    const result = await lockSet.execute(setMessage('front', 3));
    assert.equal(result.ok, true, result.error);
    assert.equal(countsText(lockSet), '2 locks, 1 code');
  });

  it('counts only locks where a lock would have to be asked', () => {
    const locks = rows().slice(0, 1);
    const provider = new SimulatedLocks({ locks, clock: clock() });
    const asking: LockProvider = Object.assign(Object.create(provider) as LockProvider, { knownCodeCount: undefined });
    assert.equal(countsText(lockSetOver(asking, locks)), '1 lock');
  });

  it('gives each lock\'s state, asking a provider that does not know its count, and null when it cannot say', async () => {
    const locks = rows();
    const provider = new SimulatedLocks({ locks, clock: clock() });
    const lockSet = lockSetOver(provider, locks);
    await lockSet.execute(setMessage('front', 3));
    const asking: LockProvider = Object.assign(Object.create(provider) as LockProvider, {
      knownCodeCount: undefined,
      listCodes: async (lockId: string) => {
        if (lockId === 'gate') throw new Error('no answer');
        return provider.listCodes(lockId);
      },
    });
    const state = await lockState(lockSetOver(asking, locks));
    assert.equal(state.kind, 'lock-state');
    assert.deepEqual(state.locks.map((lock) => [lock.lockId, lock.name, lock.online, lock.codes, lock.pendingTasks]), [
      ['front', 'Front door', true, 1, undefined],
      ['gate', 'Main gate', true, null, undefined],
    ]);
  });

  it('confirms a manual task as the result of the command that asked for it, and counts what waits', async () => {
    const locks = rows();
    const provider = new ManualLocks({ locks, clock: clock(), seal: plain, open: plain });
    const lockSet = lockSetOver(provider, locks);
    void lockSet.execute(setMessage('front', 3));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await lockState(lockSet)).locks[0].pendingTasks, 1);
    const result = confirmHostTask(lockSet, { lockId: 'front', slot: 3 });
    assert.deepEqual(result, { kind: 'lock-result', commandId: 'set-front-3', codeId: 'code-3', lockId: 'front', action: 'set', ok: true, confirmed: true, attempts: 1 });
    assert.equal((await lockState(lockSet)).locks[0].pendingTasks, 0);
    assert.throws(() => confirmHostTask(lockSet, { lockId: 'front', slot: 3 }), /nothing is waiting for the host in slot 3 of Front door/);
  });

  it('refuses a manual confirmation for locks that are not manual, before reading it', () => {
    const locks = rows();
    const lockSet = lockSetOver(new SimulatedLocks({ locks, clock: clock() }), locks);
    assert.throws(() => confirmHostTask(lockSet, {}), { message: 'manual-confirm is for manual locks; this locks config is not manual' });
  });

  it('passes keypad use on as code-used, and listens to nothing where the lock reports none', () => {
    const locks = rows();
    let listener: ((event: KeypadEvent) => void) | undefined;
    const provider = new SimulatedLocks({ locks, clock: clock() });
    const reporting: LockProvider = Object.assign(Object.create(provider) as LockProvider, {
      onKeypad: (heard: (event: KeypadEvent) => void) => {
        listener = heard;
        return () => (listener = undefined);
      },
    });
    const heard: CodeUsedMessage[] = [];
    const stop = listenForKeypad(lockSetOver(reporting, locks), (used) => heard.push(used));
    listener?.({ lockId: 'front', slot: 3, success: true, at: '2026-06-02T16:00:00Z' });
    assert.deepEqual(heard, [{ kind: 'code-used', lockId: 'front', slot: 3, success: true, at: '2026-06-02T16:00:00Z' }]);
    stop?.();
    assert.equal(listener, undefined);
    const silent: LockProvider = Object.assign(Object.create(provider) as LockProvider, { onKeypad: undefined });
    assert.equal(listenForKeypad(lockSetOver(silent, locks), () => undefined), undefined);
  });
});

describe('the Home Assistant registry watch', () => {
  function fakeClient(registry: () => Promise<unknown[]>) {
    const listeners: Array<(change: HaStateChange) => void> = [];
    const client = {
      onState: (listener: (change: HaStateChange) => void) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
      entityRegistry: registry,
    } as unknown as HaClient;
    const connect = async () => {
      for (const listener of [...listeners]) listener({ state: 'connected' } as HaStateChange);
      await new Promise((resolve) => setImmediate(resolve));
    };
    return { client, connect, listeners };
  }

  it('tells an unreadable registry once per spell, again after it read, and nothing for other failures', async () => {
    const unreadable = () => new HaError('the registry is unreadable', REGISTRY_UNREADABLE);
    let answer: () => Promise<unknown[]> = () => Promise.reject(unreadable());
    const { client, connect, listeners } = fakeClient(() => answer());
    const told: string[] = [];
    const stop = watchRegistry(client, (problem) => told.push(problem));
    await connect();
    await connect();
    answer = () => Promise.resolve([]);
    await connect();
    answer = () => Promise.reject(unreadable());
    await connect();
    answer = () => Promise.reject(new Error('socket closed'));
    await connect();
    stop();
    assert.equal(listeners.length, 0);
    assert.deepEqual(told, ['the registry is unreadable', 'the registry is unreadable']);
  });
});
