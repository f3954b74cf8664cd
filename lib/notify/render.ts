/**
 * Guest and host messages from mustache templates. Text bodies are rendered without HTML escaping (a
 * guest named "O'Brien" must not become "O&#39;Brien" in an SMS); the HTML version of an email
 * escapes every value.
 *
 * Guests are written to in their language (lib/i18n/choose.ts says which), with dates in its locale;
 * host messages stay in English.
 */
import * as Mustache from 'mustache';
import type { AlertMessage, BatteryReading, BatteryReportMessage, CodeMessage, GuestCode } from '../messages';
import type { SealedPin } from '../pins/vault';
import { formatLocal } from '../time/zoned';
import { phrase, textOf } from '../i18n/catalog';
import { en } from '../i18n/catalogs/en';
import { LanguageChoice, languageOf } from '../i18n/choose';
import { DEFAULT_LANGUAGE, Language, LOCALES } from '../i18n/languages';

/** Opens a sealed PIN, e.g. `(sealed) => vault.open(sealed)`. */
export type OpenPin = (sealed: SealedPin) => string;

export const NO_CODE_TEXT = en.noCode;
export const PIN_MASK = '••••••';

/** What the host sets once for a property and every message may use. */
export interface MessageDetails {
  property?: string;
  instructions?: string;
  hostContact?: string;
  /** BCP 47 locale for dates and times; without it, the guest's language's own (English: en-GB, "Sat 21 Nov 2026, 16:00"). */
  locale?: string;
  /** The property's default language: guests whose booking says nothing of theirs get it (English when unset). */
  language?: Language;
}

/** A host's own texts for the guests of one language: templates, and the words the options add. */
export interface GuestTexts extends Partial<Templates> {
  instructions?: string;
  hostContact?: string;
}

export type LanguageTexts = Partial<Record<Language, GuestTexts>>;

export interface CodeLine {
  unit: string;
  lockName: string;
  /** Absent when the guest already has this code and StayKey keeps only its hash. */
  pin?: string;
  /** The hours this lock honours the code, where they differ from the stay's (an offline code rounds them). */
  hours?: string;
}

/** Shown instead of a PIN the guest was told before and StayKey no longer holds in clear. */
export const SAME_CODE_TEXT = en.sameCode;

export interface GuestView {
  bookingId: string;
  change: CodeMessage['change'];
  guestName?: string;
  unit: string;
  property?: string;
  /** The property's name when set, else the unit: "your code for {{place}}". */
  place: string;
  checkIn: string;
  checkOut: string;
  /** When the code starts and stops opening the door (check-in/out with the host's buffers). */
  codeFrom: string;
  codeUntil: string;
  timeZone: string;
  codes: CodeLine[];
  codesText: string;
  hasCodes: boolean;
  revoked: boolean;
  /** The guest was told before and something changed (dates, code). */
  changed: boolean;
  /** The guest's own code could not reach an offline lock: this is a backup code, lent until checkout. */
  backup: boolean;
  /** The language the message is written in. */
  language: Language;
  instructions?: string;
  hostContact?: string;
}

export interface AlertView {
  alert: true;
  battery: false;
  severity: string;
  severityLabel: string;
  topic: string;
  text: string;
  lockId?: string;
  bookingId?: string;
  /** The code a host task needs (manual locks), opened from the alert's sealed PIN. */
  code?: string;
  property?: string;
  hostContact?: string;
}

export interface BatteryLine {
  lockId: string;
  lockName: string;
  levelText: string;
  advice: string;
  online: boolean;
}

export interface BatteryView {
  alert: false;
  battery: true;
  checkedAt: string;
  attention: BatteryLine[];
  count: number;
  /** Exactly one lock needs attention (for "warning" vs "warnings"). */
  one: boolean;
  property?: string;
  hostContact?: string;
}

export type HostView = AlertView | BatteryView;

/** A message ready to go out. `pins` are the plaintext PINs it contains, so records can mask them. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  pins: string[];
  /** The text with every PIN masked: safe for debug output and records. */
  preview: string;
}

export interface Templates {
  subject: string;
  body: string;
}

/** The built-in English guest message; every language has its own (lib/i18n/catalogs). */
export const defaultGuestSubject = en.guestSubject;

export const defaultGuestTemplate = en.guestBody;

export const defaultAlertSubject = '{{#property}}{{property}}: {{/property}}[{{severityLabel}}] {{topic}}';

export const defaultAlertTemplate = `{{text}}
{{#code}}
Code: {{code}}
{{/code}}
{{#lockId}}
Lock: {{lockId}}
{{/lockId}}
{{#bookingId}}
Booking: {{bookingId}}
{{/bookingId}}
`;

export const defaultBatterySubject = '{{#property}}{{property}}: {{/property}}{{count}} lock battery warning{{^one}}s{{/one}}';

