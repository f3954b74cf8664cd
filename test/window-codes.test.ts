import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { codeWindowFor, CodeWindowOptions, isCodeRequest, parseCodeRequest } from '../lib/windows/codes';
import { periodAround } from '../lib/windows/recurrence';

const lisbon = 'Europe/Lisbon';
const options: CodeWindowOptions = { timeZone: lisbon, leadHours: 48, unit: 'Sea View', locks: ['front-door'] };
// Wednesday 4 March 2026, midday in Lisbon (UTC+0 in winter).
const now = new Date('2026-03-04T12:00:00Z');

function build(input: Record<string, unknown>, at = now, cancelled = false, opts = options) {
  return codeWindowFor(parseCodeRequest(input, opts.timeZone, at, cancelled), opts, at);
}

const cleaner = {
  kind: 'staff-code',
  id: 'maria',
  name: 'Maria (cleaner)',
  email: 'maria@example.com',
  weekdays: 'mon,thu',
  from: '10:00',
  to: '14:00',
  startDate: '2026-03-02',
  endDate: '2026-04-30',
};

describe('staff, one-time and manual codes', () => {
  it('recognises the three code messages and nothing else', () => {
    assert.ok(isCodeRequest({ kind: 'staff-code' }));
    assert.ok(isCodeRequest({ kind: 'one-time-code' }));
    assert.ok(isCodeRequest({ kind: 'manual-code' }));
    assert.equal(isCodeRequest({ kind: 'booking' }), false);
    assert.equal(isCodeRequest({ id: 'HM1', arrival: '2026-03-01' }), false);
    assert.equal(isCodeRequest('staff-code'), false);
  });

  describe('staff codes', () => {
    it('becomes a staff window with weekly hours, from the start date to the night after the end date', () => {
      const { booking, window } = build(cleaner);
      assert.deepEqual(booking, {
        id: 'staff:maria',
        unit: 'Sea View',
        source: 'staff-code',
        arrival: '2026-03-02',
        departure: '2026-04-30',
        guestName: 'Maria (cleaner)',
        email: 'maria@example.com',
      });
      assert.deepEqual(window, {
        bookingId: 'staff:maria',
        unit: 'Sea View',
        locks: ['front-door'],
        timeZone: lisbon,
        checkInAt: '2026-03-02T00:00:00.000Z',
        checkOutAt: '2026-04-30T23:00:00.000Z',
        startsAt: '2026-03-02T00:00:00.000Z',
        // 1 May 00:00 in Lisbon summer time (UTC+1).
        endsAt: '2026-04-30T23:00:00.000Z',
        issueAt: '2026-02-28T00:00:00.000Z',
        kind: 'staff',
        weekly: { weekdays: [1, 4], from: '10:00', to: '14:00' },
      });
    });

    it('gives pin-issuer the next Thursday hours through periodAround', () => {
      const { window } = build(cleaner);
      assert.deepEqual(periodAround(window, now), { startsAt: '2026-03-05T10:00:00.000Z', endsAt: '2026-03-05T14:00:00.000Z' });
    });

    it('takes weekdays as numbers and writes times as HH:MM', () => {
      const { window } = build({ ...cleaner, weekdays: [4, 1], from: '9:30', to: '13:00' });
      assert.deepEqual(window.weekly, { weekdays: [1, 4], from: '09:30', to: '13:00' });
    });

    it('starts today on the property clock when no start date is given', () => {
      // 23:30 UTC on 4 March is already 5 March in Tokyo.
      const late = new Date('2026-03-04T23:30:00Z');
      const { booking, window } = build({ ...cleaner, startDate: undefined }, late, false, { ...options, timeZone: 'Asia/Tokyo' });
      assert.equal(booking.arrival, '2026-03-05');
      assert.equal(window.startsAt, '2026-03-04T15:00:00.000Z'); // 5 March 00:00 JST
    });

    it('applies no buffers and issues the lead time before the start', () => {
      const { window } = build(cleaner, now, false, { ...options, leadHours: 24 });
      assert.equal(window.startsAt, '2026-03-02T00:00:00.000Z');
      assert.equal(window.issueAt, '2026-03-01T00:00:00.000Z');
    });

    it('opens the locks it is given', () => {
      assert.deepEqual(build({ ...cleaner, locks: 'front-door, laundry' }, now, false, { ...options, locks: ['front-door', 'laundry'] }).window.locks, [
        'front-door',
        'laundry',
      ]);
      assert.deepEqual(parseCodeRequest({ ...cleaner, locks: ['laundry'] }, lisbon, now).locks, ['laundry']);
    });

    it('refuses a staff code without an end date', () => {
      assert.throws(() => build({ ...cleaner, endDate: undefined }), /staff-code maria: endDate is missing: staff codes always end/);
    });

    it('refuses an end before the start, bad weekdays or hours', () => {
      assert.throws(() => build({ ...cleaner, endDate: '2026-03-01' }), /staff-code maria: endDate 2026-03-01 is before startDate 2026-03-02/);
      assert.throws(() => build({ ...cleaner, weekdays: 'someday' }), /staff-code maria: "someday" is not a weekday/);
      assert.throws(() => build({ ...cleaner, weekdays: [] }), /staff-code maria: name at least one weekday/);
      assert.throws(() => build({ ...cleaner, from: '25:00' }), /staff-code maria: from: "25:00" is not a time of day/);
      assert.throws(() => build({ ...cleaner, to: '10:00' }), /must not start and end at the same time/);
      assert.throws(() => build({ ...cleaner, endDate: '2026-02-30' }), /endDate: "2026-02-30" is not a calendar date/);
    });

    it('refuses a range that holds none of its weekdays, or whose hours are all past', () => {
      // 3 March 2026 is a Tuesday.
      assert.throws(
        () => build({ ...cleaner, startDate: '2026-03-03', endDate: '2026-03-03' }, new Date('2026-03-01T00:00:00Z')),
        /staff-code maria: none of its hours falls between 2026-03-03 and its endDate 2026-03-03/,
      );
      assert.throws(() => build({ ...cleaner, endDate: '2026-03-04' }), /none of its hours falls between 2026-03-04 and its endDate 2026-03-04/);
    });
  });

  describe('one-time codes', () => {
    const plumber = { kind: 'one-time-code', id: 'plumber-7', name: 'Plumber', date: '2026-03-10', from: '09:00', to: '12:30' };

    it('works for the hours of one day on the property clock', () => {
      const { booking, window } = build(plumber);
      assert.equal(booking.id, 'one-time:plumber-7');
      assert.equal(booking.source, 'one-time-code');
      assert.equal(booking.arrival, '2026-03-10');
      assert.equal(booking.departure, '2026-03-10');
      assert.equal(window.kind, 'one-time');
      assert.equal(window.weekly, undefined);
      assert.equal(window.startsAt, '2026-03-10T09:00:00.000Z');
      assert.equal(window.endsAt, '2026-03-10T12:30:00.000Z');
      assert.equal(window.checkInAt, window.startsAt);
      assert.equal(window.checkOutAt, window.endsAt);
      assert.equal(window.issueAt, '2026-03-08T09:00:00.000Z');
    });

    it('runs into the next morning when to passes midnight', () => {
      const { booking, window } = build({ ...plumber, from: '22:00', to: '02:00' });
      assert.equal(window.startsAt, '2026-03-10T22:00:00.000Z');
      assert.equal(window.endsAt, '2026-03-11T02:00:00.000Z');
      assert.equal(booking.departure, '2026-03-11');
    });

    it('follows the clock change (New York springs forward on 8 March 2026)', () => {
      const { window } = build({ ...plumber, date: '2026-03-07', from: '22:00', to: '08:00' }, now, false, { ...options, timeZone: 'America/New_York' });
      assert.equal(window.startsAt, '2026-03-08T03:00:00.000Z'); // 22:00 EST
      assert.equal(window.endsAt, '2026-03-08T12:00:00.000Z'); // 08:00 EDT: nine real hours
    });

    it('refuses equal hours, a missing date, and a code already over', () => {
      assert.throws(() => build({ ...plumber, to: '09:00' }), /one-time-code plumber-7: from and to are both 09:00/);
      assert.throws(() => build({ ...plumber, date: undefined }), /one-time-code plumber-7: date must be a date like "2026-07-14"/);
      assert.throws(() => build({ ...plumber, date: '2026-03-01' }), /one-time-code plumber-7: it ended at 2026-03-01T12:30:00.000Z/);
    });
  });

  describe('manual codes', () => {
    const owner = { kind: 'manual-code', id: 'owner-august', name: 'Owner', from: '2026-08-01 14:00', to: '2026-08-15 10:00' };

    it('works from one local time to another', () => {
      const { booking, window } = build(owner);
      assert.equal(booking.id, 'manual:owner-august');
      assert.equal(booking.arrival, '2026-08-01');
      assert.equal(booking.departure, '2026-08-15');
      assert.equal(window.kind, 'manual');
      assert.equal(window.startsAt, '2026-08-01T13:00:00.000Z');
      assert.equal(window.endsAt, '2026-08-15T09:00:00.000Z');
      assert.equal(window.issueAt, '2026-07-30T13:00:00.000Z');
    });

    it('accepts instants that carry their own offset', () => {
      const { window, booking } = build({ ...owner, from: '2026-08-01T14:00:00+02:00', to: '2026-08-15T23:30:00Z' });
      assert.equal(window.startsAt, '2026-08-01T12:00:00.000Z');
      assert.equal(window.endsAt, '2026-08-15T23:30:00.000Z');
      // 23:30 UTC is already the 16th in Lisbon.
      assert.equal(booking.departure, '2026-08-16');
    });

    it('refuses a bare date, a floating ISO time, and an end not after the start', () => {
      assert.throws(() => build({ ...owner, from: '2026-08-01' }), /manual-code owner-august: from must be a local time like "2026-08-01 14:00"/);
      assert.throws(() => build({ ...owner, to: '2026-02-30T10:00Z' }), /to: "2026-02-30" is not a calendar date/);
      assert.throws(() => build({ ...owner, to: '2026-08-01 14:00' }), /to \(2026-08-01T13:00:00.000Z\) is not after from/);
    });
  });

  describe('every code', () => {
    it('needs an id, a name and locks', () => {
      assert.throws(() => build({ ...cleaner, id: undefined }), /staff-code has no id/);
      assert.throws(() => build({ ...cleaner, name: ' ' }), /staff-code maria: name is missing/);
      assert.throws(() => build(cleaner, now, false, { ...options, locks: [] }), /staff-code maria: no locks/);
      assert.throws(() => build({ ...cleaner, locks: [] }), /staff-code maria: locks must name at least one lock/);
      assert.throws(() => build({ ...cleaner, locks: ['front-door', 7] }), /locks must name at least one lock/);
    });

    it('refuses an email that is not one', () => {
      assert.throws(() => build({ ...cleaner, email: 'maria' }), /staff-code maria: email "maria" is not an email address/);
    });

    it('is cancelled by cancelled: true or by the caller, even with nothing but its id', () => {
      const flagged = parseCodeRequest({ kind: 'staff-code', id: 'maria', cancelled: true }, lisbon, now);
      assert.equal(flagged.cancelled, true);
      assert.equal(flagged.period, undefined);
      const { booking, window } = codeWindowFor(flagged, options, now);
      assert.equal(booking.id, 'staff:maria');
      assert.equal(window.kind, 'staff');
      assert.equal(window.endsAt, now.toISOString());

      const byChange = parseCodeRequest({ kind: 'one-time-code', id: 'plumber-7' }, lisbon, now, true);
      assert.equal(byChange.cancelled, true);
      assert.equal(codeWindowFor(byChange, options, now).booking.id, 'one-time:plumber-7');
    });

    it('still reads the dates of a cancellation that gives them, even when they are over', () => {
      const past = { ...cleaner, endDate: '2026-03-03', cancelled: true };
      const { window } = build(past);
      assert.equal(window.endsAt, '2026-03-04T00:00:00.000Z');
      assert.throws(() => build({ ...past, from: 'noon' }), /from: "noon" is not a time of day/);
    });
  });

  it('gives the same windows on a server set to another zone', () => {
    const codes = path.resolve(__dirname, '..', 'lib', 'windows', 'codes.js');
    const script = `
      const { codeWindowFor, parseCodeRequest } = require(${JSON.stringify(codes)});
      const options = ${JSON.stringify(options)};
      const now = new Date(${JSON.stringify(now.toISOString())});
      const inputs = ${JSON.stringify([cleaner, { kind: 'manual-code', id: 'o', name: 'O', from: '2026-03-28 22:00', to: '2026-03-29 10:00' }])};
      const out = inputs.map((input) => codeWindowFor(parseCodeRequest(input, options.timeZone, now), options, now));
      process.stdout.write(JSON.stringify({ zone: new Intl.DateTimeFormat().resolvedOptions().timeZone, out }));
    `;
    const answer = JSON.parse(
      execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: 'Pacific/Honolulu' }, encoding: 'utf8' }),
    ) as { zone: string; out: unknown[] };
    assert.equal(answer.zone, 'Pacific/Honolulu');
    const manual = build({ kind: 'manual-code', id: 'o', name: 'O', from: '2026-03-28 22:00', to: '2026-03-29 10:00' });
    // Lisbon springs forward in that night: 22:00 WET to 10:00 WEST is eleven real hours.
    assert.equal(Date.parse(manual.window.endsAt) - Date.parse(manual.window.startsAt), 11 * 3600_000);
    assert.deepEqual(answer.out, [build(cleaner), manual]);
  });
});
