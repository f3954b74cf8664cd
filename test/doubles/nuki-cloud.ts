/**
 * A local Nuki Web (https://api.nuki.io) for tests, on 127.0.0.1 and a free port, following the
 * documented API rather than StayKey's hopes: Bearer token (401 otherwise), JSON bodies, keypad
 * codes (auth type 13) created asynchronously (PUT answers 204 with no body and no id; the auth
 * shows in the list a listing or two later), POST updates (name required), DELETE removes, the
 * keypad's rules (6 digits, 1-9, not starting "12", unique on the lock; 400 quoting the value),
 * names up to 20 characters (422), 400 for a keypad code on a lock without a keypad, ~100 codes.
 * Faults: any status (5xx, 429 with Retry-After, 401), answers that never come, writes acknowledged
 * and not done, writes done and their answer lost, and whole outages.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock, systemClock } from '../../lib/time/clock';

export interface DoubleSmartlock {
  smartlockId: number;
  name: string;
  /** 0 online, 4 offline. */
  serverState: number;
  batteryCharge?: number;
  batteryCritical: boolean;
  keypadPaired: boolean;
}

export interface DoubleAuth {
  id: string;
  smartlockId: number;
  type: number;
  name: string;
  enabled: boolean;
  code?: number;
  allowedFromDate?: string;
  allowedUntilDate?: string;
  allowedWeekDays?: number;
  allowedFromTime?: number;
  allowedUntilTime?: number;
  remoteAllowed?: boolean;
  creationDate: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  /** On the double's clock, in ms. */
  at: number;
  authorized: boolean;
  status: number;
  /** The JSON body as sent (test-only: it holds PINs). */
  body?: Record<string, unknown>;
}

export interface FaultFilter {
  method?: string;
  path?: RegExp;
}

type Fault =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  /** Answers 204 and does nothing: the acknowledgement that is not proof. */
  | { kind: 'ignore' }
  /** Does the work, then answers `status`: the reply lost on the way back. */
  | { kind: 'lose'; status: number; after?: () => void };

interface QueuedFault {
  fault: Fault;
  left: number;
  filter: FaultFilter;
}

interface StoredAuth {
  auth: DoubleAuth;
  /** Listings of the lock's auths still to go before this one shows (Nuki creates asynchronously). */
  hiddenFor: number;
}

export interface NukiCloudOptions {
  token?: string;
  clock?: Clock;
  /** Listings a new keypad code stays out of (default 1: the first listing after the 204 misses it). */
  createDelayReads?: number;
  /** Keypad codes a lock holds (default 100); more are accepted and never appear, as the lock refuses them. */
  maxCodes?: number;
}

export class NukiCloudDouble {
  url = '';
  token: string;
  createDelayReads: number;
  readonly requests: LoggedRequest[] = [];
  private readonly clock: Clock;
  private readonly maxCodes: number;
  private readonly smartlocks = new Map<number, DoubleSmartlock>();
  private readonly auths = new Map<number, StoredAuth[]>();
  private readonly faults: QueuedFault[] = [];
  private readonly hanging = new Set<http.ServerResponse>();
  private outage = false;
  private readonly server: http.Server;

