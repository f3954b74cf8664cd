/**
 * What lock-provider tells about its locks without running a command: their state for dashboards,
 * the count shown as its status, keypad use and a host's confirmation of a manual task.
 */
import type { CodeUsedMessage, LockResultMessage, LockState, LockStateMessage } from '../messages';
import { parseManualConfirm } from '../messages/parse-lock-command';
import type { LockSet } from './lock-set';

export async function lockState(lockSet: LockSet): Promise<LockStateMessage> {
  const locks = await Promise.all(
    lockSet.locks().map(async (lock): Promise<LockState> => {
      const status = await lockSet.provider.status(lock.id).catch(() => undefined);
      const state: LockState = {
        lockId: lock.id,
        name: lock.name,
        online: status?.online ?? false,
        battery: status?.battery ?? null,
        codes: await codeCount(lockSet, lock.id),
      };
      const tasks = lockSet.provider.hostTasks;
      if (tasks) state.pendingTasks = tasks.pendingTasks(lock.id).length;
      return state;
    }),
  );
  return { kind: 'lock-state', locks };
}

/** Simulated and manual locks answer from memory; others are asked, and may not answer. */
async function codeCount(lockSet: LockSet, lockId: string): Promise<number | null> {
  const known = lockSet.provider.knownCodeCount?.(lockId);
  if (known !== undefined) return known;
  return lockSet.provider.listCodes(lockId).then(
    (codes) => codes.length,
    () => null,
  );
}

/** "2 locks, 3 codes"; only "2 locks" where some lock would have to be asked for its count. */
export function countsText(lockSet: LockSet): string {
  const locks = lockSet.locks();
  const lockText = `${locks.length} lock${locks.length === 1 ? '' : 's'}`;
  const counts = locks.map((lock) => lockSet.provider.knownCodeCount?.(lock.id));
  if (counts.some((count) => count === undefined)) return lockText;
  const codes = counts.reduce<number>((sum, count) => sum + (count ?? 0), 0);
  return `${lockText}, ${codes} code${codes === 1 ? '' : 's'}`;
}

/** The host keyed in a manual lock's code: the task's command counts as done and confirmed. */
export function confirmHostTask(lockSet: LockSet, payload: Record<string, unknown>): LockResultMessage {
  const tasks = lockSet.provider.hostTasks;
  if (!tasks) throw new Error('manual-confirm is for manual locks; this locks config is not manual');
  const { lockId, slot } = parseManualConfirm(payload);
  const task = tasks.confirm(lockId, slot);
  return {
    kind: 'lock-result',
    commandId: task.reference?.commandId ?? task.id,
    codeId: task.reference?.codeId ?? '',
    lockId,
    action: task.action,
    ok: true,
    confirmed: true,
    attempts: 1,
  };
}

/** Keypad use, where the lock reports it, as pin-issuer takes it; returns a function that stops listening. */
export function listenForKeypad(lockSet: LockSet, listener: (used: CodeUsedMessage) => void): (() => void) | undefined {
  const provider = lockSet.provider;
  if (!provider.onKeypad) return undefined;
  return provider.onKeypad((event) => {
    listener({ kind: 'code-used', lockId: event.lockId, slot: event.slot, success: event.success, at: event.at });
  });
}
