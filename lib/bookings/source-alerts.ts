/** What booking-source tells the host: feed trouble, stays held or skipped, double bookings. */
import type { Booking } from './booking';
import { DEFAULT_GUARD, MassCancelGuard } from './feed-tracker';
import type { SkippedEvent } from './stays';
import type { DoubleBooking } from './unit-stays';
import type { AlertMessage } from '../messages';

export function feedAlert(severity: AlertMessage['severity'], text: string, bookingId?: string): AlertMessage {
  const alert: AlertMessage = { kind: 'alert', severity, topic: 'feed', text };
  if (bookingId !== undefined) alert.bookingId = bookingId;
  return alert;
}

export function heldAlert(where: string, feed: string, held: Booking[], guard: MassCancelGuard | undefined): AlertMessage {
  const minutes = Math.round((guard?.waitMs ?? DEFAULT_GUARD.waitMs) / 60_000);
  const names = held.map(describe).join('; ');
  return feedAlert(
    'critical',
    `${where} dropped ${held.length} upcoming stays at once: ${names}. Their codes are kept: a channel that fails can serve a half-empty ` +
      `calendar. They are cancelled only if a fetch at least ${minutes} min from now still lacks them, or when you confirm with ` +
      `{"kind": "confirm-cancellations", "feed": ${JSON.stringify(feed)}} sent to booking-source.`,
  );
}

export function eventName(skipped: SkippedEvent): string {
  return skipped.uid ? `event ${skipped.uid}` : `an event without a UID${skipped.summary ? ` ("${skipped.summary.slice(0, 60)}")` : ''}`;
}

/** An event that may be a stay but cannot be read: the stay it was is kept as it was. */
export function unreadableAlert(where: string, skipped: SkippedEvent): AlertMessage {
  const kept = skipped.uid ? 'its stay keeps its last good version' : 'no stay of this feed is cancelled while it is there';
  return feedAlert('warning', `${where}: ${eventName(skipped)} ${skipped.reason}; ${kept}. Fix it on the channel or PMS.`, skipped.uid);
}

/** Events left out for a reason (blocks, repeats, copies): told once each, in one message per fetch. */
export function skippedAlert(where: string, skipped: SkippedEvent[]): AlertMessage {
  const lines = skipped.slice(0, 20).map((event) => `${eventName(event)}: ${event.reason}`);
  if (skipped.length > 20) lines.push(`and ${skipped.length - 20} more`);
  const count = skipped.length === 1 ? 'one event' : `${skipped.length} events`;
  return feedAlert('info', `${where} skipped ${count} (not stays): ${lines.join('; ')}.`, skipped.length === 1 ? skipped[0].uid : undefined);
}

export function doubleBookingAlert(double: DoubleBooking): AlertMessage {
  const { first, second } = double;
  return {
    kind: 'alert',
    severity: 'critical',
    topic: 'double-booking',
    bookingId: second.id,
    text:
      `Double booking in ${first.unit}: ${describe(first)} and ${describe(second)} overlap. ` +
      'Both are kept, so both guests get a code; cancel one of them on its channel.',
  };
}

export function describe(booking: Booking): string {
  const who = booking.guestName ?? booking.reservationCode ?? booking.id;
  return `${who} (${booking.source}, ${booking.arrival} to ${booking.departure})`;
}

export function stillListed(id: string, unit: string): AlertMessage {
  return {
    kind: 'alert',
    severity: 'info',
    topic: 'booking',
    bookingId: id,
    text: `${unit ? `${unit}: ` : ''}booking ${id} was cancelled by a message, but a feed still lists the stay; it stays until the feed drops it.`,
  };
}
