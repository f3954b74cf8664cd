import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Booking } from '../lib/bookings/booking';
import { BookingSource, SourceUpdate } from '../lib/bookings/booking-source';
import { mergeStays } from '../lib/bookings/unit-stays';
import { ManualClock } from '../lib/time/clock';

function fixture(name: string): string {
  return fs.readFileSync(path.join(__dirname, 'fixtures', 'feeds', name), 'utf8');
}

function calendar(...events: [uid: string, start: string, end: string, summary: string][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  for (const [uid, start, end, summary] of events) {
    lines.push('BEGIN:VEVENT', `UID:${uid}`, `DTSTART;VALUE=DATE:${start}`, `DTEND;VALUE=DATE:${end}`, `SUMMARY:${summary}`, 'END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

const summary = (result: SourceUpdate) => result.updates.map((u) => `${u.change} ${u.booking.id}`);

const AIRBNB_STAY = 'a1b2c3d4e5f6-apt4-1@airbnb.com';
const CHANNELS = ['airbnb', 'booking.com', 'vrbo', 'hospitable'];

function booking(id: string, arrival: string, departure: string, extra: Partial<Booking> = {}): Booking {
  return { id, unit: 'Apartment 4', source: 'test', arrival, departure, ...extra };
}

describe('mergeStays', () => {
  it('merges copies with the same reservation code, email or guest name, and fills in each other\'s details', () => {
    const { stays, doubles } = mergeStays(
      [
        booking('airbnb-1', '2026-07-10', '2026-07-14', { reservationCode: 'HM1', phoneLast4: '4821' }),
        booking('pms-1', '2026-07-10', '2026-07-14', { reservationCode: 'hm1', guestName: 'John Smith' }),
        booking('vrbo-1', '2026-08-01', '2026-08-05', { guestName: 'Maria Santos' }),
        booking('pms-2', '2026-08-01', '2026-08-06', { guestName: 'maria  santos', email: 'maria@example.com' }),
      ],
      new Map(),
    );
    assert.deepEqual(doubles, []);
    assert.deepEqual(stays.map((stay) => [stay.id, stay.members]), [
      ['airbnb-1', ['airbnb-1', 'pms-1']],
      ['pms-2', ['vrbo-1', 'pms-2']],
    ]);
    assert.equal(stays[0].booking.guestName, 'John Smith');
    assert.equal(stays[0].booking.phoneLast4, '4821');
    assert.equal(stays[1].booking.email, 'maria@example.com');
  });

  it('takes a copy that says nothing of its guest on the very same nights for the same stay', () => {
    const { stays, doubles } = mergeStays(
      [booking('airbnb-1', '2026-07-10', '2026-07-14', { reservationCode: 'HM1' }), booking('pms-1', '2026-07-10', '2026-07-14')],
      new Map(),
    );
    assert.equal(stays.length, 1);
    assert.deepEqual(doubles, []);
  });

  it('reports two different guests on overlapping nights as a double booking and keeps both', () => {
    const { stays, doubles } = mergeStays(
      [
        booking('airbnb-1', '2026-07-10', '2026-07-14', { reservationCode: 'HM1' }),
        booking('bdc-1', '2026-07-10', '2026-07-14', { guestName: 'Anna Berg' }),
        booking('bdc-2', '2026-07-14', '2026-07-16', { guestName: 'Turnover Day' }),
      ],
      new Map(),
    );
    assert.equal(stays.length, 3);
    assert.deepEqual(doubles.map((double) => double.key), ['airbnb-1 + bdc-1']);
  });

  it('keeps two stays announced apart apart, when a later fetch leaves one without a word of its guest', () => {
    const apart = new Map([
      ['airbnb-1', 'airbnb-1'],
      ['airbnb-2', 'airbnb-2'],
    ]);
    const { stays } = mergeStays([booking('airbnb-1', '2026-07-10', '2026-07-14'), booking('airbnb-2', '2026-07-10', '2026-07-14', { guestName: 'John Smith' })], apart);
    assert.deepEqual(stays.map((stay) => stay.id).sort(), ['airbnb-1', 'airbnb-2'], 'joining them would cancel a guest still listed');
    const fresh = mergeStays([booking('airbnb-1', '2026-07-10', '2026-07-14'), booking('pms-9', '2026-07-10', '2026-07-14', { guestName: 'John Smith' })], apart);
    assert.equal(fresh.stays.length, 1, 'a copy not announced before still joins the stay it repeats');
  });

  it('keeps the id a stay was announced under when that copy is gone and another is still listed', () => {
    const { stays } = mergeStays([booking('pms-1', '2026-07-10', '2026-07-14', { guestName: 'John Smith' })], new Map([['pms-1', 'airbnb-1']]));
    assert.equal(stays[0].id, 'airbnb-1');
    assert.equal(stays[0].booking.id, 'airbnb-1');
  });
});

describe('BookingSource with several feeds for one unit', () => {
  let directory: string;
  let clock: ManualClock;

  beforeEach(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-stays-'));
    clock = new ManualClock('2026-07-01T09:00:00Z');
  });
  afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

  // This host closes Booking.com's dates from the other channels' calendars: its "CLOSED - Not available" are blocks.
  const closedAreBlocks = new Map([['booking.com', { closed: 'blocks' as const }]]);
  const open = (feeds = CHANNELS, stateFile = path.join(directory, 'state.json')) =>
    BookingSource.open({ unit: 'Apartment 4', source: feeds[0], feeds, clock, stateFile, feedSettings: closedAreBlocks });

  function readAll(source: BookingSource): SourceUpdate[] {
    return [
      source.readFeed(fixture('apartment-airbnb.ics'), 'airbnb'),
      source.readFeed(fixture('apartment-booking-com.ics'), 'booking.com'),
      source.readFeed(fixture('apartment-vrbo.ics'), 'vrbo'),
      source.readFeed(fixture('apartment-hospitable.ics'), 'hospitable'),
    ];
  }

  it('announces each stay once when every channel and a PMS feed list it, with the details of all copies', () => {
    const source = open();
    const [airbnb, bookingCom, vrbo, hospitable] = readAll(source);
    assert.deepEqual(summary(airbnb), [`created ${AIRBNB_STAY}`]);
    assert.deepEqual(summary(bookingCom), ['created b00k1ng-apt4-2@booking.com']);
    assert.deepEqual(summary(vrbo), ['created vrbo-apt4-3']);
    // The PMS lists the same three stays: no new booking, only more details for them.
    assert.ok(summary(hospitable).every((line) => line.startsWith('changed')), summary(hospitable).join(', '));
    assert.equal(source.count, 3);
    const john = source.bookings.find((b) => b.id === AIRBNB_STAY);
    assert.deepEqual([john?.guestName, john?.reservationCode, john?.phoneLast4, john?.email, john?.source], ['John Smith', 'HMABCD1234', '4821', 'john.smith@example.com', 'airbnb']);
    assert.deepEqual([...readAll(source).flatMap((result) => [...result.updates, ...result.alerts])], [], 'the same feeds again change nothing');
  });

  it('reads Booking.com\'s "CLOSED - Not available" as the reservations they are by default, each merged with the same stay on other channels', () => {
    const source = BookingSource.open({ unit: 'Apartment 4', source: 'airbnb', feeds: CHANNELS, clock });
    const [airbnb, bookingCom, vrbo] = readAll(source);
    assert.deepEqual(summary(airbnb), [`created ${AIRBNB_STAY}`]);
    // 10 July is Airbnb's stay (merged), 20 July Anna Berg, 1 August a reservation Vrbo then names.
    assert.deepEqual(summary(bookingCom), ['created b00k1ng-apt4-2@booking.com', 'created b00k1ng-apt4-3@booking.com']);
    assert.deepEqual(summary(vrbo), ['changed b00k1ng-apt4-3@booking.com']);
    assert.equal(source.count, 3);
    const maria = source.bookings.find((b) => b.id === 'b00k1ng-apt4-3@booking.com');
    assert.equal(maria?.guestName, 'Maria Santos');
    assert.equal(maria?.codeTo, undefined, 'Vrbo lists the stay too: the guest is not only Booking.com\'s');
    assert.equal(bookingCom.updates[0].booking.codeTo, 'host', 'Booking.com alone gives no way to reach Anna: her code goes to the host');
    assert.equal(source.bookings.find((b) => b.id === 'b00k1ng-apt4-2@booking.com')?.codeTo, undefined, 'the PMS lists her too');
  });

  it('alerts the host once about two guests on the same nights from two channels, and keeps both bookings', () => {
    const source = open();
    readAll(source);
    const doubled = fixture('apartment-booking-com.ics').replace(
      'END:VCALENDAR',
      'BEGIN:VEVENT\r\nUID:b00k1ng-apt4-9@booking.com\r\nDTSTART;VALUE=DATE:20260712\r\nDTEND;VALUE=DATE:20260715\r\nSUMMARY:CLOSED - Peter Pan\r\nEND:VEVENT\r\nEND:VCALENDAR',
    );
    const result = source.readFeed(doubled, 'booking.com');
    assert.deepEqual(summary(result), ['created b00k1ng-apt4-9@booking.com']);
    assert.equal(result.alerts.length, 1);
    const [alert] = result.alerts;
    assert.deepEqual([alert.kind, alert.severity, alert.topic], ['alert', 'critical', 'double-booking']);
    assert.match(alert.text, /Apartment 4/);
    assert.match(alert.text, /John Smith \(airbnb, 2026-07-10 to 2026-07-14\)/);
    assert.match(alert.text, /Peter Pan \(booking\.com, 2026-07-12 to 2026-07-15\)/);
    assert.equal(source.count, 4);

    assert.deepEqual(source.readFeed(doubled, 'booking.com').alerts, [], 'a poll does not repeat the alert');
    assert.deepEqual(open().readFeed(doubled, 'booking.com').alerts, [], 'nor does a restart');
  });

  it('cancels a stay only when no feed lists it any more, under the id it was announced with', () => {
    const source = open();
    readAll(source);
    const withoutJohn = (text: string, uid: string) => text.replace(new RegExp(`BEGIN:VEVENT\\r\\n(?:(?!END:VEVENT)[\\s\\S])*UID:${uid}[\\s\\S]*?END:VEVENT\\r\\n`), '');
    const airbnb = withoutJohn(fixture('apartment-airbnb.ics'), AIRBNB_STAY);
    assert.doesNotMatch(airbnb, /HMABCD1234/);
    // Hospitable still lists the stay: not cancelled, only without the phone digits Airbnb gave.
    assert.deepEqual(summary(source.readFeed(airbnb, 'airbnb')), [`changed ${AIRBNB_STAY}`]);
    assert.equal(source.bookings.find((b) => b.id === AIRBNB_STAY)?.phoneLast4, undefined);
    const hospitable = withoutJohn(fixture('apartment-hospitable.ics'), 'hosp-88001');
    assert.deepEqual(summary(source.readFeed(hospitable, 'hospitable')), [`cancelled ${AIRBNB_STAY}`]);
  });

  it('keeps the stays of a feed taken off the node until they are over, without cancelling them', () => {
    const stateFile = path.join(directory, 'state.json');
    readAll(open(CHANNELS, stateFile));
    const fewer = open(['airbnb', 'booking.com'], stateFile);
    assert.equal(fewer.count, 3);
    assert.deepEqual(summary(fewer.readFeed(fixture('apartment-airbnb.ics'), 'airbnb')), []);
    clock.advanceTo('2026-08-06T09:00:00Z');
    assert.deepEqual(summary(fewer.readFeed(fixture('apartment-airbnb.ics'), 'airbnb')), [], 'Maria\'s stay is over: forgotten, not cancelled');
    assert.doesNotMatch(fs.readFileSync(stateFile, 'utf8'), /Maria Santos/);
  });

  it('reads a version 1 state file: nothing is announced twice and a vanished booking is cancelled', () => {
    const stateFile = path.join(directory, 'old.json');
    const entry = (id: string, arrival: string, departure: string) => ({ booking: { id, unit: 'Apartment 4', source: 'airbnb', arrival, departure, summary: 'Reserved' }, misses: 0 });
    fs.writeFileSync(
      stateFile,
      JSON.stringify({
        version: 1,
        feed: { version: 1, bookings: [entry('ana', '2026-07-10', '2026-07-14'), entry('ben', '2026-07-20', '2026-07-23')] },
        messages: { version: 1, bookings: [{ id: 'direct', unit: 'Apartment 4', source: 'message', arrival: '2026-08-01', departure: '2026-08-03' }] },
      }),
    );
    const source = BookingSource.open({ unit: 'Apartment 4', source: 'airbnb', feeds: ['airbnb'], clock, stateFile });
    assert.equal(source.count, 3);
    assert.deepEqual(summary(source.readFeed(calendar(['ana', '20260710', '20260714', 'Reserved']), 'airbnb')), ['cancelled ben']);
    assert.equal(JSON.parse(fs.readFileSync(stateFile, 'utf8')).version, 2);
  });

  it('does not make a second booking of a PMS webhook for a stay a feed already lists', () => {
    const source = open();
    source.readFeed(fixture('apartment-airbnb.ics'), 'airbnb');
    const webhook = { event: 'reservation.updated', reservation: { _id: 'gy-1', checkIn: '2026-07-10', checkOut: '2026-07-14', confirmationCode: 'HMABCD1234', guest: { fullName: 'John Smith' } } };
    assert.deepEqual(summary(source.receive(webhook)), [`changed ${AIRBNB_STAY}`]);
    assert.equal(source.count, 1);
    assert.equal(source.bookings[0].guestName, 'John Smith');
    // The webhook says cancelled, but Airbnb still lists the stay: it stays, and the host is told why.
    const cancelled = source.receive({ event: 'reservation.canceled', reservation: { _id: 'gy-1' } });
    assert.deepEqual(summary(cancelled), [`changed ${AIRBNB_STAY}`]);
    assert.equal(cancelled.alerts[0]?.topic, 'booking');
    assert.match(cancelled.alerts[0]?.text ?? '', /still lists/);
  });
});
