/**
 * TTLock in a real Node-RED runtime: a locks config with provider TTLock and a staykey-ttlock-account
 * (credentials through Node-RED), lock-provider and pin-issuer in a loop, against the TTLock double.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { Booking } from '../lib/bookings/booking';
import type { LedgerData } from '../lib/ledger/ledger-types';
import type { AlertMessage, CodeMessage, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { md5, TTLockCloud } from './doubles/ttlock-cloud';
import { eventually, helper, TestNode } from './support/red';
import { readFileLedger } from '../lib/ledger/ledger-file';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeModules = ['locks-config/locks-config', 'lock-provider/lock-provider', 'pin-issuer/pin-issuer', 'ttlock-account/ttlock-account'].map((file) => require(`../nodes/${file}`) as unknown);

const PASSWORD = 'door-password';
const LOCK = 3001;
const booking: Booking = { id: 'HM123@airbnb.com', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada' };
const CHECK_IN = '2026-07-10T15:00:00.000Z';
const CHECK_OUT = '2026-07-13T10:00:00.000Z';

function windowMessage(change: WindowMessage['change'] = 'created'): WindowMessage {
  const window = windowFor(booking, {
    checkIn: '16:00',
    checkOut: '11:00',
    timeZone: 'Europe/Lisbon',
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    leadHours: 48,
    locks: ['front-door'],
  });
  return { kind: 'window', change, booking, window };
}

function flow(baseUrl: string, locks: Record<string, unknown> = {}): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'TTLock' },
    { id: 'account', type: 'staykey-ttlock-account', name: 'TTLock', baseUrl, timeZone: 'Europe/Lisbon', timeout: 20 },
    {
      id: 'locks',
      type: 'staykey-locks',
      provider: 'ttlock',
      ttlockAccount: 'account',
      locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: true, batteryType: '4x AA', device: String(LOCK) }],
      maxAttempts: 30,
      retryDelay: 2,
      ...locks,
    },
    { id: 'issuer', type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', commandTimeoutMinutes: 120, retryFailedAfterMinutes: 60, wires: [['provider'], ['codes'], ['alerts']] },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['issuer', 'results'], ['alerts']] },
    { id: 'codes', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'results', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['provider', 'issuer'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

const credentials = { account: { clientId: 'client-id-1', clientSecret: 'client-secret-1', username: 'host@example.com', password: PASSWORD } };

describe('TTLock in the Node-RED runtime', function () {
  this.timeout(60_000);
  let directory: string;
  let clock: ManualClock;
  let cloud: TTLockCloud;
  let baseUrl: string;
  let vault: Vault;
  let seen: { codes: CodeMessage[]; alerts: AlertMessage[]; results: LockResultMessage[]; caught: string[]; statuses: string[] };

  async function start(locks: Record<string, unknown> = {}): Promise<void> {
    await helper.load(nodeModules, flow(baseUrl, locks), credentials);
    const record = (id: string, into: unknown[]) => helper.getNode(id).on('input', (msg: NodeMessage) => into.push(msg.payload));
    record('codes', seen.codes);
    record('alerts', seen.alerts);
    record('results', seen.results);
    helper.getNode('caught').on('input', (msg: NodeMessage & { error?: { message?: string } }) => seen.caught.push(msg.error?.message ?? ''));
    for (const id of ['provider', 'issuer']) watchStatus(helper.getNode(id), seen.statuses);
  }

  const send = (payload: unknown) => helper.getNode('issuer').receive({ payload });
  const ledger = () => readFileLedger(path.join(directory, 'ledgers', 'issuer.json'))!;

  /** Moves the clock in steps, letting the runtime answer between them, until `check` holds. */
  async function advanceUntil(what: string, check: () => boolean, stepMs = 30_000, maxSteps = 400): Promise<void> {
    for (let step = 0; step < maxSteps && !check(); step++) {
      clock.advance(stepMs);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(check(), `still not ${what} after ${(stepMs * maxSteps) / 60_000} minutes`);
  }

  /** Nothing a host sees (alerts, errors, status, the log) holds a token, the password or a PIN. */
  function assertNothingSecretShown(): void {
    const shown = JSON.stringify([seen.alerts, seen.caught, seen.statuses, seen.results.map((r) => r.error ?? ''), helper.log().getCalls().map((call) => call.args)]);
    const tokens = cloud.calls.map((call) => call.params.accessToken).filter(Boolean);
    const pins = cloud.calls.flatMap((call) => [call.params.keyboardPwd, call.params.newKeyboardPwd]).filter((pin): pin is string => Boolean(pin));
    assert.ok(tokens.length > 0 && pins.length > 0);
    for (const secret of [...tokens, ...pins, PASSWORD, md5(PASSWORD), 'client-secret-1']) {
      assert.ok(!shown.includes(secret), `a secret (${secret.length} characters) is shown to the host`);
    }
  }

  beforeEach(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-ttlock-node-'));
    vault = Vault.openDirectory(directory);
    clock = new ManualClock('2026-07-09T00:00:00Z');
    cloud = new TTLockCloud({ clock, password: PASSWORD });
    baseUrl = await cloud.start();
    cloud.addGateway(77);
    cloud.addLock({ lockId: LOCK, lockAlias: 'Front door', gatewayId: 77 });
    seen = { codes: [], alerts: [], results: [], caught: [], statuses: [] };
    helper.settings({ staykey: { directory, clock } });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    await cloud.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it("puts a booking's code on the TTLock lock with the booking's dates, through the gateway, and tells the guest", async () => {
    await start();
    send(windowMessage());
    await eventually('the guest is told', () => seen.codes.some((message) => message.change === 'issued'));
    const [passcode] = cloud.passcodesOn(LOCK);
    assert.equal(cloud.passcodesOn(LOCK).length, 1);
    assert.equal(passcode.startDate, Date.parse(CHECK_IN));
    assert.equal(passcode.endDate, Date.parse(CHECK_OUT));
    assert.equal(passcode.keyboardPwdName, 'SK Ada');
    assert.equal(cloud.callsTo('/v3/keyboardPwd/add')[0].params.addType, '2');
    const told = seen.codes.find((message) => message.change === 'issued')!;
    assert.equal(vault.open(told.codes[0].pin!), passcode.keyboardPwd, 'the guest gets the code the lock holds');
    assert.ok(cloud.opens(LOCK, passcode.keyboardPwd, new Date('2026-07-11T12:00:00Z')));
    assert.deepEqual(seen.caught, []);
    assertNothingSecretShown();
  });

  it('moves the checkout on the lock without a second passcode, and removes it when the booking is cancelled', async () => {
    await start();
    send(windowMessage());
    await eventually('the code is on the lock', () => seen.codes.some((message) => message.change === 'issued'));
    const shorter = windowMessage('changed');
    shorter.booking = { ...booking, departure: '2026-07-12' };
    shorter.window = { ...shorter.window, endsAt: '2026-07-12T10:00:00.000Z', checkOutAt: '2026-07-12T10:00:00.000Z' };
    send(shorter);
    await eventually('the lock has the new checkout', () => cloud.passcodesOn(LOCK)[0]?.endDate === Date.parse('2026-07-12T10:00:00.000Z'));
    assert.equal(cloud.passcodesOn(LOCK).length, 1);
    const change = cloud.callsTo('/v3/keyboardPwd/change')[0];
    assert.equal(change.params.startDate, String(Date.parse(CHECK_IN)));
    assert.equal(change.params.changeType, '2');
    send(windowMessage('cancelled'));
    await eventually('the code is gone', () => cloud.passcodesOn(LOCK).length === 0);
    assert.equal(cloud.callsTo('/v3/keyboardPwd/delete')[0].params.deleteType, '2');
    assertNothingSecretShown();
  });

  it('loses nothing in a 10-minute outage across a restart, and ends with exactly one passcode for the booking', async () => {
    await start();
    // The add reaches the lock but its answer is lost; then the cloud goes down for 10 minutes.
    cloud.hangNext('/v3/keyboardPwd/add', { apply: true });
    send(windowMessage());
    await eventually('the add reached TTLock', () => cloud.callsTo('/v3/keyboardPwd/add').length === 1);
    cloud.setOutage(true);
    const outageEnds = clock.now().getTime() + 10 * 60_000;
    await advanceUntil('five minutes into the outage', () => clock.now().getTime() >= outageEnds - 5 * 60_000);
    assert.ok(seen.statuses.some((text) => /^retry \d+\/30 front-door$/.test(text)), `statuses: ${seen.statuses.join(', ')}`);

    await helper.unload(); // Node-RED restarts with the cloud still down
    const callsBeforeRestart = cloud.calls.length;
    await start();
    await advanceUntil('the end of the outage', () => clock.now().getTime() >= outageEnds);
    assert.ok(cloud.calls.length > callsBeforeRestart, 'StayKey kept trying after the restart');
    cloud.setOutage(false);
    await advanceUntil('the guest is told', () => seen.codes.some((message) => message.change === 'issued'));

    const ours = cloud.passcodesOn(LOCK);
    assert.equal(ours.length, 1, 'exactly one passcode for the booking');
    assert.equal(ours[0].startDate, Date.parse(CHECK_IN));
    assert.equal(ours[0].endDate, Date.parse(CHECK_OUT));
    assert.equal(cloud.callsTo('/v3/keyboardPwd/add').length, 1, 'the passcode that landed was recognised, not added again');
    const told = seen.codes.find((message) => message.change === 'issued')!;
    assert.equal(vault.open(told.codes[0].pin!), ours[0].keyboardPwd);
    const [code] = Object.values(ledger().codes);
    assert.equal(code.state, 'confirmed');
    assertNothingSecretShown();
  });

  it('imports the codes already on the lock: listed, avoided and left alone', async () => {
    cloud.addPasscode(LOCK, { pin: '135790', name: 'Owner', type: 2 });
    await start();
    send({ kind: 'verify' });
    await eventually('the host hears of the owner code', () => seen.alerts.some((alert) => alert.topic === 'foreign-codes'));
    const alert = seen.alerts.find((a) => a.topic === 'foreign-codes')!;
    assert.match(alert.text, /Lock front-door holds codes StayKey did not create \(slots 1001\): left alone/);
    assert.deepEqual(ledger().foreign?.['front-door']?.map((code) => code.slot), [1001]);

    send(windowMessage());
    await eventually('the guest is told', () => seen.codes.some((message) => message.change === 'issued'));
    send(windowMessage('cancelled'));
    await eventually('the guest code is gone', () => cloud.passcodesOn(LOCK).length === 1);
    assert.deepEqual(
      cloud.passcodesOn(LOCK).map((p) => [p.keyboardPwdName, p.keyboardPwd]),
      [['Owner', '135790']],
      'the owner code is still there',
    );
    assert.ok(!cloud.calls.some((call) => call.path === '/v3/keyboardPwd/add' && call.params.keyboardPwd === '135790'));
  });

  it("lists the account's locks for the editor, each as a row with its TTLock id", async () => {
    cloud.addLock({ lockId: 3002, lockAlias: 'Garden gate', gatewayId: 77, electricQuantity: 35 });
    await start();
    const response = await helper.request().get('/staykey/ttlock/account/locks');
    assert.equal(response.status, 200);
    const body = response.body as { locks: Array<{ lockId: number; alias: string; battery: number; row: Record<string, unknown> }> };
    assert.deepEqual(
      body.locks.map((lock) => [lock.lockId, lock.alias, lock.battery, lock.row.id, lock.row.device, lock.row.schedules]),
      [
        [3001, 'Front door', 80, 'front-door', '3001', true],
        [3002, 'Garden gate', 35, 'garden-gate', '3002', true],
      ],
    );
    const unknown = await helper.request().get('/staykey/ttlock/nope/locks');
    assert.equal(unknown.status, 404);
    assert.ok(!JSON.stringify(body).includes(PASSWORD));
  });

  it('reports the refused login to the host as a failed code, without the password', async () => {
    await helper.load(nodeModules, flow(baseUrl, { maxAttempts: 3 }), { account: { ...credentials.account, password: 'not-it' } });
    const results: LockResultMessage[] = [];
    helper.getNode('results').on('input', (msg: NodeMessage) => results.push(msg.payload as LockResultMessage));
    helper.getNode('alerts').on('input', (msg: NodeMessage) => seen.alerts.push(msg.payload as AlertMessage));
    send(windowMessage());
    // The first thing StayKey asks of a lock it has never seen is what it holds: that read meets the refusal.
    await eventually('the host is alerted', () => seen.alerts.some((alert) => alert.topic === 'lock-read'));
    assert.deepEqual([results[0].action, results[0].reason], ['read', 'auth']);
    assert.equal(results[0].attempts, 1, 'a wrong password is not tried 30 times');
    const alert = seen.alerts.find((a) => a.topic === 'lock-read')!;
    assert.match(alert.text, /lock front-door/);
    assert.match(alert.text, /user name or password/);
    assert.ok(!results.some((result) => result.action === 'set'), 'the code waits for the account, rather than being written unread');
    assert.ok(!JSON.stringify([results, seen.alerts]).includes('not-it'));
    assert.ok(!JSON.stringify([results, seen.alerts]).includes(md5('not-it')));
  });

  it('tells the host when the locks config has no TTLock account', async () => {
    await start({ ttlockAccount: '' });
    helper.getNode('provider').receive({ payload: { kind: 'lock-command', command: { id: 'read-1', action: 'read', lockId: 'front-door' } } });
    await eventually('the error reaches a Catch node', () => seen.caught.length > 0);
    assert.match(seen.caught[0], /locks config: choose the TTLock account these locks belong to \(provider TTLock\)/);
  });
});

/** Status texts of a node, as the helper's spy sees them. */
function watchStatus(node: TestNode, into: string[]): void {
  const spy = node as unknown as { on(event: string, listener: (call: { args: [{ text?: string }] }) => void): void };
  spy.on('call:status', (call) => into.push(call.args[0]?.text ?? ''));
}
