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
    assert.deepEqual(tracker.apply([{ ...ana }, { ...ben }]), { created: [], changed: [], cancelled: [] });
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

  it('cancels a stay that is under way when the feed drops it', () => {
    const tracker = new FeedTracker({ clock });
    tracker.apply([ana]);
    clock.advanceTo('2026-07-11T12:00:00Z');
    assert.deepEqual(ids(tracker.apply([]).cancelled), ['ana']);
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
