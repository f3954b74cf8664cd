/**
 * A database of its own for each test file, on the PostgreSQL server this machine runs (127.0.0.1:5432,
 * trust auth; STAYKEY_TEST_PG names another server). Dropped afterwards, with any connection left open.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEST_SERVER = process.env.STAYKEY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  connectionString: string;
  drop(): Promise<void>;
}

async function onServer<T>(server: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** On the machine's server, or on `server` (a private one a test restarts), given by its `postgres` database. */
export async function createTestDatabase(server = TEST_SERVER): Promise<TestDatabase> {
  const name = `staykey_test_${randomBytes(6).toString('hex')}`;
  await onServer(server, (client) => client.query(`CREATE DATABASE ${name}`));
  const address = new URL(server);
  address.pathname = `/${name}`;
  return {
    name,
    connectionString: address.toString(),
    drop: () => onServer(server, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
