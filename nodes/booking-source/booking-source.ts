/**
 * booking-source: reads a unit's bookings from its iCal feeds (polled; one per channel), a file, or
 * messages, and sends one message per booking created, changed or cancelled, plus alerts for failed
 * feeds and double bookings. The rules live in lib/bookings (the poller in feed-poller.ts, the
 * settings in source-settings.ts); this node builds them, passes messages in, and reports.
 */
import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { BookingSource, SourceUpdate } from '../../lib/bookings/booking-source';
import { FeedPoller, PollReport } from '../../lib/bookings/feed-poller';
import type { BookingUpdate } from '../../lib/bookings/message-bookings';
import { BookingSourceConfig, BookingSourceCredentials, readSourceSettings, SourceSettings } from '../../lib/bookings/source-settings';
import type { BookingMessage } from '../../lib/messages';
import { parseSourceInput, SourceInput } from '../../lib/messages/parse-source-input';
import { clockFor, errorText, RED, reportInputError, showStatus, staykeyDirectory } from '../shared/runtime';
import { sidebarBoard } from '../shared/sidebar-board';

type BookingSourceDef = NodeDef & BookingSourceConfig;
type Send = (msg: Array<NodeMessage | NodeMessage[] | null>) => void;

export = function (RED: RED) {
  function BookingSourceNode(this: Node<BookingSourceCredentials>, config: BookingSourceDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    let settings: SourceSettings;
    let source: BookingSource;
    try {
      settings = readSourceSettings(config, node.credentials ?? {}, userDirOf(RED));
      source = BookingSource.open({
        ...settings,
        feeds: settings.mode === 'message' ? undefined : settings.feeds.map((feed) => feed.name),
        feedSettings: new Map(settings.feeds.map((feed) => [feed.name, feed.reading])),
        clock,
        stateFile: stateFileFor(RED, node.id),
      });
    } catch (err) {
      const error = new Error(`booking-source: ${errorText(err)}`);
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(error.message);
      node.on('input', (msg: NodeMessage, _send, done) => reportInputError(node, error, msg, done));
      return;
    }

    const poller = new FeedPoller(source, settings, {
      clock,
      polled: (report) => {
        announce(report, (messages) => node.send(messages));
        for (const error of report.errors) node.error(error.message, { topic: 'feed', payload: error.message });
      },
      warn: (text) => node.warn(text),
    });
    let closed = false;
    poller.start();
    if (settings.mode === 'message') showStatus(node, 'grey', `${source.count} bookings`, 'ring');

    // Once the flows run, what was announced before a restart is announced again: a kill between this
    // node's save and the pin-issuer's must not lose a booking or a cancellation. Repeats change nothing.
    let restated = false;
    const restate = () => {
      if (restated || closed) return;
      restated = true;
      RED.events.removeListener('flows:started', restate);
      const updates = source.restatement();
      if (updates.length) node.send([updates.map(bookingMessage), null]);
    };
    RED.events.on('flows:started', restate);
    const restateFallback = setTimeout(restate, 5000);

    // The editor's sidebar lists held cancellations and sends the host's answer here.
    const leaveBoard = sidebarBoard.addSource({
      id: node.id,
      name: node.name || 'booking-source',
      unit: settings.unit,
      held: () => source.heldCancellations(),
      answer: (answer, bookingIds) => {
        const payload = { kind: `${answer}-cancellations`, bookings: bookingIds.length ? bookingIds : undefined };
        const result = answer === 'confirm' ? source.confirmCancellations(payload) : source.rejectCancellations(payload);
        announce(result, (messages) => node.send(messages));
      },
    });

    node.on('input', (msg: NodeMessage, send, done) => {
      const finish = (report: PollReport) => {
        announce(report, send);
        done(report.errors.length <= 1 ? report.errors[0] : new Error(report.errors.map((error) => error.message).join('; ')));
      };
      let input: SourceInput;
      try {
        input = parseSourceInput(msg.payload, settings.mode === 'message', settings.maxFeedBytes);
        if (input.kind === 'bookings') {
          announce(source.receive(input.value, msg.change), send);
          done();
        } else if (input.kind === 'feed') {
          poller.readText(input.value, (msg as { feed?: unknown }).feed, finish);
        } else {
          poller.fetchAll(finish);
        }
      } catch (err) {
        reportInputError(node, err, msg, done);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      leaveBoard();
      RED.events.removeListener('flows:started', restate);
      clearTimeout(restateFallback);
      void poller.stop().then(() => done());
    });

    /** The status first, then what the reads found. */
    function announce(report: SourceUpdate, send: Send): void {
      showFeedStatus();
      sendResult(send, report);
      sidebarBoard.changed('source', node.id);
    }

    function showFeedStatus(): void {
      const failing = poller.failing;
      const several = poller.feedCount > 1;
      const { empty, held } = source.warnings;
      if (!failing && empty.length > 0) return showStatus(node, 'yellow', `${several ? empty[0] : 'feed'} empty, ${source.count} kept`);
      if (!failing && held > 0) return showStatus(node, 'yellow', `${source.count} bookings, ${held} held`);
      if (!failing) return showStatus(node, 'green', `${source.count} bookings`);
      showStatus(node, 'red', `${several ? failing.name : 'feed'} failed ${failing.failures}x`, 'ring');
    }
  }

  RED.nodes.registerType<Node<BookingSourceCredentials>, BookingSourceDef, unknown, BookingSourceCredentials>('staykey-booking-source', BookingSourceNode, {
    // A feed address lets anyone read the guests' names and stays: the editor never gets it back.
    credentials: { url: { type: 'password' } },
  });
};

function sendResult(send: Send, result: SourceUpdate): void {
  const alerts = result.alerts.map((alert) => ({ topic: alert.topic, payload: alert }));
  if (result.updates.length > 0 || alerts.length > 0) send([result.updates.map(bookingMessage), alerts]);
}

function bookingMessage(update: BookingUpdate): NodeMessage {
  const payload: BookingMessage = { kind: 'booking', change: update.change, booking: update.booking };
  return { topic: update.booking.id, payload };
}

function stateFileFor(RED: RED, nodeId: string): string {
  return path.join(staykeyDirectory(RED), 'feeds', `${nodeId.replace(/[^\w.-]/g, '_')}.json`);
}

function userDirOf(RED: RED): string {
  const settings = RED.settings as unknown as { userDir?: string };
  return settings.userDir ?? process.cwd();
}
