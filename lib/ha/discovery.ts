/**
 * Every lock as a Home Assistant device, through MQTT discovery: battery, battery state, active guest
 * codes, next arrival, last code used and whether the lock is online. Home Assistant needs nothing
 * installed; the entities appear on their own and can go on any dashboard.
 *
 * - Discovery configs go to `<prefix>/<component>/staykey_<lock>/<entity>/config`, retained, and
 *   again whenever Home Assistant says `online` on `<prefix>/status` (it forgets them on a restart
 *   unless they are retained, and a broker without persistence forgets retained messages).
 * - Values go to `staykey/<lock>/<entity>`, retained, so Home Assistant shows them after its restart.
 * - Every entity is available while this Node-RED is: the broker config's availability topic,
 *   `online` when connected and `offline` by last will.
 * - A lock no longer in the set gets empty retained payloads: Home Assistant removes its entities.
 *
 * No PIN ever passes through here: the inputs carry counts, dates and battery levels only.
 */
import type { BatteryClass, LockSummary, LockSummaryMessage } from '../messages';
import { ConnectionState, MqttLink, topicSafe } from '../mqtt/link';

export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';
export const STATE_ROOT = 'staykey';

/**
 * pin-issuer -> ha-dashboard (its 4th output): what each lock's codes look like now, without a PIN
 * (`{kind: 'lock-summary', locks: [{lockId, name, activeGuestCodes, nextArrival, lastCodeUsedAt,
 * lastCodeUsedBy?}]}`, dates ISO or null). Defined with the other messages in lib/messages.ts.
 */
export type { LockSummary, LockSummaryMessage };

/** A lock as Home Assistant shows the device: its name, and the provider as its model. */
export interface DashboardLock {
  lockId: string;
  name: string;
  model: string;
}

export interface BatteryValues {
  lockId: string;
  name: string;
  level: number | null;
  batteryClass: BatteryClass;
  online: boolean;
}

export interface CodeUse {
  lockId: string;
  slot: number | null;
  success: boolean;
  at: string;
}

export interface DashboardOptions {
  mqtt: MqttLink;
  prefix?: string;
  /** Lock ids published on an earlier run: those no longer in the set are removed from Home Assistant. */
  published?: string[];
  /** Told whenever the published lock ids change, so the next run can remove what disappeared. */
  remember?: (lockIds: string[]) => void;
  /** The device model of a lock only ever heard of in messages. */
  defaultModel?: string;
}

type Component = 'sensor' | 'binary_sensor';

interface EntityKind {
  object: string;
  component: Component;
  config: Record<string, unknown>;
}

/** The six entities of a lock, as Home Assistant's MQTT sensor and binary_sensor take them. */
const ENTITIES: EntityKind[] = [
  {
    object: 'battery',
    component: 'sensor',
    config: { name: 'Battery', device_class: 'battery', unit_of_measurement: '%', state_class: 'measurement', entity_category: 'diagnostic' },
  },
  {
    object: 'battery_state',
    component: 'sensor',
    config: {
      name: 'Battery state',
      device_class: 'enum',
      options: ['healthy', 'replace soon', 'critical'],
      entity_category: 'diagnostic',
      icon: 'mdi:battery-heart-variant',
    },
  },
  {
    object: 'active_codes',
    component: 'sensor',
    config: { name: 'Active guest codes', state_class: 'measurement', icon: 'mdi:key-chain-variant' },
  },
  { object: 'next_arrival', component: 'sensor', config: { name: 'Next arrival', device_class: 'timestamp', icon: 'mdi:calendar-arrow-right' } },
  { object: 'last_code_used', component: 'sensor', config: { name: 'Last code used', device_class: 'timestamp', icon: 'mdi:door-open' } },
  {
    object: 'online',
    component: 'binary_sensor',
    config: { name: 'Online', device_class: 'connectivity', payload_on: 'ON', payload_off: 'OFF', entity_category: 'diagnostic' },
  },
];

/** Home Assistant's MQTT sensors take `None` as "unknown". */
const UNKNOWN = 'None';

const BATTERY_STATES: Record<BatteryClass, string> = {
  healthy: 'healthy',
  'replace-soon': 'replace soon',
  critical: 'critical',
  unknown: UNKNOWN,
};

interface LockValues {
  battery?: string;
  battery_state?: string;
  active_codes?: string;
  next_arrival?: string;
  last_code_used?: string;
  online?: string;
  /** Attributes of last_code_used: which slot, and who (when pin-issuer says). */
  lastUse?: { slot?: number | null; by?: string };
  /** Attributes of active_codes: how many are on a lock that cannot read codes back ("set, not verifiable"). */
  codeCheck?: { set_not_verifiable: number; codes: string };
}

export class HaDashboard {
  readonly prefix: string;
  private readonly locks = new Map<string, DashboardLock>();
  private readonly values = new Map<string, LockValues>();
  /** Locks Home Assistant may still show: published now or on an earlier run, not yet removed. */
  private readonly published: Set<string>;
  private readonly stops: (() => void)[] = [];
  private fixedSet = false;

