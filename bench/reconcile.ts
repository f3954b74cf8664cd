/**
 * A full reconcile of a big ledger, beside JSON.parse of the same ledger text: the steady state
 * (every code on its lock, nothing to do) and the same ledger after 10% of its bookings changed dates.
 * Each ledger size runs in a child process of its own, with a deadline, so a ledger that does not scale
 * gives a lower bound instead of a benchmark that never ends.
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import { Ledger } from '../lib/ledger/ledger';
import type { Plan } from '../lib/ledger/ledger';
import type { LockConfig } from '../lib/locks/provider';
import {
  BENCH_NOW,
  benchVault,
  BOOKINGS_PER_LOCK,
  bookingFor,
  expect,
  ledgerText,
  lockConfigs,
  LockTemplate,
  lockName,
  journalStore,
  memoryStore,
  steadyLockTemplate,
  windowMessage,
} from './ledger-fixture';
import { ManualClock } from '../lib/time/clock';
import { measure, median, msSince, round, Timing, timingOf } from './measure';

export type Scenario = 'steady' | 'changed';
export const SCENARIOS: Scenario[] = ['steady', 'changed'];

export interface ReconcileSettings {
  /** Ledger sizes in locks; the first and last give the scaling figure. */
  sizes: number[];
  /** Sizes measured in between, to show how the time grows (not part of any target). */
  probeSizes: number[];
  runs: number;
  warmups: number;
  budgetMs: number;
  /** Deadline for one ledger size and scenario, JSON.parse baseline included. */
  limitMs: number;
}

export interface ReconcileSizeResult {
  scenario: Scenario;
  locks: number;
  bookings: number;
  ledgerBytes: number;
  /** JSON.parse of the ledger text: the floor any reconcile of this ledger is compared with. */
  jsonParse?: Timing;
  /** Ledger.reconcile(), the save included (the memory store still turns the ledger into text). */
  reconcile?: Timing;
  /** Median time of the store's JSON.stringify inside one reconcile (0 when nothing changed, so nothing was saved). */
  saveMs?: number;
  /** Median of each timed run less its save: the ledger's own work. */
  withoutSaveMs?: number;
  /** Commands the reconcile planned (0 in the steady state, one update per changed booking). */
  commands?: number;
  /** reconcile / JSON.parse. */
  ratio?: number;
  /**
   * Steady state only: what the pin-issuer does after every reconcile (lock summaries for dashboards,
   * the ledger's counts, when to wake next), on the same ledger.
   */
  followUp?: Timing;
  probe: boolean;
  /**
   * Set when the deadline ended the run. With runs finished before it, `reconcile` holds them (warm-up
   * included); without, the one under way had taken `atLeastMs` when it was stopped.
   */
  timedOut?: { limitMs: number; atLeastMs?: number };
  /** Not run, because the steady state of the same size ran out of time (`timedOut` is copied from it). */
  skipped?: boolean;
  error?: string;
}

export interface ScalingFigure {
  scenario: Scenario;
  fromLocks: number;
  toLocks: number;
  /** time(toLocks) / time(fromLocks); a lower bound when `atLeast`. */
  ratio: number;
  /** The same ratio for JSON.parse of the two ledgers: how much of the growth is the heap, not the ledger. */
  baselineRatio?: number;
  /** The same ratio for reconcile less its save. */
  withoutSaveRatio?: number;
  atLeast: boolean;
  /** The exponent k in time ~ locks^k between the two largest sizes that finished (1 is linear). */
  exponent?: number;
  /** When `toLocks` did not finish: its time (ms) extrapolated from the largest size that did, by `exponent`. */
  estimatedMs?: number;
}

export interface ReconcileResults {
  sizes: ReconcileSizeResult[];
  scaling: ScalingFigure[];
}

export async function benchReconcile(settings: ReconcileSettings, log: (line: string) => void): Promise<ReconcileResults> {
  const template = await steadyLockTemplate();
  const sizes: ReconcileSizeResult[] = [];
  const all = [...new Set([...settings.sizes, ...settings.probeSizes])].sort((a, b) => a - b);
  for (const scenario of SCENARIOS) {
    for (const locks of all) {
      const probe = !settings.sizes.includes(locks);
      log(`  reconcile ${scenario}, ${locks} locks${probe ? ' (probe)' : ''} ...`);
      const steady = sizes.find((s) => s.scenario === 'steady' && s.locks === locks);
      const result = steady?.timedOut && !steady.reconcile
        ? skipped(scenario, locks, probe, steady)
        : await inChild({ template, locks, scenario, settings }, probe);
      log(`    ${describe(result)}`);
      sizes.push(result);
    }
  }
  return { sizes, scaling: SCENARIOS.map((scenario) => scalingOf(scenario, sizes, settings.sizes)) };
}

/** A changed ledger is more work than a steady one: when not one steady reconcile finished in time, none would. */
function skipped(scenario: Scenario, locks: number, probe: boolean, steady: ReconcileSizeResult): ReconcileSizeResult {
  return { ...steady, scenario, probe, reconcile: undefined, ratio: undefined, commands: undefined, saveMs: undefined, withoutSaveMs: undefined, skipped: true };
}

