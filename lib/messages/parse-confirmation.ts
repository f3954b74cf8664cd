/** The host's answer to a mass disappearance held by booking-source: cancel those stays after all. */

export function isConfirmation(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { kind?: unknown }).kind === 'confirm-cancellations';
}

/** The host's "no": the held stays go on (`{kind: 'reject-cancellations', feed?, bookings?}`). */
export function isRejection(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { kind?: unknown }).kind === 'reject-cancellations';
}

/** `{kind: 'confirm-cancellations', feed?: 'airbnb', bookings?: ['id', ...]}` */
export function readConfirmation(payload: unknown): { feed?: string; ids?: string[] } {
  const raw = payload as { feed?: unknown; bookings?: unknown };
  const kind = (payload as { kind?: unknown }).kind === 'reject-cancellations' ? 'reject-cancellations' : 'confirm-cancellations';
  if (raw.feed !== undefined && (typeof raw.feed !== 'string' || raw.feed.trim() === '')) throw new Error(`${kind}: feed must be a feed's name`);
  if (raw.bookings !== undefined && (!Array.isArray(raw.bookings) || !raw.bookings.every((id) => typeof id === 'string'))) {
    throw new Error(`${kind}: bookings must be a list of booking ids`);
  }
  return { feed: (raw.feed as string | undefined)?.trim(), ids: raw.bookings as string[] | undefined };
}
