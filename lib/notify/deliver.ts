/**
 * Sends a composed message by email, trying again with backoff, and records every attempt in the
 * outbox with its PINs masked.
 */
import type { Clock } from '../time/clock';
import type { Outgoing } from './compose';
import type { EmailReceipt, Mailer } from './email';
import type { Outbox } from './outbox';
import { maskPins } from './render';
import { RetryPlan, RetryRun, withRetries } from './retry';

export interface EmailDelivery {
  mailer: Mailer;
  clock: Clock;
  plan: RetryPlan;
  outbox?: Outbox;
  /** A failed attempt's error could not be recorded (disk full): the send itself goes on. */
  onRecordError?(err: unknown): void;
  /** An attempt failed; `nextAttempt` of `attempts` follows after `delayMs`. The error has no PIN. */
  onRetry?(nextAttempt: number, attempts: number, error: string, delayMs: number): void;
}

export function deliverByEmail(outgoing: Outgoing, delivery: EmailDelivery): RetryRun<EmailReceipt> {
  const to = outgoing.to;
  const attempt = async (attemptNumber: number): Promise<EmailReceipt> => {
    try {
      if (!to) throw new Error(`no email address for the ${outgoing.audience}${outgoing.bookingId ? ` of booking ${outgoing.bookingId}` : ''}`);
      const receipt = await delivery.mailer.send({ to, subject: outgoing.subject, text: outgoing.text, html: outgoing.html });
      record(outgoing, delivery, { ok: true, attempt: attemptNumber });
      return receipt;
    } catch (err) {
      const error = safeText(err, outgoing.pins);
      record(outgoing, delivery, { ok: false, error, attempt: attemptNumber });
      throw new Error(error);
    }
  };
  return withRetries(attempt, delivery.plan, delivery.clock, {
    onRetry: (failed, error, delayMs) => delivery.onRetry?.(failed + 1, delivery.plan.attempts, error.message, delayMs),
  });
}

/** Records a message that left on the plain output (SMS, chat): it is out of StayKey's hands. */
export function recordOutput(outgoing: Outgoing, outbox: Outbox, clock: Clock): void {
  outbox.record(attemptRecord(outgoing, 'output', { ok: true }), outgoing.pins, clock.now());
}

function record(outgoing: Outgoing, delivery: EmailDelivery, result: { ok: boolean; error?: string; attempt: number }): void {
  if (!delivery.outbox) return;
  try {
    delivery.outbox.record(attemptRecord(outgoing, 'email', result), outgoing.pins, delivery.clock.now());
  } catch (err) {
    delivery.onRecordError?.(err);
  }
}

function attemptRecord(outgoing: Outgoing, channel: string, result: { ok: boolean; error?: string; attempt?: number }) {
  return {
    channel,
    audience: outgoing.audience,
    to: outgoing.to,
    subject: outgoing.subject,
    text: outgoing.preview,
    bookingId: outgoing.bookingId,
    ...result,
  };
}

/** A mail server may echo parts of the message back in its reply; no PIN leaves through an error. */
export function safeText(err: unknown, pins: readonly string[]): string {
  const text = err instanceof Error ? err.message : String(err);
  return maskPins(text, pins);
}
