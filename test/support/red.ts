/** What the pipeline tests use of node-red-node-test-helper (the package ships no types), and a wait. */
import type { Node } from 'node-red';
import { nodeRedPath } from './node-red-path';

export interface TestNode extends Node {
  receive(msg: unknown): void;
}

export interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  settings(settings: Record<string, unknown>): void;
  startServer(done?: () => void): Promise<void> | void;
  stopServer(done?: () => void): Promise<void>;
  unload(): Promise<void>;
  load(nodes: unknown[], flow: unknown[], credentials?: Record<string, unknown>): Promise<void>;
  getNode(id: string): TestNode;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const helper = require('node-red-node-test-helper') as TestHelper;
helper.init(nodeRedPath());

/** Every StayKey node module, as the runtime would load them from package.json. */
export function stayKeyNodes(): unknown[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require('../../../package.json') as { 'node-red': { nodes: Record<string, string> } };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return Object.values(pkg['node-red'].nodes).map((file) => require(`../../../${file}`) as unknown);
}

/** Waits (in real time, for async work in the runtime) until `check` holds; fails with `what` otherwise. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
