import type { Node, NodeDef, NodeMessage } from 'node-red';
import { BatteryThresholds, describe, readingFor, report, unreachableReading, validateThresholds } from '../../lib/battery/battery';
import type { AlertMessage, BatteryReading, BatteryReportMessage } from '../../lib/messages';
import { addDays, assertTimeZone, instantToZoned, parseTimeOfDay, zonedToInstant } from '../../lib/time/zoned';
import { clockFor, errorText, numberSetting, RED, showStatus } from '../shared/runtime';
import { LockSet, lockSetFor } from '../shared/lock-set';

interface BatteryWatchDef extends NodeDef {
  locks: string;
  replaceSoonBelow?: string | number;
  criticalBelow?: string | number;
  checkAt?: string;
  timeZone?: string;
}

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
    let cancelTimer: (() => void) | undefined;
    let closed = false;

    try {
      validateThresholds(thresholds);
      parseTimeOfDay(checkAt);
      assertTimeZone(timeZone);
    } catch (err) {
      const problem = `battery-watch: ${errorText(err)}`;
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(problem);
      // Every check asked for fails with the reason, so a Catch node (and the host) hears of it.
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }

    const check = async (): Promise<BatteryReportMessage> => {
      const lockSet = lockSetFor(RED, config.locks);
      const readings = await Promise.all(lockSet.locks().map((lock) => readLock(lockSet, lock.id)));
      return report(readings, clock.now());
    };

    const readLock = async (lockSet: LockSet, lockId: string): Promise<BatteryReading> => {
      const lock = lockSet.lock(lockId)!;
      try {
        return readingFor(lock, await lockSet.provider.status(lockId), thresholds);
      } catch (err) {
        return unreachableReading(lock, errorText(err));
      }
    };

    const publish = (result: BatteryReportMessage, send: (msgs: (NodeMessage | null)[]) => void) => {
      const alert: AlertMessage | undefined = result.attention.length
        ? {
            kind: 'alert',
            severity: result.attention.some((r) => r.batteryClass === 'critical' || !r.online) ? 'critical' : 'warning',
            topic: 'battery',
            text: result.attention.map(describe).join('\n'),
          }
        : undefined;
      send([{ topic: 'battery', payload: result } as NodeMessage, alert ? ({ topic: 'battery', payload: alert } as NodeMessage) : null]);
      showReport(result);
    };

    const showReport = (result: BatteryReportMessage) => {
      const worst = result.attention.find((r) => r.batteryClass === 'critical' || !r.online) ?? result.attention[0];
      if (!worst) return showStatus(node, 'green', `${result.locks.length} locks healthy`);
      const level = worst.level === null ? '?' : `${Math.round(worst.level)}%`;
      const fill = worst.batteryClass === 'critical' || !worst.online ? 'red' : 'yellow';
      showStatus(node, fill, `${worst.lockName} ${worst.online ? level : 'offline'}`);
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
        check()
          .then((result) => {
            if (!closed) publish(result, (msgs) => node.send(msgs));
          })
          .catch((err) => {
            showStatus(node, 'red', errorText(err), 'ring');
            node.error(`battery-watch: ${errorText(err)}`);
          })
          .finally(scheduleDaily);
      });
    };

    node.on('input', (_msg, send, done) => {
      check().then(
        (result) => {
          publish(result, (msgs) => send(msgs));
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
