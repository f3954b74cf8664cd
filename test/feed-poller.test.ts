/**
 * booking-source's poller and settings without Node-RED: a clock moved by hand, a feed served from
 * a local server or a file, and BookingSource keeping its state in a temporary folder.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BookingSource } from '../lib/bookings/booking-source';
import { FeedPoller, FIRST_FETCH_DELAY_MS, PollReport } from '../lib/bookings/feed-poller';
import { IN_PLACE_LIMIT } from '../lib/bookings/feed-worker';
import { readSourceSettings, SourceSettings } from '../lib/bookings/source-settings';
import { parseSourceInput } from '../lib/messages/parse-source-input';
import { ManualClock } from '../lib/time/clock';
import { FeedServer } from './support/feed-server';

/** One stay per uid, three days apart from the 10th of July (or a later first day). */
function feed(...uids: string[]): string {
  return feedFrom(10, ...uids);
}

function feedFrom(firstDay: number, ...uids: string[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0'];
  uids.forEach((uid, index) => {
    const day = firstDay + index * 3;
    lines.push('BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:202607${day}`, `DTEND;VALUE=DATE:202607${day + 2}`, 'SUMMARY:Reserved', 'END:VEVENT');
  });
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

const changes = (report: PollReport) => report.updates.map((update) => `${update.change} ${update.booking.id}`);

/** Waits until `reports` has `count` entries: the reads run on a worker or a socket, not on the clock. */
async function until(reports: PollReport[], count: number): Promise<void> {
  for (let i = 0; i < 500 && reports.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(reports.length, count, `${count} reports`);
}

describe('FeedPoller', () => {
  let directory: string;
  let clock: ManualClock;
  let polled: PollReport[];
  let warnings: string[];
  let poller: FeedPoller | undefined;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-poller-'));
    clock = new ManualClock('2026-07-01T09:00:00Z');
    polled = [];
    warnings = [];
  });
  afterEach(async () => {
    await poller?.stop();
    poller = undefined;
    fs.rmSync(directory, { recursive: true, force: true });
  });

  function start(config: Record<string, unknown>, credentials: { url?: string } = {}): { settings: SourceSettings; source: BookingSource } {
    const settings = readSourceSettings({ unit: 'Room 101', ...config }, credentials, directory);
    const source = BookingSource.open({ ...settings, feeds: settings.mode === 'message' ? undefined : settings.feeds.map((each) => each.name), clock });
    poller = new FeedPoller(source, settings, { clock, polled: (report) => polled.push(report), warn: (text) => warnings.push(text) });
    poller.start();
    return { settings, source };
  }

  it('polls a big feed (read in a worker) and then reads only what changed, with the same changes a fresh read finds', async () => {
    const file = path.join(directory, 'pms.ics');
    const stays = (changedDay: number, extra: string[]) => {
      const uids = Array.from({ length: 3000 }, (_, index) => `big-${index}`);
      const events = [...uids, ...extra].map((uid, index) => {
        const day = new Date(Date.UTC(2026, 6, 10 + (uid === 'big-7' ? changedDay : index)));
        const ymd = (date: Date) => date.toISOString().slice(0, 10).replace(/-/g, '');
        return ['BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:${ymd(day)}`, `DTEND;VALUE=DATE:${ymd(new Date(day.getTime() + 2 * 86_400_000))}`, 'SUMMARY:Reserved', 'DESCRIPTION:Guests: 2', 'END:VEVENT'];
      });
      return ['BEGIN:VCALENDAR', 'VERSION:2.0', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');
    };
    fs.writeFileSync(file, stays(7, []));
    assert.ok(fs.statSync(file).size > IN_PLACE_LIMIT, 'big enough for the worker');
    start({ mode: 'file', file: 'pms.ics', interval: 15 });
    clock.advance(FIRST_FETCH_DELAY_MS);
    await until(polled, 1);
    assert.equal(polled[0].updates.length, 3000);

    fs.writeFileSync(file, stays(3100, ['big-new']));
    clock.advance(15 * 60_000);
    await until(polled, 2);
    assert.deepEqual(changes(polled[1]), ['changed big-7', 'created big-new']);
    assert.equal(polled[1].updates[0].booking.arrival, '2035-01-04');
  });

  it('reads a feed file a moment after it starts, then again every interval', async () => {
    const file = path.join(directory, 'room-101.ics');
    fs.writeFileSync(file, feed('a', 'b'));
    start({ mode: 'file', file: 'room-101.ics', interval: 15 });
    assert.equal(clock.pendingTimers, 1);

    clock.advance(FIRST_FETCH_DELAY_MS);
    await until(polled, 1);
    assert.deepEqual(changes(polled[0]), ['created a', 'created b']);

    fs.writeFileSync(file, feed('a'));
    clock.advance(15 * 60_000 - 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(polled.length, 1, 'not before the interval is up');
    clock.advance(1);
    await until(polled, 2);
    assert.deepEqual(changes(polled[1]), ['cancelled b']);
  });

  describe('a feed served over HTTP', () => {
    let server: FeedServer;
    let url: string;
    beforeEach(async () => {
      server = new FeedServer();
      url = await server.start();
    });
    afterEach(() => server.stop());

    it('waits twice as long after each failure, alerts once, and says when the feed works again', async () => {
      server.serve(503, 'down');
      start({ interval: 15 }, { url: `airbnb ${url}` });
      clock.advance(FIRST_FETCH_DELAY_MS);
      await until(polled, 1);
      assert.equal(polled[0].errors.length, 1);
      assert.equal(polled[0].alerts.length, 1);
      assert.match(polled[0].alerts[0].text, /^Room 101 feed \(127\.0\.0\.1:\d+\) failed/);
      assert.deepEqual(poller?.failing, { name: 'airbnb', failures: 1 });

      clock.advance(30 * 60_000 - 1);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(polled.length, 1, 'the second try waits 30 minutes, not 15');
      clock.advance(1);
      await until(polled, 2);
      assert.equal(polled[1].alerts.length, 0, 'the same failure again is not news');

      server.serve(200, feed('a'));
      clock.advance(60 * 60_000);
      await until(polled, 3);
      assert.deepEqual(polled[2].errors, []);
      assert.match(polled[2].alerts[0].text, /works again after 2 failed fetches/);
      assert.deepEqual(changes(polled[2]), ['created a']);
      assert.equal(poller?.failing, undefined);
    });

    it('fetches every feed when asked, in the order asked, and stops its timers when stopped', async () => {
      server.serve(200, feed('a'));
      start({ interval: 15 }, { url: `airbnb ${url}\nvrbo ${url}&vrbo` });
      const asked: PollReport[] = [];
      poller?.fetchAll((report) => asked.push(report));
      poller?.readText(feed('a', 'b'), 'vrbo', (report) => asked.push(report));
      await until(asked, 2);
      assert.deepEqual(changes(asked[0]), ['created a']);
      assert.deepEqual(changes(asked[1]), ['created b']);
      assert.equal(server.requests.length, 2);
      await poller?.stop();
      assert.equal(clock.pendingTimers, 0);
    });

    it('refuses iCal text for a feed it does not have, naming the ones it has', () => {
      server.serve(200, feed('a'));
      start({}, { url: `airbnb ${url}` });
      assert.throws(() => poller?.readText(feed('a'), 'vrbo', () => assert.fail('not read')), /^Error: msg\.feed "vrbo" is not one of this node's feeds \(airbnb\)$/);
    });
  });

  it('in message mode takes each named channel’s text as its own feed, and forgets past guests daily', async () => {
    const { source } = start({ mode: 'message', unit: 'Room 101' });
    const read: PollReport[] = [];
    poller?.readText(feed('a'), 'airbnb', (report) => read.push(report));
    poller?.readText(feedFrom(20, 'b'), 'vrbo', (report) => read.push(report));
    await until(read, 2);
    assert.deepEqual(read.map(changes), [['created a'], ['created b']]);
    assert.equal(poller?.feedCount, 3);
    assert.equal(source.count, 2);
    assert.equal(clock.pendingTimers, 1, 'the daily forgetting');
    clock.advance(24 * 3600_000);
    assert.equal(clock.pendingTimers, 1, 'set again for the next day');
    assert.deepEqual(warnings, []);
  });
});

describe('booking-source settings', () => {
  it('reads one named feed per line, with its options, and names the feed line that is wrong', () => {
    const settings = readSourceSettings(
      { unit: 'Room 101', interval: '20', zone: 'Europe/Lisbon' },
      { url: '# our channels\nairbnb https://www.airbnb.com/calendar/ical/1.ics?s=t\nbooking: https://admin.booking.com/x.ics closed=blocks' },
      '/tmp',
    );
    assert.deepEqual(
      settings.feeds.map((each) => [each.name, each.where, each.reading]),
      [
        ['airbnb', 'www.airbnb.com', { timeZone: 'Europe/Lisbon' }],
        ['booking', 'admin.booking.com', { timeZone: 'Europe/Lisbon', channel: 'booking.com', closed: 'blocks' }],
      ],
    );
    assert.equal(settings.intervalMs, 20 * 60_000);
    assert.throws(() => readSourceSettings({ unit: 'Room 101' }, { url: 'airbnb https://a.example/1.ics\nnot an address' }, '/tmp'), /^Error: feed line 2 is not a feed address/);
    assert.throws(() => readSourceSettings({ unit: 'Room 101' }, { url: 'https://a.example/1.ics zone=Mars/Base' }, '/tmp'), /^Error: feed line 1: listing time zone "Mars\/Base"/);
    assert.throws(() => readSourceSettings({ unit: 'Room 101' }, { url: 'x https://a.example/1.ics\nx https://b.example/2.ics' }, '/tmp'), /two feeds are called "x"/);
  });

  it('finds a feed file from Node-RED’s folder and needs a unit unless bookings come as messages', () => {
    assert.equal(readSourceSettings({ unit: 'Room 101', mode: 'file', file: 'feeds/a.ics' }, {}, '/srv/red').feeds[0].file, '/srv/red/feeds/a.ics');
    assert.throws(() => readSourceSettings({ mode: 'file', file: 'a.ics' }, {}, '/tmp'), /^Error: set the unit these bookings are for$/);
    assert.equal(readSourceSettings({ mode: 'message' }, {}, '/tmp').source, 'message');
  });
});

describe('booking-source input', () => {
  it('takes iCal text as a feed, JSON and objects as bookings, and anything else as a fetch', () => {
    assert.deepEqual(parseSourceInput('BEGIN:VCALENDAR', false, 1000), { kind: 'feed', value: 'BEGIN:VCALENDAR' });
    assert.deepEqual(parseSourceInput(' [{"id": "a"}] ', false, 1000), { kind: 'bookings', value: [{ id: 'a' }] });
    assert.deepEqual(parseSourceInput(1_783_000_000_000, false, 1000), { kind: 'fetch' });
    assert.deepEqual(parseSourceInput('', true, 1000), { kind: 'feed', value: '' });
    assert.deepEqual(parseSourceInput(undefined, true, 1000), { kind: 'bookings', value: undefined });
    assert.throws(() => parseSourceInput('{"id": ', false, 1000), /^Error: msg\.payload looks like JSON but cannot be read as JSON$/);
    assert.throws(() => parseSourceInput(Buffer.alloc(1001), false, 1000), /msg\.payload/);
  });
});
