/**
 * The battery watch: once a day at the host's hour (on the property's clock), and whenever asked, it
 * reads every lock's battery, decides what the host has not yet been told, and remembers what it
 * told across restarts. battery-watch's node only reads its settings and sends what a check found.
 */
import { backupReminders, CheckKind, digests, emptyMemory, PropertyAlert, review, WatchMemory } from './alerts';
import { BatteryThresholds, Hearing, readingFor, report, thresholdsFor, unreachableReading } from './battery';
import { loadMemory, saveMemory } from './watch-memory';
import type { LockConfig, LockStatus } from '../locks/provider';
import type { BatteryReading, BatteryReportMessage } from '../messages';
import type { Clock } from '../time/clock';
import { addDays, instantToZoned, zonedToInstant } from '../time/zoned';
import { errorText } from '../shown';

export interface BatteryWatchSettings {
  thresholds: BatteryThresholds;
  /** The hour of the daily check, HH:MM on the property's clock. */
  checkAt: string;
  timeZone: string;
  /** Hours a lock may stay quiet before it is reported silent; 0: never. */
  silentAfterHours: number;
  remindBackupKeys: boolean;
  /** A backup key not tested for this many days is due a test. */
  backupTestDays: number;
}

/** The locks as a check finds them: each with its property, and how to ask one for its status. */
export interface WatchedLocks {
  locks: LockConfig[];
  status(lockId: string): Promise<LockStatus>;
}

export interface BatteryWatchParts {
  clock: Clock;
  /** Where the memory of alerts sent is kept. */
  memoryFile: string;
  /** Asked at each check, so a locks config changed since the last one counts; may throw (no locks set). */
  locks: () => WatchedLocks;
  /** Something the host should know that is not worth failing a check for. */
  warn: (text: string) => void;
}

export interface CheckOutcome {
  report: BatteryReportMessage;
  alerts: PropertyAlert[];
}

/** What the daily check tells whoever runs the watch. */
export interface DailyListener {
  checked(outcome: CheckOutcome): void;
  failed(err: unknown): void;
}

export class BatteryWatch {
  private memory: WatchMemory;
  // One check at a time: the daily one and one asked for must not both decide from the same memory.
  private queue: Promise<unknown> = Promise.resolve();
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly settings: BatteryWatchSettings,
    private readonly parts: BatteryWatchParts,
  ) {
    this.memory = this.recall();
  }

  /** A check now: `daily` repeats what is critical and reminds about backup keys, `on-demand` only reports news. */
  check(kind: CheckKind): Promise<CheckOutcome> {
    // The time it was asked, so a check that waits its turn still belongs to its own day.
    const at = this.parts.clock.now();
    const run = this.queue.then(() => this.run(kind, at));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Checks every day at the set hour until stopped. */
  start(listener: DailyListener): void {
    this.scheduleDaily(listener);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  /** Milliseconds until the next daily check, on the property's clock (DST days are 23 or 25 hours). */
  nextCheckIn(): number {
    const { checkAt, timeZone } = this.settings;
    const now = this.parts.clock.now();
    const today = instantToZoned(now, timeZone).date;
    let next = zonedToInstant({ date: today, time: checkAt }, timeZone);
    if (next.getTime() <= now.getTime()) next = zonedToInstant({ date: addDays(today, 1), time: checkAt }, timeZone);
    return next.getTime() - now.getTime();
  }

  private scheduleDaily(listener: DailyListener): void {
    if (this.stopped) return;
    this.cancelTimer = this.parts.clock.setTimer(this.nextCheckIn(), () => {
      this.check('daily')
        .then((outcome) => {
          if (!this.stopped) listener.checked(outcome);
        })
        .catch((err) => listener.failed(err))
        .finally(() => this.scheduleDaily(listener));
    });
  }

  private async run(kind: CheckKind, now: Date): Promise<CheckOutcome> {
    const { locks, status } = this.parts.locks();
    const hearing: Hearing = { now, silentAfterMs: this.settings.silentAfterHours * 3_600_000 };
    const readings = await Promise.all(locks.map((lock) => this.readLock(lock, status, hearing)));
    const today = instantToZoned(now, this.settings.timeZone).date;
    const byId = new Map(locks.map((lock) => [lock.id, lock]));
    const reviewed = review(readings, this.memory, {
      today,
      kind,
      now,
      thresholdsOf: (lockId) => thresholdsFor(byId.get(lockId)!, this.settings.thresholds),
    });
    const alerts = digests(readings, reviewed.news);
    let remembered = reviewed.memory;
    if (kind === 'daily' && this.settings.remindBackupKeys) {
      const reminders = backupReminders(locks, remembered, today, this.settings.backupTestDays);
      alerts.push(...reminders.alerts);
      remembered = reminders.memory;
    }
    this.remember(remembered);
    return { report: report(readings, now), alerts };
  }

  private async readLock(lock: LockConfig, status: WatchedLocks['status'], hearing: Hearing): Promise<BatteryReading> {
    try {
      return readingFor(lock, await status(lock.id), thresholdsFor(lock, this.settings.thresholds), hearing);
    } catch (err) {
      return unreachableReading(lock, errorText(err));
    }
  }

  private recall(): WatchMemory {
    try {
      return loadMemory(this.parts.memoryFile);
    } catch (err) {
      // Losing this memory costs at most one repeated alert; refusing to check would cost far more.
      this.parts.warn(`battery-watch: starting with a fresh memory of alerts sent: ${errorText(err)}`);
      return emptyMemory();
    }
  }

  private remember(next: WatchMemory): void {
    this.memory = next;
    try {
      saveMemory(this.parts.memoryFile, next);
    } catch (err) {
      this.parts.warn(`battery-watch: could not keep the memory of alerts sent (${errorText(err)}); after a restart some may be sent again`);
    }
  }
}

/** The locks config's name is the property of every lock whose row names none. */
export function withProperty(locks: LockConfig[], property: string | undefined): LockConfig[] {
  if (!property) return locks;
  return locks.map((lock) => (lock.property ? lock : { ...lock, property }));
}
