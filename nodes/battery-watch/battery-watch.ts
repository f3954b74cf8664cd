import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { backupReminders, CheckKind, digests, emptyMemory, PropertyAlert, review, WatchMemory } from '../../lib/battery/alerts';
import { BatteryThresholds, Hearing, reachable, readingFor, report, thresholdsFor, unreachableReading, validateThresholds } from '../../lib/battery/battery';
import { loadMemory, saveMemory } from '../../lib/battery/watch-memory';
import { defaultBackupTestDays } from '../../lib/locks/backup-keys';
import type { LockConfig } from '../../lib/locks/provider';
import type { BatteryReading, BatteryReportMessage } from '../../lib/messages';
import { addDays, assertTimeZone, instantToZoned, parseTimeOfDay, zonedToInstant } from '../../lib/time/zoned';
import { clockFor, errorText, numberSetting, RED, showStatus, staykeyDirectory } from '../shared/runtime';
import type { LockSet } from '../../lib/locks/lock-set';
import { lockSetFor } from '../shared/lock-set';

interface BatteryWatchDef extends NodeDef {
  locks: string;
  replaceSoonBelow?: string | number;
  criticalBelow?: string | number;
  checkAt?: string;
  timeZone?: string;
  /** Hours a lock may stay quiet before it is reported silent; 0: never. */
  silentAfterHours?: string | number;
  /** Remind about backup keys (older flows leave it out: on). */
  backupReminders?: boolean | string;
  /** A backup key not tested for this many days is due a test. */
  backupTestDays?: string | number;
}

interface CheckOutcome {
  report: BatteryReportMessage;
  alerts: PropertyAlert[];
}

type Send = (msgs: (NodeMessage | NodeMessage[] | null)[]) => void;

