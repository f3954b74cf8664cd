/**
 * Remembers one feed's last fetch event by event, so the next poll reads again only the events whose
 * lines changed. A channel serves the whole calendar every time, and between two polls a few events
 * change at most: ical.js's parse of the whole text was most of a poll's cost (docs/benchmarks.md,
 * issue 17).
 *
 * An event's reading depends on its own lines, on the calendar around it (its X-WR-TIMEZONE, PRODID,
 * time zones) and on the host's settings; it is taken from memory only when all three are the same
 * as last time, so every reading is the one a fresh read gives (test/feed-memory.test.ts compares
 * them on generated and hostile feeds). A feed that is not laid out plainly (see splitFeed) is read
 * whole, as before, and nothing of it is remembered.
 */
import { checkFeedText, EventEntry, FeedEvents, FeedOptions, FeedReading, readingOf } from './ical-feed';
import { isReservedId } from '../ids';
import type { EventFacts } from './stays';
import { serverTimeZone } from '../time/zoned';

/** A feed split into its VEVENTs and the rest (see splitFeed). */
export interface FeedShape {
  /** Everything outside the VEVENTs: the calendar's own lines and its time zones. */
  context: string;
  /** Each VEVENT's lines, BEGIN:VEVENT to END:VEVENT and its line break, in feed order. */
  events: string[];
  /** Where in `context` the first VEVENT stood (-1 without any). */
  firstAt: number;
}

/** What a poll must read: `text` (none when every event is remembered), then `finish` with what it read. */
export interface FeedPlan {
  text: string | undefined;
  finish: (read: FeedEvents | undefined) => FeedReading;
}

interface Remembered {
  settings: string;
  context: string;
  calendar: FeedEvents['calendar'];
  /** The last fetch's events' lines, in feed order, and what each was read as. */
  events: string[];
  entries: KeptEntry[];
}

/** An event as remembered, and the poll that last listed it (to tell which left the feed). */
interface KeptEntry extends EventEntry {
  seenIn: number;
}

export class FeedMemory {
  private last: Remembered | undefined;
  private polls = 0;
  private readonly owners = new UidOwners();
  /** What the stays' reading found per event (see EventFacts); an event no longer listed drops out. */
  private readonly facts: EventFacts = new WeakMap();

  /**
   * The part of `text` to read, and how to turn what was read into the feed's reading. Throws, as a
   * read would, when `text` is not a whole calendar. The memory changes only when `finish` runs: a
   * fetch that fails to read leaves the last good one remembered.
   */
  plan(text: string, options: FeedOptions): FeedPlan {
    checkFeedText(text, options);
    const shape = splitFeed(text);
    if (!shape) return { text, finish: (read) => this.forgetAfter(readingOf(required(read), options)) };
    const settings = settingsKey(options);
    const last = this.last?.settings === settings && this.last.context === shape.context ? this.last : undefined;
    const known: (KeptEntry | undefined)[] = last ? matchEvents(shape.events, last) : shape.events.map(() => undefined);
    const unread = shape.events.filter((_, index) => known[index] === undefined);
    const remember = (calendar: FeedEvents['calendar'], fresh: EventEntry[]) => this.remember(shape, known, fresh, { options, settings, calendar });
    if (last && unread.length === 0) return { text: undefined, finish: () => remember(last.calendar, []) };
    const partial = unread.length === shape.events.length ? text : withEvents(shape, unread);
    return { text: partial, finish: (read) => remember(required(read).calendar, required(read).entries) };
  }

  /** Reads `text` on this thread: for tests, benchmarks, and callers without a worker. */
  read(text: string, options: FeedOptions, readEvents: (text: string, options: FeedOptions) => FeedEvents): FeedReading {
    const plan = this.plan(text, options);
    return plan.finish(plan.text === undefined ? undefined : readEvents(plan.text, options));
  }

  private forgetAfter(reading: FeedReading): FeedReading {
    this.last = undefined;
    return reading;
  }

  /** `known`: each event's entry from the last fetch, if any; `fresh`: the others', read now, in feed order. */
  private remember(
    shape: FeedShape,
    known: (KeptEntry | undefined)[],
    fresh: EventEntry[],
    feed: { options: FeedOptions; settings: string; calendar: FeedEvents['calendar'] },
  ): FeedReading {
    const poll = ++this.polls;
    const inOrder: KeptEntry[] = [];
    const added: KeptEntry[] = [];
    let reusedTwice = false;
    for (const [index, event] of shape.events.entries()) {
      let entry = known[index];
      if (entry) reusedTwice ||= entry.seenIn === poll;
      else added.push((entry = keptEntry(fresh[added.length], event)));
      entry.seenIn = poll;
      inOrder.push(entry);
    }
    if (added.length !== fresh.length) throw new Error(`feed is garbled: ${added.length} new events but ${fresh.length} read; keeping the last good bookings`);
    const gone = this.last && known.some(Boolean) ? this.last.entries.filter((entry) => entry.seenIn !== poll) : undefined;
    const uidsUnique = this.owners.update(inOrder, reusedTwice ? undefined : gone, added);
    try {
      const reading = readingOf({ calendar: feed.calendar, entries: inOrder }, feed.options, { facts: this.facts, uidsUnique });
      this.last = { settings: feed.settings, context: shape.context, calendar: feed.calendar, events: shape.events, entries: inOrder };
      return reading;
    } catch (err) {
      // The owners already follow this fetch: nothing remembered may be trusted any more.
      this.last = undefined;
      this.owners.forget();
      throw err;
    }
  }
}

