/**
 * A Zigbee keypad lock behind Zigbee2MQTT, on a real MQTT broker, answering the way Zigbee2MQTT's lock
 * converters do (zigbee-herdsman-converters `pincode_lock`, `lock_pin_code_response`,
 * `lock_set_pin_code_response`, `lock_operation_event`, `battery`):
 * - `<base>/<name>/set {"pin_code":{"user":N,"user_type","user_enabled","pin_code"}}` writes user N
 *   (0 to pinCodeCount - 1), `"pin_code": null` clears it. On success the lock's response makes
 *   Zigbee2MQTT publish the state with a new `last_successful_pincode_save` (or `_clear`). A PIN the lock
 *   already holds for another user is refused (ZCL status 3, duplicate): Zigbee2MQTT publishes nothing.
 * - `<base>/<name>/get {"pin_code":{"user":N}}` reads one user: the state then carries
 *   `users.N = {status, pin_code?}`; the PIN only with `expose_pin`. `{"pin_code":{}}` reads every user.
 * - The state is the whole cached device state each time (battery, lock state, users read so far, the
 *   save/clear times); `action`, `action_user`, `action_source_name` are sent once and not cached.
 * - Availability on `<base>/<name>/availability` as `{"state":"online"}`, retained.
 * - A command the radio network cannot deliver is logged on `<base>/bridge/logging` as
 *   `{"level":"error","message":"z2m: Publish 'set' 'pin_code' to '<name>' failed: '...'"}`.
 */
import { connect, MqttClient } from 'mqtt';

export interface Z2mLockOptions {
  url: string;
  name: string;
  baseTopic?: string;
  /** The device option `expose_pin` (Zigbee2MQTT's default is false: PINs are masked). */
  exposePin?: boolean;
  /** Users the lock has (its `pinCodeCount`). */
  pinCodeCount?: number;
  battery?: number;
}

interface User {
  pin: string;
  enabled: boolean;
}

export class Z2mLockDouble {
  readonly baseTopic: string;
  /** Every set (write or clear) command received, whether applied or not. */
  readonly commands: Array<{ user: number; clear: boolean }> = [];
  /** Gets received; `fullReads` counts the ones that read every user (battery drain). */
  reads = 0;
  fullReads = 0;
  private client!: MqttClient;
  private readonly users = new Map<number, User>();
  /** What Zigbee2MQTT has cached of the users it read. */
  private readonly cachedUsers: Record<string, { status: string; pin_code?: string }> = {};
  private readonly appliedWrites = new Map<number, number>();
  private battery: number;
  private lastSave: number | undefined;
  private lastClear: number | undefined;
  private offMesh = false;
  private silent = false;
  private holding = false;
  private loseAnswers = 0;
  private held: Array<() => void> = [];

  private constructor(private readonly options: Z2mLockOptions) {
    this.baseTopic = options.baseTopic ?? 'zigbee2mqtt';
    this.battery = options.battery ?? 90;
  }

  static async start(options: Z2mLockOptions): Promise<Z2mLockDouble> {
    const lock = new Z2mLockDouble(options);
    await lock.connect();
    return lock;
  }

  get topic(): string {
    return `${this.baseTopic}/${this.options.name}`;
  }

  // --- What a test can see -------------------------------------------------------------------------

  /** The codes the lock holds, by user (PINs plain: this is the lock's memory). */
  codes(): Array<{ user: number; pin: string; enabled: boolean }> {
    return [...this.users.entries()].sort(([a], [b]) => a - b).map(([user, held]) => ({ user, ...held }));
  }

  /** How often a code was actually written into `user`. */
  writes(user: number): number {
    return this.appliedWrites.get(user) ?? 0;
  }

  // --- What a test can do ---------------------------------------------------------------------------

  /**
   * The lock drops off the mesh and ignores every command. `announced`: Zigbee2MQTT has noticed and
   * says offline (retained). `unnoticed`: it still says online, and logs each command it cannot
   * deliver. `silent`: it says online and logs nothing (a sleepy lock it just waits for).
   */
  async dropOffMesh(mode: 'announced' | 'unnoticed' | 'silent' = 'announced'): Promise<void> {
    this.offMesh = true;
    this.silent = mode === 'silent';
    if (mode === 'announced') await this.publishAvailability('offline');
  }

