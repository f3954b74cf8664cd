/** Small things the Home Assistant tests share: lock commands as pin-issuer makes them, and driving a ManualClock. */
import type { LockCommand } from '../../lib/messages';

let counter = 0;

export function lockCommand(action: LockCommand['action'], slot: number, lockId = 'front-door', extra: Partial<LockCommand> = {}): LockCommand {
  counter += 1;
  return {
    id: `${action}-${lockId}-${slot}-${counter}`,
    action,
    lockId,
    slot,
    codeId: `code-${slot}`,
    name: 'Ana Costa',
    startsAt: '2026-07-14T15:00:00Z',
    endsAt: '2026-07-17T10:00:00Z',
    ...extra,
  };
}

/**
 * Waits for `promise` while moving `clock` on by `stepMs` whenever nothing happens for a moment (real
 * time): retries sleep on the clock, the double answers in real time.
 */
export async function driveClock<T>(promise: Promise<T>, clock: { advance(ms: number): void }, stepMs: number, maxSteps = 2_000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  for (let step = 0; step < maxSteps && !settled; step++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (!settled) clock.advance(stepMs);
  }
  if (!settled) throw new Error(`still waiting after ${maxSteps} steps of ${stepMs} ms`);
  return watched;
}
