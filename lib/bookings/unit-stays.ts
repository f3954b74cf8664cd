/**
 * One unit, several calendars: Airbnb, Vrbo, Booking.com and a PMS may each list the same stay. A
 * channel usually exports another channel's stay as a block ("Airbnb (Not available)"), which is
 * never a booking; but a PMS feed lists every channel's stays as bookings, and a message may repeat
 * a feed's booking. Those copies are one stay. Two different guests on the same nights are a double
 * booking: both are kept (either may turn up at the door) and the host is told.
 */
import { Booking } from './booking';

/** One stay, however many calendars list it. */
export interface Stay {
  /** The id the stay is announced under: stable while any of its copies is still listed. */
  id: string;
  booking: Booking;
  /** The ids of every copy merged into it. */
  members: string[];
}

/** Two stays of different guests on the same unit and nights. */
export interface DoubleBooking {
  /** The same for the same two stays, whatever order they come in. */
  key: string;
  first: Booking;
  second: Booking;
}

const DETAILS = ['guestName', 'reservationCode', 'phoneLast4', 'email', 'guests', 'arrivalAt', 'departureAt', 'language', 'phoneCountryCode'] as const;

/**
 * `bookings` in order of preference (the configured feeds in order, then messages); `announced`
 * maps the id of every copy seen before to the id its stay was announced under, so a stay keeps its
 * id when the copy that named it leaves the feed while another copy stays.
 */
export function mergeStays(bookings: Booking[], announced: ReadonlyMap<string, string>): { stays: Stay[]; doubles: DoubleBooking[] } {
  const groups = new Groups(bookings.length);
  const firstWithId = new Map<string, number>();
  bookings.forEach((booking, index) => {
    const first = firstWithId.get(booking.id);
    if (first === undefined) firstWithId.set(booking.id, index);
    else groups.join(first, index);
  });
  const overlaps = overlappingPairs(bookings);
  for (const [a, b] of overlaps) if (sameStay(bookings[a], bookings[b]) && !announcedApart(bookings[a], bookings[b], announced)) groups.join(a, b);

  const stays = new Map<number, Stay>();
  for (const [root, members] of groups.members()) stays.set(root, stayOf(members.map((index) => bookings[index]), announced));
  return { stays: [...stays.values()], doubles: doublesOf(overlaps, groups, stays) };
}

/**
 * The same stay when the copies share a reservation code, an email or a guest name, or when they have
 * the very same nights and one of them says nothing of its guest (a PMS's bare "Reserved").
 * "Reserved" with an Airbnb code and "CLOSED - Anna Berg" on the same nights are two guests.
 */
function sameStay(a: Booking, b: Booking): boolean {
  if (a.unit !== b.unit) return false;
  if (shared(a.reservationCode, b.reservationCode) || shared(a.email, b.email) || shared(a.guestName, b.guestName)) return true;
  return a.arrival === b.arrival && a.departure === b.departure && (anonymous(a) || anonymous(b));
}

/**
 * Two stays already announced apart (a double booking the host was told of) stay apart, even when a
 * later fetch makes them look alike (one loses its guest's name to a garbled feed): joining them would
 * cancel one guest's code while both are still listed.
 */
function announcedApart(a: Booking, b: Booking, announced: ReadonlyMap<string, string>): boolean {
  const first = announced.get(a.id);
  const second = announced.get(b.id);
  return first !== undefined && second !== undefined && first !== second;
}

function shared(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.replace(/\s+/g, ' ').trim().toLowerCase() === b.replace(/\s+/g, ' ').trim().toLowerCase();
}

function anonymous(booking: Booking): boolean {
  return !booking.guestName && !booking.reservationCode && !booking.email && !booking.phoneLast4;
}

/**
 * Pairs of bookings of one unit whose nights overlap (a checkout and an arrival on the same day do
 * not). Sorted by arrival, each booking is compared only with those still under way, so a feed of
 * thousands of stays costs about as many comparisons as it has stays.
 */
function overlappingPairs(bookings: Booking[]): [number, number][] {
  const order = bookings.map((_, index) => index).sort((a, b) => bookings[a].arrival.localeCompare(bookings[b].arrival));
  const pairs: [number, number][] = [];
  let active: number[] = [];
  for (const index of order) {
    const booking = bookings[index];
    active = active.filter((other) => bookings[other].departure > booking.arrival);
    for (const other of active) if (bookings[other].unit === booking.unit) pairs.push([other, index]);
    active.push(index);
  }
  return pairs;
}

function stayOf(copies: Booking[], announced: ReadonlyMap<string, string>): Stay {
  const id = copies.map((copy) => announced.get(copy.id)).find((known) => known !== undefined) ?? richest(copies).id;
  const main = copies.find((copy) => copy.id === id) ?? richest(copies);
  const booking: Booking = { ...main, id };
  for (const copy of copies) {
    for (const key of DETAILS) {
      if (booking[key] === undefined && copy[key] !== undefined) (booking as unknown as Record<string, unknown>)[key] = copy[key];
    }
  }
  // Only a guest every calendar leaves without a contact needs the host to pass the code on.
  if (copies.some((copy) => copy.codeTo !== 'host')) delete booking.codeTo;
  return { id, booking, members: [...new Set(copies.map((copy) => copy.id))] };
}

/** The copy that says most about the guest; the first of equals. */
function richest(copies: Booking[]): Booking {
  const score = (booking: Booking) => DETAILS.filter((key) => booking[key] !== undefined).length;
  return copies.reduce((best, copy) => (score(copy) > score(best) ? copy : best));
}

function doublesOf(overlaps: [number, number][], groups: Groups, stays: Map<number, Stay>): DoubleBooking[] {
  const doubles = new Map<string, DoubleBooking>();
  for (const [a, b] of overlaps) {
    const first = stays.get(groups.root(a));
    const second = stays.get(groups.root(b));
    if (!first || !second || first === second) continue;
    const key = [first.id, second.id].sort().join(' + ');
    if (!doubles.has(key)) doubles.set(key, { key, first: first.booking, second: second.booking });
  }
  return [...doubles.values()];
}

/** Union-find over booking positions. */
class Groups {
  private readonly parent: number[];

  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, index) => index);
  }

  root(index: number): number {
    let at = index;
    while (this.parent[at] !== at) {
      this.parent[at] = this.parent[this.parent[at]];
      at = this.parent[at];
    }
    return at;
  }

  /** The earlier position stays the root, so a group keeps the order of its first copy. */
  join(a: number, b: number): void {
    const [low, high] = [this.root(a), this.root(b)].sort((x, y) => x - y);
    this.parent[high] = low;
  }

  /** Each group's positions, groups in the order of their first member. */
  members(): Map<number, number[]> {
    const groups = new Map<number, number[]>();
    for (let index = 0; index < this.parent.length; index++) {
      const root = this.root(index);
      const members = groups.get(root);
      if (members) members.push(index);
      else groups.set(root, [index]);
    }
    return groups;
  }
}
