/**
 * The pin-issuer's writer of a property shared through PostgreSQL (lib/ledger/postgres/writer.ts), on
 * the real server and without Node-RED: it takes a free property, stands by while another instance
 * holds it (keeping the windows it receives), takes over once the holder stops renewing and resends
 * only what had no answer, stops at once when a save is fenced, and tells the host once when the
 * database is away and again when it caught up. Each instance reaches the server through a TCP proxy
 * the test can cut (test/support/postgres-cluster.ts). How long a takeover took is read from the database's lease history, not a clock.
 */
import { strict as assert } from 'node:assert';
import type { Booking } from '../lib/bookings/booking';
import type { IssuerOutput } from '../lib/ledger/issuer';
import { postgresBackend } from '../lib/ledger/postgres/backend';
import { PostgresDatabase } from '../lib/ledger/postgres/database';
import { withoutSecrets } from '../lib/ledger/postgres/secret-text';
import { PropertyWriter, Taken, WriterStatus } from '../lib/ledger/postgres/writer';
import type { LockConfig } from '../lib/locks/provider';
import type { AlertMessage, LockCommand, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { createTestDatabase, TestDatabase } from './support/postgres';
import { TcpProxy, viaProxy } from './support/postgres-cluster';
import { eventually } from './support/red';

const vault = Vault.withKey(Buffer.alloc(32, 7));
const front: LockConfig = { id: 'front', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 30 } };
const NOW = '2026-07-09T12:00:00Z';

function windowMessage(id: string): WindowMessage {
  const booking: Booking = { id, unit: 'Room 101', source: 'test', arrival: '2026-07-10', departure: '2026-07-13', guestName: `Guest ${id}` };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] });
  return { kind: 'window', change: 'created', booking, window };
}

function ok(command: LockCommand): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1, ...(command.action === 'read' ? { codes: [] } : {}) };
}

/** One instance: a writer on its own clock and connection, and everything it reported. */
class Instance {
  readonly clock = new ManualClock(NOW);
  readonly outputs: IssuerOutput[] = [];
  readonly statuses: WriterStatus[] = [];
  readonly problems: string[] = [];
  readonly troubles: unknown[] = [];
  readonly writer: PropertyWriter;

  constructor(
    readonly name: string,
    readonly db: PostgresDatabase,
    lease: { leaseSeconds: number; renewSeconds: number },
    secret: string,
    keepAtMost?: number,
  ) {
    this.writer = new PropertyWriter({
      property: 'house',
      clock: this.clock,
      connect: async () => postgresBackend(db, { property: 'house', instance: name, ...lease }),
      ledger: { vault, locks: () => [front], verifyEveryHours: 0 },
      issuer: { lockStatus: async (lockId) => ({ lockId, online: true, battery: 90 }), fallbackFor: () => 'the key box' },
      sink: { send: (output) => this.outputs.push(output), plan: () => undefined, lockSummaries: () => undefined, counts: () => undefined, trouble: (err) => this.troubles.push(err) },
      events: { status: (status) => this.statuses.push(status), problem: (text) => this.problems.push(text) },
      clean: (text) => withoutSecrets(text, { connectionString: secret }),
      keepAtMost,
    });
  }

  get commands(): LockCommand[] {
    return this.outputs.flatMap((output) => output.commands);
  }

  get alerts(): AlertMessage[] {
    return this.outputs.flatMap((output) => output.alerts);
  }

  /** Answers every command sent so far that has no answer yet, as a lock that takes them all. */
  async answerAll(answered: Set<string>): Promise<Taken[]> {
    const taken: Taken[] = [];
    for (const command of this.commands.filter((c) => !answered.has(c.id))) {
      answered.add(command.id);
      taken.push(await this.writer.handle(ok(command)));
    }
    return taken;
  }

