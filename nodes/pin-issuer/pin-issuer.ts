import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { Ledger, Plan } from '../../lib/ledger/ledger';
import { fileLedgerStore } from '../../lib/ledger/ledger-file';
import { AccessLog } from '../../lib/ledger/access-log';
import { fallbackFor } from '../../lib/locks/backup-keys';
import type { LockStatus } from '../../lib/locks/provider';
import type { AlertMessage, LockCommand } from '../../lib/messages';
import { IssuerInput, parseIssuerInput } from '../../lib/messages/parse-issuer-input';
import { ManualClock } from '../../lib/time/clock';
import { clockFor, errorText, numberSetting, RED, showStatus, staykeyDirectory, vaultFor } from '../shared/runtime';
import { lockSetFor } from '../shared/lock-set';
import type { GuestPortalNode } from '../shared/guest-portal';
import { LockWriters } from '../../lib/ledger/lock-writers';

interface PinIssuerDef extends NodeDef {
  locks: string;
  commandTimeoutMinutes?: string | number;
  retryFailedAfterMinutes?: string | number;
  verifyEveryHours?: string | number;
  dryRun?: boolean;
  planDays?: string | number;
  pinFromPhone?: boolean;
  releaseFlags?: string;
  keepPinsForGuestPage?: boolean;
  readinessHours?: string;
  backupCodes?: string | number;
  accessLogDays?: string | number;
  forgetGuestsDays?: string | number;
}

/** Never sleep longer than this, so a clock change or a missed timer costs at most a few minutes. */
const MAX_SLEEP_MS = 5 * 60_000;
/** How often upcoming arrivals are checked: a problem that appears late is told within this time. */
const READINESS_EVERY_MS = 15 * 60_000;

/** One per Node-RED process: every pin-issuer of every flow claims its locks here. */
const writers = new LockWriters();

function parseHours(text: string): number[] {
  const hours = text.split(',').map((part) => Number(part.trim())).filter((value) => Number.isFinite(value) && value > 0);
  return hours.length ? hours : [24, 2];
}

