/**
 * What reaches booking-source's input: iCal text (a feed), bookings (read by lib/bookings/message-shapes.ts),
 * or anything else (an inject's timestamp), which asks for a fetch now.
 */
import { decodeFeed, feedTooLarge } from '../bookings/feed-text';

export type SourceInput = { kind: 'bookings'; value: unknown } | { kind: 'feed'; value: string } | { kind: 'fetch' };

/**
 * `messageMode`: the node takes no feed of its own, so blank text is an empty feed and any other
 * payload is bookings. A JSON string is read as bookings, as http-in without a JSON content type
 * delivers it. Text or bytes over `maxBytes` are refused.
 */
export function parseSourceInput(payload: unknown, messageMode: boolean, maxBytes: number): SourceInput {
  if (Buffer.isBuffer(payload)) {
    if (payload.byteLength > maxBytes) throw feedTooLarge('msg.payload', maxBytes);
    return parseSourceInput(decodeFeed(payload), messageMode, maxBytes);
  }
  if (typeof payload === 'string') {
    if (Buffer.byteLength(payload, 'utf8') > maxBytes) throw feedTooLarge('msg.payload', maxBytes);
    const text = payload.trim();
    if (text.startsWith('{') || text.startsWith('[')) return { kind: 'bookings', value: parseJson(text) };
    if (text !== '' || messageMode) return { kind: 'feed', value: payload };
    return { kind: 'fetch' };
  }
  if (payload && typeof payload === 'object') return { kind: 'bookings', value: payload };
  if (messageMode) return { kind: 'bookings', value: payload };
  return { kind: 'fetch' };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('msg.payload looks like JSON but cannot be read as JSON');
  }
}
