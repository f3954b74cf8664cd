/**
 * booking-source: reads a unit's bookings from an iCal feed (polled), a file, or messages, and sends
 * one message per booking created, changed or cancelled. The rules live in lib/bookings; this node
 * reads its settings, decides when to fetch, and reports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { BookingSource } from '../../lib/bookings/booking-source';
import { FeedHealth } from '../../lib/bookings/feed-health';
import { checkFeedUrl, feedLabel, fetchFeed, FeedValidators } from '../../lib/bookings/feed-fetch';
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
  /** Only for hand-written flows; the editor keeps the address in the credentials. */
  url?: string;
}

interface BookingSourceCredentials {
  url?: string;
}

interface Settings {
  mode: Mode;
  unit: string;
  source: string;
  url?: string;
  file?: string;
  intervalMs: number;
  timeoutMs: number;
  include: string[];
  exclude: string[];
  missesBeforeCancel: number;
}

/** What one read of the feed gave: the changes, or why it failed, and an alert for the host if any. */
interface Outcome {
  updates: BookingUpdate[];
  alert?: AlertMessage;
  error?: Error;
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
      source = BookingSource.open({ ...settings, clock, stateFile: stateFileFor(RED, node.id) });
    } catch (err) {
      const error = new Error(`booking-source: ${errorText(err)}`);
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(error.message);
      node.on('input', (msg: NodeMessage, _send, done) => reportInputError(node, error, msg, done));
      return;
    }

    const health = new FeedHealth(feedName(settings));
    const inFlight = new AbortController();
    let validators: FeedValidators | undefined;
    let queue: Promise<void> = Promise.resolve();
    let cancelTimer: (() => void) | undefined;
    let closed = false;

    if (settings.mode !== 'message') schedule(FIRST_FETCH_DELAY_MS);
    else showStatus(node, 'grey', `${source.count} bookings`, 'ring');

    node.on('input', (msg: NodeMessage, send, done) => {
      let input: Input;
      try {
        input = readPayload(msg.payload, settings.mode);
        if (input.kind === 'bookings') {
          const updates = source.receive(input.value, msg.change);
          send([updates.map(bookingMessage), []]);
          showStatus(node, 'green', `${source.count} bookings`);
          done();
          return;
        }
      } catch (err) {
        reportInputError(node, err, msg, done);
        return;
      }
      const feedText = input.kind === 'feed' ? input.value : undefined;
      const read = feedText !== undefined ? () => readText(feedText) : refreshFromSetting;
      enqueue(read, (outcome) => {
        report(outcome, send);
        done(outcome.error);
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      cancelTimer?.();
      inFlight.abort();
      void queue.then(() => done());
    });

    function schedule(ms: number): void {
      cancelTimer = clock.setTimer(ms, () => {
        if (closed) return;
        schedule(settings.intervalMs);
        enqueue(refreshFromSetting, (outcome) => {
          report(outcome, (messages) => node.send(messages));
          if (outcome.error) node.error(outcome.error.message, { topic: 'feed', payload: outcome.error.message });
        });
      });
    }

    /** One read at a time, in the order asked, so a poll and an inject never interleave their changes. */
    function enqueue(read: () => Promise<Outcome>, finish: (outcome: Outcome) => void): void {
      queue = queue.then(async () => {
        if (closed) return;
        const outcome = await read();
        if (!closed) finish(outcome);
      });
    }

    async function refreshFromSetting(): Promise<Outcome> {
      if (settings.mode === 'file') return readFile(settings.file as string);
      try {
        const response = await fetchFeed(settings.url as string, { timeoutMs: settings.timeoutMs, validators, signal: inFlight.signal });
        if (response.kind === 'unchanged') return succeeded(source.readUnchangedFeed());
        const outcome = await readText(response.text);
        if (!outcome.error) validators = response.validators;
        return outcome;
      } catch (err) {
        return failed(err);
      }
    }

    async function readFile(file: string): Promise<Outcome> {
      let text: string;
      try {
        text = await fs.promises.readFile(file, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? errorText(err);
        return failed(new Error(`feed file ${file} cannot be read (${code})`));
      }
      return readText(text);
    }

    async function readText(text: string): Promise<Outcome> {
      try {
        return succeeded(source.readFeed(text));
      } catch (err) {
        return failed(err);
      }
    }

    function succeeded(updates: BookingUpdate[]): Outcome {
      showStatus(node, 'green', `${source.count} bookings`);
      return { updates, alert: health.succeeded() };
    }

    function failed(err: unknown): Outcome {
      const error = err instanceof Error ? err : new Error(String(err));
      const alert = health.failed(error.message);
      showStatus(node, 'red', `feed failed ${health.failures}x`, 'ring');
      return { updates: [], alert, error };
    }

    function report(outcome: Outcome, send: Send): void {
      const alerts = outcome.alert ? [{ topic: 'feed', payload: outcome.alert }] : [];
      if (outcome.updates.length > 0 || alerts.length > 0) send([outcome.updates.map(bookingMessage), alerts]);
    }
  }

  RED.nodes.registerType<Node<BookingSourceCredentials>, BookingSourceDef, unknown, BookingSourceCredentials>('staykey-booking-source', BookingSourceNode, {
    credentials: { url: { type: 'text' } },
  });
};

function bookingMessage(update: BookingUpdate): NodeMessage {
  const payload: BookingMessage = { kind: 'booking', change: update.change, booking: update.booking };
  return { topic: update.booking.id, payload };
}

type Input = { kind: 'bookings'; value: unknown } | { kind: 'feed'; value: string } | { kind: 'fetch' };

/**
 * iCal text is a feed, objects are bookings, and anything else (an inject's timestamp) asks for a
 * fetch now. A JSON string is read as bookings, as http-in without a JSON content type delivers it.
 */
function readPayload(payload: unknown, mode: Mode): Input {
  if (Buffer.isBuffer(payload)) return readPayload(payload.toString('utf8'), mode);
  if (typeof payload === 'string') {
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
  const settings: Settings = {
    mode,
    unit: unit ?? '',
    source: text(config.source) ?? 'message',
    intervalMs: Math.max(numberSetting(config.interval, 15), 1) * 60_000,
    timeoutMs: Math.max(numberSetting(config.timeout, 30), 1) * 1000,
    include: list(config.include),
    exclude: list(config.exclude),
    missesBeforeCancel: misses,
  };
  if (mode === 'url') {
    const url = text(credentials.url) ?? text(config.url);
    if (!url) throw new Error('paste the iCal feed address');
    checkFeedUrl(url);
    settings.url = url;
    settings.source = text(config.source) ?? feedLabel(url).replace(/^www\./, '');
  }
  if (mode === 'file') {
    const file = text(config.file);
    if (!file) throw new Error('set the feed file');
    settings.file = path.resolve(userDir, file);
    settings.source = text(config.source) ?? path.basename(file);
  }
  return settings;
}

/** "Room 101 feed (airbnb.com)": never the whole address, which carries the channel's secret token. */
function feedName(settings: Settings): string {
  const where = settings.mode === 'url' ? feedLabel(settings.url as string) : settings.mode === 'file' ? settings.file : 'message';
  return `${settings.unit ? `${settings.unit} ` : ''}feed (${where})`;
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
