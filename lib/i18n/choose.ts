/**
 * Which language a guest is written to, from what their booking says, strongest first:
 * 1. the booking's own `language` (a PMS or webhook field): "fr", "de-AT", "French";
 * 2. the channel's hint: a summary a channel wrote in a language other than English ("Réservée -
 *    Claire Martin", "Reserviert", "Prenotato"); Spanish and Portuguese share "Reservado", which the
 *    phone's country or the property's default settles, else it is read as Spanish;
 * 3. the country calling code of the guest's phone, where the feed or PMS gave the whole number;
 * 4. the property's default language.
 * A booking whose own language is none of StayKey's ("ja") gets the property's default: its other
 * clues are no better than the host's choice.
 *
 * English summaries ("Reserved", "Booked", "CLOSED - Not available") say nothing: Airbnb and
 * Booking.com write them whatever the guest speaks.
 */
import { DEFAULT_LANGUAGE, Language, normaliseLanguageTag, supportedLanguage } from './languages';
import { phoneLanguage } from './phone';

export type LanguageSource = 'booking' | 'channel' | 'phone' | 'browser' | 'default';

export interface LanguageChoice {
  language: Language;
  /** Where the language came from, for debug output. */
  source: LanguageSource;
  /** The booking's own language when it is none of StayKey's ("ja"): the default was used instead. */
  asked?: string;
}

/** The parts of a booking that say something of its guest's language. */
export interface LanguageClues {
  language?: unknown;
  summary?: unknown;
  phoneCountryCode?: unknown;
}

/** A summary's first word, lower case, accents kept ("réservée" is French, "reservation" is not). */
const CHANNEL_WORDS: Readonly<Record<string, readonly Language[]>> = {
  réservé: ['fr'],
  réservée: ['fr'],
  réservation: ['fr'],
  reservee: ['fr'],
  reserviert: ['de'],
  gebucht: ['de'],
  belegt: ['de'],
  buchung: ['de'],
  prenotato: ['it'],
  prenotata: ['it'],
  prenotazione: ['it'],
  gereserveerd: ['nl'],
  geboekt: ['nl'],
  boeking: ['nl'],
  reservering: ['nl'],
  bezet: ['nl'],
  reservado: ['es', 'pt'],
  reservada: ['es', 'pt'],
  reserva: ['es', 'pt'],
  ocupado: ['es', 'pt'],
  ocupada: ['es', 'pt'],
};

/** Only the start of a summary matters; a megabyte of it must cost nothing. */
const SUMMARY_START = 64;

/** The language to write to this booking's guest, and where it came from. */
export function languageOf(booking: LanguageClues | undefined, propertyDefault: Language = DEFAULT_LANGUAGE): LanguageChoice {
  const own = ownLanguage(booking);
  if (own?.language) return { language: own.language, source: 'booking' };
  if (own?.asked) return { language: propertyDefault, source: 'default', asked: own.asked };
  return hintedLanguage(booking, propertyDefault) ?? { language: propertyDefault, source: 'default' };
}

/**
 * The booking's own `language` field: one of StayKey's languages, or `asked` when it names another
 * (undefined when the booking has none, or nothing that is a language tag).
 */
export function ownLanguage(booking: LanguageClues | undefined): { language?: Language; asked?: string } | undefined {
  const tag = normaliseLanguageTag(booking?.language);
  if (!tag) return undefined;
  const language = supportedLanguage(tag);
  return language ? { language } : { asked: tag };
}

/** The channel's hint, then the phone's: undefined when the booking gives neither. */
export function hintedLanguage(booking: LanguageClues | undefined, propertyDefault: Language = DEFAULT_LANGUAGE): LanguageChoice | undefined {
  const phone = phoneLanguage(booking?.phoneCountryCode);
  const candidates = channelLanguages(booking?.summary);
  if (candidates.length > 0) {
    const language = [phone, propertyDefault].find((preferred) => preferred !== undefined && candidates.includes(preferred)) ?? candidates[0];
    return { language, source: 'channel' };
  }
  return phone ? { language: phone, source: 'phone' } : undefined;
}

/** The languages a summary's status word is written in: [] for English, a name, or anything else. */
export function channelLanguages(summary: unknown): readonly Language[] {
  if (typeof summary !== 'string') return [];
  const word = /^\s*(\p{L}+)/u.exec(summary.slice(0, SUMMARY_START).normalize('NFC'))?.[1].toLowerCase();
  return word && Object.hasOwn(CHANNEL_WORDS, word) ? CHANNEL_WORDS[word] : [];
}

/** Browsers send at most a few dozen languages; a header longer than this is cut. */
const LONGEST_ACCEPT_LANGUAGE = 512;

/**
 * The first of StayKey's languages a browser's Accept-Language asks for, by its q weights
 * ("fr-CH, fr;q=0.9, en;q=0.8" -> fr), or undefined. `*` and languages StayKey lacks are passed over.
 */
export function browserLanguage(header: unknown): Language | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (typeof text !== 'string') return undefined;
  const ranges = text
    .slice(0, LONGEST_ACCEPT_LANGUAGE)
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [range, ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param)?.[1]).find((value) => value !== undefined);
      return { language: supportedLanguage(range), weight: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.language !== undefined && range.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranges[0]?.language;
}
