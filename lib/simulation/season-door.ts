/**
 * A door the season drives through a provider it is handed rather than one it builds: unit 3's door
 * as a Seam lock (the real SeamLocks against Seam's official fake). The fake is a dev dependency and
 * lives with the tests, so shipped code never imports it: scripts/simulate.ts and the season test
 * inject a factory (test/support/season-seam.ts) and the season knows only this interface.
 */
import type { CodeToSet, LockConfig, LockProvider, LockStatus } from '../locks/provider';
import type { LedgerStore } from '../ledger/ledger-options';
import type { SimulatedLockView } from '../locks/simulated';
import type { ManualClock } from '../time/clock';
import type { SeasonEvent, SeasonPlan } from './season-plan';

/** What the season does to a lock and asks of it, besides commands: SimulatedLocks has all of it. */
export interface SeasonLock {
  status(lockId: string): Promise<LockStatus>;
  /** Whether typing `pin` at the keypad now opens the door. */
  opens(lockId: string, pin: string): boolean;
  /** The codes the lock holds (or its cloud holds for a window not begun), with StayKey's slots. */
  inspect(lockId: string): SimulatedLockView;
  setOnline(lockId: string, online: boolean): void;
  setBattery(lockId: string, percent: number): void;
  addCodeBehindOurBack(lockId: string, code: CodeToSet): void;
}

/** A door and the device behind it, played on the season's clock. */
export interface SeasonDoor extends SeasonLock {
  /** The lock row the provider uses (its device id; rules the device adds are put on it). */
  readonly config: LockConfig;
  /** The provider as it is now; a restart makes a new one. */
  provider(): LockProvider;
  /** A Node-RED restart: the old provider is stopped and a new one made from what it keeps on disk. */
  restart(): void;
  /** The device does what is due now (programs codes, removes deleted ones); called at every stop of the clock. */
  tick(): void;
  /** Provider calls under way (HTTP): the season lets them finish before it moves the clock. */
  inFlight(): number;
  /** What the vendor's side saw: codes created, changed in place, and created twice. */
  counts(): { created: number; changedInPlace: number; duplicates: number };
  close(): Promise<void>;
}

export type SeasonDoorFactory = (lock: LockConfig, clock: ManualClock) => Promise<SeasonDoor>;

/** What a season can be handed from outside lib/: the Seam door's maker. */
export interface SeasonWiring {
  seamDoor?: SeasonDoorFactory;
  /** Node-RED instances sharing one ledger: each restart is another instance taking the property over. */
  instances?: SeasonInstances;
}

export interface SeasonInstances {
  /** The `generation`th start: the instance that takes the property now, its ledger's store open and ready. */
  takeOver(generation: number): Promise<LedgerStore>;
}

/** Unit 3's door is the Seam lock when a factory is given: a lock that keeps schedules, as Seam's codes are time-bound. */
export const SEAM_DOOR = 'door-3';

const HOUR = 3600_000;

/**
 * The Seam device offline for four and a quarter hours, from 4.5 h to 15 min before an arrival's
 * check-in: across the moment Seam would program the code (30 min before its start), so the code goes
 * on when the device is back. The arrival chosen has no other fault on its door or feed within three days.
 */
export function seamOutage(plan: SeasonPlan, lockId: string): SeasonEvent[] {
  const unit = plan.units.find((u) => u.locks.includes(lockId));
  if (!unit) return [];
  const near = (at: string, from: number, to: number) => Date.parse(at) >= from && Date.parse(at) <= to;
  const arrivals = plan.events.filter((e): e is SeasonEvent & { kind: 'check-in' } => e.kind === 'check-in' && e.booking.unit === unit.name);
  const quiet = arrivals.filter((arrival) => {
    const checkIn = Date.parse(arrival.at);
    return !plan.events.some((e) => {
      const ours = ((e.kind === 'offline' || e.kind === 'battery') && e.lockId === lockId) || (e.kind === 'feed' && e.unit === unit.name) || e.kind === 'restart';
      return ours && near(e.at, checkIn - 72 * HOUR, checkIn + 24 * HOUR);
    });
  });
  const chosen = quiet[Math.floor(quiet.length / 2)];
  if (!chosen) return [];
  const checkIn = Date.parse(chosen.at);
  const at = (ms: number) => new Date(ms).toISOString();
  return [
    { kind: 'offline', at: at(checkIn - 4.5 * HOUR), lockId },
    { kind: 'online', at: at(checkIn - 0.25 * HOUR), lockId },
  ];
}

/** A provider whose calls are counted while they run, so a simulation can wait for real I/O at one instant. */
export function trackCalls(provider: LockProvider): { provider: LockProvider; inFlight: () => number } {
  let running = 0;
  const tracked = new Proxy(provider, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        running += 1;
        return result.finally(() => {
          running -= 1;
        });
      };
    },
  });
  return { provider: tracked, inFlight: () => running };
}
