/**
 * Tells the open editors what one node's panel shows now, when it changed: at most once per
 * `everyMs` per node, one look at a time, a burst of changes drawn once after it settles, and nothing
 * when the look finds what was sent last. The editors never poll; this is the only pace they are told at.
 */
import type { Clock } from '../../lib/time/clock';

export interface PublisherOptions {
  clock: Clock;
  /** What a panel shows now (undefined: the node is gone). */
  look(key: string): Promise<unknown>;
  /** What in a look is only when it was drawn, not a change worth telling (an overview's `at`). */
  comparable?(data: unknown): unknown;
  publish(key: string, data: unknown): void;
  everyMs?: number;
  settleMs?: number;
}

export class Publisher {
  private readonly sent = new Map<string, string>();
  private readonly lastAt = new Map<string, number>();
  private readonly waiting = new Set<string>();
  private readonly looking = new Set<string>();
  private readonly again = new Set<string>();
  private readonly everyMs: number;
  private readonly settleMs: number;

  constructor(private readonly options: PublisherOptions) {
    this.everyMs = options.everyMs ?? 1000;
    this.settleMs = options.settleMs ?? 200;
  }

  changed(key: string): void {
    if (this.looking.has(key)) return void this.again.add(key);
    if (this.waiting.has(key)) return;
    const since = this.options.clock.now().getTime() - (this.lastAt.get(key) ?? -Infinity);
    this.waiting.add(key);
    this.options.clock.setTimer(Math.max(this.settleMs, this.everyMs - since), () => {
      this.waiting.delete(key);
      void this.look(key);
    });
  }

  /** Resolves once the looks under way are done (tests, and a plugin closing). */
  async idle(): Promise<void> {
    while (this.looking.size) await new Promise((resolve) => setImmediate(resolve));
  }

  private async look(key: string): Promise<void> {
    this.looking.add(key);
    try {
      const data = await this.options.look(key).catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
      const text = JSON.stringify(this.options.comparable ? this.options.comparable(data) : data);
      if (this.sent.get(key) === text) return;
      this.sent.set(key, text);
      this.lastAt.set(key, this.options.clock.now().getTime());
      this.options.publish(key, data);
    } finally {
      this.looking.delete(key);
      if (this.again.delete(key)) this.changed(key);
    }
  }
}
