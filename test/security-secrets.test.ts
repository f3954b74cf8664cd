/**
 * No PIN and no secret at rest or in the log, after a full run of a real `node-red` process: an Airbnb
 * feed whose address carries a secret token, codes on simulated locks and on a TTLock lock (the local
 * TTLock cloud double), guests told by email through an SMTP server that wants a password, a
 * cancellation, a kill -9 and a restart, codes through Seam too (Seam's own fake, one account with a
 * working API key and one with a refused key), a pin-issuer with its ledger in PostgreSQL (the real server,
 * a password in the connection string, the shared PIN key) and one whose database cannot be reached,
 * with Home Assistant, MQTT and Nuki accounts configured too, and
 * Node-RED logging at its most talkative (trace, with the audit log). Then every file of the user
 * directory (flows_cred.json, .config.*.json, the ledgers, the locks' state, the feed state, the access
 * log, the outbox, whatever else is there) and everything Node-RED printed are searched for every PIN
 * the test saw (in the emails, on the locks, in the TTLock cloud) and for every credential and token.
 */
import { strict as assert } from 'node:assert';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Vault } from '../lib/pins/vault';
import { systemClock } from '../lib/time/clock';
import { SEAM_LOCKS, SeamFake } from './doubles/seam-fake';
import { TTLockCloud, md5 } from './doubles/ttlock-cloud';
import { TestMailServer } from './email-server';
import { freePort } from './support/mosquitto';
import { FlowNode, Inbox, PIPELINE, RedProcess, filesUnder, findPins, pipelineFlow, readLedger, readLocks, sleep } from './support/red-process';
import { createTestDatabase, TestDatabase } from './support/postgres';
import { PostgresDatabase } from '../lib/ledger/postgres/database';

const TTLOCK_LOCK = 3001;
const SEAM_DEVICE = SEAM_LOCKS.schlage;
const secret = (label: string) => `${label}${crypto.randomBytes(12).toString('hex')}`;

