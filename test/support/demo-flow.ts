/**
 * The shipped demo flow (flows/demo.json) as the pipeline tests run it in a test runtime: its buttons and
 * debug nodes become test helpers, its simulated locks answer at once, and its access-window keeps
 * Lisbon's clock whatever this machine's zone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type FlowNode = { id: string; type: string; name?: string; wires?: string[][]; [key: string]: unknown };

export const demoFlow = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'flows', 'demo.json'), 'utf8')) as FlowNode[];

/** A node of the demo flow by its name; a renamed node fails here, by name, rather than later as `undefined`. */
export function demoNode(name: string): FlowNode {
  const node = demoFlow.find((each) => each.name === name);
  if (!node) throw new Error(`the demo flow has no node named "${name}"`);
  return node;
}

export function demoNodeOfType(type: string): FlowNode {
  const node = demoFlow.find((each) => each.type === type);
  if (!node) throw new Error(`the demo flow has no ${type} node`);
  return node;
}

export function demoTestFlow(): FlowNode[] {
  return demoFlow
    .filter((node) => node.type !== 'comment')
    .map((node) => {
      if (node.type === 'inject' || node.type === 'debug') return { id: node.id, type: 'helper', z: node.z, wires: node.wires ?? [] };
      if (node.type === 'staykey-locks') return { ...node, latency: 0, retryDelay: 0.001 };
      if (node.type === 'staykey-access-window') return { ...node, timeZone: 'Europe/Lisbon' };
      return { ...node };
    });
}
