import { strict as assert } from 'node:assert';
import { Booking } from '../lib/bookings/booking';
import { bookingWindows, locksOfUnit, parseUnitLocks, readUnits, SentWindows } from '../lib/windows/units';
import { defaultWindowOptions, WindowOptions } from '../lib/windows/window';

const options: WindowOptions = { ...defaultWindowOptions, timeZone: 'Europe/Lisbon', locks: [] };
const unitLocks = parseUnitLocks('Room 101: door-101, main-gate\n\n# the annex\nRoom 102: door-102, main-gate\n');

function booking(fields: Partial<Booking> = {}): Booking {
  return { id: 'HM123', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', ...fields };
}

describe('unit locks', () => {
  it('reads one line per unit, skipping blank lines and comments', () => {
    assert.deepEqual([...unitLocks.values()], [
      { unit: 'Room 101', locks: ['door-101', 'main-gate'] },
      { unit: 'Room 102', locks: ['door-102', 'main-gate'] },
    ]);
  });

  it('keeps colons inside lock ids', () => {
    assert.deepEqual(locksOfUnit(parseUnitLocks('Loft: zwave:5, zwave:9'), 'Loft', 'booking b'), ['zwave:5', 'zwave:9']);
  });

  it('finds a unit whatever its capitals', () => {
    assert.deepEqual(locksOfUnit(unitLocks, ' room 102 ', 'booking HM123'), ['door-102', 'main-gate']);
  });

  it('names the unit and the known ones when a unit is unknown', () => {
    assert.throws(
      () => locksOfUnit(unitLocks, 'Room 104', 'booking HM123'),
      /booking HM123: unit "Room 104" is not in the node's unit locks \(known units: Room 101, Room 102\)/,
    );
  });

  it('refuses lines without a unit, without locks, or listed twice', () => {
    assert.throws(() => parseUnitLocks('Room 101 door-101'), /unit locks, line 1: write "Unit name: lock-a, lock-b"/);
    assert.throws(() => parseUnitLocks(': door-101'), /line 1: write/);
    assert.throws(() => parseUnitLocks('Room 101: door-101\nRoom 102: ,'), /line 2: unit "Room 102" names no lock/);
    assert.throws(() => parseUnitLocks('Room 101: a\nroom 101: b'), /line 2: unit "room 101" is listed twice/);
  });

  it('is empty when not set', () => {
    assert.equal(parseUnitLocks(undefined).size, 0);
    assert.equal(parseUnitLocks('  \n').size, 0);
  });
});

describe('a booking\'s windows', () => {
  it('gives a single-unit booking its unit\'s locks and its own id', () => {
    const [only, ...rest] = bookingWindows(booking(), undefined, options, {}, unitLocks);
    assert.equal(rest.length, 0);
    assert.equal(only.window.bookingId, 'HM123');
    assert.deepEqual(only.window.locks, ['door-101', 'main-gate']);
  });

  it('puts the shared gate in every unit\'s guest codes', () => {
    const room102 = bookingWindows(booking({ id: 'B2', unit: 'Room 102' }), undefined, options, {}, unitLocks)[0];
    assert.deepEqual(room102.window.locks, ['door-102', 'main-gate']);
  });

  it('uses the node\'s plain locks when there are no unit locks, and the booking\'s own locks first', () => {
    const plain = bookingWindows(booking(), undefined, { ...options, locks: ['front-door'] }, {}, new Map());
    assert.deepEqual(plain[0].window.locks, ['front-door']);
    const own = bookingWindows(booking({ unit: 'Garage flat' }), undefined, options, { locks: ['garage'] }, unitLocks);
    assert.deepEqual(own[0].window.locks, ['garage']);
  });

  it('refuses a booking for a unit the node does not know', () => {
    assert.throws(() => bookingWindows(booking({ unit: 'Room 104' }), undefined, options, {}, unitLocks), /unit "Room 104" is not in the node's unit locks/);
  });

  it('gives a booking of several units one window per unit', () => {
    const windows = bookingWindows(booking(), ['Room 101', 'Room 102'], options, { checkOut: '12:00' }, unitLocks);
    assert.deepEqual(
      windows.map(({ booking: b, window }) => [b.id, b.unit, window.bookingId, window.unit, window.locks, window.checkOutAt]),
      [
        ['HM123', 'Room 101', 'HM123#Room 101', 'Room 101', ['door-101', 'main-gate'], '2026-07-13T11:00:00.000Z'],
        ['HM123', 'Room 102', 'HM123#Room 102', 'Room 102', ['door-102', 'main-gate'], '2026-07-13T11:00:00.000Z'],
      ],
    );
  });

  it('refuses several units without unit locks, with overridden locks, or with an unknown unit', () => {
    assert.throws(() => bookingWindows(booking(), ['Room 101', 'Room 102'], { ...options, locks: ['a'] }, {}, new Map()), /several units \(Room 101, Room 102\): set the node's unit locks/);
    assert.throws(() => bookingWindows(booking(), ['Room 101'], options, { locks: ['a'] }, unitLocks), /locks cannot be overridden for a booking of several units/);
    assert.throws(() => bookingWindows(booking(), ['Room 101', 'Room 9'], options, {}, unitLocks), /unit "Room 9" is not in the node's unit locks/);
  });

  it('reads units as a list, dropping repeats', () => {
    assert.equal(readUnits(undefined, 'b'), undefined);
    assert.deepEqual(readUnits(['Room 101', ' room 101', 'Room 102'], 'b'), ['Room 101', 'Room 102']);
    assert.throws(() => readUnits('Room 101, Room 102', 'b'), /booking b: units must be a list of unit names/);
    assert.throws(() => readUnits([], 'b'), /units must be a list/);
    assert.throws(() => readUnits(['Room 101', ''], 'b'), /units must be a list/);
  });
});

describe('what was sent for a booking', () => {
  const now = new Date('2026-07-01T00:00:00Z');
  const both = () => bookingWindows(booking(), ['Room 101', 'Room 102'], options, {}, unitLocks);

  it('returns the unit a change dropped, and nothing when nothing was dropped', () => {
    const sent = new SentWindows();
    assert.deepEqual(sent.replace('HM123', both(), false, now), []);
    assert.deepEqual(sent.replace('HM123', both(), false, now), []);
    const only101 = bookingWindows(booking(), ['Room 101'], options, {}, unitLocks);
    const dropped = sent.replace('HM123', only101, false, now);
    assert.deepEqual(dropped.map((d) => d.window.bookingId), ['HM123#Room 102']);
    assert.equal(dropped[0].booking.unit, 'Room 102');
    assert.deepEqual(sent.replace('HM123', only101, false, now), []);
  });

  it('returns the single window when a booking becomes one of several units, and forgets a cancelled booking', () => {
    const sent = new SentWindows();
    sent.replace('HM123', bookingWindows(booking(), undefined, options, {}, unitLocks), false, now);
    assert.deepEqual(sent.replace('HM123', both(), false, now).map((d) => d.window.bookingId), ['HM123']);
    assert.deepEqual(sent.replace('HM123', [], true, now).map((d) => d.window.bookingId), ['HM123#Room 101', 'HM123#Room 102']);
    assert.equal(sent.size, 0);
  });

  it('forgets bookings whose stays are over', () => {
    const sent = new SentWindows();
    sent.replace('HM123', both(), false, now);
    sent.replace('OTHER', bookingWindows(booking({ id: 'OTHER' }), undefined, options, {}, unitLocks), false, new Date('2026-07-14T00:00:00Z'));
    assert.equal(sent.size, 1);
  });
});
