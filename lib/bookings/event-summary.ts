/**
 * What a calendar event's summary and description say about a stay: whether it is a guest, dates a
 * channel or host closed (a block), or only the check-in or check-out marker some PMSs add beside
 * the stay; and the guest details written in it. Channels write these in the host's language, so
 * Vrbo says "Réservée - Claire Martin" to a French host and "Reserviert - Jonas Weber" to a German one.
 */

import { bookingLanguageTag } from '../i18n/languages';
import { callingCodeOf } from '../i18n/phone';

export type EventKind = 'stay' | 'block' | 'arrival' | 'departure';

export interface GuestDetails {
  guestName?: string;
  reservationCode?: string;
  phoneLast4?: string;
  /** "+33" when a PMS writes the whole number: a hint of the guest's language, and nothing more of it. */
  phoneCountryCode?: string;
  email?: string;
  guests?: number;
  /** A PMS's "Language: fr" line, as a short language tag. */
  language?: string;
}

/**
 * Feed text is written by strangers and may be megabytes long. Every pattern below runs on text cut to
 * this size, one line at a time, and is written so that no two parts can match the same characters:
 * a "Phone:" followed by a megabyte of spaces once kept Node-RED busy for half a minute.
 */
export const MAX_EVENT_TEXT = 4096;
/** A description line longer than this is no "Label: value" line a channel writes. */
const MAX_LINE = 512;

function cut(text: string): string {
  return text.length > MAX_EVENT_TEXT ? text.slice(0, MAX_EVENT_TEXT) : text;
}

/** Compared without accents or case: "Nicht verfügbar" and "NICHT VERFUGBAR" are the same block. */
function plain(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
}

/** "Not available" in the languages Airbnb, Vrbo and Booking.com export in. */
const NOT_AVAILABLE = [
  'not available',
  'unavailable',
  'indisponible',
  'no disponible',
  'nicht verfugbar',
  'non disponibile',
  'indisponivel',
  'nao disponivel',
  'niet beschikbaar',
];

/** Summaries that start with one of these words close dates: Vrbo "Blocked", "Bloqueado", "Blockiert"... */
const BLOCK_START = /^(blocked|blockiert|gesperrt|bloque|bloquee|bloqueado|bloqueada|bloccato|geblokkeerd|owner block)\b/;

/**
 * Airbnb "Airbnb (Not available)", Vrbo "Blocked", Booking.com "CLOSED - Not available": dates the
 * channel or host closed. "CLOSED - Anna Berg" on Booking.com is a guest, so a bare CLOSED prefix is not a block.
 */
export function isBlock(summary: string): boolean {
  const text = plain(cut(summary));
  if (NOT_AVAILABLE.some((phrase) => text.includes(phrase))) return true;
  return /^(block|closed|closed period)$/.test(text) || BLOCK_START.test(text);
}

const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

