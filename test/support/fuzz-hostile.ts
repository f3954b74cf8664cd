/**
 * Hostile values for the fuzz tests (test/fuzz-hostile.test.ts): what a stranger can put in a feed or a
 * message to hurt the process rather than to book a room. Names JavaScript keeps for itself as ids,
 * megabytes of blanks where a label's value should be, NUL bytes, lone surrogates, bytes that are not
 * UTF-8, lines of megabytes, tens of thousands of events, and values nested ten thousand deep.
 *
 * Each hostile feed is built from a good one, so a test can tell what must still hold: the good feed's
 * stays are still listed (the feed only carries odd text beside them), or the body is broken and must be
 * refused. Either way no stay may be cancelled.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { STAY_SUMMARIES } from './fuzz-feeds';

/** Names a node refuses as ids: as keys of a plain object they reach Object.prototype or find a function. */
export const RESERVED_IDS = ['__proto__', 'constructor', 'prototype'];
/** Names of Object.prototype's methods: ids like any other, which must stay data. */
export const METHOD_NAMES = ['hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];
export const HOSTILE_NAMES = [...RESERVED_IDS, ...METHOD_NAMES];

/**
 * Object.prototype and Array.prototype as they were when the watch was made: the same own properties
 * with the same values. A key set through `__proto__` on any object in the process shows up here.
 */
export class PrototypeWatch {
  private readonly before = PrototypeWatch.snapshot();

  private static snapshot(): Map<string, Map<string | symbol, PropertyDescriptor>> {
    const snapshot = new Map<string, Map<string | symbol, PropertyDescriptor>>();
    for (const [name, prototype] of [['Object.prototype', Object.prototype], ['Array.prototype', Array.prototype]] as const) {
      snapshot.set(name, new Map(Reflect.ownKeys(prototype).map((key) => [key, Object.getOwnPropertyDescriptor(prototype, key) as PropertyDescriptor])));
    }
    return snapshot;
  }

  /** `names`: property names the input used, which a plain object must still not have. */
  assertUnchanged(names: readonly string[] = []): void {
    const now = PrototypeWatch.snapshot();
    for (const [name, before] of this.before) {
      const after = now.get(name) as Map<string | symbol, PropertyDescriptor>;
      assert.deepEqual([...after.keys()].map(String), [...before.keys()].map(String), `${name} has the same own properties`);
      for (const [key, descriptor] of before) {
        const current = after.get(key) as PropertyDescriptor;
        for (const part of ['value', 'get', 'set', 'writable', 'enumerable', 'configurable'] as const) {
          assert.ok(Object.is(current[part], descriptor[part]), `${name}.${String(key)} is unchanged (${part})`);
        }
      }
    }
    const plain = {} as Record<string, unknown>;
    assert.equal(plain.x, undefined, '({}).x is undefined');
    for (const name of ['delivered', 'paid', 'idVerified', 'arrival', 'polluted', ...names]) {
      if (!(name in Object.prototype)) assert.equal(plain[name], undefined, `({}).${name} is undefined`);
    }
    assert.equal(Object.getPrototypeOf(plain), Object.prototype, 'a new object still has Object.prototype');
  }
}

// ---------------------------------------------------------------------------------------------
// Feeds

const MS_DAY = 86_400_000;
/** The fuzz tests' clock: 1 July 2026. */
const TODAY = Date.UTC(2026, 6, 1) / MS_DAY;

export interface GoodStay {
  uid: string;
  /** iCal days: 20260710. */
  arrival: string;
  departure: string;
  summary: string;
}

const icalDay = (dayNumber: number) => new Date(dayNumber * MS_DAY).toISOString().slice(0, 10).replace(/-/g, '');

/**
 * A stay ahead of the clock, two nights or more (a one-night "Check-in: ..." is a PMS's marker, not a
 * stay). Its UID is random, or now and then a name of Object.prototype's methods, which is an id too.
 */
const goodStay: fc.Arbitrary<GoodStay> = fc
  .record({
    uid: fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9]{10,16}$/).map((id) => `${id}@airbnb.com`) }, { weight: 1, arbitrary: fc.constantFrom(...METHOD_NAMES) }),
    start: fc.integer({ min: TODAY + 1, max: TODAY + 360 }),
    nights: fc.integer({ min: 2, max: 14 }),
    summary: fc.constantFrom(...STAY_SUMMARIES),
  })
  .map(({ uid, start, nights, summary }) => ({ uid, arrival: icalDay(start), departure: icalDay(start + nights), summary }));

