/**
 * booking-source: reads a unit's bookings from its iCal feeds (polled; one per channel), a file, or
 * messages, and sends one message per booking created, changed or cancelled, plus alerts for failed
 * feeds and double bookings. The rules live in lib/bookings; this node reads its settings, decides
 * when to fetch, and reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { BookingSource, FeedReadingSettings, SourceUpdate } from '../../lib/bookings/booking-source';
import { isBookingCom } from '../../lib/bookings/ical-feed';
import type { MassCancelGuard } from '../../lib/bookings/feed-tracker';
import { isTimeZone } from '../../lib/time/zoned';
import { FeedHealth } from '../../lib/bookings/feed-health';
import { checkFeedUrl, feedLabel, fetchFeed, FeedValidators } from '../../lib/bookings/feed-fetch';
import { decodeFeed, DEFAULT_MAX_FEED_MB, feedTooLarge, megabytes, readCapped } from '../../lib/bookings/feed-text';
import { parseFeedOffThread } from '../../lib/bookings/feed-worker';
import { BookingUpdate } from '../../lib/bookings/message-bookings';
import type { AlertMessage, BookingMessage } from '../../lib/messages';
import { clockFor, errorText, numberSetting, RED, reportInputError, showStatus, staykeyDirectory } from '../shared/runtime';

type Mode = 'url' | 'file' | 'message';

interface BookingSourceDef extends NodeDef {
  unit?: string;
  source?: string;
  mode?: Mode;
  interval?: string | number;
  timeout?: string | number;
  file?: string;
  include?: string;
  exclude?: string;
  misses?: string | number;
  /** The listing's IANA zone, for feed times written without one. */
  zone?: string;
  /** Booking.com's "CLOSED - Not available": `stays` (default) or `blocks`. */
  closed?: string;
  /** A mass disappearance: at least this many stays (0: off), this share (%) of the feed, held this many minutes. */
  massCount?: string | number;
  massShare?: string | number;
  massWait?: string | number;
  /** Largest feed (MB): a bigger download, file or payload is refused. */
  maxFeedMb?: string | number;
  /** Days after checkout the saved bookings keep a guest's name, email and phone digits. */
  forgetGuestsDays?: string | number;
  /** Only for hand-written flows; the editor keeps the addresses in the credentials. */
  url?: string;
}

interface BookingSourceCredentials {
  /** One feed address per line, each optionally after its channel's name: `airbnb https://...`. */
  url?: string;
}

/** One calendar the node reads: a channel's feed address, a file, or (message mode) iCal text sent in. */
interface FeedSetting {
  /** The channel's name, kept on its bookings as `source` ("airbnb"). */
  name: string;
  url?: string;
  file?: string;
  /** Where it is, safe to show: the feed's host, never its address (which carries a secret token). */
  where: string;
  /** How its events are read: the listing's zone, the channel, Booking.com's CLOSED events. */
  reading: FeedReadingSettings;
}

interface Settings {
  mode: Mode;
  unit: string;
  source: string;
  feeds: FeedSetting[];
  intervalMs: number;
  timeoutMs: number;
  include: string[];
  exclude: string[];
  missesBeforeCancel: number;
  massCancel: MassCancelGuard;
  maxFeedBytes: number;
  forgetGuestsDays: number;
}

/** A feed while the node runs: its health, what to ask the server next time, its poll timer. */
interface FeedRun {
  setting: FeedSetting;
  health: FeedHealth;
  validators?: FeedValidators;
  cancelTimer?: () => void;
}

/** What one read of a feed gave: the changes and alerts, or why it failed. */
interface Outcome {
  feed: FeedRun;
  updates: BookingUpdate[];
  alerts: AlertMessage[];
  error?: Error;
  /** A fetch or file read (not iCal text sent in): the feed's poll timer is set again after it. */
  fetched: boolean;
}

type Send = (msg: Array<NodeMessage | NodeMessage[] | null>) => void;

