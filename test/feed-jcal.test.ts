/**
 * Issue 17 reads plain events straight from ICAL.parse's jCal arrays and leaves the rest to ical.js's
 * Component/Property/Time objects. Both readers must give exactly the same reading. An event with a
 * DURATION beside its DTEND goes through ical.js's objects (which then ignore the DURATION, as RFC
 * 5545 has DTEND win), so each generated feed is read twice, once each way, and compared.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { readFeed, FeedOptions } from '../lib/bookings/ical-feed';
import { Booking, bookingDiffers } from '../lib/bookings/booking';
import { fuzzParameters } from './support/fuzz';

interface GeneratedEvent {
  uid: string | undefined;
  start: string;
  end: string;
  summary: string;
  description: string | undefined;
  cancelled: boolean;
  recurrence: boolean;
  repeats: boolean;
  sequence: number | undefined;
  stamp: string | undefined;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** DTSTART/DTEND lines: all-day, UTC or floating, with dates real, impossible or at the edges. */
const dateLine = fc
  .record({
    kind: fc.constantFrom('date', 'utc', 'floating'),
    year: fc.constantFrom(999, 1000, 2024, 2026, 2100),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31)),
    hour: fc.oneof(fc.integer({ min: 0, max: 24 }), fc.constant(16)),
    minute: fc.constantFrom(0, 30, 59, 60),
    second: fc.constantFrom(0, 1, 59, 60),
  })
  .map(({ kind, year, month, day, hour, minute, second }) => {
    const date = `${pad(year, 4)}${pad(month)}${pad(day)}`;
    if (kind === 'date') return `;VALUE=DATE:${date}`;
    return `:${date}T${pad(hour)}${pad(minute)}${pad(second)}${kind === 'utc' ? 'Z' : ''}`;
  });

const plainDates = fc.constantFrom([';VALUE=DATE:20260710', ';VALUE=DATE:20260714'], [':20260710T150000Z', ':20260714T100000Z'], [':20260710T160000', ':20260714T110000']);

