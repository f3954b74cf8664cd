import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { Booking } from '../lib/bookings/booking';
import type { LedgerData } from '../lib/ledger/ledger-types';
import { SimulatedLocks } from '../lib/locks/simulated';
import type { AlertMessage, CodeMessage, LockCommand, LockCommandMessage, LockResultMessage, WindowMessage } from '../lib/messages';
import { ruleBroken } from '../lib/pins/pin-rules';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { clearRecorded, messages, RECORDER, recorderNode, until } from './support/recorder';
import { helper } from './support/red';
import { sidebarBoard } from '../nodes/shared/sidebar-board';
import { PIN_MASK } from '../lib/notify/render';
import { readFileLedger } from '../lib/ledger/ledger-file';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pinIssuerNode = require('../nodes/pin-issuer/pin-issuer') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;

// --- Recorders (test/support/recorder.ts): the commands a pin-issuer resends when its flow starts
// may arrive before a test could add a listener to a helper node.

/** The `count`th message `id` received, once it has. */
function nth(id: string, count: number): Promise<NodeMessage> {
  return until(() => messages(id)[count - 1]);
}

/** Resolves when the pin-issuer has finished `count` inputs, well or with an error. */
function handled(count: number): Promise<void> {
  return until(() => (messages('completed').length + messages('caught').length >= count ? true : undefined)).then(() => undefined);
}

function payloads<T>(id: string): T[] {
  return messages(id).map((msg) => msg.payload as T);
}

function commands(): LockCommand[] {
  return payloads<LockCommandMessage>('commands').map((payload) => payload.command);
}

