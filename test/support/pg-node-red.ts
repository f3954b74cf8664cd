/**
 * Two real `node-red` processes for one property, as a host runs an active instance and a standby: the
 * same flow (test/support/red-process.ts's pipeline), each its own user directory, log and instance name,
 * one PostgreSQL database for the ledger, and the SAME locks.
 *
 * Shared locks: the simulated provider keeps its locks in memory, loaded from `<staykey dir>/locks/<id>.json`
 * once when the flow starts and written back after each change, so two processes cannot share them (a
 * standby's copy would be as old as its start, and its first save would write that old copy over the
 * active one's). The locks here are Z-Wave locks in the test's Home Assistant double (test/doubles/ha-server.ts)
 * instead, reached by both processes over its websocket API: a building's Home Assistant, as in
 * docs/postgres.md. The test reads what each lock holds from the double.
 *
 * The ledger: `ledger: { kind: 'postgres', ... }` adds a staykey-postgres config node and points the
 * pin-issuer at it (the node and its settings are issue 18's, see POSTGRES_FIELDS); `{ kind: 'file' }` keeps
 * the file store, which each process then has for itself.
 *
 * Credentials (the Home Assistant token, the connection string, the PIN key) are written to a plain
 * flows_cred.json before the first start (credentialSecret false), so no run starts without them.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { applyBatch, RECORD_KINDS } from '../../lib/ledger/ledger-changes';
import type { LedgerChange, LedgerRecordKind } from '../../lib/ledger/ledger-options';
import { emptyLedger, LedgerData } from '../../lib/ledger/ledger-types';
import type { HaDouble } from '../doubles/ha-server';
import { FlowNode, PIPELINE, PipelineOptions, RedProcess, TestLock, packageRoot, pipelineFlow, sleep } from './red-process';

/**
 * The staykey-postgres config node and the pin-issuer's ledger settings as this helper writes them, in one
 * place so they follow the node if its field names change.
 */
export const POSTGRES_FIELDS = {
  type: 'staykey-postgres',
  id: 'sk-postgres',
  instance: 'instance',
  leaseSeconds: 'leaseSeconds',
  tls: 'tls',
  credentials: { connectionString: 'connectionString', pinKey: 'pinKey', ca: 'ca' },
  issuer: { store: 'ledgerStore', storeValue: 'postgres', config: 'postgres', property: 'property' },
} as const;

export const HA_SERVER_ID = 'sk-ha';

/** Whether this build has the staykey-postgres node (Node-RED waits forever for a flow's missing node type). */
export function hasPostgresNode(): boolean {
  const manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { 'node-red'?: { nodes?: Record<string, string> } };
  return Object.hasOwn(manifest['node-red']?.nodes ?? {}, POSTGRES_FIELDS.type);
}

export type SharedLedger =
  | { kind: 'file' }
  | {
      kind: 'postgres';
      connectionString: string;
      /** The property both instances serve (the lease row's key). */
      property: string;
      /** 64 hex characters, the same on both instances (one is made when not given). */
      pinKey?: string;
      leaseSeconds?: number;
    };

