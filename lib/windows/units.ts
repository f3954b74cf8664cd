/**
 * Properties with several units behind one node: which locks each unit's guests open (a shared door
 * such as the main gate simply appears under every unit), bookings that take several units at once,
 * and what was last sent for each booking so a unit dropped from it loses its code.
 */
import type { Booking } from '../bookings/booking';
import { AccessWindow, windowFor, WindowOptions, WindowOverrides } from './window';

export interface UnitLockLine {
  unit: string;
  locks: string[];
}

/** Keyed by the unit's name in lower case: hosts and PMSs do not agree on capitals. */
export type UnitLocks = ReadonlyMap<string, UnitLockLine>;

export interface SentWindow {
  booking: Booking;
  window: AccessWindow;
}

/**
 * Reads the node's "unit locks": one line per unit, `Room 101: door-101, main-gate`. Blank lines and
 * lines starting with # are skipped. The unit ends at the first colon, so lock ids may contain colons.
 */
export function parseUnitLocks(text: string | undefined): UnitLocks {
  const units = new Map<string, UnitLockLine>();
  const lines = (text ?? '').split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `unit locks, line ${index + 1}`;
    const colon = trimmed.indexOf(':');
    if (colon <= 0) throw new Error(`${where}: write "Unit name: lock-a, lock-b" (got "${trimmed}")`);
    const unit = trimmed.slice(0, colon).trim();
    const locks = trimmed
      .slice(colon + 1)
      .split(',')
      .map((lock) => lock.trim())
      .filter((lock) => lock !== '');
    if (unit === '') throw new Error(`${where}: the unit has no name`);
    if (locks.length === 0) throw new Error(`${where}: unit "${unit}" names no lock`);
    if (units.has(unit.toLowerCase())) throw new Error(`${where}: unit "${unit}" is listed twice`);
    units.set(unit.toLowerCase(), { unit, locks });
  });
  return units;
}

/** The locks `unit` opens; an unknown unit is an error, about `what` ("booking HM123"), that lists the known ones. */
export function locksOfUnit(unitLocks: UnitLocks, unit: string, what: string): string[] {
  const line = unitLocks.get(unit.trim().toLowerCase());
  if (line) return [...line.locks];
  const known = [...unitLocks.values()].map((entry) => entry.unit).join(', ');
  throw new Error(`${what}: unit "${unit}" is not in the node's unit locks (known units: ${known})`);
}

/** A booking's `units`: absent, or a list of unit names (repeats dropped). */
export function readUnits(value: unknown, bookingId: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const wrong = new Error(`booking ${bookingId}: units must be a list of unit names like ["Room 101", "Room 102"]`);
  if (!Array.isArray(value) || value.length === 0) throw wrong;
  const units: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || item.trim() === '') throw wrong;
    if (!units.some((unit) => unit.toLowerCase() === item.trim().toLowerCase())) units.push(item.trim());
  }
  return units;
}

/**
 * The windows a booking gets: one, or one per unit when it names `units`. A booking's own locks
 * (overrides) beat its unit's, which beat the node's plain locks.
 */
export function bookingWindows(
  booking: Booking,
  units: string[] | undefined,
  options: WindowOptions,
  overrides: WindowOverrides,
  unitLocks: UnitLocks,
): SentWindow[] {
  if (units) return unitWindows(booking, units, options, overrides, unitLocks);
  const locks = overrides.locks || unitLocks.size === 0 ? options.locks : locksOfUnit(unitLocks, booking.unit, `booking ${booking.id}`);
  return [{ booking, window: windowFor(booking, { ...options, locks }, overrides) }];
}

/**
 * One window per unit, each with its own id (`<booking>#<unit>`) so pin-issuer gives every unit its
 * own codes; the booking keeps its id, so the guest's messages still name one reservation.
 */
function unitWindows(
  booking: Booking,
  units: string[],
  options: WindowOptions,
  overrides: WindowOverrides,
  unitLocks: UnitLocks,
): SentWindow[] {
  if (unitLocks.size === 0) {
    const names = units.join(', ');
    throw new Error(`booking ${booking.id} is for several units (${names}): set the node's unit locks so each unit opens its own locks`);
  }
  if (overrides.locks) {
    throw new Error(`booking ${booking.id}: locks cannot be overridden for a booking of several units (each unit opens its own)`);
  }
  return units.map((unit) => {
    const unitBooking: Booking = { ...booking, unit };
    const window = windowFor(unitBooking, { ...options, locks: locksOfUnit(unitLocks, unit, `booking ${booking.id}`) }, overrides);
    return { booking: unitBooking, window: { ...window, bookingId: `${booking.id}#${unit}` } };
  });
}

/**
 * What a node last sent for each booking. When a change drops a unit from a booking, that unit's
 * window must be cancelled, and only this memory knows it was sent. It lives in memory only: after a
 * restart a booking's first change cannot cancel units dropped before it.
 */
export class SentWindows {
  private readonly byBooking = new Map<string, SentWindow[]>();

  /** Remembers `current` for the booking (or forgets it when cancelled); returns what was sent before and is gone now. */
  replace(bookingId: string, current: SentWindow[], cancelled: boolean, now: Date): SentWindow[] {
    this.forgetEnded(now);
    const before = this.byBooking.get(bookingId) ?? [];
    const stillThere = new Set(current.map((sent) => sent.window.bookingId));
    const dropped = before.filter((sent) => !stillThere.has(sent.window.bookingId));
    if (cancelled) this.byBooking.delete(bookingId);
    else this.byBooking.set(bookingId, current);
    return dropped;
  }

  /** Bookings remembered. */
  get size(): number {
    return this.byBooking.size;
  }

  // A stay that is over needs no cancelling: pin-issuer clears its codes at the end anyway.
  private forgetEnded(now: Date): void {
    for (const [bookingId, windows] of this.byBooking) {
      if (windows.every((sent) => Date.parse(sent.window.endsAt) <= now.getTime())) this.byBooking.delete(bookingId);
    }
  }
}