  private constructor(options: NukiCloudOptions) {
    this.token = options.token ?? 'nuki-test-token-5f1e';
    this.clock = options.clock ?? systemClock;
    this.createDelayReads = options.createDelayReads ?? 1;
    this.maxCodes = options.maxCodes ?? 100;
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((err: unknown) => {
        response.writeHead(500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ detailMessage: String(err) }));
      });
    });
  }

  static async start(options: NukiCloudOptions = {}): Promise<NukiCloudDouble> {
    const double = new NukiCloudDouble(options);
    await new Promise<void>((resolve) => double.server.listen(0, '127.0.0.1', resolve));
    double.url = `http://127.0.0.1:${(double.server.address() as AddressInfo).port}`;
    return double;
  }

  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.hanging.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- Setting the scene ------------------------------------------------------------------------

  addSmartlock(lock: Partial<DoubleSmartlock> & { smartlockId: number }): DoubleSmartlock {
    const full: DoubleSmartlock = { name: `Smart Lock ${lock.smartlockId}`, serverState: 0, batteryCharge: 80, batteryCritical: false, keypadPaired: true, ...lock };
    this.smartlocks.set(full.smartlockId, full);
    if (!this.auths.has(full.smartlockId)) this.auths.set(full.smartlockId, [this.appUser(full.smartlockId)]);
    return full;
  }

  smartlock(smartlockId: number): DoubleSmartlock {
    const lock = this.smartlocks.get(smartlockId);
    if (!lock) throw new Error(`the double has no smartlock ${smartlockId}`);
    return lock;
  }

  /** Someone added a code in the Nuki app: shows at once. */
  addKeypadCode(smartlockId: number, code: { name: string; code: number; allowedFromDate?: string; allowedUntilDate?: string }): DoubleAuth {
    const auth = this.newAuth(smartlockId, { type: 13, ...code });
    this.stored(smartlockId).push({ auth, hiddenFor: 0 });
    return auth;
  }

  /** Every keypad code on the lock, shown or not yet shown. */
  keypadCodes(smartlockId: number): DoubleAuth[] {
    return this.stored(smartlockId)
      .map((entry) => entry.auth)
      .filter((auth) => auth.type === 13);
  }

  /** The next `count` requests matching `filter` get `status` (and `body`, `headers`: Retry-After). */
  failNext(count: number, status: number, options: { body?: unknown; headers?: Record<string, string>; filter?: FaultFilter } = {}): void {
    this.queue({ kind: 'status', status, body: options.body, headers: options.headers }, count, options.filter);
  }

  /** The next `count` matching requests are never answered (until the double closes). */
  hangNext(count: number, filter: FaultFilter = {}): void {
    this.queue({ kind: 'hang' }, count, filter);
  }

  /** The next `count` writes answer 204 and change nothing. */
  ignoreNextWrites(count: number): void {
    this.queue({ kind: 'ignore' }, count, { method: 'WRITE' });
  }

  /** The next `count` matching requests are carried out, then answered with `status` (503: the reply is lost). */
  loseNextAnswers(count: number, filter: FaultFilter = {}, options: { status?: number; after?: () => void } = {}): void {
    this.queue({ kind: 'lose', status: options.status ?? 503, after: options.after }, count, filter);
  }

  /** Nuki Web down: every request 503 until it is over. */
  setOutage(down: boolean): void {
    this.outage = down;
  }

  /** The host made a new token: the old one gets 401. */
  rotateToken(token: string): void {
    this.token = token;
  }

  writes(): LoggedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET');
  }

  // --- The API ---------------------------------------------------------------------------------

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://double').pathname;
    const text = await readBody(request);
    const body = parseJson(text);
    const authorized = request.headers.authorization === `Bearer ${this.token}`;
    const logged: LoggedRequest = { method, path, at: this.clock.now().getTime(), authorized, status: 0, ...(isObject(body) ? { body } : {}) };
    this.requests.push(logged);
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      logged.status = status;
      if (payload === undefined) {
        response.writeHead(status, headers);
        response.end();
        return;
      }
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      response.end(JSON.stringify(payload));
    };

    if (this.outage) return reply(503, { detailMessage: 'Service Unavailable' });
    const fault = this.takeFault(method, path);
    if (fault?.kind === 'status') return reply(fault.status, fault.body, fault.headers);
    if (fault?.kind === 'hang') {
      this.hanging.add(response);
      return;
    }
    if (!authorized) return reply(401, { detailMessage: 'Your access token is not authorized' });
    if (fault?.kind === 'ignore') return reply(204);
    const result = this.route(method, path, body);
    if (fault?.kind === 'lose') {
      fault.after?.();
      return reply(fault.status, { detailMessage: 'Service Unavailable' });
    }
    return reply(result.status, result.body);
  }

  private route(method: string, path: string, body: unknown): { status: number; body?: unknown } {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'smartlock') return { status: 404, body: { detailMessage: 'Not Found' } };
    if (parts.length === 1 && method === 'GET') return { status: 200, body: [...this.smartlocks.values()].map((lock) => this.smartlockJson(lock)) };
    const lock = this.smartlocks.get(Number(parts[1]));
    if (!lock) return { status: 404, body: { detailMessage: 'Not Found' } };
    if (parts.length === 2 && method === 'GET') return { status: 200, body: this.smartlockJson(lock) };
    if (parts[2] !== 'auth') return { status: 404, body: { detailMessage: 'Not Found' } };
    if (parts.length === 3 && method === 'GET') return { status: 200, body: this.listAuths(lock) };
    if (parts.length === 3 && method === 'PUT') return this.createAuth(lock, body);
    const stored = this.stored(lock.smartlockId).find((entry) => entry.auth.id === parts[3]);
    if (parts.length !== 4 || !stored) return { status: 404, body: { detailMessage: 'Not Found' } };
    if (method === 'POST') return this.updateAuth(lock, stored, body);
    if (method === 'DELETE') {
      this.auths.set(lock.smartlockId, this.stored(lock.smartlockId).filter((entry) => entry !== stored));
      return { status: 204 };
    }
    return { status: 405, body: { detailMessage: 'Method Not Allowed' } };
  }

  private listAuths(lock: DoubleSmartlock): DoubleAuth[] {
    const shown: DoubleAuth[] = [];
    for (const entry of this.stored(lock.smartlockId)) {
      if (entry.hiddenFor > 0) {
        entry.hiddenFor -= 1;
        continue;
      }
      shown.push({ ...entry.auth });
    }
    return shown;
  }

  private createAuth(lock: DoubleSmartlock, body: unknown): { status: number; body?: unknown } {
    if (!isObject(body)) return invalid('body', String(body));
    if (body.type !== 13) return invalid('type', String(body.type));
    if (!lock.keypadPaired) return { status: 400, body: { detailMessage: 'Invalid auth type for this smartlock' } };
    const problem = this.nameProblem(body.name) ?? this.codeProblem(lock, body.code, undefined);
    if (problem) return problem;
    if (this.keypadCodes(lock.smartlockId).length >= this.maxCodes) return { status: 204 }; // taken; the keypad refuses it later
    const auth = this.newAuth(lock.smartlockId, {
      type: 13,
      name: String(body.name),
      code: Number(body.code),
      ...dates(body),
    });
    this.stored(lock.smartlockId).push({ auth, hiddenFor: this.createDelayReads });
    return { status: 204 };
  }

  private updateAuth(lock: DoubleSmartlock, stored: StoredAuth, body: unknown): { status: number; body?: unknown } {
    if (!isObject(body)) return invalid('body', String(body));
    const problem = this.nameProblem(body.name) ?? (body.code === undefined ? undefined : this.codeProblem(lock, body.code, stored.auth.id));
    if (problem) return problem;
    Object.assign(stored.auth, { name: String(body.name), ...dates(body), ...(body.code === undefined ? {} : { code: Number(body.code) }) });
    return { status: 204 };
  }

  private nameProblem(name: unknown): { status: number; body: unknown } | undefined {
    if (typeof name !== 'string' || name.trim() === '') return invalid('name', String(name));
    if (name.length > 20) return { status: 422, body: { detailMessage: 'The name must not be longer than 20 characters' } };
    return undefined;
  }

  /** The keypad's rules, checked as Nuki checks them: one message for every way a code can be wrong. */
  private codeProblem(lock: DoubleSmartlock, code: unknown, except: string | undefined): { status: number; body: unknown } | undefined {
    const text = String(code);
    const valid = typeof code === 'number' && /^[1-9]{6}$/.test(text) && !text.startsWith('12');
    const taken = this.keypadCodes(lock.smartlockId).some((auth) => auth.id !== except && auth.code === code);
    return valid && !taken ? undefined : invalid('code', text);
  }

  private smartlockJson(lock: DoubleSmartlock): Record<string, unknown> {
    return {
      smartlockId: lock.smartlockId,
      accountId: 1,
      type: 4,
      name: lock.name,
      serverState: lock.serverState,
      adminPinState: 0,
      virtualDevice: false,
      updateDate: new Date(this.clock.now()).toISOString(),
      config: { name: lock.name, keypadPaired: lock.keypadPaired, keypad2Paired: false },
      state: {
        mode: 2,
        state: 1,
        trigger: 0,
        ...(lock.batteryCharge === undefined ? {} : { batteryCharge: lock.batteryCharge }),
        batteryCritical: lock.batteryCritical,
        batteryCharging: false,
        keypadBatteryCritical: false,
      },
    };
  }

  private newAuth(smartlockId: number, fields: Partial<DoubleAuth> & { type: number; name: string }): DoubleAuth {
    return { id: crypto.randomBytes(12).toString('hex'), smartlockId, enabled: true, creationDate: this.clock.now().toISOString(), ...fields };
  }

  private appUser(smartlockId: number): StoredAuth {
    return { auth: this.newAuth(smartlockId, { type: 0, name: 'Owner (app)' }), hiddenFor: 0 };
  }

  private stored(smartlockId: number): StoredAuth[] {
    let list = this.auths.get(smartlockId);
    if (!list) {
      list = [];
      this.auths.set(smartlockId, list);
    }
    return list;
  }

  private queue(fault: Fault, count: number, filter: FaultFilter = {}): void {
    this.faults.push({ fault, left: count, filter });
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const queued = this.faults.find((entry) => entry.left > 0 && matches(entry.filter, method, path));
    if (!queued) return undefined;
    queued.left -= 1;
    if (queued.left === 0) this.faults.splice(this.faults.indexOf(queued), 1);
    return queued.fault;
  }
}

