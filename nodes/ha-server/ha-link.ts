/**
 * How other StayKey nodes reach a `staykey-ha-server` config node: its shared connection, and the
 * connection state as a node status ("HA connected", "HA token refused"...).
 */
import type { Node } from 'node-red';
import type { HaClient, HaConnection, HaStateChange } from '../../lib/ha/connection';
import { RED, showStatus } from '../shared/runtime';

export interface HaServerNode extends Node {
  connection?: HaConnection;
}

/** The server's connection (started), or a sentence saying which config node is missing. */
export function haConnectionFor(RED: RED, configId: unknown, who: string): HaConnection {
  const node = typeof configId === 'string' && configId ? (RED.nodes.getNode(configId) as HaServerNode | null) : null;
  if (!node?.connection) throw new Error(`${who}: choose a Home Assistant server (a staykey-ha-server config node)`);
  node.connection.start();
  return node.connection;
}

/**
 * Shows the connection's state on `node` until the returned function is called. `connectedText` is
 * what a working node says (its own status takes over from there).
 */
export function showHaState(node: Node, client: HaClient, connectedText: string, onConnected?: () => void): () => void {
  return client.onState((change: HaStateChange) => {
    switch (change.state) {
      case 'connected':
        if (onConnected) onConnected();
        else showStatus(node, 'green', connectedText);
        return;
      case 'connecting':
      case 'idle':
        return showStatus(node, 'yellow', 'HA connecting', 'ring');
      case 'disconnected':
        return showStatus(node, 'red', 'HA disconnected', 'ring');
      case 'auth-failed':
        return showStatus(node, 'red', 'HA token refused');
      case 'unconfigured':
        return showStatus(node, 'red', 'HA not set up', 'ring');
      case 'closed':
        return undefined;
    }
  });
}
