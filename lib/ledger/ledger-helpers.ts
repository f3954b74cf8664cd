import type { Period } from '../windows/recurrence';
import type { BookingEntry } from './ledger-types';

export function isGuest(entry: BookingEntry | undefined): boolean {
  return Boolean(entry) && (entry!.window.kind ?? 'guest') === 'guest';
}

export function sameDates(a: Period, b: Period): boolean {
  return Date.parse(a.startsAt) === Date.parse(b.startsAt) && Date.parse(a.endsAt) === Date.parse(b.endsAt);
}