export = function register(RED: RED) {
  function BatteryWatchNode(this: Node, config: BatteryWatchDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    const thresholds: BatteryThresholds = {
      replaceSoonBelow: numberSetting(config.replaceSoonBelow, 40),
      criticalBelow: numberSetting(config.criticalBelow, 15),
    };
    const checkAt = config.checkAt || '09:00';
    const timeZone = config.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    const silentAfterHours = numberSetting(config.silentAfterHours, 24);
    const remindBackupKeys = config.backupReminders !== false && config.backupReminders !== 'false';
    const backupTestDays = numberSetting(config.backupTestDays, defaultBackupTestDays);
    const memoryFile = path.join(staykeyDirectory(RED), 'battery-watch', `${node.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
    let cancelTimer: (() => void) | undefined;
    let closed = false;

    try {
      validateThresholds(thresholds);
      parseTimeOfDay(checkAt);
      assertTimeZone(timeZone);
      if (!(silentAfterHours >= 0)) throw new Error(`"silent after" must be 0 (never) or more hours (got ${config.silentAfterHours})`);
      if (!(backupTestDays >= 1)) throw new Error(`backup keys must be tested every 1 or more days (got ${config.backupTestDays})`);
    } catch (err) {
      const problem = `battery-watch: ${errorText(err)}`;
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(problem);
      // Every check asked for fails with the reason, so a Catch node (and the host) hears of it.
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }

    let memory = recall();
    // One check at a time: the daily one and one asked for must not both decide from the same memory.
    let queue: Promise<unknown> = Promise.resolve();

    function recall(): WatchMemory {
      try {
        return loadMemory(memoryFile);
      } catch (err) {
        // Losing this memory costs at most one repeated alert; refusing to check would cost far more.
        node.warn(`battery-watch: starting with a fresh memory of alerts sent: ${errorText(err)}`);
        return emptyMemory();
      }
    }

    /** `at`: when the check was due, so a check that waits its turn still belongs to its own day. */
    const runCheck = (kind: CheckKind, at: Date): Promise<CheckOutcome> => {
      const run = queue.then(() => check(kind, at));
      queue = run.catch(() => undefined);
      return run;
    };

    const check = async (kind: CheckKind, now: Date): Promise<CheckOutcome> => {
      const lockSet = lockSetFor(RED, config.locks);
      const locks = withProperty(lockSet.locks(), defaultProperty());
      const hearing: Hearing = { now, silentAfterMs: silentAfterHours * 3_600_000 };
      const readings = await Promise.all(locks.map((lock) => readLock(lockSet, lock, hearing)));
      const today = instantToZoned(now, timeZone).date;
      const byId = new Map(locks.map((lock) => [lock.id, lock]));
      const reviewed = review(readings, memory, {
        today,
        kind,
        now,
        thresholdsOf: (lockId) => thresholdsFor(byId.get(lockId)!, thresholds),
      });
      const alerts = digests(readings, reviewed.news);
      let remembered = reviewed.memory;
      if (kind === 'daily' && remindBackupKeys) {
        const reminders = backupReminders(locks, remembered, today, backupTestDays);
        alerts.push(...reminders.alerts);
        remembered = reminders.memory;
      }
      remember(remembered);
      return { report: report(readings, now), alerts };
    };

    /** The locks config's name is the property of every lock whose row names none. */
    const defaultProperty = (): string | undefined => {
      const locksConfig = RED.nodes.getNode(config.locks) as { name?: unknown } | null;
      const name = typeof locksConfig?.name === 'string' ? locksConfig.name.trim() : '';
      return name || undefined;
    };

    const remember = (next: WatchMemory) => {
      memory = next;
      try {
        saveMemory(memoryFile, next);
      } catch (err) {
        node.warn(`battery-watch: could not keep the memory of alerts sent (${errorText(err)}); after a restart some may be sent again`);
      }
    };

    const readLock = async (lockSet: LockSet, lock: LockConfig, hearing: Hearing): Promise<BatteryReading> => {
      try {
        return readingFor(lock, await lockSet.provider.status(lock.id), thresholdsFor(lock, thresholds), hearing);
      } catch (err) {
        return unreachableReading(lock, errorText(err));
      }
    };

    const publish = (outcome: CheckOutcome, send: Send) => {
      const alerts = outcome.alerts.map(
        ({ property, alert }) => ({ topic: alert.topic, payload: alert, ...(property ? { property } : {}) }) as NodeMessage,
      );
      send([{ topic: 'battery', payload: outcome.report } as NodeMessage, alerts.length > 0 ? alerts : null]);
      showReport(outcome.report);
    };

    const showReport = (result: BatteryReportMessage) => {
      const urgent = (r: BatteryReading) => r.batteryClass === 'critical' || !reachable(r);
      const worst = result.attention.find(urgent) ?? result.attention[0];
      if (!worst) return showStatus(node, 'green', `${result.locks.length} locks healthy`);
      const level = worst.level === null ? '?' : `${Math.round(worst.level)}%`;
      const state = !worst.online ? 'offline' : worst.silent ? 'silent' : level;
      showStatus(node, urgent(worst) ? 'red' : 'yellow', `${worst.lockName} ${state}`);
    };

    const nextCheckIn = (): number => {
      const now = clock.now();
      const today = instantToZoned(now, timeZone).date;
      let next = zonedToInstant({ date: today, time: checkAt }, timeZone);
      if (next.getTime() <= now.getTime()) next = zonedToInstant({ date: addDays(today, 1), time: checkAt }, timeZone);
      return next.getTime() - now.getTime();
    };

    const scheduleDaily = () => {
      if (closed) return;
      cancelTimer = clock.setTimer(nextCheckIn(), () => {
        runCheck('daily', clock.now())
          .then((outcome) => {
            if (!closed) publish(outcome, (msgs) => node.send(msgs));
          })
          .catch((err) => {
            showStatus(node, 'red', errorText(err), 'ring');
            node.error(`battery-watch: ${errorText(err)}`);
          })
          .finally(scheduleDaily);
      });
    };

    node.on('input', (msg, send, done) => {
      // `msg.check = "daily"` lets a host's own schedule (a cron inject) stand in for the daily check.
      const kind: CheckKind = (msg as { check?: unknown }).check === 'daily' ? 'daily' : 'on-demand';
      runCheck(kind, clock.now()).then(
        (outcome) => {
          publish(outcome, (msgs) => send(msgs));
          done();
        },
        (err) => {
          showStatus(node, 'red', errorText(err), 'ring');
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });

    scheduleDaily();
    showStatus(node, 'grey', `daily at ${checkAt}`, 'ring');

    node.on('close', () => {
      closed = true;
      cancelTimer?.();
    });
  }

  RED.nodes.registerType('staykey-battery-watch', BatteryWatchNode);
};

function withProperty(locks: LockConfig[], property: string | undefined): LockConfig[] {
  if (!property) return locks;
  return locks.map((lock) => (lock.property ? lock : { ...lock, property }));
}
