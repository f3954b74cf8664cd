import * as crypto from 'node:crypto';

/** How long to wait between attempts at a lock that did not answer. */
export interface BackoffPolicy {
  /** The first retry waits up to this long; each later one up to twice the previous. */
  baseMs: number;
  /** No wait is ever longer than this. */
  capMs: number;
  /** A number in [0, 1). */
  random: () => number;
}

export const defaultBackoff = { baseMs: 2_000, capMs: 10 * 60_000 };

const RANDOM_RANGE = 2 ** 47;

/** A uniform number in [0, 1) from the operating system's random source, never Math.random. */
export function cryptoRandom(): number {
  return crypto.randomInt(0, RANDOM_RANGE) / RANDOM_RANGE;
}

/**
 * "Full jitter": a random wait between 0 and the exponential ceiling. When a hub comes back after an
 * outage, dozens of queued codes do not all hit the mesh network in the same second.
 */
export function backoffDelay(failedAttempts: number, policy: BackoffPolicy): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 40);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  return Math.floor(policy.random() * ceiling);
}
