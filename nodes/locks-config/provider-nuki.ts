/**
 * The locks config's Nuki provider: the account comes from the `staykey-nuki-account` config node
 * the host chose (`nukiAccount`), and every lock gets Nuki's keypad rules, so pin-issuer only ever
 * issues codes the keypad takes.
 */
import type { Node } from 'node-red';
import type { NukiAccount } from '../../lib/locks/nuki/account';
import { NukiLocks } from '../../lib/locks/nuki/nuki';
import { applyNukiRules } from '../../lib/locks/nuki/rules';
import type { ProviderFactory } from './providers';

interface NukiAccountNode extends Node {
  nuki?: NukiAccount;
  problem?: string;
}

export const nukiFactory: ProviderFactory = ({ RED, config, locks, file, seal, open }) => {
  const accountId = typeof config.nukiAccount === 'string' ? config.nukiAccount : '';
  const node = accountId ? (RED.nodes.getNode(accountId) as NukiAccountNode | null) : null;
  if (!node) throw new Error('no Nuki account: choose one (with its Nuki Web API token) in the locks config');
  if (!node.nuki) throw new Error(node.problem ?? 'the Nuki account could not be opened');
  if (!node.nuki.connection.token()) throw new Error('the Nuki account has no API token: make one in Nuki Web (API) and enter it in the Nuki account');
  applyNukiRules(locks, (text) => RED.log.warn(`StayKey locks config: ${text}`));
  const provider = new NukiLocks({ locks, connection: node.nuki.connection, writes: node.nuki.writes, file, seal, open });
  return { provider };
};
