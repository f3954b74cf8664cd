/**
 * `staykey-notifier`: tells guests their codes and hosts what needs them. Renders with lib/notify,
 * then either hands the text to the next node (SMS, chat, Home Assistant notify) or emails it through
 * a staykey-smtp config node, and reports guest deliveries back to pin-issuer on output 2.
 */
import * as path from 'node:path';
import type { Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { DeliveryMessage } from '../../lib/messages';
import { NotifierOptions, Outgoing, composeMessage } from '../../lib/notify/compose';
import { deliverByEmail, recordOutput, safeText } from '../../lib/notify/deliver';
import type { EmailReceipt, Mailer } from '../../lib/notify/email';
import { Outbox } from '../../lib/notify/outbox';
import {
  checkTemplate,
  defaultAlertSubject,
  defaultAlertTemplate,
  defaultBatterySubject,
  defaultBatteryTemplate,
  defaultGuestSubject,
  defaultGuestTemplate,
} from '../../lib/notify/render';
import { RetryPlan, RetryRun, defaultRetryPlan } from '../../lib/notify/retry';
import type { Clock } from '../../lib/time/clock';
import { RED, clockFor, errorText, numberSetting, reportInputError, showStatus, staykeyDirectory, vaultFor } from '../shared/runtime';
import { deliverByHaNotify, HaServiceCaller, notifyService } from '../../lib/notify/ha-notify';
import { haConnectionFor, showHaState } from '../ha-server/ha-link';
import { givenText } from '../../lib/messages/text';

type Channel = 'output' | 'email' | 'ha-notify';

interface NotifierDef extends NodeDef {
  channel: Channel;
  smtp?: string;
  /** ha-notify: the staykey-ha-server config node and the service, e.g. notify.mobile_app_ana. */
  haServer?: string;
  haService?: string;
  guestTo?: string;
  hostTo?: string;
  guestSubject?: string;
  guestTemplate?: string;
  hostSubject?: string;
  hostTemplate?: string;
  property?: string;
  instructions?: string;
  hostContact?: string;
  retries?: string | number;
  /** Seconds before the first retry; later ones double. */
  retryDelay?: string | number;
  /** Days the send records (outbox.jsonl) are kept: they hold guests' names and addresses. */
  outboxDays?: string | number;
}

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

interface MailerNode extends Node {
  mailer?: Mailer;
}

export = function (RED: RED) {
  RED.httpAdmin.get('/staykey/notifier/templates', RED.auth.needsPermission('staykey-notifier.read'), (_req, res) => {
    res.json({
      guestSubject: defaultGuestSubject,
      guestTemplate: defaultGuestTemplate,
      alertSubject: defaultAlertSubject,
      alertTemplate: defaultAlertTemplate,
      batterySubject: defaultBatterySubject,
      batteryTemplate: defaultBatteryTemplate,
    });
  });

  function Notifier(this: Node, config: NotifierDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock: Clock = clockFor(RED);
    const channel: Channel = config.channel === 'email' || config.channel === 'ha-notify' ? config.channel : 'output';
    const options = optionsFrom(config);
    const plan = retryPlanFrom(config);
    const outbox = new Outbox(path.join(staykeyDirectory(RED), 'outbox.jsonl'), numberSetting(config.outboxDays, 90));
    const cancelPruning = pruneDaily(outbox);
    const runs = new Set<RetryRun<EmailReceipt> | RetryRun<void>>();
    let sent = 0;
    const ha = channel === 'ha-notify' ? haChannel() : undefined;

    const templateProblem = findTemplateProblem(config);
    if (templateProblem) showStatus(node, 'red', 'template error', 'ring');

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      let outgoing: Outgoing | undefined;
      try {
        if (templateProblem) throw new Error(templateProblem);
        const vault = vaultFor(RED);
        outgoing = composeMessage(msg.payload, (msg as { to?: unknown }).to, options, (sealed) => vault.open(sealed));
      } catch (err) {
        reportInputError(node, err, msg, done);
        return;
      }
      if (!outgoing) {
        done();
        return;
      }
      if (channel === 'output') sendOnOutput(msg, outgoing, send, done);
      else if (channel === 'ha-notify') sendByHa(msg, outgoing, send, done);
      else sendByEmail(msg, outgoing, send, done);
    });

    function sendOnOutput(msg: NodeMessageInFlow, outgoing: Outgoing, send: Send, done: Done): void {
      record(() => recordOutput(outgoing, outbox, clock));
      const out: NodeMessage = { ...msg, payload: outgoing.text, topic: outgoing.subject, html: outgoing.html, ...describe(outgoing) };
      send([out, deliveryFor(outgoing, 'output', true)]);
      sent += 1;
      showStatus(node, 'green', `sent ${sent}`);
      done();
    }

    function sendByEmail(msg: NodeMessageInFlow, outgoing: Outgoing, send: Send, done: Done): void {
      let mailer: Mailer;
      try {
        mailer = mailerFor(config.smtp);
      } catch (err) {
        reportInputError(node, err, msg, done);
        return;
      }
      showStatus(node, 'blue', 'sending', 'ring');
      const run = deliverByEmail(outgoing, {
        mailer,
        clock,
        plan,
        outbox,
        onRecordError: (err) => node.warn(`could not write the send record: ${errorText(err)}`),
        onRetry: (next, attempts) => showStatus(node, 'yellow', `email failed, retry ${next}/${attempts}`, 'ring'),
      });
      runs.add(run);
      void run.outcome.then((outcome) => {
        runs.delete(run);
        if (!outcome.ok && outcome.cancelled) {
          done();
          return;
        }
        // The mail went by SMTP: what flows on is the masked record, never the plaintext.
        const out: NodeMessage = {
          ...msg,
          payload: outgoing.preview,
          topic: outgoing.subject,
          delivered: outcome.ok,
          ...describe(outgoing),
        };
        delete (out as { html?: unknown }).html;
        if (outcome.ok) {
          sent += 1;
          showStatus(node, 'green', `sent ${sent}`);
          send([out, deliveryFor(outgoing, 'email', true)]);
          done();
          return;
        }
        const error = `email to the ${whom(outgoing)} failed after ${outcome.attempts} attempts: ${safeText(outcome.error, outgoing.pins)}`;
        showStatus(node, 'red', 'email failed');
        send([out, deliveryFor(outgoing, 'email', false, error)]);
        done(new Error(error));
      });
    }

    /** The server and service, checked once; their state shows as the node's status until a message is sent. */
    function haChannel(): { client?: HaServiceCaller; problem?: string; stopStatus: () => void } {
      try {
        notifyService(config.haService ?? '');
        const client = haConnectionFor(RED, config.haServer, 'Home Assistant notify');
        const connected = () => showStatus(node, 'green', sent > 0 ? `sent ${sent}` : 'HA connected');
        return { client, stopStatus: showHaState(node, client, 'HA connected', connected) };
      } catch (err) {
        showStatus(node, 'red', 'HA notify not set up', 'ring');
        return { problem: errorText(err), stopStatus: () => undefined };
      }
    }

    function sendByHa(msg: NodeMessageInFlow, outgoing: Outgoing, send: Send, done: Done): void {
      if (!ha?.client) {
        reportInputError(node, new Error(ha?.problem ?? 'Home Assistant notify is not set up'), msg, done);
        return;
      }
      showStatus(node, 'blue', 'sending', 'ring');
      const run = deliverByHaNotify(outgoing, {
        client: ha.client,
        service: config.haService ?? '',
        clock,
        plan,
        outbox,
        onRecordError: (err) => node.warn(`could not write the send record: ${errorText(err)}`),
        onRetry: (next, attempts) => showStatus(node, 'yellow', `notify failed, retry ${next}/${attempts}`, 'ring'),
      });
      runs.add(run);
      void run.outcome.then((outcome) => {
        runs.delete(run);
        if (!outcome.ok && outcome.cancelled) return done();
        // Like email: the message went out through Home Assistant, so only the masked preview flows on.
        const out: NodeMessage = { ...msg, payload: outgoing.preview, topic: outgoing.subject, delivered: outcome.ok, ...describe(outgoing) };
        delete (out as { html?: unknown }).html;
        if (outcome.ok) {
          sent += 1;
          showStatus(node, 'green', `sent ${sent}`);
          send([out, deliveryFor(outgoing, 'ha-notify', true)]);
          return done();
        }
        const error = `Home Assistant notify to the ${whom(outgoing)} failed after ${outcome.attempts} attempts: ${safeText(outcome.error, outgoing.pins)}`;
        showStatus(node, 'red', 'notify failed');
        send([out, deliveryFor(outgoing, 'ha-notify', false, error)]);
        done(new Error(error));
      });
    }

    function mailerFor(configId: string | undefined): Mailer {
      const smtp = configId ? (RED.nodes.getNode(configId) as MailerNode | null) : null;
      if (!smtp?.mailer) throw new Error('email channel: choose a StayKey smtp config node (the mail server)');
      return smtp.mailer;
    }

    /** Old records go even when nothing is sent for months: a quiet season must not keep guests' addresses. */
    function pruneDaily(box: Outbox): () => void {
      let cancel = () => {};
      const prune = () => {
        record(() => box.prune(clock.now()));
        cancel = clock.setTimer(24 * 3600_000, prune);
      };
      prune();
      return () => cancel();
    }

    function record(write: () => void): void {
      try {
        write();
      } catch (err) {
        node.warn(`could not write the send record: ${errorText(err)}`);
      }
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      ha?.stopStatus();
      cancelPruning();
      for (const run of runs) run.cancel();
      runs.clear();
      done();
    });
  }

  RED.nodes.registerType('staykey-notifier', Notifier);
};

