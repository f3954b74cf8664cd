import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualLocks, taskAlert } from '../lib/locks/manual';
import { CodeToSet, LockConfig, LockError, LockProvider, ManualTask } from '../lib/locks/provider';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';

const frontDoor: LockConfig = { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 3, lastSlot: 5 } };
const vault = Vault.withKey(crypto.randomBytes(32));

function code(slot: number, pin: string, endsAt = '2025-06-15T10:00:00Z'): CodeToSet {
  return { slot, name: 'Ada Lovelace', pin, startsAt: '2025-06-12T15:00:00Z', endsAt };
}

function manual(file?: string): { locks: ManualLocks; tasks: ManualTask[] } {
  const locks = new ManualLocks({
    locks: [frontDoor],
    clock: new ManualClock('2025-06-10T12:00:00Z'),
    seal: (pin) => vault.seal(pin),
    open: (sealed) => vault.open(sealed),
    ...(file ? { file } : {}),
  });
  const tasks: ManualTask[] = [];
  locks.onTask((task) => tasks.push(task));
  return { locks, tasks };
}

describe('ManualLocks', () => {
  it('asks the host to set a code, with the PIN sealed and out of the text', async () => {
    const { locks, tasks } = manual();
    await locks.setCode('front', code(3, '482913'));
    assert.equal(tasks.length, 1);
    const [task] = tasks;
    assert.equal(task?.action, 'set');
    assert.equal(task?.slot, 3);
    assert.match(task?.text ?? '', /slot 3 of Front door/);
    assert.match(task?.text ?? '', /2025-06-12 15:00 UTC to 2025-06-15 10:00 UTC/);
    assert.ok(!(task?.text ?? '').includes('482913'));
    assert.equal(vault.open(task?.pin ?? ''), '482913');
    const alert = taskAlert(task as ManualTask);
    assert.equal(alert.severity, 'info');
    assert.equal(alert.topic, 'manual-task');
    assert.ok(!JSON.stringify(alert).includes('482913'));
  });

  it('counts a code as on the lock only once the host confirms it', async () => {
    const { locks } = manual();
    await locks.setCode('front', code(3, '482913'));
    assert.deepEqual(await locks.listCodes('front'), []);
    assert.equal(locks.pendingTasks().length, 1);
    const done = locks.confirm('front', 3);
    assert.equal(done.action, 'set');
    assert.deepEqual(await locks.listCodes('front'), [
      { slot: 3, name: 'Ada Lovelace', pin: null, startsAt: '2025-06-12T15:00:00Z', endsAt: '2025-06-15T10:00:00Z' },
    ]);
    assert.equal(locks.pendingTasks().length, 0);
  });

  it('does not ask twice for the same code, pending or confirmed', async () => {
    const { locks, tasks } = manual();
    await locks.setCode('front', code(3, '482913'));
    await locks.setCode('front', code(3, '482913'));
    assert.equal(tasks.length, 1);
    locks.confirm('front', 3);
    await locks.updateCode('front', code(3, '482913'));
    assert.equal(tasks.length, 1);
  });

  it('asks to change a confirmed code when its dates move, and the newer task replaces the older', async () => {
    const { locks, tasks } = manual();
    await locks.setCode('front', code(3, '482913'));
    locks.confirm('front', 3);
    await locks.updateCode('front', code(3, '482913', '2025-06-16T10:00:00Z'));
    await locks.updateCode('front', code(3, '482913', '2025-06-17T10:00:00Z'));
    assert.deepEqual(
      tasks.map((t) => t.action),
      ['set', 'update', 'update'],
    );
    assert.equal(locks.pendingTasks().length, 1);
    locks.confirm('front', 3);
    assert.equal((await locks.listCodes('front'))[0]?.endsAt, '2025-06-17T10:00:00Z');
  });

  it('asks to remove a code, keeps it until confirmed, and needs no task for an empty slot', async () => {
    const { locks, tasks } = manual();
    await locks.clearCode('front', 4);
    assert.equal(tasks.length, 0);
    await locks.setCode('front', code(3, '482913'));
    locks.confirm('front', 3);
    await locks.clearCode('front', 3);
    assert.equal(tasks[1]?.action, 'clear');
    assert.match(tasks[1]?.text ?? '', /Remove the code in slot 3 of Front door/);
    assert.equal((await locks.listCodes('front')).length, 1);
    locks.confirm('front', 3);
    assert.deepEqual(await locks.listCodes('front'), []);
  });

  it('refuses a PIN already asked for in another slot', async () => {
    const { locks } = manual();
    await locks.setCode('front', code(3, '482913'));
    await assert.rejects(locks.setCode('front', code(4, '482913')), (err: unknown) => {
      return err instanceof LockError && err.reason === 'duplicate-code' && !err.transient;
    });
  });

  it('refuses a slot outside the range', async () => {
    const { locks } = manual();
    await assert.rejects(locks.setCode('front', code(9, '482913')), (err: unknown) => {
      return err instanceof LockError && err.reason === 'rejected-code';
    });
  });

  it('refuses a reserved slot for good, asking the host nothing, and reports no keypad use', async () => {
    const owner: LockConfig = { ...frontDoor, rules: { ...frontDoor.rules, reservedSlots: [4] } };
    const locks = new ManualLocks({
      locks: [owner],
      clock: new ManualClock('2025-06-10T12:00:00Z'),
      seal: (pin) => vault.seal(pin),
      open: (sealed) => vault.open(sealed),
    });
    const tasks: ManualTask[] = [];
    locks.onTask((task) => tasks.push(task));
    const reserved = (err: unknown) => err instanceof LockError && err.reason === 'rejected-code' && !err.transient && /slot 4 reserved/.test(err.message);
    await assert.rejects(locks.setCode('front', code(4, '482913')), reserved);
    await assert.rejects(locks.updateCode('front', { ...code(4, '482913'), pin: undefined }), reserved);
    await assert.rejects(locks.clearCode('front', 4), reserved);
    assert.equal(tasks.length, 0);
    const provider: LockProvider = locks;
    assert.equal(provider.onKeypad, undefined);
  });

  it('will not confirm a slot with nothing waiting', () => {
    const { locks } = manual();
    assert.throws(() => locks.confirm('front', 3), /nothing is waiting .* slot 3 of Front door/);
  });

  it('keeps tasks, confirmed codes and command references across a restart, sealed', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-manual-'));
    try {
      const file = path.join(directory, 'manual.json');
      const { locks } = manual(file);
      await locks.setCode('front', code(3, '482913'));
      locks.confirm('front', 3);
      await locks.setCode('front', code(4, '730155'));
      locks.noteCommand('front', 4, { commandId: 'cmd-4', codeId: 'code-4' });
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(!text.includes('482913') && !text.includes('730155'), 'a PIN is in the file in plain text');

      const { locks: again } = manual(file);
      assert.equal((await again.listCodes('front')).length, 1);
      const [pending] = again.pendingTasks('front');
      assert.equal(pending?.slot, 4);
      assert.equal(vault.open(pending?.pin ?? ''), '730155');
      await assert.rejects(again.setCode('front', code(5, '730155')), /already has the code/);
      assert.deepEqual(again.confirm('front', 4).reference, { commandId: 'cmd-4', codeId: 'code-4' });
    } finally {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
