/**
 * The connection of a `staykey-mqtt` broker as the status of a node that depends on it, so a host sees
 * "broker offline" on the node whose locks went quiet, not only on the locks.
 */
import type { Node } from 'node-red';
import type { ConnectionState, MqttLink } from '../../lib/mqtt/link';
import { showStatus } from '../shared/runtime';

/** Shows the broker's state on `node` until the returned function is called; `onConnected` draws the working status. */
export function showBrokerState(node: Node, link: MqttLink, onConnected: () => void): () => void {
  const show = (state: ConnectionState, detail?: string) => {
    switch (state) {
      case 'connected':
        return onConnected();
      case 'connecting':
        return showStatus(node, 'yellow', detail ? 'broker unreachable' : 'broker connecting', 'ring');
      case 'disconnected':
        return showStatus(node, 'red', 'broker offline', 'ring');
      case 'refused':
        return showStatus(node, 'red', 'broker refused login');
      case 'closed':
        return undefined;
    }
  };
  const stop = link.onState(show);
  if (link.state !== 'connected') show(link.state, link.problem);
  return stop;
}