function describe(outgoing: Outgoing): Record<string, unknown> {
  const fields: Record<string, unknown> = { preview: outgoing.preview, audience: outgoing.audience };
  if (outgoing.to !== undefined) fields.to = outgoing.to;
  if (outgoing.bookingId !== undefined) fields.bookingId = outgoing.bookingId;
  if (outgoing.viaHost) fields.viaHost = true;
  return fields;
}

/** Only guests' code messages go back to pin-issuer: host messages carry no PIN to forget. */
function deliveryFor(outgoing: Outgoing, channel: Channel, delivered: boolean, error?: string): NodeMessage | null {
  if (outgoing.audience !== 'guest' || !outgoing.bookingId) return null;
  const payload: DeliveryMessage = { kind: 'delivery', bookingId: outgoing.bookingId, channel, delivered };
  if (error) payload.error = error;
  return { payload, topic: 'delivery', bookingId: outgoing.bookingId } as NodeMessage;
}

function whom(outgoing: Outgoing): string {
  if (outgoing.viaHost) return `host (to pass on to the guest of booking ${outgoing.bookingId})`;
  if (outgoing.audience === 'guest') return `guest of booking ${outgoing.bookingId}`;
  return outgoing.kind === 'alert' ? 'host (alert)' : 'host (battery report)';
}

