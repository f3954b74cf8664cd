'use strict';
// The demo's "now": the wall clock, or STAYKEY_NOW so a test (or a host trying the demo) picks the day
// and hour the demo starts at. From there it runs at real speed, so timers and the UI behave as usual.

// A date and a time, then Z, an offset, or nothing (the time on this machine's wall, in its zone, which is
// the zone the demo's access-window uses). Fixed-length parts, so it runs in linear time.
const FORMAT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?$/;

/** The instant STAYKEY_NOW names, or undefined when it is unset or empty; throws on anything else. */
function chosenNow(text) {
  if (text === undefined || text === '') return undefined;
  const parts = FORMAT.exec(text);
  const at = parts ? new Date(text) : undefined;
  if (!parts || Number.isNaN(at.getTime()) || !isRealDay(Number(parts[1]), Number(parts[2]), Number(parts[3]))) {
    throw new Error(`STAYKEY_NOW "${text.slice(0, 40)}" is not a date and time like 2026-07-14T09:00 (this machine's zone) or 2026-07-14T09:00:00Z`);
  }
  return at;
}

// new Date() reads 30 February as 2 March; a day that does not exist is a typo, not a wish.
function isRealDay(year, month, day) {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The calendar day `now` falls on in this machine's zone, as midnight UTC (what demoFeed counts from). */
function localDay(now) {
  return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
}

module.exports = { chosenNow, localDay };
