/**
 * The test helpers for database faults: a private PostgreSQL server that can crash and come back with its
 * data, and a proxy that makes a server unreachable and reachable again. Tests of the PostgreSQL ledger lean
 * on them, so they are proven here against the real server programs and the real `pg` client.
 */
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { PostgresCluster, TcpProxy, isReady, viaProxy } from './support/postgres-cluster';

async function connect(connectionString: string, options: { connectTimeoutMs?: number; queryTimeoutMs?: number } = {}): Promise<Client> {
  const client = new Client({
    connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    query_timeout: options.queryTimeoutMs,
  });
  // A connection that dies between queries is reported here; the test looks at the next query instead.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function rowCount(connectionString: string): Promise<number> {
  const client = await connect(connectionString);
  try {
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM kept');
    return Number(result.rows[0].n);
  } finally {
    await client.end();
  }
}

/** Whether the promise is still pending after `ms`. */
async function stillPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, ms));
  return !settled;
}

describe('test support: a private PostgreSQL server and a proxy that cuts it off', function () {
  this.timeout(60_000);
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await PostgresCluster.create();
  });

  after(async () => {
    await cluster?.close();
  });

  describe('PostgresCluster', () => {
    it('runs on its own port and socket, never the shared server', async () => {
      assert.notEqual(cluster.port, 5432);
      assert.ok(isReady(cluster), 'pg_isready answers on the private socket');
      const client = await connect(cluster.connectionString);
      try {
        const result = await client.query<{ port: string; dir: string }>(
          "SELECT current_setting('port') AS port, current_setting('unix_socket_directories') AS dir",
        );
        assert.equal(Number(result.rows[0].port), cluster.port);
        assert.equal(result.rows[0].dir, cluster.directory);
        await client.query('CREATE TABLE kept (id integer PRIMARY KEY)');
        await client.query('INSERT INTO kept SELECT generate_series(1, 100)');
      } finally {
        await client.end();
      }
    });

    it('an immediate stop breaks open connections and refuses new ones; a start brings the committed data back', async () => {
      const client = await connect(cluster.connectionString);
      await client.query('INSERT INTO kept VALUES (101)');
      await cluster.stop('immediate');
      assert.equal(cluster.isRunning, false);
      await assert.rejects(client.query('SELECT 1'));
      await assert.rejects(connect(cluster.connectionString), /ECONNREFUSED/);
      await client.end().catch(() => undefined);

      await cluster.start();
      assert.equal(await rowCount(cluster.connectionString), 101);
      assert.match(cluster.logTail(), /database system was interrupted|not properly shut down/, 'the start recovered from a crash');
    });

    it('restarts (fast) on the same port with the data kept', async () => {
      const port = cluster.port;
      await cluster.restart();
      assert.equal(cluster.port, port);
      assert.equal(await rowCount(cluster.connectionString), 101);
    });

    it('makes a database of its own on request, as the ledger tests do', async () => {
      const admin = await connect(cluster.connectionString);
      try {
        await admin.query('CREATE DATABASE staykey_cluster_check');
      } finally {
        await admin.end();
      }
      const client = await connect(cluster.connectionStringFor('staykey_cluster_check'));
      try {
        const result = await client.query<{ name: string }>('SELECT current_database() AS name');
        assert.equal(result.rows[0].name, 'staykey_cluster_check');
      } finally {
        await client.end();
      }
    });
  });

  describe('TcpProxy', () => {
    let proxy: TcpProxy;
    let through: string;

    beforeEach(async () => {
      proxy = await TcpProxy.start({ port: cluster.port });
      through = viaProxy(cluster.connectionString, proxy);
    });

    afterEach(async () => {
      await proxy.close();
    });

    it('passes the connection through to the server', async () => {
      assert.match(through, new RegExp(`^postgresql://postgres@127\\.0\\.0\\.1:${proxy.port}/postgres$`));
      assert.equal(await rowCount(through), 101);
      assert.equal(proxy.accepted, 1);
    });

    it('cut(): open connections fail and new ones are refused; heal(): new connections work, the server never stopped', async () => {
      const client = await connect(through);
      await client.query('SELECT 1');
      proxy.cut();
      assert.ok(proxy.isCut);
      await assert.rejects(client.query('SELECT 1'));
      await assert.rejects(connect(through));
      assert.equal(proxy.open, 0);
      assert.ok(isReady(cluster), 'the server itself kept running');
      await client.end().catch(() => undefined);

      proxy.heal();
      assert.equal(await rowCount(through), 101);
    });

    it("cut('silent'): nothing answers, so clients wait for their own timeouts; after heal() a held query gets its answer", async () => {
      const held = await connect(through);
      try {
        proxy.cut('silent');
        const query = held.query<{ answer: number }>('SELECT 42 AS answer');
        assert.ok(await stillPending(query, 400), 'no answer while cut');
        await assert.rejects(connect(through, { connectTimeoutMs: 300 }), /timeout/i);

        proxy.heal();
        assert.equal((await query).rows[0].answer, 42);
        assert.equal(await rowCount(through), 101);
      } finally {
        await held.end().catch(() => undefined);
      }
    });
  });
});
