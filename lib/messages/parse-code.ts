/** A guest's codes, ready to tell them (pin-issuer -> notifier). */
import type { CodeMessage } from './index';
import { assertTextFields, isRecord } from './text';
import { checkId } from '../ids';

export function parseCodeMessage(payload: unknown): CodeMessage {
  const message = payload as CodeMessage;
  const id = typeof message.bookingId === 'string' ? message.bookingId : undefined;
  if (!id) throw new Error('code message has no bookingId');
  checkId(id, 'code message: bookingId');
  if (!isRecord(message.booking) || typeof message.booking.unit !== 'string') throw new Error(`code message for booking ${id} has no booking`);
  checkId(message.booking.unit, `code message for booking ${id}: booking.unit`);
  const window = message.window as unknown;
  if (!isRecord(window) || typeof window.timeZone !== 'string' || typeof window.checkInAt !== 'string' || typeof window.checkOutAt !== 'string') {
    throw new Error(`code message for booking ${id} has no access window (timeZone, checkInAt, checkOutAt)`);
  }
  for (const key of ['startsAt', 'endsAt'] as const) {
    if (typeof window[key] !== 'string') throw new Error(`code message for booking ${id}: window.${key} must be a date and time`);
  }
  if (!Array.isArray(message.codes)) throw new Error(`code message for booking ${id} has no codes list`);
  // These reach the template as text: anything else would be printed as "[object Object]", or not at all.
  assertTextFields(message.booking, ['guestName', 'email', 'phoneLast4'], `code message for booking ${id}: booking`);
  for (const code of message.codes as unknown[]) {
    if (!isRecord(code) || typeof code.lockId !== 'string') throw new Error(`code message for booking ${id}: every code needs its lockId`);
    checkId(code.lockId, `code message for booking ${id}: lockId`);
    checkId(code.unit, `code message for booking ${id}: unit`);
    assertTextFields(code, ['lockName', 'unit'], `code message for booking ${id}: the code for ${code.lockId}`);
  }
  return message;
}
