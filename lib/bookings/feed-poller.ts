/**
 * Reads a unit's feeds on time: each feed on its own timer, one read at a time in the order asked
 * (so a poll and an inject never interleave their changes), a failing feed asked less often
 * (FeedHealth), and past guests forgotten after every poll. booking-source's node hands it iCal text
 * sent in and asks for fetches; what a read found goes back to the node to announce.
 */
import * as fs from 'node:fs';
import type { BookingSource, SourceUpdate } from './booking-source';
import { fetchFeed, FeedValidators } from './feed-fetch';
import { FeedHealth } from './feed-health';
import { decodeFeed, readCapped } from './feed-text';
import { FeedMemory } from './feed-memory';
import { readEventsOffThread } from './feed-worker';
import type { BookingUpdate } from './message-bookings';
import { feedHealthName, FeedSetting, SourceSettings } from './source-settings';
import type { AlertMessage } from '../messages';
import type { Clock } from '../time/clock';
import { errorText } from '../shown';

/** Lets the rest of the flow finish starting before the first fetch sends anything. */
export const FIRST_FETCH_DELAY_MS = 1000;
/** Bookings sent as messages have no poll to forget past guests after: a timer does it. */
const FORGET_EVERY_MS = 24 * 3600_000;

/** What one or more reads found, and what failed (one error per failed feed). */
export interface PollReport extends SourceUpdate {
  errors: Error[];
}

export interface FeedPollerParts {
  clock: Clock;
  /** A poll its own timer started is over: announce what it found, report what failed. */
  polled: (report: PollReport) => void;
  /** Something the host should know that fails nothing. */
  warn: (text: string) => void;
}

/** A feed while the poller runs: its health, what to ask the server next time, its poll timer. */
interface FeedRun {
  setting: FeedSetting;
  health: FeedHealth;
  /** The last good read, event by event: a poll reads again only what changed. */
  memory: FeedMemory;
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

export class FeedPoller {
  private readonly feeds: FeedRun[];
  private readonly inFlight = new AbortController();
  private queue: Promise<void> = Promise.resolve();
  private cancelForgetting: () => void = () => undefined;
  private stopped = false;

  constructor(
    private readonly source: BookingSource,
    private readonly settings: SourceSettings,
    private readonly parts: FeedPollerParts,
  ) {
    this.feeds = settings.feeds.map((setting) => ({ setting, health: new FeedHealth(feedHealthName(settings, setting)), memory: new FeedMemory() }));
  }

  /** Polled feeds get their first fetch shortly; in message mode past guests are forgotten daily. */
  start(): void {
    if (this.settings.mode !== 'message') for (const feed of this.feeds) this.schedule(feed, FIRST_FETCH_DELAY_MS);
    // Feeds are polled at least hourly and each poll forgets past guests; bookings sent as messages need a timer.
    else this.forgetDaily();
  }

  /** Reads iCal text sent in as the feed `feedName` names; throws (before queueing) for a feed it does not know. */
  readText(text: string, feedName: unknown, then: (report: PollReport) => void): void {
    const feed = this.feedNamed(feedName);
    this.enqueue(async () => [await this.read(feed, text, false)], then);
  }

  /** Fetches every feed now, one after another. */
  fetchAll(then: (report: PollReport) => void): void {
    this.enqueue(async () => {
      const outcomes: Outcome[] = [];
      for (const feed of this.feeds) outcomes.push(await this.refresh(feed));
      return outcomes;
    }, then);
  }

  /** Stops the timers and any fetch under way; resolves when the read under way has ended. */
  stop(): Promise<void> {
    this.stopped = true;
    for (const feed of this.feeds) feed.cancelTimer?.();
    this.cancelForgetting();
    this.inFlight.abort();
    return this.queue.then(() => undefined);
  }

  get feedCount(): number {
    return this.feeds.length;
  }

  /** The first feed whose last read failed, and how many times in a row it has. */
  get failing(): { name: string; failures: number } | undefined {
    const feed = this.feeds.find((candidate) => candidate.health.failures > 0);
    return feed ? { name: feed.setting.name, failures: feed.health.failures } : undefined;
  }

