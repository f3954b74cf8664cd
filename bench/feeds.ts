/**
 * Feed ingest: an Airbnb-style calendar read into bookings and compared with what the feed said last
 * time (FeedTracker.apply), beside ical.js's and node-ical's parse of the same text. Two readings: a
 * poll, which booking-source makes every interval with the last fetch remembered (FeedMemory), and
 * a first read (parseFeed, nothing remembered: after a start, or once a day when the oldest stays kept
 * move on).
 */
import ICAL from 'ical.js';
import * as ical from 'node-ical';
import { parseFeed, FeedOptions, readFeedEvents } from '../lib/bookings/ical-feed';
import { FeedMemory } from '../lib/bookings/feed-memory';
import { FeedTracker, FeedTrackerState } from '../lib/bookings/feed-tracker';
import { ManualClock } from '../lib/time/clock';
import { measureInTurn, round, Timing, trial } from './measure';

export interface FeedSettings {
  sizes: number[];
  runs: number;
  warmups: number;
}

export interface FeedSizeResult {
  events: number;
  bytes: number;
  expected: { bookings: number; created: number; changed: number; cancelled: number };
  /** A poll: FeedMemory.read with the previous fetch remembered, then FeedTracker.apply. */
  pollAndDiff: Timing;
  /** A first read: parseFeed + FeedTracker.apply against the previous version of the feed. */
  ingestAndDiff: Timing;
  /** parseFeed alone, to tell parsing from diffing. */
  parseOnly: Timing;
  /** FeedTracker.apply alone, on bookings parsed outside the timing. */
  diffOnly: Timing;
  /** node-ical sync.parseICS on the same text. */
  nodeIcal: Timing;
  /** ical.js's raw ICAL.parse of the same text: the floor for any reader that keeps ical.js. */
  icalParse: Timing;
  /** pollAndDiff / nodeIcal; under 1 is faster than node-ical. */
  ratio: number;
  /** pollAndDiff / icalParse. */
  pollIcalRatio: number;
  /** ingestAndDiff (the first read) / icalParse. */
  icalRatio: number;
  /** The hostile feed of the same number of events (see hostileFeed). */
  hostile: { bytes: number; ingest: Timing; icalParse: Timing; ratio: number };
}

export interface FeedResults {
  sizes: FeedSizeResult[];
  /** Largest feed's time / smallest feed's time, beside the ratio of their sizes (4 when linear); `ratio` is the poll's. */
  linearity: { ratio: number; firstReadRatio: number; sizeRatio: number; diffRatio: number; icalParseRatio: number };
}

const OPTIONS: FeedOptions = { unit: 'Beach house', source: 'airbnb' };
/** Every stay in the generated feeds is after this, so a stay missing from the feed is a cancellation. */
const NOW = '2026-07-01T00:00:00Z';
const FIRST_ARRIVAL = Date.UTC(2026, 7, 1);
const DAY_MS = 86_400_000;

export async function benchFeeds(settings: FeedSettings): Promise<FeedResults> {
  const sizes: FeedSizeResult[] = [];
  for (const events of settings.sizes) sizes.push(await benchFeedSize(events, settings));
  const smallest = sizes[0];
  const largest = sizes[sizes.length - 1];
  return {
    sizes,
    linearity: {
      ratio: round(largest.pollAndDiff.medianMs / smallest.pollAndDiff.medianMs),
      firstReadRatio: round(largest.ingestAndDiff.medianMs / smallest.ingestAndDiff.medianMs),
      sizeRatio: largest.events / smallest.events,
      diffRatio: round(largest.diffOnly.medianMs / smallest.diffOnly.medianMs),
      icalParseRatio: round(largest.icalParse.medianMs / smallest.icalParse.medianMs),
    },
  };
}

