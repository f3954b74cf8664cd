import * as path from 'node:path';
import type { Node, NodeMessage } from 'node-red';
import { Ledger } from '../../lib/ledger/ledger';
import { CodeIssuer } from '../../lib/ledger/issuer';
import { fileLedgerStore } from '../../lib/ledger/ledger-file';
import { IssuerInput, parseIssuerInput } from '../../lib/messages/parse-issuer-input';
import { clockFor, errorText, ledgerCompactAfterBytes, numberSetting, RED, showStatus, staykeyDirectory, vaultFor } from '../shared/runtime';
import { lockSetFor } from '../shared/lock-set';
import type { GuestPortalNode } from '../shared/guest-portal';
import { LockWriters } from '../../lib/ledger/lock-writers';
import { sidebarBoard } from '../shared/sidebar-board';
import { issuerPanel } from './panel';
import { issuerSettings, ledgerSettings, PinIssuerDef, refuseAll, sinkOf } from './settings';
import { postgresIssuer } from './postgres-issuer';

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
    if (config.ledgerStore === 'postgres') return postgresIssuer(RED, node, config);
    let ledger: Ledger;
    const settings = ledgerSettings(RED, node, config, clock);
    try {
      ledger = new Ledger({
        clock,
        vault: vaultFor(RED),
        store: fileLedgerStore(path.join(staykeyDirectory(RED), 'ledgers', `${node.id}.json`), {
          compactAfterBytes: ledgerCompactAfterBytes(RED),
          onNotice: (text) => node.warn(`pin-issuer ledger: ${text}`),
        }),
        ...settings,
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

    const issuer = new CodeIssuer({ ...issuerSettings(RED, config), ledger, clock, sink: sinkOf(node) });

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
