import { strict as assert } from 'node:assert';
import { backupKeyProblem, daysBetween, fallbackFor, placeOf } from '../lib/locks/backup-keys';
import { locksFromRows } from '../lib/locks/lock-rows';
import type { LockConfig } from '../lib/locks/provider';

const frontDoor: LockConfig = { id: 'front-door', name: 'Front door', schedules: false, rules: { codeLengths: [6], firstSlot: 1, lastSlot: 20 } };

describe('backup keys', () => {
  describe('fallbackFor: the fallback a readiness alert names', () => {
    it('says where the key is and when it was last tested', () => {
      const lock = { ...frontDoor, backupKey: { override: true, keptAt: 'lockbox by the gate', lastTestedOn: '2026-03-02' } };
      assert.equal(fallbackFor(lock), 'Backup key: in the lockbox by the gate (tested 2026-03-02)');
      assert.equal(fallbackFor({ ...lock, backupKey: { override: true, keptAt: 'neighbour' } }), 'Backup key: with the neighbour (never tested)');
    });

    it('warns that a guest could be locked out when no backup key is recorded', () => {
      assert.equal(fallbackFor(frontDoor), 'No backup key is recorded for Front door: a guest could be locked out');
    });

    it('says so when no key opens the lock, or nobody recorded where the key is', () => {
      assert.equal(fallbackFor({ ...frontDoor, backupKey: { override: false } }), 'Front door has no key override: no key opens it, so a guest could be locked out');
      assert.equal(
        fallbackFor({ ...frontDoor, backupKey: { override: true, lastTestedOn: '2026-03-02' } }),
        'Front door takes a backup key, but where it is kept is not recorded: a guest could be locked out',
      );
    });
  });

  describe('placeOf', () => {
    it('reads where a key is kept as a host would say it', () => {
      assert.equal(placeOf('lockbox by the gate'), 'in the lockbox by the gate');
      assert.equal(placeOf('Key safe'), 'in the key safe');
      assert.equal(placeOf('cleaner'), 'with the cleaner');
      assert.equal(placeOf('my neighbour at no. 12'), 'with my neighbour at no. 12');
      assert.equal(placeOf('host'), 'with the host');
      assert.equal(placeOf('reception'), 'at the reception');
      assert.equal(placeOf('under the mat'), 'under the mat');
      assert.equal(placeOf('the blue flower pot'), 'in the blue flower pot');
      assert.equal(placeOf('Ana, next door'), 'Ana, next door');
    });
  });

  describe('backupKeyProblem: the reminder', () => {
    const keyed = (lastTestedOn?: string): LockConfig => ({
      ...frontDoor,
      backupKey: { override: true, keptAt: 'lockbox', ...(lastTestedOn ? { lastTestedOn } : {}) },
    });

    it('is quiet while the key was tested within the period, and speaks the day after', () => {
      assert.equal(backupKeyProblem(keyed('2026-04-02'), '2026-07-01', 90), undefined);
      assert.equal(
        backupKeyProblem(keyed('2026-04-01'), '2026-07-01', 90),
        'The backup key of Front door (in the lockbox) was last tested on 2026-04-01, 91 days ago: open the door with it again and record the date.',
      );
      assert.equal(backupKeyProblem(keyed('2026-06-01'), '2026-07-01', 20)?.includes('30 days ago'), true, 'the period is the host’s');
    });

    it('asks for a test of a key never tested, and for a fix of a test date in the future', () => {
      assert.match(backupKeyProblem(keyed(), '2026-07-01') ?? '', /has never been tested/);
      assert.match(backupKeyProblem(keyed('2062-07-01'), '2026-07-01') ?? '', /test date in the future \(2062-07-01\)/);
    });

    it('reminds about a lock without a backup key, without a key override, or without the key’s place', () => {
      assert.match(backupKeyProblem(frontDoor, '2026-07-01') ?? '', /^No backup key is recorded for Front door/);
      assert.match(backupKeyProblem({ ...frontDoor, backupKey: { override: false } }, '2026-07-01') ?? '', /no key override.*another way in/);
      assert.match(backupKeyProblem({ ...frontDoor, backupKey: { override: true } }, '2026-07-01') ?? '', /where it is kept is not recorded/);
    });

    it('counts days across months and leap years', () => {
      assert.equal(daysBetween('2028-02-28', '2028-03-01'), 2);
      assert.equal(daysBetween('2026-03-29', '2026-03-30'), 1, 'a DST night is one day');
      assert.equal(daysBetween('2026-07-02', '2026-07-01'), -1);
    });
  });

  describe('lock rows: backup key fields', () => {
    const row = { id: 'front-door', name: 'Front door' };

    it('reads whether a key opens the lock, where it is kept and when it was tested', () => {
      const [lock] = locksFromRows([{ ...row, keyOverride: 'yes', backupKeyAt: ' lockbox by the gate ', backupKeyTestedOn: '2026-03-02' }]);
      assert.deepEqual(lock.backupKey, { override: true, keptAt: 'lockbox by the gate', lastTestedOn: '2026-03-02' });
      const [noKey] = locksFromRows([{ ...row, keyOverride: 'no' }]);
      assert.deepEqual(noKey.backupKey, { override: false });
    });

    it('takes a key kept somewhere as a key that opens the lock, and reads a backupKey object from a hand-written flow', () => {
      const [kept] = locksFromRows([{ ...row, keyOverride: '', backupKeyAt: 'cleaner' }]);
      assert.deepEqual(kept.backupKey, { override: true, keptAt: 'cleaner' });
      const [nested] = locksFromRows([{ ...row, backupKey: { override: true, keptAt: 'host', lastTestedOn: '2026-01-05' } }]);
      assert.deepEqual(nested.backupKey, { override: true, keptAt: 'host', lastTestedOn: '2026-01-05' });
    });

    it('records no backup key for a row without one (older flows load as before)', () => {
      const [lock] = locksFromRows([{ ...row, codeLength: 6, firstSlot: 1, lastSlot: 20 }]);
      assert.equal('backupKey' in lock, false);
      const [blank] = locksFromRows([{ ...row, keyOverride: '', backupKeyAt: '', backupKeyTestedOn: '' }]);
      assert.equal('backupKey' in blank, false);
    });

    it('refuses a test date that is not a date, a key on a lock no key opens, and an unclear override', () => {
      assert.throws(() => locksFromRows([{ ...row, backupKeyAt: 'lockbox', backupKeyTestedOn: '02/03/2026' }]), /Front door: the backup key's test date "02\/03\/2026" must be a date like 2026-03-02/);
      assert.throws(() => locksFromRows([{ ...row, backupKeyTestedOn: '2026-02-30' }]), /test date "2026-02-30"/);
      assert.throws(() => locksFromRows([{ ...row, keyOverride: 'no', backupKeyAt: 'lockbox' }]), /Front door: a backup key is recorded, but the lock is marked as having no key override/);
      assert.throws(() => locksFromRows([{ ...row, keyOverride: 'maybe' }]), /"key opens it" must be yes or no/);
    });
  });
});
