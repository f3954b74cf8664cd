/** The message parsers in lib/messages, one per kind, without Node-RED. */
import { strict as assert } from 'node:assert';
import type { Booking } from '../lib/bookings/booking';
import type { CodeMessage, WindowMessage } from '../lib/messages';
import { readChange } from '../lib/messages/change';
import { lockList, parseBookingInput } from '../lib/messages/parse-booking';
import { parseCodeMessage } from '../lib/messages/parse-code';
import { parseIssuerInput } from '../lib/messages/parse-issuer-input';
import { assertTextFields, givenText, text, textOrNumber } from '../lib/messages/text';
import { windowFor } from '../lib/windows/window';

const booking: Booking = { id: 'HM123', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-13', guestName: 'Ada' };
const options = { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['front-door'] };
const window = windowFor(booking, options);
const now = new Date('2026-07-01T09:00:00Z');

/** A copy of `value` with `changes` laid over it, one level deep. */
function overlaid<T extends object>(value: T, changes: Record<string, unknown>): Record<string, unknown> {
  return { ...structuredClone(value), ...changes };
}

describe('message text', () => {
  it('reads text trimmed, as given, or with numbers, and blank or other values as nothing', () => {
    assert.equal(text('  Room 101 '), 'Room 101');
    assert.equal(givenText('  Room 101 '), '  Room 101 ');
    assert.equal(textOrNumber(101), '101');
    for (const nothing of ['  ', undefined, null, {}, ['a']]) {
      assert.equal(text(nothing), undefined);
      assert.equal(givenText(nothing), undefined);
    }
    assert.equal(text(101), undefined);
    assert.equal(textOrNumber(Number.NaN), undefined);
    assert.equal(textOrNumber(Infinity), undefined);
  });

  it('names the field that is not text', () => {
    assert.doesNotThrow(() => assertTextFields({ guestName: 'Ada', email: null, phoneLast4: 5678 }, ['guestName', 'email', 'phoneLast4'], 'booking'));
    assert.throws(() => assertTextFields({ guestName: { first: 'Ada' } }, ['guestName'], 'booking'), /^Error: booking: guestName must be text$/);
  });
});

describe('booking change', () => {
  it('takes a missing change as changed and refuses any other word', () => {
    assert.equal(readChange(undefined), 'changed');
    assert.equal(readChange(''), 'changed');
    assert.equal(readChange('cancelled'), 'cancelled');
    assert.throws(() => readChange('deleted'), /^Error: change must be created, changed or cancelled \(got "deleted"\)$/);
  });
});

describe('booking for access-window', () => {
  it('reads a BookingMessage with its own change, and a plain booking with msg.change', () => {
    const fromSource = parseBookingInput({ payload: { kind: 'booking', change: 'cancelled', booking }, change: 'created' }, undefined);
    assert.equal(fromSource.change, 'cancelled');
    assert.equal(fromSource.booking.id, 'HM123');
    const plain = parseBookingInput({ payload: { id: 'direct-1', arrival: '2026-08-01', departure: '2026-08-03' }, change: 'created' }, 'Room 7');
    assert.deepEqual([plain.change, plain.booking.unit], ['created', 'Room 7']);
  });

  it('takes the flow’s times and locks over the booking’s own, and refuses what is not one', () => {
    const payload = { ...booking, checkInTime: '15:00', checkOutTime: '12:00' };
    const input = parseBookingInput({ payload, overrides: { checkIn: '13:00', locks: 'front-door, gate' } }, undefined);
    assert.deepEqual(input.overrides, { checkIn: '13:00', checkOut: '12:00', locks: ['front-door', 'gate'] });
    assert.throws(() => parseBookingInput({ payload, overrides: 'early' }, undefined), /^Error: booking HM123: msg\.overrides must be an object/);
    assert.throws(() => parseBookingInput({ payload, overrides: { checkIn: 13 } }, undefined), /^Error: booking HM123: checkIn must be a time like "14:00"$/);
    assert.throws(() => parseBookingInput({ payload, overrides: { locks: ' , ' } }, undefined), /msg\.overrides\.locks names no lock/);
  });

  it('refuses other kinds of message and a payload that is no booking', () => {
    assert.throws(() => parseBookingInput({ payload: { kind: 'window', booking } }, undefined), /^Error: access-window takes bookings, not "window" messages/);
    assert.throws(() => parseBookingInput({ payload: 'HM123' }, undefined), /^Error: access-window needs a booking in msg\.payload$/);
  });

  it('reads a list of locks from text or a list, leaving out blanks and what is not text', () => {
    assert.deepEqual(lockList(' front-door, ,gate '), ['front-door', 'gate']);
    assert.deepEqual(lockList(['front-door', 3, '']), ['front-door']);
    assert.deepEqual(lockList(undefined), []);
  });
});

describe('pin-issuer input', () => {
  const windowMessage: WindowMessage = { kind: 'window', change: 'created', booking, window };

  it('reads a window, and refuses one whose parts are missing or not what they should be', () => {
    assert.equal(parseIssuerInput(windowMessage, now), windowMessage);
    assert.throws(() => parseIssuerInput(overlaid(windowMessage, { change: 'moved' }), now), /^Error: pin-issuer: booking HM123: change must be created, changed or cancelled \(got "moved"\)$/);
    assert.throws(() => parseIssuerInput(overlaid(windowMessage, { window: undefined }), now), /booking HM123 came without its window/);
    assert.throws(() => parseIssuerInput(overlaid(windowMessage, { window: { ...window, unit: 101 } }), now), /^Error: pin-issuer: booking HM123: window\.unit must be text$/);
    assert.throws(() => parseIssuerInput(overlaid(windowMessage, { window: { ...window, endsAt: 'soon' } }), now), /window\.endsAt must be an ISO date and time/);
    assert.throws(() => parseIssuerInput(overlaid(windowMessage, { window: { ...window, locks: [''] } }), now), /window\.locks must list lock ids/);
  });

  it('reads lock results, deliveries and keypad uses, with their defaults', () => {
    const result = parseIssuerInput({ kind: 'lock-result', commandId: 'set-1', codeId: '', lockId: 'front-door', action: 'set', ok: true }, now);
    assert.equal(result.kind === 'lock-result' && result.confirmed, false);
    assert.throws(() => parseIssuerInput({ kind: 'lock-result', commandId: 'set-1', ok: true }, now), /a lock-result needs commandId, codeId and ok/);
    assert.throws(() => parseIssuerInput({ kind: 'delivery', bookingId: 'HM123', delivered: 'yes' }, now), /^Error: pin-issuer: a delivery needs bookingId and delivered \(true or false\)$/);
    assert.deepEqual(parseIssuerInput({ kind: 'code-used', lockId: 'front-door', success: false }, now), {
      kind: 'code-used',
      lockId: 'front-door',
      slot: null,
      success: false,
      at: now.toISOString(),
    });
  });

  it('reads controls, each with what it needs', () => {
    assert.deepEqual(parseIssuerInput({ kind: 'reissue', bookingId: 'HM123' }, now), { kind: 'reissue', bookingId: 'HM123' });
    assert.deepEqual(parseIssuerInput({ kind: 'verify' }, now), { kind: 'verify', lockId: undefined });
    assert.deepEqual(parseIssuerInput({ kind: 'plan', extra: true }, now), { kind: 'plan' });
    assert.throws(() => parseIssuerInput({ kind: 'wipe' }, now), /^Error: pin-issuer: a wipe needs the lockId of the lock to clear$/);
    assert.throws(() => parseIssuerInput({ kind: 'activate-backup', bookingId: 'HM123' }, now), /activate-backup needs the bookingId and the lockId/);
  });

  it('refuses a payload without a kind, an unknown kind, and an id that is no id', () => {
    assert.throws(() => parseIssuerInput('reconcile', now), /^Error: pin-issuer needs msg\.payload with a kind \(window, lock-result/);
    assert.throws(() => parseIssuerInput({ kind: 'booking' }, now), /^Error: pin-issuer takes window, .*; got kind "booking"$/);
    assert.throws(() => parseIssuerInput({ kind: 'reissue', bookingId: '__proto__' }, now), /pin-issuer: bookingId/);
  });
});

describe('code message for the notifier', () => {
  const message: CodeMessage = {
    kind: 'code',
    change: 'issued',
    bookingId: 'HM123',
    booking,
    window,
    codes: [{ lockId: 'front-door', lockName: 'Front door', unit: 'Room 101', slot: 3 }],
  };

  it('takes a whole code message and names what is missing or not text', () => {
    assert.equal(parseCodeMessage(message), message);
    assert.throws(() => parseCodeMessage(overlaid(message, { bookingId: 7 })), /^Error: code message has no bookingId$/);
    assert.throws(() => parseCodeMessage(overlaid(message, { codes: 'front-door' })), /code message for booking HM123 has no codes list/);
    assert.throws(
      () => parseCodeMessage(overlaid(message, { booking: { ...booking, guestName: ['Ada'] } })),
      /^Error: code message for booking HM123: booking: guestName must be text$/,
    );
    assert.throws(
      () => parseCodeMessage(overlaid(message, { codes: [{ lockId: 'front-door', lockName: {}, unit: 'Room 101', slot: 3 }] })),
      /^Error: code message for booking HM123: the code for front-door: lockName must be text$/,
    );
  });
});
