/**
 * The notifier's sending, without Node-RED: every message recorded in the outbox (PINs masked), email
 * and Home Assistant sends tried again until they go or are given up, old records pruned daily, and
 * what is told afterwards: guests' deliveries to pin-issuer, failures to the host.
 */
import type { DeliveryMessage } from '../messages';
import type { Clock } from '../time/clock';
import { errorText } from '../shown';
import type { Outgoing } from './compose';
import { deliverByEmail, recordOutput, safeText } from './deliver';
import type { Mailer } from './email';
import { deliverByHaNotify, HaServiceCaller } from './ha-notify';
import type { Outbox } from './outbox';
import type { RetryOutcome, RetryPlan, RetryRun } from './retry';
import type { Channel } from './notifier-settings';

export interface SendsOptions {
  outbox: Outbox;
  clock: Clock;
  plan: RetryPlan;
  /** A send record could not be written (disk full): the host hears, the send goes on. */
  warn(text: string): void;
}

/** How a send by email or Home Assistant ended; a cancelled one (a redeploy) is told nowhere. */
export type Settled =
  | { cancelled: true }
  | { cancelled: false; delivered: boolean; delivery?: DeliveryMessage; error?: string };

/** Tells of a retry: `nextAttempt` of `attempts`. */
export type OnRetry = (nextAttempt: number, attempts: number) => void;

const CHANNEL_NAMES = { email: 'email', 'ha-notify': 'Home Assistant notify' };

export class NotifierSends {
  private readonly runs = new Set<{ cancel(): void }>();
  private sentCount = 0;
  private cancelPruning: () => void = () => undefined;

  constructor(private readonly options: SendsOptions) {
    this.pruneDaily();
  }

  /** Messages sent since deploy, for the node's status. */
  get sent(): number {
    return this.sentCount;
  }

  /** A message that leaves on the plain output (SMS, chat) is out of StayKey's hands once recorded. */
  byOutput(outgoing: Outgoing): DeliveryMessage | undefined {
    this.record(() => recordOutput(outgoing, this.options.outbox, this.options.clock));
    this.sentCount += 1;
    return deliveryFor(outgoing, 'output', true);
  }

  byEmail(outgoing: Outgoing, mailer: Mailer, onRetry: OnRetry): Promise<Settled> {
    const run = deliverByEmail(outgoing, { mailer, ...this.deliveryHooks(onRetry) });
    return this.settle(run, outgoing, 'email');
  }

  byHaNotify(outgoing: Outgoing, client: HaServiceCaller, service: string, onRetry: OnRetry): Promise<Settled> {
    const run = deliverByHaNotify(outgoing, { client, service, ...this.deliveryHooks(onRetry) });
    return this.settle(run, outgoing, 'ha-notify');
  }

  /** A redeploy: no more pruning, and sends waiting for their next attempt settle as cancelled. */
  close(): void {
    this.cancelPruning();
    for (const run of this.runs) run.cancel();
    this.runs.clear();
  }

  private deliveryHooks(onRetry: OnRetry) {
    const { clock, plan, outbox } = this.options;
    const onRecordError = (err: unknown) => this.options.warn(`could not write the send record: ${errorText(err)}`);
    return { clock, plan, outbox, onRecordError, onRetry };
  }

  private async settle<T>(run: RetryRun<T>, outgoing: Outgoing, channel: 'email' | 'ha-notify'): Promise<Settled> {
    this.runs.add(run);
    const outcome: RetryOutcome<T> = await run.outcome;
    this.runs.delete(run);
    if (!outcome.ok && outcome.cancelled) return { cancelled: true };
    if (outcome.ok) {
      this.sentCount += 1;
      return { cancelled: false, delivered: true, delivery: deliveryFor(outgoing, channel, true) };
    }
    const reason = safeText(outcome.error, outgoing.pins);
    const error = `${CHANNEL_NAMES[channel]} to the ${whom(outgoing)} failed after ${outcome.attempts} attempts: ${reason}`;
    return { cancelled: false, delivered: false, delivery: deliveryFor(outgoing, channel, false, error), error };
  }

  /** Old records go even when nothing is sent for months: a quiet season must not keep guests' addresses. */
  private pruneDaily(): void {
    const { outbox, clock } = this.options;
    const prune = () => {
      this.record(() => outbox.prune(clock.now()));
      this.cancelPruning = clock.setTimer(24 * 3600_000, prune);
    };
    prune();
  }

  private record(write: () => void): void {
    try {
      write();
    } catch (err) {
      this.options.warn(`could not write the send record: ${errorText(err)}`);
    }
  }
}

/** What a sent message carries besides its text, for whoever watches the notifier's output. */
export function outgoingFields(outgoing: Outgoing): Record<string, unknown> {
  const fields: Record<string, unknown> = { preview: outgoing.preview, audience: outgoing.audience };
  if (outgoing.to !== undefined) fields.to = outgoing.to;
  if (outgoing.bookingId !== undefined) fields.bookingId = outgoing.bookingId;
  if (outgoing.viaHost) fields.viaHost = true;
  if (outgoing.language) {
    fields.language = outgoing.language;
    fields.languageSource = outgoing.languageSource;
  }
  return fields;
}

/** Only guests' code messages go back to pin-issuer: host messages carry no PIN to forget. */
export function deliveryFor(outgoing: Outgoing, channel: Channel, delivered: boolean, error?: string): DeliveryMessage | undefined {
  if (outgoing.audience !== 'guest' || !outgoing.bookingId) return undefined;
  const delivery: DeliveryMessage = { kind: 'delivery', bookingId: outgoing.bookingId, channel, delivered };
  if (error) delivery.error = error;
  return delivery;
}

function whom(outgoing: Outgoing): string {
  if (outgoing.viaHost) return `host (to pass on to the guest of booking ${outgoing.bookingId})`;
  if (outgoing.audience === 'guest') return `guest of booking ${outgoing.bookingId}`;
  return outgoing.kind === 'alert' ? 'host (alert)' : 'host (battery report)';
}
