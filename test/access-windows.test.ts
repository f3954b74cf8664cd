/**
 * access-window's core without Node-RED: its settings (lib/windows/window-settings.ts), what it sends
 * per message (lib/windows/access-windows.ts) and the status it shows (lib/windows/window-status.ts).
 */
import { strict as assert } from 'node:assert';
import { AccessWindows, OutgoingWindow, windowMessage } from '../lib/windows/access-windows';
import { hasNoLocks, readWindowSettings } from '../lib/windows/window-settings';
import { windowStatus } from '../lib/windows/window-status';

const lisbon = { timeZone: 'Europe/Lisbon', name: 'Room 101', locks: 'front-door' };
const now = new Date('2026-07-01T09:00:00Z');

function booking(fields: Record<string, unknown> = {}) {
  return { id: 'HM123', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada', ...fields };
}

describe('access-window settings', () => {
  it('fills in the defaults a host leaves blank, with the node\'s name as its unit', () => {
    const settings = readWindowSettings({ ...lisbon, bufferBefore: '', leadHours: '24' });
    assert.equal(settings.unit, 'Room 101');
    assert.deepEqual(settings.options.locks, ['front-door']);
    assert.equal(settings.options.checkIn, '16:00');
    assert.equal(settings.options.leadHours, 24);
    assert.equal(settings.options.honourFeedTimes, false);
    assert.equal(hasNoLocks(settings), false);
  });

  it('refuses a zone, a buffer or a lead time it cannot read, word for word', () => {
    assert.throws(() => readWindowSettings({ timeZone: 'Mars/Olympus' }), { message: 'time zone "Mars/Olympus" is not an IANA zone (e.g. Europe/Lisbon)' });
    assert.throws(() => readWindowSettings({ ...lisbon, bufferBefore: '3O' }), { message: 'buffer before: "3O" is not a number' });
    assert.throws(() => readWindowSettings({ ...lisbon, bufferAfter: -5 }), { message: 'buffer after must be 0 or more (got -5)' });
    assert.throws(() => readWindowSettings({ ...lisbon, leadHours: 'soon' }), { message: 'lead time: "soon" is not a number' });
  });

  it('says when neither locks nor unit locks are set, so each booking must bring its own', () => {
    assert.equal(hasNoLocks(readWindowSettings({ timeZone: 'Europe/Lisbon' })), true);
    assert.equal(hasNoLocks(readWindowSettings({ timeZone: 'Europe/Lisbon', unitLocks: 'Room 101: door-101' })), false);
  });
});

describe('access-window: what goes out per message', () => {
  it('gives a booking its window on the property\'s clocks, as a window message', () => {
    const windows = new AccessWindows(readWindowSettings(lisbon));
    const [out] = windows.windowsFor({ payload: { kind: 'booking', change: 'created', booking: booking() } }, now);
    const message = windowMessage(out);
    assert.equal(message.kind, 'window');
    assert.equal(message.change, 'created');
    assert.equal(message.window.checkInAt, '2026-07-10T15:00:00.000Z');
    assert.deepEqual(message.window.locks, ['front-door']);
  });

  it('cancels first the window of a unit the booking no longer has', () => {
    const windows = new AccessWindows(readWindowSettings({ timeZone: 'Europe/Lisbon', unitLocks: 'Room 101: door-101\nRoom 102: door-102' }));
    windows.windowsFor({ payload: booking({ units: ['Room 101', 'Room 102'] }), change: 'created' }, now);
    const outgoing = windows.windowsFor({ payload: booking({ units: ['Room 102'] }), change: 'changed' }, now);
    assert.deepEqual(outgoing.map((out) => [out.change, out.sent.window.unit, out.dropped === true]), [
      ['cancelled', 'Room 101', true],
      ['changed', 'Room 102', false],
    ]);
  });

  it('gives a code its unit\'s locks, or the node\'s when it names no unit', () => {
    const windows = new AccessWindows(readWindowSettings({ ...lisbon, unitLocks: 'Annex: door-annex' }));
    const plumber = { kind: 'one-time-code', id: 'plumber-7', name: 'Plumber', date: '2026-07-10', from: '09:00', to: '12:30' };
    const [inAnnex] = windows.windowsFor({ payload: { ...plumber, unit: 'Annex' } }, now);
    assert.deepEqual(inAnnex.sent.window.locks, ['door-annex']);
    const [anywhere] = new AccessWindows(readWindowSettings(lisbon)).windowsFor({ payload: plumber }, now);
    assert.deepEqual(anywhere.sent.window.locks, ['front-door']);
    assert.equal(anywhere.sent.window.unit, 'Room 101');
    assert.throws(() => windows.windowsFor({ payload: { ...plumber, unit: 'Loft' } }, now), /one-time-code plumber-7/);
  });

  it('refuses a message that is neither a booking nor a code', () => {
    const windows = new AccessWindows(readWindowSettings(lisbon));
    assert.throws(() => windows.windowsFor({ payload: { kind: 'lock-result' } }, now), /access-window takes bookings, not "lock-result" messages/);
  });
});

describe('access-window status', () => {
  const windows = () => new AccessWindows(readWindowSettings(lisbon));
  const statusOf = (outgoing: OutgoingWindow[], at: Date) => windowStatus(outgoing, at);

  it('shows days until check-in, then the local check-in time, then grey once over', () => {
    const outgoing = windows().windowsFor({ payload: booking() }, now);
    assert.deepEqual(statusOf(outgoing, now), { fill: 'green', shape: 'dot', text: 'Room 101: in 9 d' });
    assert.deepEqual(statusOf(outgoing, new Date('2026-07-10T09:00:00Z')), { fill: 'green', shape: 'dot', text: 'Room 101: 10 Jul 16:00' });
    assert.deepEqual(statusOf(outgoing, new Date('2026-07-20T09:00:00Z')), { fill: 'grey', shape: 'dot', text: 'Room 101: 10 Jul 16:00' });
  });

  it('shows a cancellation, counts units, names a code\'s person, and leaves dropped units out', () => {
    const cancelled = windows().windowsFor({ payload: booking(), change: 'cancelled' }, now);
    assert.deepEqual(statusOf(cancelled, now), { fill: 'grey', shape: 'ring', text: 'Room 101: cancelled' });
    const twoUnits = new AccessWindows(readWindowSettings({ timeZone: 'Europe/Lisbon', unitLocks: 'Room 101: a\nRoom 102: b' }));
    assert.equal(statusOf(twoUnits.windowsFor({ payload: booking({ units: ['Room 101', 'Room 102'] }) }, now), now).text, '2 units: in 9 d');
    assert.equal(statusOf(twoUnits.windowsFor({ payload: booking({ units: ['Room 102'] }) }, now), now).text, 'Room 102: in 9 d');
    const plumber = { kind: 'one-time-code', id: 'plumber-7', name: 'Plumber', date: '2026-07-01', from: '14:00', to: '16:00' };
    assert.equal(statusOf(windows().windowsFor({ payload: plumber }, now), now).text, 'Plumber: 1 Jul 14:00');
  });
});
