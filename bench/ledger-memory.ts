/**
 * Ledger memory: the heap a loaded Ledger holds per booking, beside the heap JSON.parse of the same
 * ledger text holds per booking. Measured in a child process of its own (fresh heap, --expose-gc).
 */
import { fork } from 'node:child_process';
import * as path from 'node:path';
import type { LedgerMemoryResult } from './ledger-memory-child';
import { round } from './measure';

export interface LedgerMemorySettings {
  bookings: number;
}

export interface LedgerMemoryResults extends LedgerMemoryResult {
  ledgerBytesPerBooking: number;
  jsonBytesPerBooking: number;
  ratio: number;
}

export async function benchLedgerMemory(settings: LedgerMemorySettings): Promise<LedgerMemoryResults> {
  const locks = Math.ceil(settings.bookings / 10);
  const result = await inChild(locks);
  return {
    ...result,
    ledgerBytesPerBooking: round(result.ledgerHeap / result.bookings, 1),
    jsonBytesPerBooking: round(result.jsonHeap / result.bookings, 1),
    ratio: round(result.ledgerHeap / result.jsonHeap),
  };
}

function inChild(locks: number): Promise<LedgerMemoryResult> {
  const child = fork(path.join(__dirname, 'ledger-memory-child.js'), [String(locks)], {
    execArgv: ['--expose-gc', '--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: LedgerMemoryResult | undefined;
    child.on('message', (message) => (result = message as LedgerMemoryResult));
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`the ledger-memory child exited with ${code} and no result`))));
  });
}
