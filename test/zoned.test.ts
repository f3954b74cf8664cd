import { strict as assert } from 'node:assert';
import {
  addDays,
  formatLocal,
  formatTimeOfDay,
  instantToZoned,
  isTimeZone,
  normalizeTimeZone,
  parseDate,
  parseTimeOfDay,
  zonedToInstant,
  zoneOffsetMinutes,
} from '../lib/time/zoned';

const at = (iso: string) => new Date(iso);
const instant = (date: string, time: string, zone: string) => zonedToInstant({ date, time }, zone).toISOString();

describe('zoned time: ordinary days', () => {
  // [zone, winter-ish date, its offset, summer-ish date, its offset] (southern zones have summer in January)
  const cases: [string, string, number, string, number][] = [
    ['Europe/Lisbon', '2026-01-15', 0, '2026-07-10', 60],
    ['America/New_York', '2026-01-15', -300, '2026-07-10', -240],
    ['Australia/Sydney', '2026-07-10', 600, '2026-01-15', 660],
    ['Asia/Kolkata', '2026-01-15', 330, '2026-07-10', 330],
    ['Pacific/Chatham', '2026-07-10', 765, '2026-01-15', 825],
    ['UTC', '2026-01-15', 0, '2026-07-10', 0],
  ];

  for (const [zone, firstDate, firstOffset, secondDate, secondOffset] of cases) {
    it(`reads 16:00 in ${zone} with the offset in force that day`, () => {
      for (const [date, offset] of [[firstDate, firstOffset], [secondDate, secondOffset]] as const) {
        const expected = new Date(Date.parse(`${date}T16:00:00Z`) - offset * 60_000).toISOString();
        assert.equal(instant(date, '16:00', zone), expected, `${zone} ${date}`);
        assert.equal(zoneOffsetMinutes(zone, at(expected)), offset);
        assert.deepEqual(instantToZoned(at(expected), zone), { date, time: '16:00' });
      }
    });
  }

  it('gives the exact instants hosts expect for a July check-in', () => {
    assert.equal(instant('2026-07-10', '16:00', 'Europe/Lisbon'), '2026-07-10T15:00:00.000Z');
    assert.equal(instant('2026-07-10', '16:00', 'America/New_York'), '2026-07-10T20:00:00.000Z');
    assert.equal(instant('2026-07-10', '16:00', 'Australia/Sydney'), '2026-07-10T06:00:00.000Z');
    assert.equal(instant('2026-07-10', '16:00', 'Asia/Kolkata'), '2026-07-10T10:30:00.000Z');
    assert.equal(instant('2026-07-10', '16:00', 'Pacific/Chatham'), '2026-07-10T03:15:00.000Z');
    assert.equal(instant('2026-07-10', '16:00', 'UTC'), '2026-07-10T16:00:00.000Z');
  });

  it('crosses the date line: 09:00 in Chatham is the previous day in UTC', () => {
    assert.equal(instant('2026-07-10', '09:00', 'Pacific/Chatham'), '2026-07-09T20:15:00.000Z');
    assert.deepEqual(instantToZoned(at('2026-07-09T20:15:00Z'), 'Pacific/Chatham'), { date: '2026-07-10', time: '09:00' });
  });

  it('ignores seconds and milliseconds when finding an offset', () => {
    assert.equal(zoneOffsetMinutes('Asia/Kolkata', at('2026-07-10T10:30:59.999Z')), 330);
    assert.equal(zoneOffsetMinutes('Pacific/Chatham', at('2026-07-10T03:15:00.001Z')), 765);
  });
});