const ARRIVAL = /^(?:check[\s-]?in|arrival|arriv[ée]e|llegada|entrada|anreise|ankunft|arrivo|aankomst|chegada)(?=$|[\s:|(–-])/iu;
const DEPARTURE = /^(?:check[\s-]?out|departure|d[ée]part|salida|sa[íi]da|abreise|abfahrt|partenza|vertrek)(?=$|[\s:|(–-])/iu;
const MARKER_SEPARATOR = /^\s*(?:[-–:|]\s*)?/u;

/**
 * The rest of a one-line summary after its start, or undefined when it does not start so. The start
 * pattern is anchored and ends where the rest begins, so nothing is tried twice.
 */
function afterStart(summary: string, start: RegExp): string | undefined {
  const text = cut(summary).trim();
  if (LINE_BREAK.test(text)) return undefined;
  const found = start.exec(text);
  return found ? text.slice(found[0].length) : undefined;
}

/**
 * Smoobu, Guesty, Hospitable and other PMSs add "Check-in: Anna Berg" / "Check-out: Anna Berg"
 * events beside (or instead of) the stay. Only a short event is a marker: a four-night event called
 * "Arrival Anna" is still a stay.
 */
export function eventKind(summary: string, nights: number): EventKind {
  if (isBlock(summary)) return 'block';
  if (nights <= 1 && afterStart(summary, ARRIVAL) !== undefined) return 'arrival';
  if (nights <= 1 && afterStart(summary, DEPARTURE) !== undefined) return 'departure';
  return 'stay';
}

/** The guest a check-in or check-out marker names, if any ("Check-in: Anna Berg"). */
export function markerGuest(summary: string): string | undefined {
  const rest = (afterStart(summary, ARRIVAL) ?? afterStart(summary, DEPARTURE) ?? '').replace(MARKER_SEPARATOR, '');
  return asName(rest.replace(/^(?:guest|gast)\s*(?:[-–:]\s*)?/i, ''), true);
}

/** `names` reads the guest's name from the summary: nameFromSummary, or a copy that remembers its answers. */
export function guestDetails(summary: string, description: string, names: (summary: string) => string | undefined = nameFromSummary): GuestDetails {
  const details: GuestDetails = {};
  const lines = descriptionLines(description);
  const guestName = names(summary) ?? valueOf(lines, NAME_LABEL, (value) => value);
  if (guestName) details.guestName = guestName;
  const code = reservationCode(description, lines);
  if (code) details.reservationCode = code;
  const phone = phoneLast4(lines);
  if (phone) details.phoneLast4 = phone;
  const callingCode = valueOf(lines, PHONE_LABEL, callingCodeOf);
  if (callingCode) details.phoneCountryCode = callingCode;
  const email = valueOf(lines, EMAIL_LABEL, emailAddress);
  if (email) details.email = email;
  const guests = guestCount(lines);
  if (guests !== undefined) details.guests = guests;
  const language = valueOf(lines, LANGUAGE_LABEL, bookingLanguageTag);
  if (language) details.language = language;
  return details;
}

/** A "Label: value" line of a description, the label in lower case with single spaces. */
interface DescriptionLine {
  label: string;
  value: string;
}

/** Labels longer than this are sentences, not labels. */
const MAX_LABEL = 40;

function descriptionLines(description: string): DescriptionLine[] {
  const lines: DescriptionLine[] = [];
  for (const raw of cut(description).split(LINE_BREAK)) {
    const text = raw.length > MAX_LINE ? raw.slice(0, MAX_LINE) : raw;
    const colon = text.indexOf(':');
    if (colon < 1 || colon > MAX_LABEL) continue;
    const label = singleSpaced(text.slice(0, colon).trim().toLowerCase());
    lines.push({ label, value: text.slice(colon + 1).trim() });
  }
  return lines;
}

/** Blanks inside a label as single spaces; most labels have none to change, so most are returned as they are. */
function singleSpaced(label: string): string {
  return label.includes('  ') || /[^\S ]/.test(label) ? label.split(/\s+/).join(' ') : label;
}

/** The first line whose label fits and whose value `read` accepts. */
function valueOf(lines: DescriptionLine[], label: RegExp, read: (value: string) => string | undefined): string | undefined {
  for (const line of lines) {
    if (!label.test(line.label)) continue;
    const value = read(line.value);
    if (value) return value;
  }
  return undefined;
}

function matching(pattern: RegExp): (value: string) => string | undefined {
  return (value) => pattern.exec(value)?.[1];
}

const NAME_LABEL = /^(?:guest(?: name)?|name|gast|hu[ée]sped|voyageur|ospite)$/u;
const CODE_LABEL = /^(?:reservation|confirmation|booking) ?(?:code|number|no\.?|id|#)$/;
const PHONE_LABEL = /^(?:phone|telephone|tel\.?|mobile|telefon|tel[ée]fono)(?: number)?$/u;
const EMAIL_LABEL = /^e-?mail(?: address)?$/;
const LANGUAGE_LABEL = /^(?:(?:guest |preferred )?language|sprache|langue|idioma|lingua|taal)$/;
const GUESTS_LABEL = /^(?:guests|number of guests|guest count|no\. of guests|personen|hu[ée]spedes|voyageurs|ospiti)$/u;

function reservationCode(description: string, lines: DescriptionLine[]): string | undefined {
  // Airbnb: "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABCDEF12"
  return /reservations\/details\/([A-Z0-9]+)/i.exec(cut(description))?.[1] ?? valueOf(lines, CODE_LABEL, matching(/^([A-Z0-9-]+)$/i));
}

/**
 * Airbnb gives "Phone Number (Last 4 Digits): 4821"; a PMS often the whole number. Only the last four
 * digits are kept: enough to tell the guest which code is theirs, and nothing more of their number.
 */
function phoneLast4(lines: DescriptionLine[]): string | undefined {
  const airbnb = lines.find((line) => line.label.endsWith('phone number (last 4 digits)') && /^\d{4}(?!\w)/.test(line.value));
  if (airbnb) return airbnb.value.slice(0, 4);
  const whole = valueOf(lines, PHONE_LABEL, matching(/^(\+?[\d\s().\/-]{4,})$/));
  const digits = whole?.replace(/\D/g, '') ?? '';
  return digits.length >= 4 ? digits.slice(-4) : undefined;
}

/** "guest@example.com": no spaces, and after an "@" (not the first character) a dot with text either side. */
function emailAddress(value: string): string | undefined {
  if (/\s/.test(value)) return undefined;
  const at = value.indexOf('@', 1);
  return at > 0 && value.slice(at + 2, -1).includes('.') ? value : undefined;
}

function guestCount(lines: DescriptionLine[]): number | undefined {
  const count = matching(/^(\d{1,3})(?!\w)/);
  const total = valueOf(lines, GUESTS_LABEL, count);
  if (total) return Number(total);
  const adults = valueOf(lines, /^adults$/, count);
  if (!adults) return undefined;
  const children = valueOf(lines, /^children$/, count);
  return Number(adults) + Number(children ?? 0);
}

/** Words channels and PMSs put in a summary that are statuses, not people. */
const STATUS_WORDS =
  /^(reserved|reservation|reserva|booked|booking|buchung|confirmed|tentative|airbnb|vrbo|homeaway|booking\.com|tripadvisor|guest|stay|occupied|busy|r[ée]serv[ée]e?|reservad[oa]|reserviert|prenotat[oa]|gereserveerd|ocupad[oa]|belegt)$/iu;

/** "Reserved - Maria Santos" and its translations, Booking.com "CLOSED - Anna Berg". */
const STATUS_DASH =
  /^(?:reserved|r[ée]serv[ée]e?|reservad[oa]|reserviert|prenotat[oa]|gereserveerd|booked|closed|reservation|r[ée]servation|reserva|buchung|confirmed)\s*[-–:]/iu;
/** Tripadvisor Rentals: "Tripadvisor Rentals: John Smith", "TripAdvisor - John Smith". */
const TRIPADVISOR = /^trip\s?advisor[^:–-]*[:–-]/iu;
/** A PMS's "Reservation Emma Stone" (no dash). */
const STATUS_SPACE = /^(?:reservation|booking|buchung|reserva)\s/iu;
/** Hospitable and others add the channel: "John Smith (Airbnb)". */
const CHANNEL_SUFFIX = /\((?:airbnb|vrbo|homeaway|booking\.com|booking|expedia|tripadvisor|direct|website)\)$/i;

/**
 * Vrbo "Reserved - Anna B", Booking.com "CLOSED - Anna Berg", or a PMS summary that is just the name.
 * A bare summary counts as a name only when capitalised like one ("Jonas Weber", not "Late arrival").
 */
export function nameFromSummary(summary: string): string | undefined {
  const trimmed = cut(summary).trim();
  const text = trimmed.endsWith(')') ? trimmed.replace(CHANNEL_SUFFIX, '').trimEnd() : trimmed;
  const prefixed = afterStart(text, STATUS_DASH) ?? afterStart(text, TRIPADVISOR);
  if (prefixed !== undefined) return asName(prefixed, false);
  const spaced = afterStart(text, STATUS_SPACE);
  if (spaced !== undefined) return asName(spaced, true);
  return asName(text, true);
}

/** Longer than this, a summary is a sentence, not a name. */
const MAX_NAME = 80;
/** Control characters and line breaks: a name is one line of text. */
const NOT_IN_NAME = /[\p{Cc}\p{Zl}\p{Zp}]/u;

/**
 * Names are written every way (Zoë O'Brien, José María, Łukasz, "Anna & Ben", a digit or an emoji a
 * PMS adds), so any one odd character is kept. What is refused: text not starting with a letter, a code
 * (a single word with a digit, or three digits or more), and only status words and numbers ("Guest 2").
 * `strict`: without a status word before it, only a capitalised phrase is taken for a name.
 */
function asName(candidate: string, strict: boolean): string | undefined {
  const text = candidate.trim();
  if (text === '' || text.length > MAX_NAME || NOT_IN_NAME.test(text) || !/^\p{L}/u.test(text)) return undefined;
  if (STATUS_WORDS.test(text) || isBlock(text)) return undefined;
  const words = text.split(/\s+/);
  if (words.length > 5 || looksLikeCode(text, words)) return undefined;
  const named = words.filter((word) => /\p{L}/u.test(word) && !STATUS_WORDS.test(word));
  if (named.length === 0) return undefined;
  const lettered = words.filter((word) => /\p{L}/u.test(word));
  if (strict && !(isCapitalised(lettered[0]) && isCapitalised(lettered[lettered.length - 1]))) return undefined;
  return text;
}

function looksLikeCode(text: string, words: string[]): boolean {
  const digits = text.replace(/\P{Nd}/gu, '').length;
  return digits >= 3 || (words.length === 1 && digits > 0);
}

function isCapitalised(word: string): boolean {
  return /^\p{Lu}/u.test(word);
}
