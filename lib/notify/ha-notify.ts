/**
 * Sends a composed message through a Home Assistant `notify.*` service (the companion app on the
 * host's phone, an SMS integration, a group), trying again with backoff like email, and records each
 * attempt in the outbox with its PINs masked.
 */
import type { Clock } from '../time/clock';
import type { Outgoing } from './compose';
import { safeText } from './deliver';
import type { Outbox } from './outbox';
import { RetryPlan, RetryRun, withRetries } from './retry';

/** What the notifier needs of a Home Assistant server; the staykey-ha-server config node provides it. */
export interface HaServiceCaller {
  readonly url: string;
  callService(domain: string, service: string, data?: object): Promise<unknown>;
}

export interface NotifyService {
  domain: 'notify';
  service: string;
}

export interface HaNotifyDelivery {
  client: HaServiceCaller;
  /** `notify.mobile_app_ana`, or just `mobile_app_ana`. A message's own `to` of that form wins. */
  service: string;
  clock: Clock;
  plan: RetryPlan;
  outbox?: Outbox;
  onRecordError?(err: unknown): void;
  onRetry?(nextAttempt: number, attempts: number, error: string, delayMs: number): void;
}

/** `notify.mobile_app_ana` or `mobile_app_ana` as a service, or a sentence saying what is wrong. */
export function notifyService(text: string): NotifyService {
  const name = String(text ?? '').trim();
  const match = /^(?:notify\.)?([a-z0-9_]+)$/.exec(name);
  if (!match) {
    throw new Error(
      name === ''
        ? 'Home Assistant notify: set the notify service, e.g. notify.mobile_app_your_phone'
        : `Home Assistant notify: "${name}" is not a notify service (e.g. notify.mobile_app_your_phone)`,
    );
  }
  return { domain: 'notify', service: match[1] };
}

/** The service to use for this message: its own `to` when that names a notify service, else the configured one. */
export function serviceFor(outgoing: Outgoing, configured: string): NotifyService {
  const to = outgoing.to?.trim() ?? '';
  if (/^notify\.[a-z0-9_]+$/.test(to)) return notifyService(to);
  return notifyService(configured);
}

export function deliverByHaNotify(outgoing: Outgoing, delivery: HaNotifyDelivery): RetryRun<void> {
  let target = '';
  const attempt = async (attemptNumber: number): Promise<void> => {
    try {
      const service = serviceFor(outgoing, delivery.service);
      target = `notify.${service.service}`;
      await delivery.client.callService(service.domain, service.service, { message: outgoing.text, title: outgoing.subject });
      record(outgoing, delivery, target, { ok: true, attempt: attemptNumber });
    } catch (err) {
      const error = safeText(err, outgoing.pins);
      record(outgoing, delivery, target, { ok: false, error, attempt: attemptNumber });
      throw new Error(error);
    }
  };
  return withRetries(attempt, delivery.plan, delivery.clock, {
    onRetry: (failed, error, delayMs) => delivery.onRetry?.(failed + 1, delivery.plan.attempts, error.message, delayMs),
  });
}

function record(outgoing: Outgoing, delivery: HaNotifyDelivery, to: string, result: { ok: boolean; error?: string; attempt: number }): void {
  if (!delivery.outbox) return;
  try {
    delivery.outbox.record(
      {
        channel: 'ha-notify',
        audience: outgoing.audience,
        to: to || outgoing.to,
        subject: outgoing.subject,
        text: outgoing.preview,
        bookingId: outgoing.bookingId,
        ...result,
      },
      outgoing.pins,
      delivery.clock.now(),
    );
  } catch (err) {
    delivery.onRecordError?.(err);
  }
}
