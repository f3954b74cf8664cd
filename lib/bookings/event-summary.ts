/**
 * What a calendar event's summary and description say about a stay: whether it is a guest, dates a
 * channel or host closed (a block), or only the check-in or check-out marker some PMSs add beside
 * the stay; and the guest details written in it. Channels write these in the host's language, so
 * Vrbo says "Réservée - Claire Martin" to a French host and "Reserviert - Jonas Weber" to a German one.
 */

export type EventKind = 'stay' | 'block' | 'arrival' | 'departure';

export interface GuestDetails {
  guestName?: string;
  reservationCode?: string;
  phoneLast4?: string;
  email?: string;
  guests?: number;
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
  const text = plain(summary);
  if (NOT_AVAILABLE.some((phrase) => text.includes(phrase))) return true;
  return /^(block|closed|closed period)$/.test(text) || BLOCK_START.test(text);
}

const ARRIVAL = /^(?:check[\s-]?in|arrival|arriv[ée]e|llegada|entrada|anreise|ankunft|arrivo|aankomst|chegada)(?=$|[\s:|(–-])\s*[-–:|]?\s*(.*)$/iu;
const DEPARTURE = /^(?:check[\s-]?out|departure|d[ée]part|salida|sa[íi]da|abreise|abfahrt|partenza|vertrek)(?=$|[\s:|(–-])\s*[-–:|]?\s*(.*)$/iu;

/**
 * Smoobu, Guesty, Hospitable and other PMSs add "Check-in: Anna Berg" / "Check-out: Anna Berg"
 * events beside (or instead of) the stay. Only a short event is a marker: a four-night event called
 * "Arrival Anna" is still a stay.
 */
export function eventKind(summary: string, nights: number): EventKind {
  if (isBlock(summary)) return 'block';
  if (nights <= 1 && ARRIVAL.test(summary.trim())) return 'arrival';
  if (nights <= 1 && DEPARTURE.test(summary.trim())) return 'departure';
  return 'stay';
}

/** The guest a check-in or check-out marker names, if any ("Check-in: Anna Berg"). */
export function markerGuest(summary: string): string | undefined {
  const rest = (ARRIVAL.exec(summary.trim()) ?? DEPARTURE.exec(summary.trim()))?.[1] ?? '';
  return asName(rest.replace(/^(?:guest|gast)\s*[-–:]?\s*/i, ''), true);
}

export function guestDetails(summary: string, description: string): GuestDetails {
  const details: GuestDetails = {};
  const guestName = nameFromSummary(summary) ?? line(description, /^(?:guest(?:\s+name)?|name|gast|hu[ée]sped|voyageur|ospite)\s*:\s*(.+)$/imu);
  if (guestName) details.guestName = guestName;
  const code = reservationCode(description);
  if (code) details.reservationCode = code;
  const phone = phoneLast4(description);
  if (phone) details.phoneLast4 = phone;
  const email = line(description, /^e-?mail(?:\s+address)?\s*:\s*(\S+@\S+\.\S+)\s*$/im);
  if (email) details.email = email;
  const guests = guestCount(description);
  if (guests !== undefined) details.guests = guests;
  return details;
}

function reservationCode(description: string): string | undefined {
  // Airbnb: "Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMABCDEF12"
  return (
    /reservations\/details\/([A-Z0-9]+)/i.exec(description)?.[1] ??
    line(description, /^(?:reservation|confirmation|booking)\s*(?:code|number|no\.?|id|#)\s*:\s*([A-Z0-9-]+)\s*$/im)
  );
}

/**
 * Airbnb gives "Phone Number (Last 4 Digits): 4821"; a PMS often the whole number. Only the last four
 * digits are kept: enough to tell the guest which code is theirs, and nothing more of their number.
 */
function phoneLast4(description: string): string | undefined {
  const airbnb = /phone number \(last 4 digits\)\s*:\s*(\d{4})\b/i.exec(description)?.[1];
  if (airbnb) return airbnb;
  const whole = line(description, /^(?:phone|telephone|tel\.?|mobile|telefon|tel[ée]fono)(?:\s+number)?\s*:\s*(\+?[\d\s().\/-]{4,})$/imu);
  const digits = whole?.replace(/\D/g, '') ?? '';
  return digits.length >= 4 ? digits.slice(-4) : undefined;
}

function guestCount(description: string): number | undefined {
  const total = line(description, /^(?:guests|number of guests|guest count|no\. of guests|personen|hu[ée]spedes|voyageurs|ospiti)\s*:\s*(\d{1,3})\b/imu);
  if (total) return Number(total);
  const adults = line(description, /^adults\s*:\s*(\d{1,3})\b/im);
  if (!adults) return undefined;
  const children = line(description, /^children\s*:\s*(\d{1,3})\b/im);
  return Number(adults) + Number(children ?? 0);
}

function line(text: string, pattern: RegExp): string | undefined {
  const value = pattern.exec(text)?.[1]?.trim();
  return value ? value : undefined;
}

/** Words channels and PMSs put in a summary that are statuses, not people. */
const STATUS_WORDS =
  /^(reserved|reservation|reserva|booked|booking|buchung|confirmed|tentative|airbnb|vrbo|homeaway|booking\.com|tripadvisor|guest|stay|occupied|busy|r[ée]serv[ée]e?|reservad[oa]|reserviert|prenotat[oa]|gereserveerd|ocupad[oa]|belegt)$/iu;
const NAME = /^\p{L}[\p{L}\p{M}'’.\- ]{0,60}$/u;

/** "Reserved - Maria Santos" and its translations, Booking.com "CLOSED - Anna Berg". */
const STATUS_DASH_NAME =
  /^(?:reserved|r[ée]serv[ée]e?|reservad[oa]|reserviert|prenotat[oa]|gereserveerd|booked|closed|reservation|r[ée]servation|reserva|buchung|confirmed)\s*[-–:]\s*(.+)$/iu;
/** Tripadvisor Rentals: "Tripadvisor Rentals: John Smith", "TripAdvisor - John Smith". */
const TRIPADVISOR = /^trip\s?advisor[^:–-]*[:–-]\s*(.+)$/iu;
/** A PMS's "Reservation Emma Stone" (no dash). */
const STATUS_SPACE_NAME = /^(?:reservation|booking|buchung|reserva)\s+(.+)$/iu;
/** Hospitable and others add the channel: "John Smith (Airbnb)". */
const CHANNEL_SUFFIX = /\s*\((?:airbnb|vrbo|homeaway|booking\.com|booking|expedia|tripadvisor|direct|website)\)\s*$/i;

/**
 * Vrbo "Reserved - Anna B", Booking.com "CLOSED - Anna Berg", or a PMS summary that is just the name.
 * A bare summary counts as a name only when capitalised like one ("Jonas Weber", not "Late arrival").
 */
export function nameFromSummary(summary: string): string | undefined {
  const text = summary.trim().replace(CHANNEL_SUFFIX, '');
  const prefixed = STATUS_DASH_NAME.exec(text) ?? TRIPADVISOR.exec(text);
  if (prefixed) return asName(prefixed[1], false);
  const spaced = STATUS_SPACE_NAME.exec(text);
  if (spaced) return asName(spaced[1], true);
  return asName(text, true);
}

/** `strict`: without a status word before it, only a capitalised phrase is taken for a name. */
function asName(candidate: string, strict: boolean): string | undefined {
  const text = candidate.trim();
  if (text === '' || STATUS_WORDS.test(text) || !NAME.test(text) || isBlock(text)) return undefined;
  const words = text.split(/\s+/);
  if (words.length > 5) return undefined;
  if (strict && !(isCapitalised(words[0]) && isCapitalised(words[words.length - 1]))) return undefined;
  return text;
}

function isCapitalised(word: string): boolean {
  return /^\p{Lu}/u.test(word);
}
