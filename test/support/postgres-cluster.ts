/**
 * A PostgreSQL server of the test's own, for tests that stop, crash or restart the database: the shared
 * server on 127.0.0.1:5432 serves every other test (and other suites) and is never restarted. The private
 * server gets its own data directory (initdb, trust auth, user postgres), a free loopback port and a socket
 * directory of its own; a test can stop it fast or immediately (a crash: no checkpoint, recovery at the next
 * start), start it again on the same data and port, and restart it.
 *
 * Also a TCP proxy between client and server: cut() makes the database unreachable for everything that
 * connects through it, without stopping any server, and heal() lets it through again.
 *
 * Every server started here is stopped (immediate) and its files removed when the test process exits;
 * servers left by a test process that was killed are cleaned up by the next one that creates a cluster.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './mosquitto';

const PREFIX = 'staykey-pgcluster-';

/** The Debian layout: /usr/lib/postgresql/<major>/bin; the newest major wins. STAYKEY_PG_BIN overrides it. */
export function postgresBinDir(): string {
  const fromEnv = process.env.STAYKEY_PG_BIN;
  if (fromEnv) return fromEnv;
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root) ? fs.readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  throw new Error('PostgreSQL server programs not found under /usr/lib/postgresql (apt-get install postgresql), or set STAYKEY_PG_BIN');
}

/** PostgreSQL refuses to run as root: as root, its programs run as the `postgres` user. */
function asServerUser(program: string, args: string[]): [string, string[]] {
  if (process.getuid?.() === 0) return ['runuser', ['-u', 'postgres', '--', program, ...args]];
  return [program, args];
}

function run(program: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [file, argv] = asServerUser(program, args);
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: timeoutMs, env: serverEnv() }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(program)} failed: ${err.message}\n${stdout}${stderr}`.trim()));
      else resolve(stdout);
    });
  });
}

/** No PG* variables of the test's environment may point the server's tools elsewhere; a neutral locale. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('PG')) env[key] = value;
  env.LC_ALL = 'C';
  return env;
}

/**
 * Where servers' directories go: the temporary directory, unless the postgres user cannot reach it (a
 * TMPDIR under /root) or it is so deep that the socket's path would pass the 107 bytes a Unix socket allows.
 */
function baseDirectory(): string {
  const base = os.tmpdir();
  if (base.length > 60) return '/tmp';
  if (process.getuid?.() !== 0) return base;
  const reachable = spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', base], { stdio: 'ignore' });
  return reachable.status === 0 ? base : '/tmp';
}

/** The directory the server writes in must belong to the user it runs as. */
function makeServerDirectory(): string {
  const directory = fs.mkdtempSync(path.join(baseDirectory(), `${PREFIX}${process.pid}-`));
  if (process.getuid?.() === 0) {
    const user = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (user.status !== 0 || group.status !== 0) {
      fs.rmSync(directory, { recursive: true, force: true });
      throw new Error('running as root but there is no postgres user to run the server as');
    }
    fs.chownSync(directory, Number(user.stdout.trim()), Number(group.stdout.trim()));
  }
  fs.chmodSync(directory, 0o700);
  return directory;
}

/** Synchronous, for process exit: an immediate stop, then the files go. */
function removeCluster(directory: string): void {
  const data = path.join(directory, 'data');
  if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
    const [file, argv] = asServerUser(path.join(postgresBinDir(), 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '20']);
    spawnSync(file, argv, { stdio: 'ignore', env: serverEnv(), timeout: 25_000 });
  }
  fs.rmSync(directory, { recursive: true, force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Clusters whose test process died without its exit handler (SIGKILL, a timeout of CI). */
function removeOrphans(): void {
  for (const base of new Set([os.tmpdir(), '/tmp'])) {
    let names: string[];
    try {
      names = fs.readdirSync(base);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith(PREFIX)) continue;
      const owner = Number(name.slice(PREFIX.length).split('-')[0]);
      if (!Number.isInteger(owner) || owner <= 0 || owner === process.pid || isAlive(owner)) continue;
      try {
        removeCluster(path.join(base, name));
      } catch {
        // Another process may be removing it at the same moment.
      }
    }
  }
}

const clusters = new Set<PostgresCluster>();
process.on('exit', () => {
  for (const cluster of clusters) {
    try {
      cluster.removeNow();
    } catch {
      // Exiting anyway; the next test process removes what is left (removeOrphans).
    }
  }
});

export interface ClusterOptions {
  /**
   * fsync and synchronous_commit (default on, as in production: a crash then loses nothing that was
   * committed). Off makes commits faster but an immediate stop may lose the last commits, which a
   * "data kept" test would then see.
   */
  durable?: boolean;
  /** More `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

export class PostgresCluster {
  readonly port: number;
  /** Where the server's Unix socket is (also its files: data/ and server.log). */
  readonly directory: string;
  private running = false;

  private constructor(directory: string, port: number, private readonly options: ClusterOptions) {
    this.directory = directory;
    this.port = port;
  }

