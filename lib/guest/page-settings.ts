/**
 * The guest page's settings as the editor saves them (numbers often as text, older flows without the
 * newer ones), and what its status says: how many guests are verified, how many locked out.
 */
import { numberSetting } from '../settings';
import type { Clock } from '../time/clock';
import type { CheckInOptions } from './check-in';
import { DEFAULT_LANGUAGE, supportedLanguage } from '../i18n/languages';

export interface GuestPageSettings {
  property?: string;
  clientTries?: string | number;
  clientMinutes?: string | number;
  bookingTries?: string | number;
  bookingMinutes?: string | number;
  lockoutMinutes?: string | number;
  sessionMinutes?: string | number;
  /** The page's language when neither the booking nor the browser gives one StayKey writes in (default en). */
  language?: string;
}

export function checkInOptions(settings: GuestPageSettings, clock: Clock): CheckInOptions {
  const lockoutMinutes = numberSetting(settings.lockoutMinutes, 15);
  return {
    clock,
    property: (settings.property ?? '').trim(),
    perClient: { tries: numberSetting(settings.clientTries, 5), windowMinutes: numberSetting(settings.clientMinutes, 15), lockoutMinutes },
    perBooking: { tries: numberSetting(settings.bookingTries, 10), windowMinutes: numberSetting(settings.bookingMinutes, 60), lockoutMinutes },
    sessionMinutes: numberSetting(settings.sessionMinutes, 60),
    language: supportedLanguage(settings.language) ?? DEFAULT_LANGUAGE,
  };
}

/** A lock-out is what the host should notice first; otherwise how many guests got in. */
export function deskStatus(counts: { verified: number; lockedOut: number }): { fill: 'yellow' | 'green'; text: string } {
  if (counts.lockedOut > 0) return { fill: 'yellow', text: `locked out ${counts.lockedOut}` };
  return { fill: 'green', text: `${counts.verified} guest${counts.verified === 1 ? '' : 's'} verified` };
}
