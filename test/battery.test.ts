import { strict as assert } from 'node:assert';
import { classify, defaultThresholds, describe as describeReading, readingFor, report, thresholdsFor, unreachableReading, validateThresholds } from '../lib/battery/battery';
import { locksFromRows } from '../lib/locks/lock-rows';
import type { LockConfig, LockStatus } from '../lib/locks/provider';

const frontDoor: LockConfig = {
  id: 'front-door',
  name: 'Front door',
  schedules: false,
  rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 },
  batteryType: '4x AA',
};
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: true, rules: { codeLengths: [4], firstSlot: 1, lastSlot: 10 } };

function status(lockId: string, battery: number | null, online = true): LockStatus {
  return { lockId, online, battery };
}

describe('battery', () => {
  describe('classify', () => {
    it('calls a lock at the replace-soon threshold healthy and just below it replace-soon', () => {
      assert.equal(classify(40), 'healthy');
      assert.equal(classify(39.9), 'replace-soon');
      assert.equal(classify(100), 'healthy');
    });

    it('calls a lock at the critical threshold replace-soon and just below it critical', () => {
      assert.equal(classify(15), 'replace-soon');
      assert.equal(classify(14.9), 'critical');
      assert.equal(classify(0), 'critical');
    });

    it('calls a level the lock never reported unknown', () => {
      assert.equal(classify(null), 'unknown');
      assert.equal(classify(Number.NaN), 'unknown');
    });

    it('uses the host’s own thresholds', () => {
      const thresholds = { replaceSoonBelow: 50, criticalBelow: 25 };
      assert.equal(classify(45, thresholds), 'replace-soon');
      assert.equal(classify(20, thresholds), 'critical');
      assert.equal(classify(45, defaultThresholds), 'healthy');
    });
  });

  describe('validateThresholds', () => {
    it('accepts the defaults and equal thresholds', () => {
      validateThresholds(defaultThresholds);
      validateThresholds({ replaceSoonBelow: 20, criticalBelow: 20 });
    });

    it('rejects a critical threshold above the replace-soon one', () => {
      assert.throws(() => validateThresholds({ replaceSoonBelow: 40, criticalBelow: 50 }), /critical \(50\) <= replace soon \(40\)/);
    });

    it('rejects thresholds outside 0..100 or not numbers', () => {
      assert.throws(() => validateThresholds({ replaceSoonBelow: 40, criticalBelow: -1 }), /battery thresholds/);
      assert.throws(() => validateThresholds({ replaceSoonBelow: 120, criticalBelow: 15 }), /battery thresholds/);
      assert.throws(() => validateThresholds({ replaceSoonBelow: Number.NaN, criticalBelow: 15 }), /battery thresholds/);
    });
  });

  describe('readings and advice', () => {
    it('names the lock’s battery type in the advice', () => {
      const critical = readingFor(frontDoor, status('front-door', 10), defaultThresholds);
      assert.equal(critical.batteryClass, 'critical');
      assert.equal(critical.advice, 'replace the 4x AA batteries now');
      const soon = readingFor(frontDoor, status('front-door', 30), defaultThresholds);
      assert.equal(soon.advice, 'replace the 4x AA batteries within 2 weeks');
    });

    it('says "batteries" when the host gave no battery type', () => {
      assert.equal(readingFor(gate, status('gate', 10), defaultThresholds).advice, 'replace the batteries now');
    });

    it('puts an offline lock in attention even with a full battery, and says it is offline', () => {
      const offline = readingFor(gate, status('gate', 90, false), defaultThresholds);
      const healthy = readingFor(frontDoor, status('front-door', 90), defaultThresholds);
      const result = report([healthy, offline], new Date('2026-07-01T08:00:00Z'));
      assert.deepEqual(
        result.attention.map((r) => r.lockId),
        ['gate'],
      );
      assert.match(offline.advice, /offline/);
      assert.equal(describeReading(offline), 'Main gate offline (last 90 %): lock is offline: check it and its hub, and keep the backup key ready');
    });

    it('puts replace-soon and critical locks in attention, healthy and unreported ones not', () => {
      const readings = [
        readingFor(frontDoor, status('front-door', 40), defaultThresholds),
        readingFor(gate, status('gate', 39), defaultThresholds),
        readingFor({ ...gate, id: 'annex', name: 'Annex' }, status('annex', 5), defaultThresholds),
        readingFor({ ...gate, id: 'garage', name: 'Garage' }, status('garage', null), defaultThresholds),
      ];
      const result = report(readings, new Date('2026-07-01T08:00:00Z'));
      assert.equal(result.kind, 'battery-report');
      assert.equal(result.checkedAt, '2026-07-01T08:00:00.000Z');
      assert.equal(result.locks.length, 4);
      assert.deepEqual(
        result.attention.map((r) => [r.lockId, r.batteryClass]),
        [
          ['gate', 'replace-soon'],
          ['annex', 'critical'],
        ],
      );
      assert.equal(readings[3].advice, 'no battery level reported yet');
    });

    it('reads a lock its provider could not reach as offline with an unknown level', () => {
      const reading = unreachableReading(frontDoor, 'the hub does not answer');
      assert.equal(reading.online, false);
      assert.equal(reading.level, null);
      assert.equal(reading.batteryClass, 'unknown');
      assert.equal(reading.batteryType, '4x AA');
      assert.deepEqual(
        report([reading], new Date('2026-07-01T08:00:00Z')).attention.map((r) => r.lockId),
        ['front-door'],
      );
      assert.equal(describeReading(reading), 'Front door offline: could not read the lock (the hub does not answer): check it and keep the backup key ready');
    });

    it('describes a low lock in one line a host reads at a glance', () => {
      assert.equal(describeReading(readingFor(frontDoor, status('front-door', 12.4), defaultThresholds)), 'Front door 12 % critical: replace the 4x AA batteries now');
    });
  });
});

