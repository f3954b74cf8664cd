import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { Ledger } from '../../lib/ledger/ledger';
import { CodeIssuer } from '../../lib/ledger/issuer';
import { outputsOf } from './outputs';
import { fileLedgerStore } from '../../lib/ledger/ledger-file';
import { AccessLog } from '../../lib/ledger/access-log';
import { fallbackFor } from '../../lib/locks/backup-keys';
import { IssuerInput, parseIssuerInput } from '../../lib/messages/parse-issuer-input';
import { clockFor, errorText, ledgerCompactAfterBytes, numberSetting, RED, showStatus, staykeyDirectory, vaultFor } from '../shared/runtime';
import { hoursSetting, listSetting } from '../../lib/settings';
import { lockSetFor } from '../shared/lock-set';
import type { GuestPortalNode } from '../shared/guest-portal';
import { LockWriters } from '../../lib/ledger/lock-writers';
import { sidebarBoard } from '../shared/sidebar-board';
import { issuerPanel } from './panel';

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

/** One per Node-RED process: every pin-issuer of every flow claims its locks here. */
const writers = new LockWriters();

export = function register(RED: RED) {
  function PinIssuerNode(this: Node, config: PinIssuerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    const refusal = claimLocks(RED, node, config);
    if (refusal) return refuseAll(node, 'another pin-issuer has the locks', refusal);
    node.on('close', () => writers.release(node.id));
    let ledger: Ledger;
    const accessLog = new AccessLog(path.join(staykeyDirectory(RED), 'access-log', `${node.id}.jsonl`), clock, numberSetting(config.accessLogDays, 90));
    try {
      ledger = new Ledger({
        clock,
        vault: vaultFor(RED),
        locks: () => lockSetFor(RED, config.locks).locks(),
        store: fileLedgerStore(path.join(staykeyDirectory(RED), 'ledgers', `${node.id}.json`), {
          compactAfterBytes: ledgerCompactAfterBytes(RED),
          onNotice: (text) => node.warn(`pin-issuer ledger: ${text}`),
        }),
        commandTimeoutMinutes: numberSetting(config.commandTimeoutMinutes, 120),
        retryFailedAfterMinutes: numberSetting(config.retryFailedAfterMinutes, 60),
        verifyEveryHours: numberSetting(config.verifyEveryHours, 24),
        pinFromPhone: config.pinFromPhone === true,
        backupCodesPerLock: numberSetting(config.backupCodes, 0),
        keepPinsForGuestPage: config.keepPinsForGuestPage === true,
        releaseFlags: listSetting(config.releaseFlags),
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
      return refuseAll(node, 'ledger unreadable', `pin-issuer cannot open its ledger: ${errorText(err)}`);
    }

    (node as GuestPortalNode).guestPortal = {
      find: (reference, proof) => ledger.findGuest(reference, proof),
      named: (reference) => ledger.guestsNamed(reference),
      view: (bookingId) => ledger.guestView(bookingId),
      keepsPins: config.keepPinsForGuestPage === true,
      pinsFromPhone: config.pinFromPhone === true,
    };

    const sink = outputsOf(node);
    // Whatever the issuer tells its outputs may change what the editor's sidebar shows.
    const thenTell =
      <A extends unknown[]>(work: (...args: A) => void) =>
      (...args: A) => {
        work(...args);
        sidebarBoard.changed('issuer', node.id);
      };
    const issuer = new CodeIssuer({
      ledger,
      clock,
      lockStatus: (lockId) => lockSetFor(RED, config.locks).provider.status(lockId),
      fallbackFor,
      sink: {
        ...sink,
        send: thenTell(sink.send),
        plan: thenTell(sink.plan),
        counts: thenTell(sink.counts),
      },
      dryRun: config.dryRun === true,
      planDays: numberSetting(config.planDays, 14),
      readinessHours: hoursSetting(config.readinessHours, [24, 2]),
    });

    const leaveBoard = sidebarBoard.addIssuer(
      issuerPanel({
        id: node.id,
        name: node.name || 'pin-issuer',
        dryRun: config.dryRun === true,
        planDays: numberSetting(config.planDays, 14),
        ledger,
        issuer,
        clock,
        lockSet: () => lockSetFor(RED, config.locks),
      }),
    );

    node.on('input', (msg, _send, done) => {
      const failed = (status?: string) => (err: unknown) => {
        showStatus(node, 'red', status ?? errorText(err), 'ring');
        done(err instanceof Error ? err : new Error(String(err)));
      };
      let payload: IssuerInput;
      try {
        payload = parseIssuerInput((msg as NodeMessage).payload, clock.now());
      } catch (err) {
        return failed('bad input')(err);
      }
      if (payload.kind === 'window') issuer.windowComing();
      issuer.handle(payload).then(() => done(), failed());
    });

    // Wait until the flows are running, so the lock-provider is there to receive what is resent.
    let started = false;
    const start = () => {
      if (started) return;
      started = true;
      RED.events.removeListener('flows:started', start);
      issuer.start();
    };
    RED.events.on('flows:started', start);
    const fallback = setTimeout(start, 5000);
    issuer.watchArrivals();

    node.on('close', (removed: boolean, done: () => void) => {
      leaveBoard();
      started = true;
      RED.events.removeListener('flows:started', start);
      clearTimeout(fallback);
      issuer
        .stop(removed)
        .catch((err) => node.error(`pin-issuer could not close: ${errorText(err)}`))
        .then(() => ledger.close())
        .then(done, done);
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
  return writers.refusal(config.locks, lockIds, { id: node.id, name: node.name || node.id });
}

/** A node that cannot work says why in its status, and fails every message with the reason (Catch nodes hear it). */
function refuseAll(node: Node, status: string, problem: string): void {
  showStatus(node, 'red', status, 'ring');
  node.error(problem);
  node.on('input', (_msg, _send, done) => done(new Error(problem)));
}
