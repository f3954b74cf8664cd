import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// The compiled core, as a child process running in another server zone would load it.
const compiledLib = path.resolve(__dirname, '..', 'lib');

/** Conversions a property relies on, computed by a fresh Node process whose own zone is `serverZone`. */
function conversionsUnder(serverZone: string): unknown {
  const script = `
    const zoned = require(${JSON.stringify(path.join(compiledLib, 'time', 'zoned.js'))});
    const { windowFor, defaultWindowOptions } = require(${JSON.stringify(path.join(compiledLib, 'windows', 'window.js'))});
    const out = { serverZone: zoned.serverTimeZone(), localHourOfEpoch: new Date(0).getHours() };
    const cases = [
      ['Europe/Lisbon', '2026-07-10', '16:00'], ['America/New_York', '2026-03-08', '02:30'],
      ['America/New_York', '2026-11-01', '01:30'], ['Australia/Sydney', '2026-10-04', '02:30'],
      ['Asia/Kolkata', '2026-07-10', '16:00'], ['Pacific/Chatham', '2026-04-05', '03:00'], ['UTC', '2026-07-10', '16:00'],
    ];
    out.instants = cases.map(([zone, date, time]) => zoned.zonedToInstant({ date, time }, zone).toISOString());
    out.walls = cases.map(([zone], i) => zoned.instantToZoned(new Date(out.instants[i]), zone));
    out.offsets = cases.map(([zone], i) => zoned.zoneOffsetMinutes(zone, new Date(out.instants[i])));
    out.window = windowFor(
      { id: 'b1', unit: 'Room 101', source: 'test', arrival: '2026-07-10', departure: '2026-07-13', arrivalAt: '2026-07-10T14:00' },
      { ...defaultWindowOptions, timeZone: 'Europe/Lisbon', locks: ['front-door'], honourFeedTimes: true });
    out.addDays = zoned.addDays('2026-03-28', 2);
    process.stdout.write(JSON.stringify(out));
  `;
  const output = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, TZ: serverZone }, encoding: 'utf8' });
  return JSON.parse(output);
}

describe('zoned time does not depend on the server zone', () => {
  const expected = {
    instants: [
      '2026-07-10T15:00:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-10-03T16:30:00.000Z',
      '2026-07-10T10:30:00.000Z',
      '2026-04-04T13:15:00.000Z',
      '2026-07-10T16:00:00.000Z',
    ],
    walls: [
      { date: '2026-07-10', time: '16:00' },
      { date: '2026-03-08', time: '03:30' },
      { date: '2026-11-01', time: '01:30' },
      { date: '2026-10-04', time: '03:30' },
      { date: '2026-07-10', time: '16:00' },
      { date: '2026-04-05', time: '03:00' },
      { date: '2026-07-10', time: '16:00' },
    ],
    offsets: [60, -240, -240, 660, 330, 825, 0],
    window: {
      bookingId: 'b1',
      unit: 'Room 101',
      locks: ['front-door'],
      timeZone: 'Europe/Lisbon',
      checkInAt: '2026-07-10T13:00:00.000Z',
      checkOutAt: '2026-07-13T10:00:00.000Z',
      startsAt: '2026-07-10T13:00:00.000Z',
      endsAt: '2026-07-13T10:00:00.000Z',
      issueAt: '2026-07-08T13:00:00.000Z',
    },
    addDays: '2026-03-30',
  };

  for (const [serverZone, epochHour] of [['Pacific/Honolulu', 14], ['America/St_Johns', 20], ['Australia/Lord_Howe', 10]] as const) {
    it(`gives the same answers on a server set to ${serverZone}`, () => {
      const result = conversionsUnder(serverZone) as Record<string, unknown>;
      // Proves the child really ran in that zone, so the comparison means something.
      assert.equal(result.serverZone, serverZone);
      assert.equal(result.localHourOfEpoch, epochHour);
      const { serverZone: _zone, localHourOfEpoch: _hour, ...answers } = result;
      assert.deepEqual(answers, expected);
    });
  }

  it('uses no local-time Date methods in the time core', () => {
    const localMethods = /\.(get|set)(FullYear|Month|Date|Day|Hours|Minutes|Seconds|Milliseconds)\(|getTimezoneOffset|toLocale|toTimeString|toDateString|new Date\(\d+\s*,/;
    for (const file of ['time/zoned.ts', 'windows/window.ts']) {
      const source = fs.readFileSync(path.resolve(__dirname, '..', '..', 'lib', file), 'utf8');
      const offending = source.split('\n').filter((line) => localMethods.test(line));
      assert.deepEqual(offending, [], file);
    }
  });
});
