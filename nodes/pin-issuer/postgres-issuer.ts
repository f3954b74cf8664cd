/**
 * The pin-issuer with its ledger in PostgreSQL: the node feeds a PropertyWriter (lib/ledger/postgres/
 * writer.ts), which stands by or drives the locks, and shows what it reports. PINs are sealed again at
 * the node's edge (lib/ledger/postgres/pin-boundary.ts): the database holds them under the property's
 * shared PIN key, the other nodes of this Node-RED under its own.
 */
import type { Node, NodeMessage } from 'node-red';
import { PinBoundary } from '../../lib/ledger/postgres/pin-boundary';
import { postgresBackend } from '../../lib/ledger/postgres/backend';
import { PropertyWriter } from '../../lib/ledger/postgres/writer';
import type { IssuerInput } from '../../lib/messages/parse-issuer-input';
import { parseIssuerInput } from '../../lib/messages/parse-issuer-input';
import { lockSetFor } from '../shared/lock-set';
import type { GuestPortalNode } from '../shared/guest-portal';
import { clockFor, errorText, numberSetting, RED, showStatus, vaultFor } from '../shared/runtime';
import { sidebarBoard } from '../shared/sidebar-board';
import type { PostgresConfigNode } from '../staykey-postgres/postgres-config';
import { issuerPanel } from './panel';
import { issuerSettings, ledgerSettings, PinIssuerDef, refuseAll, sinkOf } from './settings';

/** One per Node-RED process: a property of a database is served by one pin-issuer here. */
const properties = new Map<string, string>();

export function postgresIssuer(RED: RED, node: Node, config: PinIssuerDef): void {
  const database = config.postgres ? (RED.nodes.getNode(config.postgres) as PostgresConfigNode | null) : null;
  if (!database || database.type !== 'staykey-postgres') {
    return refuseAll(node, 'no PostgreSQL config', 'pin-issuer keeps its ledger in PostgreSQL but has no staykey-postgres config: choose one, or the file ledger');
  }
  if (database.problem) return refuseAll(node, 'PostgreSQL config incomplete', `pin-issuer cannot use its PostgreSQL config: ${database.problem}`);
  if (config.dryRun === true) {
    return refuseAll(node, 'dry run needs the file ledger', 'pin-issuer: a dry run keeps its ledger in a file; with PostgreSQL it would take the property from the pin-issuer that drives it');
  }
  const property = String(config.property ?? '').trim() || node.name || node.id;
  const claim = `${database.id}\n${property}`;
  const holder = properties.get(claim);
  if (holder !== undefined && holder !== node.id) {
    return refuseAll(node, 'another pin-issuer has the property', `pin-issuer: property "${property}" of this database is served by pin-issuer ${holder} in this Node-RED already`);
  }
  properties.set(claim, node.id);
  database.use();
  const clock = clockFor(RED);
  const shared = database.vault();
  const boundary = new PinBoundary(shared, vaultFor(RED));
  const sink = sinkOf(node);
  let leaveBoard: (() => void) | undefined;

  const writer = new PropertyWriter({
    property,
    clock,
    connect: async () => postgresBackend(await database.database(), { property, instance: database.instance, leaseSeconds: database.leaseSeconds }),
    ledger: { ...ledgerSettings(RED, node, config, clock), vault: shared },
    issuer: issuerSettings(RED, config),
    sink: { ...sink, send: (output) => sink.send(boundary.outgoing(output)) },
    clean: (text) => database.clean(text),
    events: {
      status: ({ fill, shape, text }) => showStatus(node, fill, text, shape),
      problem: (text) => node.error(text),
      began: ({ ledger, issuer }) => {
        leaveBoard = sidebarBoard.addIssuer(
          issuerPanel({ id: node.id, name: node.name || 'pin-issuer', dryRun: false, planDays: numberSetting(config.planDays, 14), ledger, issuer, clock, lockSet: () => lockSetFor(RED, config.locks) }),
        );
      },
      ended: () => {
        leaveBoard?.();
        leaveBoard = undefined;
      },
    },
  });

  // The guest page asks the instance that holds the property; a standby knows no guest.
  (node as GuestPortalNode).guestPortal = {
    find: (reference, proof) => writer.active?.ledger.findGuest(reference, proof),
    named: (reference) => writer.active?.ledger.guestsNamed(reference) ?? [],
    view: (bookingId) => writer.active?.ledger.guestView(bookingId),
    keepsPins: config.keepPinsForGuestPage === true,
    pinsFromPhone: config.pinFromPhone === true,
  };

  node.on('input', (msg, _send, done) => {
    let payload: IssuerInput;
    try {
      payload = boundary.incoming(parseIssuerInput((msg as NodeMessage).payload, clock.now()));
    } catch (err) {
      showStatus(node, 'red', 'bad input', 'ring');
      return done(err instanceof Error ? err : new Error(String(err)));
    }
    writer.handle(payload).then(
      () => done(),
      (err: unknown) => {
        showStatus(node, 'red', errorText(err), 'ring');
        done(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });

  // As with the file ledger: the flows run before the lease is tried, so what a takeover resends has a lock-provider to reach.
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    RED.events.removeListener('flows:started', start);
    writer.start();
  };
  RED.events.on('flows:started', start);
  const fallback = setTimeout(start, 5000);
  showStatus(node, 'yellow', 'connecting', 'ring');

  node.on('close', (_removed: boolean, done: () => void) => {
    started = true;
    RED.events.removeListener('flows:started', start);
    clearTimeout(fallback);
    leaveBoard?.();
    writer
      .stop()
      .catch((err: unknown) => node.error(`pin-issuer could not close: ${database.clean(errorText(err))}`))
      .then(() => {
        if (properties.get(claim) === node.id) properties.delete(claim);
        database.letGo();
      })
      .then(done, done);
  });
}
