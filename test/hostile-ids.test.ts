/**
 * Ids from outside are data. `__proto__`, `constructor` and `prototype` as a booking id, lock id, UID,
 * unit, slot or flag once reached Object.prototype (a delivery for booking `__proto__` set
 * `Object.prototype.delivered` for the whole Node-RED process); `toString` and `hasOwnProperty` found
 * Object's methods where a record was expected. Each node now refuses the three reserved names with a
 * clear error, and every record keyed by an id has no prototype, so the other names simply work.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { emptyMemory, review } from '../lib/battery/alerts';
import { parseBooking } from '../lib/bookings/booking';
import { readBookingMessage } from '../lib/bookings/message-shapes';
import { readForm } from '../lib/guest/http';
import { parseDashboardInput } from '../lib/ha/discovery-input';
import { checkId } from '../lib/ids';
import { Ledger } from '../lib/ledger/ledger';
import { fileLedgerStore } from '../lib/ledger/ledger-file';
import { locksFromRows } from '../lib/locks/lock-rows';
import { NukiSlotBook } from '../lib/locks/nuki/slots';
import type { LockConfig } from '../lib/locks/provider';
import { TTLockSlots } from '../lib/locks/ttlock/slots';
import type { BatteryReading, CodeMessage, LockCommand, LockCommandMessage, LockResultMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { clearRecorded, messages, RECORDER, recorderNode, until } from './support/recorder';
import { helper } from './support/red';
import { readFileLedger } from '../lib/ledger/ledger-file';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pinIssuerNode = require('../nodes/pin-issuer/pin-issuer') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockProviderNode = require('../nodes/lock-provider/lock-provider') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const accessWindowNode = require('../nodes/access-window/access-window') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const notifierNode = require('../nodes/notifier/notifier') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bookingSourceNode = require('../nodes/booking-source/booking-source') as unknown;

const RESERVED = ['__proto__', 'constructor', 'prototype'];
/** Names Object.prototype has too: they must work as ordinary ids. */
const HARMLESS = ['hasOwnProperty', 'toString'];
const REFUSED = /reserved names, not ids/;

// --- Object.prototype and Object, as they were before any test ran ------------------------------

type Snapshot = Map<string, unknown>;

function snapshotOf(target: object): Snapshot {
  const snapshot: Snapshot = new Map();
  for (const name of Object.getOwnPropertyNames(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(target, name)!;
    snapshot.set(name, descriptor.get ?? descriptor.value);
  }
  return snapshot;
}

const PROTOTYPE_BEFORE = snapshotOf(Object.prototype);
const OBJECT_BEFORE = snapshotOf(Object);

function assertUntouched(): void {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), [...PROTOTYPE_BEFORE.keys()].sort(), 'no new key on Object.prototype');
  assert.deepEqual(Object.getOwnPropertyNames(Object).sort(), [...OBJECT_BEFORE.keys()].sort(), 'no new key on Object');
  for (const [name, value] of snapshotOf(Object.prototype)) assert.equal(value, PROTOTYPE_BEFORE.get(name), `Object.prototype.${name} unchanged`);
  const plain = {} as Record<string, unknown>;
  for (const name of ['polluted', 'delivered', 'booking', 'slots', 'cancelled']) assert.equal(plain[name], undefined, `({}).${name}`);
}

/** A failed test must not leave its pollution to the next: whatever it added goes. */
function cleanUp(): void {
  for (const name of Object.getOwnPropertyNames(Object.prototype)) if (!PROTOTYPE_BEFORE.has(name)) delete (Object.prototype as Record<string, unknown>)[name];
  for (const name of Object.getOwnPropertyNames(Object)) if (!OBJECT_BEFORE.has(name)) delete (Object as unknown as Record<string, unknown>)[name];
}

/** Built from JSON, as a webhook or a JSON node builds it: a `__proto__` key is then an own key. */
function fromJson<T = Record<string, unknown>>(value: string): T {
  return JSON.parse(value) as T;
}

function bookingJson(id: string, extra = ''): string {
  return `{"id": ${JSON.stringify(id)}, "unit": "Room 101", "arrival": "2026-07-10", "departure": "2026-07-13"${extra}}`;
}

const LISBON = { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48 };

