/**
 * A feed that goes bad, in a real `node-red` process: booking-source in URL mode reads the test's own
 * HTTP server once a second (an inject asks for each fetch; the node's own poll is at least a minute).
 * The server answers 500, then an empty 200, then a web page, then a feed cut off in the middle, each for
 * four fetches, then the good feed again. Nothing may be cancelled, the host gets one alert per kind of
 * failure and one when the feed works again, and the codes on the locks do not move. Then a booking
 * really leaves the feed, to show the same setup does cancel when the feed says so.
 *
 * The field's "a feed broken for an hour" is scaled down to twenty fetches a second apart.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AlertMessage, BookingMessage } from '../lib/messages';
import { Vault } from '../lib/pins/vault';
import { HeldCode, Inbox, InboxAnswer, RedProcess, pipelineFlow, readLedger, readLocks, sleep } from './support/red-process';

const FETCHES_PER_FAULT = 4;

const day = (offset: number) => new Date(Date.now() + offset * 24 * 3600_000).toISOString().slice(0, 10).replace(/-/g, '');

interface FeedBooking {
  uid: string;
  guest: string;
  arrival: number;
  departure: number;
}

/** Three stays back to back in one room: one under way, one arriving in two days (due now), one later. */
const STAYS: FeedBooking[] = [
  { uid: 'soak-ana@airbnb.com', guest: 'Ana Silva', arrival: -1, departure: 2 },
  { uid: 'soak-ben@airbnb.com', guest: 'Ben Okafor', arrival: 2, departure: 4 },
  { uid: 'soak-eva@airbnb.com', guest: 'Eva Novak', arrival: 4, departure: 7 },
];

function feed(stays: FeedBooking[]): string {
  const events = stays.flatMap((stay) => [
    'BEGIN:VEVENT',
    `DTSTAMP:${day(0)}T000000Z`,
    `DTSTART;VALUE=DATE:${day(stay.arrival)}`,
    `DTEND;VALUE=DATE:${day(stay.departure)}`,
    `SUMMARY:Reserved - ${stay.guest}`,
    `UID:${stay.uid}`,
    'END:VEVENT',
  ]);
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN', ...events, 'END:VCALENDAR', ''].join('\r\n');
}

const GOOD = feed(STAYS);

const FAULTS: Array<{ name: string; answer: InboxAnswer }> = [
  { name: 'HTTP 500', answer: { status: 500, body: 'Internal Server Error', type: 'text/plain' } },
  { name: 'an empty 200', answer: { status: 200, body: '' } },
  { name: 'a web page', answer: { status: 200, body: '<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body></html>', type: 'text/html' } },
  // Cut mid-event, as a connection dropped halfway through the body.
  { name: 'a cut-off feed', answer: { status: 200, body: GOOD.slice(0, Math.floor(GOOD.length * 0.6)) } },
];

