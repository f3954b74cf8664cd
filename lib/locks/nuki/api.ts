/**
 * The few calls of the Nuki Web API (https://api.nuki.io) StayKey needs, and nothing of StayKey:
 * Bearer token, JSON bodies, 204 replies. Every request waits for its turn in the account's rate
 * limit and gives up after a timeout on the clock. The token is only ever put in the header.
 */
import { Clock } from '../../time/clock';
import { RateLimitClosed, TokenBucket } from '../rate-limit';

export const NUKI_WEB = 'https://api.nuki.io';

/** Nuki's auth type for a keypad code. */
export const KEYPAD_CODE = 13;

/** `serverState` 4: the Nuki servers have lost the lock (or its bridge). */
export const SERVER_OFFLINE = 4;

export interface NukiSmartlock {
  smartlockId: number;
  name?: string;
  serverState?: number;
  updateDate?: string;
  state?: { batteryCharge?: number; batteryCritical?: boolean; keypadBatteryCritical?: boolean };
  config?: { keypadPaired?: boolean; keypad2Paired?: boolean };
}

export interface NukiAuth {
  id: string;
  smartlockId?: number;
  type: number;
  name: string;
  enabled?: boolean;
  /** Keypad codes only: the PIN as a number (Nuki's codes have no 0, so no leading zero is lost). */
  code?: number;
  allowedFromDate?: string;
  allowedUntilDate?: string;
  allowedWeekDays?: number;
  allowedFromTime?: number;
  allowedUntilTime?: number;
  remoteAllowed?: boolean;
}

/** What StayKey sends for a keypad code: the dates, every weekday, all day. */
export interface KeypadCodeBody {
  name: string;
  code?: number;
  allowedFromDate: string;
  allowedUntilDate: string;
  allowedWeekDays: number;
  allowedFromTime: number;
  allowedUntilTime: number;
  remoteAllowed: boolean;
}

export type NukiFailure = 'http' | 'timeout' | 'network' | 'stopped';

/**
 * A request that did not get a 2xx. `detail` is the vendor's `detailMessage` as sent: it may hold
 * the PIN ("The supplied value '245678' ..."), so it is for classifying, never for a host's eyes.
 */
export class NukiApiError extends Error {
  constructor(
    message: string,
    readonly failure: NukiFailure,
    readonly status: number,
    readonly detail: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'NukiApiError';
  }
}

/** One Nuki Web account as the requests need it; shared by every locks config that uses the account. */
export interface NukiConnection {
  baseUrl: string;
  /** Read on each request, so a new token in the account node counts at once. */
  token: () => string | undefined;
  clock: Clock;
  requests: TokenBucket;
  /** Give up on an answer after this long (default 15 s). */
  timeoutMs?: number;
  /** When Nuki says 429 without Retry-After (default 10 s). */
  defaultRetryAfterMs?: number;
}

interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_RETRY_AFTER_MS = 10_000;

export class NukiClient {
  private readonly inFlight = new Set<AbortController>();
  private closed = false;

  constructor(private readonly connection: NukiConnection) {}

  /** Stops every request still waiting for an answer; later ones are not sent. */
  close(): void {
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  smartlock(smartlockId: string): Promise<NukiSmartlock> {
    return this.json<NukiSmartlock>('GET', `/smartlock/${encodeURIComponent(smartlockId)}`);
  }

  auths(smartlockId: string): Promise<NukiAuth[]> {
    return this.json<NukiAuth[]>('GET', `/smartlock/${encodeURIComponent(smartlockId)}/auth`);
  }

  /** Asynchronous at Nuki: the 204 says the request was taken, not that the code exists. */
  createKeypadCode(smartlockId: string, body: KeypadCodeBody): Promise<void> {
    return this.empty('PUT', `/smartlock/${encodeURIComponent(smartlockId)}/auth`, { ...body, type: KEYPAD_CODE });
  }

  updateAuth(smartlockId: string, authId: string, body: KeypadCodeBody): Promise<void> {
    return this.empty('POST', `/smartlock/${encodeURIComponent(smartlockId)}/auth/${encodeURIComponent(authId)}`, body);
  }

  deleteAuth(smartlockId: string, authId: string): Promise<void> {
    return this.empty('DELETE', `/smartlock/${encodeURIComponent(smartlockId)}/auth/${encodeURIComponent(authId)}`);
  }

  private async json<T>(method: string, path: string): Promise<T> {
    const text = await this.request(method, path);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new NukiApiError(`Nuki Web sent something that is not JSON for ${method} ${path}`, 'http', 200, '');
    }
  }

  private async empty(method: string, path: string, body?: unknown): Promise<void> {
    await this.request(method, path, body);
  }

  private async request(method: string, path: string, body?: unknown): Promise<string> {
    const token = this.connection.token();
    if (!token) throw new NukiApiError('the Nuki account has no API token', 'http', 401, '');
    try {
      await this.connection.requests.take();
    } catch (err) {
      if (err instanceof RateLimitClosed) throw stopped();
      throw err;
    }
    if (this.closed) throw stopped();
    const answer = await this.send(method, path, token, body);
    if (answer.status >= 200 && answer.status < 300) return answer.text;
    throw this.failure(method, path, answer);
  }

  /** fetch with a timeout on the clock: a cloud that never answers must not hold a lock's queue forever. */
  private async send(method: string, path: string, token: string, body: unknown): Promise<Answer> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    let timedOut = false;
    const timeoutMs = this.connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const cancel = this.connection.clock.setTimer(timeoutMs, () => {
      timedOut = true;
      controller.abort();
    });
    try {
      const response = await fetch(`${this.connection.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: controller.signal,
      });
      // The body is read inside the timeout too: a reply that stalls halfway is no answer either.
      return { status: response.status, retryAfter: response.headers.get('retry-after'), text: await response.text() };
    } catch (err) {
      // Neither message names the token: fetch's own error text could carry request details.
      if (timedOut) throw new NukiApiError(`Nuki Web did not answer ${method} ${path} within ${Math.round(timeoutMs / 1000)} s`, 'timeout', 0, '');
      if (this.closed) throw stopped();
      throw new NukiApiError(`Nuki Web could not be reached (${networkCause(err)})`, 'network', 0, '');
    } finally {
      cancel();
      this.inFlight.delete(controller);
    }
  }

  private failure(method: string, path: string, answer: Answer): NukiApiError {
    const detail = detailOf(answer.text);
    if (answer.status === 429) {
      const wait = retryAfterMs(answer.retryAfter, this.connection.clock) ?? this.connection.defaultRetryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
      this.connection.requests.pauseFor(wait);
      return new NukiApiError(`Nuki Web asked StayKey to slow down (429; next request in ${Math.ceil(wait / 1000)} s)`, 'http', 429, detail, wait);
    }
    return new NukiApiError(`Nuki Web answered ${answer.status} to ${method} ${path}`, 'http', answer.status, detail);
  }
}

function stopped(): NukiApiError {
  return new NukiApiError('StayKey stopped before Nuki Web answered', 'stopped', 0, '');
}

function detailOf(text: string): string {
  try {
    const body = JSON.parse(text) as { detailMessage?: unknown };
    return typeof body?.detailMessage === 'string' ? body.detailMessage : '';
  } catch {
    return '';
  }
}

/** Retry-After is seconds or an HTTP date. */
export function retryAfterMs(header: string | null, clock: Clock): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  if (Number.isNaN(at)) return undefined;
  return Math.max(at - clock.now().getTime(), 0);
}

function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return 'connection failed';
}
