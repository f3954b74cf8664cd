/**
 * Fuzzing booking messages: random objects through parseBooking, through booking-source's message
 * reader, and through the booking-source and access-window nodes. Whatever comes in, the answer is
 * a good booking (or window) or a clear error, never a crash.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Booking, parseBooking } from '../lib/bookings/booking';
import { BookingSource } from '../lib/bookings/booking-source';
import type { BookingMessage, WindowMessage } from '../lib/messages';
import { ManualClock } from '../lib/time/clock';
import { isCodeRequest } from '../lib/windows/codes';
import accessWindowNode = require('../nodes/access-window/access-window');
import bookingSourceNode = require('../nodes/booking-source/booking-source');
import { fuzzParameters, fuzzTimeout, isCalendarDay, resultOrClearError, UncaughtWatch } from './support/fuzz';
import { bookingLikeArbitrary, codeRequestArbitrary, plausibleBooking, timeLike } from './support/fuzz-bookings';
import { NodeHarness } from './support/fuzz-node';

function assertGoodBooking(booking: Booking): void {
  assert.ok(typeof booking.id === 'string' && booking.id.trim() !== '', 'a booking has an id');
  assert.ok(typeof booking.unit === 'string' && booking.unit.trim() !== '', `booking ${booking.id} has a unit`);
  assert.ok(isCalendarDay(booking.arrival), `booking ${booking.id}: arrival ${booking.arrival} is a calendar day`);
  assert.ok(isCalendarDay(booking.departure), `booking ${booking.id}: departure ${booking.departure} is a calendar day`);
  assert.ok(booking.departure > booking.arrival, `booking ${booking.id}: departure ${booking.departure} after arrival ${booking.arrival}`);
  if (booking.guests !== undefined) assert.ok(Number.isFinite(booking.guests), `booking ${booking.id}: guests is a number`);
  if (booking.units !== undefined) assert.ok(booking.units.every((unit) => typeof unit === 'string' && unit !== ''), 'units are names');
}

function assertGoodWindow(message: WindowMessage): void {
  const { window } = message;
  assert.equal(message.kind, 'window');
  assert.ok(['created', 'changed', 'cancelled'].includes(message.change), `change ${message.change}`);
  const [starts, ends, checkIn, checkOut, issue] = [window.startsAt, window.endsAt, window.checkInAt, window.checkOutAt, window.issueAt].map(Date.parse);
  assert.ok([starts, ends, checkIn, checkOut, issue].every(Number.isFinite), `window ${window.bookingId} has real instants`);
  // A code cancelled by id alone goes out as a window that ended now (starts = ends).
  const cancelled = message.change === 'cancelled';
  assert.ok(starts < ends || (cancelled && starts === ends), `window ${window.bookingId}: starts ${window.startsAt} before it ends ${window.endsAt}`);
  assert.ok(checkIn < checkOut || (cancelled && checkIn === checkOut), `window ${window.bookingId}: check-in before checkout`);
  assert.ok(issue <= checkIn, `window ${window.bookingId}: issued no later than check-in`);
  assert.ok(window.locks.length > 0 && window.locks.every((lock) => typeof lock === 'string' && lock.trim() !== ''), `window ${window.bookingId} names its locks`);
}

describe('fuzz: booking messages', function () {
  this.timeout(fuzzTimeout(120_000));

  it('parseBooking turns 10,000 random objects into good bookings or clear errors', () => {
    let read = 0;
    fc.assert(
      fc.property(bookingLikeArbitrary, fc.option(fc.constantFrom('Room 101', ''), { nil: undefined }), (input, unit) => {
        const booking = resultOrClearError('parseBooking', () => parseBooking(input, { unit }));
        if (!booking) return;
        assertGoodBooking(booking);
        read++;
      }),
      fuzzParameters(10_000),
    );
    assert.ok(read > 0, 'some inputs were good bookings');
  });

  it('booking-source reads 10,000 random messages (bookings, webhooks, calendar events) into good bookings or clear errors', () => {
    const clock = new ManualClock('2026-07-01T09:00:00Z');
    fc.assert(
      fc.property(fc.array(bookingLikeArbitrary, { minLength: 1, maxLength: 4 }), fc.constantFrom(undefined, 'cancelled', 'created', 42), (payloads, change) => {
        const source = BookingSource.open({ unit: 'Flat 3', source: 'message', clock });
        for (const payload of payloads) {
          const result = resultOrClearError('BookingSource.receive', () => source.receive(payload, change));
          if (!result) continue;
          result.updates.forEach((update) => assertGoodBooking(update.booking));
          for (const alert of result.alerts) assert.ok(alert.text.trim() !== '', 'alerts say something');
        }
        source.bookings.forEach(assertGoodBooking);
      }),
      fuzzParameters(10_000),
    );
  });

  describe('what fuzzing found', () => {
    it('refuses days Date.parse rolls into the next month (2026-02-29, 2026-04-31), in bookings and calendar events', () => {
      assert.throws(() => parseBooking({ id: 'R1', unit: 'Flat 3', arrival: '2026-02-29', departure: '2026-03-02' }), /R1: arrival must be a date like 2026-07-14/);
      assert.throws(() => parseBooking({ id: 'R2', unit: 'Flat 3', arrival: '2026-04-20', departure: '2026-04-31' }), /R2: departure must be a date/);
      assert.equal(parseBooking({ id: 'R3', unit: 'Flat 3', arrival: '2028-02-29', departure: '2028-03-02' }).arrival, '2028-02-29', 'a real leap day is fine');
      const source = BookingSource.open({ unit: 'Flat 3', source: 'message', clock: new ManualClock('2026-01-01T00:00:00Z') });
      assert.throws(() => source.receive({ summary: 'Reserved', start: '2026-02-30', end: '2026-03-03' }), /start must be a date/);
    });
  });

  describe('through the nodes', () => {
    const watch = new UncaughtWatch();
    let userDir: string;
    let harness: NodeHarness;

    beforeEach(async () => {
      userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-fuzz-bookings-'));
      harness = await NodeHarness.start(userDir, new ManualClock('2026-07-01T09:00:00Z'));
      watch.start();
    });

    afterEach(async () => {
      watch.stop();
      await harness.stop();
      fs.rmSync(userDir, { recursive: true, force: true });
    });

    it('booking-source answers 1,500 random messages with good bookings or an error a Catch node sees', async () => {
      await harness.load(bookingSourceNode, { id: 'source', type: 'staykey-booking-source', name: '', unit: 'Room 101', source: '', mode: 'message', misses: 1 });
      const answers = { completed: 0, caught: 0 };
      await fc.assert(
        fc.asyncProperty(bookingLikeArbitrary, fc.constantFrom(undefined, 'cancelled', 'changed', 7), async (payload, change) => {
          const answer = await harness.send('source', { payload, change });
          answers[answer.kind]++;
          for (const msg of harness.output('source')) assertGoodBooking((msg.payload as BookingMessage).booking);
          for (const msg of harness.output('source:1')) assert.ok(String((msg.payload as { text?: unknown }).text ?? '').trim() !== '', 'alerts say something');
          watch.assertNone();
        }),
        fuzzParameters(1_500),
      );
      if (process.env.STAYKEY_FUZZ_VERBOSE) console.log(answers);
      assert.ok(answers.completed > 0 && answers.caught > 0, `both outcomes seen (${JSON.stringify(answers)})`);
    });

    it('access-window answers 1,500 random bookings, code requests, changes and overrides with good windows or an error a Catch node sees', async () => {
      await harness.load(
        accessWindowNode,
        { id: 'window', type: 'staykey-access-window', name: 'Room 101', checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBefore: '30', bufferAfter: '15', leadHours: '48', locks: 'front, gate', honourFeedTimes: true },
        1,
      );
      const overrides = fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        {
          weight: 2,
          arbitrary: fc.record({ checkIn: timeLike, checkOut: timeLike, locks: fc.oneof(fc.constantFrom('front', 'gate, cellar', '', ' , '), fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 })) }, { requiredKeys: [] }),
        },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
      );
      const payload = fc.oneof(
        { weight: 4, arbitrary: plausibleBooking },
        { weight: 1, arbitrary: plausibleBooking.map((booking) => ({ kind: 'booking', change: 'created', booking })) },
        { weight: 3, arbitrary: bookingLikeArbitrary },
        { weight: 2, arbitrary: codeRequestArbitrary },
      );
      const change = fc.constantFrom(undefined, undefined, 'created', 'changed', 'cancelled', 'deleted', 3);
      const answers = { completed: 0, caught: 0 };
      const codes = { completed: 0, caught: 0 };
      await fc.assert(
        fc.asyncProperty(payload, change, overrides, async (payload, change, overrides) => {
          const answer = await harness.send('window', { payload, change, overrides });
          answers[answer.kind]++;
          if (isCodeRequest(payload)) codes[answer.kind]++;
          for (const msg of harness.output('window')) assertGoodWindow(msg.payload as WindowMessage);
          watch.assertNone();
        }),
        fuzzParameters(1_500),
      );
      if (process.env.STAYKEY_FUZZ_VERBOSE) console.log({ answers, codes });
      assert.ok(answers.completed > 0 && answers.caught > 0 && codes.completed > 0, `both outcomes seen (${JSON.stringify({ answers, codes })})`);
    });
  });
});
