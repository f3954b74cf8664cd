import * as crypto from 'node:crypto';
import type { Clock } from '../../time/clock';
import { NotSentYet } from '../provider';
import { TTLockError, ttlockError } from './errors';

/** The TTLock app account StayKey acts as, on one open-platform app, in one region. */
export interface TTLockAccount {
  /** The region's API host, e.g. https://euapi.ttlock.com. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The TTLock app account (not the open-platform developer login). */
  username: string;
  /** As the host typed it; only its MD5 ever leaves this process. */
  password: string;
}

export interface TTLockApiOptions {
  account: TTLockAccount;
  clock: Clock;
  /** How long one call may take before it counts as a timeout (default 30 s: a gateway write takes ~8 s). */
  timeoutMs?: number;
  /** For tests; the global fetch otherwise. */
  fetch?: typeof fetch;
}

export type TTLockParams = Record<string, string | number | undefined>;
export type TTLockReply = Record<string, unknown>;

export const DEFAULT_TTLOCK_HOST = 'https://euapi.ttlock.com';

interface Token {
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
  /** When to get a new one, well before TTLock stops taking it. */
  renewAt: number;
}

const DAY_MS = 24 * 3600_000;
/** After TTLock's "call-rate restriction" (30006, or HTTP 429) nothing is sent for this long. */
export const SLOW_DOWN_MS = 30_000;
const RATE_LIMITED = 30006;
/** Token errors that a new token cures. */
const STALE_TOKEN = new Set([10003, 10004]);

/**
 * The TTLock cloud, as one account sees it: OAuth with the app account, the token kept in memory and
 * renewed before it runs out (or when TTLock says it has), form-encoded writes, query-string reads,
 * and TTLock's HTTP-200 errors turned into LockErrors. No token, password or passcode ever reaches
 * an error text.
 */
export class TTLockApi {
  readonly host: string;
  private readonly baseUrl: string;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private token?: Token;
  private pendingToken?: Promise<Token>;
  private quietUntil = 0;

