/**
 * Every field of every message a node takes, replaced in turn by a value that cannot become text
 * (an object whose toString is not a function, one without a prototype, a broken Symbol.toPrimitive).
 * A flow can build such values; quoting one in an error message with String() or a template string
 * throws a TypeError, so a node's clear error would turn into a crash. Each input must end as a
 * completed message or an error a Catch node sees whose message is not a TypeError.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Booking } from '../lib/bookings/booking';
import type { LockCommand, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import accessWindowNode = require('../nodes/access-window/access-window');
import batteryWatchNode = require('../nodes/battery-watch/battery-watch');
import bookingSourceNode = require('../nodes/booking-source/booking-source');
import lockProviderNode = require('../nodes/lock-provider/lock-provider');
import locksConfigNode = require('../nodes/locks-config/locks-config');
import notifierNode = require('../nodes/notifier/notifier');
import pinIssuerNode = require('../nodes/pin-issuer/pin-issuer');
import { NodeHarness } from './support/fuzz-node';

type Textless = () => unknown;

const TEXTLESS: Record<string, Textless> = {
  'toString that is not a function': () => ({ toString: [] }),
  'no prototype': () => Object.create(null) as object,
  'a broken Symbol.toPrimitive': () => ({ [Symbol.toPrimitive]: 'not a function' }),
};

/** Every place in `value` a flow could put something else: each property, at any depth, and each array item. */
function fieldPaths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [[...prefix, key], ...fieldPaths(inner, [...prefix, key])]);
}

