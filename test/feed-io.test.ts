/**
 * Reading a feed safely: text written by strangers never blocks Node-RED (every pattern on it runs in
 * linear time), a PMS export in Windows-1252 keeps its accents, a feed bigger than the cap is refused
 * without being downloaded whole, and the worker reading a big feed has a memory cap and a deadline.
 */
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { eventKind, guestDetails, markerGuest, nameFromSummary } from '../lib/bookings/event-summary';
import { fetchFeed } from '../lib/bookings/feed-fetch';
import { decodeFeed, megabytes } from '../lib/bookings/feed-text';
import { IN_PLACE_LIMIT, parseFeedOffThread } from '../lib/bookings/feed-worker';
import { parseFeed } from '../lib/bookings/ical-feed';

const options = { unit: 'Room 101', source: 'airbnb' };

/** A megabyte of blanks, the shape that made the old patterns quadratic. */
const BLANKS = ' \t'.repeat(512 * 1024);

/** How long `run` took, in milliseconds (a duration, not the time of day). */
function millisecondsFor(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function calendar(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  for (const event of events) lines.push('BEGIN:VEVENT', ...event, 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function stay(uid: string, summary: string, description?: string, nightsFromNow = 0): string[] {
  const day = (offset: number) => new Date(Date.UTC(2026, 6, 10 + offset)).toISOString().slice(0, 10).replace(/-/g, '');
  const lines = [`UID:${uid}`, `DTSTART;VALUE=DATE:${day(nightsFromNow)}`, `DTEND;VALUE=DATE:${day(nightsFromNow + 2)}`, `SUMMARY:${summary}`];
  if (description !== undefined) lines.push(`DESCRIPTION:${description}`);
  return lines;
}

describe('feed text: linear-time patterns', function () {
  this.timeout(60_000);

  const labels = ['Phone:', 'Guests:', 'E-mail:', 'Email:', 'Name:', 'Guest:', 'Reservation code:', 'Confirmation number:', 'Adults:', 'Children:', 'Phone Number (Last 4 Digits):'];
  for (const label of labels) {
    it(`reads a description with a megabyte of blanks after "${label}" in well under a second`, () => {
      const description = `${label}${BLANKS}x\nGuests: 2`;
      const took = millisecondsFor(() => guestDetails('Reserved', description));
      assert.ok(took < 1000, `took ${Math.round(took)} ms`);
    });
  }

  const summaries = ['Reserved -', 'Reserved', 'CLOSED -', 'Tripadvisor Rentals:', 'Reservation', 'Check-in', 'Check-in:', 'Departure', 'Anna Berg', ''];
  for (const start of summaries) {
    it(`reads a summary "${start}" followed by a megabyte of blanks in well under a second`, () => {
      for (const summary of [`${start}${BLANKS}x`, `${start}${BLANKS}\nx`, `${start}${BLANKS}(Airbnb) x`]) {
        const took = millisecondsFor(() => {
          nameFromSummary(summary);
          eventKind(summary, 1);
          markerGuest(summary);
        });
        assert.ok(took < 1000, `took ${Math.round(took)} ms`);
      }
    });
  }

  it('reads a whole feed whose description has a megabyte of blanks after "Phone:" in well under a second', () => {
    const text = calendar(stay('blank@pms', 'Reserved - Ana Silva', `Phone:${BLANKS}x\\nGuests: 2`), stay('ok@pms', 'Reserved - Ben Okafor', 'Phone: +351 912 345 678', 5));
    let bookings: ReturnType<typeof parseFeed> = [];
    const took = millisecondsFor(() => (bookings = parseFeed(text, options)));
    assert.ok(took < 1000, `took ${Math.round(took)} ms`);
    assert.deepEqual(
      bookings.map((booking) => [booking.guestName, booking.phoneLast4]),
      [
        ['Ana Silva', undefined],
        ['Ben Okafor', '5678'],
      ],
    );
  });

  it('checks a calendar of a megabyte of blanks between its lines in well under a second', () => {
    const text = `BEGIN:VCALENDAR${BLANKS}x\r\n${BLANKS}\r\nEND:VCALENDAR${BLANKS}\r\nBEGIN:VCALENDAR${BLANKS}`;
    const took = millisecondsFor(() => assert.throws(() => parseFeed(text, options), /cut off/));
    assert.ok(took < 1000, `took ${Math.round(took)} ms`);
  });

  it('still reads the details of a description cut to its first 4 KB', () => {
    const description = `Guest: Ana Silva\nPhone: +351 912 345 678\nNotes: ${'x'.repeat(10_000)}\nEmail: late@example.com`;
    const details = guestDetails('Reserved', description);
    assert.deepEqual([details.guestName, details.phoneLast4, details.email], ['Ana Silva', '5678', undefined]);
  });
});

describe('feed text: guest names', () => {
  const names = ["Zoë O'Brien", 'José María', 'Łukasz Nowak', 'Anna & Ben Berg', 'Anna Berg 2', 'Anna Berg 🌴', 'Zoe\u0308 Müller', 'Siobhán Ní Bhriain'];
  for (const name of names) {
    it(`keeps "${name}" as the guest name, after a status and as a bare summary`, () => {
      assert.equal(nameFromSummary(`Reserved - ${name}`), name);
      assert.equal(nameFromSummary(name), name);
      assert.equal(guestDetails('Reserved', `Guest: ${name}`).guestName, name);
      assert.equal(markerGuest(`Check-in: ${name}`), name);
    });
  }

  const notNames = ['Reserved - Guest 2', 'Reserved - Airbnb', 'Reserved - HM12345ABC', 'Reserved - Booking 4821', 'Reserved - 12 guests', 'Airbnb guest', 'Late arrival', 'Reserved (3 guests)', 'Blocked', 'Reserved - Not available'];
  for (const summary of notNames) {
    it(`does not take "${summary}" for a guest`, () => {
      assert.equal(nameFromSummary(summary), undefined);
    });
  }
});

describe('feed text: charsets', () => {
  const windows1252 = (text: string) => Buffer.from(text, 'latin1');

  it('reads a body that is not UTF-8 as Windows-1252, curly quotes and euro sign included', () => {
    const bytes = Buffer.concat([windows1252('Reserved - André Gonçalves '), Buffer.from([0x80, 0x20, 0x93, 0x6f, 0x6b, 0x94, 0x20, 0x9c])]);
    assert.equal(decodeFeed(bytes), 'Reserved - André Gonçalves € “ok” œ');
  });

  it('reads valid UTF-8 as UTF-8, with or without a byte-order mark', () => {
    const text = 'Reserved - Zoë Łukasz 🌴';
    assert.equal(decodeFeed(Buffer.from(text, 'utf8')), text);
    assert.equal(decodeFeed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])), text);
  });

  it('keeps the accented guest name of a Windows-1252 feed', () => {
    const feed = windows1252(calendar(stay('w@pms', 'Reserved - André Gonçalves', 'Guest: André Gonçalves\\nGuests: 2')));
    const [booking] = parseFeed(decodeFeed(feed), options);
    assert.equal(booking.guestName, 'André Gonçalves');
  });
});

