/**
 * FeedMemory reads again only the events whose lines changed since the last fetch (issue 17). Every
 * reading it gives must be the one a fresh read of the same text gives: generated sequences of
 * fetches (events added, changed, dropped, listed twice; the calendar's zone and time zones changed;
 * settings changed; feeds laid out oddly, garbled or cut off) are read both ways and compared, in
 * place and as the worker thread hands its events over.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { FeedEvents, FeedOptions, portableEvents, readFeed, readFeedEvents } from '../lib/bookings/ical-feed';
import { FeedMemory, splitFeed } from '../lib/bookings/feed-memory';
import { CalendarEvent, readStays } from '../lib/bookings/stays';
import { fuzzParameters } from './support/fuzz';

interface FeedEvent {
  uid: string | undefined;
  start: string;
  end: string;
  summary: string;
  description: string | undefined;
  extra: readonly string[];
}

const OPTIONS: FeedOptions = { unit: 'Room 101', source: 'airbnb' };

const VTIMEZONE = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/Paris',
  'BEGIN:STANDARD',
  'DTSTART:19701025T030000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'TZOFFSETFROM:+0200',
  'TZOFFSETTO:+0100',
  'END:STANDARD',
  'BEGIN:DAYLIGHT',
  'DTSTART:19700329T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0200',
  'END:DAYLIGHT',
  'END:VTIMEZONE',
];

/** Lines an event may carry beside its dates: the ones that change how it reads, and hostile ones. */
const extraLines = fc.constantFrom(
  [],
  ['STATUS:CANCELLED'],
  ['RECURRENCE-ID;VALUE=DATE:20260710'],
  ['RRULE:FREQ=WEEKLY;COUNT=2'],
  ['SEQUENCE:1', 'DTSTAMP:20260102T000000Z'],
  ['SEQUENCE:0', 'DTSTAMP:20260101T000000Z'],
  ['DURATION:P2D'],
  ['BEGIN:VALARM', 'ACTION:DISPLAY', 'TRIGGER:-PT1H', 'END:VALARM'],
  ['X-NOTE:BEGIN:VEVENT'],
  ['DESCRIPTION:first', ' END:VEVENT folded into a description'],
  ['X-EMPTY:'],
);

