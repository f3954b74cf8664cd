import { Clock } from '../../time/clock';
import { NUKI_WEB, NukiConnection } from './api';
import { KeyedGate, TokenBucket } from '../rate-limit';

/**
 * One Nuki Web account: its address, its token, its rate limit and its one-write-per-lock gate.
 * Every locks config using the account shares these, so two configs cannot together go over
 * what Nuki tolerates or write to the same lock at once.
 */
export interface NukiAccount {
  connection: NukiConnection;
  writes: KeyedGate;
  close(): void;
}

export interface NukiAccountSettings {
  baseUrl?: string;
  token: () => string | undefined;
  clock: Clock;
  /** Requests per second to Nuki Web, on average (default 2). */
  requestsPerSecond?: number;
  /** Give up on an answer after this long (default 15 s). */
  timeoutMs?: number;
}

export const DEFAULT_REQUESTS_PER_SECOND = 2;
export const DEFAULT_TIMEOUT_MS = 15_000;

export function openNukiAccount(settings: NukiAccountSettings): NukiAccount {
  const baseUrl = checkedBaseUrl(settings.baseUrl);
  const perSecond = positive(settings.requestsPerSecond, DEFAULT_REQUESTS_PER_SECOND);
  const requests = new TokenBucket({ clock: settings.clock, perSecond, burst: Math.max(Math.ceil(perSecond * 2), 1) });
  return {
    connection: {
      baseUrl,
      token: settings.token,
      clock: settings.clock,
      requests,
      timeoutMs: positive(settings.timeoutMs, DEFAULT_TIMEOUT_MS),
    },
    writes: new KeyedGate(1),
    close: () => requests.close(),
  };
}

function checkedBaseUrl(value: string | undefined): string {
  const text = (value ?? '').trim() || NUKI_WEB;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`the Nuki Web address "${text}" is not a web address; leave it empty for ${NUKI_WEB}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`the Nuki Web address must start with https:// (got "${text}")`);
  return text.replace(/\/+$/, '');
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