describe('zoned time: spring forward (a gap in the clock)', () => {
  it('moves 02:30 in New York forward by the gap to 03:30 EDT', () => {
    const result = zonedToInstant({ date: '2026-03-08', time: '02:30' }, 'America/New_York');
    assert.equal(result.toISOString(), '2026-03-08T07:30:00.000Z');
    assert.deepEqual(instantToZoned(result, 'America/New_York'), { date: '2026-03-08', time: '03:30' });
  });

  it('moves 02:30 in Sydney (October, southern spring) forward to 03:30 AEDT', () => {
    const result = zonedToInstant({ date: '2026-10-04', time: '02:30' }, 'Australia/Sydney');
    assert.equal(result.toISOString(), '2026-10-03T16:30:00.000Z');
    assert.deepEqual(instantToZoned(result, 'Australia/Sydney'), { date: '2026-10-04', time: '03:30' });
  });

  it('moves 01:30 in Lisbon (its gap is 01:00-02:00) forward to 02:30 WEST', () => {
    const result = zonedToInstant({ date: '2026-03-29', time: '01:30' }, 'Europe/Lisbon');
    assert.equal(result.toISOString(), '2026-03-29T01:30:00.000Z');
    assert.deepEqual(instantToZoned(result, 'Europe/Lisbon'), { date: '2026-03-29', time: '02:30' });
  });

  it('moves 03:00 in Chatham (gap 02:45-03:45) forward to 04:00', () => {
    const result = zonedToInstant({ date: '2026-09-27', time: '03:00' }, 'Pacific/Chatham');
    assert.equal(result.toISOString(), '2026-09-26T14:15:00.000Z');
    assert.deepEqual(instantToZoned(result, 'Pacific/Chatham'), { date: '2026-09-27', time: '04:00' });
  });

  it('keeps the minutes either side of the gap exact', () => {
    assert.equal(instant('2026-03-08', '01:59', 'America/New_York'), '2026-03-08T06:59:00.000Z');
    assert.equal(instant('2026-03-08', '03:00', 'America/New_York'), '2026-03-08T07:00:00.000Z');
    assert.equal(instant('2026-03-08', '16:00', 'America/New_York'), '2026-03-08T20:00:00.000Z');
  });
});

describe('zoned time: fall back (an hour that happens twice)', () => {
  it('takes the first 01:30 in New York (EDT)', () => {
    assert.equal(instant('2026-11-01', '01:30', 'America/New_York'), '2026-11-01T05:30:00.000Z');
  });

  it('takes the first 01:30 in Lisbon (WEST)', () => {
    assert.equal(instant('2026-10-25', '01:30', 'Europe/Lisbon'), '2026-10-25T00:30:00.000Z');
  });

  it('takes the first 02:30 in Sydney (April, southern autumn, AEDT)', () => {
    assert.equal(instant('2026-04-05', '02:30', 'Australia/Sydney'), '2026-04-04T15:30:00.000Z');
  });

  it('takes the first 03:00 in Chatham (+13:45)', () => {
    assert.equal(instant('2026-04-05', '03:00', 'Pacific/Chatham'), '2026-04-04T13:15:00.000Z');
  });

  it('keeps the minutes either side of the repeated hour exact', () => {
    assert.equal(instant('2026-11-01', '00:59', 'America/New_York'), '2026-11-01T04:59:00.000Z');
    assert.equal(instant('2026-11-01', '02:00', 'America/New_York'), '2026-11-01T07:00:00.000Z');
    assert.equal(instant('2026-11-01', '11:00', 'America/New_York'), '2026-11-01T16:00:00.000Z');
  });

  it('shows both occurrences as the same wall time', () => {
    assert.deepEqual(instantToZoned(at('2026-11-01T05:30:00Z'), 'America/New_York'), { date: '2026-11-01', time: '01:30' });
    assert.deepEqual(instantToZoned(at('2026-11-01T06:30:00Z'), 'America/New_York'), { date: '2026-11-01', time: '01:30' });
  });
});

describe('zoned time: every zone the runtime knows, through 2026', () => {
  const zones = Intl.supportedValuesOf('timeZone');
  const start = Date.parse('2026-01-01T00:00:00Z');
  const end = Date.parse('2027-01-01T00:00:00Z');
  const STEP = 6 * 3600_000;

  /** Each offset change in [from, to), to the minute. */
  function transitions(zone: string): { at: number; before: number; after: number }[] {
    const found: { at: number; before: number; after: number }[] = [];
    let previous = zoneOffsetMinutes(zone, new Date(start));
    for (let t = start + STEP; t < end; t += STEP) {
      const offset = zoneOffsetMinutes(zone, new Date(t));
      if (offset === previous) continue;
      let low = t - STEP;
      let high = t;
      while (high - low > 60_000) {
        const middle = low + Math.floor((high - low) / 120_000) * 60_000;
        if (zoneOffsetMinutes(zone, new Date(middle)) === previous) low = middle;
        else high = middle;
      }
      found.push({ at: high, before: previous, after: offset });
      previous = offset;
    }
    return found;
  }

  const wallOf = (millis: number, offset: number) => {
    const iso = new Date(millis + offset * 60_000).toISOString();
    return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
  };

  it('moves gap times forward by the gap and takes the first of repeated times', function () {
    this.timeout(120_000);
    let checked = 0;
    for (const zone of zones) {
      for (const change of transitions(zone)) {
        const shift = change.after - change.before;
        const middle = Math.abs(shift) / 2;
        if (shift > 0) {
          // Half-way through the gap on the old clock: lands half-way past the jump.
          const wall = wallOf(change.at + middle * 60_000, change.before);
          assert.equal(zonedToInstant(wall, zone).getTime(), change.at + middle * 60_000, `${zone} gap ${JSON.stringify(wall)}`);
        } else {
          // Half-way through the repeated time: the first occurrence is still on the old offset.
          const first = change.at - middle * 60_000;
          const wall = wallOf(first, change.before);
          assert.equal(zonedToInstant(wall, zone).getTime(), first, `${zone} overlap ${JSON.stringify(wall)}`);
        }
        checked++;
      }
    }
    // Dozens of zones change their clocks in 2026; finding none would mean the scan is broken.
    assert.ok(checked > 50, `only ${checked} transitions found`);
  });

  it('reads back every wall time it produces', function () {
    this.timeout(120_000);
    for (const zone of zones) {
      for (let t = start; t < end; t += 7 * 24 * 3600_000 + 37 * 60_000) {
        const whole = new Date(Math.floor(t / 60_000) * 60_000);
        const wall = instantToZoned(whole, zone);
        const back = zonedToInstant(wall, zone);
        assert.deepEqual(instantToZoned(back, zone), wall, `${zone} at ${whole.toISOString()}`);
        // Equal, or the first of two occurrences of a repeated time.
        assert.ok(back.getTime() <= whole.getTime(), `${zone} at ${whole.toISOString()}`);
      }
    }
  });
});

