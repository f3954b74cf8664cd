import { strict as assert } from 'node:assert';
import { Booking } from '../lib/bookings/booking';
import { FeedTracker } from '../lib/bookings/feed-tracker';
import { ManualClock } from '../lib/time/clock';

function booking(id: string, arrival: string, departure: string, extra: Partial<Booking> = {}): Booking {
  return { id, unit: 'Room 101', source: 'airbnb', arrival, departure, ...extra };
}

const ana = booking('ana', '2026-07-10', '2026-07-14');
const ben = booking('ben', '2026-07-20', '2026-07-23');
const ids = (list: Booking[]) => list.map((b) => b.id);

describe('FeedTracker', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock('2026-07-01T09:00:00Z');
  });

  it('reports every booking of the first feed as created', () => {
    const changes = new FeedTracker({ clock }).apply([ana, ben]);
    assert.deepEqual(ids(changes.created), ['ana', 'ben']);
    assert.deepEqual([changes.changed, changes.cancelled], [[], []]);
  });

  it('reports nothing when the feed says the same again', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana, ben]);
    assert.deepEqual(tracker.apply([{ ...ana }, { ...ben }]), { created: [], changed: [], cancelled: [], held: [], cameBackEmpty: false, skipped: [] });
  });

  it('reports a booking whose dates or guest changed', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana, ben]);
    const longer = { ...ana, departure: '2026-07-15' };
    const changes = tracker.apply([longer, ben]);
    assert.deepEqual(changes.changed, [longer]);
    assert.deepEqual(ids(changes.created), []);
  });

  it('cancels a booking the next good feed leaves out, with its last known details', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana, ben]);
    const changes = tracker.apply([ben]);
    assert.deepEqual(changes.cancelled, [ana]);
    assert.deepEqual(ids(tracker.bookings), ['ben']);
  });

  it('waits for missesBeforeCancel good feeds in a row before cancelling', () => {
    const tracker = new FeedTracker({ clock, missesBeforeCancel: 3 });
    tracker.apply([ana, ben]);
    assert.deepEqual(tracker.apply([ben]).cancelled, []);
    assert.deepEqual(tracker.apply([ben]).cancelled, []);
    assert.deepEqual(ids(tracker.apply([ben]).cancelled), ['ana']);
  });

  it('starts counting again when a missing booking comes back', () => {
    const tracker = new FeedTracker({ clock, missesBeforeCancel: 2 });
    tracker.apply([ana, ben]);
    tracker.apply([ben]);
    const back = tracker.apply([ana, ben]);
    assert.deepEqual([back.created, back.changed, back.cancelled], [[], [], []]);
    assert.deepEqual(tracker.apply([ben]).cancelled, []);
    assert.deepEqual(ids(tracker.apply([ben]).cancelled), ['ana']);
  });

  it('forgets a stay that is over when the feed drops it, without cancelling it', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana, ben]);
    clock.advanceTo('2026-07-15T09:00:00Z');
    const changes = tracker.apply([ben]);
    assert.deepEqual(changes.cancelled, []);
    assert.deepEqual(ids(tracker.bookings), ['ben']);
  });

  it('does not cancel a stay dropped on the morning of its checkout day in a zone ahead of UTC', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana]);
    // 08:00 on 14 July in Sydney is still 13 July in UTC.
    clock.advanceTo('2026-07-13T22:00:00Z');
    assert.deepEqual(tracker.apply([]).cancelled, []);
  });

  it('cancels a stay that is under way when a feed that still lists events drops it', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana]);
    clock.advanceTo('2026-07-11T12:00:00Z');
    assert.deepEqual(ids(tracker.apply({ bookings: [], events: 1 }).cancelled), ['ana']);
  });

  describe('a calendar that comes back empty', () => {
    it('keeps every stay, says so once, and cancels again once the feed lists events', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply([ana, ben]);
      const first = tracker.apply({ bookings: [], events: 0 });
      assert.deepEqual([first.cancelled, first.cameBackEmpty, tracker.empty], [[], true, true]);
      const again = tracker.apply({ bookings: [], events: 0 });
      assert.deepEqual([again.cancelled, again.cameBackEmpty], [[], false]);
      assert.deepEqual(ids(tracker.bookings), ['ana', 'ben']);
      const back = tracker.apply({ bookings: [ben], events: 2 });
      assert.deepEqual([ids(back.cancelled), tracker.empty], [['ana'], false]);
    });

    it('takes an empty calendar as it is when the feed has no stay to lose', () => {
      const tracker = new FeedTracker({ clock });
      assert.equal(tracker.apply({ bookings: [], events: 0 }).cameBackEmpty, false);
    });

    it('remembers across a restart that the host was told', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply([ana]);
      tracker.apply({ bookings: [], events: 0 });
      const reopened = FeedTracker.fromJSON(JSON.parse(JSON.stringify(tracker.toJSON())), { clock });
      assert.equal(reopened.apply({ bookings: [], events: 0 }).cameBackEmpty, false);
    });
  });

  describe('a mass disappearance', () => {
    const stays = ['a', 'b', 'c', 'd', 'e', 'f'].map((id, index) => booking(id, `2026-08-${String(10 + index * 2).padStart(2, '0')}`, `2026-08-${String(11 + index * 2).padStart(2, '0')}`));
    const listed = (...keep: string[]) => ({ bookings: stays.filter((stay) => keep.includes(stay.id)), events: keep.length + 1 });

    it('holds the cancellations when at least 3 stays and half the feed vanish at once', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply(stays);
      const changes = tracker.apply(listed('a', 'b', 'c'));
      assert.deepEqual([changes.cancelled, ids(changes.held)], [[], ['d', 'e', 'f']]);
      assert.deepEqual(ids(tracker.held), ['d', 'e', 'f']);
      assert.equal(tracker.bookings.length, 6);
    });

    it('cancels fewer than 3, or fewer than half, at once as usual', () => {
      const two = new FeedTracker({ clock });
      two.apply(stays);
      assert.deepEqual(ids(two.apply(listed('a', 'b', 'c', 'd')).cancelled), ['e', 'f']);
      const many = new FeedTracker({ clock });
      const more = [...stays, ...stays.map((stay) => ({ ...stay, id: `${stay.id}2`, unit: 'Room 102' }))];
      many.apply(more);
      const changes = many.apply({ bookings: more.slice(0, 9), events: 9 });
      assert.deepEqual([ids(changes.cancelled), changes.held], [['d2', 'e2', 'f2'], []]);
    });

    it('carries them out when a fetch an hour on still lacks them, not before', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply(stays);
      tracker.apply(listed('a', 'b', 'c'));
      clock.advance(59 * 60_000);
      assert.deepEqual(tracker.apply(listed('a', 'b', 'c')).cancelled, []);
      clock.advance(60_000);
      assert.deepEqual(ids(tracker.apply(listed('a', 'b', 'c')).cancelled), ['d', 'e', 'f']);
      assert.deepEqual(tracker.held, []);
    });

    it('keeps a held stay the feed lists again, and cancels only what is still missing', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply(stays);
      tracker.apply(listed('a', 'b', 'c'));
      clock.advance(2 * 3600_000);
      const changes = tracker.apply(listed('a', 'b', 'c', 'd'));
      assert.deepEqual(ids(changes.cancelled), ['e', 'f']);
      assert.ok(ids(tracker.bookings).includes('d'));
    });

    it('carries them out at once when the host confirms, all or those named', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply(stays);
      tracker.apply(listed('a', 'b', 'c'));
      assert.deepEqual(ids(tracker.confirmHeld(['e'])), ['e']);
      assert.deepEqual(ids(tracker.confirmHeld()), ['d', 'f']);
      assert.deepEqual(ids(tracker.bookings), ['a', 'b', 'c']);
    });

    it('keeps the hold across a restart', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply(stays);
      tracker.apply(listed('a', 'b', 'c'));
      const reopened = FeedTracker.fromJSON(JSON.parse(JSON.stringify(tracker.toJSON())), { clock });
      assert.deepEqual(ids(reopened.held), ['d', 'e', 'f']);
      assert.deepEqual(reopened.apply(listed('a', 'b', 'c')).cancelled, []);
    });

    it('takes its threshold and wait as options, and 0 stays turns the guard off', () => {
      const off = new FeedTracker({ clock, guard: { atLeast: 0 } });
      off.apply(stays);
      assert.equal(off.apply(listed('a')).cancelled.length, 5);
      const patient = new FeedTracker({ clock, guard: { atLeast: 2, share: 0.2, waitMs: 10 * 60_000 } });
      patient.apply(stays);
      assert.deepEqual(ids(patient.apply(listed('a', 'b', 'c', 'd')).held), ['e', 'f']);
      clock.advance(10 * 60_000);
      assert.deepEqual(ids(patient.apply(listed('a', 'b', 'c', 'd')).cancelled), ['e', 'f']);
      assert.throws(() => new FeedTracker({ guard: { share: 2 } }), /between 0 and 100/);
    });

    it('never counts stays that are over: they leave the feed as history', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply(stays);
      clock.advanceTo('2026-08-17T12:00:00Z');
      // a to d are over; e and f still to come and listed.
      const changes = tracker.apply(listed('e', 'f'));
      assert.deepEqual([changes.cancelled, changes.held], [[], []]);
      assert.deepEqual(ids(tracker.bookings), ['e', 'f']);
    });
  });

  describe('events that cannot be read now', () => {
    it('keeps the last good version of a stay whose event is listed but unreadable', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply([ana, ben]);
      const changes = tracker.apply({ bookings: [ben], events: 2, keep: ['ana'] });
      assert.deepEqual([changes.cancelled, ids(tracker.bookings)], [[], ['ana', 'ben']]);
    });

    it('cancels nothing while an event without a UID cannot be read', () => {
      const tracker = new FeedTracker({ clock });
      tracker.apply([ana, ben]);
      assert.deepEqual(tracker.apply({ bookings: [], events: 1, holdMissing: true }).cancelled, []);
    });

    it('reports each skipped event once per UID and reason, again only after it was fine for a while', () => {
      const tracker = new FeedTracker({ clock });
      const block = { uid: 'blk', reason: 'a block' };
      assert.deepEqual(tracker.apply({ bookings: [ana], events: 2, skipped: [block] }).skipped, [block]);
      assert.deepEqual(tracker.apply({ bookings: [ana], events: 2, skipped: [block] }).skipped, []);
      const other = { uid: 'blk', reason: 'another reason' };
      assert.deepEqual(tracker.apply({ bookings: [ana], events: 2, skipped: [other] }).skipped, [other]);
      const reopened = FeedTracker.fromJSON(JSON.parse(JSON.stringify(tracker.toJSON())), { clock });
      assert.deepEqual(reopened.apply({ bookings: [ana], events: 2, skipped: [other] }).skipped, []);
    });
  });

  it('survives a JSON round trip with bookings and miss counts', () => {
    const tracker = new FeedTracker({ clock, missesBeforeCancel: 2 });
    tracker.apply([ana, ben]);
    tracker.apply([ben]);
    const restored = FeedTracker.fromJSON(JSON.parse(JSON.stringify(tracker)), { clock, missesBeforeCancel: 2 });
    assert.deepEqual(ids(restored.bookings), ['ana', 'ben']);
    const changes = restored.apply([ben]);
    assert.deepEqual(ids(changes.cancelled), ['ana']);
    assert.deepEqual(changes.created, []);
  });

  it('refuses saved state that is not its own', () => {
    assert.throws(() => FeedTracker.fromJSON({ version: 2, bookings: [] }), /version 1/);
    assert.throws(() => FeedTracker.fromJSON({ version: 1, bookings: [{ booking: { id: 'x' }, misses: 0 }] }), /arrival/);
  });

  it('refuses a threshold below one', () => {
    assert.throws(() => new FeedTracker({ missesBeforeCancel: 0 }), /missesBeforeCancel/);
  });
});
