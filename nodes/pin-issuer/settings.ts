/**
 * The pin-issuer's settings as its Ledger and CodeIssuer take them, shared by the ledger in a file and
 * the ledger in PostgreSQL, and its outputs with the sidebar told of every change.
 */
import * as path from 'node:path';
import type { Node, NodeDef } from 'node-red';
import type { IssuerOptions, IssuerSink } from '../../lib/ledger/issuer';
import type { LedgerOptions } from '../../lib/ledger/ledger-options';
import { AccessLog } from '../../lib/ledger/access-log';
import { fallbackFor } from '../../lib/locks/backup-keys';
import { hoursSetting, listSetting } from '../../lib/settings';
import type { Clock } from '../../lib/time/clock';
import { lockSetFor } from '../shared/lock-set';
import { errorText, numberSetting, RED, showStatus, staykeyDirectory } from '../shared/runtime';
import { sidebarBoard } from '../shared/sidebar-board';
import { outputsOf } from './outputs';

export interface PinIssuerDef extends NodeDef {
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
  /** Where the ledger lives: `file` (the default) or `postgres`. */
  ledgerStore?: string;
  /** The `staykey-postgres` config node, with `ledgerStore: postgres`. */
  postgres?: string;
  /** The property's name in the database (default: the node's name, else its id). */
  property?: string;
}

/** Everything the Ledger takes from the node's settings; the caller adds the clock, vault and store. */
export function ledgerSettings(RED: RED, node: Node, config: PinIssuerDef, clock: Clock): Omit<LedgerOptions, 'clock' | 'vault' | 'store'> {
  const accessLog = new AccessLog(path.join(staykeyDirectory(RED), 'access-log', `${node.id}.jsonl`), clock, numberSetting(config.accessLogDays, 90));
  return {
    locks: () => lockSetFor(RED, config.locks).locks(),
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
  };
}

/** Everything the CodeIssuer takes from the node's settings; the caller adds the ledger, clock and sink. */
export function issuerSettings(RED: RED, config: PinIssuerDef): Omit<IssuerOptions, 'ledger' | 'clock' | 'sink'> {
  return {
    lockStatus: (lockId) => lockSetFor(RED, config.locks).provider.status(lockId),
    fallbackFor,
    dryRun: config.dryRun === true,
    planDays: numberSetting(config.planDays, 14),
    readinessHours: hoursSetting(config.readinessHours, [24, 2]),
  };
}

/** The node's outputs; whatever the issuer tells them may change what the editor's sidebar shows. */
export function sinkOf(node: Node): IssuerSink {
  const sink = outputsOf(node);
  const thenTell =
    <A extends unknown[]>(work: (...args: A) => void) =>
    (...args: A) => {
      work(...args);
      sidebarBoard.changed('issuer', node.id);
    };
  return { ...sink, send: thenTell(sink.send), plan: thenTell(sink.plan), counts: thenTell(sink.counts) };
}

/** A node that cannot work says why in its status, and fails every message with the reason (Catch nodes hear it). */
export function refuseAll(node: Node, status: string, problem: string): void {
  showStatus(node, 'red', status, 'ring');
  node.error(problem);
  node.on('input', (_msg, _send, done) => done(new Error(problem)));
}