/** A lock of the Home Assistant double, as a row of the locks config. */
export function entityOf(lockId: string): string {
  return `lock.${lockId.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
}

export interface SharedFlowOptions extends Omit<PipelineOptions, 'latencyMs'> {
  /** The building's Home Assistant, holding every lock of `locks` (see addLocksTo). */
  ha: { url: string; token: string };
  ledger: SharedLedger;
}

/** Adds each test lock to the double as a Z-Wave lock with room for its slots. */
export function addLocksTo(ha: HaDouble, locks: TestLock[]): void {
  for (const lock of locks) ha.addZwaveLock({ entityId: entityOf(lock.id), name: lock.name, capacity: Math.max(lock.lastSlot ?? 30, 30) });
}

/** The pipeline of red-process.ts on the double's Z-Wave locks, with the ledger in PostgreSQL or a file. */
export function sharedLedgerFlow(options: SharedFlowOptions, instance: string): { flows: FlowNode[]; credentials: Record<string, Record<string, string>> } {
  const flows = pipelineFlow({ ...options, latencyMs: 0 }).map((node) => ({ ...node }));
  const locks = flows.find((node) => node.id === PIPELINE.locks)!;
  locks.provider = 'zwave-js';
  locks.haServer = HA_SERVER_ID;
  locks.locks = (locks.locks as Array<Record<string, unknown>>).map((row) => ({ ...row, device: entityOf(String(row.id)) }));
  delete locks.latency;
  delete locks.failureRate;
  delete locks.drain;
  flows.push({ id: HA_SERVER_ID, type: 'staykey-ha-server', name: 'the building', url: options.ha.url });
  const credentials: Record<string, Record<string, string>> = { [HA_SERVER_ID]: { token: options.ha.token } };
  const ledger = options.ledger;
  if (ledger.kind === 'postgres') {
    const fields = POSTGRES_FIELDS;
    flows.push({
      id: fields.id,
      type: fields.type,
      name: 'shared ledger',
      [fields.tls]: 'off',
      [fields.instance]: instance,
      [fields.leaseSeconds]: ledger.leaseSeconds ?? 30,
    });
    credentials[fields.id] = {
      [fields.credentials.connectionString]: ledger.connectionString,
      [fields.credentials.pinKey]: ledger.pinKey ?? '',
    };
    const issuer = flows.find((node) => node.id === PIPELINE.issuer)!;
    issuer[fields.issuer.store] = fields.issuer.storeValue;
    issuer[fields.issuer.config] = fields.id;
    issuer[fields.issuer.property] = ledger.property;
  }
  return { flows, credentials };
}

export interface PairOptions extends SharedFlowOptions {
  /** A temporary directory of the test's: the two user directories and logs go under it. */
  directory: string;
  /** More Node-RED settings for both (a staykey clock, ...). */
  settings?: Record<string, unknown>;
  startTimeoutMs?: number;
}

export interface LeaseRow {
  holder: string | null;
  epoch: number;
  /** On the database's clock, as every lease time. */
  leaseUntil: Date | null;
}

export interface LeaseHistoryRow {
  epoch: number;
  holder: string;
  acquiredAt: Date;
  previousHolder: string | null;
  previousRenewedAt: Date | null;
}

/**
 * The active instance and the standby. Instance names are `nr-a` and `nr-b`; which one holds the property
 * is the database's word (lease()), never a guess from which started first.
 */
export class RedPair {
  readonly instances: ReadonlyMap<string, RedProcess>;
  private readonly ledger: SharedLedger;
  private client: Client | undefined;

  constructor(private readonly options: PairOptions) {
    const ledger: SharedLedger = options.ledger.kind === 'postgres' ? { ...options.ledger, pinKey: options.ledger.pinKey ?? crypto.randomBytes(32).toString('hex') } : options.ledger;
    this.ledger = ledger;
    const instances = new Map<string, RedProcess>();
    for (const name of ['nr-a', 'nr-b']) {
      const userDir = path.join(options.directory, name);
      const { flows, credentials } = sharedLedgerFlow({ ...options, ledger }, name);
      fs.mkdirSync(userDir, { recursive: true });
      // Plain credentials (credentialSecret false): test secrets in a test directory, there from the first start.
      fs.writeFileSync(path.join(userDir, 'flows_cred.json'), JSON.stringify(credentials, null, 2));
      instances.set(
        name,
        new RedProcess({
          userDir,
          logFile: path.join(options.directory, `${name}.log`),
          flows,
          settings: { credentialSecret: false, ...options.settings },
          startTimeoutMs: options.startTimeoutMs,
        }),
      );
    }
    this.instances = instances;
  }

  get a(): RedProcess {
    return this.instances.get('nr-a')!;
  }

  get b(): RedProcess {
    return this.instances.get('nr-b')!;
  }

  /** The PIN key both instances share (undefined with the file store). */
  get pinKey(): string | undefined {
    return this.ledger.kind === 'postgres' ? this.ledger.pinKey : undefined;
  }

  /** nr-a first, so it is likely (not certain) to take the property; then nr-b. */
  async start(): Promise<void> {
    await this.a.start();
    await this.b.start();
  }

  /** The property's lease row, or undefined before any instance took it. */
  async lease(): Promise<LeaseRow | undefined> {
    const result = await (await this.db()).query<{ holder: string | null; epoch: string; lease_until: Date | null }>(
      'SELECT holder, epoch, lease_until FROM staykey_property WHERE property = $1',
      [this.property()],
    );
    const row = result.rows[0];
    return row ? { holder: row.holder, epoch: Number(row.epoch), leaseUntil: row.lease_until } : undefined;
  }

  /** Waits until some instance holds the property (other than `not`, when given) and returns its name. */
  async untilHeld(options: { not?: string; timeoutMs?: number } = {}): Promise<string> {
    const until = Date.now() + (options.timeoutMs ?? 90_000);
    for (;;) {
      const lease = await this.lease().catch(() => undefined);
      if (lease?.holder && lease.holder !== options.not && this.instances.has(lease.holder)) return lease.holder;
      if (Date.now() > until) throw new Error(`no instance${options.not ? ` other than ${options.not}` : ''} took "${this.property()}" in time (lease: ${JSON.stringify(lease)})`);
      await sleep(200);
    }
  }

  /** kill -9 of the instance the database says holds the property; resolves with its name. */
  async killActive(): Promise<string> {
    const holder = await this.untilHeld({ timeoutMs: 5000 });
    await this.instances.get(holder)!.kill();
    return holder;
  }

  /** Every takeover of the property, oldest first. */
  async leaseHistory(): Promise<LeaseHistoryRow[]> {
    const result = await (await this.db()).query<{ epoch: string; holder: string; acquired_at: Date; previous_holder: string | null; previous_renewed_at: Date | null }>(
      'SELECT epoch, holder, acquired_at, previous_holder, previous_renewed_at FROM staykey_lease_history WHERE property = $1 ORDER BY epoch',
      [this.property()],
    );
    return result.rows.map((row) => ({
      epoch: Number(row.epoch),
      holder: row.holder,
      acquiredAt: row.acquired_at,
      previousHolder: row.previous_holder,
      previousRenewedAt: row.previous_renewed_at,
    }));
  }

  /**
   * The ledger as committed in the database, with the epoch that wrote each record: every epoch must be
   * one the lease history shows, and a record's epoch never runs ahead of the property's.
   */
  async committedLedger(): Promise<{ ledger: LedgerData; epochs: Map<string, number> }> {
    const db = await this.db();
    const property = this.property();
    const seq = await db.query<{ command_seq: string }>('SELECT command_seq FROM staykey_property WHERE property = $1', [property]);
    const rows = await db.query<{ kind: string; key: string; value: string; epoch: string }>('SELECT kind, key, value, epoch FROM staykey_record WHERE property = $1', [property]);
    const changes: LedgerChange[] = [];
    const epochs = new Map<string, number>();
    for (const row of rows.rows) {
      if (!RECORD_KINDS.has(row.kind)) throw new Error(`a record of an unknown kind in the database: ${JSON.stringify(row.kind.slice(0, 40))}`);
      const id = JSON.parse(row.key) as string;
      changes.push({ kind: row.kind as LedgerRecordKind, id, value: JSON.parse(row.value) });
      epochs.set(`${row.kind} ${id}`, Number(row.epoch));
    }
    const ledger = emptyLedger();
    applyBatch(ledger, { changes, commandSeq: Number(seq.rows[0]?.command_seq ?? 0) }, false);
    return { ledger, epochs };
  }

  /** Kills both (nothing is handed back: a test that wants a clean stop stops them itself) and closes the database client. */
  async close(): Promise<void> {
    await Promise.all([...this.instances.values()].map((red) => red.kill()));
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private property(): string {
    if (this.ledger.kind !== 'postgres') throw new Error('this pair keeps its ledgers in files: there is no lease to look at');
    return this.ledger.property;
  }

  private async db(): Promise<Client> {
    if (this.ledger.kind !== 'postgres') throw new Error('this pair keeps its ledgers in files');
    if (this.client) return this.client;
    const client = new Client({ connectionString: this.ledger.connectionString, application_name: 'staykey-test-observer' });
    // The test's own look at the database; a connection the server drops is made again at the next look.
    client.on('error', () => {
      if (this.client === client) this.client = undefined;
    });
    await client.connect();
    this.client = client;
    return client;
  }
}

/** What each lock of the Home Assistant double holds: lock id to slot and PIN (plain: the test's side only). */
export function heldCodes(ha: HaDouble, locks: TestLock[]): Map<string, Array<{ slot: number; pin: string }>> {
  const held = new Map<string, Array<{ slot: number; pin: string }>>();
  for (const lock of locks) {
    const codes = ha.codes(entityOf(lock.id));
    held.set(
      lock.id,
      Object.entries(codes).map(([slot, pin]) => ({ slot: Number(slot), pin })),
    );
  }
  return held;
}
