/**
 * What lock providers and the notifier use of a Home Assistant server (HaClient), the shapes it
 * answers in, and HaError: a failure talking to Home Assistant in a host's words.
 */
import { ERR_CONNECTION_LOST, HassEntities, HassEntity, HassEvent, HassServices, HassServiceTarget } from 'home-assistant-js-websocket';
import type { Clock } from '../time/clock';

export type HaConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'auth-failed' | 'unconfigured' | 'closed';

export interface HaStateChange {
  state: HaConnectionState;
  /** A sentence for the host when something is wrong (never the token). */
  detail?: string;
}

export interface HaServerSettings {
  /** The server's base address: http://homeassistant:8123, https://ha.example.com, http://supervisor/core. */
  url: string;
  /** A long-lived access token. Inside the Home Assistant add-on it may be left empty (the supervisor's token is used). */
  token: string;
}

export interface HaConnectionOptions {
  clock?: Clock;
  /** How long a call may take before it counts as lost (default 60 s). Z-Wave JS answers a set within seconds. */
  callTimeoutMs?: number;
  /** The supervisor token of the Home Assistant add-on (process.env.SUPERVISOR_TOKEN), for http://supervisor/core. */
  supervisorToken?: string;
}

/** An answer of `call_service`: the context, and the response when one was asked for. */
export interface ServiceResult {
  context?: { id: string };
  response?: unknown;
}

/** One entry of `config/entity_registry/list`: how an entity belongs to a device. */
export interface EntityRegistryEntry {
  entity_id: string;
  device_id: string | null;
  platform: string;
  name?: string | null;
  original_name?: string | null;
  entity_category?: string | null;
  disabled_by?: string | null;
}

export type HaEvent = HassEvent;

/** What lock providers and the notifier use of a Home Assistant server; HaConnection is the real one. */
export interface HaClient {
  readonly url: string;
  readonly state: HaConnectionState;
  /** Why the connection is not working, in a host's words (never the token). */
  readonly detail?: string;
  start(): void;
  onState(listener: (change: HaStateChange) => void): () => void;
  callService(domain: string, service: string, data?: object, target?: HassServiceTarget, returnResponse?: boolean): Promise<ServiceResult>;
  /** The entity's latest state; undefined when Home Assistant has none (or has not sent its states yet). */
  entity(entityId: string): HassEntity | undefined;
  /** Whether Home Assistant has sent its entity states since the connection was made. */
  readonly entitiesKnown: boolean;
  entities(): HassEntities;
  getStates(): Promise<HassEntity[]>;
  getServices(): Promise<HassServices>;
  /** Listens for one event type; survives reconnects. Returns a function that stops listening. */
  subscribeEvents(eventType: string, listener: (event: HaEvent) => void): () => void;
  entityRegistry(refresh?: boolean): Promise<EntityRegistryEntry[]>;
  whenConnected(timeoutMs: number): Promise<void>;
}

export type HaErrorCode =
  | 'not_connected'
  | 'connection_lost'
  | 'timeout'
  | 'auth'
  | 'unconfigured'
  | 'closed'
  | 'no_websocket'
  | 'home_assistant_error'
  | 'service_validation_error'
  | 'invalid_format'
  | 'not_found'
  | 'unauthorized'
  | 'unknown_error'
  | string;

/** A failure talking to Home Assistant: HA's own error code (`service_validation_error`...) or one of ours. */
export class HaError extends Error {
  constructor(
    message: string,
    readonly code: HaErrorCode,
  ) {
    super(message);
    this.name = 'HaError';
  }
}

/** What the library rejects with (its error numbers, or HA's `{code, message}`) as a HaError. */
export function toHaError(err: unknown, url: string): HaError {
  if (err instanceof HaError) return err;
  if (err === ERR_CONNECTION_LOST) return new HaError(`lost the connection to Home Assistant at ${url}`, 'connection_lost');
  if (typeof err === 'object' && err !== null) {
    const source = err as { code?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
    const inner = source.error && typeof source.error === 'object' ? source.error : source;
    if (inner.code === ERR_CONNECTION_LOST) return new HaError(`lost the connection to Home Assistant at ${url}`, 'connection_lost');
    if (inner.code !== undefined) return new HaError(String(inner.message ?? inner.code), String(inner.code));
    if (err instanceof Error) return new HaError(err.message, 'unknown_error');
  }
  return new HaError(String(err), 'unknown_error');
}
