/**
 * A real `node-red` child process with StayKey loaded the way a host installs it (nodesDir = the package
 * root holding package.json and dist/), its own user directory and settings, on a free loopback port.
 * Tests start it, stop it, and kill it with SIGKILL (a power cut) and start it again on the same user
 * directory and port. Everything it prints is kept in a log file outside the user directory, so a test
 * can search it for secrets. Every process started here is killed when the test process exits.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { LedgerData } from '../../lib/ledger/ledger-types';
import type { Vault } from '../../lib/pins/vault';
import { freePort } from './mosquitto';
import { nodeRedResolve } from './node-red-path';
import { readFileLedger } from '../../lib/ledger/ledger-file';

export type FlowNode = { id: string; type: string; z?: string; wires?: string[][]; [key: string]: unknown };

export interface RedProcessOptions {
  /** The Node-RED user directory; kept across restarts. */
  userDir: string;
  /** Where stdout and stderr of every run are appended (outside userDir unless a test wants otherwise). */
  logFile: string;
  /** Written to `<userDir>/flows.json` before the first start when given (no credentials: deploy those with deploy()). */
  flows?: FlowNode[];
  /** More settings, merged over the defaults below (adminAuth, logging, credentialSecret...). JSON only. */
  settings?: Record<string, unknown>;
  /** More folders of nodes, e.g. a test-only node under test/. */
  extraNodesDirs?: string[];
  /** Milliseconds to wait for the flows to start. */
  startTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The package root: compiled tests live in <root>/dist/test/support, beside the package's dist/nodes. */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..', '..');
}

