/**
 * The channel side of the season: what each unit's Airbnb calendar lists now, the iCal text its feed
 * serves (faults included), and one real BookingSource per unit reading it. Each source keeps its
 * state in a file, as the node does, so a restart reopens it and restates what it announced.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Booking } from '../bookings/booking';
import { BookingSource, SourceUpdate } from '../bookings/booking-source';
import type { BookingUpdate } from '../bookings/message-bookings';
import type { AlertMessage } from '../messages';
import type { Clock } from '../time/clock';
import { addDays } from '../time/zoned';
import type { FeedFault } from './season-plan';

const FEED = 'airbnb';

export type FeedAlertKind = 'emptyCalendar' | 'massDisappearance' | 'unreadableEvent' | 'other';

export class ChannelFeeds {
  /** Per unit: the stays the channel lists now, by booking id. */
  private readonly listings = new Map<string, Map<string, Booking>>();
  private readonly faults = new Map<string, FeedFault>();
  private readonly sources = new Map<string, BookingSource>();
  /** Per unit: the text its source last read, so the same text again is a "not modified" answer. */
  private readonly served = new Map<string, string>();
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-season-'));

  constructor(
    private readonly units: string[],
    private readonly clock: Clock,
  ) {
    for (const unit of units) this.listings.set(unit, new Map());
  }

  /** The channel lists a stay, or its new dates. */
  list(booking: Booking): void {
    this.listingOf(booking.unit).set(booking.id, booking);
  }

  /** The guest cancelled on the channel. */
  unlist(booking: Booking): void {
    this.listingOf(booking.unit).delete(booking.id);
  }

  isListed(booking: Booking): boolean {
    return this.listingOf(booking.unit).has(booking.id);
  }

  /** From now on the unit's feed serves `fault`, or its listing when there is none. */
  serve(unit: string, fault: FeedFault | undefined): void {
    if (fault) this.faults.set(unit, fault);
    else this.faults.delete(unit);
  }

  /** One fetch of the unit's feed, read by its booking source. */
  fetch(unit: string): SourceUpdate {
    const text = feedText([...this.listingOf(unit).values()], this.faults.get(unit));
    const source = this.sourceOf(unit);
    if (this.served.get(unit) === text) return source.readUnchangedFeed(FEED);
    this.served.set(unit, text);
    return source.readFeed(text, FEED);
  }

  /** A Node-RED start: every source reopens its state file and restates what still matters. */
  reopen(): BookingUpdate[] {
    this.sources.clear();
    this.served.clear();
    return this.units.flatMap((unit) => this.sourceOf(unit).restatement());
  }

  close(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private sourceOf(unit: string): BookingSource {
    let source = this.sources.get(unit);
    if (!source) {
      const stateFile = path.join(this.dir, `${unit.replace(/\W/g, '-')}.json`);
      source = BookingSource.open({ unit, source: FEED, feeds: [FEED], clock: this.clock, stateFile });
      this.sources.set(unit, source);
    }
    return source;
  }

  private listingOf(unit: string): Map<string, Booking> {
    const listing = this.listings.get(unit);
    if (!listing) throw new Error(`the season has no unit "${unit}"`);
    return listing;
  }
}

/** Which of booking-source's guards spoke, from the alert's words (lib/bookings/booking-source.ts). */
export function feedAlertKind(alert: AlertMessage): FeedAlertKind {
  if (/came back empty/.test(alert.text)) return 'emptyCalendar';
  if (/dropped \d+ upcoming stays at once/.test(alert.text)) return 'massDisappearance';
  if (/keeps its last good version/.test(alert.text)) return 'unreadableEvent';
  return 'other';
}

/** An Airbnb-style export: all-day events, UID the booking id, "Reserved", the reservation link. */
export function feedText(bookings: Booking[], fault?: FeedFault): string {
  const lines = ['BEGIN:VCALENDAR', 'PRODID;X-RICAL-TZSOURCE=TZINFO:-//Airbnb Inc//Hosting Calendar 1.0//EN', 'CALSCALE:GREGORIAN', 'VERSION:2.0'];
  if (fault?.kind !== 'empty') {
    const missing = new Set(fault?.kind === 'dropped' ? fault.bookingIds : []);
    const sorted = bookings.filter((b) => !missing.has(b.id)).sort((a, b) => a.arrival.localeCompare(b.arrival));
    for (const booking of sorted) lines.push(...eventLines(booking, fault?.kind === 'garbled' && fault.bookingId === booking.id));
  }
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

function eventLines(booking: Booking, garbled: boolean): string[] {
  // The channel's bug: checkout written a day before arrival.
  const end = garbled ? addDays(booking.arrival, -1) : booking.departure;
  const code = `HM${booking.id.replace(/\W/g, '').toUpperCase().padStart(8, '0').slice(-8)}`;
  return [
    'BEGIN:VEVENT',
    `DTEND;VALUE=DATE:${end.replace(/-/g, '')}`,
    `DTSTART;VALUE=DATE:${booking.arrival.replace(/-/g, '')}`,
    `UID:${booking.id}`,
    `DESCRIPTION:Reservation URL: https://www.airbnb.com/hosting/reservations/details/${code}`,
    'SUMMARY:Reserved',
    'END:VEVENT',
  ];
}

