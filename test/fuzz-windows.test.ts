/**
 * Fuzzing access windows: random check-in and checkout times, every IANA zone the runtime knows,
 * buffers, lead times and dates across a century and a half of DST rules (many of them right on a
 * clock change). windowFor either refuses with a clear error or gives a window that opens before it
 * closes, is issued no later than check-in, and opens at the wall time the host asked for (or, in a
 * spring-forward gap, that time moved on by the gap, as lib/time/zoned.ts documents).
 *
 * The wall times are checked against Intl directly, not against lib/time/zoned.ts.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { Booking } from '../lib/bookings/booking';
import { AccessWindow, windowFor, WindowOptions, WindowOverrides } from '../lib/windows/window';
import { fuzzParameters, fuzzTimeout, isCalendarDay, resultOrClearError } from './support/fuzz';
import { clockAt, expectedInstant, utc, wallMillis } from './support/fuzz-clock';

const ZONES = Intl.supportedValuesOf('timeZone');
const MINUTE = 60_000;
const DAY = 86_400_000;

/** A clock change in `zone` during `year`, to the minute, if it has one: searched month by month. */
function clockChangeIn(zone: string, year: number, pick: number): { at: number; before: number; after: number } | undefined {
  const months = Array.from({ length: 13 }, (_, i) => utc(year, 1 + i, 1));
  const changes: number[] = [];
  for (let i = 0; i < 12; i++) if (clockAt(months[i], zone).offset !== clockAt(months[i + 1], zone).offset) changes.push(i);
  if (changes.length === 0) return undefined;
  const month = changes[pick % changes.length];
  let low = months[month];
  let high = months[month + 1];
  const before = clockAt(low, zone).offset;
  while (high - low > MINUTE) {
    const middle = low + Math.floor((high - low) / 2 / MINUTE) * MINUTE;
    if (clockAt(middle, zone).offset === before) low = middle;
    else high = middle;
  }
  return { at: high, before, after: clockAt(high, zone).offset };
}

const pad = (n: number) => String(n).padStart(2, '0');
const timeOf = (minutes: number) => `${pad(Math.floor(minutes / 60) % 24)}:${pad(minutes % 60)}`;
const dateOf = (millis: number) => new Date(millis).toISOString().slice(0, 10);

interface Case {
  booking: Booking;
  options: WindowOptions;
  overrides: WindowOverrides;
}

const zone = fc.oneof({ weight: 30, arbitrary: fc.constantFrom(...ZONES) }, { weight: 1, arbitrary: fc.constantFrom('Mars/Olympus_Mons', '', 'UTC+2', 'europe/lisbon', ' Europe/Lisbon ') });
const time = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 24 * 60 - 1 }).map(timeOf) },
  { weight: 1, arbitrary: fc.constantFrom('24:00', '9:60', '4pm', '', '16', '9:05', ' 16:00 ') },
);
const minutes = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 24 * 60 }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 10_000, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, 1e9, 1e15, Number.MAX_VALUE) },
);
const hours = fc.oneof(
  { weight: 20, arbitrary: fc.integer({ min: 0, max: 24 * 14 }) },
  { weight: 2, arbitrary: fc.double({ min: 0, max: 1000, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, Number.NaN, Number.POSITIVE_INFINITY, 1e9, 1e13, Number.MAX_VALUE) },
);
/** Mostly 1970-2099; now and then the far past and future the Date type still holds. */
const year = fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1970, max: 2099 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 9999 }) });

/** A check-in on an ordinary day of the year, or right on one of the zone's clock changes. */
const arrival = fc.tuple(zone, year, fc.integer({ min: 0, max: 365 }), time, fc.boolean(), fc.nat()).map(([timeZone, y, dayOfYear, checkIn, onChange, pick]) => {
  const change = onChange && ZONES.includes(timeZone) ? clockChangeIn(timeZone, y, pick) : undefined;
  if (!change) return { timeZone, date: dateOf(utc(y, 1, 1) + (dayOfYear % 365) * DAY), checkIn };
  // A wall time inside the gap or the repeated hour (or just either side of it), to the minute.
  const width = Math.round(Math.abs(change.after - change.before) / MINUTE);
  const local = change.at + Math.min(change.before, change.after) + (pick % (width + 2) - 1) * MINUTE;
  return { timeZone, date: dateOf(local), checkIn: timeOf(Math.floor((((local % DAY) + DAY) % DAY) / MINUTE)) };
});