describe('zoned time: parsing what hosts type', () => {
  it('accepts HH:MM and H:MM, and rejects anything else clearly', () => {
    assert.deepEqual(parseTimeOfDay('16:00'), { hour: 16, minute: 0 });
    assert.deepEqual(parseTimeOfDay(' 9:05 '), { hour: 9, minute: 5 });
    assert.equal(formatTimeOfDay('9:05'), '09:05');
    for (const bad of ['24:00', '16:60', '4pm', '', '16', '1600', '-1:00']) {
      assert.throws(() => parseTimeOfDay(bad), /is not a time of day/, bad);
    }
    assert.throws(() => parseTimeOfDay(undefined as unknown as string), /is not a time of day/);
  });

  it('rejects impossible calendar dates', () => {
    assert.deepEqual(parseDate('2028-02-29'), { year: 2028, month: 2, day: 29 });
    assert.throws(() => parseDate('2026-02-29'), /not a calendar date/);
    assert.throws(() => parseDate('2026-13-01'), /not a calendar date/);
    assert.throws(() => parseDate('10/07/2026'), /not a date/);
  });

  it('knows IANA zones and turns away the rest', () => {
    for (const zone of ['Europe/Lisbon', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham', 'UTC']) {
      assert.ok(isTimeZone(zone), zone);
    }
    for (const zone of ['Mars/Olympus', '', 'Lisbon', '   ']) assert.equal(isTimeZone(zone), false, zone);
    assert.throws(() => zonedToInstant({ date: '2026-07-10', time: '16:00' }, 'Mars/Olympus'), /not an IANA time zone/);
  });

  it('tidies the case of a zone but keeps the name the host chose', () => {
    assert.equal(normalizeTimeZone(' europe/lisbon '), 'Europe/Lisbon');
    assert.equal(normalizeTimeZone('Asia/Kolkata'), 'Asia/Kolkata');
    assert.throws(() => normalizeTimeZone('Europe/Atlantis'), /not an IANA time zone/);
  });

  it('adds days across month ends, leap days and DST changes', () => {
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('2028-02-28', 1), '2028-02-29');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2026-03-28', 2), '2026-03-30');
  });

  it('formats an instant on the property clock for messages', () => {
    assert.equal(formatLocal(at('2026-07-10T15:00:00Z'), 'Europe/Lisbon'), 'Fri 10 Jul 2026, 16:00');
    assert.equal(formatLocal(at('2026-07-10T15:00:00Z'), 'Asia/Kolkata'), 'Fri 10 Jul 2026, 20:30');
    assert.equal(formatLocal(at('2026-11-01T05:30:00Z'), 'America/New_York'), 'Sun 1 Nov 2026, 01:30');
    assert.match(formatLocal(at('2026-07-10T15:00:00Z'), 'Europe/Lisbon', 'pt-PT'), /16:00/);
  });

  it('refuses an invalid date instead of returning nonsense', () => {
    assert.throws(() => zoneOffsetMinutes('UTC', new Date('garbage')), /invalid date/);
  });
});
