/**
 * battery-watch: reads every lock's battery once a day and whenever a message arrives, and tells the
 * host what needs them. The watch itself lives in lib/battery/watch.ts; this node reads its settings,
 * sends the report and the alerts, and shows the worst lock.
 */
import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import type { CheckKind } from '../../lib/battery/alerts';
import { reachable, validateThresholds } from '../../lib/battery/battery';
import { BatteryWatch, BatteryWatchSettings, CheckOutcome, WatchedLocks, withProperty } from '../../lib/battery/watch';
import { defaultBackupTestDays } from '../../lib/locks/backup-keys';
import type { BatteryReading, BatteryReportMessage } from '../../lib/messages';
import { assertTimeZone, parseTimeOfDay } from '../../lib/time/zoned';
import { clockFor, errorText, numberSetting, RED, showStatus, staykeyDirectory } from '../shared/runtime';
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

type Send = (msgs: (NodeMessage | NodeMessage[] | null)[]) => void;

export = function register(RED: RED) {
  function BatteryWatchNode(this: Node, config: BatteryWatchDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: BatteryWatchSettings;
    try {
      settings = readSettings(config);
    } catch (err) {
      const problem = `battery-watch: ${errorText(err)}`;
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(problem);
      // Every check asked for fails with the reason, so a Catch node (and the host) hears of it.
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }

    const watch = new BatteryWatch(settings, {
      clock: clockFor(RED),
      memoryFile: path.join(staykeyDirectory(RED), 'battery-watch', `${node.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`),
      locks: watchedLocks,
      warn: (text) => node.warn(text),
    });

    function watchedLocks(): WatchedLocks {
      const lockSet = lockSetFor(RED, config.locks);
      return { locks: withProperty(lockSet.locks(), defaultProperty()), status: (lockId) => lockSet.provider.status(lockId) };
    }

    /** The locks config's name is the property of every lock whose row names none. */
    function defaultProperty(): string | undefined {
      const locksConfig = RED.nodes.getNode(config.locks) as { name?: unknown } | null;
      const name = typeof locksConfig?.name === 'string' ? locksConfig.name.trim() : '';
      return name || undefined;
    }

    function publish(outcome: CheckOutcome, send: Send): void {
      const alerts = outcome.alerts.map(
        ({ property, alert }) => ({ topic: alert.topic, payload: alert, ...(property ? { property } : {}) }) as NodeMessage,
      );
      send([{ topic: 'battery', payload: outcome.report } as NodeMessage, alerts.length > 0 ? alerts : null]);
      showReport(node, outcome.report);
    }

    node.on('input', (msg, send, done) => {
      // `msg.check = "daily"` lets a host's own schedule (a cron inject) stand in for the daily check.
      const kind: CheckKind = (msg as { check?: unknown }).check === 'daily' ? 'daily' : 'on-demand';
      watch.check(kind).then(
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

    watch.start({
      checked: (outcome) => publish(outcome, (msgs) => node.send(msgs)),
      failed: (err) => {
        showStatus(node, 'red', errorText(err), 'ring');
        node.error(`battery-watch: ${errorText(err)}`);
      },
    });
    showStatus(node, 'grey', `daily at ${settings.checkAt}`, 'ring');

    node.on('close', () => watch.stop());
  }

  RED.nodes.registerType('staykey-battery-watch', BatteryWatchNode);
};

/** The node's settings, older flows' missing ones filled in; throws what the host got wrong. */
function readSettings(config: BatteryWatchDef): BatteryWatchSettings {
  const settings: BatteryWatchSettings = {
    thresholds: { replaceSoonBelow: numberSetting(config.replaceSoonBelow, 40), criticalBelow: numberSetting(config.criticalBelow, 15) },
    checkAt: config.checkAt || '09:00',
    timeZone: config.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone,
    silentAfterHours: numberSetting(config.silentAfterHours, 24),
    remindBackupKeys: config.backupReminders !== false && config.backupReminders !== 'false',
    backupTestDays: numberSetting(config.backupTestDays, defaultBackupTestDays),
  };
  validateThresholds(settings.thresholds);
  parseTimeOfDay(settings.checkAt);
  assertTimeZone(settings.timeZone);
  if (!(settings.silentAfterHours >= 0)) throw new Error(`"silent after" must be 0 (never) or more hours (got ${config.silentAfterHours})`);
  if (!(settings.backupTestDays >= 1)) throw new Error(`backup keys must be tested every 1 or more days (got ${config.backupTestDays})`);
  return settings;
}

function showReport(node: Node, result: BatteryReportMessage): void {
  const urgent = (r: BatteryReading) => r.batteryClass === 'critical' || !reachable(r);
  const worst = result.attention.find(urgent) ?? result.attention[0];
  if (!worst) return showStatus(node, 'green', `${result.locks.length} locks healthy`);
  const level = worst.level === null ? '?' : `${Math.round(worst.level)}%`;
  const state = !worst.online ? 'offline' : worst.silent ? 'silent' : level;
  showStatus(node, urgent(worst) ? 'red' : 'yellow', `${worst.lockName} ${state}`);
}