export const goodStays: fc.Arbitrary<GoodStay[]> = fc.uniqueArray(goodStay, { minLength: 1, maxLength: 4, selector: (stay) => stay.uid });

/** One VEVENT; `summary` and `description` are written as given (already iCal text, or hostile on purpose). */
function eventLines(uid: string, arrival: string, departure: string, summary: string, description?: string, extra: string[] = []): string[] {
  const lines = ['BEGIN:VEVENT', 'DTSTAMP:20260601T090000Z', `UID:${uid}`, `DTSTART;VALUE=DATE:${arrival}`, `DTEND;VALUE=DATE:${departure}`, `SUMMARY:${summary}`];
  if (description !== undefined) lines.push(`DESCRIPTION:${description}`);
  lines.push(...extra, 'END:VEVENT');
  return lines;
}

function calendar(events: string[][], extra: string[] = []): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//StayKey fuzz//Hostile 1.0//EN', ...extra];
  for (const event of events) lines.push(...event);
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

export function goodFeed(stays: GoodStay[]): string {
  return calendar(stays.map((stay) => eventLines(stay.uid, stay.arrival, stay.departure, escapeText(stay.summary))));
}

/** The ways a run of blanks is written in iCal text: ical.js unfolds folds and unescapes `\n`. */
export type BlankKind = 'spaces' | 'tabs' | 'folds' | 'folds with tabs' | 'escaped new lines' | 'mixed';

/** `length` characters of blanks as they stand in the raw feed. */
export function blanks(kind: BlankKind, length: number): string {
  if (kind === 'spaces') return ' '.repeat(length);
  if (kind === 'tabs') return '\t'.repeat(length);
  // A fold is CRLF and one space or tab; the rest of the continuation line is more blanks.
  if (kind === 'folds') return `\r\n ${' '.repeat(72)}`.repeat(Math.ceil(length / 75));
  if (kind === 'folds with tabs') return `\r\n\t${'\t '.repeat(36)}`.repeat(Math.ceil(length / 75));
  if (kind === 'escaped new lines') return '\\n'.repeat(Math.ceil(length / 2));
  return ' \t\\n \t'.repeat(Math.ceil(length / 5));
}

/** The labels whose value guest-detail patterns read, and summaries a pattern looks into. */
const LABELS = ['Phone:', 'Guests:', 'E-mail:', 'Name:', 'Phone Number (Last 4 Digits):', 'Reservation code:', 'Adults:', 'Guest name:', 'Reserved -', 'Check-in:', 'Tripadvisor Rentals:', 'Reservation'];
/** What may follow the blanks: nothing, or the value the pattern hoped for, or the start of the next line. */
const TAILS = ['', '1234', '+49 170 1234 567', 'Ana Lima', 'guest@example.com', '3', 'HMABCDEF12', '\\nGuests: 2', 'x'];

/**
 * How long a run of blanks is: mostly short, often tens of kilobytes, now and then megabytes (which
 * once kept Node-RED busy for minutes). Escaped new lines are costlier for ical.js to unescape, so
 * they stay under 128 KB.
 */
const blankRun = fc
  .tuple(
    fc.constantFrom<BlankKind>('spaces', 'tabs', 'folds', 'folds with tabs', 'escaped new lines', 'mixed'),
    fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 4_000 }) }, { weight: 3, arbitrary: fc.integer({ min: 4_000, max: 100_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1_000_000, max: 2_000_000 }) }),
  )
  .map(([kind, length]) => ({ kind, length: kind === 'escaped new lines' ? Math.min(length, 128_000) : length }));