/**
 * Which remembered event holds each UID, kept from poll to poll by what left the feed and what came
 * in: a poll learns that no UID is listed twice without hashing every UID again, and ical-feed then
 * skips its search for several copies of one UID. Unknown (rebuilt next time) once a UID is listed twice.
 */
class UidOwners {
  private owners: Map<string, KeptEntry> | undefined;

  /** Whether every UID of `all` is listed once. `gone` and `added`: the change since the last poll (no `gone`: start over). */
  update(all: KeptEntry[], gone: KeptEntry[] | undefined, added: KeptEntry[]): boolean {
    const owners = this.owners;
    if (!owners || !gone) return this.rebuild(all);
    for (const entry of gone) {
      const uid = countedUid(entry);
      if (uid !== undefined && owners.get(uid) === entry) owners.delete(uid);
    }
    for (const entry of added) {
      const uid = countedUid(entry);
      if (uid === undefined) continue;
      if (owners.has(uid)) return this.rebuild(all);
      owners.set(uid, entry);
    }
    return true;
  }

  forget(): void {
    this.owners = undefined;
  }

  private rebuild(all: KeptEntry[]): boolean {
    const owners = new Map<string, KeptEntry>();
    this.owners = undefined;
    for (const entry of all) {
      const uid = countedUid(entry);
      if (uid === undefined) continue;
      if (owners.has(uid)) return false;
      owners.set(uid, entry);
    }
    this.owners = owners;
    return true;
  }
}

/** The UID ical-feed sorts copies by: a copy's, unless it is a name JavaScript keeps (that copy is skipped). */
function countedUid(entry: EventEntry): string | undefined {
  const uid = entry.copy?.uid;
  return uid && !isReservedId(uid) ? uid : undefined;
}

/** How far past the last match an event is looked for, and how many misses in a row make an index. */
const NEARBY = 16;

/**
 * Each event's entry from the last fetch, found where it stood: a feed keeps its order from one fetch
 * to the next, so a few comparisons of lines find nearly every event without hashing thousands of
 * texts, and an event not found near is new or changed. A run of misses means the feed moved (a long
 * run dropped, events sorted anew): the last fetch is then indexed, and the run looked up again.
 * An event not found is read again, which costs time, never correctness.
 */
function matchEvents(events: string[], last: Remembered): (KeptEntry | undefined)[] {
  const known: (KeptEntry | undefined)[] = [];
  let index: Map<string, number> | undefined;
  let from = 0;
  let missesInARow = 0;
  const take = (position: number, at: number) => {
    known[position] = last.entries[at];
    if (at >= from) from = at + 1;
  };
  for (const [position, event] of events.entries()) {
    const at = index ? index.get(event) ?? -1 : nearby(last.events, event, from);
    known.push(undefined);
    if (at >= 0) take(position, at);
    missesInARow = at >= 0 ? 0 : missesInARow + 1;
    if (index || missesInARow < NEARBY) continue;
    index = new Map(last.events.map((text, place) => [text, place]));
    for (let missed = position - missesInARow + 1; missed <= position; missed++) {
      const found = index.get(events[missed]);
      if (found !== undefined) take(missed, found);
    }
  }
  return known;
}

function nearby(events: string[], event: string, from: number): number {
  const end = Math.min(events.length, from + NEARBY);
  for (let at = from; at < end; at++) if (events[at] === event) return at;
  return -1;
}

function required(read: FeedEvents | undefined): FeedEvents {
  if (!read) throw new Error('the feed was not read');
  return read;
}

/**
 * An entry as kept: its copy holds the event's own lines rather than ical.js's arrays of the whole
 * parse, which would keep every fetch's parse alive; SEQUENCE and DTSTAMP are read from the lines
 * when a UID is listed twice.
 */
function keptEntry(entry: EventEntry | undefined, text: string): KeptEntry {
  if (!entry) throw new Error('feed is garbled: more events than were read; keeping the last good bookings');
  return { copy: entry.copy ? { ...entry.copy, vevent: undefined, text } : undefined, uid: entry.uid, seenIn: 0 };
}

