/**
 * The languages StayKey writes to guests in, and how a language named by a PMS, a browser or a host is
 * read into one of them. Tags are BCP 47 ("fr", "fr-CA", "pt_BR"); only their language part chooses the
 * texts, and the locale each language formats dates with is fixed here (a Brazilian guest reads
 * European Portuguese, with European dates).
 */

export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl', 'pt'] as const;

export type Language = (typeof LANGUAGES)[number];

/** The locale each language's dates and times are written in (Intl.DateTimeFormat). */
export const LOCALES: Readonly<Record<Language, string>> = {
  en: 'en-GB',
  de: 'de-DE',
  fr: 'fr-FR',
  es: 'es-ES',
  it: 'it-IT',
  nl: 'nl-NL',
  pt: 'pt-PT',
};

/** Each language in its own words, for the editor. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
  es: 'Español',
  it: 'Italiano',
  nl: 'Nederlands',
  pt: 'Português',
};

export const DEFAULT_LANGUAGE: Language = 'en';

/** A tag longer than this is no language a PMS or browser means ("de-DE-1996" is 10). */
const LONGEST_TAG = 35;

/**
 * The short BCP 47 tags PMSs and browsers send: a 2-3 letter language, then up to three subtags
 * (script, region, variant) of 1-8 letters or digits, by "-" or "_". Extensions and private use ("x-")
 * are not languages anyone writes to a guest in.
 */
const TAG = /^([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{1,8}){0,3})$/;

/** What PMSs write instead of a tag: a language's English name or its own. */
const NAMES: Readonly<Record<string, Language>> = {
  english: 'en',
  german: 'de',
  deutsch: 'de',
  french: 'fr',
  francais: 'fr',
  spanish: 'es',
  espanol: 'es',
  castellano: 'es',
  italian: 'it',
  italiano: 'it',
  dutch: 'nl',
  nederlands: 'nl',
  portuguese: 'pt',
  portugues: 'pt',
};

/**
 * The tag in its usual spelling ("FR-fr" -> "fr-FR", "pt_br" -> "pt-BR", "French" -> "fr"), or
 * undefined when the value is no short language tag. Anything but text is no tag.
 */
export function normaliseLanguageTag(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > LONGEST_TAG) return undefined;
  const named = Object.hasOwn(NAMES, plain(text)) ? NAMES[plain(text)] : undefined;
  if (named) return named;
  const match = TAG.exec(text);
  if (!match) return undefined;
  const parts = match[2]
    .split(/[-_]/)
    .filter((part) => part !== '')
    .map(subtagCase);
  return [match[1].toLowerCase(), ...parts].join('-');
}

/** RFC 5646's usual case: regions upper case (FR, 419), scripts title case (Latn), the rest lower case. */
function subtagCase(part: string): string {
  if (/^[A-Za-z]{2}$/.test(part) || /^\d{3}$/.test(part)) return part.toUpperCase();
  if (/^[A-Za-z]{4}$/.test(part)) return part[0].toUpperCase() + part.slice(1).toLowerCase();
  return part.toLowerCase();
}

/** One of StayKey's languages when the tag's language part is one ("fr-CA" -> fr), else undefined. */
export function supportedLanguage(value: unknown): Language | undefined {
  const tag = normaliseLanguageTag(value);
  if (!tag) return undefined;
  const primary = tag.split('-')[0];
  return (LANGUAGES as readonly string[]).includes(primary) ? (primary as Language) : undefined;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** Accents and case aside: "Français" and "FRANCAIS" are one name. */
function plain(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * A booking's `language` as kept: one of StayKey's languages in its short form ("FR-fr" -> "fr",
 * "Français" -> "fr"), another language's tag as written ("ja-JP", so the host's default is used and
 * the tag still shows), or undefined for anything that is no language tag.
 */
export function bookingLanguageTag(value: unknown): string | undefined {
  return supportedLanguage(value) ?? normaliseLanguageTag(value);
}
