import type { GuestView } from './ledger-options';
import { hintedLanguage, ownLanguage } from '../i18n/choose';
import type { GuestTelling } from './guest-telling';
import { LedgerPart, LedgerRecords } from './ledger-records';
import { isGuest } from './ledger-helpers';

/**
 * The guest page's questions: which booking a guest proves they hold, and what they may see of it.
 */
export class GuestLookup extends LedgerPart {
  constructor(records: LedgerRecords, private readonly telling: GuestTelling) {
    super(records);
  }

  /**
   * The booking a guest proves they hold: the reservation code they were given (never an internal id)
   * and their last name or the last 4 digits of their phone. A one-letter name proves nothing: anyone
   * gets it right in a few tries. Undefined when nothing matches; the page limits how often one may try.
   */
  findGuest(reference: string, proof: string): string | undefined {
    const given = normalise(proof);
    if (!given) return undefined;
    for (const id of this.guestsNamed(reference)) {
      const { booking } = this.data.bookings[id];
      const lastName = normalise(booking.guestName?.trim().split(/\s+/).pop() ?? '');
      const phone = booking.phoneLast4 && /^\d{4}$/.test(booking.phoneLast4) ? booking.phoneLast4 : undefined;
      if ((lastName.length > 1 && lastName === given) || (phone && phone === given)) return id;
    }
    return undefined;
  }

  /** The current guest bookings whose reservation code is `reference` (case, accents and spaces aside). */
  guestsNamed(reference: string): string[] {
    const ref = normalise(reference);
    if (!ref) return [];
    return Object.entries(this.data.bookings)
      .filter(([, entry]) => !entry.cancelled && isGuest(entry) && entry.booking.reservationCode !== undefined && normalise(entry.booking.reservationCode) === ref)
      .map(([id]) => id);
  }

  /** What the check-in page shows a verified guest; PINs opened only here, for them. */
  guestView(bookingId: string): GuestView | undefined {
    const entry = this.data.bookings[bookingId];
    if (!entry || entry.cancelled || Date.parse(entry.window.endsAt) <= this.now().getTime()) return undefined;
    const locks = new Map(this.options.locks().map((lock) => [lock.id, lock]));
    const issued = entry.told === 'issued';
    // Read at every view, so a flag cleared after the guest was told hides the code at once.
    const onHold = this.telling.missingFlags(entry).length > 0;
    const codes = entry.window.locks.map((lockId) => {
      const code = this.codesOf(bookingId).find((c) => c.lockId === lockId && c.state !== 'revoked');
      const pin = issued && !onHold && code?.sealedPin && !code.rewrite ? this.options.vault.open(code.sealedPin) : null;
      return { lockName: locks.get(lockId)?.name ?? lockId, pin };
    });
    const view: GuestView = {
      bookingId,
      version: entry.version,
      unit: entry.window.unit,
      timeZone: entry.window.timeZone,
      checkInAt: entry.window.checkInAt,
      checkOutAt: entry.window.checkOutAt,
      issueAt: entry.window.issueAt,
      issued,
      codes,
    };
    if (entry.booking.guestName) view.guestName = entry.booking.guestName;
    if (onHold) view.onHold = true;
    // As for messages: a booking that names a language StayKey lacks ("ja") gives no hint either.
    const own = ownLanguage(entry.booking);
    if (own?.language) view.language = own.language;
    const hinted = own ? undefined : hintedLanguage(entry.booking)?.language;
    if (hinted) view.hintedLanguage = hinted;
    return view;
  }
}

/** Case, accents and spaces do not matter when a guest types their name or code. */
function normalise(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, '').toLowerCase();
}