async function benchFeedSize(events: number, settings: FeedSettings): Promise<FeedSizeResult> {
  const feed = feedPair(events);
  const primed = primedTracker(feed.before);
  const clock = new ManualClock(NOW);
  const checkChanges = (changes: ReturnType<FeedTracker['apply']>) => {
    const got = { created: changes.created.length, changed: changes.changed.length, cancelled: changes.cancelled.length };
    const want = { created: feed.expected.created, changed: feed.expected.changed, cancelled: feed.expected.cancelled };
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(`feed of ${events} events: expected changes ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  };
  const poll = trial({
    setup: () => ({ tracker: FeedTracker.fromJSON(primed, { clock }), memory: memoryOf(feed.before) }),
    run: ({ tracker, memory }) => tracker.apply(memory.read(feed.now, OPTIONS, readFeedEvents).bookings),
    check: checkChanges,
  });
  const ingest = trial({
    setup: () => FeedTracker.fromJSON(primed, { clock }),
    run: (tracker) => tracker.apply(parseFeed(feed.now, OPTIONS)),
    check: checkChanges,
  });
  const parseAlone = trial({
    setup: () => feed.now,
    run: (text) => parseFeed(text, OPTIONS),
    check: (bookings) => expectCount('parseFeed bookings', bookings.length, feed.expected.bookings),
  });
  const baseline = trial({
    setup: () => feed.now,
    run: (text) => ical.sync.parseICS(text),
    check: (calendar) => {
      const vevents = Object.values(calendar).filter((component) => component?.type === 'VEVENT').length;
      expectCount('node-ical VEVENTs', vevents, events);
    },
  });
  const parsedNow = parseFeed(feed.now, OPTIONS);
  const diffAlone = trial({
    setup: () => ({ tracker: FeedTracker.fromJSON(primed, { clock }), bookings: parsedNow.map((booking) => ({ ...booking })) }),
    run: ({ tracker, bookings }) => tracker.apply(bookings),
    check: (changes) => expectCount('diff changes', changes.created.length + changes.changed.length + changes.cancelled.length, feed.expected.created + feed.expected.changed + feed.expected.cancelled),
  });
  const rawParse = trial({
    setup: () => feed.now,
    run: (text) => ICAL.parse(text),
    check: (parsed) => expectCount('ICAL.parse VEVENTs', veventsIn(parsed), events),
  });
  const hostile = hostileFeed(events);
  const hostileIngest = trial({
    setup: () => hostile,
    run: (text) => parseFeed(text, OPTIONS),
    check: (bookings) => expectCount('hostile feed bookings', bookings.length, events),
  });
  const hostileParse = trial({
    setup: () => hostile,
    run: (text) => ICAL.parse(text),
    check: (parsed) => expectCount('ICAL.parse hostile VEVENTs', veventsIn(parsed), events),
  });
  const [pollAndDiff, ingestAndDiff, parseOnly, diffOnly, nodeIcal, icalParse, hostileTime, hostileIcal] = await measureInTurn(
    [poll, ingest, parseAlone, diffAlone, baseline, rawParse, hostileIngest, hostileParse],
    settings,
  );
  return {
    events,
    bytes: Buffer.byteLength(feed.now),
    expected: feed.expected,
    pollAndDiff,
    ingestAndDiff,
    parseOnly,
    diffOnly,
    nodeIcal,
    icalParse,
    ratio: round(pollAndDiff.medianMs / nodeIcal.medianMs),
    pollIcalRatio: round(pollAndDiff.medianMs / icalParse.medianMs),
    icalRatio: round(ingestAndDiff.medianMs / icalParse.medianMs),
    hostile: { bytes: Buffer.byteLength(hostile), ingest: hostileTime, icalParse: hostileIcal, ratio: round(hostileTime.medianMs / parseOnly.medianMs) },
  };
}

/** VEVENTs in what ICAL.parse returns: [name, properties, components] for the one calendar. */
function veventsIn(parsed: unknown): number {
  const calendar = (Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed[0] : parsed) as [string, unknown[], [string][]];
  return calendar[2].filter((component) => component[0] === 'vevent').length;
}

function expectCount(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: expected ${want}, got ${got}`);
}

/** A feed's memory after reading `text`, as booking-source holds it between two polls. */
function memoryOf(text: string): FeedMemory {
  const memory = new FeedMemory();
  memory.read(text, OPTIONS, readFeedEvents);
  return memory;
}

function primedTracker(before: string): FeedTrackerState {
  const tracker = new FeedTracker({ clock: new ManualClock(NOW) });
  tracker.apply(parseFeed(before, OPTIONS));
  return tracker.toJSON();
}

interface FeedPair {
  /** The feed as the channel serves it now. */
  now: string;
  /** The same feed one fetch earlier. */
  before: string;
  expected: { bookings: number; created: number; changed: number; cancelled: number };
}

/**
 * `events` VEVENTs now: one in ten a block, 2% of stays with a later checkout than before, 1% new
 * since the last fetch; the earlier feed also holds 1% stays that are gone now (cancelled).
 */
export function feedPair(events: number): FeedPair {
  const now: string[] = [];
  const before: string[] = [];
  const expected = { bookings: 0, created: 0, changed: 0, cancelled: 0 };
  for (let i = 0; i < events; i++) {
    const stay = stayAt(i);
    if (!stay.block) expected.bookings += 1;
    now.push(vevent(stay, stay.extended));
    if (stay.isNew) {
      expected.created += 1;
      continue;
    }
    if (stay.extended) expected.changed += 1;
    before.push(vevent(stay, false));
  }
  for (let i = events; i < events + Math.floor(events / 100); i++) {
    before.push(vevent({ ...stayAt(i), block: false }, false));
    expected.cancelled += 1;
  }
  return { now: calendar(now), before: calendar(before), expected };
}

interface Stay {
  index: number;
  block: boolean;
  extended: boolean;
  isNew: boolean;
}

function stayAt(index: number): Stay {
  return { index, block: index % 10 === 5, extended: index % 50 === 1, isNew: index % 100 === 2 };
}

function calendar(events: string[]): string {
  const head = ['BEGIN:VCALENDAR', 'PRODID;X-RICAL-TZSOURCE=TZINFO:-//Airbnb Inc//Hosting Calendar 1.0//EN', 'CALSCALE:GREGORIAN', 'VERSION:2.0'];
  return `${head.join('\r\n')}\r\n${events.join('')}END:VCALENDAR\r\n`;
}

function vevent(stay: Stay, extended: boolean): string {
  const arrival = FIRST_ARRIVAL + stay.index * 3 * DAY_MS;
  const nights = 1 + (stay.index % 2) + (extended ? 1 : 0);
  const uid = `${hex(stay.index * 7919 + 17, 12)}-${hex(stay.index, 32)}@airbnb.com`;
  const lines = [
    'BEGIN:VEVENT',
    `DTEND;VALUE=DATE:${icalDay(arrival + nights * DAY_MS)}`,
    `DTSTART;VALUE=DATE:${icalDay(arrival)}`,
    `UID:${uid}`,
  ];
  if (stay.block) lines.push('SUMMARY:Airbnb (Not available)');
  else {
    const code = `HM${hex(stay.index * 31 + 7, 8).toUpperCase()}`;
    const phone = String(1000 + (stay.index % 9000));
    lines.push(`DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/${code}\\nPhone Number (Last 4 Digits): ${phone}`);
    lines.push('SUMMARY:Reserved');
  }
  lines.push('END:VEVENT');
  return lines.map(fold).join('\r\n') + '\r\n';
}

/** RFC 5545 folds lines longer than 75 octets; Airbnb's DESCRIPTION always is. */
function fold(line: string): string {
  if (line.length <= 75) return line;
  const parts = [line.slice(0, 75)];
  for (let at = 75; at < line.length; at += 74) parts.push(` ${line.slice(at, at + 74)}`);
  return parts.join('\r\n');
}

function icalDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

function hex(seed: number, length: number): string {
  let text = '';
  let value = seed >>> 0;
  while (text.length < length) {
    value = (Math.imul(value ^ (value >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    text += value.toString(16).padStart(8, '0');
  }
  return text.slice(0, length);
}

/**
 * A feed of `events` stays, about the size in bytes of the normal feed, written to trip the readers:
 * runs of blanks after every label ("Phone:" and dozens of spaces), lines folded every few octets
 * (deep folding), labels with no value, and one event in four hundred with a description far past the
 * readers' cap (20 KB of "Name:" and blanks). Every event is still a good stay, so a reader that
 * gives up on the text early must still find every booking.
 */
export function hostileFeed(events: number): string {
  const body: string[] = [];
  for (let i = 0; i < events; i++) body.push(hostileEvent(i));
  return calendar(body);
}

function hostileEvent(index: number): string {
  const arrival = FIRST_ARRIVAL + index * 3 * DAY_MS;
  const blanks = ' '.repeat(16 + (index % 16));
  const huge = index % 400 === 7 ? `\\n${`Name:${' '.repeat(120)}\t`.repeat(160)}` : '';
  const description = `Phone:${blanks}\\nGuest name:${blanks}x\\n${'\t'.repeat(20)}:${blanks}${huge}`;
  const lines = [
    'BEGIN:VEVENT',
    `DTSTART;VALUE=DATE:${icalDay(arrival)}`,
    `DTEND;VALUE=DATE:${icalDay(arrival + 2 * DAY_MS)}`,
    `UID:hostile-${hex(index, 16)}@example.com`,
    `SUMMARY:Reserved -${' '.repeat(20)}Anna${' '.repeat(20)}`,
  ];
  const folded = [...lines.map(fold), foldEvery(`DESCRIPTION:${description}`, 8), 'END:VEVENT'];
  return folded.join('\r\n') + '\r\n';
}

/** Folds a line every `width` octets: legal RFC 5545, and the deepest folding a reader will meet. */
function foldEvery(line: string, width: number): string {
  const parts = [line.slice(0, width)];
  for (let at = width; at < line.length; at += width) parts.push(` ${line.slice(at, at + width)}`);
  return parts.join('\r\n');
}
