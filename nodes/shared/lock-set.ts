/**
 * The `staykey-locks` config node as other nodes see it: one provider and the locks it drives.
 * pin-issuer reads the locks' rules, lock-provider runs commands, battery-watch reads batteries,
 * all through the same provider instance (so a simulated lock is one lock, whoever looks at it).
 */
import type { Node } from 'node-red';
import type { LockCommandMessage, LockResultMessage } from '../../lib/messages';
import type { LockConfig, LockProvider } from '../../lib/locks/provider';
import type { RED } from './runtime';

export interface LockSet {
  readonly provider: LockProvider;
  /** The locks as configured (rules, slots, whether they keep schedules). */
  locks(): LockConfig[];
  lock(lockId: string): LockConfig | undefined;
  /**
   * Runs one command: serialised per lock, retried with backoff, confirmed by read-back.
   * Resolves with the result (never rejects); `onAttempt` reports retries for status text.
   */
  execute(message: LockCommandMessage, onAttempt?: (attempt: number, error: string) => void): Promise<LockResultMessage>;
}

export interface LockSetNode extends Node {
  lockSet: LockSet;
}

export function lockSetFor(RED: RED, configId: string | undefined): LockSet {
  const node = configId ? (RED.nodes.getNode(configId) as LockSetNode | null) : null;
  if (!node || !node.lockSet) throw new Error('no locks configured: choose a StayKey locks config node');
  return node.lockSet;
}
