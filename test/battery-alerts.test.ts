import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  backupReminders,
  CheckKind,
  classWithMargin,
  digests,
  emptyMemory,
  LockNews,
  review,
  WatchMemory,
} from '../lib/battery/alerts';
import { defaultThresholds, readingFor } from '../lib/battery/battery';
import { loadMemory, saveMemory } from '../lib/battery/watch-memory';
import type { LockConfig, LockStatus } from '../lib/locks/provider';
import type { BatteryReading } from '../lib/messages';

/** The memory as its file holds it: its records of locks have no prototype (lock ids are keys). */
function asSaved(memory: WatchMemory): WatchMemory {
  return JSON.parse(JSON.stringify(memory)) as WatchMemory;
}

const rules = { codeLengths: [6], firstSlot: 1, lastSlot: 20 };
const frontDoor: LockConfig = { id: 'front-door', name: 'Front door', schedules: false, rules, batteryType: '4x AA', property: 'Sea View' };
const gate: LockConfig = { id: 'gate', name: 'Main gate', schedules: true, rules, batteryType: 'CR123A', property: 'Sea View' };
const cabin: LockConfig = { id: 'cabin', name: 'Cabin', schedules: false, rules, property: 'Hill Cabin' };
const locks = [frontDoor, gate, cabin];

/** One reading per lock: a level, or 'offline'. */
function readings(levels: Record<string, number | 'offline'>): BatteryReading[] {
  return locks
    .filter((lock) => levels[lock.id] !== undefined)
    .map((lock) => {
      const level = levels[lock.id];
      const status: LockStatus = level === 'offline' ? { lockId: lock.id, online: false, battery: 70 } : { lockId: lock.id, online: true, battery: level };
      return readingFor(lock, status, defaultThresholds);
    });
}

/** Runs checks one after another, as battery-watch does, carrying the memory along. */
class Checks {
  memory: WatchMemory = emptyMemory();

  run(day: string, kind: CheckKind, levels: Record<string, number | 'offline'>): Map<string, LockNews[]> {
    const result = review(readings(levels), this.memory, {
      today: day,
      kind,
      now: new Date(`${day}T08:00:00Z`),
      thresholdsOf: () => defaultThresholds,
    });
    this.memory = result.memory;
    return result.news;
  }
}

function newsOf(news: Map<string, LockNews[]>): Record<string, LockNews[]> {
  return Object.fromEntries(news);
}