/** "Phone:" and a run of blanks, then maybe a value, maybe several times over. */
export const blankText = fc
  .tuple(fc.array(fc.tuple(fc.constantFrom(...LABELS), blankRun, fc.constantFrom(...TAILS)), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([parts, joined]) => parts.map(([label, run, tail]) => `${label}${blanks(run.kind, run.length)}${tail}`).join(joined ? '\\n' : ' '));

/** Text a pattern or a host's screen chokes on: NUL, lone surrogates, other control characters. */
const oddCharacters = fc.oneof(
  fc.constantFrom('\u0000', '\u0000'.repeat(1000), '\uD800', '\uDFFF', '\uDBFF\uDBFF', 'a\uDC00b', '\u2028', '\u2029', '\u001B[2J', '\uFFFE', '\uFEFF', '\u202E'),
  fc.string({ unit: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u0007', '\u007F', 'a', ' ', ':'), maxLength: 300 }),
);
export const oddText = fc.array(fc.oneof(oddCharacters, fc.constantFrom(...LABELS), fc.constantFrom(...TAILS)), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));

/** Byte sequences that are not UTF-8: a lone continuation byte, a cut sequence, an overlong slash, an encoded surrogate, 0xFF. */
const INVALID_UTF8 = [[0x80], [0xbf], [0xc3], [0xc3, 0x28], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xff], [0xfe, 0xff], [0x00]];
const invalidBytes = fc.array(fc.constantFrom(...INVALID_UTF8), { minLength: 1, maxLength: 40 }).map((runs) => Buffer.from(runs.flat()));

/** What a hostile feed is, so a test knows what must hold after it. */
export type HostileKind =
  | 'blanks in summary or description'
  | 'odd characters'
  | 'bytes that are not UTF-8'
  | 'a line of megabytes'
  | 'reserved UIDs'
  | 'thousands of events'
  | 'cut off'
  | 'empty calendar'
  | 'not a calendar'
  | 'a line that is no property';

export interface HostileFeed {
  kind: HostileKind;
  /** What the node is sent: iCal text, or bytes as an http request node without a charset hands them on. */
  payload: string | Buffer;
  /** Every stay of the good feed is still in it (only odd text beside it): a reader may refuse it, but must not lose one. */
  keepsStays: boolean;
}

/** Where in a stay's event the hostile text goes. */
const place = fc.constantFrom('summary', 'description', 'both');

function withText(stays: GoodStay[], index: number, where: string, text: string, description = text): string {
  return calendar(
    stays.map((stay, at) => {
      if (at !== index % stays.length) return eventLines(stay.uid, stay.arrival, stay.departure, escapeText(stay.summary));
      const summary = where === 'description' ? escapeText(stay.summary) : text;
      return eventLines(stay.uid, stay.arrival, stay.departure, summary, where === 'summary' ? undefined : description);
    }),
  );
}

/** A feed with `marker` in one stay's text, then `marker` replaced by bytes that are not UTF-8. */
function withBytes(stays: GoodStay[], index: number, where: string, bytes: Buffer): Buffer {
  const marker = '\u0001MARK\u0001';
  const [before, ...rest] = withText(stays, index, where, `Phone: ${marker}1234`, `Guests: ${marker}2\\nName: Ana ${marker}`).split(marker);
  const parts: Buffer[] = [Buffer.from(before, 'utf8')];
  for (const part of rest) parts.push(bytes, Buffer.from(part, 'utf8'));
  return Buffer.concat(parts);
}

/** Events long over (years of history, skipped unread) and blocks: many, and none a current stay. */
function manyEvents(count: number, seed: number): string[][] {
  return Array.from({ length: count }, (_, index) => {
    const start = TODAY - 3000 + ((index * 7 + seed) % 2000);
    if (index % 5 === 4) return eventLines(`block-${seed}-${index}@airbnb.com`, icalDay(TODAY + (index % 300)), icalDay(TODAY + (index % 300) + 2), 'Airbnb (Not available)');
    return eventLines(`past-${seed}-${index}@airbnb.com`, icalDay(start), icalDay(start + 3), 'Reserved');
  });
}

/** A feed as fast-check prints a failing one: what it is, how long, how it starts (not megabytes of it). */
function described(feed: HostileFeed): HostileFeed {
  const size = Buffer.isBuffer(feed.payload) ? `${feed.payload.length} bytes` : `${feed.payload.length} characters`;
  const start = JSON.stringify(feed.payload.toString().slice(0, 300));
  Object.defineProperty(feed, fc.toStringMethod, { value: () => `${feed.kind} (${size}): ${start}...`, enumerable: false });
  return feed;
}

/**
 * A hostile feed made from the good feed of `stays`. `maxEvents`: how many events "thousands of
 * events" adds at most (ical.js reads about 5,000 a second on a loaded CI machine).
 */
export function hostileFeed(stays: GoodStay[], maxEvents = 3_000): fc.Arbitrary<HostileFeed> {
  const good = goodFeed(stays);
  const at = fc.nat();
  const keeps = (kind: HostileKind, payload: string | Buffer): HostileFeed => described({ kind, payload, keepsStays: true });
  const broken = (kind: HostileKind, payload: string | Buffer): HostileFeed => described({ kind, payload, keepsStays: false });
  const lastEnd = good.lastIndexOf('END:VCALENDAR');
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(blankText, at, place, fc.boolean()).map(([text, index, where, asBytes]) => keeps('blanks in summary or description', bytesOrText(withText(stays, index, where, text), asBytes))) },
    { weight: 2, arbitrary: fc.tuple(oddText, at, place).map(([text, index, where]) => keeps('odd characters', withText(stays, index, where, text))) },
    { weight: 2, arbitrary: fc.tuple(invalidBytes, at, place).map(([bytes, index, where]) => keeps('bytes that are not UTF-8', withBytes(stays, index, where, bytes))) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: 100_000, max: 3_000_000 }), fc.constantFrom('X-LONG:', 'DESCRIPTION:', 'X-WR-CALDESC:'), fc.constantFrom('x', '9', 'é', '\u0000')).map(([length, name, unit]) => {
        const line = `${name}${unit.repeat(length)}`;
        const lines = good.split('\r\n');
        // After the first VEVENT's UID line, or in the calendar's head.
        const where = name === 'X-WR-CALDESC:' ? 3 : lines.findIndex((each) => each.startsWith('UID:')) + 1;
        lines.splice(where, 0, line);
        return keeps('a line of megabytes', lines.join('\r\n'));
      }),
    },
    {
      weight: 2,
      arbitrary: fc.array(fc.tuple(fc.constantFrom(...HOSTILE_NAMES), fc.integer({ min: 1, max: 300 }), fc.constantFrom('Reserved', 'Jonas Weber', 'Not available')), { minLength: 1, maxLength: 4 }).map((extra) => {
        const events = stays.map((stay) => eventLines(stay.uid, stay.arrival, stay.departure, escapeText(stay.summary)));
        // A method's name the good feed already uses as a UID would be a second copy of that stay: left out.
        const taken = new Set(stays.map((stay) => stay.uid));
        for (const [uid, offset, summary] of extra) if (!taken.has(uid)) events.push(eventLines(uid, icalDay(TODAY + offset), icalDay(TODAY + offset + 3), summary));
        return keeps('reserved UIDs', calendar(events));
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.integer({ min: Math.min(500, maxEvents), max: maxEvents }), fc.nat(1000)).map(([count, seed]) =>
        keeps('thousands of events', calendar([...stays.map((stay) => eventLines(stay.uid, stay.arrival, stay.departure, escapeText(stay.summary))), ...manyEvents(count, seed)])),
      ),
    },
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: lastEnd + 'END:VCALENDA'.length }), fc.boolean()).map(([cut, asBytes]) => broken('cut off', bytesOrText(good.slice(0, cut), asBytes))) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('', ' ', '\r\n', '\uFEFF', '\u0000', 'BEGIN:VCALENDAR\r\nEND:VCALENDAR', 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n', calendar([], ['X-WR-CALNAME:Room 101']), ' '.repeat(300_000), '\t\r\n'.repeat(100_000))
        .map((text) => broken('empty calendar', text)),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom('<!DOCTYPE html><html><body>Please log in</body></html>', '{"__proto__": {"polluted": true}}', '[]', 'null', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
      ).map((payload) => broken('not a calendar', payload)),
    },
    {
      weight: 1,
      // A property line replaced by noise with neither ":" nor ";": no line of a calendar looks like that.
      arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom('x', ' ', '\u0000', '\uD800', '=', 'é', '-'), minLength: 1, maxLength: 60 }), at).map(([noise, index]) => {
        const lines = good.split('\r\n');
        const properties = lines.map((line, number) => ({ line, number })).filter(({ line }) => /^(DTSTAMP|DTSTART|DTEND|SUMMARY|VERSION|PRODID)/.test(line));
        // Starting with a letter: a line starting with a blank would be read as the previous line's continuation.
        lines[properties[index % properties.length].number] = `x${noise}`;
        return broken('a line that is no property', lines.join('\r\n'));
      }),
    },
  );
}

