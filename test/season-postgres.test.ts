/**
 * The season of test/season.test.ts on the PostgreSQL ledger, split across two Node-RED instances
 * (issue 18): instance A starts the season; at every restart of the season the instance that was
 * writing dies without a word (its lease left to run out, as a power cut leaves it) and the other takes
 * the property over from the database and goes on. The guests must not notice.
 */
import { strict as assert } from 'node:assert';
import type { LedgerStore } from '../lib/ledger/ledger-options';
import { PostgresDatabase } from '../lib/ledger/postgres/database';
import { PropertyLease } from '../lib/ledger/postgres/lease';
import { PostgresLedgerStore } from '../lib/ledger/postgres/store';
import { runSeason, SeasonInstances, SeasonReport } from '../lib/simulation/season';
import { createTestDatabase, TestDatabase } from './support/postgres';

const options = { units: 6, bookings: 36, days: 30, start: '2026-07-01', seed: 7 };
const PROPERTY = 'season-house';
const LEASE_SECONDS = 2;

/** Two instances, each with its own connection pool and lease, taking turns as the writer. */
class TwoInstances implements SeasonInstances {
  readonly databases: PostgresDatabase[];
  private lease: PropertyLease | undefined;

  constructor(connectionString: string) {
    this.databases = ['A', 'B'].map((name) => PostgresDatabase.open({ connectionString, applicationName: `staykey-season-${name}` }));
  }

  async takeOver(generation: number): Promise<LedgerStore> {
    // The writer until now dies: no release, its lease runs out in the database.
    await this.lease?.abandon();
    const db = this.databases[(generation - 1) % 2]!;
    const lease = new PropertyLease(db, { property: PROPERTY, instance: generation % 2 === 1 ? 'A' : 'B', leaseSeconds: LEASE_SECONDS, renewSeconds: 1 });
    this.lease = lease;
    const active = new Promise<void>((resolve) => lease.once('active', () => resolve()));
    lease.start();
    await active;
    const store = new PostgresLedgerStore(db, PROPERTY, lease);
    await store.open();
    return store;
  }

  async close(): Promise<void> {
    await this.lease?.stop();
    for (const db of this.databases) await db.close();
  }
}

describe('a simulated season on one PostgreSQL ledger, split across two instances', function () {
  this.timeout(180_000);
  let database: TestDatabase;
  let instances: TwoInstances;
  let report: SeasonReport;
  let history: Array<{ epoch: number; holder: string; previous: string | null; gap: number | null }>;

  before(async () => {
    database = await createTestDatabase();
    instances = new TwoInstances(database.connectionString);
    await instances.databases[0]!.migrate();
    report = await runSeason(options, { instances });
    const rows = await instances.databases[0]!.query<{ epoch: string; holder: string; previous_holder: string | null; gap: number | null }>(
      `SELECT epoch, holder, previous_holder, extract(epoch FROM acquired_at - previous_renewed_at)::float AS gap
         FROM staykey_lease_history WHERE property = $1 ORDER BY epoch`,
      [PROPERTY],
    );
    history = rows.rows.map((row) => ({ epoch: Number(row.epoch), holder: row.holder, previous: row.previous_holder, gap: row.gap }));
  });

  after(async () => {
    await instances?.close();
    await database?.drop();
  });

  it('hands the property from one instance to the other at every restart, each time under a new epoch', () => {
    assert.ok(report.restarts >= 2, `${report.restarts} restarts`);
    assert.equal(history.length, report.restarts + 1);
    history.forEach((row, n) => {
      assert.equal(row.epoch, n + 1);
      assert.equal(row.holder, n % 2 === 0 ? 'A' : 'B');
      if (n > 0) {
        assert.equal(row.previous, history[n - 1]!.holder);
        // Taken once the dead writer's lease ran out, well within the minute a host is promised.
        assert.ok(row.gap! >= LEASE_SECONDS - 0.5 && row.gap! < 60, `epoch ${row.epoch} taken ${row.gap} s after the last renewal`);
      }
    });
  });

  it('gives every guest a working code at check-in, or tells the host in time, as on one instance', () => {
    assert.ok(report.arrivals >= 30, `${report.arrivals} arrivals`);
    assert.equal(report.uncoveredWithoutTimelyAlert, 0, JSON.stringify(report.uncovered, null, 1));
  });

  it('loses no operation across the takeovers and leaves no code after checkout', () => {
    assert.equal(report.lostOperations, 0);
    assert.equal(report.codesAliveAfterCheckout, 0);
    assert.ok(report.lockCommandsPerBooking <= 4, `${report.lockCommandsPerBooking} commands per booking`);
  });

  it('cancels every real cancellation and nothing a bad feed hid', () => {
    assert.equal(report.cancellationsFromBadFeeds, 0);
    assert.equal(report.cancellationsSeen, report.plannedCancellations);
  });

  it('leaves the ledger in the database as the last writer had it: every record written under an epoch of the history', async () => {
    const epochs = await instances.databases[0]!.query<{ epoch: string }>('SELECT DISTINCT epoch FROM staykey_record WHERE property = $1', [PROPERTY]);
    const known = new Set(history.map((row) => row.epoch));
    for (const row of epochs.rows) assert.ok(known.has(Number(row.epoch)), `a record written under epoch ${row.epoch}`);
  });
});
