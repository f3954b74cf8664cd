/**
 * Turns what reaches a notifier (a guest's codes, an alert, a battery report) into one message with
 * its audience and recipient. Bad input gets an error a host can act on, never a half-made message.
 */
import type { AlertMessage, BatteryReportMessage, CodeMessage } from '../messages';
import { parseCodeMessage } from '../messages/parse-code';
import { assertTextFields, isRecord } from '../messages/text';
import { checkId } from '../ids';
import type { Audience } from './outbox';
import { LanguageTexts, MessageDetails, OpenPin, RenderedMessage, Templates, renderGuestMessage, renderHostMessage, renderHtml } from './render';
import type { Language } from '../i18n/languages';
import type { LanguageSource } from '../i18n/choose';

export interface NotifierOptions extends MessageDetails {
  /** Guests without an address in the message or the booking get this one (a shared inbox, a test). */
  guestTo?: string;
  /** Where alerts and battery reports go. */
  hostTo?: string;
  /** The host's one guest template, written in the default language (`language`). */
  guest?: Partial<Templates>;
  /** The host's guest templates (and instructions, contact) per language. */
  guestByLanguage?: LanguageTexts;
  host?: Partial<Templates>;
}

export interface Outgoing extends RenderedMessage {
  audience: Audience;
  to?: string;
  bookingId?: string;
  kind: 'code' | 'alert' | 'battery-report';
  /** A guest's code message sent to the host to pass on: the channel gives no way to reach the guest (Booking.com). */
  viaHost?: boolean;
  /**
   * A guest message: the language it is written in, and why: where the guest's language came from, or
   * `template` when the host's one template (in the default language) was used for a guest of another.
   */
  language?: Language;
  languageSource?: LanguageSource | 'template';
}

/**
 * The message to send for `payload`, or undefined when there is nothing to say (a battery report in
 * which no lock needs the host). `to` is the message's own recipient (msg.to), which wins over the rest.
 */
export function composeMessage(payload: unknown, to: unknown, options: NotifierOptions, openPin: OpenPin): Outgoing | undefined {
  const kind = kindOf(payload);
  const explicitTo = address(to);
  if (kind === 'code') {
    const message = parseCodeMessage(payload);
    const { language, choice, ...rendered } = renderGuestMessage(message, openPin, options, options.guest, options.guestByLanguage);
    const spoken = { language, languageSource: language === choice.language ? choice.source : ('template' as const) };
    if (message.booking.codeTo === 'host' && !explicitTo) return { ...passOn(rendered, message, options), ...spoken };
    const recipient = explicitTo ?? address(message.booking.email) ?? address(options.guestTo);
    return { ...rendered, kind, audience: 'guest', to: recipient, bookingId: message.bookingId, ...spoken };
  }
  if (kind === 'alert') {
    const message = checkAlertMessage(payload);
    const rendered = renderHostMessage(message, options, options.host, openPin);
    return { ...rendered, kind, audience: 'host', to: explicitTo ?? address(options.hostTo), bookingId: message.bookingId };
  }
  const report = checkBatteryReport(payload);
  if (report.attention.length === 0) return undefined;
  const rendered = renderHostMessage(report, options, options.host);
  return { ...rendered, kind, audience: 'host', to: explicitTo ?? address(options.hostTo) };
}

/**
 * Booking.com's feed has no guest contact: the guest's message goes to the host, with a line saying
 * so, and still counts as the guest's (its delivery lets pin-issuer forget the PIN's ciphertext).
 */
function passOn(rendered: RenderedMessage, message: CodeMessage, options: NotifierOptions): Outgoing {
  const who = message.booking.guestName ?? `the guest of booking ${message.booking.reservationCode ?? message.bookingId}`;
  const note = `Pass this on to ${who} (${message.booking.source}, ${message.booking.arrival} to ${message.booking.departure}): the channel gives no way to reach the guest.`;
  return {
    ...rendered,
    subject: `To pass on: ${rendered.subject}`,
    text: `${note}\n\n${rendered.text}`,
    preview: `${note}\n\n${rendered.preview}`,
    html: `${renderHtml('{{note}}', { note })}\n${rendered.html}`,
    kind: 'code',
    audience: 'guest',
    to: address(options.hostTo),
    bookingId: message.bookingId,
    viaHost: true,
  };
}

function kindOf(payload: unknown): Outgoing['kind'] {
  const kind = isRecord(payload) ? payload.kind : undefined;
  if (kind === 'code' || kind === 'alert' || kind === 'battery-report') return kind;
  const got = typeof kind === 'string' ? `a "${kind}" message` : 'a payload without a kind';
  throw new Error(`notifier takes code, alert or battery-report messages (msg.payload.kind) but got ${got}`);
}

function checkAlertMessage(payload: unknown): AlertMessage {
  const message = payload as AlertMessage;
  if (typeof message.text !== 'string' || message.text.trim() === '') throw new Error('alert message has no text');
  assertTextFields(message as unknown as Record<string, unknown>, ['lockId', 'bookingId'], 'alert message');
  checkId(message.lockId, 'alert message: lockId');
  checkId(message.bookingId, 'alert message: bookingId');
  return {
    ...message,
    severity: ['info', 'warning', 'critical'].includes(message.severity) ? message.severity : 'warning',
    topic: typeof message.topic === 'string' && message.topic ? message.topic : 'StayKey alert',
  };
}

function checkBatteryReport(payload: unknown): BatteryReportMessage {
  const message = payload as BatteryReportMessage;
  if (!Array.isArray(message.attention)) throw new Error('battery-report message has no attention list');
  for (const reading of message.attention as unknown[]) if (isRecord(reading)) checkId(reading.lockId, 'battery-report: lockId');
  return message;
}

function address(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