/** Lets the rest of the flow finish starting before the first fetch sends anything. */
const FIRST_FETCH_DELAY_MS = 1000;

export = function (RED: RED) {
  function BookingSourceNode(this: Node<BookingSourceCredentials>, config: BookingSourceDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    let settings: Settings;
    let source: BookingSource;
    try {
      settings = readSettings(config, node.credentials ?? {}, userDirOf(RED));
      source = BookingSource.open({
        ...settings,
        feeds: settings.mode === 'message' ? undefined : settings.feeds.map((feed) => feed.name),
        feedSettings: new Map(settings.feeds.map((feed) => [feed.name, feed.reading])),
        clock,
        stateFile: stateFileFor(RED, node.id),
      });
    } catch (err) {
      const error = new Error(`booking-source: ${errorText(err)}`);
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(error.message);
      node.on('input', (msg: NodeMessage, _send, done) => reportInputError(node, error, msg, done));
      return;
    }

    const feeds: FeedRun[] = settings.feeds.map((setting) => ({ setting, health: new FeedHealth(feedName(settings, setting)) }));
    const inFlight = new AbortController();
    let queue: Promise<void> = Promise.resolve();
    let closed = false;

    if (settings.mode !== 'message') for (const feed of feeds) schedule(feed, FIRST_FETCH_DELAY_MS);
    else showStatus(node, 'grey', `${source.count} bookings`, 'ring');
    // Feeds are polled at least hourly and each poll forgets past guests; bookings sent as messages need a timer.
    let cancelForgetting = settings.mode === 'message' ? forgetDaily() : () => undefined;

    // Once the flows run, what was announced before a restart is announced again: a kill between this
    // node's save and the pin-issuer's must not lose a booking or a cancellation. Repeats change nothing.
    let restated = false;
    const restate = () => {
      if (restated || closed) return;
      restated = true;
      RED.events.removeListener('flows:started', restate);
      const updates = source.restatement();
      if (updates.length) node.send([updates.map(bookingMessage), null]);
    };
    RED.events.on('flows:started', restate);
    const restateFallback = setTimeout(restate, 5000);

    node.on('input', (msg: NodeMessage, send, done) => {
      let input: Input;
      try {
        input = readPayload(msg.payload, settings.mode, settings.maxFeedBytes);
        if (input.kind === 'bookings') {
          sendResult(send, source.receive(input.value, msg.change));
          showFeedStatus();
          done();
          return;
        }
      } catch (err) {
        reportInputError(node, err, msg, done);
        return;
      }
      if (input.kind === 'feed') {
        let feed: FeedRun;
        try {
          feed = feedNamed(msg.feed);
        } catch (err) {
          reportInputError(node, err, msg, done);
          return;
        }
        const text = input.value;
        enqueue(async () => [await readText(feed, text, false)], (outcomes) => finish(outcomes, send, done));
        return;
      }
      enqueue(fetchAll, (outcomes) => finish(outcomes, send, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      RED.events.removeListener('flows:started', restate);
      clearTimeout(restateFallback);
      for (const feed of feeds) feed.cancelTimer?.();
      cancelForgetting();
      inFlight.abort();
      void queue.then(() => done());
    });

    /**
     * iCal text sent in is the feed `msg.feed` names, or the first (the only one, mostly). In message
     * mode any name goes: each channel's text (from an http request node, say) is its own feed, so one
     * channel's text never cancels another's bookings.
     */
    function feedNamed(name: unknown): FeedRun {
      const wanted = typeof name === 'string' ? name.trim() : '';
      if (wanted === '') return feeds[0];
      const known = feeds.find((candidate) => candidate.setting.name === wanted);
      if (known) return known;
      if (settings.mode !== 'message') {
        throw new Error(`msg.feed "${wanted}" is not one of this node's feeds (${feeds.map((feed) => feed.setting.name).join(', ')})`);
      }
      const setting: FeedSetting = { name: wanted, where: 'message', reading: { ...feeds[0].setting.reading, channel: wanted } };
      const feed: FeedRun = { setting, health: new FeedHealth(`${settings.unit ? `${settings.unit} ` : ''}${wanted} feed (message)`) };
      feeds.push(feed);
      return feed;
    }

    /** Guests past the retention leave the saved state daily, even when no message comes. */
    function forgetDaily(): () => void {
      return clock.setTimer(24 * 3600_000, () => {
        if (closed) return;
        forgetPastGuests();
        cancelForgetting = forgetDaily();
      });
    }

    function forgetPastGuests(): void {
      try {
        source.forgetPastGuests();
      } catch (err) {
        node.warn(`booking-source could not forget past guests: ${errorText(err)}`);
      }
    }

    function schedule(feed: FeedRun, ms: number): void {
      feed.cancelTimer?.();
      feed.cancelTimer = clock.setTimer(ms, () => {
        feed.cancelTimer = undefined;
        if (closed) return;
        enqueue(async () => [await refresh(feed)], (outcomes) => {
          report(outcomes, (messages) => node.send(messages));
          for (const outcome of outcomes) {
            if (outcome.error) node.error(outcome.error.message, { topic: 'feed', payload: outcome.error.message });
          }
        });
      });
    }

    /** One read at a time, in the order asked, so a poll and an inject never interleave their changes. */
    function enqueue(read: () => Promise<Outcome[]>, then: (outcomes: Outcome[]) => void): void {
      queue = queue.then(async () => {
        if (closed) return;
        const outcomes = await read();
        if (!closed) then(outcomes);
      });
    }

    async function fetchAll(): Promise<Outcome[]> {
      const outcomes: Outcome[] = [];
      for (const feed of feeds) outcomes.push(await refresh(feed));
      return outcomes;
    }

    function finish(outcomes: Outcome[], send: Send, done: (err?: Error) => void): void {
      report(outcomes, send);
      const errors = outcomes.flatMap((outcome) => (outcome.error ? [outcome.error] : []));
      done(errors.length <= 1 ? errors[0] : new Error(errors.map((error) => error.message).join('; ')));
    }

    /**
     * Sets the feeds' timers again, then the status, then sends. A failed feed waits longer each
     * time (FeedHealth.nextPollIn); the others keep their pace.
     */
    function report(outcomes: Outcome[], send: Send): void {
      // After every poll, a failed one too: a feed that never answers again must not keep its guests.
      forgetPastGuests();
      for (const outcome of outcomes) {
        if (outcome.fetched) schedule(outcome.feed, outcome.feed.health.nextPollIn(settings.intervalMs));
      }
      showFeedStatus();
      const updates = outcomes.flatMap((outcome) => outcome.updates);
      const alerts = outcomes.flatMap((outcome) => outcome.alerts);
      sendResult(send, { updates, alerts });
    }

    function showFeedStatus(): void {
      const failing = feeds.find((feed) => feed.health.failures > 0);
      const { empty, held } = source.warnings;
      if (!failing && empty.length > 0) return showStatus(node, 'yellow', `${feeds.length > 1 ? empty[0] : 'feed'} empty, ${source.count} kept`);
      if (!failing && held > 0) return showStatus(node, 'yellow', `${source.count} bookings, ${held} held`);
      if (!failing) return showStatus(node, 'green', `${source.count} bookings`);
      const which = feeds.length > 1 ? failing.setting.name : 'feed';
      showStatus(node, 'red', `${which} failed ${failing.health.failures}x`, 'ring');
    }

    async function refresh(feed: FeedRun): Promise<Outcome> {
      const { url, file } = feed.setting;
      if (file) return readFile(feed, file);
      try {
        const response = await fetchFeed(url as string, {
          timeoutMs: settings.timeoutMs,
          maxBytes: settings.maxFeedBytes,
          validators: feed.validators,
          signal: inFlight.signal,
        });
        if (response.kind === 'unchanged') return succeeded(feed, source.readUnchangedFeed(feed.setting.name), true);
        const outcome = await readText(feed, response.text, true);
        if (!outcome.error) feed.validators = response.validators;
        return outcome;
      } catch (err) {
        return failed(feed, err, true);
      }
    }

    async function readFile(feed: FeedRun, file: string): Promise<Outcome> {
      let text: string;
      try {
        text = decodeFeed(await readCapped(fs.createReadStream(file), settings.maxFeedBytes, `feed file ${file}`));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (!code) return failed(feed, err, true);
        return failed(feed, new Error(`feed file ${file} cannot be read (${code})`), true);
      }
      return readText(feed, text, true);
    }

    /** Big feeds are read off the main thread, so the other flows keep running meanwhile. */
    async function readText(feed: FeedRun, text: string, fetched: boolean): Promise<Outcome> {
      try {
        const reading = await parseFeedOffThread(text, source.feedOptions(feed.setting.name), inFlight.signal);
        return succeeded(feed, source.applyFeed(feed.setting.name, reading), fetched);
      } catch (err) {
        return failed(feed, err, fetched);
      }
    }

    function succeeded(feed: FeedRun, result: SourceUpdate, fetched: boolean): Outcome {
      const recovered = feed.health.succeeded();
      return { feed, fetched, updates: result.updates, alerts: recovered ? [recovered, ...result.alerts] : result.alerts };
    }

    function failed(feed: FeedRun, err: unknown, fetched: boolean): Outcome {
      const error = err instanceof Error ? err : new Error(String(err));
      const alert = feed.health.failed(error.message);
      return { feed, fetched, updates: [], alerts: alert ? [alert] : [], error };
    }
  }

  RED.nodes.registerType<Node<BookingSourceCredentials>, BookingSourceDef, unknown, BookingSourceCredentials>('staykey-booking-source', BookingSourceNode, {
    // A feed address lets anyone read the guests' names and stays: the editor never gets it back.
    credentials: { url: { type: 'password' } },
  });
};

function sendResult(send: Send, result: SourceUpdate): void {
  const alerts = result.alerts.map((alert) => ({ topic: alert.topic, payload: alert }));
  if (result.updates.length > 0 || alerts.length > 0) send([result.updates.map(bookingMessage), alerts]);
}

function bookingMessage(update: BookingUpdate): NodeMessage {
  const payload: BookingMessage = { kind: 'booking', change: update.change, booking: update.booking };
  return { topic: update.booking.id, payload };
}

type Input = { kind: 'bookings'; value: unknown } | { kind: 'feed'; value: string } | { kind: 'fetch' };

/**
 * iCal text is a feed, objects are bookings, and anything else (an inject's timestamp) asks for a
 * fetch now. A JSON string is read as bookings, as http-in without a JSON content type delivers it.
 */
function readPayload(payload: unknown, mode: Mode, maxBytes: number): Input {
  if (Buffer.isBuffer(payload)) {
    if (payload.byteLength > maxBytes) throw feedTooLarge('msg.payload', maxBytes);
    return readPayload(decodeFeed(payload), mode, maxBytes);
  }
  if (typeof payload === 'string') {
    if (Buffer.byteLength(payload, 'utf8') > maxBytes) throw feedTooLarge('msg.payload', maxBytes);
    const text = payload.trim();
    if (text.startsWith('{') || text.startsWith('[')) return { kind: 'bookings', value: parseJson(text) };
    if (text !== '' || mode === 'message') return { kind: 'feed', value: payload };
    return { kind: 'fetch' };
  }
  if (payload && typeof payload === 'object') return { kind: 'bookings', value: payload };
  if (mode === 'message') return { kind: 'bookings', value: payload };
  return { kind: 'fetch' };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('msg.payload looks like JSON but cannot be read as JSON');
  }
}

function readSettings(config: BookingSourceDef, credentials: BookingSourceCredentials, userDir: string): Settings {
  const mode: Mode = config.mode === 'file' || config.mode === 'message' ? config.mode : 'url';
  const unit = text(config.unit) ?? text(config.name);
  if (!unit && mode !== 'message') throw new Error('set the unit these bookings are for');
  const misses = numberSetting(config.misses, 1);
  if (!Number.isInteger(misses) || misses < 1) throw new Error('fetches before cancelling must be a whole number, 1 or more');
  const defaults = readingDefaults(config);
  const feeds = feedSettings(mode, config, credentials, userDir).map((feed) => ({ ...feed, reading: { ...defaults, ...feed.reading } }));
  const maxFeedMb = numberSetting(config.maxFeedMb, DEFAULT_MAX_FEED_MB);
  if (!(maxFeedMb > 0)) throw new Error('largest feed must be a number of MB above 0');
  return {
    mode,
    unit: unit ?? '',
    source: feeds[0].name,
    feeds,
    intervalMs: Math.max(numberSetting(config.interval, 15), 1) * 60_000,
    timeoutMs: Math.max(numberSetting(config.timeout, 30), 1) * 1000,
    include: list(config.include),
    exclude: list(config.exclude),
    missesBeforeCancel: misses,
    massCancel: massCancelSetting(config),
    maxFeedBytes: megabytes(maxFeedMb),
    forgetGuestsDays: Math.max(numberSetting(config.forgetGuestsDays, 90), 0),
  };
}

/** The listing's zone and Booking.com's CLOSED events, as set on the node for every feed. */
function readingDefaults(config: BookingSourceDef): FeedReadingSettings {
  const reading: FeedReadingSettings = {};
  const zone = text(config.zone);
  if (zone) reading.timeZone = checkedZone(zone);
  const closed = text(config.closed);
  if (closed) reading.closed = checkedClosed(closed);
  return reading;
}

function checkedZone(zone: string): string {
  if (!isTimeZone(zone)) throw new Error(`listing time zone "${zone}" is not an IANA time zone (for example Europe/Lisbon)`);
  return zone;
}

function checkedClosed(closed: string): 'stays' | 'blocks' {
  if (closed === 'stays' || closed === 'blocks') return closed;
  throw new Error(`Booking.com CLOSED events must be read as stays or blocks, not "${closed}"`);
}

function massCancelSetting(config: BookingSourceDef): MassCancelGuard {
  const atLeast = numberSetting(config.massCount, 3);
  const share = numberSetting(config.massShare, 50);
  const wait = numberSetting(config.massWait, 60);
  if (!Number.isInteger(atLeast) || atLeast < 0) throw new Error('mass cancellation: the number of stays must be a whole number, 0 (off) or more');
  if (!(share >= 0 && share <= 100)) throw new Error('mass cancellation: the share of the feed must be between 0 and 100 %');
  if (!(wait >= 0)) throw new Error('mass cancellation: the wait must be 0 or more minutes');
  return { atLeast, share: share / 100, waitMs: wait * 60_000 };
}

function feedSettings(mode: Mode, config: BookingSourceDef, credentials: BookingSourceCredentials, userDir: string): FeedSetting[] {
  if (mode === 'url') return feedLines(text(credentials.url) ?? text(config.url) ?? '', text(config.source));
  if (mode === 'file') {
    const file = text(config.file);
    if (!file) throw new Error('set the feed file');
    const resolved = path.resolve(userDir, file);
    const name = text(config.source) ?? path.basename(file);
    return [{ name, file: resolved, where: resolved, reading: channelReading(name) }];
  }
  const name = text(config.source) ?? 'message';
  return [{ name, where: 'message', reading: channelReading(name) }];
}

/** `airbnb https://...`, `airbnb: https://...` or just the address; the name is what comes before it. */
const FEED_LINE = /^(?:([^\s:=][^:=]*?)\s*(?:[:=]\s*|\s+))?([a-z][a-z0-9+.-]*:\/\/\S+)$/i;
/** What may follow a feed's address on its line: `zone=Europe/Lisbon`, `closed=blocks`, `channel=booking.com`. */
const FEED_OPTION = /^(zone|closed|channel)=(\S+)$/i;

/** The Booking.com feed is known by its name, its site, or (in ical-feed.ts) its PRODID and UIDs. */
function channelReading(name: string, url?: string): FeedReadingSettings {
  const site = url ? feedLabel(url).toLowerCase() : '';
  const bookingCom = isBookingCom(name) || site === 'booking.com' || site.endsWith('.booking.com');
  return bookingCom ? { channel: 'booking.com' } : {};
}

/** Takes `key=value` options off the end of a feed line; returns the rest of the line and the options. */
function feedLineOptions(line: string, number: number): { rest: string; reading: FeedReadingSettings } {
  const words = line.split(/\s+/);
  const reading: FeedReadingSettings = {};
  while (words.length > 1) {
    const option = FEED_OPTION.exec(words[words.length - 1]);
    if (!option) break;
    words.pop();
    const [key, value] = [option[1].toLowerCase(), option[2]];
    try {
      if (key === 'zone') reading.timeZone = checkedZone(value);
      else if (key === 'closed') reading.closed = checkedClosed(value.toLowerCase());
      else reading.channel = value;
    } catch (err) {
      throw new Error(`feed line ${number}: ${errorText(err)}`);
    }
  }
  return { rest: words.join(' '), reading };
}

/**
 * The feed addresses, one a line. A line that is not an address is reported by its number only:
 * it may hold a channel's secret token.
 */
function feedLines(value: string, sourceSetting: string | undefined): FeedSetting[] {
  const found: { name?: string; url: string; reading: FeedReadingSettings }[] = [];
  value.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '' || raw.trim().startsWith('#')) return;
    const { rest: line, reading } = feedLineOptions(raw.trim(), index + 1);
    const match = FEED_LINE.exec(line);
    if (!match) throw new Error(`feed line ${index + 1} is not a feed address (write one per line: airbnb https://...)`);
    try {
      checkFeedUrl(match[2]);
    } catch (err) {
      throw new Error(`feed line ${index + 1}: ${errorText(err)}`);
    }
    found.push({ name: text(match[1]), url: match[2], reading });
  });
  if (found.length === 0) throw new Error('paste the iCal feed address');
  // The Source name option names a single unnamed feed, as before feeds could be listed.
  const unnamedDefault = found.length === 1 ? sourceSetting : undefined;
  const feeds = found.map(({ name, url, reading }) => {
    const feedName = name ?? unnamedDefault ?? feedLabel(url).replace(/^www\./, '');
    return { name: feedName, url, where: feedLabel(url), reading: { ...channelReading(reading.channel ?? feedName, url), ...reading } };
  });
  const names = feeds.map((feed) => feed.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new Error(`two feeds are called "${twice}": put a name before each address (airbnb https://...)`);
  return feeds;
}

/** "Room 101 feed (airbnb.com)": never the whole address, which carries the channel's secret token. */
function feedName(settings: Settings, feed: FeedSetting): string {
  const channel = settings.feeds.length > 1 ? ` ${feed.name}` : '';
  return `${settings.unit ? `${settings.unit}` : ''}${channel} feed (${feed.where})`.trim();
}

function stateFileFor(RED: RED, nodeId: string): string {
  return path.join(staykeyDirectory(RED), 'feeds', `${nodeId.replace(/[^\w.-]/g, '_')}.json`);
}

function userDirOf(RED: RED): string {
  const settings = RED.settings as unknown as { userDir?: string };
  return settings.userDir ?? process.cwd();
}

function list(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
