/**
 * The ledger in PostgreSQL (issue 18), against the real server: the schema StayKey migrates, the lease
 * that makes one instance the writer of a property, the epoch that fences a writer that lost it, and a
 * ledger that reads back exactly as it was saved. Each run has a database of its own.
 */
import { strict as assert } from 'node:assert';
import type { Booking } from '../lib/bookings/booking';
import { Ledger } from '../lib/ledger/ledger';
import type { LedgerData } from '../lib/ledger/ledger-types';
import { PostgresDatabase, SCHEMA_VERSION } from '../lib/ledger/postgres/database';
import { PropertyLease } from '../lib/ledger/postgres/lease';
import { FencedError, PostgresLedgerStore } from '../lib/ledger/postgres/store';
import type { LockConfig } from '../lib/locks/provider';
import type { LockCommand, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { createTestDatabase, TestDatabase } from './support/postgres';

const vault = Vault.withKey(Buffer.alloc(32, 9));
const front: LockConfig = { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 30 } };

function windowMessage(id: string, arrival: string, departure: string, change: WindowMessage['change'] = 'created'): WindowMessage {
  const booking: Booking = { id, unit: 'Room 101', source: 'test', arrival, departure, guestName: `Guest ${id}` };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return { kind: 'window', change, booking, window };
}

function ok(command: LockCommand): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 };
}

async function settle(ledger: Ledger): Promise<void> {
  for (let round = 0; round < 10; round++) {
    const { commands } = await ledger.reconcile();
    if (!commands.length) return;
    for (const command of commands) await ledger.acceptResult(ok(command));
  }
}

/** The ledger without the empty records a ledger in memory keeps. */
function asSaved(data: LedgerData | undefined): unknown {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  for (const key of ['foreign', 'reads', 'lastUse']) if (copy[key] && Object.keys(copy[key] as object).length === 0) delete copy[key];
  return copy;
}