export const defaultBatteryTemplate = `These locks need you:
{{#attention}}
{{lockName}}: {{levelText}}, {{advice}}
{{/attention}}
`;

export function codesText(lines: CodeLine[], language: Language = DEFAULT_LANGUAGE): string {
  if (lines.length === 0) return phrase(language, 'noCode');
  return unitsInOrder(lines)
    .flatMap((unit) => unitLines(unit, lines.filter((line) => line.unit === unit), language))
    .join('\n');
}

function unitsInOrder(lines: CodeLine[]): string[] {
  return [...new Set(lines.map((line) => line.unit))];
}

/** One line when every lock of the unit takes the same code; else one line per code, naming its locks. */
function unitLines(unit: string, lines: CodeLine[], language: Language): string[] {
  const locksByCode = new Map<string, string[]>();
  for (const line of lines) {
    const code = (line.pin ?? phrase(language, 'sameCode')) + (line.hours ? ` (${line.hours})` : '');
    const locks = locksByCode.get(code) ?? [];
    if (!locks.includes(line.lockName)) locks.push(line.lockName);
    locksByCode.set(code, locks);
  }
  if (locksByCode.size === 1) return [phrase(language, 'codeLine', { unit, code: [...locksByCode.keys()][0] })];
  return [...locksByCode].map(([code, locks]) => phrase(language, 'codeLineLocks', { unit, locks: locks.join(', '), code }));
}

/**
 * What a guest message may show. `language` is the one it is written in: by default the guest's own
 * (languageOf), with the property's default language for a booking that says nothing.
 */
export function guestView(
  message: CodeMessage,
  openPin: OpenPin,
  details: MessageDetails = {},
  language: Language = languageOf(message.booking, details.language).language,
): GuestView {
  const { booking, window } = message;
  const revoked = message.change === 'revoked';
  const at = (iso: string) => formatLocal(new Date(iso), window.timeZone, details.locale || LOCALES[language]);
  const codes = revoked ? [] : message.codes.map((code) => codeLine(message, code, openPin, at, language));
  return {
    bookingId: message.bookingId,
    change: message.change,
    guestName: booking.guestName,
    unit: booking.unit,
    property: details.property,
    place: details.property || booking.unit,
    checkIn: at(window.checkInAt),
    checkOut: at(window.checkOutAt),
    codeFrom: at(window.startsAt),
    codeUntil: at(window.endsAt),
    timeZone: window.timeZone,
    codes,
    codesText: codesText(codes, language),
    hasCodes: codes.length > 0,
    revoked,
    changed: message.change === 'updated' || message.change === 'reissued',
    backup: message.change === 'backup',
    language,
    instructions: details.instructions || undefined,
    hostContact: details.hostContact || undefined,
  };
}

function codeLine(message: CodeMessage, code: GuestCode, openPin: OpenPin, at: (iso: string) => string, language: Language): CodeLine {
  const line: CodeLine = { unit: code.unit || message.booking.unit, lockName: code.lockName || code.lockId };
  if (code.validFrom && code.validUntil) line.hours = phrase(language, 'codeHours', { from: at(code.validFrom), until: at(code.validUntil) });
  if (code.pin === undefined) return line;
  try {
    return { ...line, pin: openPin(code.pin) };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`booking ${message.bookingId}: the code for ${code.lockName || code.lockId} cannot be read: ${reason}`);
  }
}

export function alertView(message: AlertMessage, details: MessageDetails = {}): AlertView {
  return {
    alert: true,
    battery: false,
    severity: message.severity,
    severityLabel: message.severity.toUpperCase(),
    topic: message.topic,
    text: message.text,
    lockId: message.lockId,
    bookingId: message.bookingId,
    code: undefined,
    property: details.property || undefined,
    hostContact: details.hostContact || undefined,
  };
}

export function batteryView(message: BatteryReportMessage, details: MessageDetails = {}): BatteryView {
  const attention = message.attention.map(batteryLine);
  return {
    alert: false,
    battery: true,
    checkedAt: message.checkedAt,
    attention,
    count: attention.length,
    one: attention.length === 1,
    property: details.property || undefined,
    hostContact: details.hostContact || undefined,
  };
}

function batteryLine(reading: BatteryReading): BatteryLine {
  let levelText = reading.level === null ? 'no battery reading' : `${Math.round(reading.level)}%`;
  if (!reading.online) levelText = `offline, ${levelText}`;
  return { lockId: reading.lockId, lockName: reading.lockName || reading.lockId, levelText, advice: reading.advice, online: reading.online };
}

/** Plain text for SMS, chat and the text part of an email: values as they are. */
export function renderText(template: string, view: object): string {
  return Mustache.render(template, view, {}, { escape: (value: unknown) => String(value) });
}

