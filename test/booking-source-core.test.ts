import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { BookingSource, SourceUpdate } from '../lib/bookings/booking-source';
import { fetchFeed } from '../lib/bookings/feed-fetch';
import { FeedHealth } from '../lib/bookings/feed-health';
import { ManualClock } from '../lib/time/clock';

function feed(...uids: string[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0'];
  uids.forEach((uid, index) => {
    const day = 10 + index * 3;
    lines.push('BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:202607${day}`, `DTEND;VALUE=DATE:202607${day + 2}`, 'SUMMARY:Reserved', 'END:VEVENT');
  });
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

const summary = (result: SourceUpdate) => result.updates.map((u) => `${u.change} ${u.booking.id}`);

describe('BookingSource', () => {
  let directory: string;
  let clock: ManualClock;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-source-'));
    clock = new ManualClock('2026-07-01T09:00:00Z');
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  const open = (stateFile: string) => BookingSource.open({ unit: 'Room 101', source: 'airbnb', clock, stateFile });

  it('keeps feed and message bookings across a reopen of its state file', () => {
    const file = path.join(directory, 'feeds', 'room-101.json');
    const first = open(file);
    first.readFeed(feed('a', 'b'));
    first.receive({ id: 'direct', arrival: '2026-08-01', departure: '2026-08-03' });

    const second = open(file);
    assert.equal(second.count, 3);
    assert.deepEqual(summary(second.readFeed(feed('a'))), ['cancelled b']);
    assert.deepEqual(summary(second.receive({ id: 'direct', cancelled: true })), ['cancelled direct']);
  });

  it('refuses a damaged state file instead of starting empty', () => {
    const file = path.join(directory, 'state.json');
    fs.writeFileSync(file, '{"version":1,"feed":');
    assert.throws(() => open(file), /not valid JSON/);
    fs.writeFileSync(file, JSON.stringify({ version: 1, feed: { version: 1, bookings: [{ booking: { id: 'x' } }] }, messages: { version: 1, bookings: [] } }));
    assert.throws(() => open(file), /move it away/);
  });

  it('undoes a change it cannot save, so the next fetch announces it again', () => {
    const blocker = path.join(directory, 'feeds');
    const source = open(path.join(blocker, 'state.json'));
    fs.writeFileSync(blocker, 'a file where the state folder should be');
    assert.throws(() => source.readFeed(feed('a')), /could not be saved.*nothing was changed/);
    assert.equal(source.count, 0);

    fs.rmSync(blocker);
    assert.deepEqual(summary(source.readFeed(feed('a'))), ['created a']);
  });

  it('changes nothing when one booking of a list is bad', () => {
    const source = open(path.join(directory, 'state.json'));
    assert.throws(() => source.receive([{ id: 'good', arrival: '2026-07-10', departure: '2026-07-12' }, { id: 'bad' }]), /bad: arrival/);
    assert.equal(source.count, 0);
  });

  it('takes a BookingMessage from another booking-source as a booking', () => {
    const source = open(path.join(directory, 'state.json'));
    const booking = { id: 'fwd', unit: 'Room 9', source: 'vrbo', arrival: '2026-07-10', departure: '2026-07-12' };
    assert.deepEqual(summary(source.receive({ kind: 'booking', change: 'created', booking })), ['created fwd']);
    const [cancelled] = source.receive({ kind: 'booking', change: 'cancelled', booking }).updates;
    assert.equal(cancelled.change, 'cancelled');
    assert.equal(cancelled.booking.unit, 'Room 9');
  });

  it('forgets its guests once stays and cancellations are older than the retention, even when no feed answers', () => {
    const file = path.join(directory, 'state.json');
    const event = (uid: string, from: string, to: string, name: string) =>
      ['BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:${from}`, `DTEND;VALUE=DATE:${to}`, `SUMMARY:${name}`, `DESCRIPTION:Guest: ${name}`, 'END:VEVENT'];
    const calendar = (...events: string[][]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', ...events.flat(), 'END:VCALENDAR'].join('\r\n');
    const zebulon = event('zq@pms', '20260710', '20260712', 'Zebulon Quartermaine');
    const source = BookingSource.open({ unit: 'Room 101', source: 'pms', clock, stateFile: file, forgetGuestsDays: 90 });
    source.readFeed(calendar(zebulon, event('ida@pms', '20261220', '20261227', 'Ida Zweig')));
    source.readFeed(calendar(zebulon)); // Ida cancels her December stay in July
    assert.match(fs.readFileSync(file, 'utf8'), /Zebulon Quartermaine/);

    clock.advanceTo('2026-10-09T09:00:00Z'); // 89 days after Zebulon's checkout, 100 after Ida's cancellation
    BookingSource.open({ unit: 'Room 101', source: 'pms', clock, stateFile: file, forgetGuestsDays: 90 }).forgetPastGuests();
    assert.match(fs.readFileSync(file, 'utf8'), /Zebulon Quartermaine/, 'within the retention the stay keeps its guest');
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /Ida|Zweig/);

    clock.advanceTo('2026-10-12T09:00:00Z');
    const reopened = BookingSource.open({ unit: 'Room 101', source: 'pms', clock, stateFile: file, forgetGuestsDays: 90 });
    reopened.forgetPastGuests();
    const saved = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(saved, /Zebulon|Quartermaine/);
    assert.match(saved, /zq@pms/, 'the stay itself stays, with its dates, for the feed that still lists it');
  });

  it('forgets message bookings whose stay is over', () => {
    const file = path.join(directory, 'state.json');
    const source = open(file);
    source.receive({ id: 'july', arrival: '2026-07-10', departure: '2026-07-12' });
    clock.advanceTo('2026-07-20T09:00:00Z');
    source.receive({ id: 'august', arrival: '2026-08-10', departure: '2026-08-12' });
    assert.equal(source.count, 1);
    assert.doesNotMatch(fs.readFileSync(file, 'utf8'), /july/);
  });
});

describe('FeedHealth', () => {
  it('alerts on the first failure and on a new kind of failure, not on every repeat', () => {
    const health = new FeedHealth('Room 101 feed (www.airbnb.com)');
    assert.match(health.failed('HTTP 503')?.text ?? '', /Room 101 feed \(www.airbnb.com\) failed: HTTP 503/);
    assert.equal(health.failed('HTTP 503'), undefined);
    assert.equal(health.failed('HTTP 503'), undefined);
    assert.equal(health.failed('feed is empty')?.severity, 'warning');
    assert.equal(health.failures, 4);
  });

  it('waits twice as long after each failure in a row, never more than an hour unless the interval is longer', () => {
    const health = new FeedHealth('feed');
    const minutes = (ms: number) => ms / 60_000;
    assert.equal(minutes(health.nextPollIn(15 * 60_000)), 15);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      health.failed('HTTP 503');
      waits.push(minutes(health.nextPollIn(15 * 60_000)));
    }
    assert.deepEqual(waits, [30, 60, 60, 60]);
    assert.equal(minutes(health.nextPollIn(5 * 60_000)), 60);
    assert.equal(minutes(health.nextPollIn(180 * 60_000)), 180);
    health.succeeded();
    assert.equal(minutes(health.nextPollIn(15 * 60_000)), 15);
  });

  it('says once that the feed works again, and nothing when it never failed', () => {
    const health = new FeedHealth('feed');
    assert.equal(health.succeeded(), undefined);
    health.failed('HTTP 500');
    const recovered = health.succeeded();
    assert.equal(recovered?.severity, 'info');
    assert.match(recovered?.text ?? '', /after one failed fetch/);
    assert.equal(health.succeeded(), undefined);
  });
});

describe('fetchFeed', () => {
  it('names an unreachable feed by its host, never with the secret in its address', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await assert.rejects(fetchFeed(`http://127.0.0.1:${port}/ical/1.ics?s=top-secret`, { timeoutMs: 5000 }), (err: Error) => {
      assert.match(err.message, new RegExp(`feed 127.0.0.1:${port} could not be reached \\(ECONNREFUSED\\)`));
      assert.doesNotMatch(err.message, /top-secret/);
      return true;
    });
  });

  it('refuses an address that is not http(s)', async () => {
    await assert.rejects(fetchFeed('webcal://example.com/a.ics', { timeoutMs: 1000 }), /https:\/\/ or http:\/\//);
  });
});

describe('BookingSource after a restart', () => {
  it('announces again the bookings still to come and the cancellations of the last days, from its saved state', () => {
    const clock = new ManualClock('2026-07-01T12:00:00Z');
    const stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-restate-')), 'source.json');
    const first = BookingSource.open({ unit: 'Room 101', source: 'pms', clock, stateFile });
    first.receive([
      { id: 'stay', arrival: '2026-07-10', departure: '2026-07-12' },
      { id: 'gone', arrival: '2026-07-15', departure: '2026-07-18' },
      { id: 'over', arrival: '2026-06-20', departure: '2026-06-25' },
    ]);
    first.receive({ id: 'gone', cancelled: true });
    const again = BookingSource.open({ unit: 'Room 101', source: 'pms', clock, stateFile }).restatement();
    assert.deepEqual(
      again.map((update) => `${update.change} ${update.booking.id}`),
      ['changed stay', 'cancelled gone'],
    );
    clock.advance(15 * 24 * 3600_000);
    assert.deepEqual(BookingSource.open({ unit: 'Room 101', source: 'pms', clock, stateFile }).restatement(), [], 'old news is not repeated');
  });
});
