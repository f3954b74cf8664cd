/**
 * `staykey-seam-account`: one Seam workspace. The API key is a Node-RED credential (encrypted in
 * flows_cred.json, never in an exported flow); a locks config with provider Seam uses the account's
 * client and write gate, never the key itself. The editor's "list Seam devices" asks this node.
 */
import type { NodeDef } from 'node-red';
import { LockRow, lockRowOf } from '../../lib/locks/lock-rows';
import { listSeamDevices, openSeamAccount, SeamDevice, suggestedSeamLock } from '../../lib/locks/seam';
import type { SeamAccountNode, SeamCredentials } from '../locks-config/provider-seam';
import { errorText, numberSetting, RED } from '../shared/runtime';

interface SeamAccountDef extends NodeDef {
  workspaceId?: string;
  endpoint?: string;
  timeout?: string | number;
}


/** A device of the workspace as the editor lists it, with a locks-config row ready to add. */
interface ListedDevice {
  deviceId: string;
  name: string;
  type: string;
  online: boolean;
  battery: number | null;
  onlineCodes: boolean;
  offlineCodes: boolean;
  row: LockRow;
}

export = function (RED: RED) {
  function SeamAccountConfig(this: SeamAccountNode, config: SeamAccountDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    try {
      node.seam = openSeamAccount({
        // Read when a client is made: a key changed in the editor counts after the next deploy; never logged.
        apiKey: () => node.credentials?.apiKey?.trim() || undefined,
        workspaceId: String(config.workspaceId ?? '').trim() || undefined,
        endpoint: String(config.endpoint ?? '').trim() || undefined,
        timeoutMs: numberSetting(config.timeout, 20) * 1000,
      });
    } catch (err) {
      node.problem = `Seam account: ${errorText(err)}`;
      node.error(node.problem);
    }
    node.on('close', (done: () => void) => {
      node.seam?.close();
      done();
    });
  }

  RED.nodes.registerType<SeamAccountNode, SeamAccountDef, unknown, SeamCredentials>('staykey-seam-account', SeamAccountConfig, {
    credentials: {
      apiKey: { type: 'password' },
    },
  });

  // The editor's "list Seam devices": the workspace's locks, each with a row for the locks config. Never the key.
  RED.httpAdmin.get('/staykey/seam/:id/devices', RED.auth.needsPermission('staykey-seam-account.read'), (req, res) => {
    const account = RED.nodes.getNode(String(req.params.id)) as SeamAccountNode | null;
    if (!account || account.type !== 'staykey-seam-account') {
      res.status(404).json({ error: 'Deploy the Seam account first, then list its devices.' });
      return;
    }
    if (!account.seam) {
      res.status(400).json({ error: account.problem ?? 'the Seam account is not set up' });
      return;
    }
    if (!account.credentials?.apiKey?.trim()) {
      res.status(400).json({ error: 'the Seam account has no API key: make one in the Seam console (Developer > API keys) and enter it in the Seam account' });
      return;
    }
    listSeamDevices(account.seam).then(
      (devices) => res.json({ devices: devices.map(listed) }),
      (err: unknown) => res.status(502).json({ error: errorText(err) }),
    );
  });
};

function listed(device: SeamDevice): ListedDevice {
  return {
    deviceId: device.deviceId,
    name: device.name,
    type: device.deviceType,
    online: device.online,
    battery: device.battery,
    onlineCodes: device.onlineCodes,
    offlineCodes: device.offlineCodes,
    row: lockRowOf(suggestedSeamLock(device)),
  };
}