  /** The lock does the next command, but its answer is lost in the mesh. */
  loseNextAnswer(): void {
    this.loseAnswers = 1;
  }

  async backOnMesh(): Promise<void> {
    this.offMesh = false;
    this.silent = false;
    await this.publishAvailability('online');
  }

  async setBattery(percent: number): Promise<void> {
    this.battery = percent;
    await this.publishState();
  }

  /** Someone keyed a code in at the lock itself: StayKey was not told. */
  keyInAtTheLock(user: number, pin: string): void {
    this.users.set(user, { pin, enabled: true });
  }

  /** A guest types `pin`: the lock reports the unlock with the user, or a failed try. */
  async pressKeypad(pin: string): Promise<boolean> {
    const match = [...this.users.entries()].find(([, held]) => held.enabled && held.pin === pin);
    const event = match
      ? { action: 'unlock', action_user: match[0], action_source: 0, action_source_name: 'keypad' }
      : { action: 'unlock_failure_invalid_pin_or_id', action_user: 65535, action_source: 0, action_source_name: 'keypad' };
    if (!this.offMesh) await this.publishState(event);
    return match !== undefined;
  }

  /** Answers wait until `releaseAnswers` (a broker restart can then fall between command and answer). */
  holdAnswers(): void {
    this.holding = true;
  }

  releaseAnswers(): void {
    this.holding = false;
    for (const answer of this.held.splice(0)) answer();
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }

