/**
 * The one typed face of node-red-node-test-helper (the package ships no types) for every test, and a wait.
 * The helper wraps each node's methods in sinon spies, so status, error, warn and log keep their calls.
 */
import type { Node, NodeMessage } from 'node-red';
import { nodeRedPath } from './node-red-path';

export interface SpyCall {
  thisValue: unknown;
  args: unknown[];
}

/** A node method the helper spies on. */
type Spied<F> = F & { getCalls(): SpyCall[] };

/** An input as a test listens for it: any property a node put on the message can be read. */
export type Received = NodeMessage & Record<string, unknown>;

export type TestNode = Omit<Node, 'status' | 'error' | 'warn' | 'log' | 'on' | 'once'> & {
  receive(msg: object): void;
  status: Spied<Node['status']>;
  error: Spied<Node['error']>;
  warn: Spied<Node['warn']>;
  log: Spied<Node['log']>;
  on(event: 'input', listener: (msg: Received) => void): void;
  /** The helper emits `call:<method>` for every spied call (`call:status`, `call:error`...). */
  on(event: `call:${string}`, listener: (call: SpyCall & Received) => void): void;
  on(event: string, listener: (...args: never[]) => void): void;
  once(event: 'input', listener: (msg: Received) => void): void;
  once(event: `call:${string}`, listener: (call: SpyCall & Received) => void): void;
  removeListener(event: string, listener: (...args: never[]) => void): void;
};

/** A log entry the helper caught: `args[0]` holds the level, the node and its message. */
export interface LogCall {
  args: unknown[];
}

export interface TestHelper {
  init(runtimePath: string, settings?: Record<string, unknown>): void;
  settings(settings: Record<string, unknown>): unknown;
  startServer(done?: () => void): Promise<void> | void;
  stopServer(done?: () => void): Promise<void>;
  unload(): Promise<void>;
  load(nodes: unknown, flow: object[], credentials?: Record<string, unknown>): Promise<void>;
  getNode(id: string): TestNode;
  log(): { ERROR: number; args: unknown[][]; getCalls(): LogCall[] };
  /** supertest against the runtime's admin and HTTP routes. */
  request(): { get(url: string): PromiseLike<{ status: number; body: Record<string, unknown>; text: string }> };
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
