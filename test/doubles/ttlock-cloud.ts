/**
 * A local stand-in for the TTLock Open Platform cloud API v3, following its documentation: writes are
 * form-encoded POSTs, reads are GETs with query parameters, every call carries clientId, accessToken
 * and date (more than 5 minutes off: 80000), errors come back as HTTP 200 `{errcode, errmsg,
 * description}`. Gateways handle one operation at a time (-3003 otherwise). Faults can be injected:
 * errcodes, HTTP errors, answers that never come (with or without the work done), acknowledgements
 * that did nothing, an outage, expired tokens.
 */
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../../lib/time/clock';

export interface CloudOptions {
  clock: Clock;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  password?: string;
  /** Token lifetime in seconds (TTLock: 90 days). */
  expiresIn?: number;
  /** Real milliseconds a gateway operation takes (tiny in tests; ~8 s in life). */
  gatewayLatencyMs?: number;
}

export interface CloudPasscode {
  keyboardPwdId: number;
  keyboardPwd: string;
  keyboardPwdName: string;
  keyboardPwdType: number;
  startDate: number;
  endDate: number;
  /** What the lock itself holds: null when the passcode only exists in the cloud (addType 1). */
  onLock: { pin: string; startDate: number; endDate: number } | null;
}

export interface CloudLock {
  lockId: number;
  lockName: string;
  lockAlias: string;
  lockMac: string;
  electricQuantity: number;
  /** What a live query through the gateway reads. */
  liveBattery: number;
  gatewayId?: number;
  wifi: boolean;
  online: boolean;
  timezoneRawOffset: number;
  /** How far the lock's clock is from the real time (ms). */
  clockOffsetMs: number;
  owner: string;
  capacity: number;
  passcodes: Map<number, CloudPasscode>;
  /** Deleted from the cloud only (deleteType 1): still on the lock, still opening it. */
  ghosts: CloudPasscode[];
}

export interface CloudGateway {
  gatewayId: number;
  gatewayName: string;
  isOnline: boolean;
  inFlight: number;
}

export interface CloudCall {
  method: string;
  path: string;
  params: Record<string, string>;
}

type Reply = { status: number; body: unknown } | 'hang';
type Fault =
  | { kind: 'errcode'; path: string; errcode: number; count: number }
  | { kind: 'http'; path: string; status: number; count: number }
  | { kind: 'hang'; path: string; apply: boolean; count: number };

const FIVE_MINUTES = 5 * 60_000;
const MINUTE = 60_000;

class Refusal extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(errmsg);
  }
}

