/** A call to Home Assistant that may not take forever: a lost answer must not hold a door code up. */
import { Clock } from '../time/clock';
import { HaError, toHaError } from './client';

/** Rejects with a HaError after the time limit, or with the call's own error turned into one. */
export function withinTime<T>(call: Promise<T>, what: string, clock: Clock, timeoutMs: number, url: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const cancel = clock.setTimer(timeoutMs, () => {
      if (settled) return;
      settled = true;
      reject(new HaError(`Home Assistant did not answer ${what} within ${Math.round(timeoutMs / 1000)} s`, 'timeout'));
    });
    call.then(
      (value) => {
        if (settled) return;
        settled = true;
        cancel();
        resolve(value);
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(toHaError(err, url));
      },
    );
  });
}