const feedEvent: fc.Arbitrary<FeedEvent> = fc.record({
  uid: fc.constantFrom(undefined, 'a@airbnb.com', 'b@airbnb.com', 'c@airbnb.com', 'd@booking.com', '__proto__', 'e\u0000f'),
  start: fc.constantFrom('DTSTART;VALUE=DATE:20260710', 'DTSTART:20260710T150000Z', 'DTSTART:20260710T160000', 'DTSTART;TZID=Europe/Paris:20260710T160000', 'DTSTART;VALUE=DATE:20260231'),
  end: fc.integer({ min: 10, max: 14 }).map((day) => `DTEND;VALUE=DATE:202607${day}`),
  summary: fc.constantFrom('Reserved', 'Airbnb (Not available)', 'Check-in: Anna Berg', 'Check-out: Anna Berg', 'CLOSED - Not available', 'Reserved - Claire Martin', ''),
  description: fc.constantFrom(undefined, 'Phone: +33 6 12 34 56 78\\nLanguage: fr', 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABC123\\nPhone Number (Last 4 Digits): 4821', `Name:${' '.repeat(300)}x`),
  extra: extraLines,
});

function eventLines(event: FeedEvent): string[] {
  const lines = ['BEGIN:VEVENT'];
  if (event.uid !== undefined) lines.push(`UID:${event.uid}`);
  lines.push(event.start, event.end, `SUMMARY:${event.summary}`);
  if (event.description !== undefined) lines.push(`DESCRIPTION:${event.description}`);
  lines.push(...event.extra, 'END:VEVENT');
  return lines;
}

/** How the calendar around the events is written: its zone, its time zones, and odd layouts. */
interface Layout {
  zone: string | undefined;
  timezones: boolean;
  /** Where the VTIMEZONE goes: before the events, or after them. */
  timezonesLast: boolean;
  odd: 'none' | 'lower-case' | 'folded-edge' | 'blank-before-edge' | 'cut-off' | 'unclosed-event' | 'second-calendar' | 'lf-only' | 'nested-event';
}

const layout: fc.Arbitrary<Layout> = fc.record({
  zone: fc.constantFrom(undefined, 'America/New_York', 'Pacific/Kiritimati'),
  timezones: fc.boolean(),
  timezonesLast: fc.boolean(),
  odd: fc.oneof(
    { weight: 6, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constantFrom('lower-case', 'folded-edge', 'blank-before-edge', 'cut-off', 'unclosed-event', 'second-calendar', 'lf-only', 'nested-event') },
  ),
});

function feedText(events: FeedEvent[], shape: Layout): string {
  const head = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey test//EN'];
  if (shape.zone) head.push(`X-WR-TIMEZONE:${shape.zone}`);
  const zones = shape.timezones ? VTIMEZONE : [];
  const body = events.map(eventLines);
  if (body.length > 0 && shape.odd === 'lower-case') body[0][0] = 'begin:vevent';
  if (body.length > 0 && shape.odd === 'folded-edge') body[0].splice(1, 0, ' X');
  if (body.length > 0 && shape.odd === 'blank-before-edge') body[0][0] = ' BEGIN:VEVENT';
  if (body.length > 0 && shape.odd === 'unclosed-event') body[0].pop();
  if (body.length > 1 && shape.odd === 'nested-event') body[0].splice(1, 0, ...body.pop()!);
  let lines = [...head, ...(shape.timezonesLast ? [] : zones), ...body.flat(), ...(shape.timezonesLast ? zones : []), 'END:VCALENDAR'];
  if (shape.odd === 'second-calendar') lines = [...lines, 'BEGIN:VCALENDAR', 'END:VCALENDAR'];
  if (shape.odd === 'cut-off') lines = lines.slice(0, Math.max(1, lines.length - 3));
  return `${lines.join(shape.odd === 'lf-only' ? '\n' : '\r\n')}\r\n`;
}

/** A reading as text, or the error it gives: the two ways must agree on both. */
function outcome(read: () => unknown): string {
  try {
    return JSON.stringify(read());
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** The events as a worker thread sends them: made portable, then copied by structured clone. */
function throughWorker(text: string, options: FeedOptions): FeedEvents {
  return structuredClone(portableEvents(readFeedEvents(text, options)));
}

describe('feed memory: a poll reads only what changed, and reads it as a fresh read does', () => {
  it('gives the reading of a fresh read for every fetch of generated sequences (in place and through the worker)', () => {
    const fetch = fc.record({
      events: fc.array(feedEvent, { maxLength: 7 }),
      layout,
      endedBefore: fc.constantFrom(undefined, undefined, undefined, '2026-07-12'),
      timeZone: fc.constantFrom(undefined, undefined, 'Europe/Lisbon'),
    });
    fc.assert(
      fc.property(fc.array(fetch, { minLength: 1, maxLength: 6 }), (fetches) => {
        const inPlace = new FeedMemory();
        const viaWorker = new FeedMemory();
        let last: FeedEvent[] = [];
        for (const next of fetches) {
          // Mostly the last fetch again with a change or two, as a channel serves it.
          const events = next.events.length > 0 ? [...last.slice(0, 3), ...next.events.slice(0, 2), ...last.slice(3)] : last;
          last = events;
          const options: FeedOptions = { ...OPTIONS, endedBefore: next.endedBefore, timeZone: next.timeZone };
          const text = feedText(events, next.layout);
          const fresh = outcome(() => readFeed(text, options));
          assert.equal(outcome(() => inPlace.read(text, options, readFeedEvents)), fresh, text);
          assert.equal(outcome(() => viaWorker.read(text, options, throughWorker)), fresh, text);
        }
      }),
      fuzzParameters(300),
    );
  });

  it('reads only the changed event again, and nothing when the feed is the same', () => {
    const memory = new FeedMemory();
    const events = ['a', 'b', 'c'].map((uid, index) => stay(uid, 10 + index));
    const asked: string[] = [];
    const reader = (text: string, options: FeedOptions) => {
      asked.push(text);
      return readFeedEvents(text, options);
    };
    memory.read(calendarOf(events), OPTIONS, reader);
    assert.equal(countEvents(asked[0]), 3);
    const reading = memory.read(calendarOf([events[0], stay('b', 20), events[2]]), OPTIONS, reader);
    assert.equal(countEvents(asked[1]), 1, 'only the changed event is read again');
    assert.match(asked[1], /UID:b/);
    assert.deepEqual(reading.bookings.map((booking) => `${booking.id} ${booking.arrival}`), ['a 2026-07-10', 'b 2026-07-20', 'c 2026-07-12']);
    memory.read(calendarOf([events[0], stay('b', 20), events[2]]), OPTIONS, reader);
    assert.equal(asked.length, 2, 'the same feed again is not parsed at all');
  });

  it('keeps the last good fetch remembered when a fetch fails, and starts afresh when the settings change', () => {
    const memory = new FeedMemory();
    const events = [stay('a', 10), stay('b', 12)];
    let parsed = 0;
    const reader = (text: string, options: FeedOptions) => {
      parsed += countEvents(text);
      return readFeedEvents(text, options);
    };
    memory.read(calendarOf(events), OPTIONS, reader);
    assert.throws(() => memory.read(calendarOf(events).slice(0, -20), OPTIONS, reader), /cut off/);
    assert.throws(() => memory.read('<html>sign in</html>', OPTIONS, reader), /web page/);
    memory.read(calendarOf(events), OPTIONS, reader);
    assert.equal(parsed, 2, 'the failed fetches did not spoil what was remembered');
    memory.read(calendarOf(events), { ...OPTIONS, endedBefore: '2026-07-01' }, reader);
    assert.equal(parsed, 4, 'other settings: every event is read again');
  });

  it('reads an event listed twice with the same lines as a fresh read does, across polls', () => {
    const memory = new FeedMemory();
    const older = stay('a', 10, ['SEQUENCE:0']);
    const newer = stay('a', 11, ['SEQUENCE:1']);
    for (const events of [[older, older], [older, newer], [newer, older, older], [older]]) {
      const text = calendarOf(events);
      assert.equal(outcome(() => memory.read(text, OPTIONS, throughWorker)), outcome(() => readFeed(text, OPTIONS)));
    }
  });
});

describe('splitFeed', () => {
  it('splits a plain feed into its events and the rest, the time zones included', () => {
    const text = ['BEGIN:VCALENDAR', 'X-WR-TIMEZONE:Europe/Paris', ...VTIMEZONE, ...stayLines('a', 10), ...stayLines('b', 12), 'END:VCALENDAR', ''].join('\r\n');
    const shape = splitFeed(text);
    assert.ok(shape);
    assert.equal(shape.events.length, 2);
    assert.ok(shape.events[0].startsWith('BEGIN:VEVENT\r\nUID:a') && shape.events[0].endsWith('END:VEVENT\r\n'));
    assert.equal(shape.context, ['BEGIN:VCALENDAR', 'X-WR-TIMEZONE:Europe/Paris', ...VTIMEZONE, 'END:VCALENDAR', ''].join('\r\n'));
    assert.equal(shape.context.slice(0, shape.firstAt).endsWith('END:VTIMEZONE\r\n'), true);
  });

  it('leaves a feed laid out oddly to a whole read', () => {
    const plain = eventLinesOf([stay('a', 10)]);
    const odd: [string, string[]][] = [
      ['lower case', ['begin:vevent', ...plain.slice(1)]],
      ['parameters on BEGIN', ['BEGIN;X=1:VEVENT', ...plain.slice(1)]],
      ['a blank before BEGIN', [' BEGIN:VEVENT', ...plain.slice(1)]],
      ['a no-break space after END', [...plain.slice(0, -1), 'END:VEVENT\u00a0']],
      ['a line folded onto END', [...plain, ' X']],
      ['a line folded onto BEGIN', [plain[0], ' X', ...plain.slice(1)]],
      ['a nested event', [plain[0], ...plain, ...plain.slice(1)]],
      ['an event never closed', plain.slice(0, -1)],
      ['an END:VEVENT alone', ['END:VEVENT', ...plain]],
      ['an unknown component in lower case', ['begin:x-thing', 'end:x-thing', ...plain]],
    ];
    for (const [what, lines] of odd) {
      assert.equal(splitFeed(['BEGIN:VCALENDAR', ...lines, 'END:VCALENDAR', ''].join('\r\n')), undefined, what);
    }
    assert.equal(splitFeed(`BEGIN:VCALENDAR\r\n${plain.join('\r\n')}\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n`), undefined, 'two calendars');
    assert.equal(splitFeed(`BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\n${plain.join('\r\n')}\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n`), undefined, 'an event inside a time zone');
    assert.ok(splitFeed(`BEGIN:VCALENDAR\r\n${plain.join('\r\n')}\r\nEND:VCALENDAR\r\n`), 'the plain one is split');
  });

  it('splits megabytes of blanks and folds in one pass', () => {
    const long = `DESCRIPTION:${' '.repeat(2_000_000)}x`;
    const folded = Array.from({ length: 200_000 }, () => ' ab').join('\r\n');
    const text = ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', long, 'X-LONG:start', folded, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const shape = splitFeed(text);
    assert.equal(shape?.events.length, 1);
  });
});

function stay(uid: string, day: number, extra: readonly string[] = []): FeedEvent {
  return { uid, start: `DTSTART;VALUE=DATE:202607${day}`, end: `DTEND;VALUE=DATE:202607${day + 2}`, summary: 'Reserved', description: undefined, extra };
}

function stayLines(uid: string, day: number): string[] {
  return eventLines(stay(uid, day));
}

function eventLinesOf(events: FeedEvent[]): string[] {
  return events.flatMap(eventLines);
}

/** A plain calendar of `events`. */
function calendarOf(events: FeedEvent[]): string {
  return feedText(events, { zone: undefined, timezones: false, timezonesLast: false, odd: 'none' });
}

function countEvents(text: string): number {
  return text.split('BEGIN:VEVENT').length - 1;
}

describe('readStays with UIDs known to be unique', () => {
  it('gives what the reading by id gives, markers and stays without a UID included', () => {
    const point = fc.integer({ min: 1, max: 20 }).map((day) => ({ day: `2026-07-${String(day).padStart(2, '0')}` }));
    const calendarEvent = fc.record({
      hasUid: fc.boolean(),
      summary: fc.constantFrom('Reserved', 'Check-in: Anna', 'Check-out: Anna', 'Airbnb (Not available)', 'Reserved - Bo'),
      description: fc.constantFrom('', 'Reservation code: HMX1', 'Guests: 3'),
      start: point,
      nights: fc.integer({ min: 0, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(calendarEvent, { maxLength: 12 }), fc.constantFrom(undefined, '2026-07-08'), (list, endedBefore) => {
        const events: CalendarEvent[] = list.map((event, index) => {
          const end = { day: `2026-07-${String(Number(event.start.day.slice(8)) + event.nights).padStart(2, '0')}` };
          return { ...(event.hasUid ? { uid: `uid-${index}` } : {}), summary: event.summary, description: event.description, start: event.start, end };
        });
        const options = { unit: 'Room 101', source: 'airbnb', endedBefore };
        assert.deepEqual(readStays(events, options, { uidsUnique: true }), readStays(events, options));
      }),
      fuzzParameters(300),
    );
  });
});

describe('feed memory: finding the last fetch\'s events', () => {
  function counting() {
    const asked: number[] = [];
    const reader = (text: string, options: FeedOptions) => {
      asked.push(countEvents(text));
      return readFeedEvents(text, options);
    };
    return { asked, reader };
  }
  const many = Array.from({ length: 60 }, (_, index) => stay(`s${index}`, 10 + (index % 15)));

  it('finds every event after a long run is dropped or the feed is sorted anew, and reads none of them again', () => {
    const memory = new FeedMemory();
    const { asked, reader } = counting();
    memory.read(calendarOf(many), OPTIONS, reader);
    const dropped = [...many.slice(25), stay('new', 20)];
    assert.equal(outcome(() => memory.read(calendarOf(dropped), OPTIONS, reader)), outcome(() => readFeed(calendarOf(dropped), OPTIONS)));
    const reversed = [...dropped].reverse();
    assert.equal(outcome(() => memory.read(calendarOf(reversed), OPTIONS, reader)), outcome(() => readFeed(calendarOf(reversed), OPTIONS)));
    assert.deepEqual(asked, [60, 1], 'the reversed feed is not parsed at all');
  });

  it('reads again an event moved far from where it stood, with the same reading', () => {
    const memory = new FeedMemory();
    const { asked, reader } = counting();
    memory.read(calendarOf(many), OPTIONS, reader);
    const moved = [many[59], ...many.slice(0, 59)];
    assert.equal(outcome(() => memory.read(calendarOf(moved), OPTIONS, reader)), outcome(() => readFeed(calendarOf(moved), OPTIONS)));
    assert.deepEqual(asked, [60, 1]);
  });
});

describe('feed memory: what a poll hands out', () => {
  it('hands out bookings of its own: changing one downstream changes nothing the next poll reads', () => {
    const memory = new FeedMemory();
    const text = calendarOf([stay('a', 10), stay('b', 12)]);
    const first = memory.read(text, OPTIONS, readFeedEvents);
    first.bookings[0].arrival = '1999-01-01';
    (first.bookings[1] as { guestName?: string }).guestName = 'Mallory';
    assert.equal(outcome(() => memory.read(text, OPTIONS, readFeedEvents)), outcome(() => readFeed(text, OPTIONS)));
  });

  it('follows a UID that moves from one event to another between polls', () => {
    const memory = new FeedMemory();
    const fetches = [
      [stay('a', 10), stay('b', 12)],
      [stay('a', 10), stay('a', 14)],
      [stay('b', 12), stay('a', 14)],
      [stay('b', 12), stay('a', 14), stay('b', 16)],
      [stay('a', 14), stay('b', 16)],
    ];
    for (const events of fetches) {
      const text = calendarOf(events);
      assert.equal(outcome(() => memory.read(text, OPTIONS, readFeedEvents)), outcome(() => readFeed(text, OPTIONS)));
    }
  });
});