function optionsFrom(config: NotifierDef): NotifierOptions {
  return {
    property: givenText(config.property),
    instructions: givenText(config.instructions),
    hostContact: givenText(config.hostContact),
    guestTo: givenText(config.guestTo),
    hostTo: givenText(config.hostTo),
    guest: { subject: givenText(config.guestSubject), body: givenText(config.guestTemplate) },
    host: { subject: givenText(config.hostSubject), body: givenText(config.hostTemplate) },
  };
}

function retryPlanFrom(config: NotifierDef): RetryPlan {
  const attempts = Math.max(1, Math.floor(numberSetting(config.retries, defaultRetryPlan.attempts)));
  const firstDelaySeconds = Math.max(0, numberSetting(config.retryDelay, defaultRetryPlan.firstDelayMs / 1000));
  return { attempts, firstDelayMs: firstDelaySeconds * 1000, maxDelayMs: defaultRetryPlan.maxDelayMs };
}

function findTemplateProblem(config: NotifierDef): string | undefined {
  const templates: Array<[string | undefined, string]> = [
    [config.guestSubject, 'guest subject'],
    [config.guestTemplate, 'guest message'],
    [config.hostSubject, 'host subject'],
    [config.hostTemplate, 'host message'],
  ];
  try {
    for (const [template, label] of templates) if (givenText(template)) checkTemplate(template as string, label);
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
