/**
 * Reconcile on the PostgreSQL ledger beside the file store (issue 18): the same steady ledger of N locks x
 * 10 bookings as the reconcile benchmark, opened from each store, then one reconcile with 10% of the
 * bookings moved (one update per lock, the save included: a journal line fsynced, or one transaction).
 * The database is one of its own on the server STAYKEY_BENCH_PG names (default the local one), dropped after.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { Ledger } from '../lib/ledger/ledger';
import { fileLedgerStore } from '../lib/ledger/ledger-file';
import type { LedgerChange, LedgerRecordKind, LedgerStore } from '../lib/ledger/ledger-options';
import type { LedgerData } from '../lib/ledger/ledger-types';
import { PostgresDatabase } from '../lib/ledger/postgres/database';
import { PostgresLedgerStore } from '../lib/ledger/postgres/store';
import type { LockConfig } from '../lib/locks/provider';
import { ManualClock } from '../lib/time/clock';
import { BENCH_NOW, benchVault, bookingFor, BOOKINGS_PER_LOCK, expect, ledgerText, lockConfigs, lockName, steadyLockTemplate, windowMessage } from './ledger-fixture';
import { measure, Timing } from './measure';

export interface PostgresBenchSettings {
  sizes: number[];
  runs: number;
  warmups: number;
  budgetMs: number;
}

export interface StoreFigures {
  /** Opening the ledger: the file store reads and parses its snapshot; PostgreSQL reads every row. */
  open: Timing;
  /** One reconcile with 10% of bookings changed, its save included. */
  changed: Timing;
}

export interface PostgresSizeResult {
  locks: number;
  records: number;
  file: StoreFigures;
  postgres: StoreFigures;
  /** postgres / file, for the reconcile with 10% changed. */
  changedRatio: number;
}

export const BENCH_SERVER = process.env.STAYKEY_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function benchReconcilePostgres(settings: PostgresBenchSettings, log: (line: string) => void): Promise<PostgresSizeResult[]> {
  const template = await steadyLockTemplate();
  const name = `staykey_bench_${randomBytes(5).toString('hex')}`;
  await onServer((client) => client.query(`CREATE DATABASE ${name}`));
  const address = new URL(BENCH_SERVER);
  address.pathname = `/${name}`;
  const db = PostgresDatabase.open({ connectionString: address.toString(), applicationName: 'staykey-bench' });
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-bench-pg-'));
  try {
    await db.migrate();
    const results: PostgresSizeResult[] = [];
    for (const locks of settings.sizes) {
      log(`  reconcile on PostgreSQL and on the file store, ${locks} locks ...`);
      results.push(await benchSize(db, directory, ledgerText(template, locks), locks, settings));
    }
    return results;
  } finally {
    await db.close();
    fs.rmSync(directory, { recursive: true, force: true });
    await onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

async function benchSize(db: PostgresDatabase, directory: string, text: string, locks: number, settings: PostgresBenchSettings): Promise<PostgresSizeResult> {
  const data = JSON.parse(text) as LedgerData;
  const lockList = lockConfigs(locks);
  const timing = { runs: settings.runs, warmups: settings.warmups, budgetMs: settings.budgetMs };
  const bookings = locks * BOOKINGS_PER_LOCK;
  let run = 0;

  // Each run gets a ledger of its own (a property, a file), written outside the timing.
  const freshFile = () => {
    const file = path.join(directory, `ledger-${locks}-${++run}.json`);
    fs.writeFileSync(file, text);
    return fileLedgerStore(file);
  };
  const freshProperty = async () => {
    const property = `bench-${locks}-${++run}`;
    await seed(db, property, data);
    const store = new PostgresLedgerStore(db, property, { epoch: 1 });
    await store.open();
    return store;
  };
  const opened = (store: LedgerStore) => new Ledger({ clock: new ManualClock(BENCH_NOW), vault: benchVault, locks: () => lockList, store });
  const checkOpen = (ledger: Ledger) => expect('bookings opened', Object.keys(ledger.snapshot().bookings).length, bookings);
  const checkChanged = (commands: number) => expect('updates after 10% of bookings changed dates', commands, locks);

  const file: StoreFigures = {
    open: await measure({ ...timing, setup: freshFile, run: opened, check: checkOpen }),
    changed: await measure({ ...timing, setup: () => changed(opened(freshFile()), lockList), run: reconciled, check: checkChanged }),
  };
  const postgres: StoreFigures = {
    open: await measure({
      ...timing,
      setup: async () => {
        const property = `bench-${locks}-${++run}`;
        await seed(db, property, data);
        return new PostgresLedgerStore(db, property, { epoch: 1 });
      },
      run: async (store) => {
        await store.open();
        return opened(store);
      },
      check: checkOpen,
    }),
    changed: await measure({ ...timing, setup: async () => changed(opened(await freshProperty()), lockList), run: reconciled, check: checkChanged }),
  };
  await db.query("DELETE FROM staykey_record WHERE property LIKE 'bench-%'");
  return { locks, records: bookings * 2, file, postgres, changedRatio: Math.round((postgres.changed.medianMs / file.changed.medianMs) * 100) / 100 };
}

function changed(ledger: Ledger, locks: LockConfig[]): Ledger {
  locks.forEach((lock, index) => ledger.acceptWindow(windowMessage(bookingFor(lockName(index), index % BOOKINGS_PER_LOCK, 1), lock, 'changed')));
  return ledger;
}

async function reconciled(ledger: Ledger): Promise<number> {
  const plan = await ledger.reconcile();
  return plan.commands.filter((command) => command.action === 'update').length;
}

/** A property holding `data`, written as a holder at epoch 1 would have written it. */
async function seed(db: PostgresDatabase, property: string, data: LedgerData): Promise<void> {
  await db.query("INSERT INTO staykey_property (property, holder, epoch, lease_until) VALUES ($1, 'bench', 1, now() + interval '1 hour')", [property]);
  const changes: LedgerChange[] = [];
  const add = (kind: LedgerRecordKind, records: Record<string, unknown> | undefined) => {
    for (const [id, value] of Object.entries(records ?? {})) changes.push({ kind, id, value });
  };
  add('booking', data.bookings);
  add('code', data.codes);
  await new PostgresLedgerStore(db, property, { epoch: 1 }).apply({ changes, commandSeq: data.commandSeq });
}

async function onServer<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: BENCH_SERVER });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
