/**
 * The pin-issuer with its ledger in PostgreSQL and the `staykey-postgres` config node, in the Node-RED
 * runtime (node-red-node-test-helper) against the real server: a code issued on a simulated lock is in
 * the database sealed with the shared PIN key (then hashed), never as a PIN; two pin-issuers on one
 * property are one active and one standby, and removing the active one hands the property over; the
 * connection string and the PIN key appear in no status, log or message; a wrong PIN key is refused
 * with a clear error; and the file ledger is as it was.
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { Booking } from '../lib/bookings/booking';
import { PostgresDatabase } from '../lib/ledger/postgres/database';
import { PinBoundary } from '../lib/ledger/postgres/pin-boundary';
import { withoutSecrets } from '../lib/ledger/postgres/secret-text';
import type { CodeMessage, LockCommandMessage, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { createTestDatabase, TestDatabase } from './support/postgres';
import { clearRecorded, messages, RECORDER, recorderNode, until } from './support/recorder';
import { eventually, helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pinIssuerNode = require('../nodes/pin-issuer/pin-issuer') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const postgresNode = require('../nodes/staykey-postgres/staykey-postgres') as unknown;
const nodeModules = [locksConfigNode, lockProviderNode, pinIssuerNode, postgresNode, recorderNode];

const lockRows = [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true, batteryType: '4x AA' }];
const PIN_KEY = crypto.randomBytes(32).toString('hex');

function windowMessage(id: string): WindowMessage {
  const booking: Booking = { id, unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada' };
  const window = windowFor(booking, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front-door'] });
  return { kind: 'window', change: 'created', booking, window };
}

/** One pin-issuer named `name` with its locks, lock-provider and recorders, on the config `postgres`. */
function issuerNodes(name: string, postgres: string | undefined, extra: Record<string, unknown> = {}): object[] {
  return [
    { id: `locks-${name}`, type: 'staykey-locks', provider: 'simulated', locks: lockRows, latency: 0, failureRate: 0, drain: 0.2, maxAttempts: 2, retryDelay: 0.001 },
    {
      id: `issuer-${name}`,
      type: 'staykey-pin-issuer',
      z: 'tab',
      name: `codes ${name}`,
      locks: `locks-${name}`,
      verifyEveryHours: 0,
      ...(postgres ? { ledgerStore: 'postgres', postgres, property: 'Casa Azul' } : {}),
      ...extra,
      wires: [[`provider-${name}`, `commands-${name}`], [`codes-${name}`], [`alerts-${name}`]],
    },
    { id: `provider-${name}`, type: 'staykey-lock-provider', z: 'tab', locks: `locks-${name}`, wires: [[`issuer-${name}`], []] },
    { id: `commands-${name}`, type: RECORDER, z: 'tab' },
    { id: `codes-${name}`, type: RECORDER, z: 'tab' },
    { id: `alerts-${name}`, type: RECORDER, z: 'tab' },
  ];
}

/** The tab, and one catch node (the helper loads a core node's module once per node) for the pin-issuers' errors. */
function tabWithCatch(names: string[]): object[] {
  return [
    { id: 'tab', type: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: names.map((name) => `issuer-${name}`), uncaught: false, wires: [['caught']] },
    { id: 'caught', type: RECORDER, z: 'tab' },
  ];
}

/** The errors a pin-issuer's input ended with, as the catch node saw them. */
function caught(name: string): NodeMessage[] {
  return messages('caught').filter((msg) => (msg as NodeMessage & { error?: { source?: { id?: string } } }).error?.source?.id === `issuer-${name}`);
}

function postgresConfig(id: string, instance: string): object {
  return { id, type: 'staykey-postgres', name: `db ${instance}`, tls: 'off', instance, leaseSeconds: 5 };
}

interface Status {
  fill?: string;
  shape?: string;
  text?: string;
}

function statuses(id: string): Status[] {
  const node = helper.getNode(id);
  return node.status
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0] as Status);
}

function lastStatus(id: string): Status | undefined {
  return statuses(id).at(-1);
}

