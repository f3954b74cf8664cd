/**
 * `staykey-nuki-account`: a Nuki Web account. The API token is a Node-RED credential (encrypted in
 * flows_cred.json, never in an exported flow); a locks config with provider Nuki uses the account's
 * connection, rate limit and write gate, never the token itself.
 */
import type { Node, NodeDef } from 'node-red';
import { NukiAccount, openNukiAccount } from '../../lib/locks/nuki/account';
import { clockFor, errorText, numberSetting, RED } from '../shared/runtime';

interface NukiAccountDef extends NodeDef {
  baseUrl?: string;
  requestsPerSecond?: string | number;
  timeout?: string | number;
}

interface NukiCredentials {
  token?: string;
}

/** What the locks config finds: the account, or why there is none. */
interface NukiAccountNode extends Node<NukiCredentials> {
  nuki?: NukiAccount;
  problem?: string;
}

export = function (RED: RED) {
  function NukiAccountConfig(this: NukiAccountNode, config: NukiAccountDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    try {
      node.nuki = openNukiAccount({
        baseUrl: config.baseUrl,
        // Read on every request: a token changed in the editor counts after the next deploy, never logged.
        token: () => node.credentials?.token?.trim() || undefined,
        clock: clockFor(RED),
        requestsPerSecond: numberSetting(config.requestsPerSecond, 2),
        timeoutMs: numberSetting(config.timeout, 15) * 1000,
      });
    } catch (err) {
      node.problem = `Nuki account: ${errorText(err)}`;
      node.error(node.problem);
    }
    node.on('close', (done: () => void) => {
      node.nuki?.close();
      done();
    });
  }

  RED.nodes.registerType<NukiAccountNode, NukiAccountDef, unknown, NukiCredentials>('staykey-nuki-account', NukiAccountConfig, {
    credentials: {
      token: { type: 'password' },
    },
  });
};