function bytesOrText(text: string, asBytes: boolean): string | Buffer {
  return asBytes ? Buffer.from(text, 'utf8') : text;
}

/**
 * One structure line lost or doubled: `BEGIN:VEVENT` dropped, `END:VEVENT` written twice. The calendar
 * no longer nests; a reader that takes it as a calendar loses every event after the damage.
 */
export function unbalancedFeed(stays: GoodStay[]): fc.Arbitrary<string> {
  const lines = goodFeed(stays).split('\r\n');
  return fc.tuple(fc.nat(), fc.constantFrom('drop BEGIN:VEVENT', 'double END:VEVENT', 'drop END:VEVENT')).map(([index, how]) => {
    const wanted = how === 'drop BEGIN:VEVENT' ? 'BEGIN:VEVENT' : 'END:VEVENT';
    const at = lines.map((line, number) => (line === wanted ? number : -1)).filter((number) => number >= 0);
    const copy = lines.slice();
    const number = at[index % at.length];
    if (how === 'double END:VEVENT') copy.splice(number, 0, 'END:VEVENT');
    else copy.splice(number, 1);
    return copy.join('\r\n');
  });
}

// ---------------------------------------------------------------------------------------------
// Messages

const NESTED = new WeakMap<object, { depth: number; shape: 'array' | 'object' | 'mixed' }>();

