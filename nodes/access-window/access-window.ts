/**
 * access-window: turns a booking into when the door opens, on the property's clocks. The rules live
 * in lib/windows/window.ts; this node reads its settings and each message, and reports.
 */
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { Booking, BookingChange, parseBooking } from '../../lib/bookings/booking';
import type { WindowMessage } from '../../lib/messages';
import { instantToZoned, isTimeZone, normalizeTimeZone, serverTimeZone } from '../../lib/time/zoned';
import {
  AccessWindow,
  defaultWindowOptions,
  validateWindowOptions,
  windowFor,
  WindowOptions,
  WindowOverrides,
} from '../../lib/windows/window';
import { clockFor, errorText, RED, reportInputError, showStatus } from '../shared/runtime';

interface AccessWindowDef extends NodeDef {
  checkIn?: string;
  checkOut?: string;
  timeZone?: string;
  bufferBefore?: string | number;
  bufferAfter?: string | number;
  leadHours?: string | number;
  locks?: string;
  honourFeedTimes?: boolean;
}

interface BookingInput {
  booking: Booking;
  change: BookingChange;
  overrides: WindowOverrides;
}

const CHANGES: readonly BookingChange[] = ['created', 'changed', 'cancelled'];
const DAY_MS = 24 * 3600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export = function (RED: RED) {
  function AccessWindowNode(this: Node, config: AccessWindowDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const clock = clockFor(RED);
    let options: WindowOptions | undefined;
    let settingsError: Error | undefined;
    try {
      options = readSettings(config);
      if (options.locks.length === 0) showStatus(node, 'yellow', 'no locks set', 'ring');
    } catch (err) {
      settingsError = new Error(`access-window settings: ${errorText(err)}`);
      showStatus(node, 'red', errorText(err), 'ring');
      node.error(settingsError.message);
    }

    node.on('input', (msg: NodeMessage, send, done) => {
      if (!options) {
        reportInputError(node, settingsError, msg, done);
        return;
      }
      try {
        const input = readInput(msg, config.name);
        const window = windowFor(input.booking, options, input.overrides);
        const payload: WindowMessage = { kind: 'window', change: input.change, booking: input.booking, window };
        msg.topic = input.booking.id;
        msg.payload = payload;
        showWindowStatus(node, window, input.change, clock.now());
        send(msg);
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

/** The node's settings as window options; throws what the host got wrong. */
function readSettings(config: AccessWindowDef): WindowOptions {
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
  // Locks may come with each booking (msg.overrides.locks), so only warn about an empty list.
  validateWindowOptions({ ...options, locks: options.locks.length > 0 ? options.locks : ['(per booking)'] });
  return options;
}

/** Unlike numberSetting, a typo is an error: a buffer silently read as 0 would lock a guest out. */
function numberOption(value: unknown, fallback: number, label: string): number {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`${label}: "${String(value)}" is not a number`);
  if (parsed < 0) throw new Error(`${label} must be 0 or more (got ${parsed})`);
  return parsed;
}

function lockList(value: unknown): string[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : [];
  return items.map((item) => (typeof item === 'string' ? item.trim() : '')).filter((item) => item !== '');
}

/** A BookingMessage from booking-source, or a plain booking from a webhook, a file or a test. */
function readInput(msg: NodeMessage, defaultUnit: string | undefined): BookingInput {
  const payload = msg.payload;
  if (!payload || typeof payload !== 'object') throw new Error('access-window needs a booking in msg.payload');
  const record = payload as Record<string, unknown>;
  if (record.kind !== undefined && record.kind !== 'booking') {
    throw new Error(`access-window takes bookings, not "${String(record.kind)}" messages`);
  }
  const raw = record.kind === 'booking' ? record.booking : record;
  const change = readChange(record.kind === 'booking' ? record.change : msg.change);
  const booking = parseBooking(raw, { unit: text(defaultUnit) });
  const overrides = readOverrides(msg.overrides, raw as Record<string, unknown>, booking.id);
  return { booking, change, overrides };
}

function readChange(value: unknown): BookingChange {
  // A booking without a change is a new or changed one; downstream treats both alike.
  if (value === undefined || value === null || value === '') return 'changed';
  if (CHANGES.includes(value as BookingChange)) return value as BookingChange;
  throw new Error(`change must be created, changed or cancelled (got ${JSON.stringify(value)})`);
}

/** msg.overrides beats the booking's own checkInTime / checkOutTime (early check-in, late checkout). */
function readOverrides(value: unknown, booking: Record<string, unknown>, bookingId: string): WindowOverrides {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new Error(`booking ${bookingId}: msg.overrides must be an object like {checkIn: "14:00"}`);
  }
  const given = (value ?? {}) as Record<string, unknown>;
  const overrides: WindowOverrides = {};
  const checkIn = timeOverride(given.checkIn, 'checkIn', bookingId) ?? timeOverride(booking.checkInTime, 'checkInTime', bookingId);
  const checkOut = timeOverride(given.checkOut, 'checkOut', bookingId) ?? timeOverride(booking.checkOutTime, 'checkOutTime', bookingId);
  if (checkIn) overrides.checkIn = checkIn;
  if (checkOut) overrides.checkOut = checkOut;
  if (given.locks !== undefined) {
    const locks = lockList(given.locks);
    if (locks.length === 0) throw new Error(`booking ${bookingId}: msg.overrides.locks names no lock`);
    overrides.locks = locks;
  }
  return overrides;
}

function timeOverride(value: unknown, field: string, bookingId: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`booking ${bookingId}: ${field} must be a time like "14:00"`);
  return value;
}

function showWindowStatus(node: Node, window: AccessWindow, change: BookingChange, now: Date): void {
  if (change === 'cancelled') {
    showStatus(node, 'grey', `${window.unit}: cancelled`, 'ring');
    return;
  }
  const ahead = Date.parse(window.checkInAt) - now.getTime();
  if (ahead >= DAY_MS) {
    showStatus(node, 'green', `${window.unit}: in ${Math.floor(ahead / DAY_MS)} d`);
    return;
  }
  const ended = Date.parse(window.endsAt) <= now.getTime();
  showStatus(node, ended ? 'grey' : 'green', `${window.unit}: ${shortLocal(window.checkInAt, window.timeZone)}`);
}

/** "10 Jul 16:00" on the property's clocks. */
function shortLocal(instant: string, zone: string): string {
  const local = instantToZoned(new Date(instant), zone);
  const month = MONTHS[Number(local.date.slice(5, 7)) - 1];
  return `${Number(local.date.slice(8, 10))} ${month} ${local.time}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
