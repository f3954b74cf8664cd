import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { Ledger, Plan } from '../../lib/ledger/ledger';
import { fileLedgerStore } from '../../lib/ledger/ledger-file';
import type { AlertMessage, LockCommand, StayKeyPayload } from '../../lib/messages';
import { clockFor, errorText, numberSetting, RED, showStatus, staykeyDirectory, vaultFor } from '../shared/runtime';
import { lockSetFor } from '../shared/lock-set';

interface PinIssuerDef extends NodeDef {
  locks: string;
  commandTimeoutMinutes?: string | number;
  retryFailedAfterMinutes?: string | number;
}

/** Controls a host's flow can send: give a booking new codes, or look again now. */
type Control = { kind: 'reissue'; bookingId: string } | { kind: 'reconcile' };

/** Never sleep longer than this, so a clock change or a missed timer costs at most a few minutes. */
const MAX_SLEEP_MS = 5 * 60_000;

export = function register(RED: RED) {
  function PinIssuerNode(this: Node, config: PinIssuerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    let ledger: Ledger;
    try {
      ledger = new Ledger({
        clock,
        vault: vaultFor(RED),
        locks: () => lockSetFor(RED, config.locks).locks(),
        store: fileLedgerStore(path.join(staykeyDirectory(RED), 'ledgers', `${node.id}.json`)),
        commandTimeoutMinutes: numberSetting(config.commandTimeoutMinutes, 120),
        retryFailedAfterMinutes: numberSetting(config.retryFailedAfterMinutes, 60),
      });
    } catch (err) {
      showStatus(node, 'red', 'ledger unreadable', 'ring');
      node.error(`pin-issuer cannot open its ledger: ${errorText(err)}`);
      return;
    }

    // Every event and timer goes through one queue, so two reconciles never interleave.
    let queue: Promise<void> = Promise.resolve();
    let cancelTimer: (() => void) | undefined;
    let closed = false;

    const enqueue = (work: () => Promise<void>): Promise<void> => {
      queue = queue.then(work, work);
      return queue;
    };

    const emit = (plan: Plan, extraAlerts: AlertMessage[] = [], resend: LockCommand[] = []) => {
      const commands = [...resend, ...plan.commands].map((command) => ({ topic: command.lockId, payload: { kind: 'lock-command', command } }));
      const codes = plan.codeMessages.map((message) => ({ topic: message.bookingId, payload: message }));
      const alerts = [...extraAlerts, ...plan.alerts].map((alert) => ({ topic: alert.topic, payload: alert }));
      if (commands.length || codes.length || alerts.length) node.send([commands, codes, alerts] as unknown as NodeMessage[]);
    };

    const reconcile = async (alerts: AlertMessage[] = [], resend: LockCommand[] = []) => {
      const plan = await ledger.reconcile(); // saved before anything leaves
      if (closed) return;
      emit(plan, alerts, resend);
      showSummary();
      scheduleNext();
    };

    const scheduleNext = () => {
      cancelTimer?.();
      const now = clock.now().getTime();
      const due = ledger.nextDueAt()?.getTime() ?? now + MAX_SLEEP_MS;
      cancelTimer = clock.setTimer(Math.min(Math.max(due - now, 1000), MAX_SLEEP_MS), () => {
        void enqueue(() => reconcile()).catch(reportTimerError);
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
      showStatus(node, 'green', `${onLocks} codes on locks`);
    };

    const handle = async (payload: StayKeyPayload | Control) => {
      switch (payload.kind) {
        case 'window':
          ledger.acceptWindow(payload);
          return reconcile();
        case 'lock-result':
          return reconcile(ledger.acceptResult(payload));
        case 'delivery':
          return reconcile(ledger.acceptDelivery(payload));
        case 'reissue':
          ledger.reissue(String(payload.bookingId));
          return reconcile();
        case 'reconcile':
          return reconcile();
        default:
          throw new Error(`pin-issuer takes windows, lock results, deliveries and controls; got kind "${String((payload as { kind?: unknown }).kind)}"`);
      }
    };

    node.on('input', (msg, _send, done) => {
      const payload = (msg as NodeMessage & { payload?: StayKeyPayload | Control }).payload;
      if (!payload || typeof payload !== 'object' || typeof payload.kind !== 'string') {
        showStatus(node, 'red', 'bad input', 'ring');
        done(new Error('pin-issuer needs msg.payload with a kind (window, lock-result, delivery, reissue, reconcile)'));
        return;
      }
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

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      RED.events.removeListener('flows:started', start);
      clearTimeout(fallback);
      cancelTimer?.();
      queue.then(done, done);
    });
  }

  RED.nodes.registerType('staykey-pin-issuer', PinIssuerNode);
};