function isArrayLevel(shape: 'array' | 'object' | 'mixed', level: number): boolean {
  return shape === 'array' || (shape === 'mixed' && level % 2 === 0);
}

function keyAt(level: number): string {
  return level % 3 === 0 ? 'toString' : 'next';
}

/** "x" inside `depth` arrays or objects (some keys named toString), built without recursion. */
export function nested(depth: number, shape: 'array' | 'object' | 'mixed'): object {
  let value: unknown = 'x';
  for (let level = 0; level < depth; level++) value = isArrayLevel(shape, level) ? [value] : { [keyAt(level)]: value };
  const outer = value as object;
  NESTED.set(outer, { depth, shape });
  // fast-check prints a failing input by walking it, which a value this deep overflows the stack of.
  Object.defineProperty(outer, fc.toStringMethod, { value: () => `nested(${depth}, '${shape}')`, enumerable: false });
  return outer;
}

/** The JSON text of a value `nested` made, written out directly: JSON.stringify overflows the stack on it. */
function nestedJson(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  let open = '';
  let close = '';
  const opens: string[] = [];
  const closes: string[] = [];
  for (let level = depth - 1; level >= 0; level--) {
    opens.push(isArrayLevel(shape, level) ? '[' : `{"${keyAt(level)}":`);
    closes.push(isArrayLevel(shape, level) ? ']' : '}');
  }
  return `${opens.join('')}"x"${closes.reverse().join('')}`;
}