describe('battery thresholds per lock', () => {
  const defaults = { replaceSoonBelow: 40, criticalBelow: 15 };

  it('uses the lock’s own thresholds where its row gives them', () => {
    assert.deepEqual(thresholdsFor({ ...gate, replaceSoonBelow: 60, criticalBelow: 30 }, defaults), { replaceSoonBelow: 60, criticalBelow: 30 });
    assert.deepEqual(thresholdsFor(gate, defaults), defaults);
    const reading = readingFor(gate, status('gate', 25), thresholdsFor({ ...gate, criticalBelow: 30 }, defaults));
    assert.equal(reading.batteryClass, 'critical');
  });

  it('keeps the pair in order when a lock gives only one threshold', () => {
    assert.deepEqual(thresholdsFor({ ...gate, criticalBelow: 50 }, defaults), { replaceSoonBelow: 50, criticalBelow: 50 });
    assert.deepEqual(thresholdsFor({ ...gate, replaceSoonBelow: 10 }, defaults), { replaceSoonBelow: 10, criticalBelow: 10 });
    assert.deepEqual(thresholdsFor({ ...gate, replaceSoonBelow: 60 }, defaults), { replaceSoonBelow: 60, criticalBelow: 15 });
  });
});

describe('silent locks', () => {
  const now = new Date('2026-07-02T09:00:00Z');
  const hearing = { now, silentAfterMs: 24 * 3600_000 };

  it('calls a lock silent when it has not reported for longer than allowed, and puts it in attention', () => {
    const quiet = readingFor(frontDoor, { lockId: 'front-door', online: true, battery: 80, lastSeenAt: '2026-07-01T06:00:00Z' }, defaultThresholds, hearing);
    assert.equal(quiet.silent, true);
    assert.equal(quiet.online, true);
    assert.equal(quiet.lastSeenAt, '2026-07-01T06:00:00Z');
    assert.equal(describeReading(quiet), 'Front door silent (last 80 %): no report for 27 h: check the lock and its hub, and keep the backup key ready');
    assert.deepEqual(
      report([quiet], now).attention.map((r) => r.lockId),
      ['front-door'],
    );
  });

  it('does not call a lock silent that reported recently, never said when, or when silence is switched off', () => {
    const recent = readingFor(frontDoor, { lockId: 'front-door', online: true, battery: 80, lastSeenAt: '2026-07-01T10:00:00Z' }, defaultThresholds, hearing);
    const unsaid = readingFor(frontDoor, status('front-door', 80), defaultThresholds, hearing);
    const off = readingFor(frontDoor, { lockId: 'front-door', online: true, battery: 80, lastSeenAt: '2026-06-01T10:00:00Z' }, defaultThresholds, { now, silentAfterMs: 0 });
    for (const reading of [recent, unsaid, off]) {
      assert.equal(reading.silent, undefined);
      assert.equal(reading.advice, 'ok');
    }
  });

  it('names the lock’s property in its reading', () => {
    assert.equal(readingFor({ ...frontDoor, property: 'Sea View' }, status('front-door', 80), defaultThresholds).property, 'Sea View');
    assert.equal(unreachableReading({ ...frontDoor, property: 'Sea View' }, 'hub down').property, 'Sea View');
  });
});

describe('lock rows: battery fields', () => {
  const row = { id: 'front-door', name: 'Front door' };

  it('reads a lock’s property and thresholds, and leaves them out when the row has none', () => {
    const [lock] = locksFromRows([{ ...row, property: ' Sea View ', replaceSoonBelow: '50', criticalBelow: 20 }]);
    assert.equal(lock.property, 'Sea View');
    assert.equal(lock.replaceSoonBelow, 50);
    assert.equal(lock.criticalBelow, 20);
    const [old] = locksFromRows([{ ...row, codeLength: 6, firstSlot: 1, lastSlot: 20, schedules: false, batteryType: 'AA' }]);
    assert.deepEqual(Object.keys(old).sort(), ['batteryType', 'id', 'name', 'rules', 'schedules']);
    const [blank] = locksFromRows([{ ...row, property: '', replaceSoonBelow: '', criticalBelow: '' }]);
    assert.equal('replaceSoonBelow' in blank || 'criticalBelow' in blank || 'property' in blank, false);
  });

  it('refuses thresholds out of order or outside 0..100, naming the lock', () => {
    assert.throws(() => locksFromRows([{ ...row, replaceSoonBelow: 20, criticalBelow: 30 }]), /Front door: the critical battery threshold \(30 %\) must not be above the replace-soon one \(20 %\)/);
    assert.throws(() => locksFromRows([{ ...row, criticalBelow: 150 }]), /Front door: the critical threshold must be a percentage from 0 to 100/);
    assert.throws(() => locksFromRows([{ ...row, replaceSoonBelow: 'half' }]), /replace-soon threshold must be a percentage/);
  });
});
