import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeMessage } from 'node-red';
import { BookingSource, SourceUpdate } from '../lib/bookings/booking-source';
import type { AlertMessage, BookingMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import bookingSourceNode = require('../nodes/booking-source/booking-source');
import { FeedServer } from './support/feed-server';
import { sidebarBoard } from '../nodes/shared/sidebar-board';
import { helper, SpyCall } from './support/red';

/** [uid, first night, checkout day, summary] */
type Stay = [uid: string, start: string, end: string, summary?: string];

function calendar(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  for (const event of events) lines.push('BEGIN:VEVENT', ...event, 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function event([uid, start, end, summary]: Stay): string[] {
  return [`UID:${uid}`, `DTSTART;VALUE=DATE:${start}`, `DTEND;VALUE=DATE:${end}`, `SUMMARY:${summary ?? 'Reserved'}`];
}

function feed(...stays: Stay[]): string {
  return calendar(...stays.map(event));
}

const EMPTY = calendar();
const stays: Stay[] = [
  ['ana@airbnb.com', '20260710', '20260714'],
  ['ben@airbnb.com', '20260720', '20260723'],
  ['cleo@airbnb.com', '20260801', '20260805'],
  ['dan@airbnb.com', '20260810', '20260812'],
];
const [ana, ben, cleo, dan] = stays;
const block: Stay = ['block-1@airbnb.com', '20260901', '20260905', 'Airbnb (Not available)'];

const summary = (result: SourceUpdate) => result.updates.map((update) => `${update.change} ${update.booking.id}`);

describe('booking-source: no feed takes a code away', () => {
  let directory: string;
  let clock: ManualClock;
  const stateFile = () => path.join(directory, 'state.json');
  const open = (extra: Partial<Parameters<typeof BookingSource.open>[0]> = {}) =>
    BookingSource.open({ unit: 'Room 101', source: 'airbnb', feeds: ['airbnb'], clock, stateFile: stateFile(), ...extra });

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-trust-'));
    clock = new ManualClock('2026-07-01T09:00:00Z');
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  describe('an empty calendar', () => {
    it('keeps every stay and its code, alerts once, and brings nothing back as new when the feed recovers', () => {
      const source = open();
      source.readFeed(feed(ana, ben));
      const empty = source.readFeed(EMPTY);
      assert.deepEqual(empty.updates, []);
      assert.equal(empty.alerts.length, 1);
      assert.deepEqual([empty.alerts[0].severity, empty.alerts[0].topic], ['warning', 'feed']);
      assert.match(empty.alerts[0].text, /Room 101 airbnb feed came back empty .*its 2 bookings and their codes are kept/);
      assert.deepEqual(source.readFeed(EMPTY), { updates: [], alerts: [] }, 'told once, not on every poll');
      assert.deepEqual(open().readFeed(EMPTY), { updates: [], alerts: [] }, 'nor after a restart');
      assert.deepEqual(source.warnings.empty, ['airbnb']);
      assert.deepEqual(source.readFeed(feed(ana, ben)), { updates: [], alerts: [] }, 'the stays were never gone: nothing new');
      assert.deepEqual(source.warnings.empty, []);
    });

    it('cancels a stay only once a fetch that still lists events (a block will do) lacks it', () => {
      const source = open();
      source.readFeed(feed(ana, ben));
      source.readFeed(EMPTY);
      assert.deepEqual(summary(source.readFeed(feed(ben, block))), ['cancelled ana@airbnb.com']);
    });
  });

  describe('a mass disappearance', () => {
    it('holds the cancellations and names them, then carries them out when a fetch an hour on agrees', () => {
      const source = open();
      source.readFeed(feed(...stays));
      const dropped = source.readFeed(feed(ana, block));
      assert.deepEqual(dropped.updates, []);
      const alert = dropped.alerts.find((candidate) => candidate.severity === 'critical') as AlertMessage;
      assert.match(alert.text, /Room 101 airbnb feed dropped 3 upcoming stays at once: ben@airbnb.com \(airbnb, 2026-07-20 to 2026-07-23\); cleo@airbnb.com .*; dan@airbnb.com/);
      assert.match(alert.text, /at least 60 min from now/);
      assert.match(alert.text, /"kind": "confirm-cancellations", "feed": "airbnb"/);
      assert.equal(source.count, 4);
      assert.equal(source.warnings.held, 3);
      clock.advance(30 * 60_000);
      assert.deepEqual(source.readFeed(feed(ana, block)), { updates: [], alerts: [] });
      clock.advance(30 * 60_000);
      assert.deepEqual(summary(source.readFeed(feed(ana, block))), ['cancelled ben@airbnb.com', 'cancelled cleo@airbnb.com', 'cancelled dan@airbnb.com']);
    });

    it('drops the hold on a stay the feed lists again', () => {
      const source = open();
      source.readFeed(feed(...stays));
      source.readFeed(feed(ana));
      clock.advance(2 * 3600_000);
      assert.deepEqual(summary(source.readFeed(feed(...stays))), []);
      assert.equal(source.warnings.held, 0);
    });

    it('carries them out at once when the host confirms, for one feed or some bookings only', () => {
      const source = open();
      source.readFeed(feed(...stays));
      source.readFeed(feed(ana));
      assert.deepEqual(summary(source.receive({ kind: 'confirm-cancellations', feed: 'airbnb', bookings: ['cleo@airbnb.com'] })), ['cancelled cleo@airbnb.com']);
      assert.deepEqual(summary(open().receive({ kind: 'confirm-cancellations' })), ['cancelled ben@airbnb.com', 'cancelled dan@airbnb.com'], 'the hold is kept across a restart');
    });

    it('refuses a confirmation with nothing held, or for a feed it does not have', () => {
      const source = open();
      source.readFeed(feed(...stays));
      assert.throws(() => source.receive({ kind: 'confirm-cancellations' }), /no cancellation is waiting/);
      source.readFeed(feed(ana));
      assert.throws(() => source.receive({ kind: 'confirm-cancellations', feed: 'vrbo' }), /there is no feed "vrbo"/);
      assert.throws(() => source.receive({ kind: 'confirm-cancellations', bookings: 'all' }), /list of booking ids/);
      assert.equal(source.count, 4);
    });

    it('lists what it holds, by feed and guest, for the editor\'s sidebar', () => {
      const source = open();
      source.readFeed(feed(...stays));
      source.readFeed(feed(ana));
      const held = source.heldCancellations();
      assert.deepEqual(held.map((stay) => [stay.feed, stay.bookingId, stay.heldSince]), [
        ['airbnb', 'ben@airbnb.com', '2026-07-01T09:00:00.000Z'],
        ['airbnb', 'cleo@airbnb.com', '2026-07-01T09:00:00.000Z'],
        ['airbnb', 'dan@airbnb.com', '2026-07-01T09:00:00.000Z'],
      ]);
      assert.equal(held[0].arrival, '2026-07-20');
    });

    it('keeps the stays when the host rejects the cancellations, past the wait, across a restart, until the feed lists them again', () => {
      const source = open();
      source.readFeed(feed(...stays));
      source.readFeed(feed(ana));
      assert.deepEqual(summary(source.receive({ kind: 'reject-cancellations', feed: 'airbnb', bookings: ['ben@airbnb.com'] })), []);
      assert.deepEqual(source.heldCancellations().map((stay) => stay.bookingId), ['cleo@airbnb.com', 'dan@airbnb.com']);
      clock.advance(2 * 3600_000);
      assert.deepEqual(summary(open().readFeed(feed(ana))), ['cancelled cleo@airbnb.com', 'cancelled dan@airbnb.com'], 'only the rejected one is kept');
      const restarted = open();
      assert.equal(restarted.count, 2);
      assert.deepEqual(summary(restarted.readFeed(feed(ana))), [], 'still kept while the feed lacks it');
      restarted.readFeed(feed(ana, ben));
      assert.deepEqual(summary(restarted.readFeed(feed(ana))), ['cancelled ben@airbnb.com'], 'listed again, it is followed as any other stay');
    });

    it('refuses a rejection with nothing held, or for a feed it does not have', () => {
      const source = open();
      source.readFeed(feed(...stays));
      assert.throws(() => source.receive({ kind: 'reject-cancellations' }), /reject-cancellations: no cancellation is waiting/);
      source.readFeed(feed(ana));
      assert.throws(() => source.receive({ kind: 'reject-cancellations', feed: 'vrbo' }), /reject-cancellations: there is no feed "vrbo"/);
      assert.throws(() => source.receive({ kind: 'reject-cancellations', bookings: 'all' }), /reject-cancellations: bookings must be a list/);
      assert.throws(() => source.receive({ kind: 'confirm-cancellations', bookings: ['ana@airbnb.com'] }), /confirm-cancellations: none of ana@airbnb.com is held/, 'Ana is listed, not held');
      assert.equal(source.warnings.held, 3);
    });

    it('takes its threshold and wait from the options', () => {
      const source = open({ massCancel: { atLeast: 5 } });
      source.readFeed(feed(...stays));
      assert.equal(summary(source.readFeed(feed(ana))).length, 3);
    });
  });

  describe('an event that turns unreadable', () => {
    it('keeps the stay\'s last good version and alerts once, naming the feed, the UID and what is wrong', () => {
      const source = open();
      source.readFeed(feed(ana, ben));
      const broken = feed(ana, [ben[0], '20260723', '20260720']);
      const result = source.readFeed(broken);
      assert.deepEqual(result.updates, []);
      assert.equal(result.alerts.length, 1);
      assert.equal(result.alerts[0].severity, 'warning');
      assert.equal(result.alerts[0].bookingId, 'ben@airbnb.com');
      assert.match(result.alerts[0].text, /Room 101 airbnb feed: event ben@airbnb.com ends \(2026-07-20\) before it starts \(2026-07-23\); its stay keeps its last good version/);
      assert.deepEqual(source.readFeed(broken).alerts, [], 'not on every poll');
      assert.equal(source.bookings.find((booking) => booking.id === 'ben@airbnb.com')?.departure, '2026-07-23');
    });

    it('reports the events it skips (blocks, copies, repeats) once per UID and reason', () => {
      const source = open();
      const text = calendar(event(ana), event(block), ['SEQUENCE:1', ...event(ben)], event(ben), ['RRULE:FREQ=WEEKLY', ...event(cleo)]);
      const first = source.readFeed(text);
      assert.deepEqual(summary(first), ['created ana@airbnb.com', 'created ben@airbnb.com', 'created cleo@airbnb.com']);
      const info = first.alerts.filter((alert) => alert.severity === 'info');
      assert.equal(info.length, 1);
      assert.match(info[0].text, /skipped 3 events /);
      assert.match(info[0].text, /block-1@airbnb.com: a block/);
      assert.match(info[0].text, /ben@airbnb.com: listed 2 times/);
      assert.match(info[0].text, /cleo@airbnb.com: repeats/);
      assert.deepEqual(source.readFeed(text).alerts, []);
    });

    it('skips a UID that JavaScript keeps for itself without touching Object.prototype', () => {
      const source = open();
      const before = Object.getOwnPropertyNames(Object.prototype).sort();
      const result = source.readFeed(feed(['__proto__', '20260710', '20260714'], ['constructor', '20260720', '20260722'], ben));
      assert.deepEqual(summary(result), ['created ben@airbnb.com']);
      assert.match(result.alerts.map((alert) => alert.text).join(), /event __proto__: its UID is a name JavaScript keeps for itself/);
      assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
      assert.equal(({} as Record<string, unknown>).arrival, undefined);
    });
  });

  it('tells nobody when a stay leaves the feed after its checkout: it is history', () => {
    const source = open();
    source.readFeed(feed(ana, ben, block));
    clock.advanceTo('2026-07-24T12:00:00Z');
    assert.deepEqual(source.readFeed(feed(block)), { updates: [], alerts: [] });
    assert.equal(source.count, 0);
  });
});

describe('booking-source node: feeds that look good but are not', function () {
  let userDir: string;
  let clock: ManualClock;
  let server: FeedServer;
  let url: string;
  let out: NodeMessage[];
  let alerts: AlertMessage[];
  let caught: NodeMessage[];

  function flow(settings: Record<string, unknown> = {}): object[] {
    return [
      { id: 'tab', type: 'tab', label: 'StayKey' },
      { id: 'source', type: 'staykey-booking-source', z: 'tab', unit: 'Room 101', mode: 'url', interval: 15, timeout: 30, wires: [['out'], ['alerts']], ...settings },
      { id: 'out', type: 'helper', z: 'tab' },
      { id: 'alerts', type: 'helper', z: 'tab' },
      { id: 'on-error', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab' },
    ];
  }

  async function load(settings: Record<string, unknown> = {}, line = `airbnb ${url}`): Promise<void> {
    await helper.load(bookingSourceNode, flow(settings), { source: { url: line } });
    out = [];
    alerts = [];
    caught = [];
    helper.getNode('out').on('input', (msg: NodeMessage) => out.push(msg));
    helper.getNode('alerts').on('input', (msg: NodeMessage) => alerts.push(msg.payload as AlertMessage));
    helper.getNode('caught').on('input', (msg: NodeMessage) => caught.push(msg));
  }

  const changes = () => out.map((msg) => `${(msg.payload as BookingMessage).change} ${(msg.payload as BookingMessage).booking.id}`);

  /** Polls now (an inject) and waits until the node shows a status matching `pattern` and has sent what it had. */
  async function poll(pattern: RegExp): Promise<string> {
    const shown = await statusAfterPoll(pattern);
    await settle();
    return shown;
  }

  function statusAfterPoll(pattern: RegExp): Promise<string> {
    const node = helper.getNode('source');
    return new Promise((resolve) => {
      const listener = (call: SpyCall) => {
        const text = (call.args[0] as { text?: string }).text ?? '';
        if (!pattern.test(text)) return;
        node.removeListener('call:status', listener);
        resolve(text);
      };
      node.on('call:status', listener);
      node.receive({ payload: '' });
    });
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  beforeEach(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-trust-node-'));
    clock = new ManualClock('2026-07-01T09:00:00Z');
    helper.settings({ userDir, staykey: { clock } });
    await helper.startServer();
    server = new FeedServer();
    url = await server.start();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    await server.stop();
    helper.settings({ userDir: undefined, staykey: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  it('keeps every code through an empty calendar served with HTTP 200, and says so on the node', async () => {
    await load();
    server.serve(200, feed(ana, ben));
    await poll(/^2 bookings$/);
    server.serve(200, EMPTY);
    assert.equal(await poll(/empty/), 'feed empty, 2 kept');
    await settle();
    assert.deepEqual(changes(), ['created ana@airbnb.com', 'created ben@airbnb.com']);
    assert.equal(alerts.filter((alert) => /came back empty/.test(alert.text)).length, 1);
    server.serve(200, feed(ana, ben));
    await poll(/^2 bookings$/);
    await settle();
    assert.equal(out.length, 2, 'no stay comes back as a new booking');
  });

  it('holds a mass disappearance until the host confirms with a message, then cancels', async () => {
    await load();
    server.serve(200, feed(...stays));
    await poll(/^4 bookings$/);
    server.serve(200, feed(ana));
    assert.equal(await poll(/held/), '4 bookings, 3 held');
    await settle();
    assert.equal(out.length, 4);
    assert.ok(alerts.some((alert) => alert.severity === 'critical' && /dropped 3 upcoming stays/.test(alert.text)));
    helper.getNode('source').receive({ payload: { kind: 'confirm-cancellations' } });
    await settle();
    assert.deepEqual(changes().slice(4), ['cancelled ben@airbnb.com', 'cancelled cleo@airbnb.com', 'cancelled dan@airbnb.com']);
    helper.getNode('source').receive({ payload: { kind: 'confirm-cancellations' } });
    await settle();
    assert.match((caught[0]?.error as { message?: string })?.message ?? '', /no cancellation is waiting/);
  });

  it('lists the held stays for the editor\'s sidebar and takes the host\'s answer from it: keep these, cancel those', async () => {
    await load();
    server.serve(200, feed(...stays));
    await poll(/^4 bookings$/);
    server.serve(200, feed(ana));
    await poll(/held/);
    await settle();
    const panel = sidebarBoard.sources.get('source');
    assert.ok(panel, 'the running node is on the sidebar\'s board');
    assert.equal(panel.unit, 'Room 101');
    assert.deepEqual(panel.held().map((stay) => stay.bookingId), ['ben@airbnb.com', 'cleo@airbnb.com', 'dan@airbnb.com']);
    panel.answer('reject', ['ben@airbnb.com']);
    panel.answer('confirm', ['cleo@airbnb.com']);
    await settle();
    assert.deepEqual(changes().slice(4), ['cancelled cleo@airbnb.com'], 'Ben is kept, Cleo cancelled');
    assert.deepEqual(panel.held().map((stay) => stay.bookingId), ['dan@airbnb.com']);
    assert.throws(() => panel.answer('reject', ['no-such-stay@airbnb.com']), /reject-cancellations: none of no-such-stay@airbnb.com is held/);
    await helper.unload();
    assert.equal(sidebarBoard.sources.has('source'), false, 'a stopped node leaves the board');
  });

  it('takes the guard\'s threshold and wait from its options', async () => {
    await load({ massCount: 2, massShare: 25, massWait: 10 });
    server.serve(200, feed(...stays));
    await poll(/^4 bookings$/);
    server.serve(200, feed(ana, ben));
    await poll(/2 held/);
    clock.advance(10 * 60_000);
    await poll(/^2 bookings$/);
    assert.deepEqual(changes().slice(4), ['cancelled cleo@airbnb.com', 'cancelled dan@airbnb.com']);
  });

  it('reads a Booking.com feed\'s "CLOSED - Not available" as reservations whose code goes to the host, or as blocks when told', async () => {
    await load({}, `booking.com ${url}`);
    server.serve(200, feed(['b1@booking.com', '20260710', '20260714', 'CLOSED - Not available']));
    await poll(/^1 bookings$/);
    const booking = (out[0].payload as BookingMessage).booking;
    assert.deepEqual([booking.id, booking.codeTo], ['b1@booking.com', 'host']);
    await helper.unload();
    fs.rmSync(path.join(userDir, 'staykey'), { recursive: true, force: true });
    await load({}, `booking.com ${url} closed=blocks`);
    await poll(/^0 bookings$/);
    assert.deepEqual(out, []);
  });

  it('reads floating times in the listing zone set on the node, and a feed line\'s own zone over it', async () => {
    server.serve(200, calendar(['UID:t1', 'DTSTART:20260710T160000', 'DTEND:20260714T110000', 'SUMMARY:Reserved']));
    await load({ zone: 'America/New_York' });
    await poll(/^1 bookings$/);
    assert.equal((out[0].payload as BookingMessage).booking.arrivalAt, '2026-07-10T20:00:00.000Z');
    await helper.unload();
    fs.rmSync(path.join(userDir, 'staykey'), { recursive: true, force: true });
    await load({ zone: 'America/New_York' }, `pms ${url} zone=Asia/Tokyo`);
    await poll(/^1 bookings$/);
    assert.equal((out[0].payload as BookingMessage).booking.arrivalAt, '2026-07-10T07:00:00.000Z');
  });

  it('refuses a listing zone that is not an IANA zone, with a clear error', async () => {
    await load({ zone: 'Mars/Olympus' });
    helper.getNode('source').receive({ payload: '' });
    await settle();
    assert.match((caught[0]?.error as { message?: string })?.message ?? '', /listing time zone "Mars\/Olympus" is not an IANA time zone/);
  });
});
