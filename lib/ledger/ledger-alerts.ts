import type { LockConfig } from '../locks/provider';
import type { AlertMessage } from '../messages';
import type { BookingEntry, CodeEntry } from './ledger-types';

export function alert(severity: AlertMessage['severity'], topic: string, text: string, about: { bookingId?: string; lockId?: string }): AlertMessage {
  return { kind: 'alert', severity, topic, text, ...about };
}

export function fullLockAlert(id: string, entry: BookingEntry, lock: LockConfig, winner?: BookingEntry): AlertMessage {
  const because = winner ? ` It gave its slot to ${winner.booking.guestName ?? winner.window.bookingId}, who arrives first.` : '';
  return alert(
    'critical',
    'lock-full',
    `Lock ${lock.name} has no free slot for booking ${id} (${entry.booking.guestName ?? 'guest'}, arriving ${entry.booking.arrival}): remove an old code or widen the slot range.${because}`,
    { bookingId: id, lockId: lock.id },
  );
}

export function unknownLockAlert(entry: BookingEntry, lockId: string): AlertMessage {
  return alert(
    'critical',
    'unknown-lock',
    `Booking ${entry.window.bookingId} should open lock "${lockId}", which is not in the pin-issuer's locks: check the access-window's lock names.`,
    { bookingId: entry.window.bookingId, lockId },
  );
}

export function driftAlert(code: CodeEntry, drift: 'removed' | 'changed' | 'dates', sealed: boolean): AlertMessage {
  const what = drift === 'removed' ? 'was removed' : drift === 'changed' ? 'was changed' : 'has other dates';
  const fix =
    drift === 'dates' ? 'StayKey sets the right dates again.' : sealed ? 'StayKey puts it back.' : 'StayKey sets a new code and tells the guest.';
  return alert('warning', 'drift', `The code of booking ${code.bookingId} in slot ${code.slot} of lock ${code.lockId} ${what} outside StayKey. ${fix}`, {
    bookingId: code.bookingId,
    lockId: code.lockId,
  });
}
