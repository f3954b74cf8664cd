/**
 * The `staykey-locks` config node as other nodes see it: its lock set (lib/locks/lock-set.ts), one
 * provider and the locks it drives.
 */
import type { Node } from 'node-red';
import type { LockSet } from '../../lib/locks/lock-set';
import type { RED } from './runtime';

export interface LockSetNode extends Node {
  lockSet: LockSet;
}

export function lockSetFor(RED: RED, configId: string | undefined): LockSet {
  const node = configId ? (RED.nodes.getNode(configId) as LockSetNode | null) : null;
  if (!node || !node.lockSet) throw new Error('no locks configured: choose a StayKey locks config node');
  return node.lockSet;
}
