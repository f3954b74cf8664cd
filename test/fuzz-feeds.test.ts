/**
 * Fuzzing the feed reader: generated iCal feeds, good and broken, through parseFeed and through a
 * booking-source node in message mode. A good feed always gives stays that end after they start; a
 * broken one is a clear error (for the node: one a Catch node sees), never a crash.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Booking } from '../lib/bookings/booking';
import { parseFeed, readFeed } from '../lib/bookings/ical-feed';
import type { BookingMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import bookingSourceNode = require('../nodes/booking-source/booking-source');
import { assertClearError, fuzzParameters, fuzzTimeout, isCalendarDay, UncaughtWatch } from './support/fuzz';
import { brokenFeedArbitrary, certainStays, feedArbitrary, feedText } from './support/fuzz-feeds';
import { bookingLikeArbitrary } from './support/fuzz-bookings';
import { NodeHarness } from './support/fuzz-node';

const options = { unit: 'Room 101', source: 'airbnb' };

/**
 * What every booking read from a feed must be, whatever the feed held. Instants are checked for
 * feeds only: a booking sent as a message may carry any arrivalAt, which access-window ignores
 * unless it is a date-time (see window.test.ts, "falls back to the property times ... garbage").
 */
function assertGoodBooking(booking: Booking, fromFeed = true): void {
  assert.ok(typeof booking.id === 'string' && booking.id !== '', 'a booking has an id');
  // A booking sent as a message may name its own unit.
  if (fromFeed) assert.equal(booking.unit, options.unit);
  else assert.ok(typeof booking.unit === 'string' && booking.unit.trim() !== '', 'a booking has a unit');
  assert.ok(isCalendarDay(booking.arrival), `arrival ${booking.arrival} is a calendar day`);
  assert.ok(isCalendarDay(booking.departure), `departure ${booking.departure} is a calendar day`);
  assert.ok(booking.departure > booking.arrival, `booking ${booking.id}: departure ${booking.departure} after arrival ${booking.arrival}`);
  if (!fromFeed) return;
  for (const instant of [booking.arrivalAt, booking.departureAt]) {
    if (instant !== undefined) assert.ok(!Number.isNaN(Date.parse(instant)) && instant.endsWith('Z'), `instant ${instant} is an ISO time in UTC`);
  }
}

describe('fuzz: iCal feeds', function () {
  this.timeout(fuzzTimeout(120_000));

  it('reads every well-formed feed (10,000) into stays that end after they start, finding each certain stay at its days and instants', () => {
    let certain = 0;
    let timed = 0;
    fc.assert(
      fc.property(feedArbitrary, (feed) => {
        const bookings = parseFeed(feedText(feed), options);
        bookings.forEach((booking) => assertGoodBooking(booking));
        const found = new Map(bookings.map((booking) => [booking.id, booking]));
        for (const [uid, stay] of certainStays(feed)) {
          const booking = found.get(uid);
          assert.ok(booking, `stay ${uid} (${stay.arrival} to ${stay.departure}) was read`);
          assert.deepEqual([booking.arrival, booking.departure], [stay.arrival, stay.departure]);
          if (stay.arrivalAt) assert.equal(booking.arrivalAt, stay.arrivalAt, `stay ${uid}: check-in instant`);
          if (stay.departureAt) assert.equal(booking.departureAt, stay.departureAt, `stay ${uid}: checkout instant`);
          certain++;
          if (stay.arrivalAt) timed++;
        }
      }),
      fuzzParameters(10_000),
    );
    if (process.env.STAYKEY_FUZZ_VERBOSE) console.log({ certain, timed });
    assert.ok(certain > 0 && timed > 0, `some stays were certain (${certain}, ${timed} of them timed)`);
  });

  it('gives a clear error, never a crash, for broken feeds (10,000): cut off, garbled, web pages, random bytes, empty', () => {
    let errors = 0;
    fc.assert(
      fc.property(brokenFeedArbitrary, (text) => {
        let bookings: Booking[];
        try {
          bookings = parseFeed(text, options);
        } catch (err) {
          assertClearError(err, 'parseFeed');
          errors++;
          return;
        }
        bookings.forEach((booking) => assertGoodBooking(booking));
      }),
      fuzzParameters(10_000),
    );
    assert.ok(errors > 0, 'broken feeds were refused');
  });

  describe('what fuzzing found', () => {
    it('reads an event whose VTIMEZONE has lost its TZID as unreadable (its stay kept, the reason given), not a TypeError from ical.js', () => {
      const text = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'BEGIN:VTIMEZONE',
        'BEGIN:STANDARD',
        'DTSTART:16010101T030000',
        'TZOFFSETFROM:+0200',
        'TZOFFSETTO:+0100',
        'END:STANDARD',
        'END:VTIMEZONE',
        'BEGIN:VEVENT',
        'UID:stay-1@airbnb.com',
        'DTSTART;VALUE=DATE:20260710',
        'DTEND;TZID=Africa/Abidjan:20260714T100000',
        'SUMMARY:Reserved',
        'END:VEVENT',
        'END:VCALENDAR',
      ].join('\r\n');
      const reading = readFeed(text, options);
      assert.deepEqual([reading.bookings, reading.keep], [[], ['stay-1@airbnb.com']]);
      assert.match(reading.skipped[0].reason, /cannot be read \(/);
    });
  });

  describe('through a booking-source node (message mode)', () => {
    const watch = new UncaughtWatch();
    let userDir: string;
    let harness: NodeHarness;

    beforeEach(async () => {
      userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-fuzz-feeds-'));
      harness = await NodeHarness.start(userDir, new ManualClock('2026-07-01T09:00:00Z'));
      await harness.load(bookingSourceNode, { id: 'source', type: 'staykey-booking-source', name: '', unit: 'Room 101', source: '', mode: 'message', misses: 1 });
      watch.start();
    });

    afterEach(async () => {
      watch.stop();
      await harness.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    it('answers 1,500 feeds and bookings, good and broken, each with output or an error a Catch node sees, never a crash', async () => {
      const input = fc.oneof(
        feedArbitrary.map((feed) => ({ good: true, payload: feedText(feed) as unknown, feed: 'airbnb' })),
        fc.tuple(brokenFeedArbitrary, fc.constantFrom(undefined, 'airbnb', 'vrbo')).map(([payload, feed]) => ({ good: false, payload: payload as unknown, feed })),
        bookingLikeArbitrary.map((payload) => ({ good: false, payload, feed: undefined })),
      );
      let caught = 0;
      let completed = 0;
      await fc.assert(
        fc.asyncProperty(input, async ({ good, payload, feed }) => {
          const answer = await harness.send('source', { payload, feed });
          if (answer.kind === 'caught') {
            assert.ok(!good, `a well-formed feed was refused: ${answer.error}`);
            caught++;
          } else completed++;
          for (const msg of harness.output('source')) {
            assertGoodBooking((msg.payload as BookingMessage).booking, false);
          }
          watch.assertNone();
        }),
        fuzzParameters(1_500),
      );
      if (process.env.STAYKEY_FUZZ_VERBOSE) console.log({ completed, caught });
      assert.ok(caught > 0 && completed > 0, `both outcomes seen (${completed} completed, ${caught} caught)`);
      watch.assertNone();
    });
  });
});
