/**
 * access-window: turns a booking (or a staff, one-time or manual code) into when the door opens, on
 * the property's clocks. The rules live in lib/windows/; this node reads its settings and each
 * message, and reports.
 */
import type { Node, NodeDef, NodeMessage } from 'node-red';
import type { BookingChange } from '../../lib/bookings/booking';
import type { WindowMessage } from '../../lib/messages';
import { readChange } from '../../lib/messages/change';
import { BookingInput, lockList, parseBookingInput } from '../../lib/messages/parse-booking';
import { text } from '../../lib/messages/text';
import { shown } from '../../lib/shown';
import { instantToZoned, isTimeZone, normalizeTimeZone, serverTimeZone } from '../../lib/time/zoned';
import { periodAround } from '../../lib/windows/recurrence';
import { codeWindowFor, CodeRequest, isCodeRequest, parseCodeRequest } from '../../lib/windows/codes';
import { bookingWindows, locksOfUnit, parseUnitLocks, SentWindow, SentWindows, UnitLocks } from '../../lib/windows/units';
import { defaultWindowOptions, validateWindowOptions, WindowOptions } from '../../lib/windows/window';
import { clockFor, errorText, RED, reportInputError, showStatus } from '../shared/runtime';

interface AccessWindowDef extends NodeDef {
  checkIn?: string;
  checkOut?: string;
  timeZone?: string;
  bufferBefore?: string | number;
  bufferAfter?: string | number;
  leadHours?: string | number;
  locks?: string;
  unitLocks?: string;
  honourFeedTimes?: boolean;
}

/** The node's settings, read once at deploy. */
interface Settings {
  options: WindowOptions;
  unitLocks: UnitLocks;
  /** The node's name: the unit of plain bookings and codes that name none. */
  unit?: string;
}

interface Outgoing {
  change: BookingChange;
  sent: SentWindow;
  /** A window sent before for a unit the booking no longer has, going out cancelled. */
  dropped?: boolean;
}

const DAY_MS = 24 * 3600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export = function (RED: RED) {
  function AccessWindowNode(this: Node, config: AccessWindowDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    const sentWindows = new SentWindows();
    let settings: Settings | undefined;
    let settingsError: Error | undefined;
    try {
      settings = readSettings(config);
      if (settings.options.locks.length === 0 && settings.unitLocks.size === 0) showStatus(node, 'yellow', 'no locks set', 'ring');
    } catch (err) {
      settingsError = new Error(`access-window settings: ${errorText(err)}`);
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(settingsError.message);
    }

    node.on('input', (msg: NodeMessage, send, done) => {
      if (!settings) {
        reportInputError(node, settingsError, msg, done);
        return;
      }
      try {
        const now = clock.now();
        const outgoing = isCodeRequest(msg.payload)
          ? [codeOutgoing(msg, settings, now)]
          : bookingOutgoing(parseBookingInput(msg, settings.unit), settings, sentWindows, now);
        // Every message but the last is a copy, made before the original's payload is replaced.
        const messages = outgoing.map((out, index) => {
          const copy = index === outgoing.length - 1 ? msg : RED.util.cloneMessage(msg);
          const payload: WindowMessage = { kind: 'window', change: out.change, booking: out.sent.booking, window: out.sent.window };
          copy.topic = out.sent.window.bookingId;
          copy.payload = payload;
          return copy;
        });
        showWindowStatus(node, outgoing, now);
        send(messages.length === 1 ? messages[0] : [messages]);
        done();
      } catch (err) {
        reportInputError(node, err, msg, done);
      }
    });
  }

  RED.nodes.registerType('staykey-access-window', AccessWindowNode);

  // The editor runs in the host's browser, whose zone may not be the server's: ask the server.
  RED.httpAdmin.get('/staykey/access-window/zones', RED.auth.needsPermission('staykey-access-window.read'), (_req, res) => {
    res.json({ serverZone: serverTimeZone(), zones: Intl.supportedValuesOf('timeZone') });
  });
};

/** The node's settings; throws what the host got wrong. */
function readSettings(config: AccessWindowDef): Settings {
  return { options: readWindowOptions(config), unitLocks: parseUnitLocks(config.unitLocks), unit: text(config.name) };
}

