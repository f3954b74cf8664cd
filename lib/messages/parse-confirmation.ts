/** The host's answer to a mass disappearance held by booking-source: cancel those stays after all. */

export function isConfirmation(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { kind?: unknown }).kind === 'confirm-cancellations';
}

/** `{kind: 'confirm-cancellations', feed?: 'airbnb', bookings?: ['id', ...]}` */
export function readConfirmation(payload: unknown): { feed?: string; ids?: string[] } {
  const raw = payload as { feed?: unknown; bookings?: unknown };
  if (raw.feed !== undefined && (typeof raw.feed !== 'string' || raw.feed.trim() === '')) throw new Error('confirm-cancellations: feed must be a feed\'s name');
  if (raw.bookings !== undefined && (!Array.isArray(raw.bookings) || !raw.bookings.every((id) => typeof id === 'string'))) {
    throw new Error('confirm-cancellations: bookings must be a list of booking ids');
  }
  return { feed: (raw.feed as string | undefined)?.trim(), ids: raw.bookings as string[] | undefined };
}
