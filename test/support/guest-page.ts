/**
 * The guest check-in page in a real Node-RED runtime: a pin-issuer and a lock-provider on a simulated
 * lock, on a ManualClock, and the page node. node-red-node-test-helper gives nodes an httpNode app it
 * does not put on its own server, so the page's app is served here, on 127.0.0.1 and a free port.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeAPI, NodeMessage } from 'node-red';
import type { GuestView } from '../../lib/ledger/ledger';
import { SimulatedLocks } from '../../lib/locks/simulated';
import type { AlertMessage, WindowMessage } from '../../lib/messages';
import { ManualClock } from '../../lib/time/clock';
import { windowFor } from '../../lib/windows/window';
import type { GuestPortalNode } from '../../nodes/shared/guest-portal';
import type { LockSetNode } from '../../nodes/shared/lock-set';
import guestPageModule = require('../../nodes/guest-page/guest-page');
import { eventually, helper, stayKeyNodes } from './red';

export const PAGE_PATH = '/staykey/check-in';

export interface TestBooking {
  id: string;
  reservationCode: string;
  guestName: string;
  phoneLast4?: string;
  unit: string;
  arrival: string;
  departure: string;
  flags?: Record<string, boolean>;
  language?: string;
}

export const ADA: TestBooking = {
  id: 'ada-1',
  reservationCode: 'HMABC123',
  guestName: 'Ada Lovelace',
  phoneLast4: '4321',
  unit: 'Room 101',
  arrival: '2026-07-10',
  departure: '2026-07-12',
};

export interface PageRunOptions {
  at: string;
  page?: Record<string, unknown>;
  issuer?: Record<string, unknown>;
}

export interface PageRun {
  /** The page's full address, e.g. http://127.0.0.1:40123/staykey/check-in */
  url: string;
  origin: string;
  clock: ManualClock;
  red: NodeAPI;
  alerts: AlertMessage[];
  book(booking: TestBooking): void;
  toIssuer(payload: unknown): void;
  /** The PIN the simulated lock holds for the booking, once the ledger has told the guest. */
  issuedPin(bookingId: string): Promise<string>;
  view(bookingId: string): GuestView | undefined;
  lastStatus(): { fill?: string; text?: string };
  stop(): Promise<void>;
}

const LOCKS = [{ id: 'door', name: 'Front door', codeLength: 6, firstSlot: 1, lastSlot: 10, schedules: true }];

export function pageFlow(page: Record<string, unknown> = {}, issuer: Record<string, unknown> = {}): Record<string, unknown>[] {
  return [
    { id: 'tab', type: 'tab', label: 'guest page' },
    { id: 'locks', type: 'staykey-locks', provider: 'simulated', locks: LOCKS, latency: 0, failureRate: 0, drain: 0, maxAttempts: 2, retryDelay: 0.001 },
    { id: 'issuer', type: 'staykey-pin-issuer', z: 'tab', locks: 'locks', keepPinsForGuestPage: true, wires: [['provider'], ['codes'], [], []], ...issuer },
    { id: 'provider', type: 'staykey-lock-provider', z: 'tab', locks: 'locks', wires: [['issuer'], []] },
    { id: 'codes', type: 'helper', z: 'tab' },
    { id: 'page', type: 'staykey-guest-page', z: 'tab', issuer: 'issuer', path: PAGE_PATH, property: 'Casa Azul', wires: [['page-alerts']], ...page },
    { id: 'page-alerts', type: 'helper', z: 'tab' },
  ];
}

export function windowOf(booking: TestBooking): WindowMessage {
  const full = { ...booking, source: 'test' };
  const window = windowFor(full, { checkIn: '16:00', checkOut: '11:00', timeZone: 'Europe/Lisbon', bufferBeforeMinutes: 0, bufferAfterMinutes: 0, leadHours: 48, locks: ['door'] });
  return { kind: 'window', change: 'created', booking: full, window };
}