describe('crash: a feed that fails for a while (real node-red process)', function () {
  this.timeout(180_000);
  let directory: string;
  let userDir: string;
  let inbox: Inbox;
  let red: RedProcess;
  let vault: Vault;
  let heldBefore: Map<string, HeldCode[]>;

  const changes = () => inbox.received('/bookings') as BookingMessage[];
  const alerts = () => inbox.received('/alerts') as AlertMessage[];
  const codes = () => readLocks(userDir, vault);

  async function fetches(count: number): Promise<void> {
    const until = inbox.gets + count;
    const deadline = Date.now() + 60_000;
    while (inbox.gets < until) {
      if (Date.now() > deadline) throw new Error(`booking-source fetched ${inbox.gets} times, waiting for ${until}`);
      await sleep(50);
    }
  }

  async function eventually(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await sleep(100);
    }
  }

  const settled = () => {
    const ledger = readLedger(userDir);
    if (!ledger) return false;
    const entries = Object.values(ledger.codes);
    const told = ['soak-ana@airbnb.com', 'soak-ben@airbnb.com'].every((id) => ledger.bookings[id]?.delivered);
    return told && entries.filter((code) => code.state === 'confirmed').length === 3 && entries.every((code) => !code.inFlight);
  };

  before(async () => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-feed-soak-'));
    userDir = path.join(directory, 'node-red');
    inbox = new Inbox();
    await inbox.start();
    inbox.answer = () => ({ status: 200, body: GOOD });
    const flows = pipelineFlow({
      inbox: inbox.url,
      locks: [
        { id: 'door', name: 'Room 01 door', schedules: true },
        { id: 'gate', name: 'Main gate', schedules: false },
      ],
      unitLocks: 'Room 01: door, gate',
      latencyMs: 100,
      bookingSource: { mode: 'url', unit: 'Room 01', source: 'airbnb', url: `${inbox.url}/calendar.ics`, interval: 1, timeout: 2 },
      fetchEverySeconds: 1,
    });
    red = new RedProcess({ userDir, logFile: path.join(directory, 'node-red.log'), flows });
    await red.start();
    vault = Vault.openDirectory(path.join(userDir, 'staykey'));
  });

  after(async () => {
    await red?.kill();
    await inbox?.stop();
    if (directory) fs.rmSync(directory, { recursive: true, force: true });
  });

  it('issues the codes of the stays that are due from the good feed', async () => {
    await eventually('Ana and Ben have codes on the door, Ana on the gate, and both were told', settled);
    heldBefore = codes();
    assert.deepEqual(
      [...heldBefore].map(([lockId, held]) => [lockId, held.map((code) => code.name).sort()]),
      [
        ['door', ['SK Ana Silva', 'SK Ben Okafor']],
        ['gate', ['SK Ana Silva']],
      ],
      "Eva arrives in four days: not due yet; the gate keeps no dates, so Ben's code goes on when his stay starts",
    );
    assert.deepEqual(
      changes().map((message) => message.change),
      ['created', 'created', 'created'],
    );
  });

  it('cancels nothing and moves no code through 500s, empty bodies, web pages and cut-off feeds', async () => {
    const alertsBefore = alerts().length;
    const fetchesBefore = inbox.gets;
    for (const fault of FAULTS) {
      inbox.answer = () => fault.answer;
      await fetches(FETCHES_PER_FAULT);
    }
    const failedFetches = inbox.gets - fetchesBefore;
    inbox.answer = () => ({ status: 200, body: GOOD });
    await fetches(FETCHES_PER_FAULT);
    await eventually('the host hears the feed works again', () => alerts().some((alert) => alert.severity === 'info' && /works again/.test(alert.text)));
    await sleep(1500);

    console.log(`      ${failedFetches} failed fetches, then ${FETCHES_PER_FAULT} good ones; ${changes().length - 3} booking changes, ${alerts().length - alertsBefore} alerts`);
    assert.deepEqual(changes().slice(3), [], 'no booking was changed or cancelled');
    const ledger = readLedger(userDir)!;
    assert.deepEqual(
      Object.values(ledger.bookings).filter((entry) => entry.cancelled),
      [],
    );
    assert.deepEqual(codes(), heldBefore, 'every lock holds the same codes in the same slots');

    const told = alerts().slice(alertsBefore);
    const warnings = told.filter((alert) => alert.topic === 'feed' && alert.severity === 'warning');
    assert.equal(warnings.length, FAULTS.length, `one warning per kind of failure, not one per fetch:\n${told.map((alert) => alert.text).join('\n')}`);
    assert.match(warnings[0].text, /HTTP 500/);
    assert.ok(warnings.every((alert) => alert.text.includes('nothing is cancelled')));
    assert.ok(warnings.every((alert) => !alert.text.includes('/calendar.ics')), 'alerts name the feed by its site, never its address');
    const recovered = told.filter((alert) => alert.topic === 'feed' && alert.severity === 'info');
    assert.equal(recovered.length, 1);
    assert.match(recovered[0].text, new RegExp(`works again after ${failedFetches} failed fetches`));
  });

  it('still cancels a booking the good feed no longer lists, and takes its code off the door', async () => {
    inbox.answer = () => ({ status: 200, body: feed(STAYS.filter((stay) => stay.guest !== 'Ben Okafor')) });
    await eventually("Ben's cancellation", () => changes().some((message) => message.change === 'cancelled'));
    await eventually("Ben's code is off the door", () => codes().get('door')?.length === 1);
    assert.deepEqual(
      changes()
        .slice(3)
        .map((message) => [message.change, message.booking.id]),
      [['cancelled', 'soak-ben@airbnb.com']],
    );
    assert.deepEqual(codes().get('door'), heldBefore.get('door')!.filter((code) => code.name === 'SK Ana Silva'));
    assert.deepEqual(codes().get('gate'), heldBefore.get('gate'));
  });
});
