import { strict as assert } from 'node:assert';
import { Booking } from '../lib/bookings/booking';
import { defaultWindowOptions, windowFor, WindowOptions } from '../lib/windows/window';

const lisbon: WindowOptions = { ...defaultWindowOptions, timeZone: 'Europe/Lisbon', locks: ['front-door', 'main-gate'] };

function booking(fields: Partial<Booking> = {}): Booking {
  return { id: 'HM123', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', ...fields };
}

describe('windowFor', () => {
  it('opens on the arrival day at 16:00 and closes on the departure (DTEND) day at 11:00 by default', () => {
    const window = windowFor(booking(), lisbon);
    assert.deepEqual(window, {
      bookingId: 'HM123',
      unit: 'Room 101',
      locks: ['front-door', 'main-gate'],
      timeZone: 'Europe/Lisbon',
      checkInAt: '2026-07-10T15:00:00.000Z',
      checkOutAt: '2026-07-13T10:00:00.000Z',
      startsAt: '2026-07-10T15:00:00.000Z',
      endsAt: '2026-07-13T10:00:00.000Z',
      issueAt: '2026-07-08T15:00:00.000Z',
    });
  });

  it('uses the property times it is given', () => {
    const window = windowFor(booking(), { ...lisbon, checkIn: '15:30', checkOut: '10:00' });
    assert.equal(window.checkInAt, '2026-07-10T14:30:00.000Z');
    assert.equal(window.checkOutAt, '2026-07-13T09:00:00.000Z');
  });

  it('widens the code by the buffers but keeps check-in and checkout as set', () => {
    const window = windowFor(booking(), { ...lisbon, bufferBeforeMinutes: 30, bufferAfterMinutes: 90 });
    assert.equal(window.startsAt, '2026-07-10T14:30:00.000Z');
    assert.equal(window.endsAt, '2026-07-13T11:30:00.000Z');
    assert.equal(window.checkInAt, '2026-07-10T15:00:00.000Z');
    assert.equal(window.checkOutAt, '2026-07-13T10:00:00.000Z');
  });

  it('issues the code the lead time before check-in (not before the buffer)', () => {
    assert.equal(windowFor(booking(), { ...lisbon, leadHours: 24 }).issueAt, '2026-07-09T15:00:00.000Z');
    assert.equal(windowFor(booking(), { ...lisbon, leadHours: 0 }).issueAt, '2026-07-10T15:00:00.000Z');
    assert.equal(windowFor(booking(), { ...lisbon, leadHours: 48, bufferBeforeMinutes: 60 }).issueAt, '2026-07-08T15:00:00.000Z');
  });

  it('counts the lead time in real hours across a DST change', () => {
    // Check-in Monday 9 March 16:00 EDT; 48 real hours earlier is Saturday 15:00 EST.
    const window = windowFor(booking({ arrival: '2026-03-09', departure: '2026-03-12' }), { ...lisbon, timeZone: 'America/New_York' });
    assert.equal(window.checkInAt, '2026-03-09T20:00:00.000Z');
    assert.equal(window.issueAt, '2026-03-07T20:00:00.000Z');
  });

  it('keeps a stay over the spring-forward night on local times at both ends', () => {
    const window = windowFor(booking({ arrival: '2026-03-07', departure: '2026-03-09' }), { ...lisbon, timeZone: 'America/New_York' });
    assert.equal(window.checkInAt, '2026-03-07T21:00:00.000Z'); // 16:00 EST
    assert.equal(window.checkOutAt, '2026-03-09T15:00:00.000Z'); // 11:00 EDT
  });

  it('moves a check-in that falls in the spring-forward gap to after the jump', () => {
    const window = windowFor(booking({ arrival: '2026-03-08', departure: '2026-03-10' }), {
      ...lisbon,
      timeZone: 'America/New_York',
      checkIn: '02:30',
    });
    assert.equal(window.checkInAt, '2026-03-08T07:30:00.000Z'); // 03:30 EDT
  });

  it('lets a same-day turnover on one lock run without overlap', () => {
    const leaving = windowFor(booking({ id: 'A', arrival: '2026-07-10', departure: '2026-07-13' }), lisbon);
    const arriving = windowFor(booking({ id: 'B', arrival: '2026-07-13', departure: '2026-07-15' }), lisbon);
    assert.ok(Date.parse(leaving.endsAt) < Date.parse(arriving.startsAt));
    assert.equal(Date.parse(arriving.startsAt) - Date.parse(leaving.endsAt), 5 * 3600_000);

    const buffered = { ...lisbon, bufferBeforeMinutes: 60, bufferAfterMinutes: 120 };
    const leavingBuffered = windowFor(booking({ id: 'A' }), buffered);
    const arrivingBuffered = windowFor(booking({ id: 'B', arrival: '2026-07-13', departure: '2026-07-15' }), buffered);
    assert.ok(Date.parse(leavingBuffered.endsAt) < Date.parse(arrivingBuffered.startsAt));
  });

  describe('feed times', () => {
    const timed = booking({ arrivalAt: '2026-07-10T13:00:00Z', departureAt: '2026-07-13T12:30:00Z' });

    it('honours the feed\'s own times when asked', () => {
      const window = windowFor(timed, { ...lisbon, honourFeedTimes: true });
      assert.equal(window.checkInAt, '2026-07-10T13:00:00.000Z');
      assert.equal(window.checkOutAt, '2026-07-13T12:30:00.000Z');
    });

    it('ignores them otherwise', () => {
      const window = windowFor(timed, lisbon);
      assert.equal(window.checkInAt, '2026-07-10T15:00:00.000Z');
      assert.equal(window.checkOutAt, '2026-07-13T10:00:00.000Z');
    });

    it('reads a time without an offset on the property clock, not the server\'s', () => {
      const window = windowFor(booking({ arrivalAt: '2026-07-10T14:00:00' }), { ...lisbon, honourFeedTimes: true });
      assert.equal(window.checkInAt, '2026-07-10T13:00:00.000Z');
    });

    it('falls back to the property times for a bare date or garbage', () => {
      const window = windowFor(booking({ arrivalAt: '2026-07-10', departureAt: 'soon' }), { ...lisbon, honourFeedTimes: true });
      assert.equal(window.checkInAt, '2026-07-10T15:00:00.000Z');
      assert.equal(window.checkOutAt, '2026-07-13T10:00:00.000Z');
    });
  });

  describe('overrides for one booking', () => {
    it('gives an early check-in and a late checkout on the property clock', () => {
      const window = windowFor(booking(), lisbon, { checkIn: '13:00', checkOut: '14:00' });
      assert.equal(window.checkInAt, '2026-07-10T12:00:00.000Z');
      assert.equal(window.checkOutAt, '2026-07-13T13:00:00.000Z');
      assert.equal(window.issueAt, '2026-07-08T12:00:00.000Z');
    });

    it('beats the feed\'s own times', () => {
      const window = windowFor(booking({ arrivalAt: '2026-07-10T18:00:00Z' }), { ...lisbon, honourFeedTimes: true }, { checkIn: '12:00' });
      assert.equal(window.checkInAt, '2026-07-10T11:00:00.000Z');
    });

    it('opens other locks, even when the property names none', () => {
      assert.deepEqual(windowFor(booking(), lisbon, { locks: ['garage'] }).locks, ['garage']);
      assert.deepEqual(windowFor(booking(), { ...lisbon, locks: [] }, { locks: ['garage'] }).locks, ['garage']);
    });

    it('names the booking when an override is wrong', () => {
      assert.throws(() => windowFor(booking(), lisbon, { checkIn: '25:00' }), /booking HM123: override: "25:00" is not a time of day/);
      assert.throws(() => windowFor(booking(), lisbon, { locks: [] }), /booking HM123: override: no locks/);
    });
  });

  describe('bad settings and bookings', () => {
    it('rejects an unknown time zone', () => {
      assert.throws(() => windowFor(booking(), { ...lisbon, timeZone: 'Europe/Atlantis' }), /"Europe\/Atlantis" is not an IANA time zone/);
    });

    it('rejects a check-in or checkout that is not a time of day', () => {
      assert.throws(() => windowFor(booking(), { ...lisbon, checkIn: '4pm' }), /"4pm" is not a time of day/);
      assert.throws(() => windowFor(booking(), { ...lisbon, checkOut: '11:75' }), /"11:75" is not a time of day/);
    });

    it('rejects negative or missing buffers and lead time', () => {
      assert.throws(() => windowFor(booking(), { ...lisbon, bufferBeforeMinutes: -15 }), /buffer before check-in \(minutes\) must be a number of at least 0 \(got -15\)/);
      assert.throws(() => windowFor(booking(), { ...lisbon, bufferAfterMinutes: NaN }), /buffer after checkout/);
      assert.throws(() => windowFor(booking(), { ...lisbon, leadHours: -1 }), /lead time \(hours\)/);
    });

    it('rejects a unit without locks', () => {
      assert.throws(() => windowFor(booking(), { ...lisbon, locks: [] }), /no locks/);
      assert.throws(() => windowFor(booking(), { ...lisbon, locks: [' '] }), /lock ids must be non-empty/);
    });

    it('rejects a stay whose checkout is not after its check-in', () => {
      assert.throws(
        () => windowFor(booking({ arrival: '2026-07-10', departure: '2026-07-10' }), lisbon),
        /booking HM123: checkout 2026-07-10T10:00:00.000Z is not after check-in 2026-07-10T15:00:00.000Z/,
      );
    });

    it('rejects a booking with an impossible date', () => {
      assert.throws(() => windowFor(booking({ arrival: '2026-02-30' }), lisbon), /"2026-02-30" is not a calendar date/);
    });
  });
});

describe('bookings that arrive as messages', () => {
  it('keeps a group\'s units and the booking\'s own times', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseBooking } = require('../lib/bookings/booking') as typeof import('../lib/bookings/booking');
    const booking = parseBooking({ id: 'G1', arrival: '2026-07-10', departure: '2026-07-12', units: ['Room 101', ' Room 102 ', ''], checkInTime: '13:00' }, { unit: 'Sea View' });
    if (JSON.stringify(booking.units) !== JSON.stringify(['Room 101', 'Room 102'])) throw new Error(`units lost: ${JSON.stringify(booking.units)}`);
    if (booking.checkInTime !== '13:00') throw new Error('the early check-in was lost');
  });
});
