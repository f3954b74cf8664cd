import { EventEmitter } from 'node:events';
import type { PostgresDatabase } from './database';

export interface LeaseOptions {
  /** The ledger's name in the database: one active writer per property. */
  property: string;
  /** This Node-RED, as the other instances and the lease history name it. */
  instance: string;
  /** A holder that has not renewed for this long may be replaced (default 30, so a standby takes over within 60 s). */
  leaseSeconds?: number;
  /** How often the holder renews and a standby looks (default 10). */
  renewSeconds?: number;
}

interface PropertyRow {
  holder: string | null;
  epoch: string;
  renewed_at: Date | null;
  live: boolean;
}

/**
 * Who writes a property's ledger. One instance holds the lease and renews it; the others stand by and
 * take it once it has not been renewed for `leaseSeconds`. Each taking gives the property a new epoch
 * (from one sequence for the whole database, so no two takings anywhere share one), and
 * every write of the ledger names the epoch it was made under (see the store), so an instance that lost
 * the lease without knowing it (a pause, a cut network) cannot write after the new holder took over.
 *
 * Events: `active` (epoch) the property is ours; `standby` (holder) another instance has it; `lost`
 * (reason) it was taken from us: stop at once; `unreachable` (error) and `reachable` around a database
 * that did not answer. While unreachable the holder stays active: nothing it writes can commit until the
 * database answers, and then only if nobody took over meanwhile.
 */
export class PropertyLease extends EventEmitter {
  private current: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private busy: Promise<void> | undefined;
  private unreachable = false;
  private lastHolder: string | undefined;
  private readonly leaseSeconds: number;
  private readonly renewSeconds: number;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly options: LeaseOptions,
  ) {
    super();
    this.leaseSeconds = options.leaseSeconds ?? 30;
    this.renewSeconds = options.renewSeconds ?? Math.max(1, Math.floor(this.leaseSeconds / 3));
    if (!(this.renewSeconds < this.leaseSeconds)) throw new Error('a lease must be renewed more often than it lasts');
  }

  get epoch(): number | undefined {
    return this.current;
  }

  get active(): boolean {
    return this.current !== undefined;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timer = setInterval(() => void this.tick(), this.renewSeconds * 1000);
    this.timer.unref?.();
    void this.tick();
  }

  /** One look now: renew if ours, try to take it if not. Resolves when done (tests, a host's "check now"). */
  tick(): Promise<void> {
    if (!this.running) return Promise.resolve();
    this.busy ??= (this.active ? this.renew() : this.tryTake())
      .then(() => this.reached(), (err: unknown) => this.failed(err))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  /**
   * Stops without a word to the database, as a process killed or cut off would: the property stays
   * this instance's until its lease runs out. For tests and simulations of a dying instance.
   */
  async abandon(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.busy;
    this.current = undefined;
  }

  /** Stops looking and hands the property back, so a standby takes it at its next look. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    await this.busy;
    const epoch = this.current;
    this.current = undefined;
    if (epoch === undefined) return;
    await this.db
      .query('UPDATE staykey_property SET holder = NULL, lease_until = now(), renewed_at = now() WHERE property = $1 AND epoch = $2 AND holder IS NOT NULL', [this.options.property, epoch])
      .catch(() => undefined);
  }

  private async renew(): Promise<void> {
    const renewed = await this.db.query(
      `UPDATE staykey_property SET lease_until = now() + make_interval(secs => $3), renewed_at = now()
        WHERE property = $1 AND epoch = $2 AND holder IS NOT NULL RETURNING epoch`,
      [this.options.property, this.current, this.leaseSeconds],
    );
    if (renewed.rowCount === 0 && this.running && this.current !== undefined) {
      this.current = undefined;
      this.emit('lost', 'another instance took this property over (its lease had expired)');
    }
  }

  private async tryTake(): Promise<void> {
    await this.db.query('INSERT INTO staykey_property (property) VALUES ($1) ON CONFLICT (property) DO NOTHING', [this.options.property]);
    const taken = await this.db.transaction(async (client) => {
      const found = await client.query<PropertyRow>('SELECT holder, epoch, renewed_at, lease_until > now() AS live FROM staykey_property WHERE property = $1 FOR UPDATE', [this.options.property]);
      const row = found.rows[0]!;
      if (row.holder !== null && row.live) return { holder: row.holder };
      const updated = await client.query<{ epoch: string }>(
        `UPDATE staykey_property SET holder = $2, epoch = nextval('staykey_epoch'), lease_until = now() + make_interval(secs => $3), acquired_at = now(), renewed_at = now()
          WHERE property = $1 RETURNING epoch`,
        [this.options.property, this.options.instance, this.leaseSeconds],
      );
      const epoch = Number(updated.rows[0]!.epoch);
      await client.query(
        'INSERT INTO staykey_lease_history (property, epoch, holder, acquired_at, previous_holder, previous_renewed_at) VALUES ($1, $2, $3, now(), $4, $5)',
        [this.options.property, epoch, this.options.instance, row.holder, row.renewed_at],
      );
      return { epoch };
    });
    if (!this.running) {
      // Stopped while taking it: hand it straight back.
      if (taken.epoch !== undefined) this.current = taken.epoch;
      return;
    }
    if (taken.epoch !== undefined) {
      this.current = taken.epoch;
      this.lastHolder = undefined;
      this.emit('active', taken.epoch);
    } else if (taken.holder !== this.lastHolder) {
      this.lastHolder = taken.holder;
      this.emit('standby', taken.holder);
    }
  }

  private reached(): void {
    if (!this.unreachable) return;
    this.unreachable = false;
    this.emit('reachable');
  }

  private failed(err: unknown): void {
    if (this.unreachable) return;
    this.unreachable = true;
    this.emit('unreachable', err instanceof Error ? err : new Error(String(err)));
  }
}