function windowMessage(id: string, locks: string[]): WindowMessage {
  const booking = { id, unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada Lovelace' };
  return { kind: 'window', change: 'created', booking, window: windowFor(booking, { ...LISBON, locks }) };
}

function okFor(command: LockCommand): LockResultMessage {
  return { kind: 'lock-result', commandId: command.id, codeId: command.codeId, lockId: command.lockId, action: command.action, ok: true, confirmed: true, attempts: 1 };
}

afterEach(cleanUp);

describe('hostile ids', () => {
  describe('the shared check', () => {
    it('refuses the three reserved names, naming the field, and lets every other value through unchanged', () => {
      for (const id of RESERVED) assert.throws(() => checkId(id, 'booking id'), new RegExp(`booking id "${id}" cannot be used`));
      assert.throws(() => checkId(' __proto__ ', 'lock id'), REFUSED);
      for (const id of [...HARMLESS, 'HM123@airbnb.com', '', undefined, 7]) assert.equal(checkId(id, 'booking id'), id);
    });
  });

  describe('bookings read from messages', () => {
    it('refuses a reserved booking id, UID, unit or flag with a clear error, and keeps hasOwnProperty and toString as data', () => {
      for (const id of RESERVED) {
        assert.throws(() => parseBooking(fromJson(bookingJson(id))), REFUSED);
        assert.throws(() => parseBooking(fromJson(`{"uid": ${JSON.stringify(id)}, "unit": "Room 101", "arrival": "2026-07-10", "departure": "2026-07-13"}`)), REFUSED);
        assert.throws(() => parseBooking(fromJson(`{"id": "HM1", "unit": ${JSON.stringify(id)}, "arrival": "2026-07-10", "departure": "2026-07-13"}`)), REFUSED);
        assert.throws(() => parseBooking(fromJson(bookingJson('HM1', `, "units": ["Room 101", ${JSON.stringify(id)}]`))), REFUSED);
        assert.throws(() => parseBooking(fromJson(bookingJson('HM1', `, "flags": {${JSON.stringify(id)}: true}`))), REFUSED);
        assert.throws(() => readBookingMessage(fromJson(`{"reservationId": ${JSON.stringify(id)}, "status": "cancelled"}`), undefined, { unit: 'Room 101', source: 'pms' }), REFUSED);
        const calendarEvent = { uid: id, summary: 'Reserved', start: '2026-07-10', end: '2026-07-13' };
        assert.throws(() => readBookingMessage(calendarEvent, undefined, { unit: 'Room 101', source: 'calendar' }), REFUSED);
      }
      assertUntouched();
      // The names Object.prototype also has are ordinary ids, units and flags.
      for (const id of HARMLESS) {
        const booking = parseBooking(fromJson(`{"id": "${id}", "unit": "${id}", "arrival": "2026-07-10", "departure": "2026-07-13", "flags": {"${id}": true, "paid": true}}`));
        assert.equal(booking.id, id);
        assert.equal(booking.unit, id);
        assert.deepEqual(booking.flags, { [id]: true, paid: true });
      }
    });
  });

  describe('the ledger', () => {
    let directory: string;
    let clock: ManualClock;
    let vault: Vault;
    const locks: LockConfig[] = [
      { id: 'constructor', name: 'Front door', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 } },
      { id: 'toString', name: 'Gate', schedules: true, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 } },
    ];
    const open = () => new Ledger({ clock, vault, locks: () => locks, store: fileLedgerStore(path.join(directory, 'ledger.json')) });

    beforeEach(() => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-hostile-ledger-'));
      vault = Vault.openDirectory(directory);
      clock = new ManualClock('2026-07-09T00:00:00Z');
    });

    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('takes any id as data, even the reserved ones a node refuses, and knows them all again after a restart', async () => {
      const ids = [...RESERVED, ...HARMLESS];
      const ledger = open();
      for (const id of ids) ledger.acceptWindow(windowMessage(id, locks.map((lock) => lock.id)));
      const plan = await ledger.reconcile();
      assertUntouched();
      assert.equal(plan.commands.length, ids.length * locks.length, 'a code for every booking on every lock');
      for (const command of plan.commands) await ledger.acceptResult(okFor(command));
      const told = await ledger.reconcile();
      assert.deepEqual(told.codeMessages.map((message) => message.bookingId).sort(), [...ids].sort());
      for (const id of ids) assert.deepEqual(ledger.acceptDelivery({ kind: 'delivery', bookingId: id, channel: 'output', delivered: true }), []);
      ledger.acceptKeypad({ kind: 'code-used', lockId: 'toString', slot: plan.commands[1].slot, success: true, at: '2026-07-10T15:10:00Z' });
      await ledger.reconcile();
      assertUntouched();

      const reopened = open();
      const again = await reopened.reconcile();
      assert.deepEqual(again.commands, [], 'nothing to resend: every code is on its lock');
      assert.equal(reopened.summary().bookings, ids.length);
      assert.equal(reopened.summary().onLocks, ids.length * locks.length);
      reopened.reissue('__proto__');
      const reissued = await reopened.reconcile();
      assert.deepEqual(reissued.commands.map((command) => command.codeId).sort(), locks.map((lock) => `__proto__@${lock.id}`).sort());
      assertUntouched();
    });

    it('ignores a delivery for an unknown booking named __proto__ or constructor, and pollutes nothing', () => {
      const ledger = open();
      for (const id of RESERVED) assert.deepEqual(ledger.acceptDelivery({ kind: 'delivery', bookingId: id, channel: 'output', delivered: true }), []);
      assertUntouched();
    });
  });

  describe('records keyed by lock ids', () => {
    it('battery-watch remembers a lock by any id', () => {
      const reading = (lockId: string): BatteryReading => ({ lockId, lockName: lockId, online: true, level: 10, batteryClass: 'critical', advice: 'replace now' });
      const ids = [...RESERVED, ...HARMLESS];
      const { memory } = review(ids.map(reading), emptyMemory(), {
        today: '2026-07-10',
        kind: 'daily',
        now: new Date('2026-07-10T08:00:00Z'),
        thresholdsOf: () => ({ replaceSoonBelow: 30, criticalBelow: 15 }),
      });
      assert.deepEqual(Object.keys(memory.locks).sort(), [...ids].sort());
      assert.equal(memory.locks['__proto__'].told, 'critical');
      assertUntouched();
    });

    it('the Nuki and TTLock slot books keep a lock named constructor or __proto__ apart from Object', () => {
      const nuki = new NukiSlotBook({});
      for (const id of [...RESERVED, ...HARMLESS]) {
        nuki.link(id, 3, `auth-${id}`);
        assert.equal(nuki.authOf(id, 3), `auth-${id}`);
        const foreign = nuki.foreignSlot(id, 'constructor');
        assert.equal(nuki.foreignSlot(id, 'constructor'), foreign, 'an auth named constructor keeps its slot');
        assert.equal(nuki.foreignSlot(id, '__proto__'), foreign + 1);
      }
      const ttlock = new TTLockSlots();
      for (const id of [...RESERVED, ...HARMLESS]) {
        ttlock.place(id, 2, { keyboardPwdId: 77, startsAt: '2026-07-10T15:00:00Z', endsAt: '2026-07-13T10:00:00Z' });
        assert.equal(ttlock.slotOf(id, 77), 2);
      }
      assertUntouched();
    });

    it('the locks config refuses a reserved lock id and takes toString', () => {
      for (const id of RESERVED) assert.throws(() => locksFromRows([{ id, name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20 }]), REFUSED);
      assert.equal(locksFromRows([{ id: 'toString', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 20 }])[0].id, 'toString');
    });

    it('ha-dashboard refuses a reserved lock id in every message it takes', () => {
      for (const id of RESERVED) {
        assert.throws(() => parseDashboardInput({ kind: 'code-used', lockId: id, slot: 3, success: true, at: '2026-07-10T15:00:00Z' }), REFUSED);
        assert.throws(() => parseDashboardInput({ kind: 'lock-summary', locks: [{ lockId: id, activeGuestCodes: 1 }] }), REFUSED);
        assert.throws(() => parseDashboardInput({ kind: 'battery-report', locks: [{ lockId: id, level: 50 }] }), REFUSED);
      }
      assert.equal(parseDashboardInput({ kind: 'code-used', lockId: 'toString', slot: 3, success: true, at: '2026-07-10T15:00:00Z' }).kind, 'code-used');
    });

    it('the guest page keeps a posted field named __proto__ as a field', async () => {
      const fields = await readForm({ body: fromJson('{"__proto__": "x", "reference": "HM1", "toString": "y"}'), headers: {} } as never);
      assert.equal(fields['__proto__'], 'x');
      assert.equal(fields.reference, 'HM1');
      assert.equal(fields.toString, 'y');
      assertUntouched();
    });
  });
});