  constructor(private readonly options: TTLockApiOptions) {
    this.baseUrl = normalizeBaseUrl(options.account.baseUrl);
    this.host = new URL(this.baseUrl).host;
    this.clock = options.clock;
    this.timeoutMs = Math.max(options.timeoutMs ?? 30_000, 1);
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** A read: GET with the parameters in the query string. */
  get(path: string, params: TTLockParams = {}): Promise<TTLockReply> {
    return this.call('GET', path, params);
  }

  /** A write: POST with a form body. */
  post(path: string, params: TTLockParams = {}): Promise<TTLockReply> {
    return this.call('POST', path, params);
  }

  private async call(method: 'GET' | 'POST', path: string, params: TTLockParams): Promise<TTLockReply> {
    this.assertNotSlowedDown();
    const token = await this.currentToken();
    try {
      return await this.send(method, path, this.signed(params, token));
    } catch (err) {
      if (!(err instanceof TTLockError) || err.errcode === undefined || !STALE_TOKEN.has(err.errcode)) throw err;
      // TTLock ended the token early (a password change, a new login elsewhere): one new token, one more try.
      if (this.token === token) this.token = { ...token, renewAt: 0 };
      return this.send(method, path, this.signed(params, await this.currentToken()));
    }
  }

  private signed(params: TTLockParams, token: Token): TTLockParams {
    return { ...params, clientId: this.options.account.clientId, accessToken: token.accessToken, date: this.clock.now().getTime() };
  }

  private async currentToken(): Promise<Token> {
    const now = this.clock.now().getTime();
    if (this.token && now < this.token.renewAt) return this.token;
    this.pendingToken ??= this.newToken(this.token).finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  /** A refresh where there is a refresh token; a login with the password where there is not, or it is refused. */
  private async newToken(old: Token | undefined): Promise<Token> {
    if (old?.refreshToken && this.clock.now().getTime() < old.expiresAt) {
      try {
        return (this.token = await this.grant({ grant_type: 'refresh_token', refresh_token: old.refreshToken }));
      } catch (err) {
        if (err instanceof TTLockError && err.transient) throw err;
      }
    }
    const { username, password } = this.options.account;
    return (this.token = await this.grant({ grant_type: 'password', username, password: md5(password) }));
  }

  private async grant(params: TTLockParams): Promise<Token> {
    const { clientId, clientSecret, username, password } = this.options.account;
    if (!clientId || !clientSecret || !username || !password) {
      throw new TTLockError('the TTLock account config is missing its client id, client secret, user name or password', 'auth', false);
    }
    // The docs spell the client fields clientId/clientSecret, real clients client_id/client_secret: send both.
    const reply = await this.send('POST', '/oauth2/token', {
      ...params,
      clientId,
      clientSecret,
      client_id: clientId,
      client_secret: clientSecret,
    });
    return this.tokenFrom(reply);
  }

  private tokenFrom(reply: TTLockReply): Token {
    const accessToken = reply.access_token;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new TTLockError('TTLock answered the login without an access token', 'auth', true);
    }
    const lifetimeMs = Math.max(Number(reply.expires_in) || 0, 60) * 1000;
    const now = this.clock.now().getTime();
    // Renew a day early (or at 90 % of a short lifetime), so no write ever meets an expired token.
    const margin = Math.min(DAY_MS, lifetimeMs / 10);
    const refreshToken = typeof reply.refresh_token === 'string' && reply.refresh_token ? reply.refresh_token : undefined;
    return { accessToken, refreshToken, expiresAt: now + lifetimeMs, renewAt: now + lifetimeMs - margin };
  }

  private async send(method: 'GET' | 'POST', path: string, params: TTLockParams): Promise<TTLockReply> {
    const response = await this.exchange(method, path, params);
    const reply = await readReply(response, this.host).catch((err: unknown) => {
      if (response.status === 429) this.slowDown();
      throw err;
    });
    const errcode = reply.errcode === undefined || reply.errcode === null ? 0 : Number(reply.errcode);
    if (errcode === RATE_LIMITED || response.status === 429) this.slowDown();
    if (Number.isFinite(errcode) && errcode !== 0) throw ttlockError(errcode, reply.errmsg);
    if (!response.ok) throw httpError(response.status, this.host);
    // An OAuth refusal may come in OAuth's own words rather than an errcode.
    if (typeof reply.error === 'string' && path === '/oauth2/token') {
      throw new TTLockError('TTLock refused the login: check the TTLock account config', 'auth', false);
    }
    return reply;
  }

  /**
   * Every lock on the account shares TTLock's call-rate limit: once it is hit, retrying at once only
   * prolongs it, so nothing goes out for a while. A call held back meanwhile never reached TTLock: the
   * command runner waits the quiet time out without counting it as an attempt.
   */
  private slowDown(): void {
    this.quietUntil = this.clock.now().getTime() + SLOW_DOWN_MS;
  }

  private assertNotSlowedDown(): void {
    const left = this.quietUntil - this.clock.now().getTime();
    if (left <= 0) return;
    throw new NotSentYet(`TTLock's call-rate limit was reached; StayKey waits ${Math.ceil(left / 1000)} s before calling again`, left);
  }

  private async exchange(method: 'GET' | 'POST', path: string, params: TTLockParams): Promise<Response> {
    const form = formOf(params);
    const url = method === 'GET' ? `${this.baseUrl}${path}?${form}` : `${this.baseUrl}${path}`;
    const controller = new AbortController();
    const cancel = this.clock.setTimer(this.timeoutMs, () => controller.abort());
    try {
      return await this.fetchImpl(url, {
        method,
        signal: controller.signal,
        ...(method === 'POST' ? { body: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      });
    } catch (err) {
      // The request's own text would show its URL, and a GET's URL holds the token: never passed on.
      if (controller.signal.aborted) {
        throw new TTLockError(`TTLock (${this.host}) did not answer within ${Math.round(this.timeoutMs / 1000)} s`, 'timeout', true);
      }
      throw new TTLockError(`could not reach TTLock (${this.host}${networkCode(err)})`, 'vendor-error', true);
    } finally {
      cancel();
    }
  }
}

/** The 32-character lowercase MD5 TTLock wants instead of the password. */
export function md5(text: string): string {
  return crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

export function normalizeBaseUrl(value: string | undefined): string {
  const text = (value ?? '').trim() || DEFAULT_TTLOCK_HOST;
  const withScheme = /^https?:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TTLockError(`"${text}" is not a TTLock server address (e.g. ${DEFAULT_TTLOCK_HOST})`, 'auth', false);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function formOf(params: TTLockParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined) form.set(key, String(value));
  return form.toString();
}

async function readReply(response: Response, host: string): Promise<TTLockReply> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    throw new TTLockError(`TTLock (${host}) broke off its answer`, 'vendor-error', true);
  }
  if (text.trim() === '') {
    if (!response.ok) throw httpError(response.status, host);
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as TTLockReply;
  } catch {
    // Reported below: a proxy's error page, or half an answer.
  }
  if (!response.ok) throw httpError(response.status, host);
  throw new TTLockError(`TTLock (${host}) gave an answer StayKey cannot read`, 'vendor-error', true);
}

function httpError(status: number, host: string): TTLockError {
  if (status === 429) return new TTLockError(`TTLock (${host}) asked StayKey to slow down (HTTP 429)`, 'busy', true);
  if (status >= 500) return new TTLockError(`TTLock (${host}) is having trouble (HTTP ${status})`, 'vendor-error', true);
  if (status === 401 || status === 403) return new TTLockError(`TTLock (${host}) refused the account (HTTP ${status})`, 'auth', false);
  return new TTLockError(`TTLock (${host}) refused the request (HTTP ${status})`, 'vendor-error', false);
}

function networkCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === 'string' ? `: ${cause.code}` : '';
}
