/**
 * One Seam workspace as StayKey reaches it: Seam's official client (`@seamapi/http`), built from the
 * API key the host gave the `staykey-seam-account` config node. The key is read when a client is
 * made, never logged, never put in an error sentence.
 */
import { SeamHttp } from '@seamapi/http';
import { KeyedGate } from '../rate-limit';
import { checkedWebAddress, positive } from '../web-address';

export const SEAM_API = 'https://connect.getseam.com';
export const DEFAULT_SEAM_TIMEOUT_MS = 20_000;

export interface SeamAccountSettings {
  /** The API key (`seam_...`) or, with a workspace, a personal access token; read when a client is made. */
  apiKey: () => string | undefined;
  /** A workspace id: only with a personal access token (an API key already belongs to one workspace). */
  workspaceId?: string;
  /** Seam's address; a test or a Seam sandbox proxy may give another. */
  endpoint?: string;
  /** Give up on an answer after this long (default 20 s). */
  timeoutMs?: number;
}

export interface SeamAccount {
  /** The client for the key as it is now; throws a sentence when there is no key. */
  client(): SeamHttp;
  /** One write per device at a time, for every locks config on this account (Seam limits writes per device). */
  readonly writes: KeyedGate;
  readonly endpoint: string;
  close(): void;
}

export function openSeamAccount(settings: SeamAccountSettings): SeamAccount {
  const endpoint = checkedWebAddress(settings.endpoint, 'Seam', SEAM_API);
  const timeout = positive(settings.timeoutMs, DEFAULT_SEAM_TIMEOUT_MS);
  let made: { key: string; client: SeamHttp } | undefined;
  return {
    endpoint,
    writes: new KeyedGate(1),
    client() {
      const key = settings.apiKey()?.trim();
      if (!key) throw new Error('the Seam account has no API key: make one in the Seam console (Developer > API keys) and enter it in the Seam account');
      if (made?.key !== key) made = { key, client: clientFor(key, settings.workspaceId?.trim(), endpoint, timeout) };
      return made.client;
    },
    close() {
      made = undefined;
    },
  };
}

/**
 * No retries inside the client and no waiting on action attempts: StayKey's runner retries with its
 * own backoff and confirms every write by reading the code back, so both would only double the calls.
 */
function clientFor(key: string, workspaceId: string | undefined, endpoint: string, timeout: number): SeamHttp {
  const options = {
    endpoint,
    axiosOptions: { timeout },
    axiosRetryOptions: { retries: 0 },
    waitForActionAttempt: false,
  };
  if (workspaceId) return SeamHttp.fromPersonalAccessToken(key, workspaceId, options);
  return SeamHttp.fromApiKey(key, options);
}
