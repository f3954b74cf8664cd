/**
 * What the fuzz tests (test/fuzz-*.test.ts) share: how many inputs each property gets, what counts
 * as a clear error, and a watch for exceptions nobody caught.
 *
 * Run counts are set for CI on two cores (the whole fuzz suite in about a minute and a half).
 * STAYKEY_FUZZ_SCALE multiplies every count: 0.1 for a quick look, 10 or more for a soak run.
 * STAYKEY_FUZZ_SEED replays a failure fast-check reported (it prints the seed and path).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';

const scale = Number(process.env.STAYKEY_FUZZ_SCALE ?? '1');

/** `count` generated inputs, scaled by STAYKEY_FUZZ_SCALE (never fewer than 1). */
export function runs(count: number): number {
  return Math.max(1, Math.round(count * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

/** A mocha timeout for `ms` of fuzzing at scale 1, grown with STAYKEY_FUZZ_SCALE (node inputs cost more as state grows). */
export function fuzzTimeout(ms: number): number {
  const factor = Number.isFinite(scale) && scale > 1 ? scale * scale : 1;
  return Math.round(ms * factor);
}

/** fast-check parameters: the run count, and the seed to replay when one is given. */
export function fuzzParameters<T>(count: number): fc.Parameters<T> {
  const parameters: fc.Parameters<T> = { numRuns: runs(count) };
  const seed = process.env.STAYKEY_FUZZ_SEED;
  if (seed !== undefined && seed !== '') parameters.seed = Number(seed);
  const path = process.env.STAYKEY_FUZZ_PATH;
  if (path) parameters.path = path;
  return parameters;
}

/**
 * Errors JavaScript itself throws when code reads a property of undefined or builds an invalid
 * date: a host cannot act on "Cannot read properties of undefined", so these count as crashes
 * even when something catches them.
 */
const CRASH_NAMES = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'InternalError']);

/** A clear error: an Error with a message a host can read, thrown on purpose (not a TypeError). */
export function assertClearError(err: unknown, what: string): asserts err is Error {
  assert.ok(err instanceof Error, `${what} threw something that is not an Error: ${String(err)}`);
  assert.ok(typeof err.message === 'string' && err.message.trim() !== '', `${what} threw an Error without a message`);
  assert.ok(!CRASH_NAMES.has(err.name), `${what} crashed with ${err.name}: ${err.message}`);
}

/** Runs `call`; an exception must be a clear error. Returns the result, or undefined when it threw. */
export function resultOrClearError<T>(what: string, call: () => T): T | undefined {
  try {
    return call();
  } catch (err) {
    assertClearError(err, what);
    return undefined;
  }
}

/**
 * Records exceptions and rejections nobody handled while fuzzing a node. Node-RED and mocha each
 * have handlers of their own; these listeners only count, so a test can fail on any.
 */
export class UncaughtWatch {
  readonly seen: unknown[] = [];
  private readonly onError = (err: unknown) => this.seen.push(err);

  start(): void {
    process.on('uncaughtException', this.onError);
    process.on('unhandledRejection', this.onError);
  }

  stop(): void {
    process.removeListener('uncaughtException', this.onError);
    process.removeListener('unhandledRejection', this.onError);
  }

  assertNone(): void {
    assert.deepEqual(this.seen.map((err) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err))), [], 'uncaught exceptions or rejections');
  }
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar day written YYYY-MM-DD (not 2026-02-30, which Date.parse rolls into March). */
export function isCalendarDay(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = DAY.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
