import { addDays, instantToZoned, parseDate, parseTimeOfDay, zonedToInstant } from '../time/zoned';
import type { AccessWindow, WeeklyHours } from './window';

export interface Period {
  startsAt: string;
  endsAt: string;
}

const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Weekdays as hosts write them: 1-7 (Monday 1) or names ("mon", "Monday"). */
export function parseWeekdays(value: unknown): number[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [value];
  const days = items
    .filter((item) => item !== '' && item !== undefined)
    .map((item) => {
      if (typeof item === 'number' && Number.isInteger(item) && item >= 1 && item <= 7) return item;
      const text = String(item).trim().toLowerCase();
      if (/^[1-7]$/.test(text)) return Number(text);
      const index = DAY_NAMES.findIndex((name) => text.length >= 3 && name.startsWith(text));
      if (index >= 0) return index + 1;
      throw new Error(`"${String(item)}" is not a weekday (Monday to Sunday, or 1 to 7)`);
    });
  if (days.length === 0) throw new Error('name at least one weekday');
  return [...new Set(days)].sort();
}

export function validateWeeklyHours(hours: WeeklyHours): void {
  parseWeekdays(hours.weekdays);
  parseTimeOfDay(hours.from);
  parseTimeOfDay(hours.to);
  if (hours.from === hours.to) throw new Error('weekly hours must not start and end at the same time');
}

function isoWeekday(date: string): number {
  const { year, month, day } = parseDate(date);
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

/** The occurrence of `hours` that starts on `date`, on the clocks of `zone`. */
function occurrenceOn(date: string, hours: WeeklyHours, zone: string): Period {
  const start = zonedToInstant({ date, time: hours.from }, zone);
  const endDate = hours.to > hours.from ? date : addDays(date, 1);
  const end = zonedToInstant({ date: endDate, time: hours.to }, zone);
  return { startsAt: start.toISOString(), endsAt: end.toISOString() };
}

/**
 * When a code works next: the whole window for an ordinary code, or for staff hours the occurrence
 * going on at `now` or the next one, clipped to the window; undefined once none is left.
 */
export function periodAround(window: AccessWindow, now: Date): Period | undefined {
  const whole = { startsAt: window.startsAt, endsAt: window.endsAt };
  if (Date.parse(window.endsAt) <= now.getTime()) return undefined;
  if (!window.weekly) return whole;
  const from = new Date(Math.max(now.getTime(), Date.parse(window.startsAt)));
  // Start a day early: hours that pass midnight may have begun yesterday.
  let date = addDays(instantToZoned(from, window.timeZone).date, -1);
  for (let i = 0; i < 9; i++, date = addDays(date, 1)) {
    if (!window.weekly.weekdays.includes(isoWeekday(date))) continue;
    const period = clip(occurrenceOn(date, window.weekly, window.timeZone), whole);
    if (period && Date.parse(period.endsAt) > now.getTime()) return period;
  }
  return undefined;
}

function clip(period: Period, within: Period): Period | undefined {
  const startsAt = Math.max(Date.parse(period.startsAt), Date.parse(within.startsAt));
  const endsAt = Math.min(Date.parse(period.endsAt), Date.parse(within.endsAt));
  if (endsAt <= startsAt) return undefined;
  return { startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() };
}