/** `value` as JSON text, as an http-in node hands it on; deep values and `__proto__` keys included. */
export function toJson(value: unknown): string {
  const deepValues: string[] = [];
  const text = JSON.stringify(value, function (this: unknown, _key, inner: unknown) {
    const made = inner && typeof inner === 'object' ? NESTED.get(inner) : undefined;
    if (!made) return inner;
    deepValues.push(nestedJson(made.depth, made.shape));
    return `\u0000deep-${deepValues.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000deep-(\d+)\\u0000"/g, (_match, index: string) => deepValues[Number(index)]);
}

/** Built once: values this deep take a while to make, and nothing may change them. */
const DEEP_VALUES = [nested(1_000, 'mixed'), ...(['array', 'object', 'mixed'] as const).map((shape) => nested(10_000, shape))];
const deep = fc.constantFrom(...DEEP_VALUES);

/** Ids and names: a method's name, a reserved name (alone or with blanks around it), or a plain id. */
const hostileName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom(...RESERVED_IDS).map((name) => ` ${name}\t`) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z0-9]{4,10}$/) },
);

/** A flags object whose keys are hostile, each an own property (as JSON.parse makes `__proto__`). */
const hostileFlags = fc.uniqueArray(fc.tuple(hostileName, fc.oneof(fc.boolean(), deep)), { maxLength: 3, selector: ([name]) => name }).map((entries) => {
  const flags: Record<string, unknown> = {};
  for (const [name, value] of entries) Object.defineProperty(flags, name, { value, enumerable: true, writable: true, configurable: true });
  return flags;
});

/**
 * A booking message with hostile values: ids, unit and flag names JavaScript keeps for itself, fields
 * nested ten thousand deep, megabyte strings. Some are otherwise good, so the hostile part is what is
 * tested, not a missing date.
 */
/** Mostly `value`, now and then a value nested ten thousand deep in its place. */
const orDeep = (value: fc.Arbitrary<unknown>) => fc.oneof({ weight: 5, arbitrary: value }, { weight: 1, arbitrary: deep });

export const hostileBooking: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    {
      id: orDeep(hostileName),
      uid: orDeep(hostileName),
      reservationCode: orDeep(hostileName),
      unit: orDeep(fc.oneof(hostileName, fc.constant('Room 101'))),
      units: orDeep(fc.array(fc.oneof(hostileName, fc.constant('Room 101')), { maxLength: 3 })),
      flags: orDeep(hostileFlags),
      guestName: orDeep(fc.constantFrom(' '.repeat(1_000_000), `Ana${'\u0000'.repeat(1000)}`, '\uD800', 'Zoë')),
      guests: orDeep(fc.constant(2)),
      arrival: orDeep(fc.constant('2026-07-10')),
      departure: orDeep(fc.constant('2026-07-14')),
      status: orDeep(fc.constantFrom('confirmed', 'cancelled')),
    },
    { requiredKeys: ['arrival', 'departure'] },
  )
  .map((booking) => booking as Record<string, unknown>);

/** Whether a field of the booking (or of its flags) is a value `nested` made. */
export function holdsDeepValue(booking: Record<string, unknown>): boolean {
  const flags = booking.flags && typeof booking.flags === 'object' ? Object.values(booking.flags) : [];
  return [...Object.values(booking), ...flags].some((value) => value !== null && typeof value === 'object' && NESTED.has(value));
}

/** The names a hostile booking used, for PrototypeWatch to look for on a plain object. */
export function namesIn(value: unknown): string[] {
  const names = new Set<string>();
  let current: unknown[] = [value];
  for (let level = 0; level < 4 && current.length > 0; level++) {
    const next: unknown[] = [];
    for (const item of current) {
      if (typeof item === 'string' && item.length < 40) names.add(item.trim());
      if (item && typeof item === 'object') for (const key of Object.keys(item)) {
        names.add(key);
        next.push((item as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return [...names];
}