const day = (offset: number) => new Date(Date.now() + offset * 24 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

/** Two stays back to back: one under way, one arriving in two days (both due now). */
function feed(withBen: boolean): string {
  const stay = (uid: string, guest: string, arrival: number, departure: number) => [
    'BEGIN:VEVENT',
    `DTSTAMP:${day(0)}T000000Z`,
    `DTSTART;VALUE=DATE:${day(arrival)}`,
    `DTEND;VALUE=DATE:${day(departure)}`,
    `SUMMARY:Reserved - ${guest}`,
    `UID:${uid}`,
    'END:VEVENT',
  ];
  const events = [...stay('sec-ana@airbnb.com', 'Ana Silva', -1, 2), ...(withBen ? stay('sec-ben@airbnb.com', 'Ben Okafor', 2, 4) : [])];
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
}

describe('security: no PIN or secret at rest or in the log after a full run (real node-red process)', function () {
  this.timeout(180_000);
  const secrets = {
    feedToken: secret('feedtoken'),
    smtpPassword: secret('smtppass'),
    ttlockClientSecret: secret('ttsecret'),
    ttlockPassword: secret('ttpass'),
    haToken: secret('hatoken'),
    mqttPassword: secret('mqttpass'),
    nukiToken: secret('nukitoken'),
    // Seam's keys look like seam_<short>_<secret>; one the fake knows, one it refuses.
    seamApiKey: `seam_sk7${secret('')}`,
    seamRefusedKey: `seam_sk9${secret('')}`,
    // Trust auth lets the test server in whatever the password; it must show nowhere all the same.
    postgresPassword: secret('pgpass'),
    postgresAwayPassword: secret('pgaway'),
    pinKey: crypto.randomBytes(32).toString('hex'),
  };
  let database: TestDatabase;
  /** The connection strings, with their passwords (set once the test database exists). */
  const connections = { shared: '', away: '' };
  const pinsSeen = new Set<string>();
  let directory: string;
  let userDir: string;
  let inbox: Inbox;
  let mail: TestMailServer;
  let cloud: TTLockCloud;
  let seam: SeamFake;
  /** Acts as the Seam lock: every code Seam holds for it is set on it, as a device online would. */
  let seamDevice: NodeJS.Timeout | undefined;
  let red: RedProcess;
  let withBen = true;

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-secrets-'));
    userDir = path.join(directory, 'node-red');
    inbox = new Inbox();
    await inbox.start();
    inbox.answer = (where) => (where === `/ical/${secrets.feedToken}.ics` ? { status: 200, body: feed(withBen) } : { status: 404, body: '' });
    mail = new TestMailServer({ user: 'staykey@example.com', password: secrets.smtpPassword });
    await mail.start();
    cloud = new TTLockCloud({ clock: systemClock, clientId: 'client-id-1', clientSecret: secrets.ttlockClientSecret, username: 'host@example.com', password: secrets.ttlockPassword });
    cloud.addGateway(77);
    cloud.addLock({ lockId: TTLOCK_LOCK, lockAlias: 'Room 01 TTLock', gatewayId: 77, liveBattery: 64 });
    const cloudUrl = await cloud.start();
    const nowhere = await freePort();
    database = await createTestDatabase();
    const shared = new URL(database.connectionString);
    shared.password = secrets.postgresPassword;
    connections.shared = shared.toString();
    connections.away = `postgres://staykey:${secrets.postgresAwayPassword}@127.0.0.1:${nowhere}/staykey`;
    seam = await SeamFake.start();
    seam.addApiKey(secrets.seamApiKey);
    seamDevice = setInterval(() => seam.programDevice(SEAM_DEVICE), 200);

    red = new RedProcess({
      userDir,
      logFile: path.join(directory, 'node-red.log'),
      flows: [],
      settings: { logging: { console: { level: 'trace', metrics: false, audit: true } } },
    });
    await red.start();
    await red.deploy(fullFlow(inbox.url, mail.port, cloudUrl, `127.0.0.1:${nowhere}`, seam.url));
  });

  after(async () => {
    await red?.kill();
    await inbox?.stop();
    await mail?.stop();
    await cloud?.stop();
    if (seamDevice) clearInterval(seamDevice);
    await seam?.stop();
    await database?.drop();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  /** The pipeline, a second pin-issuer for the TTLock lock, email through SMTP, and other accounts with secrets. */
  function fullFlow(inboxUrl: string, smtpPort: number, cloudUrl: string, nowhere: string, seamUrl: string): FlowNode[] {
    const z = PIPELINE.tab;
    const flow = pipelineFlow({
      inbox: inboxUrl,
      locks: [
        { id: 'door', name: 'Room 01 door', schedules: true },
        { id: 'gate', name: 'Main gate', schedules: false },
      ],
      unitLocks: 'Room 01: door, gate',
      latencyMs: 50,
      bookingSource: { mode: 'url', unit: 'Room 01', source: 'airbnb', interval: 15, timeout: 5, credentials: { url: `airbnb ${inboxUrl}/ical/${secrets.feedToken}.ics` } },
      fetchEverySeconds: 2,
      notifier: { channel: 'email', smtp: 'sk-smtp', guestTo: 'guest@example.com' },
      extra: [
        { id: 'sk-smtp', type: 'staykey-smtp', name: 'mail', host: '127.0.0.1', port: smtpPort, secure: false, startTls: 'ignore', from: 'host@example.com', credentials: { user: 'staykey@example.com', password: secrets.smtpPassword } },
        { id: 'sk-tt-window', type: 'staykey-access-window', z, name: 'TTLock times', checkIn: '00:00', checkOut: '23:00', timeZone: 'Europe/Lisbon', leadHours: 48, locks: 'tt-door', wires: [['sk-tt-issuer']] },
        { id: 'sk-tt-issuer', type: 'staykey-pin-issuer', z, name: 'TTLock codes', locks: 'sk-tt-locks', wires: [['sk-tt-provider'], ['sk-tt-notifier'], [PIPELINE.alertsOut]] },
        { id: 'sk-tt-provider', type: 'staykey-lock-provider', z, name: 'TTLock', locks: 'sk-tt-locks', wires: [['sk-tt-issuer'], [PIPELINE.alertsOut]] },
        {
          id: 'sk-tt-locks',
          type: 'staykey-locks',
          name: 'TTLock locks',
          provider: 'ttlock',
          ttlockAccount: 'sk-tt-account',
          maxAttempts: 30,
          retryDelay: 0.2,
          locks: [{ id: 'tt-door', name: 'Room 01 TTLock', codeLength: 6, firstSlot: 1, lastSlot: 50, schedules: true, batteryType: '4x AA', device: String(TTLOCK_LOCK) }],
        },
        {
          id: 'sk-tt-account',
          type: 'staykey-ttlock-account',
          name: 'TTLock account',
          baseUrl: cloudUrl,
          timeZone: '',
          timeout: 10,
          credentials: { clientId: 'client-id-1', clientSecret: secrets.ttlockClientSecret, username: 'host@example.com', password: secrets.ttlockPassword },
        },
        { id: 'sk-tt-notifier', type: 'staykey-notifier', z, name: 'TTLock guest messages', channel: 'email', smtp: 'sk-smtp', guestTo: 'guest@example.com', hostTo: 'host@example.com', property: 'Test House', wires: [[PIPELINE.guestJson], ['sk-tt-issuer']] },
        // Accounts whose servers are not there: they try, fail and log, and must not log their secrets.
        { id: 'sk-ha', type: 'staykey-ha-server', name: 'Home Assistant', url: `http://${nowhere}`, credentials: { token: secrets.haToken } },
        { id: 'sk-mqtt', type: 'staykey-mqtt', name: 'broker', url: `mqtt://${nowhere}`, credentials: { user: 'staykey', password: secrets.mqttPassword } },
        { id: 'sk-nuki', type: 'staykey-nuki-account', name: 'Nuki', baseUrl: `http://${nowhere}`, credentials: { token: secrets.nukiToken } },
        // Seam: the same stays as time-bound access codes on a Seam lock (the fake), no guest messages.
        { id: 'sk-seam-window', type: 'staykey-access-window', z, name: 'Seam times', checkIn: '00:00', checkOut: '23:00', timeZone: 'Europe/Lisbon', leadHours: 48, locks: 'seam-door', wires: [['sk-seam-issuer']] },
        { id: 'sk-seam-issuer', type: 'staykey-pin-issuer', z, name: 'Seam codes', locks: 'sk-seam-locks', wires: [['sk-seam-provider'], [], [PIPELINE.alertsOut]] },
        { id: 'sk-seam-provider', type: 'staykey-lock-provider', z, name: 'Seam', locks: 'sk-seam-locks', wires: [['sk-seam-issuer'], [PIPELINE.alertsOut]] },
        {
          id: 'sk-seam-locks',
          type: 'staykey-locks',
          name: 'Seam locks',
          provider: 'seam',
          seamAccount: 'sk-seam-account',
          maxAttempts: 30,
          retryDelay: 0.2,
          locks: [{ id: 'seam-door', name: 'Room 01 Seam', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: '', device: SEAM_DEVICE }],
        },
        { id: 'sk-seam-account', type: 'staykey-seam-account', name: 'Seam', endpoint: seamUrl, workspaceId: '', timeout: 10, credentials: { apiKey: secrets.seamApiKey } },
        // A Seam account whose key Seam refuses: its pin-issuer reads the lock at once, meets the 401 and logs it.
        { id: 'sk-seam-refused-issuer', type: 'staykey-pin-issuer', z, name: 'Seam refused', locks: 'sk-seam-refused-locks', wires: [['sk-seam-refused-provider'], [], [PIPELINE.alertsOut]] },
        { id: 'sk-seam-refused-provider', type: 'staykey-lock-provider', z, name: 'Seam refused', locks: 'sk-seam-refused-locks', wires: [['sk-seam-refused-issuer'], [PIPELINE.alertsOut]] },
        {
          id: 'sk-seam-refused-locks',
          type: 'staykey-locks',
          name: 'Seam refused locks',
          provider: 'seam',
          seamAccount: 'sk-seam-refused',
          maxAttempts: 3,
          retryDelay: 0.2,
          locks: [{ id: 'seam-gate', name: 'Gate Seam', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: '', device: SEAM_LOCKS.augustBack }],
        },
        { id: 'sk-seam-refused', type: 'staykey-seam-account', name: 'Seam (refused)', endpoint: seamUrl, workspaceId: '', timeout: 10, credentials: { apiKey: secrets.seamRefusedKey } },
        // The ledger in PostgreSQL: one pin-issuer on the real server, one on a database that is not there.
        ...postgresIssuer('pg', 'sk-pg', 'pg-door', 'PG door'),
        { id: 'sk-pg', type: 'staykey-postgres', name: 'shared ledger', tls: 'off', instance: 'secrets-run', leaseSeconds: 5, credentials: { connectionString: connections.shared, pinKey: secrets.pinKey } },
        ...postgresIssuer('pg-away', 'sk-pg-away', 'pg-away-door', 'PG away door'),
        { id: 'sk-pg-away', type: 'staykey-postgres', name: 'away', tls: 'off', instance: 'secrets-run', leaseSeconds: 5, credentials: { connectionString: connections.away, pinKey: secrets.pinKey } },
      ],
    });
    const source = flow.find((node) => node.id === PIPELINE.source)!;
    source.wires = [[...source.wires![0], 'sk-tt-window', 'sk-seam-window', 'sk-pg-window', 'sk-pg-away-window'], source.wires![1]];
    return flow;
  }

  /** A window, a pin-issuer keeping its ledger in the database `postgres`, a lock-provider and simulated locks. */
  function postgresIssuer(name: string, postgres: string, lockId: string, lockName: string): FlowNode[] {
    const z = PIPELINE.tab;
    return [
      { id: `sk-${name}-window`, type: 'staykey-access-window', z, name: `${name} times`, checkIn: '00:00', checkOut: '23:00', timeZone: 'Europe/Lisbon', leadHours: 48, locks: lockId, wires: [[`sk-${name}-issuer`]] },
      { id: `sk-${name}-issuer`, type: 'staykey-pin-issuer', z, name: `${name} codes`, locks: `sk-${name}-locks`, ledgerStore: 'postgres', postgres, property: `${name} house`, wires: [[`sk-${name}-provider`], [], [PIPELINE.alertsOut]] },
      { id: `sk-${name}-provider`, type: 'staykey-lock-provider', z, name: `${name} locks`, locks: `sk-${name}-locks`, wires: [[`sk-${name}-issuer`], [PIPELINE.alertsOut]] },
      {
        id: `sk-${name}-locks`,
        type: 'staykey-locks',
        name: `${name} locks`,
        provider: 'simulated',
        latency: 50,
        locks: [{ id: lockId, name: lockName, codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: '4x AA' }],
      },
    ];
  }

  async function eventually(what: string, check: () => boolean, limitMs = 60_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await sleep(100);
    }
  }

  const guestMails = () => mail.received.filter((message) => message.to.includes('guest@example.com'));
  const vault = () => Vault.openDirectory(path.join(userDir, 'staykey'));

  function notePins(): void {
    for (const message of guestMails()) for (const pin of `${message.text}\n${message.html ?? ''}`.match(/(?<![0-9])[0-9]{6}(?![0-9])/g) ?? []) pinsSeen.add(pin);
    for (const codes of readLocks(userDir, vault()).values()) for (const code of codes) pinsSeen.add(code.pin);
    for (const codes of readLocks(userDir, vault(), 'sk-pg-locks').values()) for (const code of codes) pinsSeen.add(code.pin);
    for (const passcode of cloud.passcodesOn(TTLOCK_LOCK)) pinsSeen.add(passcode.keyboardPwd);
    for (const code of seamCodes()) pinsSeen.add(String(code.code));
  }

  const seamCodes = () => seam.codesOn(SEAM_DEVICE).filter((code) => !code.is_backup);

  it('tells both guests their codes by email, from the simulated locks and the TTLock lock, and puts both on the Seam lock', async () => {
    await eventually('codes on the simulated door, the TTLock lock and the Seam lock, and four guest emails', () => {
      const door = readLocks(userDir, vault()).get('door') ?? [];
      const onSeam = seamCodes().filter((code) => code.status === 'set').length;
      const pgDoor = readLocks(userDir, vault(), 'sk-pg-locks').get('pg-door') ?? [];
      return door.length === 2 && pgDoor.length === 2 && cloud.passcodesOn(TTLOCK_LOCK).length === 2 && onSeam === 2 && guestMails().length >= 4;
    });
    await eventually('the host is told Seam refused the other key', () => JSON.stringify([...inbox.posts.values()]).includes('Seam refused the API key (401)'));
    await eventually('the pin-issuer whose database is not there says so in the log', () => fs.readFileSync(red.logFile, 'utf8').includes('PostgreSQL: connect ECONNREFUSED'));
    notePins();
    const onTTLock = cloud.passcodesOn(TTLOCK_LOCK).map((passcode) => passcode.keyboardPwd);
    for (const pin of onTTLock) assert.ok(guestMails().some((message) => message.text.includes(pin)), 'the guest is told the TTLock code');
    assert.ok(pinsSeen.size >= 6, `saw ${pinsSeen.size} PINs`);
  });

  it('takes back a cancelled booking, and loses nothing to a kill -9 and a restart', async () => {
    withBen = false;
    await eventually(
      "Ben's codes are off the door, the TTLock lock and the Seam lock",
      () => (readLocks(userDir, vault()).get('door') ?? []).length === 1 && cloud.passcodesOn(TTLOCK_LOCK).length === 1 && seamCodes().length === 1,
    );
    notePins();
    await red.kill();
    await red.start();
    await sleep(3000);
    await eventually('the ledgers have settled', () => {
      const codes = [...Object.values(readLedger(userDir)?.codes ?? {}), ...Object.values(readLedger(userDir, 'sk-tt-issuer')?.codes ?? {})];
      return codes.length > 0 && codes.every((code) => !code.inFlight);
    });
    notePins();
    assert.equal((readLocks(userDir, vault()).get('door') ?? []).length, 1);
    assert.equal(cloud.passcodesOn(TTLOCK_LOCK).length, 1);
    assert.equal(seamCodes().length, 1, 'the Seam lock keeps one code, not a second after the restart');
    await eventually("Ben's code is off the door whose ledger is in PostgreSQL", () => (readLocks(userDir, vault(), 'sk-pg-locks').get('pg-door') ?? []).length === 1);
    notePins();
    await red.stop();
  });

  it('wrote no PIN to any file of the user directory or to the log', () => {
    const files = [...filesUnder(userDir), red.logFile];
    const found = findPins(files, [...pinsSeen]);
    const printed = fs.readFileSync(red.logFile, 'utf8').split('\n').length;
    console.log(`      searched ${files.length} files (${files.map((file) => path.relative(directory, file)).join(', ')}; the log ${printed} lines at trace level) for ${pinsSeen.size} PINs: ${found.length} found`);
    assert.deepEqual(found, []);
  });

  it('kept no PIN in PostgreSQL: codes there are sealed with the PIN key, or hashed', async () => {
    const db = PostgresDatabase.open({ connectionString: database.connectionString });
    try {
      const { rows } = await db.query<{ kind: string; value: string }>("SELECT kind, value FROM staykey_record WHERE property = 'pg house'");
      const codes = rows.filter((row) => row.kind === 'code').map((row) => JSON.parse(row.value) as { sealedPin?: string; pinHash?: string; state: string });
      assert.ok(codes.length >= 1, 'the pin-issuer kept its codes in the database');
      const shared = Vault.withKey(Buffer.from(secrets.pinKey, 'hex'));
      for (const code of codes.filter((c) => c.sealedPin)) assert.match(shared.open(code.sealedPin!), /^\d{6}$/);
      const found = [...pinsSeen].filter((pin) => rows.some((row) => row.value.includes(pin)));
      console.log(`      searched ${rows.length} records in PostgreSQL for ${pinsSeen.size} PINs: ${found.length} found`);
      assert.deepEqual(found, []);
    } finally {
      await db.close();
    }
  });

  it('wrote no credential or token to any file of the user directory or to the log', () => {
    const tokens = new Set(cloud.calls.map((call) => call.params.accessToken).filter((token): token is string => Boolean(token)));
    assert.ok(tokens.size > 0, 'StayKey used TTLock access tokens');
    const wanted: Record<string, string> = {
      ...secrets,
      postgresConnection: connections.shared,
      postgresAwayConnection: connections.away,
      ttlockPasswordMd5: md5(secrets.ttlockPassword),
      // What an SMTP AUTH PLAIN or LOGIN exchange would show in a debug log.
      smtpAuthPlain: Buffer.from(`\0staykey@example.com\0${secrets.smtpPassword}`).toString('base64'),
      smtpPasswordBase64: Buffer.from(secrets.smtpPassword).toString('base64'),
      ...Object.fromEntries([...tokens].map((token, i) => [`ttlockAccessToken${i + 1}`, token])),
    };
    const found: string[] = [];
    for (const file of [...filesUnder(userDir), red.logFile]) {
      const text = fs.readFileSync(file).toString('latin1');
      for (const [name, value] of Object.entries(wanted)) if (text.includes(value)) found.push(`${name} in ${path.relative(directory, file)}`);
    }
    console.log(`      searched for ${Object.keys(wanted).length} secrets: ${found.length} found`);
    assert.deepEqual(found, []);
    assert.ok(fs.existsSync(path.join(userDir, 'flows_cred.json')), 'the credentials were stored (encrypted)');
    assert.ok(fs.existsSync(path.join(userDir, 'staykey', 'locks', 'sk-seam-locks.seam.json')), "Seam's slot map was among the files searched");
  });
});