  /**
   * iCal text sent in is the feed `name` names, or the first (the only one, mostly). In message mode
   * any name goes: each channel's text (from an http request node, say) is its own feed, so one
   * channel's text never cancels another's bookings.
   */
  private feedNamed(name: unknown): FeedRun {
    const wanted = typeof name === 'string' ? name.trim() : '';
    if (wanted === '') return this.feeds[0];
    const known = this.feeds.find((candidate) => candidate.setting.name === wanted);
    if (known) return known;
    if (this.settings.mode !== 'message') {
      throw new Error(`msg.feed "${wanted}" is not one of this node's feeds (${this.feeds.map((feed) => feed.setting.name).join(', ')})`);
    }
    const { unit } = this.settings;
    const setting: FeedSetting = { name: wanted, where: 'message', reading: { ...this.feeds[0].setting.reading, channel: wanted } };
    const feed: FeedRun = { setting, health: new FeedHealth(`${unit ? `${unit} ` : ''}${wanted} feed (message)`), memory: new FeedMemory() };
    this.feeds.push(feed);
    return feed;
  }

  /** Guests past the retention leave the saved state daily, even when no message comes. */
  private forgetDaily(): void {
    this.cancelForgetting = this.parts.clock.setTimer(FORGET_EVERY_MS, () => {
      if (this.stopped) return;
      this.forgetPastGuests();
      this.forgetDaily();
    });
  }

  private forgetPastGuests(): void {
    try {
      this.source.forgetPastGuests();
    } catch (err) {
      this.parts.warn(`booking-source could not forget past guests: ${errorText(err)}`);
    }
  }

  private schedule(feed: FeedRun, ms: number): void {
    feed.cancelTimer?.();
    feed.cancelTimer = this.parts.clock.setTimer(ms, () => {
      feed.cancelTimer = undefined;
      if (this.stopped) return;
      this.enqueue(async () => [await this.refresh(feed)], this.parts.polled);
    });
  }

  /** One read at a time, in the order asked; after a stop nothing more is read or reported. */
  private enqueue(read: () => Promise<Outcome[]>, then: (report: PollReport) => void): void {
    this.queue = this.queue.then(async () => {
      if (this.stopped) return;
      const outcomes = await read();
      if (!this.stopped) then(this.report(outcomes));
    });
  }

  /**
   * Forgets past guests and sets the fetched feeds' timers again before anything is announced. A
   * failed feed waits longer each time (FeedHealth.nextPollIn); the others keep their pace.
   */
  private report(outcomes: Outcome[]): PollReport {
    // After every poll, a failed one too: a feed that never answers again must not keep its guests.
    this.forgetPastGuests();
    for (const outcome of outcomes) {
      if (outcome.fetched) this.schedule(outcome.feed, outcome.feed.health.nextPollIn(this.settings.intervalMs));
    }
    return {
      updates: outcomes.flatMap((outcome) => outcome.updates),
      alerts: outcomes.flatMap((outcome) => outcome.alerts),
      errors: outcomes.flatMap((outcome) => (outcome.error ? [outcome.error] : [])),
    };
  }

  private async refresh(feed: FeedRun): Promise<Outcome> {
    const { url, file } = feed.setting;
    if (file) return this.readFile(feed, file);
    try {
      const response = await fetchFeed(url as string, {
        timeoutMs: this.settings.timeoutMs,
        maxBytes: this.settings.maxFeedBytes,
        validators: feed.validators,
        signal: this.inFlight.signal,
      });
      if (response.kind === 'unchanged') return succeeded(feed, this.source.readUnchangedFeed(feed.setting.name), true);
      const outcome = await this.read(feed, response.text, true);
      if (!outcome.error) feed.validators = response.validators;
      return outcome;
    } catch (err) {
      return failed(feed, err, true);
    }
  }

  private async readFile(feed: FeedRun, file: string): Promise<Outcome> {
    let text: string;
    try {
      text = decodeFeed(await readCapped(fs.createReadStream(file), this.settings.maxFeedBytes, `feed file ${file}`));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (!code) return failed(feed, err, true);
      return failed(feed, new Error(`feed file ${file} cannot be read (${code})`), true);
    }
    return this.read(feed, text, true);
  }

  /**
   * Only the events that changed since the last good read are read again; when they are many, off the
   * main thread, so the other flows keep running meanwhile.
   */
  private async read(feed: FeedRun, text: string, fetched: boolean): Promise<Outcome> {
    try {
      const options = this.source.feedOptions(feed.setting.name);
      const plan = feed.memory.plan(text, options);
      const events = plan.text === undefined ? undefined : await readEventsOffThread(plan.text, options, this.inFlight.signal);
      return succeeded(feed, this.source.applyFeed(feed.setting.name, plan.finish(events)), fetched);
    } catch (err) {
      return failed(feed, err, fetched);
    }
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
