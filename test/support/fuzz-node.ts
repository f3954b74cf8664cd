/**
 * One StayKey node in a real Node-RED runtime (node-red-node-test-helper) for fuzzing: every input
 * is answered either by a Complete node (the node called done()) or by a Catch node (done(err)),
 * so a test can send thousands of messages and know exactly how each one ended.
 */
import type { NodeMessage } from 'node-red';
import type { Clock } from '../../lib/time/clock';
import { helper } from './red';

export type Answer = { kind: 'completed' } | { kind: 'caught'; error: string };

const CRASH = /^(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError)\b/;

export class NodeHarness {
  private seq = 0;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  private readonly outputs = new Map<string, NodeMessage[]>();
  /** Inputs answered twice (both Complete and Catch, say): the node called done more than once. */
  private readonly doubleAnswers: number[] = [];

  private constructor() {}

  static async start(userDir: string, clock: Clock): Promise<NodeHarness> {
    helper.settings({ userDir, staykey: { clock } });
    await helper.startServer();
    return new NodeHarness();
  }

  /** Loads `config` (beside its config nodes) wired to one helper per output, with a Catch and a Complete node scoped to it. */
  async load(module: unknown, config: Record<string, unknown> & { id: string }, outputCount = 2, configNodes: object[] = []): Promise<void> {
    const outputs = Array.from({ length: outputCount }, (_, index) => `${config.id}-out${index}`);
    await helper.load(module, [
      { id: 'tab', type: 'tab', label: 'fuzz' },
      ...configNodes,
      { z: 'tab', ...config, wires: outputs.map((id) => [id]) },
      ...outputs.map((id) => ({ id, type: 'helper', z: 'tab' })),
      { id: 'fuzz-catch', type: 'catch', z: 'tab', scope: [config.id], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
      { id: 'fuzz-complete', type: 'complete', z: 'tab', scope: [config.id], uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper', z: 'tab' },
    ]);
    outputs.forEach((id, index) => {
      const received: NodeMessage[] = [];
      this.outputs.set(index === 0 ? config.id : `${config.id}:${index}`, received);
      helper.getNode(id).on('input', (msg) => received.push(msg));
    });
    helper.getNode('caught').on('input', (msg) => {
      const error = (msg as NodeMessage & { error?: { message?: unknown } }).error;
      this.answer(msg, { kind: 'caught', error: typeof error?.message === 'string' ? error.message : '' });
    });
    helper.getNode('completed').on('input', (msg) => this.answer(msg, { kind: 'completed' }));
  }

  /**
   * Sends `msg` and resolves with how the node ended it. A caught error must carry a message a
   * host can read, not a TypeError from inside the node.
   */
  async send(id: string, msg: Record<string, unknown>, timeoutMs = 10_000): Promise<Answer> {
    const fuzzId = ++this.seq;
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<Answer>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`node ${id} neither completed nor reported an error for input ${fuzzId}`)), timeoutMs);
      this.waiting.set(fuzzId, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
    });
    try {
      helper.getNode(id).receive({ ...msg, fuzzId });
    } catch (err) {
      // Thrown back to the sender: no answer will come, so no timer may be left to reject later.
      clearTimeout(timer);
      this.waiting.delete(fuzzId);
      void answer.catch(() => undefined);
      throw err;
    }
    const result = await answer;
    if (this.doubleAnswers.length) throw new Error(`inputs ${this.doubleAnswers.join(', ')} were answered twice`);
    if (result.kind === 'caught') {
      if (result.error.trim() === '') throw new Error(`node ${id} reported an error without a message`);
      if (CRASH.test(result.error)) throw new Error(`node ${id} crashed: ${result.error}`);
    }
    return result;
  }

  /** The messages a node's output (`id`, or `id:1` for the second) sent since the last call. */
  output(id: string): NodeMessage[] {
    const received = this.outputs.get(id) ?? [];
    return received.splice(0, received.length);
  }

  /** Takes the loaded flow down, so another can be loaded. */
  async unload(): Promise<void> {
    await helper.unload();
    this.outputs.clear();
  }

  async stop(): Promise<void> {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ userDir: undefined, staykey: undefined });
  }

  private answer(msg: NodeMessage, answer: Answer): void {
    const fuzzId = (msg as NodeMessage & { fuzzId?: number }).fuzzId;
    if (fuzzId === undefined) return;
    const resolve = this.waiting.get(fuzzId);
    if (!resolve) {
      this.doubleAnswers.push(fuzzId);
      return;
    }
    this.waiting.delete(fuzzId);
    resolve(answer);
  }
}
