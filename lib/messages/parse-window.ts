/**
 * A window (access-window -> pin-issuer), read once at the door. A half-formed window must never
 * reach the ledger: stored, it would break every later reconcile, and with it every booking's codes.
 */
import { isBookingChange } from './change';
import type { WindowMessage } from './index';
import { givenText, isRecord } from './text';
import { checkId } from '../ids';

export function parseWindow(payload: Record<string, unknown>): WindowMessage {
  const { booking, window, change } = payload;
  const id = isRecord(booking) ? givenText(booking.id) : undefined;
  if (!id) throw new Error('pin-issuer: a window needs its booking with an id (wire access-window to this node)');
  checkId(id, 'pin-issuer: booking id');
  if (typeof change !== 'string' || !isBookingChange(change)) {
    throw new Error(`pin-issuer: booking ${id}: change must be created, changed or cancelled (got ${JSON.stringify(change)})`);
  }
  if (!isRecord(window)) throw new Error(`pin-issuer: booking ${id} came without its window (wire access-window to this node)`);
  for (const key of ['bookingId', 'unit', 'timeZone']) {
    if (window[key] !== undefined && typeof window[key] !== 'string') throw new Error(`pin-issuer: booking ${id}: window.${key} must be text`);
  }
  for (const key of ['checkInAt', 'checkOutAt']) {
    if (window[key] !== undefined && !isInstant(window[key])) throw new Error(`pin-issuer: booking ${id}: window.${key} must be an ISO date and time`);
  }
  for (const key of ['startsAt', 'endsAt', 'issueAt']) {
    if (!isInstant(window[key])) throw new Error(`pin-issuer: booking ${id}: window.${key} must be an ISO date and time`);
  }
  const locks = window.locks;
  if (!Array.isArray(locks) || !locks.every((lock) => typeof lock === 'string' && lock !== '')) {
    throw new Error(`pin-issuer: booking ${id}: window.locks must list lock ids`);
  }
  for (const lock of locks) checkId(lock, `pin-issuer: booking ${id}: lock id`);
  checkId(window.bookingId, `pin-issuer: booking ${id}: window.bookingId`);
  checkId(window.unit, `pin-issuer: booking ${id}: unit`);
  return payload as unknown as WindowMessage;
}

function isInstant(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value));
}