/** Sends `total` bytes of a feed in chunks (no Content-Length, chunked), or until the client goes away. */
class StreamingServer {
  sent = 0;
  closed: Promise<void> = Promise.resolve();
  declaredLength: number | undefined;
  private readonly server = http.createServer((req, res) => {
    this.closed = new Promise((resolve) => res.once('close', () => resolve()));
    const headers: Record<string, string | number> = { 'content-type': 'text/calendar' };
    if (this.declaredLength !== undefined) headers['content-length'] = this.declaredLength;
    res.writeHead(200, headers);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const more = () => {
      while (!res.destroyed && this.sent < this.total) {
        this.sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      if (!res.destroyed) res.end();
    };
    more();
  });

  constructor(private readonly total: number) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ical/1.ics?s=secret-token-abc`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('feed download: size cap', function () {
  this.timeout(30_000);
  let server: StreamingServer;
  afterEach(() => server.stop());

  it('stops a chunked download without Content-Length as soon as it passes the cap', async () => {
    server = new StreamingServer(200 * 1024 * 1024);
    const url = await server.start();
    await assert.rejects(fetchFeed(url, { timeoutMs: 20_000, maxBytes: megabytes(1) }), (err: Error) => {
      assert.match(err.message, /^feed 127\.0\.0\.1:\d+ is larger than 1 MB; keeping the last good bookings/);
      assert.doesNotMatch(err.message, /secret-token/);
      return true;
    });
    await server.closed;
    assert.ok(server.sent < 50 * 1024 * 1024, `the server sent ${server.sent} bytes before the download stopped`);
  });

  it('refuses a feed whose Content-Length is over the cap before reading its body', async () => {
    server = new StreamingServer(200 * 1024 * 1024);
    server.declaredLength = 200 * 1024 * 1024;
    const url = await server.start();
    await assert.rejects(fetchFeed(url, { timeoutMs: 20_000, maxBytes: megabytes(10) }), /is larger than 10 MB/);
    await server.closed;
    assert.ok(server.sent < 50 * 1024 * 1024, `the server sent ${server.sent} bytes`);
  });

  it('takes a feed just under the cap', async () => {
    server = new StreamingServer(512 * 1024);
    const url = await server.start();
    const response = await fetchFeed(url, { timeoutMs: 20_000, maxBytes: megabytes(1) });
    assert.equal(response.kind === 'body' && response.text.length, 512 * 1024);
  });
});

describe('feed worker: limits', function () {
  this.timeout(60_000);

  /** Over IN_PLACE_LIMIT, so it is read in a worker. */
  function bigFeed(events: number): string {
    const list: string[][] = [];
    for (let i = 0; i < events; i++) list.push(stay(`big-${i}@pms`, `Reserved - Guest ${i}`, 'Guests: 2', i * 2));
    const text = calendar(...list);
    assert.ok(text.length > IN_PLACE_LIMIT);
    return text;
  }

  it('stops a worker that reads for longer than its deadline, with a clear error', async () => {
    await assert.rejects(parseFeedOffThread(bigFeed(5000), options, undefined, { timeoutMs: 1, maxMemoryMb: 512 }), /reading the feed took longer than 1 ms; keeping the last good bookings/);
  });

  it('stops a worker that needs more memory than allowed, with a clear error', async () => {
    await assert.rejects(parseFeedOffThread(bigFeed(20_000), options, undefined, { timeoutMs: 50_000, maxMemoryMb: 4 }), /reading the feed needed more than 4 MB of memory/);
  });

  it('reads a big feed within the default limits', async () => {
    const reading = await parseFeedOffThread(bigFeed(3000), options);
    assert.equal(reading.bookings.length, 3000);
  });
});