export class TTLockCloud {
  readonly calls: CloudCall[] = [];
  readonly grants = { password: 0, refresh: 0 };
  /** Gateway operations refused because another was under way on the same gateway. */
  busyRefusals = 0;
  readonly locks = new Map<number, CloudLock>();
  readonly gateways = new Map<number, CloudGateway>();
  private readonly clock: Clock;
  private readonly clientId: string;
  private readonly clientSecret: string;
  private readonly users = new Map<string, string>();
  private readonly tokens = new Map<string, { user: string; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, string>();
  private faults: Fault[] = [];
  private ignoredWrites = 0;
  private down = false;
  private nextPasscodeId = 5001;
  private readonly hung = new Set<http.ServerResponse>();
  private server?: http.Server;

  constructor(private readonly options: CloudOptions) {
    this.clock = options.clock;
    this.clientId = options.clientId ?? 'client-id-1';
    this.clientSecret = options.clientSecret ?? 'client-secret-1';
    this.users.set(options.username ?? 'host@example.com', md5(options.password ?? 'door-password'));
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  // --- Setting the scene ------------------------------------------------------------------------

  addGateway(gatewayId: number, gatewayName = `G2 ${gatewayId}`): CloudGateway {
    const gateway: CloudGateway = { gatewayId, gatewayName, isOnline: true, inFlight: 0 };
    this.gateways.set(gatewayId, gateway);
    return gateway;
  }

  addLock(lock: Partial<CloudLock> & { lockId: number }): CloudLock {
    const full: CloudLock = {
      lockName: `S31_${lock.lockId}`,
      lockAlias: `Lock ${lock.lockId}`,
      lockMac: 'C5:40:E0:9C:8C:C1',
      electricQuantity: 80,
      liveBattery: 78,
      wifi: false,
      online: true,
      timezoneRawOffset: 0,
      clockOffsetMs: 0,
      owner: this.options.username ?? 'host@example.com',
      capacity: 250,
      passcodes: new Map(),
      ghosts: [],
      ...lock,
    };
    this.locks.set(full.lockId, full);
    return full;
  }

  /** A passcode made outside StayKey (in the TTLock app, by the previous manager). */
  addPasscode(lockId: number, passcode: { pin: string; name: string; startDate?: number; endDate?: number; type?: number }): CloudPasscode {
    const lock = this.locks.get(lockId)!;
    const made: CloudPasscode = {
      keyboardPwdId: this.nextPasscodeId++,
      keyboardPwd: passcode.pin,
      keyboardPwdName: passcode.name,
      keyboardPwdType: passcode.type ?? 3,
      startDate: passcode.startDate ?? 0,
      endDate: passcode.endDate ?? 0,
      onLock: { pin: passcode.pin, startDate: passcode.startDate ?? 0, endDate: passcode.endDate ?? 0 },
    };
    lock.passcodes.set(made.keyboardPwdId, made);
    return made;
  }

  passcodesOn(lockId: number): CloudPasscode[] {
    return [...(this.locks.get(lockId)?.passcodes.values() ?? [])];
  }

  /** Whether typing `pin` on the lock opens it at `at`, by what the lock itself holds. */
  opens(lockId: number, pin: string, at: Date): boolean {
    const lock = this.locks.get(lockId)!;
    const lockNow = at.getTime() + lock.clockOffsetMs;
    const held = [...lock.passcodes.values(), ...lock.ghosts].map((p) => p.onLock).filter((copy) => copy !== null);
    return held.some((copy) => copy!.pin === pin && (copy!.startDate === 0 || lockNow >= copy!.startDate) && (copy!.endDate === 0 || lockNow < copy!.endDate));
  }

  // --- Faults -------------------------------------------------------------------------------------

  failNext(path: string, errcode: number, count = 1): void {
    this.faults.push({ kind: 'errcode', path, errcode, count });
  }

  httpErrorNext(path: string, status: number, count = 1): void {
    this.faults.push({ kind: 'http', path, status, count });
  }

  /** The next calls to `path` are never answered; with `apply` the work is done first (the answer is what is lost). */
  hangNext(path: string, options: { apply: boolean }, count = 1): void {
    this.faults.push({ kind: 'hang', path, apply: options.apply, count });
  }

  /** Writes acknowledged with success that change nothing. */
  ignoreNextWrites(count: number): void {
    this.ignoredWrites = count;
  }

  /** Every call answers 503 until the cloud is back. */
  setOutage(down: boolean): void {
    this.down = down;
  }

  /** TTLock ends every access token early (10004); refresh tokens still work. */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  /** Refresh tokens stop working too (10011): only the password gets a new token. */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  callsTo(path: string): CloudCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  // --- The server -------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const params: Record<string, string> = {};
    const form = method === 'POST' && /application\/x-www-form-urlencoded/.test(req.headers['content-type'] ?? '') ? new URLSearchParams(body) : undefined;
    for (const [key, value] of url.searchParams) params[key] = value;
    if (form) for (const [key, value] of form) params[key] = value;
    this.calls.push({ method, path: url.pathname, params });
    const reply = await this.answer(method, url.pathname, params, form !== undefined || method === 'GET');
    if (reply === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
  }

  private async answer(method: string, path: string, params: Record<string, string>, formOk: boolean): Promise<Reply> {
    if (this.down) return { status: 503, body: '<html>503 Service Temporarily Unavailable</html>' };
    const fault = this.takeFault(path);
    if (fault?.kind === 'http') return { status: fault.status, body: { message: 'upstream error' } };
    if (fault?.kind === 'errcode') return ok(refusal(fault.errcode, 'injected'));
    if (fault?.kind === 'hang' && !fault.apply) return 'hang';
    let body: unknown;
    try {
      if (!formOk) throw new Refusal(-3, 'invalid parameter: writes are form-encoded');
      body = await this.route(method, path, params);
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      body = refusal(err.errcode, err.message);
    }
    // The work is done; the answer is what gets lost.
    if (fault?.kind === 'hang') return 'hang';
    return body === undefined ? { status: 404, body: { message: 'not found' } } : ok(body);
  }

  private takeFault(path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.path === path && f.count > 0);
    if (!fault) return undefined;
    fault.count -= 1;
    this.faults = this.faults.filter((f) => f.count > 0);
    return fault;
  }

  private async route(method: string, path: string, params: Record<string, string>): Promise<unknown> {
    if (path === '/oauth2/token') return this.expectMethod(method, 'POST', () => this.oauth(params));
    const user = this.authorise(params);
    switch (path) {
      case '/v3/lock/list':
        return this.expectMethod(method, 'GET', () => page([...this.locks.values()].filter((l) => l.owner === user).map(lockItem), params, 1000));
      case '/v3/lock/queryElectricQuantity':
        return this.expectMethod(method, 'GET', () => this.viaGateway(this.ownLock(params, user), (lock) => ({ electricQuantity: lock.liveBattery })));
      case '/v3/lock/queryDate':
        return this.expectMethod(method, 'GET', () => this.viaGateway(this.ownLock(params, user), (lock) => ({ date: this.clock.now().getTime() + lock.clockOffsetMs })));
      case '/v3/gateway/list':
        return this.expectMethod(method, 'GET', () => page([...this.gateways.values()].map(gatewayItem(this.locks)), params, 100));
      case '/v3/gateway/listLock':
        return this.expectMethod(method, 'GET', () => this.gatewayLocks(params));
      case '/v3/lock/listKeyboardPwd':
        return this.expectMethod(method, 'GET', () => page([...this.ownLock(params, user).passcodes.values()].map(passcodeItem), params, 200));
      case '/v3/keyboardPwd/add':
        return this.expectMethod(method, 'POST', () => this.add(this.ownLock(params, user), params));
      case '/v3/keyboardPwd/change':
        return this.expectMethod(method, 'POST', () => this.change(this.ownLock(params, user), params));
      case '/v3/keyboardPwd/delete':
        return this.expectMethod(method, 'POST', () => this.remove(this.ownLock(params, user), params));
      default:
        return undefined;
    }
  }

  private async expectMethod(method: string, wanted: string, work: () => unknown): Promise<unknown> {
    if (method !== wanted) throw new Refusal(-3, `invalid parameter: use ${wanted}`);
    return work();
  }

  // --- OAuth ------------------------------------------------------------------------------------

  private oauth(params: Record<string, string>): unknown {
    const clientId = params.clientId ?? params.client_id;
    const clientSecret = params.clientSecret ?? params.client_secret;
    // TTLock tells an unknown client id (10000) from a known one with the wrong secret (10001).
    if (clientId !== this.clientId) throw new Refusal(10000, 'invalid client_id');
    if (clientSecret !== this.clientSecret) throw new Refusal(10001, 'invalid client');
    const grant = params.grant_type ?? (params.username ? 'password' : '');
    if (grant === 'refresh_token') {
      const user = this.refreshTokens.get(params.refresh_token ?? '');
      if (!user) throw new Refusal(10011, 'invalid refresh_token');
      this.refreshTokens.delete(params.refresh_token);
      this.grants.refresh += 1;
      return this.issue(user);
    }
    const stored = this.users.get(params.username ?? '');
    // TTLock takes the password only as its 32-character lowercase MD5.
    if (!stored || params.password !== stored) throw new Refusal(10007, 'invalid account or invalid password');
    this.grants.password += 1;
    return this.issue(params.username);
  }

  private issue(user: string): unknown {
    const accessToken = crypto.randomBytes(16).toString('hex');
    const refreshToken = crypto.randomBytes(16).toString('hex');
    const expiresIn = this.options.expiresIn ?? 7_776_000;
    this.tokens.set(accessToken, { user, expiresAt: this.clock.now().getTime() + expiresIn * 1000 });
    this.refreshTokens.set(refreshToken, user);
    return { access_token: accessToken, uid: 1234, refresh_token: refreshToken, expires_in: expiresIn, scope: 'user,key,room', token_type: 'Bearer' };
  }

  private authorise(params: Record<string, string>): string {
    if (params.clientId !== this.clientId) throw new Refusal(10000, 'invalid client_id');
    const token = this.tokens.get(params.accessToken ?? '');
    if (!token) throw new Refusal(10003, 'invalid token');
    const now = this.clock.now().getTime();
    if (now >= token.expiresAt) throw new Refusal(10004, 'access token expired');
    const date = Number(params.date);
    if (!Number.isFinite(date) || Math.abs(date - now) > FIVE_MINUTES) throw new Refusal(80000, 'date must be current time, in 5 minutes');
    return token.user;
  }

  // --- Locks and gateways -------------------------------------------------------------------------

  private ownLock(params: Record<string, string>, user: string): CloudLock {
    const lock = this.locks.get(Number(params.lockId));
    if (!lock) throw new Refusal(-1003, 'lock does not exist');
    if (lock.owner !== user) throw new Refusal(-2018, 'permission denied');
    return lock;
  }

  private gatewayLocks(params: Record<string, string>): unknown {
    const gatewayId = Number(params.gatewayId);
    if (!this.gateways.has(gatewayId)) throw new Refusal(-3, 'invalid parameter');
    const list = [...this.locks.values()]
      .filter((lock) => lock.gatewayId === gatewayId)
      .map((lock) => ({ lockId: lock.lockId, lockName: lock.lockName, lockAlias: lock.lockAlias, lockMac: lock.lockMac, rssi: -65, updateDate: this.clock.now().getTime() }));
    return { list };
  }

  /** One operation at a time per gateway, as the real ones: a second one meanwhile is refused "busy". */
  private async viaGateway<T>(lock: CloudLock, work: (lock: CloudLock) => T): Promise<T> {
    const gateway = lock.gatewayId === undefined ? undefined : this.gateways.get(lock.gatewayId);
    if (!gateway && !lock.wifi) throw new Refusal(-2012, 'no gateway near the lock');
    if (gateway && !gateway.isOnline) throw new Refusal(-3002, 'gateway is offline');
    if (gateway && gateway.inFlight > 0) {
      this.busyRefusals += 1;
      throw new Refusal(-3003, 'gateway is busy');
    }
    if (!lock.online) throw new Refusal(-3036, 'lock is offline');
    if (gateway) gateway.inFlight += 1;
    try {
      const latency = this.options.gatewayLatencyMs ?? 0;
      if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
      return work(lock);
    } finally {
      if (gateway) gateway.inFlight -= 1;
    }
  }

  // --- Passcodes --------------------------------------------------------------------------------

  private async add(lock: CloudLock, params: Record<string, string>): Promise<unknown> {
    const pin = params.keyboardPwd ?? '';
    checkPin(lock, pin, undefined);
    const type = Number(params.keyboardPwdType ?? 3);
    const startDate = minute(params.startDate);
    const endDate = minute(params.endDate);
    if (type === 3 && (!startDate || !endDate)) throw new Refusal(-3, 'invalid parameter: a period passcode needs startDate and endDate');
    if (lock.passcodes.size >= lock.capacity) throw new Refusal(-3009, 'custom passcode space is full');
    const addType = Number(params.addType ?? 1);
    const keyboardPwdId = this.nextPasscodeId++;
    const store = (): { keyboardPwdId: number } => {
      if (this.swallow()) return { keyboardPwdId };
      const passcode: CloudPasscode = {
        keyboardPwdId,
        keyboardPwd: pin,
        keyboardPwdName: params.keyboardPwdName ?? '',
        keyboardPwdType: type,
        startDate: startDate ?? 0,
        endDate: endDate ?? 0,
        onLock: null,
      };
      if (addType !== 1) passcode.onLock = { pin, startDate: passcode.startDate, endDate: passcode.endDate };
      lock.passcodes.set(keyboardPwdId, passcode);
      return { keyboardPwdId };
    };
    // addType 1 (the default) only records what an app already wrote over Bluetooth: no gateway involved.
    return addType === 1 ? store() : this.viaGateway(lock, store);
  }

  private async change(lock: CloudLock, params: Record<string, string>): Promise<unknown> {
    const passcode = lock.passcodes.get(Number(params.keyboardPwdId));
    if (!passcode) throw new Refusal(-2009, 'passcode does not exist');
    const newPin = params.newKeyboardPwd;
    if (newPin !== undefined) checkPin(lock, newPin, passcode.keyboardPwdId);
    const apply = () => {
      if (this.swallow()) return success();
      if (params.keyboardPwdName !== undefined) passcode.keyboardPwdName = params.keyboardPwdName;
      if (newPin !== undefined) passcode.keyboardPwd = newPin;
      // As documented: without startDate the dates stay as they were, and the answer is still success.
      if (params.startDate !== undefined) {
        passcode.startDate = minute(params.startDate) ?? passcode.startDate;
        passcode.endDate = minute(params.endDate) ?? passcode.endDate;
      }
      if (Number(params.changeType ?? 1) === 2) {
        passcode.onLock = { pin: passcode.keyboardPwd, startDate: passcode.startDate, endDate: passcode.endDate };
      }
      return success();
    };
    return Number(params.changeType ?? 1) === 2 ? this.viaGateway(lock, apply) : apply();
  }

  private async remove(lock: CloudLock, params: Record<string, string>): Promise<unknown> {
    const passcode = lock.passcodes.get(Number(params.keyboardPwdId));
    if (!passcode) throw new Refusal(-2009, 'passcode does not exist');
    const viaGateway = Number(params.deleteType ?? 1) === 2;
    const apply = () => {
      if (this.swallow()) return success();
      lock.passcodes.delete(passcode.keyboardPwdId);
      if (!viaGateway) lock.ghosts.push(passcode);
      return success();
    };
    return viaGateway ? this.viaGateway(lock, apply) : apply();
  }

  private swallow(): boolean {
    if (this.ignoredWrites <= 0) return false;
    this.ignoredWrites -= 1;
    return true;
  }
}

function checkPin(lock: CloudLock, pin: string, self: number | undefined): void {
  if (!/^\d{4,9}$/.test(pin)) throw new Refusal(-3006, 'passcode length must be 4-9 digits');
  if (/^(\d)\1+$/.test(pin) || '0123456789'.includes(pin) || '9876543210'.includes(pin)) throw new Refusal(-2032, 'passcode is too simple');
  for (const other of lock.passcodes.values()) {
    if (other.keyboardPwdId !== self && other.keyboardPwd === pin) throw new Refusal(-3007, 'same passcode already exists');
  }
}

function page<T>(items: T[], params: Record<string, string>, maxPageSize: number): unknown {
  const pageNo = Number(params.pageNo ?? 1);
  const pageSize = Number(params.pageSize ?? 20);
  if (!Number.isInteger(pageNo) || pageNo < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxPageSize) {
    throw new Refusal(-3, 'invalid parameter: pageNo, pageSize');
  }
  const list = items.slice((pageNo - 1) * pageSize, pageNo * pageSize);
  return { list, pageNo, pageSize, pages: Math.max(Math.ceil(items.length / pageSize), 1), total: items.length };
}

function lockItem(lock: CloudLock): unknown {
  return {
    lockId: lock.lockId,
    lockName: lock.lockName,
    lockAlias: lock.lockAlias,
    lockMac: lock.lockMac,
    electricQuantity: lock.electricQuantity,
    featureValue: 'F44354CD5F3',
    hasGateway: lock.gatewayId === undefined ? 0 : 1,
    groupId: 0,
    groupName: '',
    date: 1700000000000,
    timezoneRawOffset: lock.timezoneRawOffset,
  };
}

function gatewayItem(locks: Map<number, CloudLock>) {
  return (gateway: CloudGateway): unknown => ({
    gatewayId: gateway.gatewayId,
    gatewayMac: '52:C3:5D:6F:2A:10',
    gatewayName: gateway.gatewayName,
    gatewayVersion: 2,
    networkName: 'Sea View',
    lockNum: [...locks.values()].filter((lock) => lock.gatewayId === gateway.gatewayId).length,
    isOnline: gateway.isOnline ? 1 : 0,
  });
}

/** The type comes as a string for every other passcode, as TTLock's own list does now and then. */
function passcodeItem(passcode: CloudPasscode): unknown {
  return {
    keyboardPwdId: passcode.keyboardPwdId,
    keyboardPwd: passcode.keyboardPwd,
    keyboardPwdName: passcode.keyboardPwdName,
    keyboardPwdType: passcode.keyboardPwdId % 2 === 1 ? String(passcode.keyboardPwdType) : passcode.keyboardPwdType,
    keyboardPwdVersion: 4,
    startDate: passcode.startDate,
    endDate: passcode.endDate,
    sendDate: 1700000000000,
    isCustom: 1,
    senderUsername: 'host@example.com',
    status: 1,
  };
}

function minute(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const millis = Number(value);
  if (!Number.isFinite(millis)) throw new Refusal(-3, 'invalid parameter: dates are milliseconds');
  return Math.floor(millis / MINUTE) * MINUTE;
}

function success(): unknown {
  return { errcode: 0, errmsg: 'none error message', description: '' };
}

function refusal(errcode: number, errmsg: string): unknown {
  return { errcode, errmsg, description: errmsg };
}

function ok(body: unknown): { status: number; body: unknown } {
  return { status: 200, body };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function md5(text: string): string {
  return crypto.createHash('md5').update(text, 'utf8').digest('hex');
}
