/**
 * Seam's official fake (`@seamapi/fake-seam-connect`) as a local HTTP server, seeded with Seam's
 * sample workspace. The fake takes requests as Seam does but never programs a device: the test plays
 * the device (a code goes `set`, an error appears) through the fake's own database methods.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

// Loading the fake sets Error.stackTraceLimit to 200 for the whole process; other tests read stacks
// as Node gives them (fuzz-hostile tells Node-RED's own overflow by its stack), so it is put back.
const stackTraceLimit = Error.stackTraceLimit;
/* eslint-disable @typescript-eslint/no-require-imports */
const { createFake } = require('@seamapi/fake-seam-connect') as { createFake: () => Promise<FakeSeam> };
/* eslint-enable @typescript-eslint/no-require-imports */
Error.stackTraceLimit = stackTraceLimit;

export const SEAM_KEY = 'seam_apikey1_token';
export const SEAM_WORKSPACE = 'seed_workspace_1';
export const SEAM_ACCOUNT = 'john_connected_account_id';
export const AUGUST_FRONT = 'august_device_1';
export const AUGUST_BACK = 'august_device_2';
export const SCHLAGE = 'schlage_device_id';

/** The parts of the fake's database the tests use (state and methods, read live). */
export interface FakeSeamDatabase {
  access_codes: Array<Record<string, unknown> & { access_code_id: string; device_id: string; code: string; status: string }>;
  devices: Array<Record<string, unknown> & { device_id: string }>;
  events: Array<Record<string, unknown>>;
  addDevice(params: Record<string, unknown>): { device_id: string };
  updateDevice(params: Record<string, unknown>): unknown;
  addAccessCode(params: Record<string, unknown>): { access_code_id: string };
  updateAccessCode(params: Record<string, unknown>): unknown;
  addEvent(params: Record<string, unknown>): unknown;
  simulateWorkspaceOutage(workspaceId: string, context: { routes: string[] }): void;
  simulateWorkspaceOutageRecovery(workspaceId: string): void;
}

interface FakeSeam {
  database: FakeSeamDatabase;
  seed(): Promise<unknown>;
  startServer(options?: { port?: number }): Promise<unknown>;
  stopServer(): Promise<void>;
  serverUrl: string | null | undefined;
}

export class SeamFake {
  private constructor(private readonly fake: FakeSeam) {}

  static async start(): Promise<SeamFake> {
    const fake = await createFake();
    await fake.seed();
    await fake.startServer();
    Error.stackTraceLimit = stackTraceLimit;
    return new SeamFake(fake);
  }

  get url(): string {
    return String(this.fake.serverUrl);
  }

  get db(): FakeSeamDatabase {
    return this.fake.database;
  }

  codesOn(deviceId: string) {
    return this.db.access_codes.filter((code) => code.device_id === deviceId);
  }

  /** The device programs every code Seam holds for it: `unset`/`setting` become `set`. */
  programDevice(deviceId: string): void {
    for (const code of this.codesOn(deviceId)) {
      if (code.status === 'unset' || code.status === 'setting') this.db.updateAccessCode({ access_code_id: code.access_code_id, status: 'set' });
    }
  }

  /** Seam answers 503 on these routes for the seeded workspace until `recover`. */
  outage(routes: string[]): void {
    this.db.simulateWorkspaceOutage(SEAM_WORKSPACE, { routes });
  }

  recover(): void {
    this.db.simulateWorkspaceOutageRecovery(SEAM_WORKSPACE);
  }

  async stop(): Promise<void> {
    await this.fake.stopServer();
  }
}

/**
 * A proxy in front of the fake that can lose answers: while `dropAnswers` names a path, requests to
 * it reach Seam but the socket is cut before the answer comes back (a Wi-Fi drop mid-request).
 */
export class LossyProxy {
  dropAnswers = new Set<string>();
  requests: string[] = [];
  private server?: http.Server;

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const pathname = (req.url ?? '').split('?')[0];
        this.requests.push(`${req.method} ${pathname}`);
        const forward = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
          (answer) => {
            const body: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => body.push(chunk));
            answer.on('end', () => {
              if (this.dropAnswers.has(pathname)) return req.socket.destroy();
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(Buffer.concat(body));
            });
          },
        );
        forward.on('error', () => req.socket.destroy());
        forward.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
