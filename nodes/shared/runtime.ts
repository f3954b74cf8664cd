/**
 * What every StayKey node shares with the Node-RED runtime: where StayKey keeps its files, the vault,
 * and small status and error helpers. Nothing here knows about bookings or locks.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import type { Node, NodeAPI, NodeMessage } from 'node-red';
import { Vault } from '../../lib/pins/vault';
import { Clock, systemClock } from '../../lib/time/clock';

export { numberSetting } from '../../lib/settings';
export { errorText } from '../../lib/shown';

export type RED = NodeAPI;

const vaults = new Map<string, Vault>();

/** `<userDir>/staykey`: the ledger, the installation key and the simulated locks live here. */
export function staykeyDirectory(RED: RED): string {
  const settings = settingsOf(RED);
  if (settings.staykey?.directory) return settings.staykey.directory;
  return path.join(settings.userDir ?? path.join(os.homedir(), '.node-red'), 'staykey');
}

interface StayKeySettings {
  userDir?: string;
  /** Tests and the season simulation run nodes on their own clock and directory. */
  staykey?: { directory?: string; clock?: Clock; ledgerCompactAfterBytes?: number };
}

function settingsOf(RED: RED): StayKeySettings {
  return RED.settings as unknown as StayKeySettings;
}

export function clockFor(RED: RED): Clock {
  return settingsOf(RED).staykey?.clock ?? systemClock;
}

export function vaultFor(RED: RED): Vault {
  const directory = staykeyDirectory(RED);
  let vault = vaults.get(directory);
  if (!vault) {
    vault = Vault.openDirectory(directory);
    vaults.set(directory, vault);
  }
  return vault;
}

export type Fill = 'red' | 'green' | 'yellow' | 'blue' | 'grey';

export function showStatus(node: Node, fill: Fill, text: string, shape: 'dot' | 'ring' = 'dot'): void {
  node.status({ fill, shape, text: text.length > 32 ? `${text.slice(0, 31)}…` : text });
}


/** Bad input: red status, and an error Catch nodes can see, without stopping the flow. */
export function reportInputError(node: Node, err: unknown, msg: NodeMessage, done: (err?: Error) => void): void {
  const error = err instanceof Error ? err : new Error(String(err));
  showStatus(node, 'red', error.message, 'ring');
  done(error);
  void msg;
}


/** When a pin-issuer's ledger journal is folded into its snapshot (a test makes it small to crash during compactions). */
export function ledgerCompactAfterBytes(RED: RED): number | undefined {
  const bytes = settingsOf(RED).staykey?.ledgerCompactAfterBytes;
  return typeof bytes === 'number' && bytes > 0 ? bytes : undefined;
}
