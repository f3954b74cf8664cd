import { strict as assert } from 'node:assert';
import { BookingSource, SourceUpdate } from '../lib/bookings/booking-source';
import { readBookingMessage } from '../lib/bookings/message-shapes';
import { ManualClock } from '../lib/time/clock';

const defaults = { unit: 'Flat 3', source: 'message' };
const summary = (result: SourceUpdate) => result.updates.map((u) => `${u.change} ${u.booking.id}`);

describe('bookings sent as messages', () => {
  let clock: ManualClock;
  let source: BookingSource;

  beforeEach(() => {
    clock = new ManualClock('2026-07-01T09:00:00Z');
    source = BookingSource.open({ unit: 'Flat 3', source: 'message', clock });
  });

  describe('Home Assistant calendar events', () => {
    /** What calendar.get_events answers for a calendar fed by an Airbnb iCal link. */
    const getEventsAnswer = {
      'calendar.flat_3_airbnb': {
        events: [
          {
            start: '2026-07-10',
            end: '2026-07-14',
            summary: 'Reserved',
            description: 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABCD1234\nPhone Number (Last 4 Digits): 4821',
          },
          { start: '2026-07-16', end: '2026-07-20', summary: 'Airbnb (Not available)' },
        ],
      },
    };

    it('reads the answer of calendar.get_events, leaving out blocks and naming a stay without uid by its reservation code', () => {
      const result = source.receive(getEventsAnswer);
      assert.deepEqual(summary(result), ['created HMABCD1234']);
      assert.deepEqual(result.updates[0].booking, {
        id: 'HMABCD1234',
        unit: 'Flat 3',
        source: 'message',
        arrival: '2026-07-10',
        departure: '2026-07-14',
        summary: 'Reserved',
        reservationCode: 'HMABCD1234',
        phoneLast4: '4821',
      });
      assert.deepEqual(summary(source.receive(getEventsAnswer)), [], 'the same calendar again is no news');
    });

    it('reads date-time events with their offset as the property day plus the exact instant, and keeps the uid', () => {
      const [item] = readBookingMessage(
        { uid: 'pms-5521', summary: 'Jonas Weber', start: '2026-07-10T16:00:00+02:00', end: '2026-07-14T10:00:00+02:00', description: 'Guests: 3\nEmail: jonas@example.com' },
        undefined,
        defaults,
      );
      assert.deepEqual(item.booking, {
        id: 'pms-5521',
        unit: 'Flat 3',
        source: 'message',
        arrival: '2026-07-10',
        departure: '2026-07-14',
        arrivalAt: '2026-07-10T14:00:00.000Z',
        departureAt: '2026-07-14T08:00:00.000Z',
        summary: 'Jonas Weber',
        guestName: 'Jonas Weber',
        email: 'jonas@example.com',
        guests: 3,
      });
    });

    it('folds a PMS calendar\'s check-in and check-out events into one stay', () => {
      const items = readBookingMessage(
        [
          { uid: 'in-1', summary: 'Check-in: Anna Berg', start: '2026-07-10T15:00:00+02:00', end: '2026-07-10T15:30:00+02:00' },
          { uid: 'out-1', summary: 'Check-out: Anna Berg', start: '2026-07-14T10:00:00+02:00', end: '2026-07-14T10:30:00+02:00' },
        ],
        undefined,
        defaults,
      );
      assert.deepEqual(items.map((item) => [item.id, item.booking?.arrival, item.booking?.departure, item.booking?.guestName]), [['in-1', '2026-07-10', '2026-07-14', 'Anna Berg']]);
    });

    it('needs the unit on the node, since calendar events do not name one', () => {
      assert.throws(() => readBookingMessage({ summary: 'Reserved', start: '2026-07-10', end: '2026-07-12' }, undefined, { unit: '', source: 'message' }), /set the unit on the node/);
    });

    it('refuses an event whose start is not a date', () => {
      assert.throws(() => source.receive({ summary: 'Reserved', start: 'tomorrow', end: '2026-07-12' }), /start must be a date/);
    });
  });

  describe('PMS webhooks', () => {
    it('reads a Guesty-style reservation: envelope, checkIn/checkOut instants, guest object, guestsCount', () => {
      const result = source.receive({
        event: 'reservation.new',
        reservation: {
          _id: '64f1c2',
          confirmationCode: 'GY-77812',
          checkIn: '2026-07-10T14:00:00.000Z',
          checkOut: '2026-07-14T08:00:00.000Z',
          guestsCount: 2,
          status: 'confirmed',
          guest: { fullName: 'Sofia Rossi', email: 'sofia@example.com', phone: '+39 347 555 0192' },
        },
      });
      assert.deepEqual(summary(result), ['created 64f1c2']);
      const { booking } = result.updates[0];
      assert.deepEqual(
        [booking.arrival, booking.departure, booking.arrivalAt, booking.guestName, booking.email, booking.phoneLast4, booking.guests, booking.reservationCode],
        ['2026-07-10', '2026-07-14', '2026-07-10T14:00:00.000Z', 'Sofia Rossi', 'sofia@example.com', '0192', 2, 'GY-77812'],
      );
      assert.deepEqual(summary(source.receive({ event: 'reservation.canceled', reservation: { _id: '64f1c2' } })), ['cancelled 64f1c2']);
    });

    it('reads a Hospitable-style reservation whose status says cancelled', () => {
      const data = { id: 'h-88', arrival_date: '2026-08-01', departure_date: '2026-08-05', guest: { first_name: 'Maria', last_name: 'Santos' }, guests: { total: 3 } };
      source.receive({ action: 'reservation.created', data: { ...data, status: 'accepted' } });
      assert.equal(source.bookings[0].guestName, 'Maria Santos');
      assert.equal(source.bookings[0].guests, 3);
      assert.deepEqual(summary(source.receive({ action: 'reservation.changed', data: { ...data, status: 'cancelled' } })), ['cancelled h-88']);
    });

    it('reads a Smoobu-style reservation: guest-name, adults plus children, cancelReservation', () => {
      const data = { id: 38472913, arrival: '2026-07-10', departure: '2026-07-14', 'guest-name': 'Anna Berg', adults: 2, children: 1, 'reference-id': 'HMZX12' };
      const created = source.receive({ action: 'newReservation', data });
      assert.deepEqual(summary(created), ['created 38472913']);
      assert.deepEqual([created.updates[0].booking.guestName, created.updates[0].booking.guests, created.updates[0].booking.reservationCode], ['Anna Berg', 3, 'HMZX12']);
      assert.deepEqual(summary(source.receive({ action: 'cancelReservation', data })), ['cancelled 38472913']);
    });

    it('changes nothing when one reservation of a list is bad', () => {
      assert.throws(() => source.receive([{ reservationId: 'ok', checkIn: '2026-07-10', checkOut: '2026-07-12' }, { reservationId: 'bad', checkIn: '10/07/2026', checkOut: '2026-07-12' }]), /bad: arrival/);
      assert.equal(source.count, 0);
    });
  });
});