function readWindowOptions(config: AccessWindowDef): WindowOptions {
  const zone = text(config.timeZone) ?? serverTimeZone();
  if (!isTimeZone(zone)) throw new Error(`time zone "${zone}" is not an IANA zone (e.g. Europe/Lisbon)`);
  const options: WindowOptions = {
    checkIn: text(config.checkIn) ?? defaultWindowOptions.checkIn,
    checkOut: text(config.checkOut) ?? defaultWindowOptions.checkOut,
    timeZone: normalizeTimeZone(zone),
    bufferBeforeMinutes: numberOption(config.bufferBefore, defaultWindowOptions.bufferBeforeMinutes, 'buffer before'),
    bufferAfterMinutes: numberOption(config.bufferAfter, defaultWindowOptions.bufferAfterMinutes, 'buffer after'),
    leadHours: numberOption(config.leadHours, defaultWindowOptions.leadHours, 'lead time'),
    locks: lockList(config.locks),
    honourFeedTimes: config.honourFeedTimes === true,
  };
  // Locks may come from the unit locks or with each booking (msg.overrides.locks), so only warn about an empty list.
  validateWindowOptions({ ...options, locks: options.locks.length > 0 ? options.locks : ['(per booking)'] });
  return options;
}

/** Unlike numberSetting, a typo is an error: a buffer silently read as 0 would lock a guest out. */
function numberOption(value: unknown, fallback: number, label: string): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`${label}: "${shown(value)}" is not a number`);
  if (parsed < 0) throw new Error(`${label} must be 0 or more (got ${parsed})`);
  return parsed;
}

/**
 * The windows for a booking, and cancellations for whatever was sent for it before and is gone now
 * (a unit dropped from it), those first so their slots come free.
 */
function bookingOutgoing(input: BookingInput, settings: Settings, sentWindows: SentWindows, now: Date): Outgoing[] {
  const current = bookingWindows(input.booking, input.units, settings.options, input.overrides, settings.unitLocks);
  const cancelled = input.change === 'cancelled';
  const dropped = sentWindows.replace(input.booking.id, current, cancelled, now);
  return [
    ...dropped.map((sent): Outgoing => ({ change: 'cancelled', sent, dropped: true })),
    ...current.map((sent): Outgoing => ({ change: input.change, sent })),
  ];
}

/** A staff, one-time or manual code: its locks come from the message, its unit, or the node. */
function codeOutgoing(msg: NodeMessage, settings: Settings, now: Date): Outgoing {
  const { options } = settings;
  const change = readChange(msg.change);
  const request = parseCodeRequest(msg.payload, options.timeZone, now, change === 'cancelled');
  const unit = request.unit ?? settings.unit ?? 'Property';
  const locks = codeLocks(request, settings);
  const sent = codeWindowFor(request, { timeZone: options.timeZone, leadHours: options.leadHours, unit, locks }, now);
  return { change: request.cancelled ? 'cancelled' : change, sent };
}

function codeLocks(request: CodeRequest, settings: Settings): string[] {
  if (request.locks) return request.locks;
  if (request.unit && settings.unitLocks.size > 0) return locksOfUnit(settings.unitLocks, request.unit, `${request.kind} ${request.id}`);
  return settings.options.locks;
}

function showWindowStatus(node: Node, outgoing: Outgoing[], now: Date): void {
  // A dropped unit's cancellation is a side effect; the booking itself is what the host wants to see.
  const visible = outgoing.filter((out) => !out.dropped);
  const { change, sent } = visible[visible.length - 1];
  const label = windowLabel(sent, visible.length);
  if (change === 'cancelled') {
    showStatus(node, 'grey', `${label}: cancelled`, 'ring');
    return;
  }
  const window = sent.window;
  // Staff hours: the next time the cleaner can come in says more than the first day of the range.
  const opensAt = (window.weekly && periodAround(window, now)?.startsAt) || window.checkInAt;
  const ahead = Date.parse(opensAt) - now.getTime();
  if (ahead >= DAY_MS) {
    showStatus(node, 'green', `${label}: in ${Math.floor(ahead / DAY_MS)} d`);
    return;
  }
  const ended = Date.parse(window.endsAt) <= now.getTime();
  showStatus(node, ended ? 'grey' : 'green', `${label}: ${shortLocal(opensAt, window.timeZone)}`);
}

/** "Room 101", "2 units", or for a staff, one-time or manual code the person's name. */
function windowLabel(sent: SentWindow, count: number): string {
  if (sent.window.kind && sent.window.kind !== 'guest') return sent.booking.guestName ?? sent.booking.id;
  return count > 1 ? `${count} units` : sent.window.unit;
}

/** "10 Jul 16:00" on the property's clocks. */
function shortLocal(instant: string, zone: string): string {
  const local = instantToZoned(new Date(instant), zone);
  const month = MONTHS[Number(local.date.slice(5, 7)) - 1];
  return `${Number(local.date.slice(8, 10))} ${month} ${local.time}`;
}