describe('pin-issuer with its ledger in PostgreSQL (Node-RED runtime)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let direct: PostgresDatabase;
  /** The test server's address with a password in it: trust auth ignores it, and it must never show. */
  let connectionString: string;
  const password = `pw-${crypto.randomBytes(9).toString('hex')}`;
  let directory: string;
  let clock: ManualClock;
  let localVault: Vault;

  const credentials = (ids: string[], pinKey = PIN_KEY) => Object.fromEntries(ids.map((id) => [id, { connectionString, pinKey }]));
  const deploy = (flow: object[], creds: Record<string, unknown>) =>
    (helper as unknown as { setFlows(flow: object[], type: string, credentials: Record<string, unknown>): Promise<void> }).setFlows(flow, 'nodes', creds);

  before(async () => {
    database = await createTestDatabase();
    const address = new URL(database.connectionString);
    address.password = password;
    connectionString = address.toString();
    direct = PostgresDatabase.open({ connectionString: database.connectionString });
  });

  after(async () => {
    await direct?.close();
    await database?.drop();
  });

  beforeEach(async () => {
    clearRecorded();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-pg-node-'));
    localVault = Vault.openDirectory(directory);
    clock = new ManualClock('2026-07-09T12:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ staykey: undefined });
    fs.rmSync(directory, { recursive: true, force: true });
    await direct.query('DROP TABLE IF EXISTS staykey_record, staykey_lease_history, staykey_property, staykey_schema; DROP SEQUENCE IF EXISTS staykey_epoch');
  });

  async function records(kind: string): Promise<Array<{ key: string; value: string }>> {
    const { rows } = await direct.query<{ key: string; value: string }>("SELECT key, value FROM staykey_record WHERE property = 'Casa Azul' AND kind = $1", [kind]);
    return rows;
  }

  /** Who holds the property; null before StayKey created its tables, or while nobody does. */
  async function holder(): Promise<string | null> {
    const { rows: tables } = await direct.query<{ made: boolean }>("SELECT to_regclass('staykey_property') IS NOT NULL AS made");
    if (!tables[0].made) return null;
    const { rows } = await direct.query<{ holder: string | null }>("SELECT holder FROM staykey_property WHERE property = 'Casa Azul'");
    return rows[0]?.holder ?? null;
  }

  /** Everything a host could read: statuses of every node, every log line, every message recorded. */
  function everythingShown(ids: string[]): string {
    const shown = ids.flatMap((id) => statuses(id).map((status) => JSON.stringify(status)));
    const logged = helper
      .log()
      .getCalls()
      .map((call) => JSON.stringify(call.args));
    const sent = [...['a', 'b'].flatMap((name) => ['commands', 'codes', 'alerts'].map((kind) => `${kind}-${name}`)), 'caught'].flatMap((id) => messages(id).map((msg) => JSON.stringify(msg)));
    return [...shown, ...logged, ...sent].join('\n');
  }

  it('issues a code on a simulated lock; the database holds it sealed with the PIN key, then hashed, never as a PIN', async () => {
    await helper.load(nodeModules, [...tabWithCatch(['a']), postgresConfig('pg', 'node-a'), ...issuerNodes('a', 'pg')], credentials(['pg']));
    await eventually('the pin-issuer is active', () => holder().then((name) => name === 'node-a'));
    helper.getNode('issuer-a').receive({ payload: windowMessage('HM1') });
    const told = (await until(() => messages('codes-a')[0])).payload as CodeMessage;
    assert.equal(told.change, 'issued');
    const pin = localVault.open(told.codes[0].pin!);
    assert.match(pin, /^\d{6}$/, "the guest's code opens with this Node-RED's own key, as the notifier opens it");
    const command = messages('commands-a').map((msg) => (msg.payload as LockCommandMessage).command).find((sent) => sent.action === 'set')!;
    assert.equal(localVault.open(command.pin!), pin, 'the lock command too');

    const [code] = await records('code');
    const saved = JSON.parse(code.value) as { sealedPin?: string; pinHash?: string; state: string };
    assert.equal(saved.state, 'confirmed');
    assert.equal(Vault.withKey(Buffer.from(PIN_KEY, 'hex')).open(saved.sealedPin!), pin, 'sealed under the shared PIN key');
    assert.throws(() => localVault.open(saved.sealedPin!), /does not open/, "not under this Node-RED's own key");

    // The guest has their code: the sealed PIN becomes a hash, in the database too.
    helper.getNode('issuer-a').receive({ payload: { kind: 'delivery', bookingId: 'HM1', channel: 'output', delivered: true } });
    await eventually('the PIN is only a hash', () => records('code').then(([row]) => (JSON.parse(row.value) as { pinHash?: string }).pinHash !== undefined));
    const all = await direct.query<{ value: string }>('SELECT value FROM staykey_record');
    for (const row of all.rows) assert.ok(!row.value.includes(pin), 'no record holds the PIN');
    const hashed = JSON.parse((await records('code'))[0].value) as { sealedPin?: string; pinHash?: string };
    assert.equal(hashed.sealedPin, undefined);
    assert.match(String(hashed.pinHash), /^\$2[aby]\$/);
    assert.equal(fs.existsSync(path.join(directory, 'ledgers', 'issuer-a.json')), false, 'no ledger file beside Node-RED');
  });

  it('runs two pin-issuers on one property as one active and one standby; removing the active one hands over at once', async () => {
    const flow = [...tabWithCatch(['a', 'b']), postgresConfig('pg-a', 'node-a'), postgresConfig('pg-b', 'node-b'), ...issuerNodes('a', 'pg-a'), ...issuerNodes('b', 'pg-b')];
    await helper.load(nodeModules, flow, credentials(['pg-a', 'pg-b']));
    await eventually('one holds the property', () => holder().then((name) => name !== null));
    const active = (await holder()) === 'node-a' ? 'a' : 'b';
    const standby = active === 'a' ? 'b' : 'a';
    await eventually('the other stands by', () => lastStatus(`issuer-${standby}`)?.text === `standby: node-${active} active`);

    // Both get the booking, as two instances reading one feed do: only the active one issues.
    helper.getNode(`issuer-${active}`).receive({ payload: windowMessage('HM2') });
    helper.getNode(`issuer-${standby}`).receive({ payload: windowMessage('HM2') });
    await until(() => messages(`codes-${active}`)[0]);
    assert.equal(messages(`commands-${standby}`).length, 0, 'the standby sends nothing');
    assert.equal(caught(standby).length, 0, 'the standby kept the window without an error');

    // The active one is deleted and deployed (only what changed restarts): it lets go of the property, and the standby takes it at its next look.
    await deploy(
      flow.filter((node) => !String((node as { id: string }).id).endsWith(`-${active}`)),
      credentials([`pg-${standby}`]),
    );
    await eventually('the standby holds the property', () => holder().then((name) => name === `node-${standby}`), 10_000);
    const { rows } = await direct.query<{ waited: number }>(
      "SELECT EXTRACT(EPOCH FROM acquired_at - previous_renewed_at)::float AS waited FROM staykey_lease_history WHERE property = 'Casa Azul' ORDER BY epoch DESC LIMIT 1",
    );
    assert.ok(rows[0].waited < 5, `taken over ${rows[0].waited} s after the release, before the 5 s lease ran out`);
    // The window it kept goes in with the ledger it now holds: the same code, not a second one.
    await eventually('the new active one is counting codes', () => /on locks/.test(String(lastStatus(`issuer-${standby}`)?.text)));
    const codes = await records('code');
    assert.equal(codes.length, 1, 'one code for HM2, not two');
  });

  it('shows neither the connection string nor the PIN key in any status, log or message, even when the database cannot be reached', async () => {
    const unreachable = new URL(connectionString);
    unreachable.port = '1';
    const flow = [...tabWithCatch(['a', 'b']), postgresConfig('pg-a', 'node-a'), postgresConfig('pg-b', 'node-b'), ...issuerNodes('a', 'pg-a'), ...issuerNodes('b', 'pg-b')];
    await helper.load(nodeModules, flow, { 'pg-a': { connectionString, pinKey: PIN_KEY }, 'pg-b': { connectionString: unreachable.toString(), pinKey: PIN_KEY } });
    await eventually('a is active', () => holder().then((name) => name === 'node-a'));
    await eventually('b says it cannot connect', () => /^PostgreSQL: /.test(String(lastStatus('issuer-b')?.text)));
    helper.getNode('issuer-a').receive({ payload: windowMessage('HM3') });
    helper.getNode('issuer-b').receive({ payload: windowMessage('HM3') });
    helper.getNode('issuer-a').receive({ payload: { kind: 'no-such-kind' } });
    await until(() => messages('codes-a')[0]);
    await until(() => caught('a')[0]);
    const shown = everythingShown(['issuer-a', 'issuer-b', 'pg-a', 'pg-b']);
    assert.ok(shown.includes('ECONNREFUSED'), "b's connection error was logged");
    for (const [what, secret] of [
      ['connection string', connectionString],
      ['unreachable connection string', unreachable.toString()],
      ['password', password],
      ['PIN key', PIN_KEY],
    ] as const) {
      assert.ok(!shown.includes(secret), `the ${what} was shown`);
    }
  });

  it('cleans the connection string, its password and the PIN key out of any text', () => {
    const secret = 'postgres://staykey:p%40ss%20word@db.example.com:5432/staykey';
    const text = `could not parse ${secret}; password p%40ss%20word or "p@ss word"; key ${PIN_KEY.toUpperCase()}`;
    const cleaned = withoutSecrets(text, { connectionString: secret, pinKey: PIN_KEY });
    assert.equal(cleaned, 'could not parse ***; password *** or "***"; key ***');
    assert.equal(withoutSecrets('auth failed: password=hunter22 host=db', { connectionString: "host=db user=sk password='hunter22'" }), 'auth failed: password=*** host=db');
    assert.equal(withoutSecrets('nothing secret here', { connectionString: secret }), 'nothing secret here');
  });

  it('refuses a PIN key that is not 64 hex characters, with a clear error, and does nothing', async () => {
    const flow = [...tabWithCatch(['a']), postgresConfig('pg', 'node-a'), ...issuerNodes('a', 'pg')];
    await helper.load(nodeModules, flow, credentials(['pg'], 'deadbeef'));
    assert.deepEqual(lastStatus('issuer-a'), { fill: 'red', shape: 'ring', text: 'PostgreSQL config incomplete' });
    const errors = helper
      .log()
      .getCalls()
      .map((call) => (call.args[0] as { level?: number; msg?: unknown }))
      .filter((entry) => entry.level === 20)
      .map((entry) => String(entry.msg));
    assert.ok(errors.some((text) => text.includes('the PIN key must be 64 hexadecimal characters (32 bytes); the one entered has 8')), errors.join('\n'));
    helper.getNode('issuer-a').receive({ payload: windowMessage('HM4') });
    const refused = await until(() => caught('a')[0]);
    assert.match(String((refused as NodeMessage & { error?: { message?: string } }).error?.message), /PIN key must be 64 hexadecimal characters/);
    assert.equal(await holder(), null, 'it never took the property');
    assert.ok(!errors.join('\n').includes('deadbeef'), 'the key itself is not repeated');
  });

  it('brings the ledger of its file over when a pin-issuer moves to PostgreSQL: the code on the lock stays, not issued again', async () => {
    const fileFlow = [...tabWithCatch(['a']), ...issuerNodes('a', undefined)];
    await helper.load(nodeModules, fileFlow, {});
    helper.getNode('issuer-a').receive({ payload: windowMessage('HM6') });
    const told = (await until(() => messages('codes-a')[0])).payload as CodeMessage;
    const pin = localVault.open(told.codes[0].pin!);
    const file = path.join(directory, 'ledgers', 'issuer-a.json');
    await eventually('the ledger file is written', () => fs.existsSync(file) || fs.existsSync(`${file}.journal`));
    const setsBefore = messages('commands-a').filter((msg) => (msg.payload as LockCommandMessage).command.action === 'set').length;
    assert.equal(setsBefore, 1);

    // The host picks PostgreSQL for the same pin-issuer and deploys.
    await deploy([...tabWithCatch(['a']), postgresConfig('pg', 'node-a'), ...issuerNodes('a', 'pg')], credentials(['pg']));
    await eventually('the code is in the database', () => records('code').then((rows) => rows.length === 1, () => false), 10_000);
    const [code] = await records('code');
    const saved = JSON.parse(code.value) as { sealedPin?: string; state: string; bookingId: string };
    assert.equal(saved.bookingId, 'HM6');
    assert.equal(saved.state, 'confirmed');
    assert.equal(Vault.withKey(Buffer.from(PIN_KEY, 'hex')).open(saved.sealedPin!), pin, 'sealed again under the shared PIN key');
    assert.equal((await records('booking')).length, 1);
    assert.ok(!fs.existsSync(file) && !fs.existsSync(`${file}.journal`), 'the file is put aside, never read again');
    assert.ok(fs.existsSync(`${file}.moved-to-postgres`) || fs.existsSync(`${file}.journal.moved-to-postgres`), 'and kept for the host');
    await eventually('the pin-issuer is counting codes', () => /on locks/.test(String(lastStatus('issuer-a')?.text)));
    const sets = messages('commands-a').filter((msg) => (msg.payload as LockCommandMessage).command.action === 'set').length;
    assert.equal(sets, setsBefore, 'the code already on the lock is not set again');
  });

  it('leaves the file ledger as it was: a pin-issuer without the setting keeps its ledger in its file', async () => {
    await helper.load(nodeModules, [...tabWithCatch(['a']), ...issuerNodes('a', undefined)], {});
    helper.getNode('issuer-a').receive({ payload: windowMessage('HM5') });
    await until(() => messages('codes-a')[0]);
    const file = path.join(directory, 'ledgers', 'issuer-a.json');
    await eventually('the ledger file is written', () => fs.existsSync(file) || fs.existsSync(`${file}.journal`));
    const { rows } = await direct.query<{ exists: boolean }>("SELECT to_regclass('staykey_record') IS NOT NULL AS exists");
    assert.equal(rows[0].exists, false, 'nothing was created in the database');
  });
});

