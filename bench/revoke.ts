/**
 * Cancellation to revoke: in a real Node-RED runtime (node-red-node-test-helper), booking-source in
 * message mode -> access-window -> pin-issuer <-> lock-provider on simulated locks. A booking is sent
 * and its code let land; then the clock starts, a cancellation message goes in, and the simulated lock
 * is polled (inspect()) until it no longer holds the code. The ideal is the lock's own latency: one
 * radio exchange to clear the slot.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { eventually, helper, stayKeyNodes } from '../test/support/red';
import { median, msSince, round } from './measure';

export interface RevokeSettings {
  latenciesMs: number[];
  runs: number;
  warmups: number;
}

export interface RevokeFigure {
  latencyMs: number;
  runsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** median / latency; absent at latency 0 (no ideal to divide by). */
  ratio?: number;
  /** median - latency: what StayKey itself adds. */
  overheadMs: number;
}

export interface RevokeResults {
  figures: RevokeFigure[];
}

const IDS = { source: 'bench-source', window: 'bench-window', issuer: 'bench-issuer', provider: 'bench-provider', locks: 'bench-locks' };
const LOCK = 'front-door';

function flow(latencyMs: number): object[] {
  return [
    { id: IDS.locks, type: 'staykey-locks', name: 'bench locks', provider: 'simulated', locks: [{ id: LOCK, name: 'Room 101 door', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true }], latency: latencyMs, failureRate: 0, drain: 0, maxAttempts: 30, retryDelay: 0.001 },
    { id: IDS.source, type: 'staykey-booking-source', name: 'bookings', unit: 'Room 101', mode: 'message', wires: [[IDS.window], []] },
    { id: IDS.window, type: 'staykey-access-window', name: 'times', checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBefore: 0, bufferAfter: 0, leadHours: 48, locks: LOCK, honourFeedTimes: false, wires: [[IDS.issuer]] },
    { id: IDS.issuer, type: 'staykey-pin-issuer', name: 'codes', locks: IDS.locks, commandTimeoutMinutes: 120, retryFailedAfterMinutes: 60, wires: [[IDS.provider], [], []] },
    { id: IDS.provider, type: 'staykey-lock-provider', name: 'locks', locks: IDS.locks, wires: [[IDS.issuer], []] },
  ];
}

export async function benchRevoke(settings: RevokeSettings): Promise<RevokeResults> {
  const figures: RevokeFigure[] = [];
  for (const latencyMs of settings.latenciesMs) figures.push(await oneLatency(latencyMs, settings));
  return { figures };
}

async function oneLatency(latencyMs: number, settings: RevokeSettings): Promise<RevokeFigure> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-bench-revoke-'));
  helper.settings({ userDir, staykey: { directory: path.join(userDir, 'staykey') } });
  await helper.startServer();
  try {
    await helper.load(stayKeyNodes(), flow(latencyMs));
    const lock = (helper.getNode(IDS.locks) as unknown as LockSetNode).lockSet.provider;
    if (!(lock instanceof SimulatedLocks)) throw new Error('the bench locks are not simulated');
    const runsMs: number[] = [];
    for (let run = 0; run < settings.warmups + settings.runs; run++) {
      const ms = await cancelOnce(lock, latencyMs, `bench-${latencyMs}-${run}@bench.staykey`);
      if (run >= settings.warmups) runsMs.push(ms);
    }
    const medianMs = median(runsMs);
    return {
      latencyMs,
      runsMs: runsMs.map((ms) => round(ms)),
      medianMs: round(medianMs),
      minMs: round(Math.min(...runsMs)),
      maxMs: round(Math.max(...runsMs)),
      ...(latencyMs > 0 ? { ratio: round(medianMs / latencyMs) } : {}),
      overheadMs: round(medianMs - latencyMs),
    };
  } finally {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

/** A stay arriving tomorrow (inside the 48 h lead, so its code goes on now); timed from the cancellation to the slot being empty. */
async function cancelOnce(lock: SimulatedLocks, latencyMs: number, id: string): Promise<number> {
  const arrival = isoDay(Date.now() + 86_400_000);
  const departure = isoDay(Date.now() + 3 * 86_400_000);
  const source = helper.getNode(IDS.source);
  const held = () => lock.inspect(LOCK).codes.length;
  source.receive({ payload: { id, arrival, departure, guestName: 'Ada Lovelace' } });
  await eventually('the booking\'s code is on the lock', () => held() === 1, 30_000);
  // Let the read-back and the ledger's bookkeeping for the set finish, so the cancellation starts from quiet.
  await new Promise((resolve) => setTimeout(resolve, 3 * latencyMs + 100));
  const start = process.hrtime.bigint();
  source.receive({ payload: { id, cancelled: true } });
  await untilEmpty(held);
  return msSince(start);
}

/** Polls on every turn of the event loop (not a 20 ms timer), so the figure is not rounded up to the poll. */
function untilEmpty(held: () => number, limitMs = 30_000): Promise<void> {
  const until = Date.now() + limitMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (held() === 0) return resolve();
      if (Date.now() > until) return reject(new Error('the cancelled booking\'s code is still on the lock'));
      setImmediate(check);
    };
    check();
  });
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