/** Lets promise chains and Node-RED's deferred message delivery (setImmediate) run out. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

// --- The flow --------------------------------------------------------------------------------

const lockRows = [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true, batteryType: '4x AA' }];

/** The daily verify is off here (timers over weeks would read the lock); foreign-codes tests it, and the test below. */
function flow(options: { withProvider?: boolean; verifyEveryHours?: number } = {}): object[] {
  const toLocks = options.withProvider ? ['provider', 'commands'] : ['commands'];
  const nodes: object[] = [
    { id: 'tab', type: 'tab', label: 'StayKey' },
    { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: lockRows, latency: 0, failureRate: 0, drain: 0.2, maxAttempts: 2, retryDelay: 0.001 },
    {
      id: 'issuer',
      type: 'staykey-pin-issuer',
      z: 'tab',
      locks: 'locks',
      commandTimeoutMinutes: 120,
      retryFailedAfterMinutes: 60,
      verifyEveryHours: options.verifyEveryHours ?? 0,
      wires: [toLocks, ['codes'], ['alerts']],
    },
    { id: 'commands', type: RECORDER, z: 'tab' },
    { id: 'codes', type: RECORDER, z: 'tab' },
    { id: 'alerts', type: RECORDER, z: 'tab' },
    { id: 'on-error', type: 'catch', z: 'tab', scope: ['issuer'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: RECORDER, z: 'tab' },
    { id: 'on-complete', type: 'complete', z: 'tab', scope: ['issuer'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: RECORDER, z: 'tab' },
  ];
  if (options.withProvider) {
    nodes.push(
      { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['issuer', 'results'], ['provider-alerts']] },
      { id: 'results', type: RECORDER, z: 'tab' },
      { id: 'provider-alerts', type: RECORDER, z: 'tab' },
    );
  }
  return nodes;
}

const nodeModules = [locksConfigNode, lockProviderNode, pinIssuerNode, recorderNode];

const booking: Booking = { id: 'HM123@airbnb.com', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada' };

/** What access-window sends for `booking`: check-in 16:00 Lisbon (15:00 UTC), checkout 11:00, issued 48 h before. */
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

function resultFor(command: LockCommand, ok = true): LockResultMessage {
  const result: LockResultMessage = {
    kind: 'lock-result',
    commandId: command.id,
    codeId: command.codeId,
    lockId: command.lockId,
    action: command.action,
    ok,
    confirmed: ok,
    attempts: ok ? 1 : 30,
  };
  if (!ok) {
    result.reason = 'offline';
    result.error = 'Front door could not set the code in slot 3: Front door is offline: it does not answer';
  }
  return result;
}

function send(payload: unknown): void {
  helper.getNode('issuer').receive({ payload });
}

function statusTexts(): { fill?: string; text?: string }[] {
  const node = helper.getNode('issuer');
  return node.status
    .getCalls()
    .filter((call) => call.thisValue === node)
    .map((call) => call.args[0] as { fill?: string; text?: string });
}

function lastStatus(): { fill?: string; text?: string } {
  const all = statusTexts();
  return all[all.length - 1];
}

describe('pin-issuer node', () => {
  let directory: string;
  let clock: ManualClock;
  let vault: Vault;

  const ledgerFile = () => path.join(directory, 'ledgers', 'issuer.json');
  const ledger = () => readFileLedger(ledgerFile())!;
  /** The snapshot and the journal beside it, as text: what a thief of the disk would read. */
  const ledgerText = () => [ledgerFile(), `${ledgerFile()}.journal`].filter((file) => fs.existsSync(file)).map((file) => fs.readFileSync(file, 'utf8')).join('\n');

  /**
   * Loads the flow at `now` (inside the lead time unless a test says otherwise). The pin-issuer first
   * reads the lock it has never seen (foreign-codes.test.ts tests that); here the lock answers empty, and
   * the recorders start afresh, so each test sees only what follows.
   */
  async function start(now: string, options: { withProvider?: boolean; unread?: boolean } = {}): Promise<void> {
    clock.advanceTo(now);
    await helper.load(nodeModules, flow(options));
    if (options.withProvider || options.unread) return;
    const read = await until(() => commands().find((command) => command.action === 'read'));
    send({ ...resultFor(read), codes: [] });
    await handled(1);
    await settle();
    clearRecorded();
  }

  /** A window, its set command and the lock's confirmation: the guest has been told. */
  async function issued(): Promise<{ set: LockCommand; pin: string }> {
    send(windowMessage());
    await handled(1);
    const [set] = commands();
    send(resultFor(set));
    await handled(2);
    assert.equal(payloads<CodeMessage>('codes')[0]?.change, 'issued');
    return { set, pin: vault.open(set.pin!) };
  }

  beforeEach(() => {
    clearRecorded();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-pin-issuer-'));
    vault = Vault.openDirectory(directory);
    clock = new ManualClock('2026-06-01T12:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    return helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ staykey: undefined });
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('sends a sealed set inside the lead time and tells the guest only once the lock confirms it', async () => {
    await start('2026-07-09T00:00:00Z');
    send(windowMessage());
    await handled(1);
    assert.equal(messages('commands').length, 1);
    const message = payloads<LockCommandMessage>('commands')[0];
    assert.equal(message.kind, 'lock-command');
    assert.equal(messages('commands')[0].topic, 'front-door');
    const set = message.command;
    assert.equal(set.action, 'set');
    assert.equal(set.lockId, 'front-door');
    assert.equal(set.slot, 3);
    assert.equal(set.startsAt, '2026-07-10T15:00:00.000Z');
    assert.equal(set.endsAt, '2026-07-13T10:00:00.000Z');
    assert.ok(set.pin?.startsWith('sk1.'), 'the PIN travels sealed');
    const pin = vault.open(set.pin!);
    assert.match(pin, /^\d{6}$/);
    assert.equal(ruleBroken(pin, { codeLengths: [6], firstSlot: 3, lastSlot: 20 }), undefined);
    assert.deepEqual(messages('codes'), [], 'the guest hears nothing before the lock has the code');
    assert.deepEqual(lastStatus(), { fill: 'yellow', shape: 'dot', text: '1 pending, 0 on locks' });

    send(resultFor(set));
    await handled(2);
    const told = payloads<CodeMessage>('codes');
    assert.equal(told.length, 1);
    assert.equal(told[0].kind, 'code');
    assert.equal(told[0].change, 'issued');
    assert.equal(told[0].bookingId, booking.id);
    assert.equal(told[0].codes[0].slot, 3);
    assert.equal(vault.open(told[0].codes[0].pin!), pin);
    assert.deepEqual(lastStatus(), { fill: 'green', shape: 'dot', text: '1 code on locks' });
    assert.ok(statusTexts().every((status) => !String(status.text).includes(pin)), 'no PIN in the status');
    assert.equal(messages('commands').length, 1);
    assert.deepEqual(messages('alerts'), []);
  });

  it('stamps a keypad use that comes without a time with its own clock, not the wall clock', async () => {
    await start('2026-07-10T15:05:00Z');
    const { set } = await issued();
    send({ kind: 'code-used', lockId: 'front-door', slot: set.slot, success: true });
    await handled(3);
    assert.equal(ledger().codes[`${booking.id}@front-door`].usedAt, '2026-07-10T15:05:00.000Z');
  });

  it('waits for the issue time on its own timer and then sends the set', async () => {
    await start('2026-06-01T12:00:00Z');
    send(windowMessage());
    await handled(1);
    assert.deepEqual(messages('commands'), [], 'nothing five weeks ahead');

    clock.advanceTo('2026-07-08T14:59:00Z'); // a minute before 48 h ahead of check-in
    await settle();
    assert.deepEqual(messages('commands'), []);

    clock.advanceTo('2026-07-08T15:00:01Z');
    const set = (await nth('commands', 1)).payload as LockCommandMessage;
    assert.equal(set.command.action, 'set');
    assert.equal(set.command.codeId, `${booking.id}@front-door`);
  });

  it('clears the code when the booking is cancelled, and tells the guest it is gone', async () => {
    await start('2026-07-09T00:00:00Z');
    const { set } = await issued();
    send(windowMessage('cancelled'));
    await handled(3);
    const clear = commands()[1];
    assert.equal(clear?.action, 'clear');
    assert.equal(clear.slot, set.slot);
    assert.equal(clear.pin, undefined);
    send(resultFor(clear));
    await handled(4);
    assert.equal(payloads<CodeMessage>('codes')[1]?.change, 'revoked');
    assert.equal(ledger().codes[set.codeId].state, 'revoked');
  });

  it('clears the code on its own timer when checkout has passed', async () => {
    await start('2026-07-09T00:00:00Z');
    const { set } = await issued();
    clock.advanceTo('2026-07-13T09:59:00Z');
    await settle();
    assert.equal(commands().length, 1, 'the code stays until checkout');
    clock.advanceTo('2026-07-13T10:00:01Z');
    const clear = ((await nth('commands', 2)).payload as LockCommandMessage).command;
    assert.equal(clear.action, 'clear');
    assert.equal(clear.slot, set.slot);
  });

  it('keeps only a bcrypt hash in its ledger once the guest has the code', async () => {
    await start('2026-07-09T00:00:00Z');
    const { pin } = await issued();
    const before = ledgerText();
    assert.ok(before.includes('"sealedPin":"sk1.'), 'sealed until delivered');
    assert.ok(!before.includes(pin));

    send({ kind: 'delivery', bookingId: booking.id, channel: 'email', delivered: true });
    await handled(3);
    const after = ledgerText();
    assert.ok(after.includes('"pinHash":"$2b$'), 'a bcrypt hash');
    assert.ok(!after.includes('sk1.'), 'no sealed PIN left');
    assert.ok(!after.includes(pin), 'never the PIN itself');
    assert.deepEqual(messages('alerts'), []);
  });

  it('sends an unanswered command again, unchanged, after a restart, and no second set', async () => {
    await start('2026-07-09T00:00:00Z');
    send(windowMessage());
    await handled(1);
    const [set] = commands();
    assert.equal(ledger().codes[set.codeId].inFlight?.id, set.id);

    await helper.unload();
    assert.equal(clock.pendingTimers, 0, 'the stopped node left no timer behind');
    clock.advance(3 * 3600_000); // down for longer than the 120 min after which a command is resent anyway
    clearRecorded();
    await helper.load(nodeModules, flow());

    const resent = ((await nth('commands', 1)).payload as LockCommandMessage).command;
    assert.deepEqual(resent, { ...set, resent: true }, 'the same command, marked so the lock is read before it is written');
    await settle();
    assert.equal(commands().length, 1, 'sent once, not once as in flight and again as overdue');

    send(windowMessage()); // access-window sends its windows again after a restart
    await handled(1);
    assert.equal(commands().length, 1, 'no second set for the same booking');

    send(resultFor(resent));
    await handled(2);
    assert.equal(payloads<CodeMessage>('codes')[0]?.change, 'issued');
  });

  it('sends bad input to a Catch node and keeps working', async () => {
    await start('2026-07-09T00:00:00Z');
    send('open the door');
    send({ kind: 'unlock' });
    // A window without its window part must not get into the ledger, where it would break every later reconcile.
    send({ kind: 'window', change: 'created', booking: { id: 'broken', unit: 'Room 9' } });
    send({ kind: 'lock-result', commandId: 'x' });
    await handled(4);
    const errors = messages('caught').map((msg) => (msg as NodeMessage & { error: { message: string } }).error.message);
    assert.equal(errors.length, 4);
    assert.match(errors[0], /needs msg.payload with a kind/);
    assert.match(errors[1], /got kind "unlock"/);
    assert.match(errors[2], /booking broken came without its window/);
    assert.match(errors[3], /a lock-result needs commandId, codeId and ok/);
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'bad input' });

    send(windowMessage());
    await handled(5);
    assert.equal(messages('caught').length, 4);
    assert.equal(commands()[0]?.action, 'set');
    assert.deepEqual(Object.keys(ledger().bookings), [booking.id]);
  });

  it('tells a Catch node when asked to re-issue a booking it does not know', async () => {
    await start('2026-07-09T00:00:00Z');
    send({ kind: 'reissue', bookingId: 'nobody' });
    await handled(1);
    const error = (messages('caught')[0] as NodeMessage & { error: { message: string } }).error.message;
    assert.match(error, /no booking nobody in the ledger/);
  });

  it('alerts the host once when a window names a lock the locks config does not have', async () => {
    await start('2026-07-09T00:00:00Z');
    const window = windowMessage();
    window.window.locks = ['back-door'];
    send(window);
    send({ kind: 'reconcile' });
    await handled(2);
    assert.deepEqual(commands(), []);
    const alerts = payloads<AlertMessage>('alerts');
    assert.equal(alerts.length, 1, 'told once, not on every reconcile');
    assert.equal(alerts[0].topic, 'unknown-lock');
    assert.equal(alerts[0].lockId, 'back-door');
    assert.equal(alerts[0].bookingId, booking.id);
  });

  it('turns red when its ledger file cannot be read, and fails every message with the reason', async () => {
    fs.mkdirSync(path.dirname(ledgerFile()), { recursive: true });
    fs.writeFileSync(ledgerFile(), '{"version": 1, "bookings": {');
    await start('2026-07-09T00:00:00Z', { unread: true });
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'ring', text: 'ledger unreadable' });
    send(windowMessage());
    await handled(1);
    const error = (messages('caught')[0] as NodeMessage & { error: { message: string } }).error.message;
    assert.match(error, /cannot open its ledger: .*is not valid JSON/);
    assert.deepEqual(messages('commands'), []);
    assert.equal(fs.readFileSync(ledgerFile(), 'utf8'), '{"version": 1, "bookings": {', 'the damaged ledger is left for the host to restore');
  });

  it('alerts the host, naming booking and lock and no PIN, when a set fails, and retries after the pause', async () => {
    await start('2026-07-09T00:00:00Z');
    send(windowMessage());
    await handled(1);
    const [set] = commands();
    const pin = vault.open(set.pin!);
    send(resultFor(set, false));
    await handled(2);
    const alerts = payloads<AlertMessage>('alerts');
    assert.equal(alerts.length, 1);
    const [alert] = alerts;
    assert.equal(alert.kind, 'alert');
    assert.equal(alert.severity, 'critical');
    assert.equal(alert.topic, 'lock-failure');
    assert.equal(alert.bookingId, booking.id);
    assert.equal(alert.lockId, 'front-door');
    assert.match(alert.text, new RegExp(`Could not set the code of booking ${booking.id.replace(/\./g, '\\.')} on lock front-door`));
    const whole = JSON.stringify(messages('alerts')[0]);
    assert.ok(!whole.includes(pin) && !whole.includes('sk1.'), 'no PIN, sealed or not, in the alert');
    assert.deepEqual(messages('codes'), []);
    assert.equal(commands().length, 1, 'no retry at once');
    assert.deepEqual(lastStatus(), { fill: 'red', shape: 'dot', text: '1 failed, 0 on locks' });

    clock.advance(61 * 60_000);
    const retry = ((await nth('commands', 2)).payload as LockCommandMessage).command;
    assert.equal(retry.action, 'set');
    assert.notEqual(retry.id, set.id);
    assert.equal(vault.open(retry.pin!), pin, 'the same code, tried again');
  });

  it('clears the old code first, then sets a new PIN in the same slot, when asked to re-issue', async () => {
    await start('2026-07-09T00:00:00Z');
    const { set, pin } = await issued();
    send({ kind: 'reissue', bookingId: booking.id });
    await handled(3);
    const clear = commands()[1];
    assert.equal(clear?.action, 'clear', 'the old PIN stops working first');
    assert.equal(clear.slot, set.slot);
    send(resultFor(clear));
    await handled(4);
    const again = commands()[2];
    assert.equal(again?.action, 'set');
    assert.equal(again.slot, set.slot);
    const newPin = vault.open(again.pin!);
    assert.notEqual(newPin, pin);
    assert.equal(payloads<CodeMessage>('codes').length, 1, 'the guest hears once the lock has the new code');
    send(resultFor(again));
    await handled(5);
    const reissued = payloads<CodeMessage>('codes')[1];
    assert.equal(reissued?.change, 'reissued');
    assert.equal(vault.open(reissued.codes[0].pin!), newPin);
  });

  it('reads a lock again when it is deleted and added again, and never writes over the code the owner keyed in meanwhile', async () => {
    await start('2026-07-09T00:00:00Z', { withProvider: true });
    const isRead = (msg: NodeMessage) => (msg.payload as LockResultMessage).action === 'read';
    await until(() => messages('results').find(isRead));
    // A deploy without the pin-issuer (deleted in the editor), then one with it again (the same node, undone).
    const deploy = (nodes: object[]) => (helper as unknown as { setFlows(flow: object[], type: string): Promise<void> }).setFlows(nodes, 'full');
    await deploy(flow({ withProvider: true }).filter((node) => (node as { id: string }).id !== 'issuer'));
    assert.equal(ledger().reads?.['front-door'], undefined, 'the removed pin-issuer forgot what it had read');
    const locks = (helper.getNode('locks') as unknown as LockSetNode).lockSet.provider as SimulatedLocks;
    locks.addCodeBehindOurBack('front-door', { slot: 3, name: 'Owner', pin: '720416', startsAt: '2026-01-01T00:00:00Z', endsAt: '2027-01-01T00:00:00Z' });
    clearRecorded();
    await deploy(flow({ withProvider: true }));
    await until(() => messages('results').find(isRead));
    send(windowMessage());
    const told = (await nth('codes', 1)).payload as CodeMessage;
    const held = ((helper.getNode('locks') as unknown as LockSetNode).lockSet.provider as SimulatedLocks).inspect('front-door').codes;
    assert.deepEqual(held.find((code) => code.slot === 3)?.pin, '720416', "the owner's code is where the owner put it");
    assert.equal(told.codes[0].slot, 4);
    assert.notEqual(vault.open(told.codes[0].pin!), '720416');
    assert.ok(payloads<AlertMessage>('alerts').some((alert) => alert.topic === 'foreign-codes' && /slots 3\b/.test(alert.text)));
  });

  it('reads every lock once a day on its own timer, and not more often', async () => {
    clock.advanceTo('2026-07-09T00:00:00Z');
    await helper.load(nodeModules, flow({ verifyEveryHours: 24 }));
    const reads = () => commands().filter((command) => command.action === 'read');
    const first = await until(() => reads()[0]);
    send({ ...resultFor(first), codes: [] });
    await handled(1);
    clock.advance(23 * 3600_000);
    await settle();
    assert.equal(reads().length, 1, 'not before a day is up');
    clock.advance(3 * 3600_000); // a day, and up to two hours that differ by lock
    await until(() => reads()[1]);
    assert.equal(reads()[1].slot, 0, 'the whole lock');
  });

  it('with a real lock-provider in the loop, leaves the lock holding exactly the code its ledger records', async () => {
    await start('2026-07-09T00:00:00Z', { withProvider: true });
    send(windowMessage());
    const told = (await nth('codes', 1)).payload as CodeMessage;
    assert.equal(told.change, 'issued');

    const locks = (helper.getNode('locks') as unknown as LockSetNode).lockSet.provider;
    assert.ok(locks instanceof SimulatedLocks);
    const entry = ledger().codes[`${booking.id}@front-door`];
    assert.equal(entry.state, 'confirmed');
    assert.equal(entry.inFlight, undefined);
    assert.deepEqual(locks.inspect('front-door').codes, [
      {
        slot: entry.slot,
        name: entry.name,
        pin: vault.open(entry.sealedPin!),
        startsAt: '2026-07-10T15:00:00.000Z',
        endsAt: '2026-07-13T10:00:00.000Z',
      },
    ]);
    assert.equal(vault.open(told.codes[0].pin!), vault.open(entry.sealedPin!));

    clock.advanceTo('2026-07-13T10:00:01Z');
    await until(() => messages('completed').find((msg) => (msg.payload as LockResultMessage).action === 'clear'));
    assert.deepEqual(locks.inspect('front-door').codes, [], 'the lock is empty after checkout');
    assert.equal(ledger().codes[entry.codeId].state, 'revoked');
    assert.deepEqual(messages('alerts'), []);
    assert.deepEqual(messages('provider-alerts'), []);
  });

  it('is on the editor sidebar\'s board: its overview masks the code, verify goes to the lock through its queue, a lock or booking it lacks is refused', async () => {
    await start('2026-07-09T00:00:00Z');
    const { pin } = await issued();
    const panel = sidebarBoard.issuers.get('issuer');
    assert.ok(panel, 'the running pin-issuer is on the board');
    const overview = await panel.overview();
    const [door] = overview.locks;
    assert.deepEqual([door.lockId, door.provider, door.online, door.codes.map((code) => [code.who, code.state, code.pin])], ['front-door', 'simulated', true, [['Ada', 'confirmed', PIN_MASK]]]);
    assert.ok(!JSON.stringify(overview).includes(pin), 'no PIN in the overview');
    await assert.rejects(panel.act({ kind: 'verify', lockId: 'back-door' }), /has no lock "back-door"/);
    await assert.rejects(panel.act({ kind: 'reissue', bookingId: 'nobody@airbnb.com' }), /has no codes for booking "nobody@airbnb.com"/);
    clearRecorded();
    await panel.act({ kind: 'verify', lockId: 'front-door' });
    await settle();
    assert.deepEqual(commands().map((command) => [command.action, command.lockId]), [['read', 'front-door']]);
    assert.equal((await panel.overview()).locks[0].verifying, true);
    await helper.unload();
    assert.equal(sidebarBoard.issuers.has('issuer'), false, 'a stopped pin-issuer leaves the board');
  });
});