  /** Lets the issuer's queue and the lock's answers run out: sets and reads until no command is left unanswered. */
  async settle(answered = new Set<string>()): Promise<void> {
    for (let round = 0; round < 10; round++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      if (!this.commands.some((c) => !answered.has(c.id))) return;
      await this.answerAll(answered);
    }
  }
}

describe('postgres writer: one instance drives a property, the others stand by', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let direct: PostgresDatabase;
  const instances: Instance[] = [];
  const proxies: TcpProxy[] = [];
  const pools: PostgresDatabase[] = [];

  before(async () => {
    database = await createTestDatabase();
    direct = PostgresDatabase.open({ connectionString: database.connectionString });
    await direct.migrate();
  });

  afterEach(async () => {
    for (const instance of instances.splice(0)) await instance.writer.stop();
    for (const proxy of proxies.splice(0)) await proxy.close();
    for (const pool of pools.splice(0)) await pool.close();
    await direct.query('TRUNCATE staykey_record, staykey_lease_history, staykey_property');
  });

  after(async () => {
    await direct?.close();
    await database?.drop();
  });

  /** An instance whose connections go through a proxy of its own. */
  async function instance(name: string, lease = { leaseSeconds: 2, renewSeconds: 0.5 }, keepAtMost?: number): Promise<{ instance: Instance; proxy: TcpProxy }> {
    const address = new URL(database.connectionString);
    const proxy = await TcpProxy.start({ host: address.hostname, port: Number(address.port || 5432) });
    proxies.push(proxy);
    const connectionString = viaProxy(database.connectionString, proxy);
    const db = PostgresDatabase.open({ connectionString });
    pools.push(db);
    const made = new Instance(name, db, lease, connectionString, keepAtMost);
    instances.push(made);
    made.writer.start();
    return { instance: made, proxy };
  }

  async function property(): Promise<{ holder: string | null; epoch: number }> {
    const { rows } = await direct.query<{ holder: string | null; epoch: string }>('SELECT holder, epoch FROM staykey_property WHERE property = $1', ['house']);
    return { holder: rows[0]?.holder ?? null, epoch: Number(rows[0]?.epoch ?? 0) };
  }

  async function savedCodes(): Promise<Array<{ codeId: string; state: string; sealedPin?: string; inFlight?: { id: string } }>> {
    const { rows } = await direct.query<{ value: string }>("SELECT value FROM staykey_record WHERE property = 'house' AND kind = 'code'");
    return rows.map((row) => JSON.parse(row.value) as { codeId: string; state: string; sealedPin?: string; inFlight?: { id: string } });
  }

  it('takes a property nobody holds, issues a code and saves it before the command leaves', async () => {
    const { instance: a } = await instance('instance-a');
    await eventually('a is active', () => a.writer.current === 'active' && a.writer.active !== undefined);
    assert.equal(await a.writer.handle(windowMessage('B1')), 'done');
    await a.settle();
    const set = a.commands.find((command) => command.action === 'set');
    assert.ok(set, 'a set command left');
    const [code] = await savedCodes();
    assert.equal(code.state, 'confirmed');
    assert.match(String(code.sealedPin), /^sk1\./, 'the PIN is saved sealed');
    assert.deepEqual(await property(), { holder: 'instance-a', epoch: 1 });
  });

  it('stands by while another holds the property, keeps its windows, and takes over when the holder stops renewing', async () => {
    const { instance: a, proxy: toA } = await instance('instance-a');
    await eventually('a is active', () => a.writer.current === 'active' && a.writer.active !== undefined);
    assert.equal(await a.writer.handle(windowMessage('B1')), 'done');
    // The set of B1's code is sent and never answered: a dies now.
    await eventually('a sent the set', () => a.commands.some((c) => c.action === 'set'));
    const lostSet = a.commands.find((c) => c.action === 'set')!;

    const { instance: b } = await instance('instance-b');
    await eventually('b stands by', () => b.writer.current === 'standby');
    assert.equal(b.statuses.at(-1)?.text, 'standby: instance-a active');
    assert.equal(await b.writer.handle(windowMessage('B1')), 'kept');
    assert.equal(await b.writer.handle(windowMessage('B2')), 'kept');
    assert.equal(await b.writer.handle({ ...windowMessage('B2'), change: 'changed' }), 'kept', 'the newest window of a booking wins');
    assert.equal(await b.writer.handle(ok(lostSet)), 'dropped', 'a standby takes no lock result');
    assert.equal(b.statuses.at(-1)?.text, 'standby: instance-a active, 1 not taken');
    assert.equal(b.writer.keptCount, 2);
    assert.equal(b.commands.length, 0, 'a standby sends nothing');

    const sentByA = a.commands.length;
    toA.cut();
    await eventually('b took over', () => b.writer.current === 'active' && b.writer.active !== undefined, 20_000);
    await eventually('b resent the unanswered set and issued B2', () => b.commands.some((c) => c.id === lostSet.id) && b.commands.some((c) => c.codeId.startsWith('B2@')));
    const resent = b.commands.find((c) => c.id === lostSet.id)!;
    assert.equal(resent.resent, true, 'the same command, marked as sent again');
    assert.equal(b.commands.filter((c) => c.codeId.startsWith('B1@') && c.action === 'set').length, 1, 'B1 is not issued a second time');
    assert.equal(b.writer.keptCount, 0, 'the kept windows were replayed');

    const { rows } = await direct.query<{ holder: string; previous_holder: string; waited: number }>(
      `SELECT holder, previous_holder, EXTRACT(EPOCH FROM acquired_at - previous_renewed_at)::float AS waited
         FROM staykey_lease_history WHERE property = 'house' ORDER BY epoch DESC LIMIT 1`,
    );
    assert.equal(rows[0].holder, 'instance-b');
    assert.equal(rows[0].previous_holder, 'instance-a');
    assert.ok(rows[0].waited >= 2 && rows[0].waited < 60, `took over ${rows[0].waited} s after a's last renewal`);

    // a comes back: its lease is gone, it stands by and nothing of it reaches its outputs.
    toA.heal();
    await eventually('a stands by behind b', () => a.writer.current === 'standby' && a.statuses.at(-1)?.text === 'standby: instance-b active', 20_000);
    assert.equal(a.commands.length, sentByA, 'a sent no command after it lost the property');
    assert.equal(await a.writer.handle(ok(lostSet)), 'dropped');
  });

  it('keeps at most so many bookings while standing by: the newest window of a kept one still counts, a new one is refused', async () => {
    await direct.query("INSERT INTO staykey_property (property, holder, epoch, lease_until) VALUES ('house', 'instance-z', 1, now() + interval '60 seconds')");
    const { instance: b } = await instance('instance-b', { leaseSeconds: 30, renewSeconds: 10 }, 2);
    await eventually('b stands by', () => b.writer.current === 'standby');
    assert.equal(await b.writer.handle(windowMessage('B1')), 'kept');
    assert.equal(await b.writer.handle(windowMessage('B2')), 'kept');
    assert.equal(await b.writer.handle({ ...windowMessage('B1'), change: 'cancelled' }), 'kept');
    await assert.rejects(b.writer.handle(windowMessage('B3')), /stands by with 2 windows kept already: booking B3 was not kept/);
    assert.equal(b.writer.keptCount, 2);
  });

  it('lets the property go when it stops, and a standby takes it at its next look', async () => {
    const { instance: a } = await instance('instance-a');
    await eventually('a is active', () => a.writer.current === 'active');
    const { instance: b } = await instance('instance-b', { leaseSeconds: 30, renewSeconds: 0.5 });
    await eventually('b stands by', () => b.writer.current === 'standby');
    await a.writer.stop();
    await eventually('b is active', () => b.writer.current === 'active', 5000);
    const { rows } = await direct.query<{ waited: number }>(
      "SELECT EXTRACT(EPOCH FROM acquired_at - previous_renewed_at)::float AS waited FROM staykey_lease_history WHERE property = 'house' AND holder = 'instance-b'",
    );
    assert.ok(rows[0].waited < 5, `b took it ${rows[0].waited} s after a let go, well before a 30 s lease ran out`);
  });

  it('stops at once when a save is fenced: the command of that reconcile never leaves, and it stands by', async () => {
    // A long renewal, so the fenced save comes before the lease would notice.
    const { instance: a } = await instance('instance-a', { leaseSeconds: 30, renewSeconds: 10 });
    await eventually('a is active', () => a.writer.current === 'active' && a.writer.active !== undefined);
    assert.equal(await a.writer.handle(windowMessage('B1')), 'done');
    await a.settle();
    const before = a.outputs.length;
    // Another instance takes the property, as a takeover does: a new holder and a new epoch.
    await direct.query("UPDATE staykey_property SET holder = 'instance-z', epoch = epoch + 1, lease_until = now() + interval '60 seconds' WHERE property = 'house'");
    const taken = await a.writer.handle(windowMessage('B2'));
    assert.equal(taken, 'kept', "the window whose save was refused waits for a's next turn");
    assert.equal(a.outputs.length, before, 'nothing left after the fenced save');
    assert.equal((await savedCodes()).filter((code) => code.codeId.startsWith('B2@')).length, 0, 'nothing of the fenced save was written');
    await eventually('a stands by behind the new holder', () => a.writer.current === 'standby' && a.statuses.at(-1)?.text === 'standby: instance-z active');
    assert.equal(a.writer.active, undefined);
    assert.equal(a.troubles.length, 0, 'a fenced save is no trouble to report: it is the end of a turn');
  });

  it('tells the host once when the database is away, keeps what it decided, and once when it caught up', async () => {
    const { instance: a, proxy } = await instance('instance-a', { leaseSeconds: 30, renewSeconds: 10 });
    await eventually('a is active', () => a.writer.current === 'active' && a.writer.active !== undefined);
    assert.equal(await a.writer.handle(windowMessage('B1')), 'done');
    await a.settle();
    const commandsBefore = a.commands.length;

    proxy.cut();
    // The database is gone before the next reconcile: the pool's idle connections notice first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await a.writer.handle(windowMessage('B2')), 'waiting', 'taken in memory, saved when the database is back');
    assert.equal(await a.writer.handle(windowMessage('B3')), 'waiting');
    assert.equal(a.commands.length, commandsBefore, 'no command whose record could not be saved');
    // Two retries while it is still away.
    for (let retry = 0; retry < 2; retry++) {
      a.clock.advance(15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const away = a.alerts.filter((alert) => alert.topic === 'database');
    assert.equal(away.length, 1, 'one alert for the whole outage');
    assert.match(away[0].text, /^PostgreSQL unreachable: codes for house wait until it is back/);
    assert.equal(a.commands.length, commandsBefore, 'still nothing sent');
    assert.equal(a.troubles.length, 0, 'each failed reconcile is not told again');

    proxy.heal();
    a.clock.advance(15_000);
    await eventually('the host is told it caught up', () => a.alerts.filter((alert) => alert.topic === 'database').length === 2, 20_000);
    assert.match(a.alerts.filter((alert) => alert.topic === 'database')[1].text, /^PostgreSQL is back: house caught up/);
    await eventually('the codes decided in the outage left', () => ['B2@front', 'B3@front'].every((id) => a.commands.some((c) => c.codeId === id)));
    const saved = await savedCodes();
    assert.deepEqual(saved.map((code) => code.codeId).sort(), ['B1@front', 'B2@front', 'B3@front']);
    for (const command of a.commands.filter((c) => c.action !== 'read' && c.codeId !== 'B1@front')) {
      assert.equal(saved.find((code) => code.codeId === command.codeId)?.inFlight?.id, command.id, `${command.id} was saved before it left`);
    }
    assert.equal(a.writer.current, 'active');
  });
});
