/**
 * Downloads a booking feed over HTTP(S). Errors name the feed by its host only: channel feed addresses
 * carry a secret token (Airbnb's `?s=...`), which must never reach a log, a status or an alert.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { decodeFeed, DEFAULT_MAX_FEED_MB, feedTooLarge, megabytes, readCapped } from './feed-text';

/** What the last good answer said about its version, to ask "only if changed" next time. */
export interface FeedValidators {
  etag?: string;
  lastModified?: string;
}

export type FeedResponse =
  | { kind: 'unchanged' }
  | { kind: 'body'; text: string; validators: FeedValidators };

export interface FetchFeedOptions {
  timeoutMs: number;
  /** A bigger body is a failed fetch; the download stops as soon as it passes this. Default 10 MB. */
  maxBytes?: number;
  validators?: FeedValidators;
  /** Aborts the download, e.g. when the node is closed. */
  signal?: AbortSignal;
}

export function feedLabel(url: string): string {
  try {
    return new URL(url).host || 'feed';
  } catch {
    return 'feed';
  }
}

export function checkFeedUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('the feed address is not a URL (copy the whole iCal link, starting with https://)');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`the feed address must start with https:// or http://, not ${parsed.protocol}`);
  }
}

export async function fetchFeed(url: string, options: FetchFeedOptions): Promise<FeedResponse> {
  checkFeedUrl(url);
  const label = feedLabel(url);
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, options.timeoutMs);
  const stop = () => abort.abort();
  options.signal?.addEventListener('abort', stop);
  try {
    const response = await fetch(url, { headers: requestHeaders(options.validators), signal: abort.signal, redirect: 'follow' });
    if (response.status === 304) return { kind: 'unchanged' };
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`feed ${label} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const text = decodeFeed(await readBody(response, options.maxBytes ?? megabytes(DEFAULT_MAX_FEED_MB), label));
    return { kind: 'body', text, validators: validatorsOf(response) };
  } catch (err) {
    if (timedOut) throw new Error(`feed ${label} did not answer within ${Math.round(options.timeoutMs / 1000)} s`);
    if (options.signal?.aborted) throw new Error(`feed ${label}: download stopped`);
    if (err instanceof Error && err.message.startsWith(`feed ${label}`)) throw err;
    throw new Error(`feed ${label} could not be reached (${reason(err).split(url).join(label)})`);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', stop);
    // Closes the connection of a body left unread (one too large): the server must not keep sending.
    abort.abort();
  }
}

/** Content-Length is only a hint (it may be missing or wrong), so the body is counted as it arrives. */
async function readBody(response: Response, maxBytes: number, label: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw feedTooLarge(`feed ${label}`, maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  try {
    return await readCapped(body, maxBytes, `feed ${label}`);
  } finally {
    body.destroy();
  }
}

function requestHeaders(validators: FeedValidators | undefined): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'text/calendar, text/plain;q=0.9, */*;q=0.5',
    'user-agent': 'StayKey (node-red-staykey)',
  };
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  return headers;
}

function validatorsOf(response: Response): FeedValidators {
  const validators: FeedValidators = {};
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  if (etag) validators.etag = etag;
  if (lastModified) validators.lastModified = lastModified;
  return validators;
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND, a certificate problem) in `cause`. */
function reason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
