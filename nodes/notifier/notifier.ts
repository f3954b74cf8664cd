/**
 * `staykey-notifier`: tells guests their codes and hosts what needs them. Renders with lib/notify,
 * then either hands the text to the next node (SMS, chat, Home Assistant notify) or emails it through
 * a staykey-smtp config node, and reports guest deliveries back to pin-issuer on output 2.
 */
import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { DeliveryMessage } from '../../lib/messages';
import { Outgoing, composeMessage } from '../../lib/notify/compose';
import type { Mailer } from '../../lib/notify/email';
import { Outbox } from '../../lib/notify/outbox';
import { channelOf, NotifierSettings, notifierOptions, retryPlanOf, templateProblem } from '../../lib/notify/notifier-settings';
import { NotifierSends, outgoingFields, Settled } from '../../lib/notify/sends';
import { RED, clockFor, errorText, numberSetting, reportInputError, showStatus, staykeyDirectory, vaultFor } from '../shared/runtime';
import { HaServiceCaller, notifyService } from '../../lib/notify/ha-notify';
import { haConnectionFor, showHaState } from '../ha-server/ha-link';
import { serveTemplates } from './templates-route';

interface NotifierDef extends NodeDef, NotifierSettings {
  smtp?: string;
  /** ha-notify: the staykey-ha-server config node and the service, e.g. notify.mobile_app_ana. */
  haServer?: string;
  haService?: string;
  /** Days the send records (outbox.jsonl) are kept: they hold guests' names and addresses. */
  outboxDays?: string | number;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

interface MailerNode extends Node {
  mailer?: Mailer;
}

/** The word the status uses for a channel that can fail. */
const STATUS_WORDS = { email: 'email', 'ha-notify': 'notify' };

export = function (RED: RED) {
  serveTemplates(RED);

  function Notifier(this: Node, config: NotifierDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const channel = channelOf(config);
    const options = notifierOptions(config);
    const outbox = new Outbox(path.join(staykeyDirectory(RED), 'outbox.jsonl'), numberSetting(config.outboxDays, 90));
    const sends = new NotifierSends({ outbox, clock: clockFor(RED), plan: retryPlanOf(config), warn: (text) => node.warn(text) });
    const ha = channel === 'ha-notify' ? haChannel() : undefined;

    const problem = templateProblem(config);
    if (problem) showStatus(node, 'red', 'template error', 'ring');

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      let outgoing: Outgoing | undefined;
      let sending: Promise<Settled> | undefined;
      try {
        if (problem) throw new Error(problem);
        const vault = vaultFor(RED);
        outgoing = composeMessage(msg.payload, (msg as { to?: unknown }).to, options, (sealed) => vault.open(sealed));
        if (outgoing && channel !== 'output') sending = startSending(outgoing, channel);
      } catch (err) {
        reportInputError(node, err, msg, done);
        return;
      }
      if (!outgoing) return done();
      if (!sending) return sendOnOutput(msg, outgoing, send, done);
      void sending.then((settled) => reportSettled(msg, outgoing!, settled, send, done));
    });

    function sendOnOutput(msg: NodeMessageInFlow, outgoing: Outgoing, send: Send, done: Done): void {
      const delivery = sends.byOutput(outgoing);
      const out: NodeMessage = { ...msg, payload: outgoing.text, topic: outgoing.subject, html: outgoing.html, ...outgoingFields(outgoing) };
      send([out, deliveryMessage(delivery)]);
      showStatus(node, 'green', `sent ${sends.sent}`);
      done();
    }

    function startSending(outgoing: Outgoing, by: 'email' | 'ha-notify'): Promise<Settled> {
      const onRetry = (next: number, attempts: number) => showStatus(node, 'yellow', `${STATUS_WORDS[by]} failed, retry ${next}/${attempts}`, 'ring');
      if (by === 'email') {
        const mailer = mailerFor(config.smtp);
        showStatus(node, 'blue', 'sending', 'ring');
        return sends.byEmail(outgoing, mailer, onRetry);
      }
      if (!ha?.client) throw new Error(ha?.problem ?? 'Home Assistant notify is not set up');
      showStatus(node, 'blue', 'sending', 'ring');
      return sends.byHaNotify(outgoing, ha.client, config.haService ?? '', onRetry);
    }

    /** The message went by SMTP or Home Assistant: what flows on is the masked preview, never the plaintext. */
    function reportSettled(msg: NodeMessageInFlow, outgoing: Outgoing, settled: Settled, send: Send, done: Done): void {
      if (settled.cancelled) return done();
      const out: NodeMessage = { ...msg, payload: outgoing.preview, topic: outgoing.subject, delivered: settled.delivered, ...outgoingFields(outgoing) };
      delete (out as { html?: unknown }).html;
      if (settled.delivered) {
        showStatus(node, 'green', `sent ${sends.sent}`);
        send([out, deliveryMessage(settled.delivery)]);
        return done();
      }
      showStatus(node, 'red', `${STATUS_WORDS[channel as 'email' | 'ha-notify']} failed`);
      send([out, deliveryMessage(settled.delivery)]);
      done(new Error(settled.error));
    }

    /** The server and service, checked once; their state shows as the node's status until a message is sent. */
    function haChannel(): { client?: HaServiceCaller; problem?: string; stopStatus: () => void } {
      try {
        notifyService(config.haService ?? '');
        const client = haConnectionFor(RED, config.haServer, 'Home Assistant notify');
        const connected = () => showStatus(node, 'green', sends.sent > 0 ? `sent ${sends.sent}` : 'HA connected');
        return { client, stopStatus: showHaState(node, client, 'HA connected', connected) };
      } catch (err) {
        showStatus(node, 'red', 'HA notify not set up', 'ring');
        return { problem: errorText(err), stopStatus: () => undefined };
      }
    }

    function mailerFor(configId: string | undefined): Mailer {
      const smtp = configId ? (RED.nodes.getNode(configId) as MailerNode | null) : null;
      if (!smtp?.mailer) throw new Error('email channel: choose a StayKey smtp config node (the mail server)');
      return smtp.mailer;
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      ha?.stopStatus();
      sends.close();
      done();
    });
  }

  RED.nodes.registerType('staykey-notifier', Notifier);
};

function deliveryMessage(delivery: DeliveryMessage | undefined): NodeMessage | null {
  if (!delivery) return null;
  return { payload: delivery, topic: 'delivery', bookingId: delivery.bookingId } as NodeMessage;
}