describe('ledger in PostgreSQL: schema, lease, fencing', function () {
  this.timeout(30_000);
  let database: TestDatabase;
  let db: PostgresDatabase;
  const opened: PostgresDatabase[] = [];
  const leases: PropertyLease[] = [];
  let clock: ManualClock;

  const connect = () => {
    const next = PostgresDatabase.open({ connectionString: database.connectionString });
    opened.push(next);
    return next;
  };
  const leaseOf = (instance: string, on = db, leaseSeconds = 30, property = 'beach-house') => {
    const lease = new PropertyLease(on, { property, instance, leaseSeconds, renewSeconds: 1 });
    leases.push(lease);
    return lease;
  };
  /** Starts a lease and waits for its first answer. */
  const started = async (lease: PropertyLease) => {
    const answer = new Promise((resolve) => {
      lease.once('active', resolve);
      lease.once('standby', resolve);
    });
    lease.start();
    await answer;
    return lease;
  };
  const ledgerOn = async (lease: PropertyLease, property = 'beach-house', on = db) => {
    const store = new PostgresLedgerStore(on, property, lease);
    await store.open();
    return new Ledger({ clock, vault, locks: () => [front], store });
  };

  beforeEach(async () => {
    clock = new ManualClock('2026-07-09T00:00:00Z');
    database = await createTestDatabase();
    db = connect();
    await db.migrate();
  });

  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.stop();
    for (const each of opened.splice(0)) await each.close();
    await database.drop();
  });

  it('creates its tables once, and refuses a database migrated by a newer StayKey', async () => {
    await connect().migrate();
    const version = await db.query<{ version: number }>('SELECT version FROM staykey_schema');
    assert.deepEqual(version.rows, [{ version: SCHEMA_VERSION }], 'one row, this version, after two migrations');
    await db.query('UPDATE staykey_schema SET version = $1', [SCHEMA_VERSION + 1]);
    await assert.rejects(connect().migrate(), /newer than this StayKey/);
  });

  it('saves a reconcile as rows and reads the same ledger back, hostile ids included', async () => {
    const lease = await started(leaseOf('building-a'));
    assert.equal(lease.epoch, 1);
    const ledger = await ledgerOn(lease);
    const ids = ['b1', '__proto__', 'constructor', 'nul\u0000id', 'lone\ud800surrogate', 'quote\'"; DROP TABLE staykey_record; --', 'x'.repeat(2000)];
    for (const id of ids) ledger.acceptWindow(windowMessage(id, '2026-07-10', '2026-07-13'));
    await settle(ledger);
    assert.equal(Object.keys(ledger.snapshot().codes).length, ids.length);

    const again = await ledgerOn(lease);
    assert.deepEqual(asSaved(again.snapshot()), asSaved(ledger.snapshot()));
    assert.equal(again.codesOf('__proto__').length, 1, 'an id named __proto__ is a booking like any other');

    const rows = await db.query<{ value: string }>('SELECT value FROM staykey_record');
    for (const row of rows.rows) assert.doesNotMatch(row.value, /"pin":"\d{4,8}"/, 'no plain PIN in a row');
  });

  it('writes only what a save changed, and removes what left the ledger', async () => {
    const lease = await started(leaseOf('building-a'));
    const ledger = await ledgerOn(lease);
    for (let n = 1; n <= 20; n++) ledger.acceptWindow(windowMessage(`b${n}`, '2026-07-10', '2026-07-13'));
    await settle(ledger);
    await db.query("UPDATE staykey_record SET epoch = 0");

    ledger.acceptWindow(windowMessage('b7', '2026-07-10', '2026-07-14', 'changed'));
    await ledger.reconcile();
    const written = await db.query<{ kind: string; key: string }>('SELECT kind, key FROM staykey_record WHERE epoch <> 0 ORDER BY kind');
    assert.deepEqual(written.rows.map((row) => `${row.kind} ${JSON.parse(row.key)}`), ['booking b7', 'code b7@front']);

    ledger.acceptWindow(windowMessage('b9', '2026-07-10', '2026-07-13', 'cancelled'));
    await settle(ledger);
    clock.advanceTo(new Date('2026-08-30T00:00:00Z'));
    await settle(ledger);
    assert.deepEqual(asSaved((await ledgerOn(lease)).snapshot()), asSaved(ledger.snapshot()));
    assert.equal((await db.query("SELECT 1 FROM staykey_record WHERE key LIKE '%b9%'")).rowCount, 0, 'the finished booking left the table');
  });

  it('writes and reads a ledger of more rows than one statement takes, in pieces, whole', async () => {
    const lease = await started(leaseOf('building-a'));
    const store = new PostgresLedgerStore(db, 'beach-house', lease);
    const changes = Array.from({ length: 12_345 }, (_, n) => ({ kind: 'lastUse' as const, id: `lock-${n}`, value: { at: '2026-07-09T10:00:00.000Z', bookingId: `b${n}` } }));
    await store.apply({ changes, commandSeq: 7 });
    await store.open();
    const data = store.load()!;
    assert.equal(Object.keys(data.lastUse!).length, 12_345);
    assert.deepEqual(data.lastUse!['lock-12344'], { at: '2026-07-09T10:00:00.000Z', bookingId: 'b12344' });
    assert.equal(data.commandSeq, 7);
    await store.apply({ changes: changes.map(({ kind, id }) => ({ kind, id })), commandSeq: 8 });
    assert.equal((await db.query('SELECT 1 FROM staykey_record')).rowCount, 0, 'and removes them the same way');
  });

  it('serves different properties from one database at once, each instance the writer of its own', async () => {
    const north = await started(leaseOf('building-north', db, 30, 'north-house'));
    const south = await started(leaseOf('building-south', connect(), 30, 'south-house'));
    assert.deepEqual([north.epoch, south.epoch], [1, 2], 'both active, one property each, epochs from one sequence');
    const northLedger = await ledgerOn(north, 'north-house');
    const southLedger = await ledgerOn(south, 'south-house');
    northLedger.acceptWindow(windowMessage('n1', '2026-07-10', '2026-07-13'));
    southLedger.acceptWindow(windowMessage('s1', '2026-07-10', '2026-07-13'));
    southLedger.acceptWindow(windowMessage('s2', '2026-07-10', '2026-07-13'));
    await Promise.all([settle(northLedger), settle(southLedger)]);
    assert.deepEqual(Object.keys((await ledgerOn(north, 'north-house')).snapshot().bookings), ['n1']);
    assert.deepEqual(Object.keys((await ledgerOn(south, 'south-house')).snapshot().bookings).sort(), ['s1', 's2']);
    // One instance's epoch is no key to another property.
    const stray = new PostgresLedgerStore(db, 'south-house', north);
    await assert.rejects(stray.apply({ changes: [{ kind: 'booking', id: 's1' }], commandSeq: 0 }), FencedError);
    const holders = await db.query<{ property: string; holder: string }>('SELECT property, holder FROM staykey_property ORDER BY property');
    assert.deepEqual(holders.rows, [
      { property: 'north-house', holder: 'building-north' },
      { property: 'south-house', holder: 'building-south' },
    ]);
  });

  it('makes one instance the writer; the other stands by and takes over when it hands the property back', async () => {
    const first = await started(leaseOf('building-a'));
    const second = leaseOf('building-a-standby', connect());
    const standby = new Promise<string>((resolve) => second.once('standby', resolve));
    second.start();
    assert.equal(await standby, 'building-a');
    assert.equal(second.active, false);

    const taken = new Promise<number>((resolve) => second.once('active', resolve));
    await first.stop();
    await second.tick();
    assert.equal(await taken, 2, 'the second writer writes under epoch 2');
    const history = await db.query<{ epoch: string; holder: string; previous_holder: string | null }>('SELECT epoch, holder, previous_holder FROM staykey_lease_history ORDER BY epoch');
    assert.deepEqual(history.rows.map((row) => [Number(row.epoch), row.holder, row.previous_holder]), [
      [1, 'building-a', null],
      [2, 'building-a-standby', null],
    ]);
  });

  it('a writer that stopped renewing loses the property after its lease; its late save is refused and writes nothing', async () => {
    const dying = connect();
    const first = await started(leaseOf('building-a', dying, 2));
    const ledger = await ledgerOn(first, 'beach-house', dying);
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await settle(ledger);

    // Its connection dies and never comes back (a power cut): it stays active in its own eyes, unrenewed.
    const unreachable = new Promise((resolve) => first.once('unreachable', resolve));
    await dying.close();
    await unreachable;
    assert.equal(first.epoch, 1);

    const second = leaseOf('building-b', connect(), 2);
    second.start();
    const epoch = await new Promise<number>((resolve) => second.once('active', resolve));
    assert.equal(epoch, 2);
    const gap = await db.query<{ seconds: number }>(
      'SELECT extract(epoch FROM acquired_at - previous_renewed_at)::float AS seconds FROM staykey_lease_history WHERE epoch = 2',
    );
    assert.ok(gap.rows[0]!.seconds >= 2 && gap.rows[0]!.seconds < 60, `taken ${gap.rows[0]!.seconds} s after the last renewal`);

    // The first writer's save, arriving late on a new connection under its old epoch: fenced.
    const late = new PostgresLedgerStore(connect(), 'beach-house', { epoch: 1 });
    const before = await db.query('SELECT kind, key, value, epoch FROM staykey_record ORDER BY kind, key');
    await assert.rejects(late.apply({ changes: [{ kind: 'booking', id: 'b1' }], commandSeq: 99 }), FencedError);
    const after = await db.query('SELECT kind, key, value, epoch FROM staykey_record ORDER BY kind, key');
    assert.deepEqual(after.rows, before.rows, 'nothing written by the fenced save');

    // The new writer reads what the first one committed and goes on from there.
    const taken = await ledgerOn(second);
    assert.deepEqual(asSaved(taken.snapshot()), asSaved(ledger.snapshot()));
    assert.deepEqual(taken.commandsInFlight(), []);
  });

  it('the same holder renewing finds itself fenced once another took over, and says so', async () => {
    const first = await started(leaseOf('building-a', db, 2));
    // Another instance takes the property behind its back (it was paused past its lease).
    await db.query("UPDATE staykey_property SET epoch = epoch + 1, holder = 'building-b', lease_until = now() + interval '1 minute'");
    const lost = new Promise<string>((resolve) => first.once('lost', resolve));
    await first.tick();
    assert.match(await lost, /another instance/);
    assert.equal(first.active, false);
  });

  it('sends no command whose record it cannot commit, and saves everything once the database answers again', async () => {
    const lease = await started(leaseOf('building-a'));
    const ledger = await ledgerOn(lease);
    ledger.acceptWindow(windowMessage('b1', '2026-07-10', '2026-07-13'));
    await settle(ledger);

    // The database refuses connections (as during a restart): every save fails.
    await db.close();
    await using(async (admin) => {
      await admin.query(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database.name]);
    });
    const flaky = connect();
    const store = new PostgresLedgerStore(flaky, 'beach-house', lease);
    const writer = new Ledger({ clock, vault, locks: () => [front], store: { load: () => ledger.snapshot(), apply: (batch) => store.apply(batch) } });
    writer.acceptWindow(windowMessage('b2', '2026-07-10', '2026-07-13'));
    await assert.rejects(writer.reconcile(), /not currently accepting connections|does not allow connections|terminat/i);
    assert.ok(writer.snapshot().codes['b2@front'], 'the new code is held in memory');
    assert.equal(writer.snapshot().codes['b2@front']!.onLock, undefined, 'and on no lock');

    await using((admin) => admin.query(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS true`));
    assert.deepEqual((await writer.reconcile()).commands, [], 'not yet due: the store is given a moment');
    clock.advance(15_000);
    const { commands } = await writer.reconcile();
    assert.deepEqual(commands.map((command) => command.codeId), ['b2@front'], 'the command leaves once its record is committed');
    db = connect();
    const saved = await ledgerOn(lease);
    assert.deepEqual(asSaved(saved.snapshot()), asSaved(writer.snapshot()));
  });

  it('keeps the connection string and its password out of every error', async () => {
    const secret = 'pa55-w0rd-s3cret';
    const bad = PostgresDatabase.open({ connectionString: `postgres://postgres:${secret}@127.0.0.1:1/nowhere` });
    opened.push(bad);
    const err = await bad.query('SELECT 1').then(() => undefined, (error: Error) => error);
    assert.ok(err instanceof Error);
    assert.ok(!err.message.includes(secret));
    const echoed = bad.cleaned(new Error(`could not parse postgres://postgres:${secret}@127.0.0.1:1/nowhere and ${encodeURIComponent(secret)}`));
    assert.ok(!echoed.message.includes(secret), echoed.message);
    assert.match(echoed.message, /<hidden>/);
  });

  async function using<T>(work: (admin: PostgresDatabase) => Promise<T>): Promise<T> {
    const address = new URL(database.connectionString);
    address.pathname = '/postgres';
    const admin = PostgresDatabase.open({ connectionString: address.toString() });
    try {
      return await work(admin);
    } finally {
      await admin.close();
    }
  }
});
