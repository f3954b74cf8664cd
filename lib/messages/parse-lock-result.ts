/** A lock's answer to a command (lock-provider -> pin-issuer). */
import type { LockResultMessage } from './index';
import { givenText } from './text';

export function parseLockResult(payload: Record<string, unknown>): LockResultMessage {
  // codeId may be empty: lock-provider sends that for a manual task it cannot trace, and the ledger ignores it.
  if (!givenText(payload.commandId) || typeof payload.codeId !== 'string' || typeof payload.ok !== 'boolean') {
    throw new Error('pin-issuer: a lock-result needs commandId, codeId and ok (wire lock-provider output 1 to this node)');
  }
  return { ...(payload as unknown as LockResultMessage), confirmed: payload.confirmed === true };
}