  // --- Zigbee2MQTT's side ---------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.client = connect(this.options.url, {
      clientId: `z2m-double-${this.options.name}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 100,
      // Zigbee2MQTT re-subscribes after a reconnect, as mqtt.js does by default.
      resubscribe: true,
    });
    this.client.on('message', (topic, payload) => this.receive(topic, payload.toString('utf8')));
    this.client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.client.once('connect', () => resolve());
      this.client.once('error', reject);
    });
    await this.client.subscribeAsync([`${this.topic}/set`, `${this.topic}/get`], { qos: 0 });
    await this.publishAvailability('online');
  }

  private receive(topic: string, payload: string): void {
    let message: { pin_code?: unknown };
    try {
      message = JSON.parse(payload) as { pin_code?: unknown };
    } catch {
      return;
    }
    if (typeof message.pin_code !== 'object' || message.pin_code === null) return;
    const request = message.pin_code as { user?: unknown; pin_code?: unknown; user_enabled?: unknown };
    if (topic === `${this.topic}/set`) {
      this.commands.push({ user: Number(request.user), clear: request.pin_code === null || request.pin_code === undefined });
      this.answer(() => this.set(request));
    }
    if (topic === `${this.topic}/get`) this.answer(() => this.get(request));
  }

  private answer(work: () => void): void {
    if (this.holding) this.held.push(work);
    else work();
  }

  private set(request: { user?: unknown; pin_code?: unknown; user_enabled?: unknown }): void {
    const user = Number(request.user);
    const clear = request.pin_code === null || request.pin_code === undefined;
    if (this.unreachable('set')) return;
    if (!this.validUser(user)) return this.logError('set', 'Error: user must be in range for device');
    if (clear) {
      this.users.delete(user);
      this.lastClear = this.tick(this.lastClear);
      void this.publishState();
      return;
    }
    const pin = String(request.pin_code);
    const duplicate = [...this.users.entries()].some(([other, held]) => other !== user && held.pin === pin);
    // setPinCodeRsp status 3 (duplicate): the converter publishes nothing for a status other than 0.
    if (duplicate) return;
    this.users.set(user, { pin, enabled: request.user_enabled !== false });
    this.appliedWrites.set(user, this.writes(user) + 1);
    this.lastSave = this.tick(this.lastSave);
    void this.publishState();
  }

  private get(request: { user?: unknown }): void {
    this.reads++;
    if (this.unreachable('get')) return;
    if (request.user === undefined) {
      this.fullReads++;
      for (let user = 0; user < this.pinCodeCount; user++) this.cacheUser(user);
      void this.publishState();
      return;
    }
    const user = Number(request.user);
    if (!this.validUser(user)) return this.logError('get', 'Error: userId must be in range for device');
    this.cacheUser(user);
    void this.publishState();
  }

  private cacheUser(user: number): void {
    const held = this.users.get(user);
    const entry: { status: string; pin_code?: string } = { status: held ? (held.enabled ? 'enabled' : 'disabled') : 'available' };
    if (held && this.options.exposePin) entry.pin_code = held.pin;
    this.cachedUsers[String(user)] = entry;
  }

  private unreachable(verb: 'set' | 'get'): boolean {
    if (!this.offMesh) return false;
    if (!this.silent) this.logError(verb, "Error: ZCL command closuresDoorLock failed (Delivery failed for '4711'.)");
    return true;
  }

  private get pinCodeCount(): number {
    return this.options.pinCodeCount ?? 30;
  }

  private validUser(user: number): boolean {
    return Number.isInteger(user) && user >= 0 && user < this.pinCodeCount;
  }

  /** Zigbee2MQTT stamps Date.now(); two saves in one millisecond must still look different. */
  private tick(previous: number | undefined): number {
    const now = Date.now();
    return previous !== undefined && now <= previous ? previous + 1 : now;
  }

  private logError(verb: 'set' | 'get', error: string): void {
    const message = `z2m: Publish '${verb}' 'pin_code' to '${this.options.name}' failed: '${error}'`;
    void this.client.publishAsync(`${this.baseTopic}/bridge/logging`, JSON.stringify({ level: 'error', message }));
  }

  private async publishAvailability(state: 'online' | 'offline'): Promise<void> {
    await this.client.publishAsync(`${this.topic}/availability`, JSON.stringify({ state }), { qos: 1, retain: true });
  }

  private async publishState(event: Record<string, unknown> = {}): Promise<void> {
    if (this.loseAnswers > 0) {
      this.loseAnswers--;
      return;
    }
    const state: Record<string, unknown> = {
      battery: this.battery,
      battery_low: this.battery < 15,
      linkquality: 120,
      lock_state: 'locked',
      state: 'LOCK',
      users: { ...this.cachedUsers },
      ...(this.lastSave !== undefined ? { last_successful_pincode_save: this.lastSave } : {}),
      ...(this.lastClear !== undefined ? { last_successful_pincode_clear: this.lastClear } : {}),
      ...event,
    };
    await this.client.publishAsync(this.topic, JSON.stringify(state), { qos: 0 });
  }
}

/** What Zigbee2MQTT retains on `<base>/bridge/devices`: every device it knows, with its definition. */
export function bridgeDevices(locks: string[], others: string[] = []): unknown[] {
  const lockDevice = (name: string, index: number) => ({
    ieee_address: `0x00158d00000${(index + 1).toString(16).padStart(5, '0')}`,
    friendly_name: name,
    type: 'EndDevice',
    supported: true,
    disabled: false,
    definition: {
      model: 'YRD256HA20BP',
      vendor: 'Yale',
      description: 'Assure lock SL',
      exposes: [
        { type: 'lock', features: [{ name: 'state', property: 'state', type: 'binary' }] },
        { type: 'numeric', name: 'battery', property: 'battery', unit: '%' },
        { type: 'composite', name: 'pin_code', property: 'pin_code' },
      ],
    },
  });
  const other = (name: string, index: number) => ({
    ieee_address: `0x00124b00000${(index + 1).toString(16).padStart(5, '0')}`,
    friendly_name: name,
    type: 'Router',
    supported: true,
    disabled: false,
    definition: { model: 'E1603', vendor: 'IKEA', description: 'Control outlet', exposes: [{ type: 'switch', features: [] }] },
  });
  return [
    { ieee_address: '0x00124b0000000000', friendly_name: 'Coordinator', type: 'Coordinator', definition: null },
    ...locks.map(lockDevice),
    ...others.map(other),
  ];
}