/** The HTML part of an email: the same template, every value escaped, lines kept. */
export function renderHtml(template: string, view: object): string {
  const body = tidy(Mustache.render(template, view)).trim().split('\n').join('<br>\n');
  return `<div style="font-family: sans-serif; line-height: 1.4">${body}</div>`;
}

/** Throws a readable error when a host's template does not parse (an unclosed section, a stray tag). */
export function checkTemplate(template: string, label: string): void {
  try {
    Mustache.parse(template);
  } catch (err) {
    throw new Error(`${label} is not a valid template: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A guest's message, with the language it is written in and why. */
export interface RenderedGuestMessage extends RenderedMessage {
  language: Language;
  /** The guest's language as their booking gives it (the message may be in the default one: see renderGuestMessage). */
  choice: LanguageChoice;
}

/**
 * The guest's message in their language (languageOf). The host's texts, most specific first:
 * 1. their own template for the guest's language (`byLanguage`), in that language;
 * 2. their one general template (`templates`, the editor's Guest subject / message), written in the
 *    property's default language: the whole message is then in that language, dates and all;
 * 3. the built-in template of the guest's language.
 * A part the host left empty is the built-in one of the message's language; a host template that
 * renders to nothing gives way to it too, so a guest never gets an empty message.
 */
export function renderGuestMessage(
  message: CodeMessage,
  openPin: OpenPin,
  details: MessageDetails = {},
  templates: Partial<Templates> = {},
  byLanguage: LanguageTexts = {},
): RenderedGuestMessage {
  const fallback = details.language ?? DEFAULT_LANGUAGE;
  const choice = languageOf(message.booking, fallback);
  const { language, texts } = hostTexts(choice.language, fallback, templates, byLanguage);
  const words = { ...details, instructions: texts.instructions || details.instructions, hostContact: texts.hostContact || details.hostContact };
  const view = guestView(message, openPin, words, language);
  const pins = view.codes.flatMap((code) => (code.pin === undefined ? [] : [code.pin]));
  const builtIn = { subject: textOf(language, 'guestSubject', fallback), body: textOf(language, 'guestBody', fallback) };
  let result = rendered(view, pins, { subject: texts.subject || builtIn.subject, body: texts.body || builtIn.body });
  if (result.subject === '' || result.text.trim() === '') {
    result = rendered(view, pins, {
      subject: result.subject === '' ? builtIn.subject : texts.subject || builtIn.subject,
      body: result.text.trim() === '' ? builtIn.body : texts.body || builtIn.body,
    });
  }
  return { ...result, language, choice };
}

/** The host's own texts for a guest in `guest`, and the language the message is then written in. */
function hostTexts(guest: Language, fallback: Language, general: Partial<Templates>, byLanguage: LanguageTexts): { language: Language; texts: GuestTexts } {
  const own = byLanguage[guest];
  if (own?.subject || own?.body) return { language: guest, texts: own };
  if (general.subject || general.body) {
    const words = byLanguage[fallback];
    return { language: fallback, texts: { ...general, instructions: words?.instructions, hostContact: words?.hostContact } };
  }
  return { language: guest, texts: { instructions: own?.instructions, hostContact: own?.hostContact } };
}

export function renderHostMessage(
  message: AlertMessage | BatteryReportMessage,
  details: MessageDetails = {},
  templates: Partial<Templates> = {},
  openPin?: OpenPin,
): RenderedMessage {
  if (message.kind === 'alert') {
    // A manual lock's task carries the code the host must key in; it is masked in the preview like any PIN.
    const code = message.pin && openPin ? openPin(message.pin) : undefined;
    return rendered({ ...alertView(message, details), code }, code ? [code] : [], {
      subject: templates.subject || defaultAlertSubject,
      body: templates.body || defaultAlertTemplate,
    });
  }
  return rendered(batteryView(message, details), [], {
    subject: templates.subject || defaultBatterySubject,
    body: templates.body || defaultBatteryTemplate,
  });
}

function rendered(view: object, pins: string[], templates: Templates): RenderedMessage {
  // A subject is one line, whatever the template's line breaks.
  const subject = renderText(templates.subject, view).replace(/\s*\n\s*/g, ' ').trim();
  const text = tidy(renderText(templates.body, view));
  const html = renderHtml(templates.body, view);
  return { subject, text, html, pins, preview: maskPins(text, pins) };
}

/** Blank lines left where optional parts were empty would look careless in an SMS. */
function tidy(text: string): string {
  return text.replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** The text with every PIN replaced by a fixed mask, so neither the PIN nor its length shows. */
export function maskPins(text: string, pins: readonly string[]): string {
  const longestFirst = [...new Set(pins.filter((pin) => pin.length > 0))].sort((a, b) => b.length - a.length);
  let masked = text;
  for (const pin of longestFirst) masked = masked.split(pin).join(PIN_MASK);
  return masked;
}
