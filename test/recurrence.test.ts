import { strict as assert } from 'node:assert';
import { parseWeekdays, periodAround } from '../lib/windows/recurrence';
import type { AccessWindow } from '../lib/windows/window';

const cleaner: AccessWindow = {
  bookingId: 'staff-maria',
  unit: 'Sea View',
  locks: ['front-door'],
  timeZone: 'Europe/Lisbon',
  checkInAt: '2026-03-01T00:00:00.000Z',
  checkOutAt: '2026-04-30T23:00:00.000Z',
  startsAt: '2026-03-01T00:00:00.000Z',
  endsAt: '2026-04-30T23:00:00.000Z',
  issueAt: '2026-02-28T00:00:00.000Z',
  kind: 'staff',
  weekly: { weekdays: [1], from: '10:00', to: '14:00' },
};

describe('staff hours', () => {
  it('reads weekdays as numbers or names', () => {
    assert.deepEqual(parseWeekdays('mon, Wednesday 7'), [1, 3, 7]);
    assert.deepEqual(parseWeekdays([5, 1]), [1, 5]);
    assert.throws(() => parseWeekdays('funday'), /not a weekday/);
  });

  it('gives the next Monday 10:00-14:00 on the property clock', () => {
    const next = periodAround(cleaner, new Date('2026-03-04T12:00:00Z')); // a Wednesday
    assert.deepEqual(next, { startsAt: '2026-03-09T10:00:00.000Z', endsAt: '2026-03-09T14:00:00.000Z' });
  });

  it('gives the hours under way, and follows the clock change', () => {
    assert.deepEqual(periodAround(cleaner, new Date('2026-03-09T11:00:00Z')), {
      startsAt: '2026-03-09T10:00:00.000Z',
      endsAt: '2026-03-09T14:00:00.000Z',
    });
    // Lisbon moves to summer time on 29 March: 10:00 local is then 09:00 UTC.
    assert.deepEqual(periodAround(cleaner, new Date('2026-03-31T00:00:00Z')), {
      startsAt: '2026-04-06T09:00:00.000Z',
      endsAt: '2026-04-06T13:00:00.000Z',
    });
  });

  it('has nothing after the end date', () => {
    assert.equal(periodAround(cleaner, new Date('2026-04-28T00:00:00Z')), undefined);
  });

  it('handles hours that pass midnight', () => {
    const night = { ...cleaner, weekly: { weekdays: [5], from: '22:00', to: '02:00' } };
    assert.deepEqual(periodAround(night, new Date('2026-03-07T00:30:00Z')), {
      startsAt: '2026-03-06T22:00:00.000Z',
      endsAt: '2026-03-07T02:00:00.000Z',
    });
  });

  it('is the whole window for an ordinary code', () => {
    const guest = { ...cleaner, weekly: undefined, kind: undefined };
    assert.deepEqual(periodAround(guest, new Date('2026-03-04T12:00:00Z')), { startsAt: guest.startsAt, endsAt: guest.endsAt });
  });
});
