/**
 * A test node that keeps every message it receives from the moment the flow starts (the helper node
 * only reports what arrives after a listener is attached), and waits on them.
 */
import { EventEmitter } from 'node:events';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';

/** The node type to put in a test flow. */
export const RECORDER = 'staykey-test-recorder';

const recorded = new Map<string, NodeMessage[]>();
const arrivals = new EventEmitter();

/** Everything the recorder `id` received so far (the same list, growing). */
export function messages(id: string): NodeMessage[] {
  let list = recorded.get(id);
  if (!list) {
    list = [];
    recorded.set(id, list);
  }
  return list;
}

/** Forgets every recorded message, for the next test. */
export function clearRecorded(): void {
  recorded.clear();
}

/** The recorder's node module, to load beside the nodes under test. */
export function recorderNode(RED: NodeAPI): void {
  RED.nodes.registerType(RECORDER, function (this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: NodeMessage) => {
      messages(config.id).push(msg);
      arrivals.emit('message');
    });
  });
}

/** Resolves once `check` gives something, looking again after every recorded message. */
export function until<T>(check: () => T | undefined): Promise<T> {
  return new Promise((resolve) => {
    const look = () => {
      const found = check();
      if (found === undefined) return;
      arrivals.off('message', look);
      resolve(found);
    };
    arrivals.on('message', look);
    look();
  });
}
