/**
 * Tries a send again after a failure, waiting twice as long each time: a mail server that is down for
 * a few minutes (a restart, a router reboot) should still get the guest their code.
 */
import type { Clock } from '../time/clock';

export interface RetryPlan {
  /** Attempts in all, the first one included. */
  attempts: number;
  /** Wait before the second attempt; each later wait doubles, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPlan: RetryPlan = { attempts: 5, firstDelayMs: 30_000, maxDelayMs: 15 * 60_000 };

export interface RetryHooks {
  /** An attempt failed and another follows after `delayMs` (the timer is already set). */
  onRetry?(failedAttempt: number, error: Error, delayMs: number): void;
}

export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: Error; attempts: number; cancelled: boolean };

export interface RetryRun<T> {
  /** Settles once: with the value, the last error after all attempts, or `cancelled`. Never rejects. */
  outcome: Promise<RetryOutcome<T>>;
  /** Stops waiting for the next attempt (a redeploy); an attempt already under way is not interrupted. */
  cancel(): void;
}

export function retryDelay(plan: RetryPlan, failedAttempt: number): number {
  return Math.min(plan.firstDelayMs * 2 ** (failedAttempt - 1), plan.maxDelayMs);
}

export function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  plan: RetryPlan,
  clock: Clock,
  hooks: RetryHooks = {},
): RetryRun<T> {
  const attempts = Math.max(1, Math.floor(plan.attempts));
  let cancelTimer: (() => void) | undefined;
  let settle: (outcome: RetryOutcome<T>) => void = () => undefined;
  let settled = false;
  let lastError = new Error('not attempted');
  let made = 0;

  const outcome = new Promise<RetryOutcome<T>>((resolve) => {
    settle = (result) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
  });

  const run = (attemptNumber: number): void => {
    cancelTimer = undefined;
    made = attemptNumber;
    attempt(attemptNumber).then(
      (value) => settle({ ok: true, value, attempts: attemptNumber }),
      (err: unknown) => {
        lastError = err instanceof Error ? err : new Error(String(err));
        if (settled) return;
        if (attemptNumber >= attempts) {
          settle({ ok: false, error: lastError, attempts: attemptNumber, cancelled: false });
          return;
        }
        const delayMs = retryDelay(plan, attemptNumber);
        cancelTimer = clock.setTimer(delayMs, () => run(attemptNumber + 1));
        hooks.onRetry?.(attemptNumber, lastError, delayMs);
      },
    );
  };
  run(1);

  return {
    outcome,
    cancel() {
      cancelTimer?.();
      cancelTimer = undefined;
      settle({ ok: false, error: new Error('stopped before the message was sent'), attempts: made, cancelled: true });
    },
  };
}