export async function startPage(options: PageRunOptions): Promise<PageRun> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-guest-page-'));
  const clock = new ManualClock(options.at);
  helper.settings({ userDir: directory, staykey: { directory, clock } });
  let red: NodeAPI | undefined;
  const capture = (RED: NodeAPI) => {
    red = RED;
  };
  // Once the lead lists the page in package.json, stayKeyNodes() has it already: load it once.
  const modules = [...new Set([...stayKeyNodes(), guestPageModule]), capture];
  await helper.load(modules, pageFlow(options.page, options.issuer));
  assert.ok(red, 'the runtime handed the node modules its API');
  const alerts: AlertMessage[] = [];
  helper.getNode('page-alerts').on('input', (msg: NodeMessage) => alerts.push(msg.payload as AlertMessage));
  const server = await serve(red);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pagePath = String(options.page?.path ?? PAGE_PATH);

  const lock = () => {
    const provider = (helper.getNode('locks') as unknown as LockSetNode).lockSet.provider;
    assert.ok(provider instanceof SimulatedLocks);
    return provider;
  };
  const portal = () => (helper.getNode('issuer') as unknown as GuestPortalNode).guestPortal!;
  const toIssuer = (payload: unknown) => helper.getNode('issuer').receive({ payload });

  return {
    url: `${origin}${pagePath}`,
    origin,
    clock,
    red,
    alerts,
    book: (booking) => toIssuer(windowOf(booking)),
    toIssuer,
    view: (bookingId) => portal().view(bookingId),
    async issuedPin(bookingId) {
      let pin = '';
      await eventually(`the code of ${bookingId} is on the lock and told`, () => {
        const view = portal().view(bookingId);
        const onLock = lock().inspect('door').codes.map((code) => code.pin);
        pin = view?.codes[0]?.pin ?? '';
        return Boolean(view?.issued && pin && onLock.includes(pin));
      });
      return pin;
    },
    lastStatus() {
      const node = helper.getNode('page') as unknown as { status: { getCalls(): { thisValue: unknown; args: unknown[] }[] } };
      const calls = node.status.getCalls().filter((call) => call.thisValue === node);
      return (calls[calls.length - 1]?.args[0] ?? {}) as { fill?: string; text?: string };
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Node-RED's own server mounts httpNode at httpNodeRoot ("/"): the same, for the test. */
function serve(red: NodeAPI): Promise<http.Server> {
  const app = red.httpNode as unknown as (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void;
  const server = http.createServer((req, res) => {
    app(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** One browser's worth of HTTP: its cookie, its form token, and (for other clients) its own loopback address. */
export class Visitor {
  cookie: string | undefined;
  token: string | undefined;

  constructor(
    private readonly url: string,
    private readonly localAddress = '127.0.0.1',
    private readonly headers: Record<string, string> = {},
  ) {}

  async open(): Promise<PageAnswer> {
    const answer = await this.request('GET');
    this.remember(answer);
    return answer;
  }

  /** Posts the form as a browser would: with this visitor's cookie and the token of the last page. */
  async verify(reference: string, proof: string): Promise<PageAnswer> {
    if (!this.token) await this.open();
    const answer = await this.post({ token: this.token ?? '', action: 'verify', reference, proof });
    return answer;
  }

  async post(fields: Record<string, string>): Promise<PageAnswer> {
    const answer = await this.request('POST', new URLSearchParams(fields).toString());
    this.remember(answer);
    return answer;
  }

  private remember(answer: PageAnswer): void {
    const cookie = answer.setCookie?.split(';')[0];
    if (cookie) this.cookie = cookie;
    const token = /name="token" value="([^"]+)"/.exec(answer.body)?.[1];
    if (token) this.token = token;
  }

  private request(method: 'GET' | 'POST', body?: string): Promise<PageAnswer> {
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = http.request(this.url, { method, headers, localAddress: this.localAddress, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const setCookie = res.headers['set-cookie']?.[0];
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), setCookie });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

export interface PageAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  setCookie?: string;
}
