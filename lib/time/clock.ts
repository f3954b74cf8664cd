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
  // Kept sorted by due time, then by the order they were set, so a season of timers stays cheap.
  private timers: { due: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new Error(`ManualClock: "${String(start)}" is not a date`);
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Timers set and not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** When the next timer falls due, for a simulation that jumps from one event to the next. */
  nextTimerAt(): Date | undefined {
    return this.timers.length ? new Date(this.timers[0].due) : undefined;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const wait = Number.isFinite(ms) ? Math.max(ms, 0) : 0;
    const timer = { due: this.current + wait, seq: this.seq++, callback };
    const index = this.timers.findIndex((t) => t.due > timer.due);
    this.timers.splice(index === -1 ? this.timers.length : index, 0, timer);
    return () => {
      const at = this.timers.indexOf(timer);
      if (at !== -1) this.timers.splice(at, 1);
    };
  }

  advance(ms: number): void {
    this.advanceTo(new Date(this.current + ms));
  }

  /** Moves to `target`, firing each timer due by then at its own time; a timer set by a callback fires too if due. */
  advanceTo(target: Date | string): void {
    const end = new Date(target).getTime();
    if (Number.isNaN(end)) throw new Error(`ManualClock: "${String(target)}" is not a date`);
    while (this.timers.length > 0 && this.timers[0].due <= end) {
      const next = this.timers.shift()!;
      this.current = Math.max(this.current, next.due);
      next.callback();
    }
    this.current = Math.max(this.current, end);
  }
}

/**
 * A clock set to `start` that then runs at `base`'s speed: the demo and the tests that start a real
 * Node-RED run on a chosen day and hour (STAYKEY_NOW) without freezing time, so timers still fire.
 */
export function clockFrom(start: Date | string, base: Clock = systemClock): Clock {
  const at = new Date(start).getTime();
  if (Number.isNaN(at)) throw new Error(`clockFrom: "${String(start)}" is not a date`);
  const offset = at - base.now().getTime();
  return {
    now: () => new Date(base.now().getTime() + offset),
    setTimer: (ms, callback) => base.setTimer(ms, callback),
  };
}