const event: fc.Arbitrary<GeneratedEvent> = fc.record({
  uid: fc.constantFrom(undefined, 'stay-1@airbnb.com', 'stay-2@airbnb.com', 'stay-3@booking.com', '   ', '__proto__'),
  start: dateLine,
  end: dateLine,
  summary: fc.constantFrom('Reserved', 'Airbnb (Not available)', 'Check-in: Anna Berg', 'Check-out: Anna Berg', 'Reserved - Claire Martin', '', 'CLOSED - Not available', 'Blocked'),
  description: fc.constantFrom(undefined, 'Phone: +33 6 12 34 56 78\\nLanguage: fr', 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABC123\\nPhone Number (Last 4 Digits): 4821'),
  cancelled: fc.boolean(),
  recurrence: fc.boolean(),
  repeats: fc.boolean(),
  sequence: fc.constantFrom(undefined, 0, 1, 2),
  stamp: fc.constantFrom(undefined, '20260101T000000Z', '20260102T000000Z', '20260101T000000'),
});

/** Mostly plain dates, so most events take the jCal path; the generated ones find its edges. */
const events = fc.array(
  fc.oneof(
    event,
    fc.tuple(event, plainDates).map(([generated, [start, end]]) => ({ ...generated, start, end, cancelled: false, recurrence: false })),
  ),
  { minLength: 1, maxLength: 8 },
);

function eventLines(generated: GeneratedEvent, throughIcalObjects: boolean): string[] {
  const lines = ['BEGIN:VEVENT'];
  if (generated.uid !== undefined) lines.push(`UID:${generated.uid}`);
  lines.push(`DTSTART${generated.start}`, `DTEND${generated.end}`, `SUMMARY:${generated.summary}`);
  if (generated.description !== undefined) lines.push(`DESCRIPTION:${generated.description}`);
  if (generated.cancelled) lines.push('STATUS:CANCELLED');
  if (generated.recurrence) lines.push('RECURRENCE-ID;VALUE=DATE:20260710');
  if (generated.repeats) lines.push('RRULE:FREQ=WEEKLY;COUNT=2');
  if (generated.sequence !== undefined) lines.push(`SEQUENCE:${generated.sequence}`);
  if (generated.stamp !== undefined) lines.push(`DTSTAMP:${generated.stamp}`);
  if (throughIcalObjects) lines.push('DURATION:P1D');
  lines.push('END:VEVENT');
  return lines;
}

function feed(list: GeneratedEvent[], zone: string | undefined, throughIcalObjects: boolean): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  if (zone) lines.push(`X-WR-TIMEZONE:${zone}`);
  for (const generated of list) lines.push(...eventLines(generated, throughIcalObjects));
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function reading(text: string, options: FeedOptions): string {
  try {
    return JSON.stringify(readFeed(text, options));
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

describe('feed ingest: the jCal reader and ical.js objects agree', () => {
  it('reads every generated feed (dates real and impossible, UTC, floating, all-day; duplicates, cancellations, repeats) the same both ways', () => {
    fc.assert(
      fc.property(
        events,
        fc.constantFrom(undefined, 'America/New_York', 'Pacific/Kiritimati'),
        fc.constantFrom(undefined, 'Europe/Lisbon'),
        fc.constantFrom(undefined, '2026-01-01'),
        (list, calendarZone, timeZone, endedBefore) => {
          const options: FeedOptions = { unit: 'Room 101', source: 'airbnb', timeZone, endedBefore };
          const plain = reading(feed(list, calendarZone, false), options);
          const objects = reading(feed(list, calendarZone, true), options);
          assert.equal(plain, objects);
        },
      ),
      fuzzParameters(400),
    );
  });

  it('reads a plain feed with bookings at all (the comparison is not between two empty readings)', () => {
    const list: GeneratedEvent[] = [
      { uid: 'stay-1@airbnb.com', start: ':20260710T150000Z', end: ':20260714T100000Z', summary: 'Reserved - Claire Martin', description: 'Language: fr', cancelled: false, recurrence: false, repeats: false, sequence: undefined, stamp: undefined },
    ];
    const plain = readFeed(feed(list, 'Europe/Paris', false), { unit: 'Room 101', source: 'airbnb' });
    assert.deepEqual(plain.bookings, [
      {
        id: 'stay-1@airbnb.com',
        unit: 'Room 101',
        source: 'airbnb',
        arrival: '2026-07-10',
        departure: '2026-07-14',
        arrivalAt: '2026-07-10T15:00:00.000Z',
        departureAt: '2026-07-14T10:00:00.000Z',
        summary: 'Reserved - Claire Martin',
        guestName: 'Claire Martin',
        language: 'fr',
      },
    ]);
  });

  it('keeps a summary seen on a one-night check-in marker a stay on a four-night event', () => {
    const list: GeneratedEvent[] = [
      { uid: 'marker@pms', start: ';VALUE=DATE:20260710', end: ';VALUE=DATE:20260711', summary: 'Check-in: Anna Berg', description: undefined, cancelled: false, recurrence: false, repeats: false, sequence: undefined, stamp: undefined },
      { uid: 'stay@pms', start: ';VALUE=DATE:20260801', end: ';VALUE=DATE:20260805', summary: 'Check-in: Anna Berg', description: undefined, cancelled: false, recurrence: false, repeats: false, sequence: undefined, stamp: undefined },
    ];
    const bookings = readFeed(feed(list, undefined, false), { unit: 'Room 101', source: 'pms' }).bookings;
    assert.deepEqual(bookings.map((booking) => booking.id), ['stay@pms']);
  });
});

describe('bookingDiffers', () => {
  /** What it answered before issue 17: the JSON of each booking's fields sorted by name. */
  const byJson = (a: Booking, b: Booking) => {
    const canonical = (booking: Booking) => JSON.stringify(Object.keys(booking).sort().map((key) => [key, (booking as unknown as Record<string, unknown>)[key]]));
    return canonical(a) !== canonical(b);
  };
  const base: Booking = { id: 'b1', unit: 'Room 101', source: 'airbnb', arrival: '2026-07-10', departure: '2026-07-14' };

  it('gives the same answer as comparing the JSON of the sorted fields, for fields reordered, added, emptied or nested', () => {
    const field = fc.constantFrom('summary', 'guestName', 'guests', 'flags', 'units', 'departure', 'language');
    const value = fc.constantFrom<unknown>(undefined, null, 'Anna', 'anna', 2, Number.NaN, Number.POSITIVE_INFINITY, { paid: true }, { paid: false }, ['Room 101'], ['Room 102']);
    const booking = fc.array(fc.tuple(field, value), { maxLength: 4 }).chain((fields) =>
      fc.boolean().map((reversed) => {
        const entries: [string, unknown][] = [...Object.entries(base), ...fields];
        return Object.fromEntries(reversed ? entries.reverse() : entries) as unknown as Booking;
      }),
    );
    fc.assert(
      fc.property(booking, booking, (a, b) => {
        assert.equal(bookingDiffers(a, b), byJson(a, b));
      }),
      fuzzParameters(1000),
    );
  });

  it('tells a later checkout, and not a reordered copy', () => {
    assert.equal(bookingDiffers(base, { ...base, departure: '2026-07-15' }), true);
    const reordered = { departure: base.departure, arrival: base.arrival, source: base.source, unit: base.unit, id: base.id };
    assert.equal(bookingDiffers(base, reordered), false);
  });
});