export class RedProcess {
  readonly userDir: string;
  readonly logFile: string;
  port = 0;
  /** How many times the process was started, and how many of those runs ended in SIGKILL. */
  starts = 0;
  kills = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(private readonly options: RedProcessOptions) {
    this.userDir = options.userDir;
    this.logFile = options.logFile;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Starts Node-RED and resolves once its flows have started and it listens. */
  async start(): Promise<void> {
    if (this.child) throw new Error('node-red is already running');
    if (this.port === 0) this.port = await freePort();
    fs.mkdirSync(this.userDir, { recursive: true });
    if (this.starts === 0 && this.options.flows) {
      fs.writeFileSync(path.join(this.userDir, 'flows.json'), JSON.stringify(this.options.flows, null, 2));
    }
    const settingsFile = this.writeSettings();
    this.output = '';
    const child = spawn(process.execPath, [nodeRedResolve('node-red/red.js'), '--userDir', this.userDir, '--settings', settingsFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_RED_ENABLE_PROJECTS: 'false' },
    });
    running.add(child);
    this.child = child;
    this.starts += 1;
    const log = fs.createWriteStream(this.logFile, { flags: 'a' });
    log.write(`\n--- start ${this.starts} (pid ${child.pid}) ---\n`);
    const take = (chunk: Buffer) => {
      log.write(chunk);
      this.output += chunk.toString('utf8');
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        log.end(`--- exit ${signal ?? code} ---\n`, () => resolve());
      });
    });
    await this.untilStarted(child);
  }

  /** SIGKILL: nothing gets to close, flush or say goodbye. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.kills += 1;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Starts Node-RED and kills it `ms` later, whether or not it has finished starting: a crash while starting. */
  async startThenKill(ms: number): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const starting = this.start().then(
      () => undefined,
      () => undefined,
    );
    await sleep(ms);
    await this.kill();
    await starting;
  }

  /** A normal stop (SIGTERM: Node-RED closes its nodes); SIGKILL if it hangs. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** What this run printed so far. */
  get printed(): string {
    return this.output;
  }

  /** Replaces every flow through the admin API (credentials included), as the editor's Deploy does. */
  async deploy(flows: FlowNode[], token?: string): Promise<void> {
    // Marked before the POST: Node-RED may print "Started flows" before its answer arrives.
    const mark = this.output.length;
    const response = await fetch(`${this.url}/flows`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'Node-RED-API-Version': 'v2',
        'Node-RED-Deployment-Type': 'full',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ flows }),
    });
    if (!response.ok) throw new Error(`deploy failed: HTTP ${response.status} ${await response.text()}`);
    await this.untilPrinted(/Started flows/, mark);
  }

  private writeSettings(): string {
    const nodesDir = [packageRoot(), ...(this.options.extraNodesDirs ?? [])];
    const settings = {
      uiHost: '127.0.0.1',
      uiPort: this.port,
      flowFile: 'flows.json',
      nodesDir,
      logging: { console: { level: 'info', metrics: false, audit: false } },
      editorTheme: { projects: { enabled: false }, tours: false },
      externalModules: { autoInstall: false, palette: { allowInstall: false } },
      ...this.options.settings,
    };
    const file = path.join(this.userDir, 'settings.js');
    fs.writeFileSync(file, `// Written by test/support/red-process.ts\nmodule.exports = ${JSON.stringify(settings, null, 2)};\n`);
    return file;
  }

  private async untilStarted(child: ChildProcess): Promise<void> {
    const limit = this.options.startTimeoutMs ?? 30_000;
    const died = this.exited.then(() => {
      throw new Error(`node-red exited while starting:\n${this.output.slice(-3000)}`);
    });
    const started = this.untilPrinted(/Started flows/, 0, limit).then(() => this.untilListening(limit));
    try {
      await Promise.race([started, died]);
    } catch (err) {
      if (this.child === child) child.kill('SIGKILL');
      throw err;
    }
  }

  private async untilPrinted(pattern: RegExp, from = 0, limitMs = 30_000): Promise<void> {
    const until = Date.now() + limitMs;
    while (!pattern.test(this.output.slice(from))) {
      if (!this.child) throw new Error(`node-red is not running (waiting for ${pattern}):\n${this.output.slice(-3000)}`);
      if (Date.now() > until) throw new Error(`node-red did not print ${pattern} within ${limitMs} ms:\n${this.output.slice(-3000)}`);
      await sleep(20);
    }
  }

  private async untilListening(limitMs: number): Promise<void> {
    const until = Date.now() + limitMs;
    for (;;) {
      try {
        await fetch(`${this.url}/`, { signal: AbortSignal.timeout(2000) });
        return;
      } catch (err) {
        if (!this.child) throw err;
        if (Date.now() > until) throw new Error(`node-red does not answer on ${this.url}`);
        await sleep(50);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded random source (mulberry32), so a failing run can be repeated with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every file under `directory`, recursively (symbolic links are not followed). */
export function filesUnder(directory: string): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full));
    else if (entry.isFile()) found.push(full);
  }
  return found;
}

// --- The test's side of the wire: an HTTP server the flow posts to and reads feeds from ----------

export interface InboxAnswer {
  status: number;
  body: string;
  type?: string;
}

/**
 * A plain HTTP server on 127.0.0.1 that keeps every JSON or text body the flow POSTs (by path), and
 * answers GETs with whatever the test sets in `answer` (a feed, an error page, nothing).
 */
