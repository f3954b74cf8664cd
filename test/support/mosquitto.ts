/**
 * A real Mosquitto broker of the test's own, on a free loopback port, with its own temporary config.
 * It never touches a broker already running on 1883. Tests can stop it and start it again on the
 * same port (a broker restart), and every broker started here is killed when the process exits.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface MosquittoOptions {
  /** User name -> password; when given, anonymous clients are refused. */
  users?: Record<string, string>;
  /** Keep retained messages and sessions across a restart, as the Home Assistant add-on does. */
  persistence?: boolean;
  /** Serve MQTT over TLS (mqtts) with this server certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Where the Debian package puts the broker; PATH first. */
export function mosquittoBinary(): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']) {
    const candidate = path.join(dir, 'mosquitto');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('mosquitto is not installed: run `node scripts/ensure-mosquitto.js` (or apt-get install mosquitto)');
}

function passwordTool(broker: string): string {
  const beside = path.join(path.dirname(broker), 'mosquitto_passwd');
  for (const candidate of [beside, '/usr/bin/mosquitto_passwd', '/usr/local/bin/mosquitto_passwd']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error('mosquitto_passwd is missing: it comes with the mosquitto package');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A throwaway certificate authority and a server certificate for 127.0.0.1, made with openssl; undefined without it. */
export function testCertificates(directory: string): { caFile: string; certFile: string; keyFile: string } | undefined {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: directory, stdio: 'ignore' });
  try {
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=StayKey test CA']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    fs.writeFileSync(path.join(directory, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  } catch {
    return undefined;
  }
  return { caFile: path.join(directory, 'ca.crt'), certFile: path.join(directory, 'server.crt'), keyFile: path.join(directory, 'server.key') };
}

export class Mosquitto {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly directory: string,
    private readonly configFile: string,
    private readonly scheme: 'mqtt' | 'mqtts' = 'mqtt',
  ) {}

  static async start(options: MosquittoOptions = {}): Promise<Mosquitto> {
    const binary = mosquittoBinary();
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-mosquitto-'));
    const port = await freePort();
    const lines = [`listener ${port} 127.0.0.1`, `allow_anonymous ${options.users ? 'false' : 'true'}`];
    if (options.tls) lines.push(`certfile ${options.tls.certFile}`, `keyfile ${options.tls.keyFile}`);
    // Run as whoever runs the tests: as root, mosquitto would otherwise switch to its own user and
    // lose access to the temporary directory.
    if (process.getuid?.() === 0) lines.push('user root');
    if (options.users) {
      const passwords = path.join(directory, 'passwords');
      fs.writeFileSync(passwords, '');
      for (const [user, password] of Object.entries(options.users)) {
        execFileSync(passwordTool(binary), ['-b', passwords, user, password]);
      }
      lines.push(`password_file ${passwords}`);
    }
    if (options.persistence) lines.push('persistence true', `persistence_location ${directory}${path.sep}`);
    else lines.push('persistence false');
    const configFile = path.join(directory, 'mosquitto.conf');
    fs.writeFileSync(configFile, `${lines.join('\n')}\n`);
    const broker = new Mosquitto(port, directory, configFile, options.tls ? 'mqtts' : 'mqtt');
    await broker.run();
    return broker;
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.child !== undefined;
  }

  /** Stops the broker; every client loses its connection (a broker restart or crash). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    running.delete(child);
  }

  /** Starts it again on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.run();
  }

  /** Stops it for good and removes its files. */
  async close(): Promise<void> {
    await this.stop();
    fs.rmSync(this.directory, { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    const child = spawn(mosquittoBinary(), ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => this.keep(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keep(chunk));
    let exited = false;
    child.once('exit', () => {
      exited = true;
      running.delete(child);
    });
    const until = Date.now() + 10_000;
    while (!(await canConnect(this.port))) {
      if (exited) throw new Error(`mosquitto exited at start:\n${this.output}`);
      // The port was free a moment ago; after a stop it can take the old socket a moment to go.
      if (Date.now() > until) throw new Error(`mosquitto did not accept connections on ${this.port}:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-4000);
  }
}
