import type { Node, NodeMessage } from 'node-red';
import type { IssuerSink } from '../../lib/ledger/issuer';
import { errorText, showStatus } from '../shared/runtime';

/** The issuer's work, as the node's four outputs and its status. */
export function outputsOf(node: Node): IssuerSink {
  const toPlanOutput = (message: NodeMessage) => node.send([null, null, null, message] as unknown as NodeMessage[]);
  return {
    send({ commands, codeMessages, alerts }) {
      const toLocks = commands.map((command) => ({ topic: command.lockId, payload: { kind: 'lock-command', command } }));
      const toGuests = codeMessages.map((message) => ({ topic: message.bookingId, payload: message }));
      const toHost = alerts.map((alert) => ({ topic: alert.topic, payload: alert }));
      node.send([toLocks, toGuests, toHost, null] as unknown as NodeMessage[]);
    },
    plan(plan) {
      toPlanOutput({ topic: 'plan', payload: plan });
      showStatus(node, 'blue', `dry run: ${plan.actions.length} planned`);
    },
    lockSummaries(locks) {
      toPlanOutput({ topic: 'lock-summary', payload: { kind: 'lock-summary', locks } });
    },
    counts({ onLocks, pending, failed }) {
      if (failed > 0) return showStatus(node, 'red', `${failed} failed, ${onLocks} on locks`);
      if (pending > 0) return showStatus(node, 'yellow', `${pending} pending, ${onLocks} on locks`);
      showStatus(node, 'green', `${onLocks} code${onLocks === 1 ? '' : 's'} on locks`);
    },
    trouble(err) {
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(`pin-issuer could not reconcile: ${errorText(err)}`);
    },
  };
}
