import { applyBatch, RECORD_KINDS } from '../ledger-changes';
import type { LedgerBatch, LedgerChange, LedgerRecordKind, LedgerStore } from '../ledger-options';
import { emptyLedger, LedgerData } from '../ledger-types';
import type { PoolClient } from 'pg';
import type { PostgresDatabase } from './database';

/** A write under an epoch that is no longer the property's: another instance holds it now. */
export class FencedError extends Error {
  constructor(property: string) {
    super(`another instance now writes the ledger of "${property}": this one stopped writing`);
    this.name = 'FencedError';
  }
}

/** Rows per statement: a save of the whole ledger is many statements in one transaction. */
const ROWS_PER_STATEMENT = 5000;

interface RecordRow {
  kind: string;
  key: string;
  value: string;
}

/**
 * A property's ledger in PostgreSQL, one row per record (a booking, a code, a lock's reads...), each the
 * JSON the file store would hold. A save is one transaction that first checks, under the property row's
 * lock, that the epoch this instance took the property with is still the property's: a writer that lost
 * its lease writes nothing, however late its save arrives. Saves run one after another, in order.
 *
 * Keys and values are stored as JSON text: ids come from feeds and JSON escapes every character
 * PostgreSQL's text refuses (NUL), and text keeps the values exactly as written.
 */
export class PostgresLedgerStore implements LedgerStore {
  private data: LedgerData | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: PostgresDatabase,
    private readonly property: string,
    private readonly lease: { readonly epoch: number | undefined },
  ) {}

  /** Reads the property's ledger; `load` then hands it to the Ledger (whose constructor cannot wait). */
  async open(): Promise<void> {
    // One snapshot of the database for every page read, whatever commits meanwhile.
    this.data = await this.db.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      return this.read(client);
    });
  }

  private async read(client: PoolClient): Promise<LedgerData | undefined> {
    const property = await client.query<{ command_seq: string }>('SELECT command_seq FROM staykey_property WHERE property = $1', [this.property]);
    const commandSeq = Number(property.rows[0]?.command_seq ?? 0);
    const data = emptyLedger();
    let records = 0;
    for (let after: RecordRow | undefined; ; ) {
      const page = await this.readPage(client, after);
      applyBatch(data, { changes: page.map((row) => recordOf(row)), commandSeq }, false);
      records += page.length;
      if (page.length < ROWS_PER_STATEMENT) break;
      after = page[page.length - 1];
    }
    return records === 0 && commandSeq === 0 ? undefined : data;
  }

  /** The next rows in key order: a big ledger is read in pieces, each well within the query timeout. */
  private async readPage(client: PoolClient, after: RecordRow | undefined): Promise<RecordRow[]> {
    const found = after
      ? await client.query<RecordRow>(
          'SELECT kind, key, value FROM staykey_record WHERE property = $1 AND (kind, key) > ($2, $3) ORDER BY kind, key LIMIT $4',
          [this.property, after.kind, after.key, ROWS_PER_STATEMENT],
        )
      : await client.query<RecordRow>('SELECT kind, key, value FROM staykey_record WHERE property = $1 ORDER BY kind, key LIMIT $2', [this.property, ROWS_PER_STATEMENT]);
    return found.rows;
  }

  load(): LedgerData | undefined {
    const data = this.data;
    // The Ledger keeps this object as its own from now on; a later open() reads afresh.
    this.data = undefined;
    return data;
  }

  apply(batch: LedgerBatch): Promise<void> {
    const write = this.queue.then(() => this.write(batch));
    this.queue = write.catch(() => undefined);
    return write;
  }

  close(): void {
    // The database belongs to its config node, which closes it; nothing is held open per store.
  }

  private async write(batch: LedgerBatch): Promise<void> {
    const epoch = this.lease.epoch;
    if (epoch === undefined) throw new FencedError(this.property);
    const { upserts, removals } = rowsOf(batch.changes);
    await this.db.transaction(async (client) => {
      const owned = await client.query('UPDATE staykey_property SET command_seq = $3 WHERE property = $1 AND epoch = $2 AND holder IS NOT NULL', [this.property, epoch, batch.commandSeq]);
      if (owned.rowCount === 0) throw new FencedError(this.property);
      // A big first save (a ledger brought over from its file) goes in pieces, each well within the query timeout.
      for (let from = 0; from < upserts.kinds.length; from += ROWS_PER_STATEMENT) {
        const to = from + ROWS_PER_STATEMENT;
        await client.query(
          `INSERT INTO staykey_record (property, kind, key, value, epoch)
           SELECT $1, u.kind, u.key, u.value, $2 FROM unnest($3::text[], $4::text[], $5::text[]) AS u(kind, key, value)
           ON CONFLICT (property, kind, key) DO UPDATE SET value = EXCLUDED.value, epoch = EXCLUDED.epoch`,
          [this.property, epoch, upserts.kinds.slice(from, to), upserts.keys.slice(from, to), upserts.values.slice(from, to)],
        );
      }
      for (let from = 0; from < removals.kinds.length; from += ROWS_PER_STATEMENT) {
        const to = from + ROWS_PER_STATEMENT;
        await client.query(
          `DELETE FROM staykey_record r USING unnest($2::text[], $3::text[]) AS u(kind, key)
            WHERE r.property = $1 AND r.kind = u.kind AND r.key = u.key`,
          [this.property, removals.kinds.slice(from, to), removals.keys.slice(from, to)],
        );
      }
    });
  }
}

function recordOf(row: RecordRow): LedgerChange {
  if (!RECORD_KINDS.has(row.kind)) throw new Error(`the ledger in PostgreSQL holds a record of an unknown kind (${JSON.stringify(row.kind.slice(0, 40))}): is it from a newer StayKey?`);
  return { kind: row.kind as LedgerRecordKind, id: JSON.parse(row.key) as string, value: JSON.parse(row.value) };
}

/** The batch as column arrays, each record once (the last word on it wins), for one statement per kind of write. */
function rowsOf(changes: LedgerChange[]) {
  const last = new Map<string, LedgerChange>();
  for (const change of changes) last.set(`${change.kind} ${JSON.stringify(change.id)}`, change);
  const upserts = { kinds: [] as string[], keys: [] as string[], values: [] as string[] };
  const removals = { kinds: [] as string[], keys: [] as string[] };
  for (const change of last.values()) {
    const key = JSON.stringify(change.id);
    if (change.value === undefined) {
      removals.kinds.push(change.kind);
      removals.keys.push(key);
    } else {
      upserts.kinds.push(change.kind);
      upserts.keys.push(key);
      upserts.values.push(JSON.stringify(change.value));
    }
  }
  return { upserts, removals };
}