function withValueAt(message: Record<string, unknown>, at: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(message);
  let parent = copy as Record<string, unknown>;
  for (const key of at.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  parent[at[at.length - 1]] = value;
  return copy;
}

const booking: Booking = { id: 'HM123', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada', phoneLast4: '5678', email: 'ada@example.com' };
const windowOptions = { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front-door'] };
const windowMessage: WindowMessage = { kind: 'window', change: 'created', booking, window: windowFor(booking, windowOptions) };
const locksConfig = {
  id: 'locks',
  type: 'staykey-locks',
  provider: 'simulated',
  locks: [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true, batteryType: '4x AA' }],
  latency: 0,
  failureRate: 0,
  drain: 0,
  maxAttempts: 1,
  retryDelay: 0.001,
};

interface Case {
  node: string;
  module: unknown;
  config: Record<string, unknown> & { id: string };
  outputs: number;
  configNodes?: object[];
  messages: (vault: Vault) => Record<string, unknown>[];
}

const command = (vault: Vault): LockCommand => ({
  id: 'set-1',
  action: 'set',
  lockId: 'front-door',
  slot: 3,
  codeId: 'code-1',
  name: 'Ada',
  pin: vault.seal('482913'),
  startsAt: '2026-07-10T15:00:00Z',
  endsAt: '2026-07-13T10:00:00Z',
});

const CASES: Case[] = [
  {
    node: 'access-window',
    module: accessWindowNode,
    config: { id: 'window', type: 'staykey-access-window', name: 'Room 101', checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBefore: '30', bufferAfter: '15', leadHours: '48', locks: 'front-door' },
    outputs: 1,
    messages: () => [
      { payload: { ...booking, units: ['Room 101'] }, change: 'created', overrides: { checkIn: '14:00', locks: ['front-door'] } },
      { payload: { kind: 'booking', change: 'changed', booking } },
      { payload: { kind: 'staff-code', id: 'maria', name: 'Maria', days: ['mon', 'tue'], from: '09:00', until: '17:00', locks: ['front-door'] } },
      { payload: { kind: 'one-time-code', id: 'plumber', name: 'Plumber', startsAt: '2026-07-10T09:00', endsAt: '2026-07-10T12:00' } },
    ],
  },
  {
    node: 'booking-source',
    module: bookingSourceNode,
    config: { id: 'source', type: 'staykey-booking-source', name: 'Room 101 Airbnb', unit: 'Room 101', channel: 'airbnb', mode: 'message' },
    outputs: 2,
    messages: () => [
      { payload: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@airbnb.com\r\nDTSTART;VALUE=DATE:20260710\r\nDTEND;VALUE=DATE:20260713\r\nSUMMARY:Reserved\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', topic: 'airbnb' },
      { payload: { reservation: { id: 'R1', arrival: '2026-07-10', departure: '2026-07-13', guest: { first_name: 'Ada', last_name: 'L' } }, event: 'reservation.created' } },
      { payload: { summary: 'Ada', start: { date: '2026-07-10' }, end: { date: '2026-07-13' }, uid: 'cal-1' } },
    ],
  },
  {
    node: 'pin-issuer',
    module: [locksConfigNode, pinIssuerNode],
    config: { id: 'issuer', type: 'staykey-pin-issuer', locks: 'locks', commandTimeoutMinutes: 120, retryFailedAfterMinutes: 60 },
    outputs: 4,
    configNodes: [locksConfig],
    messages: (vault) => [
      { payload: windowMessage },
      { payload: { kind: 'lock-result', commandId: 'set-1', codeId: 'code-1', lockId: 'front-door', action: 'set', ok: false, confirmed: false, attempts: 1, reason: 'offline', error: 'Front door is offline' } },
      { payload: { kind: 'delivery', bookingId: 'HM123', codeVersion: 1, ok: true, channel: 'email', at: '2026-07-08T15:00:00Z' } },
      { payload: { kind: 'code-used', lockId: 'front-door', slot: 3, success: true, at: '2026-07-10T16:00:00Z' } },
      { payload: { kind: 'reissue', bookingId: 'HM123' } },
      { payload: { kind: 'verify', lockId: 'front-door' } },
      { payload: { kind: 'lock-command', command: command(vault) } },
    ],
  },
  {
    node: 'lock-provider',
    module: [locksConfigNode, lockProviderNode],
    config: { id: 'provider', type: 'staykey-lock-provider', locks: 'locks' },
    outputs: 2,
    configNodes: [locksConfig],
    messages: (vault) => [{ payload: { kind: 'lock-command', command: command(vault) } }, { payload: { kind: 'status', lockId: 'front-door' } }],
  },
  {
    node: 'battery-watch',
    module: [locksConfigNode, batteryWatchNode],
    config: { id: 'batteries', type: 'staykey-battery-watch', locks: 'locks', replaceSoonBelow: 40, criticalBelow: 15, checkAt: '09:00' },
    outputs: 2,
    configNodes: [locksConfig],
    messages: () => [{ payload: Date.now() }, { payload: { kind: 'battery-check', locks: ['front-door'] } }, { payload: { kind: 'key-tested', lockId: 'front-door' } }],
  },
  {
    node: 'notifier',
    module: notifierNode,
    config: { id: 'notifier', type: 'staykey-notifier', channel: 'output', property: 'Sea View' },
    outputs: 2,
    messages: (vault) => [
      { payload: { kind: 'alert', severity: 'critical', topic: 'battery', text: 'Front door 12 % critical', lockId: 'front-door' } },
      {
        payload: {
          kind: 'code',
          change: 'issued',
          bookingId: 'HM123',
          booking,
          window: windowMessage.window,
          codes: [{ lockId: 'front-door', lockName: 'Front door', slot: 3, pin: vault.seal('482913') }],
          codeVersion: 1,
        },
        to: 'ada@example.com',
      },
    ],
  },
];

describe('fuzz: values that cannot become text, in every field of every message', function () {
  this.timeout(120_000);
  let directory: string;
  let harness: NodeHarness;
  let vault: Vault;

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-fuzz-textless-'));
    vault = Vault.openDirectory(path.join(directory, 'staykey'));
    harness = await NodeHarness.start(directory, new ManualClock('2026-07-08T12:00:00Z'));
  });

  afterEach(async () => {
    await harness.unload();
  });

  after(async () => {
    await harness?.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  });

  for (const testCase of CASES) {
    it(`${testCase.node} answers each with a clear error or takes it, never a TypeError`, async () => {
      await harness.load(testCase.module, testCase.config, testCase.outputs, testCase.configNodes);
      let sent = 0;
      const crashes: string[] = [];
      for (const message of testCase.messages(vault)) {
        for (const at of fieldPaths(message)) {
          for (const [kind, make] of Object.entries(TEXTLESS)) {
            sent++;
            await harness.send(testCase.config.id, withValueAt(message, at, make())).catch((err: Error) => crashes.push(`${at.join('.')} = ${kind}: ${err.message}`));
          }
        }
      }
      for (let output = 0; output < testCase.outputs; output++) harness.output(output === 0 ? testCase.config.id : `${testCase.config.id}:${output}`);
      assert.ok(sent >= 6, `${sent} inputs sent`);
      assert.deepEqual(crashes, [], `${crashes.length} of ${sent} inputs crashed the node`);
    });
  }
});
