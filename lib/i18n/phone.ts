/**
 * A phone number's country calling code as a hint of the guest's language: +33 writes French, +49
 * German. Only codes whose country speaks one of StayKey's languages are listed; a country of several
 * (Switzerland +41, Belgium +32, Luxembourg +352, Canada inside +1) is left out or kept to its main
 * language, since a wrong guess reads worse than the host's default.
 *
 * Calling codes are prefix-free (no code begins another), so the first 1, 2 or 3 digits that are a
 * listed code are the number's code.
 */
import type { Language } from './languages';

const CALLING_CODES: Readonly<Record<string, Language>> = {
  // English
  '1': 'en',
  '44': 'en',
  '353': 'en',
  '61': 'en',
  '64': 'en',
  '27': 'en',
  // German
  '49': 'de',
  '43': 'de',
  '423': 'de',
  // French (with Monaco and the overseas departments)
  '33': 'fr',
  '377': 'fr',
  '262': 'fr',
  '590': 'fr',
  '594': 'fr',
  '596': 'fr',
  '687': 'fr',
  '689': 'fr',
  // Spanish
  '34': 'es',
  '52': 'es',
  '54': 'es',
  '56': 'es',
  '57': 'es',
  '58': 'es',
  '51': 'es',
  '53': 'es',
  '591': 'es',
  '593': 'es',
  '595': 'es',
  '598': 'es',
  '502': 'es',
  '503': 'es',
  '504': 'es',
  '505': 'es',
  '506': 'es',
  '507': 'es',
  // Italian (with San Marino)
  '39': 'it',
  '378': 'it',
  // Dutch (with Suriname, Aruba and the Caribbean Netherlands)
  '31': 'nl',
  '297': 'nl',
  '597': 'nl',
  '599': 'nl',
  // Portuguese
  '351': 'pt',
  '55': 'pt',
  '244': 'pt',
  '258': 'pt',
  '238': 'pt',
  '245': 'pt',
  '239': 'pt',
};

/**
 * "+33 6 12 34 56 78" or "0033 6..." -> "+33"; undefined for a number written without its country
 * ("06 12 34 56 78"), one whose code is not listed, or anything that is no phone number. Only the
 * code is returned: nothing more of the number needs keeping.
 */
export function callingCodeOf(phone: unknown): string | undefined {
  if (typeof phone !== 'string') return undefined;
  const match = /^\s*(?:\+|00)\s*([\d\s().\/-]{6,30})\s*$/.exec(phone.slice(0, 64));
  if (!match) return undefined;
  const digits = match[1].replace(/\D/g, '');
  if (digits.length < 6) return undefined;
  for (const length of [1, 2, 3]) {
    const code = digits.slice(0, length);
    if (Object.hasOwn(CALLING_CODES, code)) return `+${code}`;
  }
  return undefined;
}

/** "+33", "33" or "0033" in the usual "+33" form, when it is a calling code StayKey knows; else undefined. */
export function normaliseCallingCode(value: unknown): string | undefined {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(?:\+|00)?(\d{1,3})$/.exec(text);
  return match && Object.hasOwn(CALLING_CODES, match[1]) ? `+${match[1]}` : undefined;
}

/** The language a calling code ("+33") hints at, if any. */
export function phoneLanguage(code: unknown): Language | undefined {
  const normal = normaliseCallingCode(code);
  return normal ? CALLING_CODES[normal.slice(1)] : undefined;
}