const feedInstant = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.constantFrom('2026-07-10T14:00', '2026-07-10', 'soon', '2026-02-30T10:00:00Z', '2026-07-10T14:00:00+02:00') },
);

const windowCase: fc.Arbitrary<Case> = fc
  .record({
    arrival,
    nights: fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 30 }) }, { weight: 1, arbitrary: fc.integer({ min: -2, max: 0 }) }),
    checkOut: time,
    bufferBeforeMinutes: minutes,
    bufferAfterMinutes: minutes,
    leadHours: hours,
    honourFeedTimes: fc.boolean(),
    arrivalAt: feedInstant,
    departureAt: feedInstant,
    overrideIn: fc.option(time, { freq: 5, nil: undefined }),
    overrideOut: fc.option(time, { freq: 5, nil: undefined }),
  })
  .map((r) => {
    const departure = dateOf(Date.parse(`${r.arrival.date}T00:00:00Z`) + r.nights * DAY);
    const booking: Booking = { id: 'fuzz-1', unit: 'Room 101', source: 'fuzz', arrival: r.arrival.date, departure };
    if (r.arrivalAt) booking.arrivalAt = r.arrivalAt;
    if (r.departureAt) booking.departureAt = r.departureAt;
    const options: WindowOptions = {
      checkIn: r.arrival.checkIn,
      checkOut: r.checkOut,
      timeZone: r.arrival.timeZone,
      bufferBeforeMinutes: r.bufferBeforeMinutes,
      bufferAfterMinutes: r.bufferAfterMinutes,
      leadHours: r.leadHours,
      locks: ['front'],
      honourFeedTimes: r.honourFeedTimes,
    };
    const overrides: WindowOverrides = {};
    if (r.overrideIn !== undefined) overrides.checkIn = r.overrideIn;
    if (r.overrideOut !== undefined) overrides.checkOut = r.overrideOut;
    return { booking, options, overrides };
  });

/** A feed's time as windowFor takes it (a date-time, with or without an offset). */
const FEED_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** The wall time a side of the window should open or close at, unless the feed's own instant is used. */
function requestedWall(c: Case, side: 'in' | 'out'): number | undefined {
  const feed = side === 'in' ? c.booking.arrivalAt : c.booking.departureAt;
  const override = side === 'in' ? c.overrides.checkIn : c.overrides.checkOut;
  // A feed time on a day that does not exist (2026-02-30T10:00Z) is garbage too: the property's time.
  const match = feed ? FEED_TIME.exec(feed) : null;
  if (!override && c.options.honourFeedTimes && match && isCalendarDay(match[1])) return undefined;
  const time = override ?? (side === 'in' ? c.options.checkIn : c.options.checkOut);
  return wallMillis(side === 'in' ? c.booking.arrival : c.booking.departure, time);
}

function assertWallTime(window: AccessWindow, c: Case, side: 'in' | 'out', stats: { gaps: number; repeated: number }): void {
  const requested = requestedWall(c, side);
  if (requested === undefined) return;
  const zoneName = window.timeZone;
  const actual = Date.parse(side === 'in' ? window.checkInAt : window.checkOutAt);
  const expected = expectedInstant(requested, zoneName);
  const shown = clockAt(actual, zoneName).wall;
  const label = `${side === 'in' ? 'check-in' : 'checkout'} ${new Date(requested).toISOString().slice(0, 16)} in ${zoneName}`;
  const shownText = new Date(shown).toISOString().slice(0, 19);
  if (expected.gap) stats.gaps++;
  else if (clockAt(expected.instant + 3600_000, zoneName).wall === requested || clockAt(expected.instant + 1800_000, zoneName).wall === requested) stats.repeated++;
  assert.equal(new Date(actual).toISOString(), new Date(expected.instant).toISOString(), `${label}: shows ${shownText}`);
  if (!expected.gap) assert.equal(shown, requested, `${label} shows the time asked for`);
  else assert.ok(shown > requested, `${label}: a skipped time moves forward`);
}