// --- Through real nodes ---------------------------------------------------------------------------

/** Resolves when the node under test has finished `count` inputs, well or with an error. */
function handled(count: number): Promise<void> {
  return until(() => (messages('completed').length + messages('caught').length >= count ? true : undefined)).then(() => undefined);
}

function caughtErrors(): string[] {
  return messages('caught').map((msg) => String((msg as NodeMessage & { error?: { message?: string } }).error?.message));
}

/** A catch and a complete node on `scope`, so every input ends as an error or a completion. */
function endings(scope: string): object[] {
  return [
    { id: 'on-error', type: 'catch', z: 'tab', scope: [scope], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: RECORDER, z: 'tab' },
    { id: 'on-complete', type: 'complete', z: 'tab', scope: [scope], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: RECORDER, z: 'tab' },
  ];
}

const lockRows = [
  { id: 'toString', name: 'Front door', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true },
  { id: 'hasOwnProperty', name: 'Gate', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true },
];

describe('hostile ids through the nodes', () => {
  let directory: string;
  let clock: ManualClock;
  let vault: Vault;
  let inputs = 0;

  /** Sends `payload` to `node` and waits until it is handled; returns the error, if any. */
  async function send(node: string, payload: unknown, extra: object = {}): Promise<string | undefined> {
    const before = messages('caught').length;
    inputs += 1;
    helper.getNode(node).receive({ payload, ...extra });
    await handled(inputs);
    return messages('caught').length > before ? caughtErrors().at(-1) : undefined;
  }

  beforeEach(() => {
    clearRecorded();
    inputs = 0;
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-hostile-'));
    vault = Vault.openDirectory(directory);
    clock = new ManualClock('2026-07-09T00:00:00Z');
    helper.settings({ staykey: { directory, clock } });
    return helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ staykey: undefined });
    fs.rmSync(directory, { recursive: true, force: true });
  });

  describe('pin-issuer', () => {
    const flow = () => [
      { id: 'tab', type: 'tab', label: 'StayKey' },
      { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: lockRows, latency: 0, failureRate: 0, drain: 0.2, maxAttempts: 2, retryDelay: 0.001 },
      { id: 'issuer', type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', wires: [['commands'], ['codes'], ['alerts']] },
      { id: 'commands', type: RECORDER, z: 'tab' },
      { id: 'codes', type: RECORDER, z: 'tab' },
      { id: 'alerts', type: RECORDER, z: 'tab' },
      ...endings('issuer'),
    ];
    const commands = () => messages('commands').map((msg) => (msg.payload as LockCommandMessage).command);
    /** Loads the flow; locks never read before are read first (answered here: empty), then the recorders start afresh. */
    const load = async (firstTime = true) => {
      await helper.load([locksConfigNode, lockProviderNode, pinIssuerNode, recorderNode], flow());
      if (!firstTime) return;
      const reads = await until(() => (commands().filter((command) => command.action === 'read').length === 2 ? commands() : undefined));
      for (const read of reads) assert.equal(await send('issuer', { ...okFor(read), codes: [] }), undefined);
      clearRecorded();
      inputs = 0;
    };

    it('refuses a delivery for booking __proto__ with a clear error and leaves Object.prototype alone', async () => {
      await load();
      const error = await send('issuer', fromJson('{"kind": "delivery", "bookingId": "__proto__", "channel": "output", "delivered": true}'));
      assert.match(String(error), /bookingId "__proto__" cannot be used/);
      assertUntouched();
    });

    it('refuses the reserved names in every message that carries an id', async () => {
      await load();
      for (const id of RESERVED) {
        const quoted = JSON.stringify(id);
        const window = windowMessage(id, ['toString']);
        const hostile = [
          window,
          { ...windowMessage('HM1', ['toString']), window: { ...windowMessage('HM1', [id]).window } },
          { kind: 'delivery', bookingId: id, channel: 'output', delivered: true },
          { kind: 'reissue', bookingId: id },
          { kind: 'verify', lockId: id },
          { kind: 'wipe', lockId: id },
          { kind: 'activate-backup', bookingId: 'HM1', lockId: id },
          { kind: 'code-used', lockId: id, slot: 3, success: true, at: '2026-07-10T15:00:00Z' },
          fromJson(`{"kind": "lock-result", "commandId": "c1", "codeId": ${quoted}, "lockId": "toString", "action": "set", "ok": true}`),
        ];
        for (const payload of hostile) {
          const error = await send('issuer', payload);
          assert.match(String(error), REFUSED, `${id} in ${JSON.stringify(payload).slice(0, 80)}`);
        }
      }
      assert.deepEqual(commands(), [], 'nothing reached a lock');
      assertUntouched();
    });

    it('issues codes to bookings named hasOwnProperty and toString on locks named the same, and still after a restart', async () => {
      await load();
      for (const id of HARMLESS) assert.equal(await send('issuer', windowMessage(id, ['toString', 'hasOwnProperty'])), undefined);
      assert.equal(commands().length, 4);
      for (const command of commands()) assert.equal(await send('issuer', okFor(command)), undefined);
      await until(() => (messages('codes').length >= 2 ? true : undefined));
      assert.deepEqual(messages('codes').map((msg) => (msg.payload as CodeMessage).bookingId).sort(), [...HARMLESS].sort());
      for (const id of HARMLESS) assert.equal(await send('issuer', { kind: 'delivery', bookingId: id, channel: 'output', delivered: true }), undefined);
      assertUntouched();

      await helper.unload();
      clearRecorded();
      inputs = 0;
      await load(false);
      const saved = readFileLedger(path.join(directory, 'ledgers', 'issuer.json'))!;
      assert.deepEqual(Object.keys(saved.bookings).sort(), [...HARMLESS].sort());
      assert.equal(await send('issuer', { kind: 'reissue', bookingId: 'toString' }), undefined);
      assert.deepEqual(commands().map((command) => `${command.action} ${command.codeId}`).sort(), ['clear toString@hasOwnProperty', 'clear toString@toString']);
      assert.match(String(await send('issuer', { kind: 'reissue', bookingId: 'constructor' })), REFUSED);
      assertUntouched();
    });
  });

  describe('access-window', () => {
    const flow = () => [
      { id: 'tab', type: 'tab', label: 'StayKey' },
      { id: 'window', type: 'staykey-access-window', z: 'tab', checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', locks: 'toString', wires: [['windows']] },
      { id: 'windows', type: RECORDER, z: 'tab' },
      ...endings('window'),
    ];

    it('refuses a reserved booking id, unit, flag, code id or lock, and passes hasOwnProperty and toString on', async () => {
      await helper.load([accessWindowNode, recorderNode], flow());
      for (const id of RESERVED) {
        const quoted = JSON.stringify(id);
        const hostile: [unknown, object?][] = [
          [fromJson(bookingJson(id))],
          [fromJson(`{"kind": "booking", "change": "created", "booking": ${bookingJson(id)}}`)],
          [fromJson(bookingJson('HM1').replace('"Room 101"', quoted))],
          [fromJson(bookingJson('HM1', `, "flags": {${quoted}: true}`))],
          [fromJson(`{"kind": "staff-code", "id": ${quoted}, "name": "Maria", "weekdays": "mon", "from": "10:00", "to": "12:00"}`)],
          [fromJson(`{"kind": "one-time-code", "id": "plumber", "name": "Plumber", "locks": [${quoted}], "date": "2026-07-10", "from": "10:00", "to": "12:00"}`)],
          [fromJson(bookingJson('HM1')), { overrides: { locks: [id] } }],
        ];
        for (const [payload, extra] of hostile) {
          const error = await send('window', payload, extra);
          assert.match(String(error), REFUSED, `${id} in ${JSON.stringify(payload)}`);
        }
      }
      assert.deepEqual(messages('windows'), []);
      const error = await send('window', fromJson(`{"id": "toString", "unit": "hasOwnProperty", "arrival": "2026-07-10", "departure": "2026-07-13", "flags": {"toString": true}}`));
      assert.equal(error, undefined);
      const sent = messages('windows')[0].payload as WindowMessage;
      assert.equal(sent.window.bookingId, 'toString');
      assert.deepEqual(sent.booking.flags, { toString: true });
      assertUntouched();
    });
  });

  describe('lock-provider', () => {
    const flow = () => [
      { id: 'tab', type: 'tab', label: 'StayKey' },
      { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: lockRows, latency: 0, failureRate: 0, drain: 0.2, maxAttempts: 2, retryDelay: 0.001 },
      { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['results'], ['tasks']] },
      { id: 'results', type: RECORDER, z: 'tab' },
      { id: 'tasks', type: RECORDER, z: 'tab' },
      ...endings('provider'),
    ];
    const load = () => helper.load([locksConfigNode, lockProviderNode, recorderNode], flow());
    const command = (lockId: string, action: 'set' | 'read', codeId = `HM1@${lockId}`) => ({
      kind: 'lock-command',
      command: { id: `${codeId}#1`, action, lockId, slot: 3, codeId, name: 'Ada', pin: vault.seal('482913'), startsAt: '2026-07-10T15:00:00Z', endsAt: '2026-07-13T10:00:00Z' },
    });

    it('refuses a command for a reserved lock or code id and works a lock named toString, before and after a restart', async () => {
      await load();
      for (const id of RESERVED) {
        assert.match(String(await send('provider', command(id, 'set'))), REFUSED);
        assert.match(String(await send('provider', command('toString', 'set', id))), REFUSED);
      }
      assert.deepEqual(messages('results'), []);
      assert.equal(await send('provider', command('toString', 'set')), undefined);
      assert.equal((messages('results')[0].payload as LockResultMessage).ok, true);

      await helper.unload();
      clearRecorded();
      inputs = 0;
      await load();
      assert.equal(await send('provider', command('toString', 'read')), undefined);
      const read = messages('results')[0].payload as LockResultMessage;
      assert.deepEqual(read.codes?.map((code) => code.slot), [3], 'the code is still there after the restart');
      assertUntouched();
    });
  });

  describe('notifier', () => {
    const flow = () => [
      { id: 'tab', type: 'tab', label: 'StayKey' },
      { id: 'notifier', type: 'staykey-notifier', z: 'tab', channel: 'output', property: 'Sea View', wires: [['sent'], ['deliveries']] },
      { id: 'sent', type: RECORDER, z: 'tab' },
      { id: 'deliveries', type: RECORDER, z: 'tab' },
      ...endings('notifier'),
    ];
    const codeMessage = (bookingId: string, lockId: string): CodeMessage => {
      const message = windowMessage(bookingId, [lockId]);
      return { kind: 'code', change: 'issued', bookingId, booking: message.booking, window: message.window, codes: [{ lockId, lockName: 'Front door', unit: 'Room 101', slot: 3, pin: vault.seal('482913') }] };
    };

    it('refuses a code message or alert with a reserved booking or lock id, and sends one for toString', async () => {
      await helper.load([notifierNode, recorderNode], flow());
      for (const id of RESERVED) {
        assert.match(String(await send('notifier', codeMessage(id, 'front'))), REFUSED);
        assert.match(String(await send('notifier', codeMessage('HM1', id))), REFUSED);
        assert.match(String(await send('notifier', { kind: 'alert', severity: 'warning', topic: 'battery', text: 'Low battery', lockId: id })), REFUSED);
      }
      assert.deepEqual(messages('sent'), []);
      assert.equal(await send('notifier', codeMessage('toString', 'hasOwnProperty')), undefined);
      await until(() => messages('deliveries')[0]);
      assert.equal((messages('deliveries')[0].payload as { bookingId: string }).bookingId, 'toString');
      assertUntouched();
    });
  });

  describe('booking-source', () => {
    const flow = () => [
      { id: 'tab', type: 'tab', label: 'StayKey' },
      { id: 'source', type: 'staykey-booking-source', z: 'tab', name: '', unit: 'Room 101', source: '', mode: 'message', misses: 1, wires: [['bookings']] },
      { id: 'bookings', type: RECORDER, z: 'tab' },
      ...endings('source'),
    ];

    it('refuses a booking message with a reserved id and takes one named toString', async () => {
      await helper.load([bookingSourceNode, recorderNode], flow());
      for (const id of RESERVED) {
        const error = await send('source', fromJson(bookingJson(id)));
        assert.match(String(error), REFUSED);
      }
      assert.deepEqual(messages('bookings'), []);
      assert.equal(await send('source', fromJson(bookingJson('toString'))), undefined);
      await until(() => messages('bookings')[0]);
      assertUntouched();
    });
  });
});