export = function register(RED: RED) {
  function PinIssuerNode(this: Node, config: PinIssuerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    const refusal = claimLocks(RED, node, config);
    if (refusal) {
      showStatus(node, 'red', 'another pin-issuer has the locks', 'ring');
      node.error(refusal);
      node.on('input', (_msg, _send, done) => done(new Error(refusal)));
      return;
    }
    node.on('close', () => writers.release(node.id));
    let ledger: Ledger;
    const accessLog = new AccessLog(path.join(staykeyDirectory(RED), 'access-log', `${node.id}.jsonl`), clock, numberSetting(config.accessLogDays, 90));
    try {
      ledger = new Ledger({
        clock,
        vault: vaultFor(RED),
        locks: () => lockSetFor(RED, config.locks).locks(),
        store: fileLedgerStore(path.join(staykeyDirectory(RED), 'ledgers', `${node.id}.json`)),
        commandTimeoutMinutes: numberSetting(config.commandTimeoutMinutes, 120),
        retryFailedAfterMinutes: numberSetting(config.retryFailedAfterMinutes, 60),
        verifyEveryHours: numberSetting(config.verifyEveryHours, 24),
        pinFromPhone: config.pinFromPhone === true,
        backupCodesPerLock: numberSetting(config.backupCodes, 0),
        keepPinsForGuestPage: config.keepPinsForGuestPage === true,
        releaseFlags: (config.releaseFlags ?? '').split(',').map((flag) => flag.trim()).filter(Boolean),
        keepFinishedDays: numberSetting(config.forgetGuestsDays, 7),
        onAccessEvent: (event) => {
          try {
            accessLog.record(event);
          } catch (err) {
            node.warn(`pin-issuer could not write its access log: ${errorText(err)}`);
          }
        },
      });
    } catch (err) {
      const problem = `pin-issuer cannot open its ledger: ${errorText(err)}`;
      showStatus(node, 'red', 'ledger unreadable', 'ring');
      node.error(problem);
      // Every message fails with the reason, so a Catch node (and the host) hears of it.
      node.on('input', (_msg, _send, done) => done(new Error(problem)));
      return;
    }

    (node as GuestPortalNode).guestPortal = {
      find: (reference, proof) => ledger.findGuest(reference, proof),
      named: (reference) => ledger.guestsNamed(reference),
      view: (bookingId) => ledger.guestView(bookingId),
      keepsPins: config.keepPinsForGuestPage === true,
      pinsFromPhone: config.pinFromPhone === true,
    };

    let windowsWaiting = 0;

    // Every event and timer goes through one queue, so two reconciles never interleave.
    let queue: Promise<void> = Promise.resolve();
    let cancelTimer: (() => void) | undefined;
    let closed = false;

    const enqueue = (work: () => Promise<void>): Promise<void> => {
      queue = queue.then(work, work);
      return queue;
    };

    const dryRun = config.dryRun === true;
    const planDays = numberSetting(config.planDays, 14);

    const emit = (plan: Plan, extraAlerts: AlertMessage[] = [], resend: LockCommand[] = []) => {
      const commands = once([...resend, ...plan.commands]).map((command) => ({ topic: command.lockId, payload: { kind: 'lock-command', command } }));
      const codes = plan.codeMessages.map((message) => ({ topic: message.bookingId, payload: message }));
      const alerts = [...extraAlerts, ...plan.alerts].map((alert) => ({ topic: alert.topic, payload: alert }));
      if (commands.length || codes.length || alerts.length) node.send([commands, codes, alerts, null] as unknown as NodeMessage[]);
    };

    /** The dry run: what would be set, changed and cleared on each lock, and when, without touching any. */
    const sendPlan = async () => {
      const now = clock.now();
      const until = new Date(now.getTime() + planDays * 24 * 3600_000);
      const actions = await ledger.forecast(until, new ManualClock(now));
      node.send([null, null, null, { topic: 'plan', payload: { kind: 'plan', from: now.toISOString(), until: until.toISOString(), actions } }] as unknown as NodeMessage[]);
      showStatus(node, 'blue', `dry run: ${actions.length} planned`);
    };

    /** Dashboards hear of a lock when something they show changed (codes, next arrival, last use). */
    let lastSummaries = '';
    const sendLockSummaries = () => {
      const locks = ledger.lockSummaries();
      const text = JSON.stringify(locks);
      if (text === lastSummaries) return;
      lastSummaries = text;
      node.send([null, null, null, { topic: 'lock-summary', payload: { kind: 'lock-summary', locks } }] as unknown as NodeMessage[]);
    };

    const reconcile = async (alerts: AlertMessage[] = [], resend: LockCommand[] = []) => {
      if (dryRun) {
        if (alerts.length) emit({ commands: [], codeMessages: [], alerts });
        return sendPlan();
      }
      const plan = await ledger.reconcile(); // saved before anything leaves
      if (closed) return;
      emit(plan, alerts, resend);
      sendLockSummaries();
      showSummary();
      scheduleNext();
    };

    const scheduleNext = () => {
      cancelTimer?.();
      if (closed) return;
      const now = clock.now().getTime();
      const due = ledger.nextDueAt()?.getTime() ?? now + MAX_SLEEP_MS;
      cancelTimer = clock.setTimer(Math.min(Math.max(due - now, 1000), MAX_SLEEP_MS), () => {
        void enqueue(() => reconcile()).catch(reportTimerError);
      });
    };

    /**
     * Readiness: every 15 minutes while an arrival is within the first check (24 h by default), ask the
     * locks of upcoming arrivals how they are, alert what stands between a guest and the door, and lend
     * a backup code to a guest whose lock is offline close to check-in.
     */
    const readinessHours = parseHours(config.readinessHours ?? '24, 2');
    let cancelReadiness: (() => void) | undefined;
    const checkReadiness = async () => {
      const lockIds = ledger.locksArrivingWithin(Math.max(...readinessHours));
      if (!lockIds.length) return;
      const lockSet = lockSetFor(RED, config.locks);
      const statuses = new Map<string, LockStatus | Error>();
      await Promise.all(
        lockIds.map(async (lockId) => {
          statuses.set(lockId, await lockSet.provider.status(lockId).catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))));
        }),
      );
      const lent = ledger.lendBackupsToStranded(statuses, Math.min(...readinessHours));
      const alerts = [...ledger.checkReadiness(statuses, readinessHours, fallbackFor), ...lent.alerts];
      const plan = await ledger.reconcile();
      if (closed) return;
      emit({ ...plan, codeMessages: [...lent.messages, ...plan.codeMessages] }, alerts);
    };
    const scheduleReadiness = () => {
      if (closed || dryRun) return;
      cancelReadiness = clock.setTimer(READINESS_EVERY_MS, () => {
        void enqueue(checkReadiness)
          .catch(reportTimerError)
          .finally(scheduleReadiness);
      });
    };

    const reportTimerError = (err: unknown) => {
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(`pin-issuer could not reconcile: ${errorText(err)}`);
      scheduleNext();
    };

    const showSummary = () => {
      const { onLocks, pending, failed } = ledger.summary();
      if (failed > 0) return showStatus(node, 'red', `${failed} failed, ${onLocks} on locks`);
      if (pending > 0) return showStatus(node, 'yellow', `${pending} pending, ${onLocks} on locks`);
      showStatus(node, 'green', `${onLocks} code${onLocks === 1 ? '' : 's'} on locks`);
    };

    const handle = async (payload: IssuerInput) => {
      switch (payload.kind) {
        case 'window':
          ledger.acceptWindow(payload);
          windowsWaiting -= 1;
          // A burst of windows (a feed's first fetch, a restart) is reconciled once, after the last.
          if (windowsWaiting > 0) return;
          return reconcile();
        case 'lock-result':
          return reconcile(await ledger.acceptResult(payload));
        case 'delivery':
          return reconcile(ledger.acceptDelivery(payload));
        case 'code-used':
          return reconcile(ledger.acceptKeypad(payload));
        case 'reissue':
          ledger.reissue(payload.bookingId);
          return reconcile();
        case 'verify':
          ledger.verify(payload.lockId);
          return reconcile();
        case 'wipe':
          ledger.wipe(payload.lockId);
          return reconcile();
        case 'plan':
          return sendPlan();
        case 'activate-backup': {
          const { message, alerts } = ledger.activateBackup(payload.bookingId, payload.lockId);
          const plan = await ledger.reconcile();
          return emit({ ...plan, codeMessages: message ? [message, ...plan.codeMessages] : plan.codeMessages }, alerts);
        }
        case 'reconcile':
          return reconcile();
        case 'lock-state':
          return;
      }
    };

    node.on('input', (msg, _send, done) => {
      let payload: IssuerInput;
      try {
        payload = parseIssuerInput((msg as NodeMessage).payload, clock.now());
      } catch (err) {
        showStatus(node, 'red', 'bad input', 'ring');
        done(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (payload.kind === 'window') windowsWaiting += 1;
      enqueue(() => handle(payload)).then(
        () => done(),
        (err) => {
          showStatus(node, 'red', errorText(err), 'ring');
          done(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });

    // After a restart, commands that went out without an answer go out again, unchanged; wait
    // until the flows are running so the lock-provider is there to receive them.
    let started = false;
    const start = () => {
      if (closed || started) return;
      started = true;
      RED.events.removeListener('flows:started', start);
      void enqueue(() => reconcile([], ledger.commandsInFlight())).catch(reportTimerError);
    };
    RED.events.on('flows:started', start);
    const fallback = setTimeout(start, 5000);
    scheduleReadiness();

    node.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      RED.events.removeListener('flows:started', start);
      clearTimeout(fallback);
      cancelTimer?.();
      cancelReadiness?.();
      // Deleted from the flow: whoever drives these locks next reads them afresh before writing.
      const forget = () => (removed ? ledger.forgetLockReads() : undefined);
      queue.then(forget, forget).catch(reportTimerError).then(done, done);
    });
  }

  RED.nodes.registerType('staykey-pin-issuer', PinIssuerNode);
};

/**
 * Claims the locks this pin-issuer drives; returns why it may not, naming the pin-issuer that does.
 * A dry run sends nothing to a lock, so it may preview a plan beside the one that drives them.
 */
function claimLocks(RED: RED, node: Node, config: PinIssuerDef): string | undefined {
  if (config.dryRun === true || !config.locks) return undefined;
  let lockIds: string[];
  try {
    lockIds = lockSetFor(RED, config.locks).locks().map((lock) => lock.id);
  } catch {
    return undefined; // no lock set: this node can send nothing, and says so when it tries
  }
  const taken = writers.claim(config.locks, lockIds, { id: node.id, name: node.name || node.id });
  if (!taken) return undefined;
  const other = taken.owner.name === taken.owner.id ? taken.owner.id : `"${taken.owner.name}" (${taken.owner.id})`;
  return (
    `pin-issuer: lock ${taken.lockId} already gets its codes from pin-issuer ${other}; two pin-issuers on one lock would give ` +
    'out the same slots. This one does nothing: remove one of them, or give each its own locks in its own locks config.'
  );
}

/** After a long outage a command is both still in flight and overdue: it goes out once. */
function once(commands: LockCommand[]): LockCommand[] {
  const byId = new Map<string, LockCommand>();
  for (const command of commands) {
    if (!byId.has(command.id)) byId.set(command.id, command);
  }
  return [...byId.values()];
}