/** The calendar with only `events` in it, where its events stood. */
function withEvents(shape: FeedShape, events: string[]): string {
  const at = shape.firstAt < 0 ? shape.context.length : shape.firstAt;
  return shape.context.slice(0, at) + events.join('') + shape.context.slice(at);
}

/** Everything an event's reading depends on besides its lines and its calendar. */
function settingsKey(options: FeedOptions): string {
  return JSON.stringify([options, serverTimeZone()]);
}

const enum Line {
  Plain,
  EventBegin,
  EventEnd,
  ComponentBegin,
  ComponentEnd,
  /** A line ical.js and the pair-up check may read differently: the feed is read whole. */
  Odd,
}

/**
 * The feed as one VCALENDAR whose VEVENTs are its direct children, each BEGIN:VEVENT and END:VEVENT
 * written plainly on a line of its own; undefined for anything else (nested or unclosed events, a
 * folded edge line, lower case, a second calendar), which is then read whole. One pass over the lines.
 */
export function splitFeed(text: string): FeedShape | undefined {
  const events: string[] = [];
  const context: string[] = [];
  let contextLength = 0;
  let firstAt = -1;
  let depth = 0;
  let calendars = 0;
  let eventStart = -1;
  let nested = 0;
  let pieceStart = 0;
  let afterEdge = false;
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf('\n', start);
    const next = newline === -1 ? text.length : newline + 1;
    const end = newline > start && text.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline === -1 ? text.length : newline;
    // A folded line right after an edge would be read by ical.js as part of it.
    if (afterEdge && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) return undefined;
    afterEdge = false;
    const line = lineKind(text, start, end);
    if (line === Line.Odd) return undefined;
    if (line === Line.EventBegin) {
      if (eventStart >= 0 || depth !== 1) return undefined;
      if (start > pieceStart) context.push(text.slice(pieceStart, start));
      contextLength += start - pieceStart;
      if (firstAt < 0) firstAt = contextLength;
      eventStart = start;
      afterEdge = true;
    } else if (line === Line.EventEnd) {
      if (eventStart < 0 || nested !== 0) return undefined;
      events.push(text.slice(eventStart, next));
      eventStart = -1;
      pieceStart = next;
      afterEdge = true;
    } else if (line === Line.ComponentBegin) {
      if (eventStart >= 0) nested += 1;
      else if (depth > 0) depth += 1;
      else if (text.startsWith('BEGIN:VCALENDAR', start) && end - start === 15 && ++calendars === 1) depth = 1;
      else return undefined;
    } else if (line === Line.ComponentEnd) {
      if (eventStart >= 0) nested -= 1;
      else depth -= 1;
      if (nested < 0 || depth < 0) return undefined;
    }
    start = next;
  }
  if (eventStart >= 0 || depth !== 0 || calendars !== 1) return undefined;
  context.push(text.slice(pieceStart));
  return { context: context.join(''), events, firstAt };
}

/**
 * What a line is, read from the few characters that can make it an edge. A line the pair-up check
 * counts as an event's edge (trimmed, upper-cased) must be written exactly so; a BEGIN or END that
 * ical.js reads as a component's edge must be upper case and plain (no parameters, no blanks).
 */
function lineKind(text: string, start: number, end: number): Line {
  const first = text.charCodeAt(start);
  if (start === end) return Line.Plain;
  if (first === 0x42 && text.startsWith('BEGIN:', start)) return plainEdge(text, start + 6, end, Line.EventBegin, Line.ComponentBegin);
  if (first === 0x45 && text.startsWith('END:', start)) return plainEdge(text, start + 4, end, Line.EventEnd, Line.ComponentEnd);
  // Anything else that the pair-up check or ical.js could take for an edge: leave it to a whole read.
  let at = start;
  while (at < end && (text.charCodeAt(at) === 0x20 || text.charCodeAt(at) === 0x09)) at += 1;
  const code = text.charCodeAt(at);
  if (at === end || !(code >= 0x80 || (code >= 0x0b && code <= 0x0d) || (code | 0x20) === 0x62 || (code | 0x20) === 0x65)) return Line.Plain;
  return mayBeEdge(text.slice(start, Math.min(end, at + 64))) ? Line.Odd : Line.Plain;
}

/** After "BEGIN:" or "END:": VEVENT exactly, or another component's name in capitals, digits and dashes. */
function plainEdge(text: string, from: number, end: number, event: Line, component: Line): Line {
  if (end - from === 6 && text.startsWith('VEVENT', from)) return event;
  if (from === end) return Line.Odd;
  for (let at = from; at < end; at++) {
    const code = text.charCodeAt(at);
    if (!((code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x2d)) return Line.Odd;
  }
  return component;
}

/** Whether ical.js or the pair-up check could read this line (its start) as a BEGIN or END. */
function mayBeEdge(start: string): boolean {
  const plain = start.trim().toUpperCase();
  return /^(?:BEGIN|END)\s*[:;]/.test(plain);
}