  /** initdb (about 2-4 s), then start. Do it once per test file. */
  static async create(options: ClusterOptions = {}): Promise<PostgresCluster> {
    removeOrphans();
    const directory = makeServerDirectory();
    const cluster = new PostgresCluster(directory, await freePort(), options);
    clusters.add(cluster);
    try {
      await run(path.join(postgresBinDir(), 'initdb'), ['-D', cluster.dataDir, '--auth=trust', '-U', 'postgres', '--no-locale', '-E', 'UTF8', '--no-instructions']);
      await cluster.start();
    } catch (err) {
      cluster.removeNow();
      throw err;
    }
    return cluster;
  }

  get dataDir(): string {
    return path.join(this.directory, 'data');
  }

  get logFile(): string {
    return path.join(this.directory, 'server.log');
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** For the `postgres` database; connectionStringFor() for another one. */
  get connectionString(): string {
    return this.connectionStringFor('postgres');
  }

  connectionStringFor(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Starts the server on the same data and port; resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.running) return;
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      ...(this.options.durable === false ? { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } : {}),
      ...this.options.settings,
    };
    const serverOptions = [`-p ${this.port}`, `-k ${this.directory}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)];
    try {
      await run(path.join(postgresBinDir(), 'pg_ctl'), ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', '-o', serverOptions.join(' ')], 70_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- server.log ---\n${this.logTail()}`);
    }
    this.running = true;
  }

  /**
   * fast: clients are disconnected, a checkpoint is written (a clean shutdown).
   * immediate: every process quits at once without a checkpoint, as after a crash; the next start recovers from the WAL.
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    await run(path.join(postgresBinDir(), 'pg_ctl'), ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60'], 70_000);
    this.running = false;
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Stops it for good and removes its files. */
  async close(): Promise<void> {
    await this.stop('immediate');
    this.removeNow();
  }

  /** Synchronous: for the exit handler. */
  removeNow(): void {
    clusters.delete(this);
    this.running = false;
    removeCluster(this.directory);
  }

  /** The end of the server's log, for a failing test's message. */
  logTail(chars = 3000): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').slice(-chars);
    } catch {
      return '(no server log)';
    }
  }
}

/** The same connection string, through the proxy (host and port replaced; user, database and options kept). */
export function viaProxy(connectionString: string, proxy: { port: number }): string {
  const url = new URL(connectionString);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

/**
 * A TCP proxy on a free loopback port to a server (PostgreSQL here, any TCP server in fact).
 *
 * cut('reset') destroys every connection and resets new ones at once: the client sees a closed connection
 * or ECONNRESET, as when the server's host is down. cut('silent') holds every byte and accepts new
 * connections without answering: the client waits for its own timeout, as in a network partition. heal()
 * lets traffic through again; after a silent cut, held connections go on where they stopped (TCP would
 * retransmit), so a query sent during the cut gets its answer after the heal.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<ProxyPair>();
  private state: 'open' | 'reset' | 'silent' = 'open';
  /** Connections accepted since start, whatever happened to them. */
  accepted = 0;

  private constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(await freePort(), { host: target.host ?? '127.0.0.1', port: target.port });
    await proxy.listen();
    return proxy;
  }

  get isCut(): boolean {
    return this.state !== 'open';
  }

  /** Connections currently open through the proxy. */
  get open(): number {
    return this.pairs.size;
  }

  cut(mode: 'reset' | 'silent' = 'reset'): void {
    this.state = mode;
    for (const pair of [...this.pairs]) {
      if (mode === 'reset') pair.destroy();
      else pair.hold();
    }
  }

  heal(): void {
    this.state = 'open';
    for (const pair of this.pairs) pair.release();
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) pair.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    if (this.state === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const pair = new ProxyPair(client, this.target, () => this.pairs.delete(pair));
    this.pairs.add(pair);
    if (this.state === 'silent') pair.hold();
    else pair.release();
  }
}

/** One client connection and its connection to the server, forwarded both ways while released. */
class ProxyPair {
  private upstream: net.Socket | undefined;
  private flowing = false;
  private closed = false;

  constructor(
    private readonly client: net.Socket,
    private readonly target: { host: string; port: number },
    private readonly onClose: () => void,
  ) {
    client.pause();
    client.on('error', () => this.destroy());
    client.on('close', () => this.destroy());
  }

  /** Connects upstream on first release, then lets bytes flow both ways. */
  release(): void {
    if (this.closed || this.flowing) return;
    this.flowing = true;
    if (!this.upstream) {
      const upstream = net.connect(this.target.port, this.target.host);
      upstream.on('error', () => this.destroy());
      upstream.on('close', () => this.destroy());
      this.upstream = upstream;
    }
    this.client.pipe(this.upstream);
    this.upstream.pipe(this.client);
    this.client.resume();
    this.upstream.resume();
  }

  /** Nothing moves either way; what was sent waits in the sockets' buffers. */
  hold(): void {
    if (this.closed || !this.flowing) return;
    this.flowing = false;
    this.client.unpipe();
    this.upstream?.unpipe();
    this.client.pause();
    this.upstream?.pause();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.destroyed) this.client.resetAndDestroy();
    this.upstream?.destroy();
    this.onClose();
  }
}

/** For a test's own check that a server answers (pg_isready against the private server's socket). */
export function isReady(cluster: PostgresCluster): boolean {
  const [file, argv] = asServerUser(path.join(postgresBinDir(), 'pg_isready'), ['-q', '-h', cluster.directory, '-p', String(cluster.port)]);
  try {
    execFileSync(file, argv, { stdio: 'ignore', env: serverEnv(), timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
