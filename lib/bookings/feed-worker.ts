/**
 * Reads a big feed in a worker thread. ical.js reads a whole calendar in one go: a PMS feed of
 * 20,000 events with years of history takes about half a second on a laptop and several on a
 * Raspberry Pi, and on Node-RED's main thread that would stall every other flow (and the door codes)
 * for as long. Small feeds, the usual case, are read in place: starting a worker costs more than they do.
 *
 * This one file is both sides: the node calls `parseFeedOffThread`, which starts this file's compiled
 * .js as a worker; the worker reads the feed and posts the bookings back.
 */
import * as fs from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FeedEvents, FeedOptions, FeedReading, portableEvents, readFeedEvents, readingOf } from './ical-feed';

/** Feeds shorter than this (about a thousand events) are read on the calling thread. */
export const IN_PLACE_LIMIT = 256 * 1024;

interface Job {
  staykeyFeed: true;
  text: string;
  options: FeedOptions;
}

type Answer = { events: FeedEvents } | { error: string };

/**
 * A feed that is hostile or just broken must not take Node-RED down with it: the worker gets a heap of
 * its own, and is stopped when reading takes far longer than any real feed does (a 10 MB feed takes a
 * few seconds on a Raspberry Pi).
 */
export interface ReaderLimits {
  timeoutMs: number;
  maxMemoryMb: number;
}

export const DEFAULT_READER_LIMITS: ReaderLimits = { timeoutMs: 60_000, maxMemoryMb: 512 };

export async function parseFeedOffThread(
  text: string,
  options: FeedOptions,
  signal?: AbortSignal,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Promise<FeedReading> {
  return readingOf(await readEventsOffThread(text, options, signal, limits), options);
}

/** The feed's events (see FeedEvents), read in a worker when the text is big. */
export async function readEventsOffThread(
  text: string,
  options: FeedOptions,
  signal?: AbortSignal,
  limits: ReaderLimits = DEFAULT_READER_LIMITS,
): Promise<FeedEvents> {
  const script = workerScript();
  if (text.length < IN_PLACE_LIMIT || !script) return readFeedEvents(text, options);
  return new Promise<FeedEvents>((resolve, reject) => {
    const job: Job = { staykeyFeed: true, text, options };
    const worker = new Worker(script, { workerData: job, resourceLimits: { maxOldGenerationSizeMb: limits.maxMemoryMb } });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      signal?.removeEventListener('abort', stop);
      outcome();
    };
    const watchdog = setTimeout(() => {
      void worker.terminate();
      finish(() => reject(new Error(`reading the feed took longer than ${seconds(limits.timeoutMs)}; keeping the last good bookings`)));
    }, limits.timeoutMs);
    const stop = () => {
      void worker.terminate();
      finish(() => reject(new Error('reading the feed was stopped')));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop);
    worker.once('message', (answer: Answer) => {
      void worker.terminate();
      finish(() => ('error' in answer ? reject(new Error(answer.error)) : resolve(answer.events)));
    });
    worker.once('error', (err) => finish(() => reject(readerFailure(err, limits))));
    worker.once('exit', (code) => finish(() => reject(new Error(`the feed reader stopped (exit code ${code})`))));
  });
}

function readerFailure(err: Error, limits: ReaderLimits): Error {
  if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new Error(`reading the feed needed more than ${limits.maxMemoryMb} MB of memory; keeping the last good bookings`);
  }
  return new Error(`the feed reader failed: ${err.message}`);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

/** The compiled .js beside this file; when run from TypeScript sources there is none, and feeds are read in place. */
function workerScript(): string | undefined {
  return __filename.endsWith('.js') && fs.existsSync(__filename) ? __filename : undefined;
}

function runJob(job: Job): Answer {
  try {
    return { events: portableEvents(readFeedEvents(job.text, job.options)) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

if (!isMainThread && parentPort && (workerData as Partial<Job> | undefined)?.staykeyFeed) {
  parentPort.postMessage(runJob(workerData as Job));
}
