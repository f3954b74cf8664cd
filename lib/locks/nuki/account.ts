import { Clock } from '../../time/clock';
import { NUKI_WEB, NukiConnection } from './api';
import { KeyedGate, TokenBucket } from '../rate-limit';
import { checkedWebAddress, positive } from '../web-address';

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
  const baseUrl = checkedWebAddress(settings.baseUrl, 'Nuki Web', NUKI_WEB);
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
