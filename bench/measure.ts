/**
 * Timing for the benchmarks: each figure is the median of several runs after a warm-up, with the
 * garbage of the previous run collected first so one run does not pay for another.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

export interface Timing {
  /** Median of the timed runs (ms). */
  medianMs: number;
  minMs: number;
  maxMs: number;
  runsMs: number[];
  warmups: number;
  /** True when one run took longer than the whole budget, so the warm-up itself was kept as the figure. */
  cold: boolean;
}

export interface MeasureOptions<Input, Result> {
  runs: number;
  warmups: number;
  /** Stops adding runs once this much has been spent; at least one run is always timed. */
  budgetMs: number;
  /** Prepares one run's input outside the timing (a fresh ledger, a primed feed tracker). */
  setup: () => Input | Promise<Input>;
  run: (input: Input) => Result | Promise<Result>;
  /** Throws when a run did not do the work it claims to time: a fast wrong answer is no figure. */
  check?: (result: Result) => void;
  /** Called as each run's timer starts and after it stops, so a caller with a deadline knows where it was. */
  onStart?: () => void;
  onRun?: (ms: number, warmup: boolean) => void;
}

export async function measure<Input, Result>(options: MeasureOptions<Input, Result>): Promise<Timing> {
  const runsMs: number[] = [];
  let spent = 0;
  let warmups = 0;
  let cold = false;
  while (runsMs.length < options.runs) {
    const warmup = warmups < options.warmups;
    const ms = await timeOnce(options);
    spent += ms;
    options.onRun?.(ms, warmup);
    if (warmup && ms > options.budgetMs) {
      // At this size JIT warm-up is noise; a second run would only double the wait.
      runsMs.push(ms);
      cold = true;
      break;
    }
    if (warmup) warmups += 1;
    else runsMs.push(ms);
    if (runsMs.length > 0 && spent > options.budgetMs) break;
  }
  return timingOf(runsMs, warmups, cold);
}

export function timingOf(runsMs: number[], warmups: number, cold: boolean): Timing {
  return { ...spread(runsMs), runsMs: runsMs.map((ms) => round(ms)), warmups, cold };
}

/** One run of a figure, timed, as a plain function: figures of different types can then be run in turn. */
export type Trial = () => Promise<number>;

export function trial<Input, Result>(options: Omit<MeasureOptions<Input, Result>, 'runs' | 'warmups' | 'budgetMs'>): Trial {
  return () => timeOnce(options);
}

/**
 * Several figures measured in turn, one run of each per round, so a machine that gets busier or
 * quieter halfway shifts them all alike and their ratio holds.
 */
export async function measureInTurn(trials: Trial[], rounds: { runs: number; warmups: number }): Promise<Timing[]> {
  const runs = trials.map((): number[] => []);
  for (let round = 0; round < rounds.warmups + rounds.runs; round++) {
    for (const [index, run] of trials.entries()) {
      const ms = await run();
      if (round >= rounds.warmups) runs[index].push(ms);
    }
  }
  return runs.map((runsMs) => timingOf(runsMs, rounds.warmups, false));
}

async function timeOnce<Input, Result>(options: Omit<MeasureOptions<Input, Result>, 'runs' | 'warmups' | 'budgetMs'>): Promise<number> {
  const input = await options.setup();
  collectGarbage();
  options.onStart?.();
  const start = process.hrtime.bigint();
  const result = await options.run(input);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  options.check?.(result);
  return ms;
}

function spread(runsMs: number[]): { medianMs: number; minMs: number; maxMs: number } {
  return { medianMs: round(median(runsMs)), minMs: round(Math.min(...runsMs)), maxMs: round(Math.max(...runsMs)) };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

let gc: (() => void) | undefined;

/** `node dist/bench/run.js` is started without --expose-gc, so the flag is turned on from inside. */
export function collectGarbage(): void {
  if (!gc) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) gc = existing;
    else {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    }
  }
  gc();
}

/** Elapsed milliseconds since `start` (from process.hrtime.bigint()). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
