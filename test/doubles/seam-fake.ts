/**
 * Seam's own fake server (`@seamapi/fake-seam-connect`) for tests, seeded with Seam's sample workspace
 * (API key `seam_apikey1_token`, workspace `seed_workspace_1`, August and Schlage locks that take online
 * codes). The fake takes every request as Seam would but never programs a device: a time-bound code
 * it makes stays `unset`. The test acts as the device (`markSet`) and as a Seam outage (`outage`).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export const SEAM_KEY = 'seam_apikey1_token';
export const SEAM_WORKSPACE = 'seed_workspace_1';
/** The seeded locks (all online, all take online codes). */
export const SEAM_LOCKS = { augustFront: 'august_device_1', augustBack: 'august_device_2', schlage: 'schlage_device_id' } as const;
export const AUGUST_FRONT = SEAM_LOCKS.augustFront;
export const AUGUST_BACK = SEAM_LOCKS.augustBack;
/** The seeded connected account the sample devices belong to (a device the test adds joins it). */
export const SEAM_ACCOUNT = 'john_connected_account_id';

/** An access code as the fake keeps it. */
export interface FakeAccessCode {
  access_code_id: string;
  device_id: string;
  workspace_id: string;
  name: string | null;
  code: string | null;
  status: string;
  type: string;
  starts_at?: string;
  ends_at?: string;
  is_backup?: boolean;
  [field: string]: unknown;
}

/**
 * The fake's database: a zustand store whose state and methods are also read straight off it
 * (`database.access_codes`); `getState()` gives the same, as of now.
 */
export interface FakeSeamDatabase {
  getState(): FakeSeamDatabase;
  access_codes: FakeAccessCode[];
  devices: Array<{ device_id: string; [field: string]: unknown }>;
  events: Array<{ event_type: string; device_id?: string; [field: string]: unknown }>;
  updateAccessCode(params: { access_code_id: string; [field: string]: unknown }): unknown;
  deleteAccessCode(accessCodeId: string): void;
  updateDevice(params: { device_id: string; [field: string]: unknown }): unknown;
  addAccessCode(params: { workspace_id: string; name: string; code: string; device_id: string; [field: string]: unknown }): FakeAccessCode;
  addApiKey(params: { token?: string; workspace_id: string; name?: string }): { token: string };
  addDevice(params: { workspace_id: string; name: string; device_type: string; [field: string]: unknown }): { device_id: string };
  addEvent(params: { event_type: string; workspace_id: string; [field: string]: unknown }): unknown;
  simulateWorkspaceOutage(workspaceId: string, context: { routes: string[] }): void;
  simulateWorkspaceOutageRecovery(workspaceId: string): void;
}

interface FakeSeamServer {
  database: FakeSeamDatabase;
  seed(): Promise<{ seam_apikey1_token: string; seed_workspace_1: string }>;
  startServer(options?: { port?: number }): Promise<unknown>;
  stopServer(): Promise<void>;
  readonly serverUrl: string | null | undefined;
}

export class SeamFake {
  private constructor(private readonly fake: FakeSeamServer) {}

  /** A seeded fake listening on a free port. */
  static async start(): Promise<SeamFake> {
    // Loading the fake sets the process-wide Error.stackTraceLimit to 200 (its logger does): every later test
    // in the same mocha run would pay for 200-frame traces, and one that overflows the stack on purpose fails.
    const limit = Error.stackTraceLimit;
    try {
      // Required here, not at the top: a mocha run loads every test file, most of which never start the fake.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createFake } = require('@seamapi/fake-seam-connect') as { createFake: () => Promise<FakeSeamServer> };
      const fake = await createFake();
      const seed = await fake.seed();
      if (seed.seam_apikey1_token !== SEAM_KEY || seed.seed_workspace_1 !== SEAM_WORKSPACE) throw new Error('the Seam fake seeds another workspace than the tests expect');
      await fake.startServer();
      return new SeamFake(fake);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }

  /** Where the fake listens, for the account's `endpoint`. */
  get url(): string {
    if (!this.fake.serverUrl) throw new Error('the Seam fake is not listening');
    return this.fake.serverUrl;
  }

  /** The database as it is now. */
  get db(): FakeSeamDatabase {
    return this.fake.database.getState();
  }

  /** The access codes on a device (managed and not, backups too), as the fake keeps them now. */
  codesOn(deviceId: string): FakeAccessCode[] {
    return this.db.access_codes.filter((code) => code.device_id === deviceId);
  }

  /** Another API key for the seeded workspace (a test's own secret; Seam's keys look like `seam_<short>_<secret>`). */
  addApiKey(token: string): void {
    this.db.addApiKey({ token, workspace_id: SEAM_WORKSPACE, name: 'test key' });
  }

  /** Acts as the device: it now holds the code. */
  markSet(accessCodeId: string): void {
    this.db.updateAccessCode({ access_code_id: accessCodeId, status: 'set' });
  }

  /** Acts as the device: every code Seam holds for it (`unset`, `setting`) is on it now. */
  programDevice(deviceId: string): void {
    for (const code of this.codesOn(deviceId)) if (code.status === 'unset' || code.status === 'setting') this.markSet(code.access_code_id);
  }

  /** Every code on the device gone, as if the lock were wiped (between tests sharing one fake). */
  removeCodes(deviceId: string): void {
    for (const code of this.codesOn(deviceId)) this.db.deleteAccessCode(code.access_code_id);
  }

  /** Seam answers 503 on these routes (e.g. `/access_codes/create`) for the seeded workspace, until `recover`. */
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
 * A proxy in front of the fake that can lose answers: while `dropAnswers` names a path, requests to it
 * reach Seam but the socket is cut before the answer comes back (a Wi-Fi drop mid-request).
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