describe('PINs at the edge of a pin-issuer on PostgreSQL (PinBoundary)', () => {
  const shared = Vault.withKey(crypto.randomBytes(32));
  const local = Vault.withKey(crypto.randomBytes(32));
  const boundary = new PinBoundary(shared, local);

  it('seals what leaves with the installation key, and what a lock read brings with the shared key', () => {
    const command = { id: 'c#1', action: 'set' as const, lockId: 'door', slot: 3, codeId: 'c', name: 'SK Ada', pin: shared.seal('482913'), startsAt: '2026-07-10T15:00:00Z', endsAt: '2026-07-13T10:00:00Z' };
    const out = boundary.outgoing({ commands: [command, { ...command, id: 'c#2', action: 'clear', pin: undefined }], codeMessages: [], alerts: [{ kind: 'alert', severity: 'info', topic: 'manual-task', text: 'key it in', pin: shared.seal('482913') }] });
    assert.equal(local.open(out.commands[0].pin!), '482913');
    assert.equal(out.commands[1].pin, undefined);
    assert.equal(local.open(out.alerts[0].pin!), '482913');
    assert.throws(() => shared.open(out.commands[0].pin!), /does not open/);

    const read: LockResultMessage = {
      kind: 'lock-result', commandId: 'read:door#1', codeId: '', lockId: 'door', action: 'read', ok: true, confirmed: true, attempts: 1,
      codes: [{ slot: 1, pin: local.seal('720416') }, { slot: 2, pin: null }, { slot: 3, pin: shared.seal('555123') }],
      fromLock: { pin: local.seal('904417'), startsAt: '2026-07-10T15:00:00Z', endsAt: '2026-07-13T10:00:00Z', why: 'offline-code' },
    };
    const taken = boundary.incoming(read) as LockResultMessage;
    assert.deepEqual(taken.codes!.map((code) => (code.pin === null ? null : shared.open(code.pin))), ['720416', null, '555123']);
    assert.equal(shared.open(taken.fromLock!.pin), '904417');
    assert.equal(local.open(read.codes![0].pin!), '720416', 'the message it came in is left as it was');
    assert.throws(() => boundary.incoming({ ...read, codes: [{ slot: 1, pin: Vault.withKey(crypto.randomBytes(32)).seal('111111') }] }), /does not open/);
  });
});