describe('battery alerts', () => {
  describe('review: when a lock is news', () => {
    it('says nothing about healthy locks, first time or any time', () => {
      const checks = new Checks();
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'daily', { 'front-door': 100, gate: 80 })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { 'front-door': 99, gate: 79 })), {});
    });

    it('alerts when a lock changes class, and not again while it stays replace-soon', () => {
      const checks = new Checks();
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'daily', { 'front-door': 35 })), { 'front-door': ['worse'] });
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { 'front-door': 33 })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-03', 'daily', { 'front-door': 30 })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-04', 'daily', { 'front-door': 12 })), { 'front-door': ['worse'] });
    });

    it('repeats a critical lock once a day on the daily check, never on a check asked for', () => {
      const checks = new Checks();
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'daily', { gate: 10 })), { gate: ['worse'] });
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'on-demand', { gate: 9 })), {}, 'already told today');
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'on-demand', { gate: 9 })), {}, 'a check asked for only says what is new');
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { gate: 9 })), { gate: ['still-critical'] });
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { gate: 9 })), {}, 'never twice the same day');
      assert.deepEqual(newsOf(checks.run('2026-07-03', 'daily', { gate: 8 })), { gate: ['still-critical'] });
    });

    it('does not repeat on the daily check what a check asked for said earlier that day', () => {
      const checks = new Checks();
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'on-demand', { gate: 10 })), { gate: ['worse'] });
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'daily', { gate: 10 })), {});
    });

    it('says once that a lock is healthy again after a battery change', () => {
      const checks = new Checks();
      checks.run('2026-07-01', 'daily', { gate: 10 });
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'on-demand', { gate: 100 })), { gate: ['replaced'] });
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { gate: 100 })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-03', 'daily', { gate: 99 })), {});
    });

    it('says so when a critical lock climbs to replace-soon', () => {
      const checks = new Checks();
      checks.run('2026-07-01', 'daily', { gate: 10 });
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { gate: 30 })), { gate: ['better'] });
      assert.deepEqual(newsOf(checks.run('2026-07-03', 'daily', { gate: 30 })), {}, 'replace-soon is not repeated');
    });

    it('does not flap when a level wavers around a threshold', () => {
      const checks = new Checks();
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'daily', { 'front-door': 39 })), { 'front-door': ['worse'] });
      for (const [day, level] of [['2026-07-02', 41], ['2026-07-03', 39], ['2026-07-04', 43], ['2026-07-05', 38]] as const) {
        assert.deepEqual(newsOf(checks.run(day, 'daily', { 'front-door': level })), {}, `${level} % on ${day}`);
      }
      assert.deepEqual(newsOf(checks.run('2026-07-06', 'daily', { 'front-door': 45 })), { 'front-door': ['replaced'] });
    });

    it('moves up a class only with the margin to spare', () => {
      assert.equal(classWithMargin(42, 'critical', defaultThresholds), 'replace-soon');
      assert.equal(classWithMargin(18, 'critical', defaultThresholds), 'critical');
      assert.equal(classWithMargin(20, 'critical', defaultThresholds), 'replace-soon');
      assert.equal(classWithMargin(45, 'critical', defaultThresholds), 'healthy');
      assert.equal(classWithMargin(39, 'healthy', defaultThresholds), 'replace-soon', 'down at once');
    });

    it('alerts once when a lock goes offline, again each day it stays so, and once when it is back', () => {
      const checks = new Checks();
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'on-demand', { cabin: 'offline' })), { cabin: ['unreachable'] });
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'on-demand', { cabin: 'offline' })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-01', 'daily', { cabin: 'offline' })), {}, 'told today already');
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'on-demand', { cabin: 'offline' })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'daily', { cabin: 'offline' })), { cabin: ['still-unreachable'] });
      assert.deepEqual(newsOf(checks.run('2026-07-02', 'on-demand', { cabin: 80 })), { cabin: ['reachable'] });
      assert.deepEqual(newsOf(checks.run('2026-07-03', 'daily', { cabin: 80 })), {});
      assert.deepEqual(newsOf(checks.run('2026-07-04', 'on-demand', { cabin: 'offline' })), { cabin: ['unreachable'] }, 'a new spell');
    });

    it('forgets locks that left the locks config', () => {
      const checks = new Checks();
      checks.run('2026-07-01', 'daily', { gate: 10, cabin: 30 });
      checks.run('2026-07-02', 'daily', { gate: 10 });
      assert.deepEqual(Object.keys(checks.memory.locks), ['gate']);
    });
  });

  describe('digests', () => {
    it('sends one message per property with news, listing every lock of it with level and advice', () => {
      const now = readings({ 'front-door': 30, gate: 90, cabin: 90 });
      const news = new Map<string, LockNews[]>([['front-door', ['worse']]]);
      const sent = digests(now, news);
      assert.equal(sent.length, 1, 'Hill Cabin has no news');
      assert.equal(sent[0].property, 'Sea View');
      assert.equal(sent[0].alert.topic, 'battery');
      assert.equal(sent[0].alert.severity, 'warning');
      assert.deepEqual(sent[0].alert.text.split('\n'), [
        'Battery check, Sea View:',
        'Front door 30 % replace-soon: replace the 4x AA batteries within 2 weeks',
        'Main gate 90 % healthy: ok',
      ]);
    });

    it('is critical when any lock of the property is critical or offline, and sends one message for each property', () => {
      const now = readings({ 'front-door': 90, gate: 10, cabin: 'offline' });
      const news = new Map<string, LockNews[]>([
        ['gate', ['still-critical']],
        ['cabin', ['unreachable']],
      ]);
      const sent = digests(now, news);
      assert.deepEqual(
        sent.map((d) => [d.property, d.alert.severity]),
        [
          ['Sea View', 'critical'],
          ['Hill Cabin', 'critical'],
        ],
      );
      assert.deepEqual(sent[1].alert.text.split('\n'), [
        'Battery check, Hill Cabin:',
        'Cabin offline (last 70 %): lock is offline: check it and its hub, and keep the backup key ready',
      ]);
    });

    it('says a lock has new batteries or is back online', () => {
      const now = readings({ 'front-door': 100, gate: 30 });
      const news = new Map<string, LockNews[]>([
        ['front-door', ['replaced']],
        ['gate', ['reachable']],
      ]);
      const [digest] = digests(now, news);
      assert.equal(digest.alert.severity, 'warning');
      assert.deepEqual(digest.alert.text.split('\n').slice(1), [
        'Front door 100 % healthy: new batteries, healthy again',
        'Main gate 30 % replace-soon: back online; replace the CR123A batteries within 2 weeks',
      ]);
      const [onlyGood] = digests(readings({ 'front-door': 100, gate: 90 }), new Map([['front-door', ['replaced' as LockNews]]]));
      assert.equal(onlyGood.alert.severity, 'info');
    });

    it('sends nothing when no lock has news', () => {
      assert.deepEqual(digests(readings({ 'front-door': 30, gate: 10 }), new Map()), []);
    });
  });

  describe('backup-key reminders', () => {
    const keyed = (lock: LockConfig, lastTestedOn?: string): LockConfig => ({
      ...lock,
      backupKey: { override: true, keptAt: 'lockbox by the gate', ...(lastTestedOn ? { lastTestedOn } : {}) },
    });

    it('reminds about locks without a backup key or with a key not tested for 90 days, one message per property', () => {
      const all = [keyed(frontDoor, '2026-03-01'), keyed(gate, '2026-06-01'), cabin];
      const { alerts } = backupReminders(all, emptyMemory(), '2026-07-01', 90);
      assert.deepEqual(
        alerts.map((a) => [a.property, a.alert.topic, a.alert.severity]),
        [
          ['Sea View', 'backup-key', 'warning'],
          ['Hill Cabin', 'backup-key', 'warning'],
        ],
      );
      assert.deepEqual(alerts[0].alert.text.split('\n'), [
        'Backup keys, Sea View:',
        'The backup key of Front door (in the lockbox by the gate) was last tested on 2026-03-01, 122 days ago: open the door with it again and record the date.',
      ]);
      assert.match(alerts[1].alert.text, /No backup key is recorded for Cabin: a guest could be locked out/);
    });

    it('names a lock at most once a week', () => {
      let memory = emptyMemory();
      const sent: string[] = [];
      for (let day = 1; day <= 15; day++) {
        const today = `2026-07-${String(day).padStart(2, '0')}`;
        const result = backupReminders([cabin], memory, today, 90);
        memory = result.memory;
        if (result.alerts.length > 0) sent.push(today);
      }
      assert.deepEqual(sent, ['2026-07-01', '2026-07-08', '2026-07-15']);
    });

    it('says nothing about a key tested within the period, and keeps the rest of the memory', () => {
      const memory: WatchMemory = { version: 1, locks: { 'front-door': { told: 'critical', batteryToldOn: '2026-07-01' } } };
      const result = backupReminders([keyed(frontDoor, '2026-06-01')], memory, '2026-07-01', 90);
      assert.deepEqual(result.alerts, []);
      assert.deepEqual(asSaved(result.memory), memory);
    });
  });

  describe('memory file', () => {
    let directory: string;
    beforeEach(() => {
      directory = fs.mkdtempSync(path.join(os.tmpdir(), 'staykey-battery-memory-'));
    });
    afterEach(() => fs.rmSync(directory, { recursive: true, force: true }));

    it('keeps what was told across a restart', () => {
      const file = path.join(directory, 'battery-watch', 'watch.json');
      assert.deepEqual(loadMemory(file), emptyMemory());
      const checks = new Checks();
      checks.run('2026-07-01', 'daily', { gate: 10, cabin: 'offline' });
      saveMemory(file, checks.memory);
      const restarted = new Checks();
      restarted.memory = loadMemory(file);
      assert.deepEqual(restarted.memory, checks.memory);
      assert.deepEqual(newsOf(restarted.run('2026-07-01', 'on-demand', { gate: 10, cabin: 'offline' })), {});
    });

    it('refuses a file that is not its memory, and drops entries it cannot read', () => {
      const file = path.join(directory, 'watch.json');
      fs.writeFileSync(file, '{"version":1,"locks":{"gate":{"told":"bad","batteryToldOn":"yesterday"},"x":3}}');
      assert.deepEqual(asSaved(loadMemory(file)), { version: 1, locks: { gate: { told: 'healthy' } } });
      fs.writeFileSync(file, '[1,2]');
      assert.throws(() => loadMemory(file), /is not battery-watch's memory/);
      fs.writeFileSync(file, '{"version":1,');
      assert.throws(() => loadMemory(file), /not valid JSON/);
    });
  });
});
