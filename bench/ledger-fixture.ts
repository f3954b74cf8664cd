/**
 * Ledgers for the benchmarks. Hashing 100,000 PINs with bcrypt would take hours, so one lock's worth
 * of steady state (ten bookings, each code confirmed on the lock, delivered and hashed) is made by the
 * real Ledger, and that lock is copied under new names as often as needed. The copies are the ledger's
 * own data, so the benchmark follows the ledger's format as it changes.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Booking } from '../lib/bookings/booking';
import { Ledger, LedgerStore } from '../lib/ledger/ledger';
import type { LedgerData } from '../lib/ledger/ledger-types';
import { fileLedgerStore } from '../lib/ledger/ledger-file';
import type { LedgerBatch } from '../lib/ledger/ledger-options';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor, WindowOptions } from '../lib/windows/window';

/** When every benchmark ledger is looked at. */
export const BENCH_NOW = '2026-07-01T08:00:00Z';
export const BOOKINGS_PER_LOCK = 10;
const FIRST_ARRIVAL = Date.UTC(2026, 6, 2);
const DAY_MS = 86_400_000;
/** Stands for the lock's name in the template; no id, date or bcrypt hash contains '#'. */
const TOKEN = '#LOCK#';

export const benchVault = Vault.withKey(crypto.randomBytes(32));

export function lockName(index: number): string {
  return `L${String(index).padStart(6, '0')}`;
}

export function lockConfig(name: string): LockConfig {
  return { id: `lock-${name}`, name: `Door ${name}`, schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 } };
}

export function lockConfigs(count: number): LockConfig[] {
  return Array.from({ length: count }, (_, index) => lockConfig(lockName(index)));
}

/**
 * Ten two-night stays a night apart, the first arriving tomorrow. A lead time of 40 days issues all of
 * them now, so each lock holds ten codes: the most a reconcile has to look at per lock.
 */
export function bookingFor(name: string, slot: number, extraNights = 0): Booking {
  const arrival = FIRST_ARRIVAL + slot * 3 * DAY_MS;
  return {
    id: `${name}-b${slot}@bench.staykey`,
    unit: `Room ${name}`,
    source: 'bench',
    arrival: isoDay(arrival),
    departure: isoDay(arrival + (2 + extraNights) * DAY_MS),
    guestName: GUESTS[slot % GUESTS.length],
  };
}

const GUESTS = ['Ada Lovelace', 'Jonas Weber', 'Maria Silva', 'Kenji Sato', 'Amara Okafor'];

function windowOptions(lock: LockConfig): WindowOptions {
  return {
    checkIn: '16:00',
    checkOut: '11:00',
    timeZone: 'Europe/Lisbon',
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    leadHours: 40 * 24,
    locks: [lock.id],
  };
}

export function windowMessage(booking: Booking, lock: LockConfig, change: WindowMessage['change'] = 'created'): WindowMessage {
  return { kind: 'window', change, booking, window: windowFor(booking, windowOptions(lock)) };
}

export function okResult(command: LockCommand): LockResultMessage {
  return {
    kind: 'lock-result',
    commandId: command.id,
    codeId: command.codeId,
    lockId: command.lockId,
    action: command.action,
    ok: true,
    confirmed: true,
    attempts: 1,
  };
}

/** One lock's bookings and codes as JSON object members, with TOKEN where the lock's name goes. */
export interface LockTemplate {
  bookings: string;
  codes: string;
  commandSeq: number;
}

/** Runs one lock through the real ledger: issue, lock confirms, guest told, delivered, PINs hashed. */
export async function steadyLockTemplate(): Promise<LockTemplate> {
  const lock = lockConfig(TOKEN);
  const ledger = new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => [lock] });
  for (let slot = 0; slot < BOOKINGS_PER_LOCK; slot++) ledger.acceptWindow(windowMessage(bookingFor(TOKEN, slot), lock));
  const issued = await ledger.reconcile();
  expect('set commands', issued.commands.filter((c) => c.action === 'set').length, BOOKINGS_PER_LOCK);
  for (const command of issued.commands) ledger.acceptResult(okResult(command));
  const told = await ledger.reconcile();
  expect('guest messages', told.codeMessages.length, BOOKINGS_PER_LOCK);
  for (const message of told.codeMessages) {
    ledger.acceptDelivery({ kind: 'delivery', bookingId: message.bookingId, channel: 'bench', delivered: true });
  }
  await ledger.reconcile();
  const quiet = await ledger.reconcile();
  expect('commands once settled', quiet.commands.length + quiet.codeMessages.length + quiet.alerts.length, 0);
  const data = ledger.snapshot();
  const codes = Object.values(data.codes);
  expect('codes confirmed and hashed', codes.filter((c) => c.state === 'confirmed' && c.onLock && c.pinHash && !c.sealedPin).length, BOOKINGS_PER_LOCK);
  return { bookings: members(data.bookings), codes: members(data.codes), commandSeq: data.commandSeq };
}

function members(record: object): string {
  return JSON.stringify(record).slice(1, -1);
}

/** The JSON text of a ledger holding `locks` copies of the template lock, as a store would read it. */
export function ledgerText(template: LockTemplate, locks: number): string {
  const bookings: string[] = [];
  const codes: string[] = [];
  for (let index = 0; index < locks; index++) {
    const name = lockName(index);
    bookings.push(template.bookings.replaceAll(TOKEN, name));
    codes.push(template.codes.replaceAll(TOKEN, name));
  }
  return `{"version":1,"bookings":{${bookings.join(',')}},"codes":{${codes.join(',')}},"commandSeq":${template.commandSeq}}`;
}

/** Keeps the ledger in memory, as loaded from its text; changes go nowhere (the memory benchmark measures the heap). */
export function memoryStore(text: string): LedgerStore {
  return { load: () => JSON.parse(text) as LedgerData, apply: () => undefined };
}

/**
 * The pin-issuer's own store on a temp directory: the ledger text as its snapshot (as a ledger from before
 * the journal is), and each save the journal append, fsync included, that the node would do.
 */
export function journalStore(text: string): LedgerStore & { saves: number; saveMs: number; remove(): void } {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-bench-ledger-'));
  const file = path.join(directory, 'ledger.json');
  fs.writeFileSync(file, text);
  const files = fileLedgerStore(file);
  const store = {
    saves: 0,
    saveMs: 0,
    load: () => files.load(),
    apply: (batch: LedgerBatch) => {
      const start = process.hrtime.bigint();
      void files.apply(batch);
      store.saveMs += Number(process.hrtime.bigint() - start) / 1e6;
      store.saves += 1;
    },
    compactionDue: () => files.compactionDue!(),
    compact: (data: LedgerData) => files.compact!(data),
    remove: () => fs.rmSync(directory, { recursive: true, force: true }),
  };
  return store;
}

export function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: expected ${want}, got ${got}`);
}

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
