/**
 * examples/lovelace-dashboard.yaml names the entities Home Assistant makes from ha-dashboard's discovery:
 * `<domain>.<lock name>_<entity name>`, both as Home Assistant turns names into ids. A renamed entity
 * in lib/ha/discovery.ts would leave the example dashboard showing "entity not available".
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DASHBOARD_ENTITIES, DashboardLock, HaDashboard } from '../lib/ha/discovery';
import type { ConnectionListener, MqttLink, MqttListener, PublishOptions } from '../lib/mqtt/link';

/** Node-RED brings js-yaml (its YAML node uses it); the test reads the dashboard with the same parser. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require(require.resolve('js-yaml', { paths: [path.dirname(require.resolve('@node-red/nodes/package.json'))] })) as {
  load(text: string): unknown;
};

const file = path.join(__dirname, '..', '..', 'examples', 'lovelace-dashboard.yaml');

/** Home Assistant's slugify for entity ids: lower case, anything but letters and digits becomes one "_". */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** Every `entity:` value anywhere in the dashboard. */
function entitiesIn(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) entitiesIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'entity' && typeof inner === 'string') found.add(inner);
      else entitiesIn(inner, found);
    }
  }
  return found;
}

/** Records what a dashboard would publish, so the entity names come from the code itself. */
class RecordingLink implements MqttLink {
  readonly state = 'connected' as const;
  readonly availabilityTopic = 'staykey/test/availability';
  readonly published = new Map<string, string>();
  async publish(topic: string, payload: string, _options?: PublishOptions): Promise<void> {
    this.published.set(topic, payload);
  }
  subscribe(_filter: string, _listener: MqttListener): () => void {
    return () => undefined;
  }
  onState(_listener: ConnectionListener): () => void {
    return () => undefined;
  }
}

describe('the example Lovelace dashboard', () => {
  const dashboard = yaml.load(fs.readFileSync(file, 'utf8')) as { title: string; views: Array<{ cards: unknown[] }> };

  it('is a dashboard with views and cards', () => {
    assert.equal(typeof dashboard.title, 'string');
    assert.ok(dashboard.views.length > 0 && dashboard.views.every((view) => view.cards.length > 0));
  });

  it('uses exactly the entity ids Home Assistant makes from the discovery of "Front door" and "Garden gate"', () => {
    const link = new RecordingLink();
    const locks: DashboardLock[] = [
      { lockId: 'front-door', name: 'Front door', model: 'zigbee2mqtt' },
      { lockId: 'garden-gate', name: 'Garden gate', model: 'zigbee2mqtt' },
    ];
    new HaDashboard({ mqtt: link }).setLocks(locks);
    const expected = new Set<string>();
    for (const [topic, payload] of link.published) {
      const config = JSON.parse(payload) as { name: string; device: { name: string } };
      const component = topic.split('/')[1];
      expected.add(`${component}.${slug(config.device.name)}_${slug(config.name)}`);
    }
    assert.equal(expected.size, locks.length * DASHBOARD_ENTITIES.length);
    const used = entitiesIn(dashboard);
    const unknown = [...used].filter((id) => !expected.has(id));
    assert.deepEqual(unknown, [], 'the dashboard names entities ha-dashboard does not make');
    const missing = [...expected].filter((id) => !used.has(id));
    assert.deepEqual(missing, [], 'the dashboard leaves out some of the entities');
  });
});
