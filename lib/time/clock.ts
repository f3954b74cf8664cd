/**
 * Anything that asks "what time is it" takes a Clock, so tests and the season simulation can move
 * time by hand instead of waiting for it.
 */
export interface Clock {
  now(): Date;
  /** Calls `callback` after `ms` of this clock's time; returns a function that cancels it. */
  setTimer(ms: number, callback: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimer(ms, callback) {
    // setTimeout overflows above ~24.8 days; re-arm in steps so long waits still fire on time.
    const maxStep = 2 ** 31 - 1;
    let handle: NodeJS.Timeout;
    const due = Date.now() + ms;
    const arm = () => {
      const left = due - Date.now();
      handle = setTimeout(left > maxStep ? arm : callback, Math.min(Math.max(left, 0), maxStep));
    };
    arm();
    return () => clearTimeout(handle);
  },
};

/** A clock that only moves when told to: `advance` fires every timer that falls due, in order. */
export class ManualClock implements Clock {
  private current: number;
  private timers: { due: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { due: this.current + Math.max(ms, 0), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    this.advanceTo(new Date(this.current + ms));
  }

  advanceTo(target: Date | string): void {
    const end = new Date(target).getTime();
    for (;;) {
      const next = this.timers
        .filter((t) => t.due <= end)
        .sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.current = Math.max(this.current, next.due);
      next.callback();
    }
    this.current = Math.max(this.current, end);
  }
}