function describe(result: ReconcileSizeResult): string {
  if (result.skipped) return 'not run: the steady state of this size already ran out of time';
  if (result.error) return `error: ${result.error}`;
  const parse = result.jsonParse ? `JSON.parse ${result.jsonParse.medianMs} ms` : 'JSON.parse not measured';
  if (result.timedOut && result.reconcile) {
    return `${parse}; reconcile ${result.reconcile.medianMs} ms over ${result.reconcile.runsMs.length} run(s) before the deadline stopped it`;
  }
  if (result.timedOut) return `${parse}; reconcile still running after ${round((result.timedOut.atLeastMs ?? 0) / 1000, 1)} s, stopped`;
  return `${parse}; reconcile ${result.reconcile?.medianMs} ms (${result.ratio}x), of which save ${result.saveMs} ms`;
}

function scalingOf(scenario: Scenario, sizes: ReconcileSizeResult[], targetSizes: number[]): ScalingFigure {
  const fromLocks = Math.min(...targetSizes);
  const toLocks = Math.max(...targetSizes);
  const of = (locks: number) => sizes.find((s) => s.scenario === scenario && s.locks === locks);
  const from = of(fromLocks);
  const to = of(toLocks);
  const fromMs = from?.reconcile?.medianMs ?? NaN;
  const toMs = to?.reconcile?.medianMs ?? to?.timedOut?.atLeastMs ?? NaN;
  const finished = sizes
    .filter((s) => s.scenario === scenario && s.reconcile)
    .sort((a, b) => a.locks - b.locks)
    .slice(-2);
  const exponent =
    finished.length === 2
      ? round(Math.log(finished[1].reconcile!.medianMs / finished[0].reconcile!.medianMs) / Math.log(finished[1].locks / finished[0].locks), 2)
      : undefined;
  const figure: ScalingFigure = { scenario, fromLocks, toLocks, ratio: round(toMs / fromMs), atLeast: !to?.reconcile, exponent };
  if (from?.jsonParse && to?.jsonParse) figure.baselineRatio = round(to.jsonParse.medianMs / from.jsonParse.medianMs);
  if (from?.withoutSaveMs && to?.withoutSaveMs) figure.withoutSaveRatio = round(to.withoutSaveMs / from.withoutSaveMs);
  if (figure.atLeast && exponent !== undefined) {
    const last = finished[finished.length - 1];
    figure.estimatedMs = round(last.reconcile!.medianMs * (toLocks / last.locks) ** exponent, 0);
  }
  return figure;
}

interface ChildRequest {
  template: LockTemplate;
  locks: number;
  scenario: Scenario;
  settings: ReconcileSettings;
}

type ChildReport =
  | { type: 'sized'; bookings: number; ledgerBytes: number }
  | { type: 'baseline'; timing: Timing }
  | { type: 'start' }
  | { type: 'run'; ms: number; warmup: boolean }
  | { type: 'done'; reconcile: Timing; saveMs: number; withoutSaveMs: number; commands: number; followUp?: Timing }
  | { type: 'error'; message: string };

function inChild(request: ChildRequest, probe: boolean): Promise<ReconcileSizeResult> {
  const { locks, scenario } = request;
  const result: ReconcileSizeResult = { scenario, locks, bookings: locks * BOOKINGS_PER_LOCK, ledgerBytes: 0, probe };
  const child = fork(path.join(__dirname, 'reconcile-child.js'), [], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let runStarted: bigint | undefined;
  const finishedRuns: number[] = [];
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(deadline);
      child.removeAllListeners();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      resolve(result);
    };
    const deadline = setTimeout(() => {
      result.timedOut = { limitMs: request.settings.limitMs };
      if (finishedRuns.length > 0) keepFinishedRuns(result, finishedRuns);
      else if (runStarted !== undefined) result.timedOut.atLeastMs = round(msSince(runStarted), 0);
      finish();
    }, request.settings.limitMs);
    child.on('message', (report: ChildReport) => {
      if (report.type === 'sized') {
        result.bookings = report.bookings;
        result.ledgerBytes = report.ledgerBytes;
      } else if (report.type === 'baseline') {
        result.jsonParse = report.timing;
      } else if (report.type === 'start') {
        runStarted = process.hrtime.bigint();
      } else if (report.type === 'run') {
        finishedRuns.push(report.ms);
        runStarted = undefined;
      } else if (report.type === 'done') {
        result.reconcile = report.reconcile;
        result.saveMs = report.saveMs;
        result.withoutSaveMs = report.withoutSaveMs;
        result.commands = report.commands;
        if (report.followUp) result.followUp = report.followUp;
        result.ratio = round(report.reconcile.medianMs / result.jsonParse!.medianMs);
        finish();
      } else if (report.type === 'error') {
        result.error = report.message;
        finish();
      }
    });
    child.on('exit', (code, signal) => {
      if (!result.reconcile && !result.error) result.error = `benchmark process ended early (${signal ?? `exit ${code}`})`;
      finish();
    });
    child.send(request);
  });
}

