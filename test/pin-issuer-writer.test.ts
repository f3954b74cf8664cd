/**
 * One ledger, one writer: a second pin-issuer on the same locks is refused (it would hand out the
 * same slots), and a ledger file that parses but holds no ledger is refused and left as it is.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import type { Booking } from '../lib/bookings/booking';
import type { LockCommandMessage, WindowMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { ManualClock } from '../lib/time/clock';
import { windowFor } from '../lib/windows/window';
import { clearRecorded, messages, RECORDER, recorderNode, until } from './support/recorder';
import { helper } from './support/red';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pinIssuerNode = require('../nodes/pin-issuer/pin-issuer') as unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const locksConfigNode = require('../nodes/locks-config/locks-config') as unknown;

const nodeModules = [locksConfigNode, pinIssuerNode, recorderNode];
const lockRows = [{ id: 'front-door', name: 'Front door', codeLength: 6, firstSlot: 3, lastSlot: 20, schedules: true }];

/**
 * Pin-issuers on one tab, each with its own `<id>-commands` recorder. One Catch and one Complete node
 * hear them all; the message a test sends names the pin-issuer it went to.
 */
function flow(issuers: { id: string; name?: string; locks?: string; dryRun?: boolean }[], locksConfigs = ['locks']): object[] {
  const nodes: object[] = [
    { id: 'tab', type: 'tab', label: 'StayKey' },
    { id: 'on-error', type: 'catch', z: 'tab', uncaught: false, wires: [['caught']] },
    { id: 'caught', type: RECORDER, z: 'tab' },
    { id: 'on-complete', type: 'complete', z: 'tab', scope: issuers.map((issuer) => issuer.id), uncaught: false, wires: [['completed']] },
    { id: 'completed', type: RECORDER, z: 'tab' },
  ];
  for (const id of locksConfigs) nodes.push({ id, type: 'staykey-locks', provider: 'simulated', locks: lockRows, latency: 0, failureRate: 0 });
  for (const issuer of issuers) {
    const { id } = issuer;
    nodes.push(
      { type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', ...issuer, wires: [[`${id}-commands`], [], [], []] },
      { id: `${id}-commands`, type: RECORDER, z: 'tab' },
    );
  }
  return nodes;
}

/** What the Catch or Complete node heard of the pin-issuer `id`. */
function heard(recorder: 'caught' | 'completed', id: string): NodeMessage[] {
  return messages(recorder).filter((msg) => (msg as NodeMessage & { issuer?: string }).issuer === id);
}

const booking: Booking = { id: 'HM123@airbnb.com', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada' };

function windowMessage(): WindowMessage {
  const window = windowFor(booking, {
    checkIn: '16:00',
    checkOut: '11:00',
    timeZone: 'Europe/Lisbon',
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    leadHours: 48,
    locks: ['front-door'],
  });
  return { kind: 'window', change: 'created', booking, window };
}

/** Sends a window and waits until the pin-issuer has finished with it, well or with an error. */
async function sendWindow(id: string): Promise<void> {
  helper.getNode(id).receive({ payload: windowMessage(), issuer: id });
  await until(() => (heard('completed', id).length + heard('caught', id).length > 0 ? true : undefined));
}

function caughtError(id: string): string {
  return (heard('caught', id)[0] as NodeMessage & { error: { message: string } }).error.message;
}

function lastStatus(id: string): { fill?: string; text?: string } {
  const node = helper.getNode(id);
  const calls = node.status.getCalls().filter((call) => call.thisValue === node);
  return calls[calls.length - 1]?.args[0] as { fill?: string; text?: string };
}

function errorsOf(id: string): string[] {
  const node = helper.getNode(id);
  return node.error.getCalls().map((call) => String(call.args[0]));
}

describe('pin-issuer: one ledger, one writer', () => {
  let directory: string;
  let clock: ManualClock;

  const ledgerFile = (id: string) => path.join(directory, 'ledgers', `${id}.json`);

  beforeEach(() => {
    clearRecorded();
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-writer-'));
    Vault.openDirectory(directory);
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

  it('refuses a second pin-issuer on the same locks, naming the one that drives them', async () => {
    await helper.load(nodeModules, flow([{ id: 'first', name: 'Codes' }, { id: 'second' }]));
    assert.deepEqual(lastStatus('second'), { fill: 'red', shape: 'ring', text: 'another pin-issuer has the locks' });
    const [error] = errorsOf('second');
    assert.match(error, /lock front-door already gets its codes from pin-issuer "Codes" \(first\)/);

    await sendWindow('second');
    assert.match(caughtError('second'), /already gets its codes from pin-issuer "Codes"/);
    assert.deepEqual(messages('second-commands'), [], 'the refused one sends nothing to the lock');
    assert.ok(!fs.existsSync(ledgerFile('second')) && !fs.existsSync(`${ledgerFile('second')}.journal`), 'and keeps no ledger');

    await sendWindow('first');
    const sent = messages('first-commands').map((msg) => (msg.payload as LockCommandMessage).command);
    assert.deepEqual(
      sent.map((command) => [command.action, command.slot]),
      [['read', 0]],
      'the first drives the lock: it reads the lock it has never seen before writing to it',
    );
  });

  it('lets the locks go when their pin-issuer closes, so a redeploy can give them to another', async () => {
    await helper.load(nodeModules, flow([{ id: 'first' }]));
    await helper.unload();
    await helper.load(nodeModules, flow([{ id: 'second' }]));
    assert.deepEqual(errorsOf('second'), []);
    await sendWindow('second');
    assert.equal(heard('caught', 'second').length, 0);
    assert.equal(messages('second-commands').length, 1);
  });

  it('lets two pin-issuers run side by side on locks of different locks configs', async () => {
    const nodes = flow([{ id: 'first' }, { id: 'second', locks: 'other-locks' }], ['locks', 'other-locks']);
    await helper.load(nodeModules, nodes);
    assert.deepEqual(errorsOf('second'), []);
    await sendWindow('second');
    assert.equal(messages('second-commands').length, 1);
  });

  it('lets a dry run preview a plan beside the pin-issuer that drives the locks', async () => {
    await helper.load(nodeModules, flow([{ id: 'first' }, { id: 'preview', dryRun: true }]));
    assert.deepEqual(errorsOf('preview'), []);
    assert.notEqual(lastStatus('preview')?.fill, 'red');
  });

  for (const [what, text] of [
    ['null', 'null'],
    ['an empty list', '[]'],
    ['a number', '42'],
    ['a string', '"x"'],
    ['an object without the ledger shape', '{}'],
    ['a ledger without its codes', '{"version": 1, "bookings": {}, "commandSeq": 0}'],
  ]) {
    it(`refuses a ledger file holding ${what}, and leaves the file as it is`, async () => {
      fs.mkdirSync(path.dirname(ledgerFile('first')), { recursive: true });
      fs.writeFileSync(ledgerFile('first'), text);
      await helper.load(nodeModules, flow([{ id: 'first' }]));
      assert.deepEqual(lastStatus('first'), { fill: 'red', shape: 'ring', text: 'ledger unreadable' });
      assert.match(errorsOf('first')[0], /cannot open its ledger: .*first\.json is not a StayKey ledger .*will not overwrite it/);

      await sendWindow('first');
      clock.advance(3600_000);
      assert.match(caughtError('first'), /is not a StayKey ledger/);
      assert.deepEqual(messages('first-commands'), []);
      assert.equal(fs.readFileSync(ledgerFile('first'), 'utf8'), text, 'the file is the host\'s to restore');
    });
  }
});
