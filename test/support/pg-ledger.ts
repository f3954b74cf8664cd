/**
 * The database side of the shared-ledger tests: a throwaway database `staykey_test_<random>` on a
 * PostgreSQL server (the machine's, as test/support/postgres.ts names it, or a private one a test
 * restarts; dropped afterwards, connections and all), and plain SQL reads of what the
 * instances left in it: the lease row, the lease history, and the ledger's records with the epoch that
 * wrote each one. The reads go around the store on purpose, so a test checks the store against the
 * tables rather than against itself.
 */
import { Client } from 'pg';
import type { BookingEntry, CodeEntry } from '../../lib/ledger/ledger-types';
import { createTestDatabase, TEST_SERVER, TestDatabase } from './postgres';

/** PostgreSQL's SQLSTATE for a table that does not exist (yet). */
const UNDEFINED_TABLE = '42P01';

/** One acquisition of a property, as the lease wrote it with the database's clock. */
export interface LeaseTurn {
  epoch: number;
  holder: string;
  acquiredAt: Date;
  previousHolder: string | null;
  previousRenewedAt: Date | null;
}

export interface PropertyRow {
  holder: string | null;
  epoch: number;
  /** Whether the lease is still running by the database's clock. */
  live: boolean;
  commandSeq: number;
}

/** The ledger as the database holds it, with the epoch of the write that left each record. */
export interface StoredLedger {
  bookings: Map<string, BookingEntry>;
  codes: Map<string, CodeEntry>;
  /** Every record of the property, any kind: `kind key` -> epoch. */
  epochs: Map<string, number>;
}

export class LedgerDatabase {
  private constructor(private readonly database: TestDatabase) {}

  /** Creates an empty database with a random name on the server `server` connects to. */
  static async create(server: string = TEST_SERVER): Promise<LedgerDatabase> {
    return new LedgerDatabase(await createTestDatabase(server));
  }

  get name(): string {
    return this.database.name;
  }

  /** What the instances are given (a credential: tests never print it). */
  get connectionString(): string {
    return this.database.connectionString;
  }

  /** Drops the database even while an instance still holds connections to it. */
  drop(): Promise<void> {
    return this.database.drop();
  }

  async property(property: string): Promise<PropertyRow | undefined> {
    const rows = await this.query<{ holder: string | null; epoch: string; live: boolean; command_seq: string }>(
      'SELECT holder, epoch, lease_until > now() AS live, command_seq FROM staykey_property WHERE property = $1',
      [property],
    );
    if (rows.length === 0) return undefined;
    const [row] = rows;
    return { holder: row.holder, epoch: Number(row.epoch), live: row.live === true, commandSeq: Number(row.command_seq) };
  }

  /** Every acquisition of the property, oldest first. */
  async history(property: string): Promise<LeaseTurn[]> {
    const rows = await this.query<{ epoch: string; holder: string; acquired_at: Date; previous_holder: string | null; previous_renewed_at: Date | null }>(
      'SELECT epoch, holder, acquired_at, previous_holder, previous_renewed_at FROM staykey_lease_history WHERE property = $1 ORDER BY acquired_at, epoch',
      [property],
    );
    return rows.map((row) => ({
      epoch: Number(row.epoch),
      holder: row.holder,
      acquiredAt: row.acquired_at,
      previousHolder: row.previous_holder,
      previousRenewedAt: row.previous_renewed_at,
    }));
  }

  async ledger(property: string): Promise<StoredLedger> {
    const rows = await this.query<{ kind: string; key: string; value: string; epoch: string }>('SELECT kind, key, value, epoch FROM staykey_record WHERE property = $1', [property]);
    const stored: StoredLedger = { bookings: new Map(), codes: new Map(), epochs: new Map() };
    for (const row of rows) {
      const id = String(JSON.parse(row.key));
      stored.epochs.set(`${row.kind} ${id}`, Number(row.epoch));
      if (row.kind === 'booking') stored.bookings.set(id, JSON.parse(row.value) as BookingEntry);
      if (row.kind === 'code') stored.codes.set(id, JSON.parse(row.value) as CodeEntry);
    }
    return stored;
  }

  /** Codes in a state, counted in SQL (cheap enough to ask many times a second). */
  async codesIn(property: string, state: string): Promise<number> {
    const rows = await this.query<{ count: string }>(
      "SELECT count(*) AS count FROM staykey_record WHERE property = $1 AND kind = 'code' AND (value::jsonb)->>'state' = $2",
      [property, state],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Records of the property last written under `epoch`, and the database's clock as it counted them. */
  async recordsOf(property: string, epoch: number): Promise<{ count: number; at: Date }> {
    const rows = await this.query<{ count: string; at: Date }>('SELECT count(*) AS count, now() AS at FROM staykey_record WHERE property = $1 AND epoch = $2', [property, epoch]);
    return { count: Number(rows[0]?.count ?? 0), at: rows[0]?.at ?? new Date(NaN) };
  }

  /** Codes with a command out and no answer yet. */
  async codesInFlight(property: string): Promise<number> {
    const rows = await this.query<{ count: string }>(
      "SELECT count(*) AS count FROM staykey_record WHERE property = $1 AND kind = 'code' AND (value::jsonb) ? 'inFlight'",
      [property],
    );
    return Number(rows[0]?.count ?? 0);
  }

  /** Rows of a query; none before the first instance has created StayKey's tables. */
  async query<T>(text: string, values: unknown[] = []): Promise<T[]> {
    try {
      return await withClient(this.connectionString, async (client) => (await client.query(text, values)).rows as T[]);
    } catch (err) {
      if ((err as { code?: unknown }).code === UNDEFINED_TABLE) return [];
      throw err;
    }
  }
}

/** One short connection per question: a test must not hold connections a server restart would break. */
async function withClient<T>(connectionString: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 5000, application_name: 'staykey-test' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
