/**
 * The pin-issuer as the StayKey sidebar sees it: its overview (lib/ledger/overview.ts) and the host's
 * actions, each through the issuer's queue as if it came as a control message.
 */
import type { CodeIssuer } from '../../lib/ledger/issuer';
import type { Ledger } from '../../lib/ledger/ledger';
import { issuerOverview } from '../../lib/ledger/overview';
import { ledgerWithDictionaries } from '../../lib/ledger/ledger-types';
import type { LockSet } from '../../lib/locks/lock-set';
import type { LockStatus } from '../../lib/locks/provider';
import { Clock, ManualClock } from '../../lib/time/clock';
import type { IssuerAction, IssuerPanel } from '../shared/sidebar-board';

/**
 * A lock's status is asked again only after this long: a cloud lock's status is a request to the
 * vendor, and the overview is drawn after every reconcile. A verify asks at once.
 */
const STATUS_FRESH_MS = 5 * 60_000;
const DAY = 24 * 3600_000;

export interface PanelOptions {
  id: string;
  name: string;
  dryRun: boolean;
  planDays: number;
  ledger: Ledger;
  issuer: CodeIssuer;
  clock: Clock;
  lockSet: () => LockSet;
}

export function issuerPanel(options: PanelOptions): IssuerPanel {
  const statuses = new Map<string, { at: number; status: LockStatus | Error }>();

  async function statusOf(lockSet: LockSet, lockId: string): Promise<LockStatus | Error> {
    const now = options.clock.now().getTime();
    const known = statuses.get(lockId);
    if (known && now - known.at < STATUS_FRESH_MS) return known.status;
    const status = await lockSet.provider.status(lockId).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
    statuses.set(lockId, { at: now, status });
    return status;
  }

  function lockNamed(lockSet: LockSet, lockId: string): void {
    if (!lockSet.locks().some((lock) => lock.id === lockId)) throw new Error(`${options.name} has no lock "${lockId}"`);
  }

  return {
    id: options.id,
    name: options.name,
    dryRun: options.dryRun,
    async overview() {
      const lockSet = options.lockSet();
      const locks = lockSet.locks();
      const known = new Map<string, LockStatus | Error>();
      for (const lock of locks) known.set(lock.id, await statusOf(lockSet, lock.id));
      const now = options.clock.now();
      const plan = await options.ledger.forecast(new Date(now.getTime() + options.planDays * DAY), new ManualClock(now));
      return issuerOverview({ data: ledgerWithDictionaries(options.ledger.snapshot()), locks, provider: lockSet.provider.kind, statuses: known, now, plan });
    },
    async act(action: IssuerAction) {
      if (options.dryRun) throw new Error(`${options.name} is a dry run: it touches no lock`);
      const lockSet = options.lockSet();
      if (action.kind === 'reissue') {
        if (!options.ledger.codesOf(action.bookingId).length) throw new Error(`${options.name} has no codes for booking "${action.bookingId}"`);
        return options.issuer.handle(action);
      }
      lockNamed(lockSet, action.lockId);
      // The host asked for a fresh look: the lock's status too, not the one from a few minutes ago.
      if (action.kind === 'verify') statuses.delete(action.lockId);
      return options.issuer.handle(action);
    },
  };
}
