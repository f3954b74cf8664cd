/**
 * Home Assistant's entity registry, which says which device each entity belongs to: the full list
 * where the token may read it, else the compact one Home Assistant's frontend reads for every user.
 */
import type { Connection } from 'home-assistant-js-websocket';
import { EntityRegistryEntry, HaError, HaErrorCode, toHaError } from './client';

/** A call to Home Assistant within the connection's time limit. */
type Limited = <T>(call: Promise<T>, what: string) => Promise<T>;

/** Neither registry listing was given: the host has to change the token. */
export const REGISTRY_UNREADABLE = 'registry_unreadable';
/** Codes of a connection that went away: trying another command on it cannot help. */
const LOST = new Set<HaErrorCode>(['connection_lost', 'not_connected', 'closed']);
/** More entities than any home has: an answer beyond this is cut, not trusted whole. */
const MAX_REGISTRY_ENTRIES = 100_000;

/** `config/entity_registry/list` as entries, anything malformed left out. */
function registryEntries(value: unknown): EntityRegistryEntry[] {
  if (!Array.isArray(value)) throw new HaError("Home Assistant's entity registry is not a list", 'invalid_format');
  return value.slice(0, MAX_REGISTRY_ENTRIES).filter((entry): entry is EntityRegistryEntry => {
    const raw = entry as Partial<EntityRegistryEntry> | null;
    return typeof raw === 'object' && raw !== null && typeof raw.entity_id === 'string';
  });
}

/**
 * `config/entity_registry/list_for_display`: `{entity_categories: {"0": "config", ...}, entities: [{ei: entity_id,
 * di: device_id, pl: platform, ec: category index, ...}]}`. It leaves disabled entities out, as StayKey would.
 */
function displayEntries(value: unknown): EntityRegistryEntry[] {
  const raw = typeof value === 'object' && value !== null ? (value as { entities?: unknown; entity_categories?: unknown }) : {};
  if (!Array.isArray(raw.entities)) throw new HaError("Home Assistant's entity registry is not a list", 'invalid_format');
  const categories = typeof raw.entity_categories === 'object' && raw.entity_categories !== null ? (raw.entity_categories as Record<string, unknown>) : {};
  const entries: EntityRegistryEntry[] = [];
  for (const item of raw.entities.slice(0, MAX_REGISTRY_ENTRIES)) {
    const entity = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    if (typeof entity.ei !== 'string') continue;
    const category = entity.ec === undefined ? undefined : Object.hasOwn(categories, String(entity.ec)) ? categories[String(entity.ec)] : undefined;
    entries.push({
      entity_id: entity.ei,
      device_id: typeof entity.di === 'string' ? entity.di : null,
      platform: typeof entity.pl === 'string' ? entity.pl : '',
      ...(typeof category === 'string' ? { entity_category: category } : {}),
      disabled_by: null,
    });
  }
  return entries;
}

/**
 * The full registry; where Home Assistant will not give it (a token that is not an administrator's, a
 * server that does not answer in time), the compact one its own frontend reads for every user, which
 * also says each entity's device. When both are refused the error says what stops working and why.
 */
export async function readEntityRegistry(connection: Connection, url: string, limited: Limited): Promise<EntityRegistryEntry[]> {
  let refusal: HaError;
  try {
    const entries = await limited(connection.sendMessagePromise<unknown>({ type: 'config/entity_registry/list' }), 'the entity registry');
    return registryEntries(entries);
  } catch (err) {
    refusal = toHaError(err, url);
    if (LOST.has(refusal.code)) throw refusal;
  }
  try {
    const compact = await limited(
      connection.sendMessagePromise<unknown>({ type: 'config/entity_registry/list_for_display' }),
      'the entity registry',
    );
    return displayEntries(compact);
  } catch (err) {
    const second = toHaError(err, url);
    if (LOST.has(second.code)) throw second;
    throw new HaError(
      `Home Assistant at ${url} would not list its entity registry (${refusal.message}; ${second.message}): ` +
        "StayKey cannot tell which device a lock is, so keypad use, the battery sensor and duplicate-code reports " +
        "are not matched to it. Give the server config a token of an administrator",
      REGISTRY_UNREADABLE,
    );
  }
}
