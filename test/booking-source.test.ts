import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { NodeMessage } from 'node-red';
import type { AlertMessage, BookingMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import bookingSourceNode = require('../nodes/booking-source/booking-source');
import { FeedServer } from './support/feed-server';
import { helper, SpyCall } from './support/red';

type Stay = [uid: string, start: string, end: string, summary?: string];

function fixture(name: string): string {
  return fs.readFileSync(path.join(__dirname, 'fixtures', 'feeds', name), 'utf8');
}

/** An all-day iCal feed the way channels write it. */
function feed(...stays: Stay[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  for (const [uid, start, end, summary] of stays) {
    lines.push('BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:${start}`, `DTEND;VALUE=DATE:${end}`, `SUMMARY:${summary ?? 'Reserved'}`, 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

const ana: Stay = ['ana@airbnb.com', '20260710', '20260714'];
const ben: Stay = ['ben@airbnb.com', '20260720', '20260723'];

/** Every message a helper node receives, with a way to wait for the nth. */
class Collector {
  readonly messages: NodeMessage[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(id: string) {
    helper.getNode(id).on('input', (msg) => {
      this.messages.push(msg);
      this.waiters = this.waiters.filter((waiter) => {
        if (this.messages.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
    });
  }

  /** Resolves once `count` messages in all have arrived. */
  until(count: number): Promise<NodeMessage[]> {
    if (this.messages.length >= count) return Promise.resolve(this.messages);
    return new Promise((resolve) => this.waiters.push({ count, resolve: () => resolve(this.messages) }));
  }

  get bookings(): BookingMessage[] {
    return this.messages.map((msg) => msg.payload as BookingMessage);
  }

  get alerts(): AlertMessage[] {
    return this.messages.map((msg) => msg.payload as AlertMessage);
  }
}

/** Resolves with the status text once the node shows one matching `pattern`. */
function statusMatching(id: string, pattern: RegExp): Promise<string> {
  const node = helper.getNode(id);
  return new Promise((resolve) => {
    const listener = (call: SpyCall) => {
      const text = (call.args[0] as { text?: string }).text ?? '';
      if (!pattern.test(text)) return;
      node.removeListener('call:status', listener);
      resolve(text);
    };
    node.on('call:status', listener);
  });
}

/** Waits in real time (for HTTP and worker threads) until `check` holds. */
async function eventually(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function changes(collector: Collector): string[] {
  return collector.bookings.map((payload) => `${payload.change} ${payload.booking.id}`);
}

/** booking-source with its two outputs and a Catch node, each into a helper. */
function flow(settings: Record<string, unknown>): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'StayKey' },
    {
      id: 'source',
      type: 'staykey-booking-source',
      z: 'tab',
      name: '',
      unit: 'Room 101',
      source: '',
      mode: 'message',
      interval: 15,
      timeout: 30,
      include: '',
      exclude: '',
      misses: 1,
      wires: [['out'], ['alerts']],
      ...settings,
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'alerts', type: 'helper', z: 'tab' },
    { id: 'on-error', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

describe('booking-source node', function () {
  let userDir: string;
  let clock: ManualClock;

  beforeEach(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-booking-source-'));
    clock = new ManualClock('2026-07-01T09:00:00Z');
    helper.settings({ userDir, staykey: { clock } });
    await helper.startServer();
  });

  afterEach(async () => {
    await helper.unload();
    await helper.stopServer();
    helper.settings({ userDir: undefined, staykey: undefined });
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  describe('iCal and bookings in messages', () => {
    it('emits created, then changed, then cancelled as the feed in msg.payload changes', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message', source: 'airbnb' }));
      const out = new Collector('out');
      const source = helper.getNode('source');

      source.receive({ payload: feed(ana, ben) });
      await out.until(2);
      assert.deepEqual(changes(out), ['created ana@airbnb.com', 'created ben@airbnb.com']);
      assert.equal(out.messages[0].topic, 'ana@airbnb.com');
      assert.deepEqual(out.bookings[0].booking, {
        id: 'ana@airbnb.com',
        unit: 'Room 101',
        source: 'airbnb',
        arrival: '2026-07-10',
        departure: '2026-07-14',
        summary: 'Reserved',
      });

      source.receive({ payload: feed(ana, [ben[0], '20260720', '20260725']) });
      await out.until(3);
      assert.equal(changes(out)[2], 'changed ben@airbnb.com');
      assert.equal(out.bookings[2].booking.departure, '2026-07-25');

      source.receive({ payload: feed([ben[0], '20260720', '20260725']) });
      await out.until(4);
      assert.equal(changes(out)[3], 'cancelled ana@airbnb.com');
      assert.equal(out.bookings[3].booking.arrival, '2026-07-10');
    });

    it('creates, changes and cancels single bookings sent as objects, without cancelling the others', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message' }));
      const out = new Collector('out');
      const source = helper.getNode('source');

      source.receive({ payload: [{ id: 'R1', arrival: '2026-07-10', departure: '2026-07-12', guestName: 'Ana' }, { id: 'R2', arrival: '2026-07-15', departure: '2026-07-18' }] });
      await out.until(2);
      // The same booking again (a retried webhook) says nothing; a changed one says changed.
      source.receive({ payload: { id: 'R1', arrival: '2026-07-10', departure: '2026-07-12', guestName: 'Ana' } });
      source.receive({ payload: { id: 'R1', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ana' } });
      source.receive({ payload: { id: 'R2', cancelled: true } });
      source.receive({ payload: { id: 'R3', arrival: '2026-08-01', departure: '2026-08-03' }, change: 'cancelled' });
      await out.until(5);
      assert.deepEqual(changes(out), ['created R1', 'created R2', 'changed R1', 'cancelled R2', 'cancelled R3']);
      assert.equal(out.bookings[0].booking.unit, 'Room 101');
      assert.equal(out.bookings[3].booking.departure, '2026-07-18');
    });

    it('does not cancel bookings that came as messages when a feed leaves them out', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message' }));
      const out = new Collector('out');
      const source = helper.getNode('source');
      source.receive({ payload: { id: 'direct-1', arrival: '2026-07-10', departure: '2026-07-12' } });
      source.receive({ payload: feed(ben) });
      source.receive({ payload: feed(['blk', '20260801', '20260805', 'Airbnb (Not available)']) });
      await out.until(3);
      assert.deepEqual(changes(out), ['created direct-1', 'created ben@airbnb.com', 'cancelled ben@airbnb.com']);
    });

    it('keeps each channel\'s iCal text apart when msg.feed names it, so one channel never cancels another\'s bookings', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message', unit: 'Apartment 4' }));
      const out = new Collector('out');
      const source = helper.getNode('source');
      const withoutAnna = fixture('apartment-booking-com.ics').replace(/BEGIN:VEVENT\r\nUID:b00k1ng-apt4-2[\s\S]*?END:VEVENT\r\n/, '');
      source.receive({ payload: fixture('apartment-airbnb.ics'), feed: 'airbnb' });
      source.receive({ payload: fixture('apartment-booking-com.ics'), feed: 'booking.com' });
      source.receive({ payload: fixture('apartment-airbnb.ics'), feed: 'airbnb' });
      source.receive({ payload: withoutAnna, feed: 'booking.com' });
      await out.until(4);
      assert.deepEqual(changes(out), [
        'created a1b2c3d4e5f6-apt4-1@airbnb.com',
        'created b00k1ng-apt4-2@booking.com',
        'created b00k1ng-apt4-3@booking.com',
        'cancelled b00k1ng-apt4-2@booking.com',
      ]);
      assert.deepEqual([out.bookings[0].booking.source, out.bookings[1].booking.source], ['airbnb', 'booking.com']);
    });

    it('sends a bad booking to Catch nodes and changes nothing', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message' }));
      const out = new Collector('out');
      const caught = new Collector('caught');
      const source = helper.getNode('source');
      const status = statusMatching('source', /departure/);
      source.receive({ payload: [{ id: 'ok-1', arrival: '2026-07-10', departure: '2026-07-12' }, { id: 'bad-1', arrival: '2026-07-10', departure: 'soon' }] });
      const [error] = await caught.until(1);
      assert.match((error.error as { message: string }).message, /bad-1: departure must be a date/);
      assert.match(await status, /departure/);
      source.receive({ payload: { id: 'after', arrival: '2026-07-20', departure: '2026-07-22' } });
      await out.until(1);
      assert.deepEqual(changes(out), ['created after']);
    });

    it('sends a cancellation of an unknown booking without dates to Catch nodes', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message' }));
      const caught = new Collector('caught');
      helper.getNode('source').receive({ payload: { id: 'ghost', cancelled: true } });
      const [error] = await caught.until(1);
      assert.match((error.error as { message: string }).message, /cannot cancel booking ghost/);
    });
  });

  describe('feed address', () => {
    let server: FeedServer;
    let url: string;

    beforeEach(async () => {
      server = new FeedServer();
      url = await server.start();
    });

    afterEach(() => server.stop());

    async function loadUrlFlow(settings: Record<string, unknown> = {}): Promise<void> {
      await helper.load(bookingSourceNode, flow({ mode: 'url', ...settings }), { source: { url } });
    }

    it('keeps every booking through failed fetches, alerts, and cancels only after a good feed', async () => {
      server.serve(200, feed(ana, ben));
      await loadUrlFlow();
      const out = new Collector('out');
      const alerts = new Collector('alerts');
      const caught = new Collector('caught');
      const source = helper.getNode('source');

      let status = statusMatching('source', /bookings|failed/);
      clock.advance(1000); // the first poll, shortly after deploy
      assert.equal(await status, '2 bookings');
      await out.until(2);
      assert.deepEqual(changes(out), ['created ana@airbnb.com', 'created ben@airbnb.com']);
      assert.equal(out.bookings[0].booking.source, '127.0.0.1:' + new URL(url).port);

      const failures: [number, string, RegExp][] = [
        [500, 'Internal error', /HTTP 500/],
        [200, '', /empty/],
        [200, '<!DOCTYPE html><html><body>Log in</body></html>', /web page/],
        [200, feed(ana, ben).slice(0, 150), /cut off/],
      ];
      for (const [index, [code, body, reason]] of failures.entries()) {
        server.serve(code, body);
        status = statusMatching('source', /bookings|failed/);
        source.receive({ payload: Date.now() });
        assert.equal(await status, `feed failed ${index + 1}x`);
        const received = await alerts.until(index + 1);
        const alert = received[index].payload as AlertMessage;
        assert.equal(alert.kind, 'alert');
        assert.equal(alert.severity, 'warning');
        assert.equal(alert.topic, 'feed');
        assert.match(alert.text, reason);
        assert.doesNotMatch(alert.text, /secret-token/);
      }
      await caught.until(4);
      assert.equal(out.messages.length, 2, 'a failed fetch must not cancel or create anything');

      server.serve(200, feed(ana));
      status = statusMatching('source', /bookings|failed/);
      source.receive({ payload: Date.now() });
      assert.equal(await status, '1 bookings');
      await out.until(3);
      assert.deepEqual(changes(out)[2], 'cancelled ben@airbnb.com');
      const recovered = (await alerts.until(5))[4].payload as AlertMessage;
      assert.equal(recovered.severity, 'info');
      assert.match(recovered.text, /works again after 4 failed fetches/);
    });

    it('asks only for changes with the ETag, and counts a 304 as the same feed again', async () => {
      server.serve(200, feed(ana, ben), { etag: '"v1"' });
      await loadUrlFlow({ misses: 2 });
      const out = new Collector('out');
      const source = helper.getNode('source');
      clock.advance(1000);
      await out.until(2);

      server.serve(200, feed(ana), { etag: '"v2"', 'last-modified': 'Wed, 01 Jul 2026 09:00:00 GMT' });
      let status = statusMatching('source', /bookings|failed/);
      source.receive({ payload: Date.now() });
      assert.equal(await status, '2 bookings', 'one miss is not yet a cancellation');
      assert.equal(server.requests[1].headers['if-none-match'], '"v1"');

      server.serve(304, '', { etag: '"v2"' });
      status = statusMatching('source', /bookings|failed/);
      source.receive({ payload: Date.now() });
      assert.equal(await status, '1 bookings');
      assert.equal(server.requests[2].headers['if-none-match'], '"v2"');
      assert.equal(server.requests[2].headers['if-modified-since'], 'Wed, 01 Jul 2026 09:00:00 GMT');
      await out.until(3);
      assert.deepEqual(changes(out), ['created ana@airbnb.com', 'created ben@airbnb.com', 'cancelled ben@airbnb.com']);
    });

    it('polls again after the interval', async () => {
      server.serve(200, feed(ana));
      await loadUrlFlow({ interval: 5 });
      const out = new Collector('out');
      clock.advance(1000);
      await out.until(1);
      server.serve(200, feed(ana, ben));
      clock.advance(4 * 60_000);
      assert.equal(server.requests.length, 1);
      clock.advance(60_000);
      await out.until(2);
      assert.equal(server.requests.length, 2);
      assert.deepEqual(changes(out), ['created ana@airbnb.com', 'created ben@airbnb.com']);
    });

    it('gives up on a feed that does not answer within the timeout', async () => {
      server.hang = true;
      await loadUrlFlow({ timeout: 1 });
      const alerts = new Collector('alerts');
      const status = statusMatching('source', /failed/);
      helper.getNode('source').receive({ payload: 1 });
      assert.equal(await status, 'feed failed 1x');
      const [alert] = await alerts.until(1);
      assert.match((alert.payload as AlertMessage).text, /did not answer within 1 s/);
    });

    it('stops a download in flight when the flow stops', async () => {
      server.hang = true;
      await loadUrlFlow();
      const arrived = new Promise<http.IncomingMessage>((resolve) => (server.onRequest = resolve));
      helper.getNode('source').receive({ payload: 1 });
      const request = await arrived;
      const closed = new Promise<void>((resolve) => request.socket.once('close', () => resolve()));
      await helper.unload();
      await closed;
    });

    it('after a restart, announces again what it had announced (a kill may have lost it downstream), then cancels a booking that vanished while stopped', async () => {
      server.serve(200, feed(ana, ben));
      await loadUrlFlow();
      let out = new Collector('out');
      clock.advance(1000);
      await out.until(2);
      await helper.unload();
      assert.ok(fs.existsSync(path.join(userDir, 'staykey', 'feeds', 'source.json')));

      server.serve(200, feed(ana, ['cleo@airbnb.com', '20260801', '20260805']));
      await loadUrlFlow();
      out = new Collector('out');
      const status = statusMatching('source', /bookings|failed/);
      clock.advance(1000);
      assert.equal(await status, '2 bookings');
      await out.until(4);
      assert.deepEqual(changes(out), ['changed ana@airbnb.com', 'changed ben@airbnb.com', 'cancelled ben@airbnb.com', 'created cleo@airbnb.com']);
      // A message sent after the fetch arrives after everything that fetch sent.
      helper.getNode('source').receive({ payload: { id: 'marker', arrival: '2026-09-01', departure: '2026-09-02' } });
      await out.until(5);
      assert.deepEqual(changes(out).slice(2), ['cancelled ben@airbnb.com', 'created cleo@airbnb.com', 'created marker']);
    });

    it('refuses to start without a feed address', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'url' }));
      const caught = new Collector('caught');
      helper.getNode('source').receive({ payload: 1 });
      const [error] = await caught.until(1);
      assert.match((error.error as { message: string }).message, /feed address/);
    });
  });

  describe('backoff', () => {
    let server: FeedServer;
    let url: string;

    beforeEach(async () => {
      server = new FeedServer();
      url = await server.start();
    });

    afterEach(() => server.stop());

    it('forgets the guest of a stay over for longer than the retention, while every fetch fails', async () => {
      server.serve(200, feed(['zq@pms.example', '20260710', '20260712', 'Zebulon Quartermaine']));
      await helper.load(bookingSourceNode, flow({ mode: 'url', interval: 15, forgetGuestsDays: 30 }), { source: { url } });
      const state = path.join(userDir, 'staykey', 'feeds', 'source.json');
      const saved = () => (fs.existsSync(state) ? fs.readFileSync(state, 'utf8') : '');
      clock.advance(1000);
      await eventually(() => saved().includes('Quartermaine'));
      server.serve(503, 'Service Unavailable');

      const steps = async (until: string) => {
        while (clock.now() < new Date(until)) {
          clock.advance(3 * 3600_000);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      };
      await steps('2026-08-10T00:00:00Z'); // 29 days after checkout
      assert.match(saved(), /Quartermaine/, 'within the retention the guest is kept');
      await steps('2026-08-12T12:00:00Z');
      // A failed poll forgets the guest (one each hour while the feed fails).
      for (let hour = 0; hour < 24 && saved().includes('Quartermaine'); hour++) {
        clock.advance(3600_000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.doesNotMatch(saved(), /Quartermaine/);
      assert.match(saved(), /zq@pms\.example/, 'the stay is kept, without its guest');
    });

    it('waits twice as long after each failed fetch, up to an hour, and back to the interval after a good one', async () => {
      const minute = 60_000;
      server.serve(503, 'Service Unavailable');
      await helper.load(bookingSourceNode, flow({ mode: 'url', interval: 15 }), { source: { url } });
      const alerts = new Collector('alerts');

      /** Moves the clock to just before the next poll (nothing fetched), then onto it. */
      async function nextPollAfter(ms: number, status: RegExp): Promise<string> {
        clock.advance(ms - 1);
        assert.equal(clock.pendingTimers, 1, `no fetch before ${ms / minute} min`);
        const shown = statusMatching('source', status);
        clock.advance(1);
        assert.equal(clock.pendingTimers, 0, `the fetch is due after ${ms / minute} min`);
        return shown;
      }

      assert.equal(await nextPollAfter(1000, /failed/), 'feed failed 1x');
      assert.equal(await nextPollAfter(30 * minute, /failed/), 'feed failed 2x');
      assert.equal(await nextPollAfter(60 * minute, /failed/), 'feed failed 3x');
      assert.equal(await nextPollAfter(60 * minute, /failed/), 'feed failed 4x', 'never more than an hour');
      server.serve(200, feed(ana));
      assert.equal(await nextPollAfter(60 * minute, /bookings/), '1 bookings');
      server.serve(200, feed(ana, ben));
      assert.equal(await nextPollAfter(15 * minute, /bookings/), '2 bookings');
      assert.equal(server.requests.length, 6);
      // One alert for the failures (the same reason each time) and one when it works again.
      assert.deepEqual((await alerts.until(2)).map((msg) => (msg.payload as AlertMessage).severity), ['warning', 'info']);
    });
  });

  describe('several feeds for one unit', () => {
    const channels = ['airbnb', 'booking.com', 'vrbo'] as const;
    let servers: Record<(typeof channels)[number], FeedServer>;
    let lines: string;

    beforeEach(async () => {
      servers = { airbnb: new FeedServer(), 'booking.com': new FeedServer(), vrbo: new FeedServer() };
      const urls = await Promise.all(channels.map((channel) => servers[channel].start()));
      // This host closes Booking.com's dates from the other channels' calendars: its "CLOSED - Not available" are blocks.
      lines = channels.map((channel, index) => `${channel} ${urls[index]}${channel === 'booking.com' ? ' closed=blocks' : ''}`).join('\n');
      servers.airbnb.serve(200, fixture('apartment-airbnb.ics'));
      servers['booking.com'].serve(200, fixture('apartment-booking-com.ics'));
      servers.vrbo.serve(200, fixture('apartment-vrbo.ics'));
    });

    afterEach(() => Promise.all(channels.map((channel) => servers[channel].stop())));

    async function loadChannels(): Promise<void> {
      await helper.load(bookingSourceNode, flow({ mode: 'url', unit: 'Apartment 4' }), { source: { url: lines } });
    }

    it('reads every channel\'s feed and announces each stay once, though each channel blocks the others\' stays', async () => {
      await loadChannels();
      const out = new Collector('out');
      const status = statusMatching('source', /3 bookings/);
      clock.advance(1000);
      await status;
      await out.until(3);
      assert.deepEqual(
        out.bookings.map(({ change, booking }) => [change, booking.source, booking.guestName ?? booking.reservationCode, booking.arrival]),
        [
          ['created', 'airbnb', 'HMABCD1234', '2026-07-10'],
          ['created', 'booking.com', 'Anna Berg', '2026-07-20'],
          ['created', 'vrbo', 'Maria Santos', '2026-08-01'],
        ],
      );
      for (const channel of channels) assert.equal(servers[channel].requests.length, 1, channel);
    });

    it('alerts the host about a double booking across channels and keeps both guests', async () => {
      await loadChannels();
      const out = new Collector('out');
      const alerts = new Collector('alerts');
      clock.advance(1000);
      await out.until(3);
      servers['booking.com'].serve(
        200,
        fixture('apartment-booking-com.ics').replace(
          'END:VCALENDAR',
          'BEGIN:VEVENT\r\nUID:b00k1ng-apt4-9@booking.com\r\nDTSTART;VALUE=DATE:20260712\r\nDTEND;VALUE=DATE:20260716\r\nSUMMARY:CLOSED - Peter Pan\r\nEND:VEVENT\r\nEND:VCALENDAR',
        ),
      );
      helper.getNode('source').receive({ payload: 1 });
      await eventually(() => alerts.messages.some((msg) => msg.topic === 'double-booking'));
      const alert = alerts.messages.find((msg) => msg.topic === 'double-booking') as NodeMessage;
      const payload = alert.payload as AlertMessage;
      assert.equal(payload.severity, 'critical');
      assert.match(payload.text, /Double booking in Apartment 4: HMABCD1234 \(airbnb, 2026-07-10 to 2026-07-14\) and Peter Pan \(booking\.com, 2026-07-12 to 2026-07-16\)/);
      assert.doesNotMatch(payload.text, /secret-token/);
      await out.until(4);
      assert.deepEqual(changes(out)[3], 'created b00k1ng-apt4-9@booking.com');
    });

    it('keeps polling the good channels while one fails, and names the failing one', async () => {
      servers.vrbo.serve(500, 'oops');
      await loadChannels();
      const out = new Collector('out');
      const alerts = new Collector('alerts');
      const status = statusMatching('source', /failed/);
      clock.advance(1000);
      assert.equal(await status, 'vrbo failed 1x');
      await out.until(2);
      await eventually(() => alerts.alerts.some((alert) => /vrbo feed/.test(alert.text)));
      const failure = alerts.alerts.filter((alert) => alert.severity !== 'info');
      assert.equal(failure.length, 1);
      assert.match(failure[0].text, /^Apartment 4 vrbo feed \(127\.0\.0\.1:\d+\) failed: feed 127\.0\.0\.1:\d+ answered HTTP 500/);
      clock.advance(15 * 60_000);
      await eventually(() => servers.airbnb.requests.length === 2);
      assert.equal(servers.vrbo.requests.length, 1, 'the failed feed waits twice as long');
    });

    it('refuses two feeds with the same name, and a line that is not an address, without showing it', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'url' }), { source: { url: `${lines}\nairbnb https://example.com/other.ics` } });
      const caught = new Collector('caught');
      helper.getNode('source').receive({ payload: 1 });
      const [error] = await caught.until(1);
      assert.match((error.error as { message: string }).message, /two feeds are called "airbnb"/);
      await helper.unload();

      await helper.load(bookingSourceNode, flow({ mode: 'url' }), { source: { url: 'airbnb www.airbnb.com/calendar/ical/1.ics?s=secret-token-abc' } });
      const caughtAgain = new Collector('caught');
      helper.getNode('source').receive({ payload: 1 });
      const [lineError] = await caughtAgain.until(1);
      const message = (lineError.error as { message: string }).message;
      assert.match(message, /feed line 1 is not a feed address/);
      assert.doesNotMatch(message, /secret-token/);
    });
  });

  describe('a feed of 20,000 events with years of history', () => {
    /** Two-night stays back to back for a century, up to two months ahead. */
    function bigFeed(): { text: string; recent: number } {
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
      const last = Date.UTC(2026, 8, 1);
      const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Airbnb Inc//Hosting Calendar 1.0//EN'];
      let recent = 0;
      for (let i = 0; i < 20_000; i++) {
        const arrival = last - (20_000 - i) * 2 * 86_400_000;
        const departure = arrival + 2 * 86_400_000;
        if (day(departure) >= '20260601') recent += 1;
        lines.push(
          'BEGIN:VEVENT',
          `DTEND;VALUE=DATE:${day(departure)}`,
          `DTSTART;VALUE=DATE:${day(arrival)}`,
          `UID:${i.toString(16).padStart(12, '0')}-big@airbnb.com`,
          'DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/det',
          ` ails/HM${i.toString(36).toUpperCase().padStart(8, '0')}\\nPhone Number (Last 4 Digits): ${String(i % 10_000).padStart(4, '0')}`,
          'SUMMARY:Reserved',
          'END:VEVENT',
        );
      }
      lines.push('END:VCALENDAR');
      return { text: `${lines.join('\r\n')}\r\n`, recent };
    }

    it('answers other messages while it reads the feed, and keeps only stays that ended within the last 30 days or later', async () => {
      const { text, recent } = bigFeed();
      const fromFeed = (payload: BookingMessage) => payload.booking.unit === 'Room 101';
      await helper.load(bookingSourceNode, flow({ mode: 'message', source: 'airbnb' }));
      const out = new Collector('out');
      const source = helper.getNode('source');
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();

      source.receive({ payload: text });
      // While the feed is read, the node keeps taking bookings sent to it.
      let pings = 0;
      const pinger = setInterval(() => {
        pings += 1;
        source.receive({ payload: { id: `ping-${pings}`, unit: 'Room 202', arrival: '2026-07-10', departure: '2026-07-12' } });
      }, 5);
      try {
        await eventually(() => out.bookings.some(fromFeed), 60_000);
      } finally {
        clearInterval(pinger);
        loop.disable();
      }
      const firstFromFeed = out.bookings.findIndex(fromFeed);
      assert.ok(firstFromFeed > 0, 'a booking sent while the feed was read was answered before the feed\'s bookings');
      assert.equal(out.bookings[0].booking.id, 'ping-1');
      await out.until(firstFromFeed + recent);
      const feedBookings = out.bookings.filter(fromFeed);
      assert.equal(feedBookings.length, recent);
      assert.ok(feedBookings.every((payload) => payload.booking.departure >= '2026-06-01'));
      // A sanity bound, not a speed test: the main thread never stalled for anything like a whole parse.
      assert.ok(loop.max / 1e6 < 2000, `event loop blocked for ${Math.round(loop.max / 1e6)} ms`);
    });
  });

  describe('Home Assistant calendar and PMS webhook messages', () => {
    it('takes the answer of calendar.get_events and a PMS webhook, and cancels by the webhook', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message', unit: 'Flat 3' }));
      const out = new Collector('out');
      const source = helper.getNode('source');
      source.receive({
        payload: {
          'calendar.flat_3': {
            events: [
              { summary: 'Reserved - Maria Santos', start: '2026-08-01', end: '2026-08-05', description: '' },
              { summary: 'Blocked', start: '2026-08-05', end: '2026-08-09' },
            ],
          },
        },
      });
      source.receive({ payload: JSON.stringify({ event: 'reservation.new', reservation: { _id: 'gy-9', checkIn: '2026-07-10', checkOut: '2026-07-14', guest: { fullName: 'Tom Hill' } } }) });
      source.receive({ payload: { event: 'reservation.canceled', reservation: { _id: 'gy-9' } } });
      await out.until(3);
      assert.deepEqual(
        out.bookings.map(({ change, booking }) => [change, booking.guestName, booking.arrival]),
        [
          ['created', 'Maria Santos', '2026-08-01'],
          ['created', 'Tom Hill', '2026-07-10'],
          ['cancelled', 'Tom Hill', '2026-07-10'],
        ],
      );
    });
  });

  describe('file', () => {
    it('reads the file after deploy and again on every message, relative to the user directory', async () => {
      fs.mkdirSync(path.join(userDir, 'feeds'));
      const file = path.join(userDir, 'feeds', 'room-101.ics');
      fs.writeFileSync(file, feed(ana));
      await helper.load(bookingSourceNode, flow({ mode: 'file', file: 'feeds/room-101.ics' }));
      const out = new Collector('out');
      const alerts = new Collector('alerts');
      const source = helper.getNode('source');
      clock.advance(1000);
      await out.until(1);
      assert.equal(out.bookings[0].booking.source, 'room-101.ics');

      fs.writeFileSync(file, feed(ana, ben));
      source.receive({ payload: 1 });
      await out.until(2);
      assert.deepEqual(changes(out), ['created ana@airbnb.com', 'created ben@airbnb.com']);

      fs.rmSync(file);
      const status = statusMatching('source', /failed/);
      source.receive({ payload: 1 });
      assert.equal(await status, 'feed failed 1x');
      const [alert] = await alerts.until(1);
      assert.match((alert.payload as AlertMessage).text, /cannot be read \(ENOENT\)/);
      assert.equal(out.messages.length, 2);
    });
  });

  describe('feed bytes: charsets and size', () => {
    let server: FeedServer;
    let url: string;
    const andre: Stay = ['andre@pms', '20260710', '20260714', 'Reserved - André Gonçalves'];
    /** What a PMS export in Windows-1252 sends: one byte for each accented letter. */
    const windows1252 = (text: string) => Buffer.from(text, 'latin1');
    const megabyteFeed = (megabytes: number) => feed(ana).replace('END:VCALENDAR', `X-FILLER:${'x'.repeat(megabytes * 1024 * 1024)}\r\nEND:VCALENDAR`);

    beforeEach(async () => {
      server = new FeedServer();
      url = await server.start();
    });

    afterEach(() => server.stop());

    it('keeps the accented guest name of a feed served in Windows-1252', async () => {
      server.serve(200, windows1252(feed(andre)));
      await helper.load(bookingSourceNode, flow({ mode: 'url' }), { source: { url } });
      const out = new Collector('out');
      clock.advance(1000);
      await out.until(1);
      assert.equal(out.bookings[0].booking.guestName, 'André Gonçalves');
    });

    it('keeps the accented guest name of a Windows-1252 file and of a Windows-1252 Buffer sent in', async () => {
      fs.writeFileSync(path.join(userDir, 'room.ics'), windows1252(feed(andre)));
      await helper.load(bookingSourceNode, flow({ mode: 'file', file: 'room.ics' }));
      const fromFile = new Collector('out');
      clock.advance(1000);
      await fromFile.until(1);
      assert.equal(fromFile.bookings[0].booking.guestName, 'André Gonçalves');
      await helper.unload();

      await helper.load(bookingSourceNode, flow({ mode: 'message' }));
      const fromMessage = new Collector('out');
      helper.getNode('source').receive({ payload: windows1252(feed(andre)) });
      await fromMessage.until(1);
      assert.equal(fromMessage.bookings[0].booking.guestName, 'André Gonçalves');
    });

    it('counts a feed larger than "Largest feed" as a failed fetch, never a cancellation', async () => {
      server.serve(200, feed(ana, ben));
      await helper.load(bookingSourceNode, flow({ mode: 'url', maxFeedMb: 1 }), { source: { url } });
      const out = new Collector('out');
      const alerts = new Collector('alerts');
      clock.advance(1000);
      await out.until(2);

      server.serve(200, megabyteFeed(2));
      const status = statusMatching('source', /failed/);
      helper.getNode('source').receive({ payload: 1 });
      assert.equal(await status, 'feed failed 1x');
      const [alert] = await alerts.until(1);
      assert.match((alert.payload as AlertMessage).text, /failed: feed 127\.0\.0\.1:\d+ is larger than 1 MB; keeping the last good bookings/);
      assert.doesNotMatch((alert.payload as AlertMessage).text, /secret-token/);
      assert.equal(out.messages.length, 2, 'nothing cancelled');
    });

    it('refuses a file larger than "Largest feed" with an alert', async () => {
      fs.writeFileSync(path.join(userDir, 'room.ics'), megabyteFeed(2));
      await helper.load(bookingSourceNode, flow({ mode: 'file', file: 'room.ics', maxFeedMb: 1 }));
      const alerts = new Collector('alerts');
      clock.advance(1000);
      const [alert] = await alerts.until(1);
      assert.match((alert.payload as AlertMessage).text, /feed file .*room\.ics is larger than 1 MB/);
    });

    it('refuses iCal text or a Buffer sent in that is larger than "Largest feed"', async () => {
      await helper.load(bookingSourceNode, flow({ mode: 'message', maxFeedMb: 1 }));
      const caught = new Collector('caught');
      const out = new Collector('out');
      helper.getNode('source').receive({ payload: megabyteFeed(2) });
      helper.getNode('source').receive({ payload: Buffer.from(megabyteFeed(2)) });
      const errors = await caught.until(2);
      for (const error of errors) assert.match((error.error as { message: string }).message, /msg\.payload is larger than 1 MB/);
      helper.getNode('source').receive({ payload: megabyteFeed(0) });
      await out.until(1);
      assert.equal(out.bookings[0].booking.id, 'ana@airbnb.com');
    });
  });
});
