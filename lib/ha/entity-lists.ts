/** What the editor shows from a Home Assistant server: its lock entities and its notify services. */
import type { HaClient } from './connection';

export interface LockEntityChoice {
  entityId: string;
  name: string;
  state: string;
  /** The integration that made it: `zwave_js`, `zha`, `mqtt`... (empty when the registry could not be read). */
  platform: string;
}

/** Lock entities, those of `platform` only when one is given (a ZHA lock is no use to the Z-Wave JS provider). */
export async function lockEntities(client: HaClient, platform?: string): Promise<LockEntityChoice[]> {
  const registry = await client.entityRegistry().catch(() => []);
  const platformOf = new Map(registry.map((entry) => [entry.entity_id, entry.platform]));
  const states = await client.getStates();
  return states
    .filter((state) => state.entity_id.startsWith('lock.'))
    .map((state) => ({
      entityId: state.entity_id,
      name: String(state.attributes.friendly_name ?? state.entity_id),
      state: state.state,
      platform: platformOf.get(state.entity_id) ?? '',
    }))
    .filter((choice) => !platform || choice.platform === '' || choice.platform === platform)
    .sort((a, b) => a.entityId.localeCompare(b.entityId));
}

/** `notify.*` services, as `notify.mobile_app_ana`. */
export async function notifyServices(client: HaClient): Promise<string[]> {
  const services = await client.getServices();
  return Object.keys(services.notify ?? {})
    .map((service) => `notify.${service}`)
    .sort();
}
