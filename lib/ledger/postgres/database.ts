import { Pool, PoolClient, QueryResult, QueryResultRow } from 'pg';

export interface PostgresSettings {
  /** `postgres://user:password@host:5432/db`: a secret, never shown in an error or a log. */
  connectionString: string;
  /** `require`: encrypted, any certificate; `verify`: encrypted, the server's certificate checked (against `ca` if given). */
  tls?: 'off' | 'require' | 'verify';
  /** PEM of a private certificate authority, for `verify`. */
  ca?: string;
  /** Shown in pg_stat_activity, so a DBA sees which Node-RED a connection is. */
  applicationName?: string;
}

/** The schema this StayKey writes; a database migrated by a newer one is refused rather than guessed at. */
export const SCHEMA_VERSION = 1;

/** Each step takes the schema from the version before it to its own; never edit a step once released. */
const MIGRATIONS: string[] = [
  `CREATE SEQUENCE staykey_epoch;
   CREATE TABLE staykey_property (
     property text PRIMARY KEY,
     holder text,
     epoch bigint NOT NULL DEFAULT 0,
     lease_until timestamptz,
     acquired_at timestamptz,
     renewed_at timestamptz,
     command_seq bigint NOT NULL DEFAULT 0
   );
   CREATE TABLE staykey_record (
     property text NOT NULL REFERENCES staykey_property (property),
     kind text NOT NULL,
     key text NOT NULL,
     value text NOT NULL,
     epoch bigint NOT NULL,
     PRIMARY KEY (property, kind, key)
   );
   CREATE TABLE staykey_lease_history (
     property text NOT NULL REFERENCES staykey_property (property),
     epoch bigint NOT NULL,
     holder text NOT NULL,
     acquired_at timestamptz NOT NULL,
     previous_holder text,
     previous_renewed_at timestamptz,
     PRIMARY KEY (property, epoch)
   );`,
];

/** Any number: two StayKeys migrating one database at once take turns on this advisory lock. */
const MIGRATION_LOCK = 0x5717_4b45;

/**
 * One PostgreSQL database shared by every pin-issuer that names it: a small pool, a schema StayKey creates
 * and migrates itself, and errors cleaned of the connection string (it holds the password).
 */
export class PostgresDatabase {
  private readonly secrets: string[];

  private constructor(
    private readonly pool: Pool,
    connectionString: string,
  ) {
    this.secrets = secretsOf(connectionString);
    // An idle connection the server drops (a restart) emits 'error' on the pool: unhandled, it would end Node-RED.
    pool.on('error', () => undefined);
  }

  static open(settings: PostgresSettings): PostgresDatabase {
    const pool = new Pool({
      connectionString: settings.connectionString,
      ssl: sslOf(settings),
      max: 4,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      // A statement that hangs (a server half gone) must not hold a reconcile forever.
      query_timeout: 15_000,
      application_name: settings.applicationName ?? 'staykey',
    });
    return new PostgresDatabase(pool, settings.connectionString);
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw this.cleaned(err);
    }
  }

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.cleaned(err);
    }
    // pg-pool stops listening for a checked-out client's errors: a connection dropped mid-transaction
    // would then emit 'error' to no one and end Node-RED. The failed query rejects on its own.
    const ignore = () => undefined;
    client.on('error', ignore);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw this.cleaned(err);
    } finally {
      // A connection that failed mid-transaction may be half dead: let the pool make a new one.
      // A client going back to the pool is listened to by the pool again; a broken one is ended and keeps ours.
      if (!broken) client.removeListener('error', ignore);
      client.release(broken ? true : undefined);
    }
  }

  async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS staykey_schema (version integer NOT NULL)');
      const found = await client.query<{ version: number }>('SELECT version FROM staykey_schema');
      const version = found.rows[0]?.version ?? 0;
      if (version > SCHEMA_VERSION) {
        throw new Error(`the StayKey tables in this database are version ${version}, newer than this StayKey (${SCHEMA_VERSION}): update StayKey on this Node-RED`);
      }
      for (let step = version; step < SCHEMA_VERSION; step++) await client.query(MIGRATIONS[step]!);
      if (found.rows.length === 0) await client.query('INSERT INTO staykey_schema (version) VALUES ($1)', [SCHEMA_VERSION]);
      else await client.query('UPDATE staykey_schema SET version = $1', [SCHEMA_VERSION]);
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  /** pg quotes the connection string in some errors (a bad URL): never let it reach a log. */
  cleaned(err: unknown): Error {
    const error = err instanceof Error ? err : new Error(String(err));
    const found = this.secrets.filter((secret) => error.message.includes(secret));
    if (!found.length) return error;
    const text = found.reduce((message, secret) => message.split(secret).join('<hidden>'), error.message);
    const copy = new Error(text);
    (copy as Error & { code?: unknown }).code = (error as Error & { code?: unknown }).code;
    return copy;
  }
}

function sslOf(settings: PostgresSettings): false | { rejectUnauthorized: boolean; ca?: string } {
  if (!settings.tls || settings.tls === 'off') return false;
  if (settings.tls === 'require') return { rejectUnauthorized: false };
  return settings.ca ? { rejectUnauthorized: true, ca: settings.ca } : { rejectUnauthorized: true };
}

/** The whole connection string and its password (as written and decoded): none may reach a message. */
function secretsOf(connectionString: string): string[] {
  const secrets = [connectionString];
  try {
    const password = new URL(connectionString).password;
    if (password) secrets.push(password, decodeURIComponent(password));
  } catch {
    // Not a URL (a libpq key=value string): the whole string is still hidden.
  }
  const keyValue = /password=(\S+)/.exec(connectionString);
  if (keyValue) secrets.push(keyValue[1]!);
  // Longest first, so a password inside the string does not leave the rest of the string showing.
  return [...new Set(secrets.filter((secret) => secret.length >= 3))].sort((a, b) => b.length - a.length);
}
