import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFeed, readFeed } from '../lib/bookings/ical-feed';

const options = { unit: 'Room 101', source: 'airbnb' };

function fixture(name: string): string {
  return fs.readFileSync(path.join(__dirname, 'fixtures', 'feeds', name), 'utf8');
}

/** A calendar around the given event lines, with CRLF line ends as channels send them. */
function calendar(...events: string[][]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  for (const event of events) lines.push('BEGIN:VEVENT', ...event, 'END:VEVENT');
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function allDay(uid: string, start: string, end: string | undefined, summary: string): string[] {
  const lines = [`UID:${uid}`, `DTSTART;VALUE=DATE:${start}`];
  if (end) lines.push(`DTEND;VALUE=DATE:${end}`);
  lines.push(`SUMMARY:${summary}`);
  return lines;
}

describe('parseFeed', () => {
  describe('Airbnb', () => {
    it('reads reservations with the code and phone digits from a folded description, and skips Not available blocks', () => {
      const bookings = parseFeed(fixture('airbnb.ics'), options);
      assert.deepEqual(bookings, [
        {
          id: '1418fb94e984-4a3c8b1f2e7d0c9a6b5e4f3a2d1c0b9a@airbnb.com',
          unit: 'Room 101',
          source: 'airbnb',
          arrival: '2026-07-10',
          departure: '2026-07-14',
          summary: 'Reserved',
          reservationCode: 'HMABCD1234',
          phoneLast4: '4821',
        },
        {
          id: '1418fb94e984-0a1b2c3d4e5f60718293a4b5c6d7e8f9@airbnb.com',
          unit: 'Room 101',
          source: 'airbnb',
          arrival: '2026-07-25',
          departure: '2026-08-01',
          summary: 'Reserved',
          reservationCode: 'HMZXCV9876',
          phoneLast4: '0093',
        },
      ]);
    });
  });

  it('reads the guest name from a Vrbo "Reserved - name" summary and skips Blocked dates', () => {
    const bookings = parseFeed(fixture('vrbo.ics'), { unit: 'Beach house', source: 'vrbo' });
    assert.equal(bookings.length, 1);
    assert.equal(bookings[0].id, '4f0e2b6a-1c7d-4e59-9a2b-3c4d5e6f7a8b');
    assert.equal(bookings[0].guestName, 'Maria Santos');
    assert.equal(bookings[0].arrival, '2026-08-03');
    assert.equal(bookings[0].departure, '2026-08-08');
    assert.equal(bookings[0].unit, 'Beach house');
  });

  describe('Booking.com', () => {
    it('reads every "CLOSED - Not available" reservation as a stay whose code goes to the host, and "CLOSED - name" as the guest', () => {
      const bookings = parseFeed(fixture('booking-com.ics'), { unit: 'Room 2', source: 'booking.com' });
      assert.deepEqual(bookings.map((b) => [b.id, b.arrival, b.departure, b.guestName, b.codeTo]), [
        ['a1b2c3d4e5f6@booking.com', '2026-09-01', '2026-09-04', undefined, 'host'],
        ['f6e5d4c3b2a1@booking.com', '2026-09-05', '2026-09-09', 'Anna Berg', 'host'],
      ]);
    });

    it('knows a Booking.com feed by its PRODID or UIDs, whatever the host named it', () => {
      const byProdid = parseFeed(fixture('booking-com.ics'), { unit: 'Room 2', source: 'ota' });
      assert.equal(byProdid.length, 2);
      const byUid = calendar(allDay('998877@booking.com', '20260901', '20260904', 'CLOSED - Not available'));
      assert.deepEqual(parseFeed(byUid, { unit: 'Room 2', source: 'ota' }).map((b) => b.codeTo), ['host']);
    });

    it('reads "CLOSED - Not available" as blocks when the host says the feed\'s closed dates are theirs, and reports them', () => {
      const reading = readFeed(fixture('booking-com.ics'), { unit: 'Room 2', source: 'booking.com', closed: 'blocks' });
      assert.deepEqual(reading.bookings.map((b) => b.id), ['f6e5d4c3b2a1@booking.com']);
      assert.deepEqual(reading.skipped.map((s) => [s.uid, s.reason]), [['a1b2c3d4e5f6@booking.com', 'a block (dates closed, no guest)']]);
    });

    it('keeps "CLOSED - Not available" a block on any other channel\'s feed', () => {
      const other = calendar(allDay('x1', '20260901', '20260904', 'CLOSED - Not available'));
      assert.deepEqual(parseFeed(other, options), []);
    });
  });

  describe('Vrbo in other languages, Tripadvisor and PMS summaries', () => {
    const bookings = () => parseFeed(fixture('vrbo-localised.ics'), { unit: 'Casa Azul', source: 'vrbo' });

    it('reads the guest from "Réservée -", "Reservado -", "Reserviert -", "Reservada -", Tripadvisor and "Reservation <name>"', () => {
      assert.deepEqual(
        bookings().map((b) => [b.id, b.guestName]),
        [
          ['hav-1001', 'Claire Martin'],
          ['hav-1002', 'Lucía Gómez'],
          ['hav-1003', 'Jonas Weber'],
          ['hav-1009', 'John Smith'],
          ['hav-1010', 'Emma Stone'],
          ['hav-1011', 'Ana Sousa'],
        ],
      );
    });

    it('leaves out Indisponible, No disponible, Nicht verfügbar, Bloqueado, Bloqué and Blocked', () => {
      const ids = bookings().map((b) => b.id);
      for (const block of ['hav-1004', 'hav-1005', 'hav-1006', 'hav-1007', 'hav-1008', 'hav-1012']) assert.ok(!ids.includes(block), block);
    });
  });

  describe('PMS check-in and check-out events', () => {
    it('folds Smoobu-style check-in and check-out events into their stay instead of making extra bookings', () => {
      const bookings = parseFeed(fixture('smoobu.ics'), { unit: 'Flat 3', source: 'smoobu' });
      assert.deepEqual(bookings.map((b) => [b.id, b.arrival, b.departure]), [
        ['smoobu-38472913', '2026-07-10', '2026-07-14'],
        ['smoobu-38472988', '2026-07-14', '2026-07-17'],
      ]);
      const [anna, ben] = bookings;
      // The timed check-in and check-out give the all-day stay its times (15:00 and 10:00 in Berlin).
      assert.equal(anna.arrivalAt, '2026-07-10T13:00:00.000Z');
      assert.equal(anna.departureAt, '2026-07-14T08:00:00.000Z');
      assert.equal(ben.arrivalAt, undefined);
      assert.equal(ben.guestName, 'Ben Okafor');
    });

    it('reads the guest details a PMS writes: email, a whole phone number down to its last 4 digits, adults plus children, booking id', () => {
      const [anna] = parseFeed(fixture('smoobu.ics'), { unit: 'Flat 3', source: 'smoobu' });
      assert.equal(anna.guestName, 'Anna Berg');
      assert.equal(anna.email, 'anna.berg@example.com');
      assert.equal(anna.phoneLast4, '4567');
      assert.equal(anna.guests, 3);
      assert.equal(anna.reservationCode, '38472913');
    });

    it('makes one booking per stay of a feed with only check-in and check-out events', () => {
      const bookings = parseFeed(fixture('pms-checkins-only.ics'), { unit: 'Loft', source: 'guesty' });
      assert.deepEqual(bookings.map((b) => [b.id, b.guestName, b.arrival, b.departure]), [
        ['gy-5a1-in', 'Sofia Rossi', '2026-09-03', '2026-09-07'],
        ['gy-5a2-in', 'Tom Hill', '2026-09-07', '2026-09-10'],
      ]);
      const [sofia, tom] = bookings;
      assert.equal(sofia.reservationCode, 'GY-77812');
      assert.equal(sofia.guests, 2);
      assert.equal(tom.arrivalAt, '2026-09-07T14:00:00.000Z');
      assert.equal(tom.departureAt, '2026-09-10T09:00:00.000Z');
      assert.equal(tom.email, 'tom.hill@example.com');
    });

    it('pairs check-ins and check-outs that name nobody in date order', () => {
      const bookings = parseFeed(
        calendar(
          allDay('in-1', '20260703', '20260704', 'Check-in'),
          allDay('out-1', '20260706', '20260707', 'Check-out'),
          allDay('in-2', '20260706', '20260707', 'Check-in'),
          allDay('out-2', '20260709', '20260710', 'Checkout'),
        ),
        options,
      );
      assert.deepEqual(bookings.map((b) => [b.id, b.arrival, b.departure]), [
        ['in-1', '2026-07-03', '2026-07-06'],
        ['in-2', '2026-07-06', '2026-07-09'],
      ]);
    });

    it('still reads a stay of several nights whose summary starts with "Arrival" as a stay', () => {
      const [stay] = parseFeed(calendar(allDay('long', '20260710', '20260714', 'Arrival Anna Berg')), options);
      assert.deepEqual([stay.id, stay.arrival, stay.departure], ['long', '2026-07-10', '2026-07-14']);
    });
  });

  it('skips stays that ended before endedBefore and keeps the ones after', () => {
    const text = calendar(
      allDay('old', '20240101', '20240105', 'Reserved'),
      allDay('recent', '20260620', '20260625', 'Reserved'),
      allDay('next', '20260710', '20260714', 'Reserved'),
    );
    assert.deepEqual(parseFeed(text, { ...options, endedBefore: '2026-06-01' }).map((b) => b.id), ['recent', 'next']);
  });

  describe('timed events', () => {
    const bookings = () => parseFeed(fixture('timed-berlin.ics'), { unit: 'Flat 3', source: 'pms' });

    it('gives the days on the feed zone clocks and the exact instants from its VTIMEZONE', () => {
      const stay = bookings().find((b) => b.id === 'pms-5521');
      assert.ok(stay);
      assert.equal(stay.arrival, '2026-07-10');
      assert.equal(stay.departure, '2026-07-14');
      assert.equal(stay.arrivalAt, '2026-07-10T14:00:00.000Z');
      assert.equal(stay.departureAt, '2026-07-14T08:00:00.000Z');
    });

    it('moves the UTC offset across the October clock change', () => {
      const stay = bookings().find((b) => b.id === 'pms-5522');
      assert.ok(stay);
      assert.equal(stay.arrivalAt, '2026-10-24T13:00:00.000Z');
      assert.equal(stay.departureAt, '2026-10-26T10:00:00.000Z');
      assert.equal(stay.guestName, undefined);
    });

    it('reads guest, email, guest count and confirmation number from description lines', () => {
      const stay = bookings().find((b) => b.id === 'pms-5521');
      assert.ok(stay);
      assert.equal(stay.guestName, 'Jonas Weber');
      assert.equal(stay.email, 'jonas.weber@example.com');
      assert.equal(stay.guests, 3);
      assert.equal(stay.reservationCode, 'BK-5521');
    });

    it('keeps UTC times as instants and does not take a plain phrase for a guest name', () => {
      const stay = bookings().find((b) => b.id === 'pms-5523');
      assert.ok(stay);
      assert.equal(stay.arrival, '2026-08-20');
      assert.equal(stay.arrivalAt, '2026-08-20T23:00:00.000Z');
      assert.equal(stay.departureAt, '2026-08-23T09:00:00.000Z');
      assert.equal(stay.guestName, undefined);
    });

    it('uses X-WR-TIMEZONE to put UTC times on the property day', () => {
      const text = calendar(['UID:late', 'DTSTART:20260820T230000Z', 'DTEND:20260823T090000Z', 'SUMMARY:Stay']).replace(
        'VERSION:2.0',
        'VERSION:2.0\r\nX-WR-TIMEZONE:Europe/Lisbon',
      );
      const [stay] = parseFeed(text, options);
      assert.equal(stay.arrival, '2026-08-21');
      assert.equal(stay.arrivalAt, '2026-08-20T23:00:00.000Z');
    });

    it('converts an IANA TZID the feed does not define with the runtime zone database', () => {
      const text = calendar([
        'UID:ny',
        'DTSTART;TZID=America/New_York:20260710T160000',
        'DTEND;TZID=America/New_York:20260714T110000',
        'SUMMARY:Reserved',
      ]);
      const [stay] = parseFeed(text, options);
      assert.equal(stay.arrivalAt, '2026-07-10T20:00:00.000Z');
      assert.equal(stay.departureAt, '2026-07-14T15:00:00.000Z');
    });

    const floating = ['UID:f', 'DTSTART:20260710T160000', 'DTEND:20260714T110000', 'SUMMARY:Reserved'];

    it('reads floating times in the zone the host names for the listing', () => {
      const [stay] = parseFeed(calendar(floating), { ...options, timeZone: 'America/New_York' });
      assert.deepEqual([stay.arrival, stay.departure, stay.arrivalAt, stay.departureAt], ['2026-07-10', '2026-07-14', '2026-07-10T20:00:00.000Z', '2026-07-14T15:00:00.000Z']);
    });

    it('reads floating times in the feed\'s X-WR-TIMEZONE when the host names no zone', () => {
      const text = calendar(floating).replace('PRODID:-//StayKey test//EN', 'PRODID:-//StayKey test//EN\r\nX-WR-TIMEZONE:Europe/Lisbon');
      const [stay] = parseFeed(text, options);
      assert.deepEqual([stay.arrivalAt, stay.departureAt], ['2026-07-10T15:00:00.000Z', '2026-07-14T10:00:00.000Z']);
    });

    it('always gives instants for a timed stay, in the server\'s zone as the last resort, and across a DST change', () => {
      const [stay] = parseFeed(calendar(floating), options);
      assert.equal(typeof stay.arrivalAt, 'string');
      const [winter] = parseFeed(calendar(['UID:w', 'DTSTART:20261024T160000', 'DTEND:20261027T110000', 'SUMMARY:Reserved']), { ...options, timeZone: 'Europe/Berlin' });
      // Summer time ends on 25 October 2026: 16:00 is UTC+2, 11:00 two days later UTC+1.
      assert.deepEqual([winter.arrivalAt, winter.departureAt], ['2026-10-24T14:00:00.000Z', '2026-10-27T10:00:00.000Z']);
    });

    it('reads a TZID nobody knows as the listing\'s zone', () => {
      const [stay] = parseFeed(calendar(['UID:z', 'DTSTART;TZID=W. Europe Standard Time:20260710T160000', 'DTEND;TZID=W. Europe Standard Time:20260714T110000', 'SUMMARY:Reserved']), { ...options, timeZone: 'Europe/Berlin' });
      assert.deepEqual([stay.arrivalAt, stay.departureAt], ['2026-07-10T14:00:00.000Z', '2026-07-14T09:00:00.000Z']);
    });
  });

  describe('all-day events', () => {
    it('takes DTEND as the checkout day', () => {
      const [stay] = parseFeed(calendar(allDay('a', '20260710', '20260714', 'Reserved')), options);
      assert.deepEqual([stay.arrival, stay.departure], ['2026-07-10', '2026-07-14']);
    });

    it('reads an event without DTEND as one night', () => {
      const [stay] = parseFeed(calendar(allDay('a', '20261231', undefined, 'Reserved')), options);
      assert.deepEqual([stay.arrival, stay.departure], ['2026-12-31', '2027-01-01']);
    });

    it('reads DURATION when there is no DTEND', () => {
      const [stay] = parseFeed(calendar(['UID:d', 'DTSTART;VALUE=DATE:20260710', 'DURATION:P3D', 'SUMMARY:Reserved']), options);
      assert.equal(stay.departure, '2026-07-13');
    });

    it('skips events whose end is not after their start', () => {
      const bookings = parseFeed(calendar(allDay('back', '20260714', '20260710', 'Reserved'), allDay('same', '20260714', '20260714', 'Reserved')), options);
      assert.deepEqual(bookings, []);
    });
  });

  describe('copies of one UID', () => {
    it('takes the copy with the highest SEQUENCE, wherever it stands, and ignores RECURRENCE-ID overrides', () => {
      const reading = readFeed(
        calendar(
          ['SEQUENCE:2', ...allDay('dup', '20260711', '20260715', 'Reserved')],
          ['SEQUENCE:1', ...allDay('dup', '20260710', '20260714', 'Reserved')],
          ['RECURRENCE-ID;VALUE=DATE:20260711', ...allDay('dup', '20260801', '20260805', 'Reserved')],
        ),
        options,
      );
      assert.deepEqual(reading.bookings.map((b) => [b.arrival, b.departure]), [['2026-07-11', '2026-07-15']]);
      assert.deepEqual(reading.keep, []);
      assert.match(reading.skipped.map((s) => s.reason).join(), /listed 2 times/);
    });

    it('takes the latest DTSTAMP when the SEQUENCEs are equal', () => {
      const bookings = parseFeed(
        calendar(
          ['DTSTAMP:20260601T120000Z', ...allDay('dup', '20260712', '20260716', 'Reserved')],
          ['DTSTAMP:20260501T120000Z', ...allDay('dup', '20260710', '20260714', 'Reserved')],
        ),
        options,
      );
      assert.deepEqual(bookings.map((b) => b.arrival), ['2026-07-12']);
    });

    it('keeps the stay as it was when copies disagree and neither SEQUENCE nor DTSTAMP settles it', () => {
      const reading = readFeed(calendar(allDay('dup', '20260710', '20260714', 'Reserved'), allDay('dup', '20260711', '20260715', 'Reserved')), options);
      assert.deepEqual(reading.bookings, []);
      assert.deepEqual(reading.keep, ['dup']);
      assert.match(reading.skipped[0].reason, /disagree/);
    });

    it('takes identical copies as one stay', () => {
      const bookings = parseFeed(calendar(allDay('dup', '20260710', '20260714', 'Reserved'), allDay('dup', '20260710', '20260714', 'Reserved')), options);
      assert.equal(bookings.length, 1);
    });
  });

  describe('events that cannot be read', () => {
    const cases: [string, string[], RegExp][] = [
      ['DTEND before DTSTART', allDay('bad', '20260714', '20260710', 'Reserved'), /ends .* before it starts/],
      ['no DTSTART', ['UID:bad', 'DTEND;VALUE=DATE:20260714', 'SUMMARY:Reserved'], /has no DTSTART/],
      ['an impossible date', allDay('bad', '20260231', '20260305', 'Reserved'), /impossible DTSTART \(2026-02-31\)/],
      ['a date that is not a number', allDay('bad', '2026XX01', '20260305', 'Reserved'), /impossible DTSTART/],
      ['an impossible time', ['UID:bad', 'DTSTART:20260710T250000Z', 'DTEND:20260714T100000Z', 'SUMMARY:Reserved'], /impossible DTSTART/],
      ['the same day in and out', allDay('bad', '20260710', '20260710', 'Reserved'), /checkout is not after its arrival/],
    ];
    for (const [what, event, why] of cases) {
      it(`keeps the UID of an event with ${what}, says why, and reads the rest of the feed`, () => {
        const reading = readFeed(calendar(event, allDay('good', '20260720', '20260722', 'Reserved')), options);
        assert.deepEqual(reading.bookings.map((b) => b.id), ['good']);
        assert.deepEqual(reading.keep, ['bad']);
        assert.equal(reading.skipped.length, 1);
        assert.equal(reading.skipped[0].unreadable, true);
        assert.match(reading.skipped[0].reason, why);
      });
    }

    it('refuses a feed whose BEGIN:VEVENT and END:VEVENT do not pair up, since the unclosed event swallows the stays after it', () => {
      const good = calendar(allDay('a', '20260710', '20260714', 'Reserved'), allDay('b', '20260720', '20260722', 'Reserved'));
      const unclosed = good.replace('END:VEVENT\r\n', '');
      assert.throws(() => readFeed(unclosed, options), /feed is not valid iCal|feed is garbled/);
      // ical.js closes whatever is open on any END: without the second BEGIN, b's lines end the calendar early.
      const unopened = good.replace(/BEGIN:VEVENT\r\n(UID:b)/, '$1');
      assert.throws(() => readFeed(unopened, options), /feed is garbled: 1 BEGIN:VEVENT, 2 END:VEVENT/);
      const nested = good.replace('END:VEVENT\r\nBEGIN:VEVENT', 'BEGIN:VEVENT').replace('END:VCALENDAR', 'END:VEVENT\r\nEND:VCALENDAR');
      assert.throws(() => readFeed(nested, options), /feed is garbled: 2 BEGIN:VEVENT, 2 END:VEVENT and 1 events/);
    });

    it('holds every cancellation when an unreadable event has no UID (it could be any stay)', () => {
      const reading = readFeed(calendar(['DTSTART;VALUE=DATE:20260714', 'DTEND;VALUE=DATE:20260710', 'SUMMARY:Reserved'], allDay('good', '20260720', '20260722', 'Reserved')), options);
      assert.equal(reading.holdMissing, true);
      assert.deepEqual(reading.bookings.map((b) => b.id), ['good']);
    });

    it('counts every event, blocks and unreadable ones too, so only a calendar without events reads as empty', () => {
      const reading = readFeed(calendar(allDay('b', '20260710', '20260714', 'Airbnb (Not available)'), allDay('bad', '20260714', '20260710', 'Reserved')), options);
      assert.equal(reading.events, 2);
      assert.deepEqual(reading.bookings, []);
      assert.equal(readFeed(calendar(), options).events, 0);
    });

    it('reads a repeating stay once and says so', () => {
      const reading = readFeed(calendar(['RRULE:FREQ=WEEKLY;COUNT=3', ...allDay('weekly', '20260710', '20260712', 'Reserved')]), options);
      assert.deepEqual(reading.bookings.map((b) => [b.arrival, b.departure]), [['2026-07-10', '2026-07-12']]);
      assert.match(reading.skipped[0].reason, /repeats \(RRULE\)/);
    });
  });

  it('leaves out events a PMS marks STATUS:CANCELLED', () => {
    const bookings = parseFeed(calendar(['STATUS:CANCELLED', ...allDay('gone', '20260710', '20260714', 'Reserved')], allDay('kept', '20260720', '20260722', 'Reserved')), options);
    assert.deepEqual(bookings.map((b) => b.id), ['kept']);
  });

  it('reads a summary that is just a capitalised name as the guest, and keeps any other summary as a booking', () => {
    const bookings = parseFeed(calendar(allDay('n', '20260710', '20260714', 'Ana Sousa'), allDay('p', '20260720', '20260722', 'direct booking')), options);
    assert.equal(bookings.length, 2);
    assert.equal(bookings[0].guestName, 'Ana Sousa');
    assert.equal(bookings[1].guestName, undefined);
    assert.equal(bookings[1].summary, 'direct booking');
  });

  it('keeps only summaries starting with an include prefix and drops exclude prefixes, ignoring case', () => {
    const text = calendar(
      allDay('a', '20260710', '20260712', 'Reserved - Ana'),
      allDay('b', '20260712', '20260714', 'Owner stay'),
      allDay('c', '20260714', '20260716', 'RESERVED - Cleaning week'),
    );
    assert.deepEqual(parseFeed(text, { ...options, include: ['reserved'] }).map((b) => b.id), ['a', 'c']);
    assert.deepEqual(parseFeed(text, { ...options, exclude: ['owner', 'reserved - cleaning'] }).map((b) => b.id), ['a']);
  });

  describe('refuses bodies that are not a whole calendar', () => {
    const cases: [string, string, RegExp][] = [
      ['an empty body', '', /empty/],
      ['whitespace', '  \r\n ', /empty/],
      ['an HTML page', '<!DOCTYPE html><html><body>Sign in</body></html>', /web page/],
      ['text without BEGIN:VCALENDAR', 'BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n', /BEGIN:VCALENDAR/],
      ['a cut-off download', calendar(allDay('a', '20260710', '20260714', 'Reserved')).slice(0, 120), /cut off/],
      ['garbage between the calendar lines', 'BEGIN:VCALENDAR\r\nthis is not ical\r\nEND:VCALENDAR\r\n', /not valid iCal/],
    ];
    for (const [what, body, message] of cases) {
      it(`throws for ${what}`, () => {
        assert.throws(() => parseFeed(body, options), message);
      });
    }
  });

  it('reads an empty calendar as one with no events, which booking-source never takes as cancellations', () => {
    const reading = readFeed(calendar(), options);
    assert.deepEqual([reading.bookings, reading.events], [[], 0]);
  });

  it('reads a 5,000-event feed', () => {
    const events: string[][] = [];
    const start = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 5000; i++) {
      const day = (offset: number) => new Date(start + (i * 2 + offset) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
      events.push(allDay(`stay-${i}@example.com`, day(0), day(2), i % 10 === 0 ? 'Airbnb (Not available)' : `Reserved - Guest ${i}`));
    }
    const bookings = parseFeed(calendar(...events), options);
    assert.equal(bookings.length, 4500);
    assert.equal(bookings[4499].id, 'stay-4999@example.com');
    assert.equal(bookings[4499].summary, 'Reserved - Guest 4999');
  });
});
