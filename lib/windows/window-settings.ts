/**
 * access-window's settings as the editor saves them: the property's times, zone, buffers and locks,
 * read once at deploy. A typo is an error here, not a default: a wrong buffer locks a guest out.
 */
import { lockList } from '../messages/parse-booking';
import { text } from '../messages/text';
import { shown } from '../shown';
import { isTimeZone, normalizeTimeZone, serverTimeZone } from '../time/zoned';
import { parseUnitLocks, UnitLocks } from './units';
import { defaultWindowOptions, validateWindowOptions, WindowOptions } from './window';

/** The node's config, as saved; an older flow leaves out what it did not know yet. */
export interface AccessWindowSettings {
  name?: string;
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

export interface WindowSettings {
  options: WindowOptions;
  unitLocks: UnitLocks;
  /** The node's name: the unit of plain bookings and codes that name none. */
  unit?: string;
}

/** The node's settings; throws what the host got wrong. */
export function readWindowSettings(config: AccessWindowSettings): WindowSettings {
  return { options: readWindowOptions(config), unitLocks: parseUnitLocks(config.unitLocks), unit: text(config.name) };
}

function readWindowOptions(config: AccessWindowSettings): WindowOptions {
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

/** Neither a lock list nor unit locks: every booking must bring its own (msg.overrides.locks). */
export function hasNoLocks(settings: WindowSettings): boolean {
  return settings.options.locks.length === 0 && settings.unitLocks.size === 0;
}
