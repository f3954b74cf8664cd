/**
 * booking-source's settings as the editor saves them, read once at deploy into what the feed poller
 * and BookingSource need; throws what the host got wrong. Feed addresses carry a channel's secret
 * token, so an error names a feed line by its number, never by its text.
 */
import * as path from 'node:path';
import type { FeedReadingSettings } from './booking-source';
import { checkFeedUrl, feedLabel } from './feed-fetch';
import { DEFAULT_MAX_FEED_MB, megabytes } from './feed-text';
import type { MassCancelGuard } from './feed-tracker';
import { isBookingCom } from './ical-feed';
import { text } from '../messages/text';
import { listSetting, numberSetting } from '../settings';
import { isTimeZone } from '../time/zoned';
import { errorText } from '../shown';

export type FeedMode = 'url' | 'file' | 'message';

/** The node's settings as saved in the flow (no property of an older flow is ever renamed). */
export interface BookingSourceConfig {
  name?: string;
  unit?: string;
  source?: string;
  mode?: FeedMode;
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

export interface BookingSourceCredentials {
  /** One feed address per line, each optionally after its channel's name: `airbnb https://...`. */
  url?: string;
}

/** One calendar the node reads: a channel's feed address, a file, or (message mode) iCal text sent in. */
export interface FeedSetting {
  /** The channel's name, kept on its bookings as `source` ("airbnb"). */
  name: string;
  url?: string;
  file?: string;
  /** Where it is, safe to show: the feed's host, never its address (which carries a secret token). */
  where: string;
  /** How its events are read: the listing's zone, the channel, Booking.com's CLOSED events. */
  reading: FeedReadingSettings;
}

export interface SourceSettings {
  mode: FeedMode;
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

/** `userDir`: where a feed file's relative path starts (Node-RED's user directory). */
export function readSourceSettings(config: BookingSourceConfig, credentials: BookingSourceCredentials, userDir: string): SourceSettings {
  const mode: FeedMode = config.mode === 'file' || config.mode === 'message' ? config.mode : 'url';
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
    include: listSetting(config.include),
    exclude: listSetting(config.exclude),
    missesBeforeCancel: misses,
    massCancel: massCancelSetting(config),
    maxFeedBytes: megabytes(maxFeedMb),
    forgetGuestsDays: Math.max(numberSetting(config.forgetGuestsDays, 90), 0),
  };
}

/** "Room 101 feed (airbnb.com)": never the whole address, which carries the channel's secret token. */
export function feedHealthName(settings: SourceSettings, feed: FeedSetting): string {
  const channel = settings.feeds.length > 1 ? ` ${feed.name}` : '';
  return `${settings.unit ? `${settings.unit}` : ''}${channel} feed (${feed.where})`.trim();
}

/** The listing's zone and Booking.com's CLOSED events, as set on the node for every feed. */
function readingDefaults(config: BookingSourceConfig): FeedReadingSettings {
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

function massCancelSetting(config: BookingSourceConfig): MassCancelGuard {
  const atLeast = numberSetting(config.massCount, 3);
  const share = numberSetting(config.massShare, 50);
  const wait = numberSetting(config.massWait, 60);
  if (!Number.isInteger(atLeast) || atLeast < 0) throw new Error('mass cancellation: the number of stays must be a whole number, 0 (off) or more');
  if (!(share >= 0 && share <= 100)) throw new Error('mass cancellation: the share of the feed must be between 0 and 100 %');
  if (!(wait >= 0)) throw new Error('mass cancellation: the wait must be 0 or more minutes');
  return { atLeast, share: share / 100, waitMs: wait * 60_000 };
}

function feedSettings(mode: FeedMode, config: BookingSourceConfig, credentials: BookingSourceCredentials, userDir: string): FeedSetting[] {
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
