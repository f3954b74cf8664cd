/**
 * One ledger-memory measurement in a fresh process (started with --expose-gc): the heap a Ledger holds
 * for N bookings, beside the heap of JSON.parse of the same ledger text. argv[2] is the number of locks
 * (ten bookings each); the result goes back to the parent with process.send.
 */
import { Ledger } from '../lib/ledger/ledger';
import type { LedgerData } from '../lib/ledger/ledger-types';
import { ManualClock } from '../lib/time/clock';
import { BENCH_NOW, benchVault, BOOKINGS_PER_LOCK, expect, ledgerText, lockConfigs, memoryStore, steadyLockTemplate } from './ledger-fixture';

export interface LedgerMemoryResult {
  bookings: number;
  ledgerBytes: number;
  /** Heap held by the loaded Ledger (its data and its indexes), bytes. */
  ledgerHeap: number;
  /** Heap held by JSON.parse of the same text, bytes. */
  jsonHeap: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap in use once everything unreachable is gone; several passes, as weak maps and finalizers free in steps. */
function settledHeap(): number {
  if (!gc) throw new Error('start this process with --expose-gc');
  for (let pass = 0; pass < 4; pass++) gc();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const locks = Number(process.argv[2]);
  const template = await steadyLockTemplate();
  const text = ledgerText(template, locks);
  const lockList = lockConfigs(locks);

  let before = settledHeap();
  let parsed: LedgerData | undefined = JSON.parse(text) as LedgerData;
  const jsonHeap = settledHeap() - before;
  expect('bookings parsed', Object.keys(parsed.bookings).length, locks * BOOKINGS_PER_LOCK);
  parsed = undefined;

  before = settledHeap();
  let ledger: Ledger | undefined = new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => lockList, store: memoryStore(text) });
  const ledgerHeap = settledHeap() - before;
  expect('bookings in the ledger', Object.keys(ledger.snapshot().bookings).length, locks * BOOKINGS_PER_LOCK);
  ledger = undefined;

  const result: LedgerMemoryResult = { bookings: locks * BOOKINGS_PER_LOCK, ledgerBytes: Buffer.byteLength(text), ledgerHeap, jsonHeap };
  process.send?.(result);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
