/**
 * How long Node-RED's event loop waits while PINs are issued and hashed. bcrypt runs in libuv's thread
 * pool, so flows should keep running; this measures that they do, sampling the loop every millisecond.
 */
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Ledger } from '../lib/ledger/ledger';
import { generatePin } from '../lib/pins/pin-rules';
import { hashPin } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { BENCH_NOW, benchVault, BOOKINGS_PER_LOCK, bookingFor, expect, lockConfigs, lockName, okResult, windowMessage } from './ledger-fixture';
import { msSince, round } from './measure';

export interface DelayFigure {
  pins: number;
  /** Wall time of the whole run (ms). */
  elapsedMs: number;
  /** Event-loop delay percentiles (ms), sampled every 1 ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
  /** Through the ledger: how long each reconcile took (ms). Issuing runs without a pause, so it sets the max. */
  phasesMs?: { issue: number; tell: number; hash: number };
}

export interface EventLoopResults {
  /** Through the Ledger, as pin-issuer runs: reserve and seal, lock confirms, guest told, delivered, hashed. */
  ledger: DelayFigure;
  /** generatePin + hashPin for every PIN at once: all of libuv's thread pool busy with bcrypt. */
  direct: DelayFigure;
}

export async function benchEventLoop(pins: number): Promise<EventLoopResults> {
  // Windows reach pin-issuer one message at a time; taking 1,000 in one loop would block the event
  // loop in a way no flow does, so they are in the ledger before the monitoring starts.
  const withBookings = ledgerWithBookings(pins);
  const ledger = await whileMonitored(pins, () => issueThroughLedger(withBookings, pins));
  const direct = await whileMonitored(pins, () => hashAllAtOnce(pins));
  return { ledger, direct };
}

async function whileMonitored(pins: number, work: () => Promise<DelayFigure['phasesMs'] | void>): Promise<DelayFigure> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const start = process.hrtime.bigint();
  histogram.enable();
  let phasesMs: DelayFigure['phasesMs'] | void;
  try {
    phasesMs = await work();
  } finally {
    histogram.disable();
  }
  const result = figure(pins, msSince(start), histogram);
  if (phasesMs) result.phasesMs = phasesMs;
  return result;
}

function figure(pins: number, elapsedMs: number, histogram: IntervalHistogram): DelayFigure {
  const ms = (ns: number) => round(ns / 1e6);
  return {
    pins,
    elapsedMs: round(elapsedMs, 0),
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    samples: histogram.count,
  };
}

/** `pins` bookings, ten per lock, all due to be issued now. */
function ledgerWithBookings(pins: number): Ledger {
  const locks = lockConfigs(Math.ceil(pins / BOOKINGS_PER_LOCK));
  const ledger = new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => locks });
  for (let index = 0; index < pins; index++) {
    const lockIndex = Math.floor(index / BOOKINGS_PER_LOCK);
    ledger.acceptWindow(windowMessage(bookingFor(lockName(lockIndex), index % BOOKINGS_PER_LOCK), locks[lockIndex]));
  }
  return ledger;
}

/** Takes the bookings through the ledger until every PIN is a bcrypt hash. */
async function issueThroughLedger(ledger: Ledger, pins: number): Promise<DelayFigure['phasesMs']> {
  let start = process.hrtime.bigint();
  const issued = await ledger.reconcile();
  const issue = msSince(start);
  expect('set commands', issued.commands.length, pins);
  for (const command of issued.commands) ledger.acceptResult(okResult(command));
  start = process.hrtime.bigint();
  const told = await ledger.reconcile();
  const tell = msSince(start);
  expect('guest messages', told.codeMessages.length, pins);
  for (const message of told.codeMessages) {
    ledger.acceptDelivery({ kind: 'delivery', bookingId: message.bookingId, channel: 'bench', delivered: true });
  }
  start = process.hrtime.bigint();
  await ledger.reconcile();
  const hash = msSince(start);
  const codes = Object.values(ledger.snapshot().codes);
  expect('PINs hashed', codes.filter((code) => code.pinHash && !code.sealedPin).length, pins);
  return { issue: round(issue, 1), tell: round(tell, 1), hash: round(hash, 0) };
}

async function hashAllAtOnce(pins: number): Promise<void> {
  const rules = { codeLengths: [6], firstSlot: 1, lastSlot: 20 };
  const issued = new Set<string>();
  for (let i = 0; i < pins; i++) issued.add(generatePin(rules, (pin) => issued.has(pin)));
  const hashes = await Promise.all([...issued].map((pin) => hashPin(pin)));
  expect('PINs hashed', hashes.filter((hash) => hash.startsWith('$2')).length, pins);
}
