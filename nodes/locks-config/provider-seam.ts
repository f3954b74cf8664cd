/**
 * Locks reached through Seam: the locks config names a `staykey-seam-account` (`seamAccount`; the API
 * key lives there, as a Node-RED credential) and each lock row's `device` is the Seam device id.
 */
import type { Node } from 'node-red';
import { SeamAccount, SeamLocks } from '../../lib/locks/seam';
import type { ProviderFactory } from './providers';

export interface SeamCredentials {
  apiKey?: string;
}

/** What a `staykey-seam-account` node offers the locks configs that use it: the account, or why there is none. */
export interface SeamAccountNode extends Node<SeamCredentials> {
  seam?: SeamAccount;
  problem?: string;
}

export const seamFactory: ProviderFactory = ({ RED, config, locks, clock, file }) => {
  const accountId = typeof config.seamAccount === 'string' ? config.seamAccount : '';
  const node = accountId ? (RED.nodes.getNode(accountId) as SeamAccountNode | null) : null;
  if (!node) throw new Error('no Seam account: choose one (with its Seam API key) in the locks config');
  if (!node.seam) throw new Error(node.problem ?? 'the Seam account could not be opened');
  if (!node.credentials?.apiKey?.trim()) throw new Error('the Seam account has no API key: make one in the Seam console (Developer > API keys) and enter it in the Seam account');
  return {
    provider: new SeamLocks({
      locks,
      account: node.seam,
      clock,
      // Its own file: a config switched from another provider must not read that provider's state.
      file: file.replace(/\.json$/, '') + '.seam.json',
    }),
  };
};