/** Runs that finished before the deadline still say how long a reconcile takes; too few for a warm median. */
function keepFinishedRuns(result: ReconcileSizeResult, runsMs: number[]): void {
  result.reconcile = timingOf(runsMs, 0, true);
  if (result.jsonParse) result.ratio = round(result.reconcile.medianMs / result.jsonParse.medianMs);
}

/** The child's side: build the ledger text, time JSON.parse, then time reconcile. */
export function serveChild(): void {
  process.once('message', (request: ChildRequest) => {
    runInChild(request).then(
      () => process.disconnect(),
      (err: unknown) => {
        report({ type: 'error', message: err instanceof Error ? err.message : String(err) });
        process.disconnect();
      },
    );
  });
}

function report(message: ChildReport): void {
  process.send?.(message);
}

async function runInChild({ template, locks, scenario, settings }: ChildRequest): Promise<void> {
  const text = ledgerText(template, locks);
  const bookings = locks * BOOKINGS_PER_LOCK;
  report({ type: 'sized', bookings, ledgerBytes: Buffer.byteLength(text) });
  const timing = { runs: settings.runs, warmups: settings.warmups, budgetMs: settings.budgetMs };
  const jsonParse = await measure({
    ...timing,
    setup: () => text,
    run: (ledgerJson) => JSON.parse(ledgerJson) as { bookings: object },
    check: (data) => expect('bookings parsed', Object.keys(data.bookings).length, bookings),
  });
  report({ type: 'baseline', timing: jsonParse });

  const lockList = lockConfigs(locks);
  const saves: number[] = [];
  const runs: { ms: number; saveMs: number; warmup: boolean }[] = [];
  let commands = 0;
  const reconcile = await measure({
    ...timing,
    setup: () => {
      const store = journalStore(text);
      const ledger = new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => lockList, store });
      if (scenario === 'changed') changeDates(ledger, lockList);
      return { ledger, store };
    },
    run: async ({ ledger, store }) => ({ plan: await ledger.reconcile(), store }),
    check: ({ plan, store }) => {
      checkPlan(plan, scenario, locks);
      saves.push(store.saveMs);
      store.remove();
      commands = plan.commands.length;
    },
    onStart: () => report({ type: 'start' }),
    onRun: (ms, warmup) => {
      // onRun follows the run's check, so the last save recorded is this run's.
      runs.push({ ms, saveMs: saves[saves.length - 1], warmup });
      report({ type: 'run', ms, warmup });
    },
  });
  const timed = reconcile.cold ? runs : runs.filter((run) => !run.warmup);
  const withoutSaveMs = round(median(timed.map((run) => run.ms - run.saveMs)));
  const followUp = scenario === 'steady' ? await timeFollowUp(text, lockList, timing) : undefined;
  report({ type: 'done', reconcile, saveMs: round(median(timed.map((run) => run.saveMs))), withoutSaveMs, commands, followUp });
}

/**
 * After every reconcile the pin-issuer tells dashboards each lock's summary, reports the ledger's counts
 * and works out when to wake next. One ledger serves every run: none of the three changes it.
 */
async function timeFollowUp(text: string, lockList: LockConfig[], timing: { runs: number; warmups: number; budgetMs: number }): Promise<Timing> {
  // Nothing here saves, so the ledger is loaded from memory rather than written to disk first.
  const ledger = new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => lockList, store: memoryStore(text) });
  return measure({
    ...timing,
    setup: () => ledger,
    run: (steady) => ({ summaries: steady.lockSummaries(), counts: steady.summary(), next: steady.nextDueAt() }),
    check: ({ summaries, counts, next }) => {
      expect('lock summaries', summaries.length, lockList.length);
      expect('bookings counted', counts.bookings, lockList.length * BOOKINGS_PER_LOCK);
      if (!next) throw new Error('a steady ledger with stays ahead has a time to wake');
    },
  });
}

/** One booking on every lock (10% of all bookings) leaves a night later than before. */
function changeDates(ledger: Ledger, locks: LockConfig[]): void {
  locks.forEach((lock, index) => {
    const booking = bookingFor(lockName(index), index % BOOKINGS_PER_LOCK, 1);
    ledger.acceptWindow(windowMessage(booking, lock, 'changed'));
  });
}

function checkPlan(plan: Plan, scenario: Scenario, locks: number): void {
  if (scenario === 'steady') {
    expect('commands in the steady state', plan.commands.length, 0);
    expect('guest messages in the steady state', plan.codeMessages.length, 0);
  } else {
    expect('updates after 10% of bookings changed dates', plan.commands.filter((c) => c.action === 'update').length, locks);
    expect('commands after 10% of bookings changed dates', plan.commands.length, locks);
  }
  expect('alerts', plan.alerts.length, 0);
}
