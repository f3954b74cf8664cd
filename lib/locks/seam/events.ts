/**
 * Codes used at the door, from Seam's events: `lock.unlocked` with the access code that opened it,
 * and `lock.access_denied` for a wrong code. Read every few minutes (`events/list` since the newest
 * event seen); webhooks would be quicker but need Node-RED reachable from the internet.
 */
import type { SeamHttp } from '@seamapi/http';
import type { Clock } from '../../time/clock';
import type { KeypadEvent, LockConfig } from '../provider';
import { isRecord, text } from './devices';

export interface SeamEventsOptions {
  client: () => SeamHttp;
  clock: Clock;
  everyMs: number;
  locks: LockConfig[];
  slotOf: (device: string, accessCodeId: string) => number | undefined;
}

const EVENT_TYPES = ['lock.unlocked', 'lock.access_denied'];
/** Event ids remembered so one read overlapping the last never reports an event twice. */
const REMEMBERED = 500;

export class SeamEvents {
  private readonly listeners = new Set<(event: KeypadEvent) => void>();
  private readonly seen: string[] = [];
  private since?: string;
  private cancel?: () => void;
  private closed = false;

  constructor(private readonly options: SeamEventsOptions) {}

  listen(listener: (event: KeypadEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.schedule();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  close(): void {
    this.closed = true;
    this.stop();
  }

  /** One read of Seam's events; a failed read is tried again at the next turn, from the same point. */
  async read(): Promise<void> {
    const devices = new Map(this.options.locks.map((lock) => [(lock.device ?? '').trim(), lock.id]));
    const since = this.since ?? new Date(this.options.clock.now().getTime() - this.options.everyMs).toISOString();
    const answer: unknown = await this.options.client().events.list({ since, device_ids: [...devices.keys()], event_types: EVENT_TYPES });
    const events = (Array.isArray(answer) ? answer : []).filter(isRecord).slice(0, 1000);
    for (const raw of events.sort((a, b) => text(a.created_at).localeCompare(text(b.created_at)))) {
      const id = text(raw.event_id);
      if (!id || this.seen.includes(id)) continue;
      this.remember(id);
      if (text(raw.created_at) > (this.since ?? '')) this.since = text(raw.created_at);
      const event = this.keypadEvent(raw, devices);
      if (event) for (const listener of this.listeners) listener(event);
    }
    this.since ??= since;
  }

  private keypadEvent(raw: Record<string, unknown>, devices: Map<string, string>): KeypadEvent | undefined {
    const device = text(raw.device_id);
    const lockId = devices.get(device);
    if (!lockId) return undefined;
    const type = text(raw.event_type);
    const accessCodeId = text(raw.access_code_id);
    if (type === 'lock.unlocked' && !accessCodeId) return undefined; // opened by app, key or hand: not a code
    const slot = accessCodeId ? (this.options.slotOf(device, accessCodeId) ?? null) : null;
    const at = text(raw.occurred_at) || text(raw.created_at);
    return { lockId, slot, success: type === 'lock.unlocked', at: Number.isNaN(Date.parse(at)) ? this.options.clock.now().toISOString() : at };
  }

  private remember(id: string): void {
    this.seen.push(id);
    if (this.seen.length > REMEMBERED) this.seen.shift();
  }

  private schedule(): void {
    if (this.closed || this.options.everyMs <= 0 || this.cancel) return;
    this.cancel = this.options.clock.setTimer(this.options.everyMs, () => {
      this.cancel = undefined;
      this.read()
        .catch(() => undefined) // Seam away for a turn: the next turn reads from the same point.
        .finally(() => {
          if (this.listeners.size) this.schedule();
        });
    });
  }

  private stop(): void {
    this.cancel?.();
    this.cancel = undefined;
  }
}