describe('fuzz: access windows', function () {
  this.timeout(fuzzTimeout(120_000));

  describe('what fuzzing found', () => {
    const options: WindowOptions = { checkIn: '16:00', checkOut: '11:00', timeZone: 'Africa/Monrovia', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front'] };
    const booking: Booking = { id: 'B1', unit: 'Room 101', source: 'fuzz', arrival: '1971-06-01', departure: '1971-06-03' };

    it('refuses buffers and lead times beyond a year with a clear error, not "Invalid time value"', () => {
      assert.throws(() => windowFor(booking, { ...options, leadHours: Number.MAX_VALUE }), /lead time \(hours\) must be at most a year/);
      assert.throws(() => windowFor(booking, { ...options, bufferAfterMinutes: 1e15 }), /buffer after checkout \(minutes\) must be at most a year/);
      assert.equal(windowFor(booking, { ...options, leadHours: 24 * 366 }).issueAt, '1970-05-31T16:44:30.000Z');
    });

    it('takes a feed time on a day that does not exist (2026-02-30T10:00Z) for garbage, not for 2 March', () => {
      const feedBooking: Booking = { ...booking, arrival: '2026-02-27', departure: '2026-03-03', arrivalAt: '2026-02-30T10:00:00Z', departureAt: '2026-02-31T09:00' };
      const window = windowFor(feedBooking, { ...options, timeZone: 'UTC', honourFeedTimes: true });
      assert.equal(window.checkInAt, '2026-02-27T16:00:00.000Z');
      assert.equal(window.checkOutAt, '2026-03-03T11:00:00.000Z');
    });

    it('opens at 16:00 sharp where the zone was 44 min 30 s behind UTC (Monrovia until 1972), not a minute early', () => {
      const window = windowFor(booking, options);
      assert.equal(window.checkInAt, '1971-06-01T16:44:30.000Z');
      assert.equal(clockAt(Date.parse(window.checkInAt), 'Africa/Monrovia').wall, Date.parse('1971-06-01T16:00:00Z'));
    });
  });

  it('gives 10,000 random bookings and property options a window that opens at the asked wall time, or a clear error', () => {
    const stats = { windows: 0, refused: 0, gaps: 0, repeated: 0 };
    fc.assert(
      fc.property(windowCase, (c) => {
        const window = resultOrClearError('windowFor', () => windowFor(c.booking, c.options, c.overrides));
        if (!window) {
          stats.refused++;
          return;
        }
        stats.windows++;
        const [starts, ends, checkIn, checkOut, issue] = [window.startsAt, window.endsAt, window.checkInAt, window.checkOutAt, window.issueAt].map(Date.parse);
        assert.ok([starts, ends, checkIn, checkOut, issue].every(Number.isFinite), 'real instants');
        assert.ok(starts < ends, `starts ${window.startsAt} before it ends ${window.endsAt}`);
        assert.ok(checkIn < checkOut, 'check-in before checkout');
        assert.ok(issue <= checkIn, `issued ${window.issueAt} no later than check-in ${window.checkInAt}`);
        assert.ok(starts <= checkIn && ends >= checkOut, 'buffers only widen the window');
        // Instants are whole milliseconds: a fractional buffer is off by less than one.
        assert.ok(Math.abs(checkIn - starts - c.options.bufferBeforeMinutes * MINUTE) < 1, 'buffer before');
        assert.ok(Math.abs(ends - checkOut - c.options.bufferAfterMinutes * MINUTE) < 1, 'buffer after');
        assertWallTime(window, c, 'in', stats);
        assertWallTime(window, c, 'out', stats);
      }),
      fuzzParameters(10_000),
    );
    if (process.env.STAYKEY_FUZZ_VERBOSE) console.log(stats);
    // The generator aims at clock changes: without gaps and repeated hours the test would prove little.
    assert.ok(stats.windows > 0 && stats.refused > 0 && stats.gaps > 0 && stats.repeated > 0, JSON.stringify(stats));
  });
});
