/**
 * The shipped demo flow in a real Node-RED runtime, on its own clock: a booking gets a code on both
 * locks and the guest is told; a date change keeps the code; a cancellation clears it; a restart
 * loses and duplicates nothing; checkout clears everything; no PIN is ever written to disk.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { LedgerData } from '../lib/ledger/ledger-types';
import { SimulatedLocks } from '../lib/locks/simulated';
import { ManualClock } from '../lib/time/clock';
import type { LockSetNode } from '../nodes/shared/lock-set';
import { demoNode, demoNodeOfType, demoTestFlow } from './support/demo-flow';
import { eventually, helper, stayKeyNodes } from './support/red';
import { readFileLedger } from '../lib/ledger/ledger-file';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { demoFeed } = require('../../scripts/demo-feed') as { demoFeed: (today: Date) => string };


const byName = demoNode;
const FEED_BUTTON = byName('read feed (every 15 min)').id;
const OUTBOX = byName('outbox (codes masked)').id;
const LOCKS = demoNodeOfType('staykey-locks').id;
const PIN_ISSUER = demoNodeOfType('staykey-pin-issuer').id;
const TODAY = new Date('2026-07-01T12:00:00Z');

describe('the demo pipeline in a real runtime', function () {
  this.timeout(60_000);
  let userDir: string;
  let clock: ManualClock;
  let guestMessages: NodeMessage[];

  const simulated = () => {
    const provider = (helper.getNode(LOCKS) as unknown as LockSetNode).lockSet.provider;
    assert.ok(provider instanceof SimulatedLocks);
    return provider;
  };
  const codesOn = (lockId: string) => simulated().inspect(lockId).codes;
  const ledger = () => readFileLedger(path.join(userDir, 'staykey', 'ledgers', `${PIN_ISSUER}.json`))!;
  const writeFeed = (text: string) => fs.writeFileSync(path.join(userDir, 'demo-feed.ics'), text);
  const readFeed = () => helper.getNode(FEED_BUTTON).send({ payload: Date.now() });

  async function start() {
    await helper.load(stayKeyNodes(), demoTestFlow());
    helper.getNode(OUTBOX).on('input', (msg: NodeMessage) => guestMessages.push(msg));
  }

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-pipeline-'));
    clock = new ManualClock(TODAY);
    helper.settings({ userDir, staykey: { directory: path.join(userDir, 'staykey'), clock } });
    await helper.startServer();
    guestMessages = [];
    writeFeed(demoFeed(TODAY));
    await start();
  });

  after(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
  });

  let adaPin = '';
  let adaSlot = 0;

  it('puts the staying guest\'s code on both locks and tells them, with the same PIN', async () => {
    readFeed();
    await eventually('Ada has a code on both locks', () => codesOn('front-door').length === 1 && codesOn('main-gate').length === 1);
    const [door] = codesOn('front-door');
    const [gate] = codesOn('main-gate');
    adaPin = door.pin!;
    adaSlot = door.slot;
    assert.equal(gate.pin, adaPin, 'one code for the guest on every lock of the unit');
    assert.equal(door.endsAt, '2026-07-03T10:30:00.000Z', '11:00 Lisbon checkout plus the 30-minute buffer');
    await eventually('the guest is told', () => guestMessages.some((m) => String(m.payload).includes(`Room 101: ${adaPin}`)));
    const told = guestMessages.find((m) => String(m.payload).includes(adaPin))! as NodeMessage & { preview: string };
    assert.ok(!told.preview.includes(adaPin), 'the debug view masks the PIN');
    await eventually('the ledger keeps only a hash once delivered', () => {
      const codes = Object.values(ledger().codes);
      return codes.length === 2 && codes.every((code) => code.pinHash && !code.sealedPin);
    });
  });

  it('keeps the same code in the same slot when the guest leaves a day early', async () => {
    writeFeed(demoFeed(TODAY).replace('DTEND;VALUE=DATE:20260703', 'DTEND;VALUE=DATE:20260702'));
    const before = guestMessages.length;
    readFeed();
    await eventually('the door has the new checkout', () => codesOn('front-door')[0]?.endsAt === '2026-07-02T10:30:00.000Z');
    const [door] = codesOn('front-door');
    assert.equal(door.pin, adaPin);
    assert.equal(door.slot, adaSlot);
    assert.equal(codesOn('main-gate')[0].pin, adaPin);
    await eventually('the guest hears of the new dates', () =>
      guestMessages.slice(before).some((m) => /Check-out: Thu 2 Jul 2026, 11:00/.test(String(m.payload))),
    );
  });

  it('issues the next guest 48 h ahead on its own clock, and clears the code when they cancel', async () => {
    clock.advanceTo('2026-07-01T15:00:00Z'); // Grace arrives 3 July 16:00 Lisbon
    await eventually('Grace has a code on the door', () => codesOn('front-door').length === 2);
    assert.equal(codesOn('main-gate').length, 1, 'the gate keeps no dates: Grace\'s code goes on when her window opens');
    const grace = codesOn('front-door').find((code) => code.pin !== adaPin)!;
    assert.notEqual(grace.slot, adaSlot);
    assert.equal(grace.startsAt, '2026-07-03T15:00:00.000Z');

    const withoutGrace = demoFeed(TODAY)
      .replace('DTEND;VALUE=DATE:20260703', 'DTEND;VALUE=DATE:20260702')
      .replace(/BEGIN:VEVENT(?:(?!END:VEVENT)[\s\S])*demo-grace@airbnb\.com[\s\S]*?END:VEVENT\r\n/, '');
    assert.ok(!withoutGrace.includes('demo-grace'));
    writeFeed(withoutGrace);
    readFeed();
    await eventually('Grace\'s code is gone', () => codesOn('front-door').length === 1);
    assert.equal(codesOn('front-door')[0].pin, adaPin);
  });

  it('loses and duplicates nothing across a restart', async () => {
    const told = guestMessages.length;
    const ledgerBefore = ledger();
    await helper.unload();
    await start();
    readFeed();
    await eventually('the pin-issuer has reconciled after the restart', () => {
      const after = ledger();
      return after.commandSeq >= ledgerBefore.commandSeq && Object.values(after.codes).every((code) => !code.inFlight);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(codesOn('front-door').map((c) => [c.slot, c.pin]), [[adaSlot, adaPin]]);
    assert.deepEqual(codesOn('main-gate').map((c) => c.pin), [adaPin]);
    assert.equal(ledger().commandSeq, ledgerBefore.commandSeq, 'no command sent again for a change already done');
    assert.equal(guestMessages.length, told, 'the guest is not told again');
  });

  it('clears every code at checkout and never writes a PIN to disk', async () => {
    clock.advanceTo('2026-07-02T10:31:00Z');
    await eventually('the door and gate are empty', () => codesOn('front-door').length === 0 && codesOn('main-gate').length === 0);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else files.push(file);
      }
    };
    walk(userDir);
    for (const file of files) assert.ok(!fs.readFileSync(file, 'utf8').includes(adaPin), `${file} holds a PIN`);
  });
});
