/**
 * `staykey-ttlock-account`: the TTLock open-platform app and the TTLock app account StayKey acts as.
 * The client id, secret, user name and password are Node-RED credentials (encrypted in
 * flows_cred.json, never in an exported flow); locks configs with provider TTLock use it.
 */
import type { Node, NodeDef } from 'node-red';
import { LockRow, lockRowOf } from '../../lib/locks/lock-rows';
import { listAccountLocks, suggestedLock, TTLockLockInfo } from '../../lib/locks/ttlock/ttlock';
import { normalizeBaseUrl, TTLockApi } from '../../lib/locks/ttlock/api';
import { assertTimeZone } from '../../lib/time/zoned';
import type { TTLockConnection } from '../locks-config/provider-ttlock';
import { clockFor, errorText, numberSetting, RED } from '../shared/runtime';

interface TTLockAccountDef extends NodeDef {
  baseUrl?: string;
  timeZone?: string;
  timeout?: string | number;
}

interface TTLockCredentials {
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
}

interface AccountNode extends Node<TTLockCredentials> {
  ttlock?: TTLockConnection;
  problem?: string;
}

/** A lock on the account as the editor lists it, with a locks-config row ready to add. */
interface ListedLock {
  lockId: number;
  alias: string;
  battery: number | null;
  hasGateway: boolean;
  row: LockRow;
}

export = function (RED: RED) {
  function TTLockAccount(this: AccountNode, config: TTLockAccountDef) {
    RED.nodes.createNode(this, config);
    const credentials = this.credentials ?? {};
    try {
      const timeZone = String(config.timeZone ?? '').trim() || undefined;
      if (timeZone) assertTimeZone(timeZone);
      const api = new TTLockApi({
        account: {
          baseUrl: normalizeBaseUrl(config.baseUrl),
          clientId: (credentials.clientId ?? '').trim(),
          clientSecret: (credentials.clientSecret ?? '').trim(),
          username: (credentials.username ?? '').trim(),
          password: credentials.password ?? '',
        },
        clock: clockFor(RED),
        timeoutMs: numberSetting(config.timeout, 30) * 1000,
      });
      this.ttlock = { api, timeZone };
    } catch (err) {
      this.problem = `TTLock account: ${errorText(err)}`;
      this.error(this.problem);
    }
  }

  RED.nodes.registerType<AccountNode, TTLockAccountDef, unknown, TTLockCredentials>('staykey-ttlock-account', TTLockAccount, {
    credentials: {
      clientId: { type: 'text' },
      clientSecret: { type: 'password' },
      username: { type: 'text' },
      password: { type: 'password' },
    },
  });

  // The editor's "list TTLock locks": the account's locks, each with a row for the locks config.
  RED.httpAdmin.get('/staykey/ttlock/:id/locks', RED.auth.needsPermission('staykey-ttlock-account.read'), (req, res) => {
    const account = RED.nodes.getNode(String(req.params.id)) as AccountNode | null;
    if (!account || account.type !== 'staykey-ttlock-account') {
      res.status(404).json({ error: 'Deploy the TTLock account first, then list its locks.' });
      return;
    }
    if (!account.ttlock) {
      res.status(400).json({ error: account.problem ?? 'the TTLock account is not set up' });
      return;
    }
    listAccountLocks(account.ttlock.api).then(
      (locks) => res.json({ locks: locks.map(listed) }),
      (err: unknown) => res.status(502).json({ error: errorText(err) }),
    );
  });
};

function listed(info: TTLockLockInfo): ListedLock {
  return {
    lockId: info.lockId,
    alias: info.lockAlias || info.lockName,
    battery: info.electricQuantity,
    hasGateway: info.hasGateway,
    row: lockRowOf(suggestedLock(info)),
  };
}
