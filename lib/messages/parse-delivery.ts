/** A guest has been told, or could not be (notifier -> pin-issuer). */
import type { DeliveryMessage } from './index';
import { givenText } from './text';

export function parseDelivery(payload: Record<string, unknown>): DeliveryMessage {
  if (!givenText(payload.bookingId) || typeof payload.delivered !== 'boolean') {
    throw new Error('pin-issuer: a delivery needs bookingId and delivered (true or false)');
  }
  return payload as unknown as DeliveryMessage;
}
