/**
 * What access-window sends for each message: a booking's windows, one per unit, with cancellations
 * for units it no longer has; or a staff, one-time or manual code's window. The node only reads its
 * settings, hands each message here and sends what comes back.
 */
import type { BookingChange } from '../bookings/booking';
import type { WindowMessage } from '../messages';
import { readChange } from '../messages/change';
import { BookingEnvelope, BookingInput, parseBookingInput } from '../messages/parse-booking';
import { codeWindowFor, CodeRequest, isCodeRequest, parseCodeRequest } from './codes';
import { bookingWindows, locksOfUnit, SentWindow, SentWindows } from './units';
import type { WindowSettings } from './window-settings';

export interface OutgoingWindow {
  change: BookingChange;
  sent: SentWindow;
  /** A window sent before for a unit the booking no longer has, going out cancelled. */
  dropped?: boolean;
}

export class AccessWindows {
  /** What went out per booking, so a unit dropped from it can be cancelled. */
  private readonly sentWindows = new SentWindows();

  constructor(private readonly settings: WindowSettings) {}

  /** Throws what is wrong with the message. */
  windowsFor(msg: BookingEnvelope, now: Date): OutgoingWindow[] {
    if (isCodeRequest(msg.payload)) return [this.codeWindow(msg, now)];
    return this.bookingWindows(parseBookingInput(msg, this.settings.unit), now);
  }

  /**
   * The windows for a booking, and cancellations for whatever was sent for it before and is gone now
   * (a unit dropped from it), those first so their slots come free.
   */
  private bookingWindows(input: BookingInput, now: Date): OutgoingWindow[] {
    const { options, unitLocks } = this.settings;
    const current = bookingWindows(input.booking, input.units, options, input.overrides, unitLocks);
    const cancelled = input.change === 'cancelled';
    const dropped = this.sentWindows.replace(input.booking.id, current, cancelled, now);
    return [
      ...dropped.map((sent): OutgoingWindow => ({ change: 'cancelled', sent, dropped: true })),
      ...current.map((sent): OutgoingWindow => ({ change: input.change, sent })),
    ];
  }

  /** A staff, one-time or manual code: its locks come from the message, its unit, or the node. */
  private codeWindow(msg: BookingEnvelope, now: Date): OutgoingWindow {
    const { options } = this.settings;
    const change = readChange(msg.change);
    const request = parseCodeRequest(msg.payload, options.timeZone, now, change === 'cancelled');
    const unit = request.unit ?? this.settings.unit ?? 'Property';
    const locks = this.codeLocks(request);
    const sent = codeWindowFor(request, { timeZone: options.timeZone, leadHours: options.leadHours, unit, locks }, now);
    return { change: request.cancelled ? 'cancelled' : change, sent };
  }

  private codeLocks(request: CodeRequest): string[] {
    const { options, unitLocks } = this.settings;
    if (request.locks) return request.locks;
    if (request.unit && unitLocks.size > 0) return locksOfUnit(unitLocks, request.unit, `${request.kind} ${request.id}`);
    return options.locks;
  }
}

export function windowMessage(out: OutgoingWindow): WindowMessage {
  return { kind: 'window', change: out.change, booking: out.sent.booking, window: out.sent.window };
}