function matches(filter: FaultFilter, method: string, path: string): boolean {
  if (filter.method === 'WRITE' && method === 'GET') return false;
  if (filter.method && filter.method !== 'WRITE' && filter.method !== method) return false;
  return !filter.path || filter.path.test(path);
}

function invalid(parameter: string, value: string): { status: number; body: unknown } {
  return { status: 400, body: { detailMessage: `The supplied value '${value}' for parameter '${parameter}' is not valid`, stackTrace: null } };
}

function dates(body: Record<string, unknown>): Partial<DoubleAuth> {
  const fields: Partial<DoubleAuth> = {};
  for (const key of ['allowedFromDate', 'allowedUntilDate'] as const) {
    if (typeof body[key] === 'string') fields[key] = new Date(body[key] as string).toISOString();
  }
  for (const key of ['allowedWeekDays', 'allowedFromTime', 'allowedUntilTime'] as const) {
    if (typeof body[key] === 'number') fields[key] = body[key] as number;
  }
  if (typeof body.remoteAllowed === 'boolean') fields.remoteAllowed = body.remoteAllowed;
  return fields;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Moves a ManualClock on while `work` runs against the double: a few real milliseconds for the
 * sockets, then `stepMs` of clock time for waits and backoff. Steps are small against request
 * timeouts (15 s and up), so a slow local answer is never taken for a timeout.
 */
export async function driveClock<T>(clock: { advance(ms: number): void }, work: Promise<T>, options: { stepMs?: number; maxSteps?: number } = {}): Promise<T> {
  let finished = false;
  void work.then(
    () => (finished = true),
    () => (finished = true),
  );
  const stepMs = options.stepMs ?? 100;
  const maxSteps = options.maxSteps ?? 20_000;
  for (let step = 0; step < maxSteps && !finished; step++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (!finished) clock.advance(stepMs);
  }
  if (!finished) throw new Error('the work never finished while the clock was driven');
  return work;
}

/** Resolves once `check` holds, looking every few real milliseconds (for sockets the clock does not move). */
export async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
