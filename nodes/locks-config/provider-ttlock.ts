/**
 * Locks on the TTLock cloud: the locks config names a `staykey-ttlock-account` (credentials live
 * there, as Node-RED credentials) and each lock row's `device` is the TTLock lock id.
 */
import type { Node } from 'node-red';
import { TTLockLocks } from '../../lib/locks/ttlock/ttlock';
import type { TTLockApi } from '../../lib/locks/ttlock/api';
import type { ProviderFactory } from './providers';

/** What a TTLock account node offers the locks that use it: one API client, so one token per account. */
export interface TTLockConnection {
  api: TTLockApi;
  /** Where the locks are (IANA), to check each lock's zone in TTLock. */
  timeZone?: string;
}

export interface TTLockAccountNode extends Node {
  ttlock?: TTLockConnection;
  /** Why there is no connection (a bad server address or time zone). */
  problem?: string;
}

export const ttlockFactory: ProviderFactory = ({ RED, config, locks, clock, file }) => {
  const accountId = typeof config.ttlockAccount === 'string' ? config.ttlockAccount : '';
  const account = accountId ? (RED.nodes.getNode(accountId) as TTLockAccountNode | null) : null;
  if (!account) throw new Error('choose the TTLock account these locks belong to (provider TTLock)');
  if (!account.ttlock) throw new Error(account.problem ?? 'the TTLock account is not set up');
  return {
    provider: new TTLockLocks({
      locks,
      api: account.ttlock.api,
      clock,
      // Its own file: a config switched from simulated to TTLock must not read the simulated locks' state.
      file: file.replace(/\.json$/, '') + '.ttlock.json',
      timeZone: account.ttlock.timeZone,
    }),
  };
};