export class Inbox {
  readonly posts = new Map<string, unknown[]>();
  answer: (path: string) => InboxAnswer = () => ({ status: 404, body: '' });
  gets = 0;
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<string> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const where = (req.url ?? '/').split('?')[0];
        if (req.method === 'POST') {
          const text = Buffer.concat(chunks).toString('utf8');
          const list = this.posts.get(where) ?? [];
          list.push(parseBody(text));
          this.posts.set(where, list);
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('ok');
          return;
        }
        this.gets += 1;
        const answer = this.answer(where);
        res.writeHead(answer.status, { 'content-type': answer.type ?? 'text/calendar' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  received(where: string): unknown[] {
    return this.posts.get(where) ?? [];
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// --- A StayKey pipeline as a host wires it, on simulated locks --------------------------------

/** One simulated lock, as a row of the locks config. */
export interface TestLock {
  id: string;
  name: string;
  schedules: boolean;
  firstSlot?: number;
  lastSlot?: number;
}

export interface PipelineOptions {
  /** The test's Inbox: guest messages go to /guest, alerts to /alerts, booking changes to /bookings. */
  inbox: string;
  locks: TestLock[];
  /** access-window's unit locks, one line per unit: `Room 01: lock-01`. */
  unitLocks: string;
  /** Each radio exchange of the simulated locks, in milliseconds (a set and its read-back are two). */
  latencyMs: number;
  /** booking-source settings (mode, url, ...). */
  bookingSource: Record<string, unknown>;
  /** In message mode: the http-in path a test POSTs bookings to. */
  bookingsPath?: string;
  /** In url mode: an inject asks for a fetch this often (the node's own poll is at least a minute). */
  fetchEverySeconds?: number;
  /** notifier settings over the defaults (channel `output`). */
  notifier?: Record<string, unknown>;
  /** More nodes (config nodes with credentials, say). */
  extra?: FlowNode[];
}

/** The fixed ids of the pipeline's nodes, so tests can find their files (ledger, locks, feed state). */
export const PIPELINE = {
  tab: 'sk-tab',
  bookingsIn: 'sk-bookings-in',
  bookingsOk: 'sk-bookings-ok',
  fetchTimer: 'sk-fetch-timer',
  source: 'sk-source',
  window: 'sk-window',
  issuer: 'sk-issuer',
  provider: 'sk-provider',
  locks: 'sk-locks',
  notifier: 'sk-notifier',
  guestJson: 'sk-guest-json',
  guestOut: 'sk-guest-out',
  alertsOut: 'sk-alerts-out',
  changesOut: 'sk-changes-out',
} as const;

/**
 * bookings (http-in or a feed) -> booking-source -> access-window -> pin-issuer <-> lock-provider
 * (simulated locks); guest messages through a notifier back to pin-issuer as deliveries; guest
 * messages, alerts and booking changes posted to the test's inbox by http request nodes.
 */
export function pipelineFlow(options: PipelineOptions): FlowNode[] {
  const id = PIPELINE;
  const z = id.tab;
  const post = (nodeId: string, where: string): FlowNode => ({
    id: nodeId,
    type: 'http request',
    z,
    name: `to the test: ${where}`,
    method: 'POST',
    ret: 'txt',
    paytoqs: 'ignore',
    url: `${options.inbox}${where}`,
    tls: '',
    persist: false,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    wires: [[]],
  });
  const flow: FlowNode[] = [
    { id: z, type: 'tab', label: 'StayKey under test' },
    {
      id: id.source,
      type: 'staykey-booking-source',
      z,
      name: 'bookings',
      unit: 'Room 01',
      misses: 1,
      interval: 15,
      timeout: 5,
      ...options.bookingSource,
      wires: [[id.window, id.changesOut], [id.alertsOut]],
    },
    {
      id: id.window,
      type: 'staykey-access-window',
      z,
      name: 'times',
      checkIn: '00:00',
      checkOut: '23:00',
      timeZone: 'Europe/Lisbon',
      bufferBefore: 0,
      bufferAfter: 0,
      leadHours: 48,
      locks: '',
      unitLocks: options.unitLocks,
      honourFeedTimes: false,
      wires: [[id.issuer]],
    },
    {
      id: id.issuer,
      type: 'staykey-pin-issuer',
      z,
      name: 'codes',
      locks: id.locks,
      commandTimeoutMinutes: 120,
      retryFailedAfterMinutes: 60,
      wires: [[id.provider], [id.notifier], [id.alertsOut]],
    },
    { id: id.provider, type: 'staykey-lock-provider', z, name: 'locks', locks: id.locks, wires: [[id.issuer], [id.alertsOut]] },
    {
      id: id.locks,
      type: 'staykey-locks',
      name: 'simulated locks',
      provider: 'simulated',
      latency: options.latencyMs,
      failureRate: 0,
      drain: 0.01,
      maxAttempts: 30,
      retryDelay: 0.2,
      locks: options.locks.map((lock) => ({
        id: lock.id,
        name: lock.name,
        codeLength: 6,
        firstSlot: lock.firstSlot ?? 1,
        lastSlot: lock.lastSlot ?? 30,
        schedules: lock.schedules,
        batteryType: '4x AA',
      })),
    },
    {
      id: id.notifier,
      type: 'staykey-notifier',
      z,
      name: 'guest messages',
      channel: 'output',
      hostTo: 'host@example.com',
      property: 'Test House',
      retries: 5,
      retryDelay: 1,
      ...options.notifier,
      wires: [[id.guestJson], [id.issuer]],
    },
    {
      id: id.guestJson,
      type: 'function',
      z,
      name: 'guest message as JSON',
      func: 'msg.payload = { bookingId: msg.bookingId, audience: msg.audience, text: msg.payload };\nreturn msg;',
      outputs: 1,
      noerr: 0,
      wires: [[id.guestOut]],
    },
    post(id.guestOut, '/guest'),
    post(id.alertsOut, '/alerts'),
    post(id.changesOut, '/bookings'),
    ...(options.extra ?? []),
  ];
  if (options.bookingsPath) {
    flow.push(
      { id: id.bookingsIn, type: 'http in', z, name: 'bookings webhook', url: options.bookingsPath, method: 'post', upload: false, swaggerDoc: '', wires: [[id.source, id.bookingsOk]] },
      { id: id.bookingsOk, type: 'http response', z, name: '', statusCode: '200', headers: {}, wires: [] },
    );
  }
  if (options.fetchEverySeconds) {
    flow.push({
      id: id.fetchTimer,
      type: 'inject',
      z,
      name: 'read the feed',
      props: [{ p: 'payload' }],
      repeat: String(options.fetchEverySeconds),
      crontab: '',
      once: true,
      onceDelay: 0.5,
      topic: '',
      payload: '',
      payloadType: 'date',
      wires: [[id.source]],
    });
  }
  return flow;
}

// --- What the pipeline left on disk -----------------------------------------------------------

/** The pin-issuer's ledger as last saved, or undefined before the first save. */
export function readLedger(userDir: string, issuerId: string = PIPELINE.issuer): LedgerData | undefined {
  const file = path.join(userDir, 'staykey', 'ledgers', `${issuerId}.json`);
  // A compaction between reading the snapshot and reading the journal makes them disagree: read again.
  for (let attempt = 0; ; attempt++) {
    try {
      return readFileLedger(file);
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

export interface HeldCode {
  slot: number;
  name: string;
  pin: string;
  startsAt?: string;
  endsAt?: string;
}

/** What each simulated lock holds, from the state file it keeps across restarts, PINs opened with the vault. */
export function readLocks(userDir: string, vault: Vault, locksId: string = PIPELINE.locks): Map<string, HeldCode[]> {
  const saved = readJsonFile<{ locks: Record<string, { codes: Array<Omit<HeldCode, 'pin'> & { pin: string }> }> }>(
    path.join(userDir, 'staykey', 'locks', `${locksId}.json`),
  );
  const held = new Map<string, HeldCode[]>();
  for (const [lockId, lock] of Object.entries(saved?.locks ?? {})) {
    held.set(
      lockId,
      lock.codes.map((code) => ({ ...code, pin: vault.open(code.pin) })),
    );
  }
  return held;
}

function readJsonFile<T>(file: string): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return JSON.parse(text) as T;
}

/** Where any of `pins` appears as a number of its own (not inside a longer one), without showing it. */
export function findPins(files: string[], pins: string[]): string[] {
  if (pins.length === 0) return [];
  const pattern = new RegExp(`(?<![0-9])(?:${pins.join('|')})(?![0-9])`, 'g');
  const found: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file).toString('latin1');
    for (const match of text.matchAll(pattern)) {
      const at = match.index ?? 0;
      const around = `${text.slice(Math.max(at - 30, 0), at)}<PIN>${text.slice(at + match[0].length, at + match[0].length + 30)}`;
      found.push(`${file} at ${at}: ${around.replace(/\s+/g, ' ')}`);
    }
  }
  return found;
}