  constructor(private readonly options: DashboardOptions) {
    this.prefix = cleanPrefix(options.prefix);
    this.published = new Set(options.published ?? []);
  }

  get lockIds(): string[] {
    return [...this.locks.keys()];
  }

  /** Listens for Home Assistant's restarts and for our own reconnects; both mean "say it all again". */
  start(): void {
    this.stops.push(
      this.options.mqtt.subscribe(`${this.prefix}/status`, (message) => {
        if (message.payload.trim() === 'online') this.publishAll();
      }),
    );
    this.stops.push(this.options.mqtt.onState((state: ConnectionState) => state === 'connected' && this.publishAll()));
    if (this.options.mqtt.state === 'connected') this.publishAll();
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  /** The whole set, from a locks config: any other lock is removed from Home Assistant. */
  setLocks(locks: DashboardLock[]): void {
    this.fixedSet = true;
    this.replaceSet(locks);
  }

  batteryReport(readings: BatteryValues[]): void {
    for (const reading of readings) {
      this.learn(reading.lockId, reading.name);
      this.update(reading.lockId, {
        battery: reading.level === null ? UNKNOWN : String(Math.round(reading.level)),
        battery_state: BATTERY_STATES[reading.batteryClass] ?? UNKNOWN,
        online: reading.online ? 'ON' : 'OFF',
      });
    }
  }

  /** Without a locks config, a summary lists every lock there is: the others are removed. */
  lockSummary(summaries: LockSummary[]): void {
    if (!this.fixedSet) {
      const model = this.options.defaultModel ?? 'StayKey lock';
      this.replaceSet(summaries.map((lock) => this.locks.get(lock.lockId) ?? { lockId: lock.lockId, name: lock.name, model }));
    }
    for (const summary of summaries) {
      if (!this.locks.has(summary.lockId)) continue;
      const known = this.values.get(summary.lockId);
      const usedAt = this.lastUseFrom(summary);
      const shown = usedAt.last_code_used ?? known?.last_code_used;
      // "by" names the guest of the summary's use: only worth showing when that use is the one shown.
      const byShown = summary.lastCodeUsedBy && summary.lastCodeUsedAt && shown && Date.parse(shown) === Date.parse(summary.lastCodeUsedAt);
      this.update(summary.lockId, {
        active_codes: String(summary.activeGuestCodes),
        codeCheck: codeCheckOf(summary),
        next_arrival: summary.nextArrival ?? UNKNOWN,
        ...usedAt,
        ...(byShown ? { lastUse: { ...known?.lastUse, by: summary.lastCodeUsedBy } } : {}),
      });
    }
  }

  /** The summary's last use, unless a code-used event already told of a later one. */
  private lastUseFrom(summary: LockSummary): Pick<LockValues, 'last_code_used'> {
    const current = this.values.get(summary.lockId)?.last_code_used;
    if (summary.lastCodeUsedAt === null) return current && current !== UNKNOWN ? {} : { last_code_used: UNKNOWN };
    if (current && current !== UNKNOWN && Date.parse(current) >= Date.parse(summary.lastCodeUsedAt)) return {};
    return { last_code_used: summary.lastCodeUsedAt };
  }

  /** A guest code opened the door: the last use moves on (never back, if events arrive out of order). */
  codeUsed(use: CodeUse): void {
    if (!use.success || !this.locks.has(use.lockId)) return;
    const current = this.values.get(use.lockId)?.last_code_used;
    if (current && current !== UNKNOWN && Date.parse(current) >= Date.parse(use.at)) return;
    this.update(use.lockId, { last_code_used: use.at, lastUse: { slot: use.slot } });
  }

  // --- Publishing ----------------------------------------------------------------------------------

  private learn(lockId: string, name: string): void {
    if (this.locks.has(lockId) || this.fixedSet) return;
    this.add({ lockId, name, model: this.options.defaultModel ?? 'StayKey lock' });
  }

  private replaceSet(locks: DashboardLock[]): void {
    const wanted = new Map(locks.map((lock) => [lock.lockId, lock]));
    for (const lockId of [...this.locks.keys()]) {
      if (!wanted.has(lockId)) this.locks.delete(lockId);
    }
    for (const lock of wanted.values()) this.add(lock);
    this.removeGone();
  }

  private add(lock: DashboardLock): void {
    const known = this.locks.get(lock.lockId);
    if (known && known.name === lock.name && known.model === lock.model) return;
    this.locks.set(lock.lockId, { ...lock });
    this.markPublished(lock.lockId);
    void this.publishDevice(lock);
  }

  private update(lockId: string, changes: LockValues): void {
    const values = { ...this.values.get(lockId), ...changes };
    this.values.set(lockId, values);
    void this.publishValues(lockId, changes);
  }

  private publishAll(): void {
    for (const lock of this.locks.values()) {
      void this.publishDevice(lock);
      void this.publishValues(lock.lockId, this.values.get(lock.lockId) ?? {});
    }
    this.removeGone();
  }

  // Every publish is handed to the client at once, in order, so what goes on the wire keeps the
  // order of events (a removal and a re-add never swap); only the answers are awaited.

  private publishDevice(lock: DashboardLock): Promise<boolean> {
    return this.sendAll(ENTITIES.map((entity) => [this.configTopic(lock.lockId, entity), JSON.stringify(this.entityConfig(lock, entity))]));
  }

  private publishValues(lockId: string, values: LockValues): Promise<boolean> {
    const messages: [string, string][] = [];
    for (const entity of ENTITIES) {
      const value = values[entity.object as keyof Omit<LockValues, 'lastUse' | 'codeCheck'>];
      if (value !== undefined) messages.push([this.stateTopic(lockId, entity.object), value]);
    }
    if (values.lastUse) messages.push([`${this.stateTopic(lockId, 'last_code_used')}/attributes`, JSON.stringify(values.lastUse)]);
    if (values.codeCheck) messages.push([`${this.stateTopic(lockId, 'active_codes')}/attributes`, JSON.stringify(values.codeCheck)]);
    return this.sendAll(messages);
  }

  /** Empty retained payloads: Home Assistant removes the entities, the broker forgets the values. */
  private removeGone(): void {
    for (const lockId of [...this.published]) {
      if (this.locks.has(lockId)) continue;
      void this.remove(lockId);
    }
  }

  private async remove(lockId: string): Promise<void> {
    const topics = ENTITIES.flatMap((entity) => [this.configTopic(lockId, entity), this.stateTopic(lockId, entity.object)]);
    topics.push(`${this.stateTopic(lockId, 'last_code_used')}/attributes`, `${this.stateTopic(lockId, 'active_codes')}/attributes`);
    const allSent = await this.sendAll(topics.map((topic): [string, string] => [topic, '']));
    // Only forgotten once Home Assistant has surely been told; otherwise the next connect tries again.
    if (allSent && !this.locks.has(lockId)) {
      this.values.delete(lockId);
      if (this.published.delete(lockId)) this.options.remember?.([...this.published]);
    }
  }

  private markPublished(lockId: string): void {
    if (this.published.has(lockId)) return;
    this.published.add(lockId);
    this.options.remember?.([...this.published]);
  }

  /** Retained; skipped while the broker is away (false), as a reconnect publishes everything again. */
  private async sendAll(messages: [string, string][]): Promise<boolean> {
    const sent = messages.map(([topic, payload]) =>
      this.options.mqtt.publish(topic, payload, { retain: true, qos: 1 }).then(
        () => true,
        () => false,
      ),
    );
    return (await Promise.all(sent)).every((ok) => ok);
  }

  private entityConfig(lock: DashboardLock, entity: EntityKind): Record<string, unknown> {
    const id = topicSafe(lock.lockId);
    const config: Record<string, unknown> = {
      ...entity.config,
      unique_id: `staykey_${id}_${entity.object}`,
      state_topic: this.stateTopic(lock.lockId, entity.object),
      availability: [{ topic: this.options.mqtt.availabilityTopic, payload_available: 'online', payload_not_available: 'offline' }],
      device: { identifiers: [`staykey_${id}`], name: lock.name, manufacturer: 'StayKey', model: lock.model },
      origin: { name: 'StayKey', url: 'https://github.com/staykey/node-red-staykey' },
    };
    if (entity.object === 'last_code_used' || entity.object === 'active_codes') config.json_attributes_topic = `${this.stateTopic(lock.lockId, entity.object)}/attributes`;
    return config;
  }

  private configTopic(lockId: string, entity: EntityKind): string {
    return `${this.prefix}/${entity.component}/staykey_${topicSafe(lockId)}/${entity.object}/config`;
  }

  private stateTopic(lockId: string, object: string): string {
    return `${STATE_ROOT}/${topicSafe(lockId)}/${object}`;
  }
}

export function cleanPrefix(value: string | undefined): string {
  const prefix = (value ?? '').trim().replace(/\/+$/, '') || DEFAULT_DISCOVERY_PREFIX;
  if (/[+#]/.test(prefix)) throw new Error(`the discovery prefix "${prefix}" cannot contain + or #`);
  return prefix;
}

/** The six entity names, for docs and tests. */
export const DASHBOARD_ENTITIES = ENTITIES.map((entity) => ({ object: entity.object, component: entity.component }));

/** "read back" where every guest code was read back from the lock; "set, not verifiable" where the lock cannot read codes. */
function codeCheckOf(summary: LockSummary): { set_not_verifiable: number; codes: string } {
  const unverifiable = summary.unverifiableGuestCodes ?? 0;
  return { set_not_verifiable: unverifiable, codes: unverifiable > 0 ? 'set, not verifiable' : 'read back' };
}
