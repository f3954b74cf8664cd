/**
 * How the season counts the reads the ledger asks of a lock (issue 17: drift checks at most one slot
 * read per lock per day): a whole-lock read wakes every slot in the lock's range, a one-slot read wakes
 * that slot, and "a day" is any 24 hours.
 */
import { strict as assert } from 'node:assert';
import type { LockConfig } from '../lib/locks/provider';
import { LedgerRead, slotReadsReport } from '../lib/simulation/season-report';

const HOUR = 3600_000;
const FROM = Date.parse('2026-07-01T00:00:00Z');

function lock(id: string, firstSlot = 1, lastSlot = 20): LockConfig {
  return { id, name: id, schedules: false, rules: { codeLengths: [6], firstSlot, lastSlot } };
}

function read(lockId: string, slot: number, hours: number): LedgerRead {
  return { lockId, slot, at: FROM + hours * HOUR };
}

describe('the season’s count of lock reads', () => {
  it('counts one read a day for a lock read whole when linked and then every 24 hours or more', () => {
    const reads = [read('door', 0, 0), read('door', 0, 24), read('door', 0, 49), read('door', 0, 74)];
    const report = slotReadsReport(reads, [lock('door')], FROM, FROM + 4 * 24 * HOUR);
    assert.equal(report.mostReadsOfOneSlotInADay, 1);
    assert.equal(report.wholeReads, 4);
    assert.equal(report.oneSlotReads, 0);
    assert.equal(report.days, 4);
    assert.equal(report.readsPerLockPerDay, 1);
  });

  it('shows two reads of every slot when a lock is read whole twice within 24 hours', () => {
    const reads = [read('door', 0, 0), read('door', 0, 30), read('door', 0, 53)];
    const report = slotReadsReport(reads, [lock('door', 2, 20)], FROM, FROM + 3 * 24 * HOUR);
    assert.equal(report.mostReadsOfOneSlotInADay, 2);
    assert.deepEqual(report.busiest, { lockId: 'door', slot: 2, from: new Date(FROM + 30 * HOUR).toISOString() });
  });

  it('adds a one-slot read to the whole reads of that slot only', () => {
    const reads = [read('gate', 0, 0), read('gate', 7, 5), read('gate', 0, 25)];
    const report = slotReadsReport(reads, [lock('door'), lock('gate')], FROM, FROM + 2 * 24 * HOUR);
    assert.equal(report.mostReadsOfOneSlotInADay, 2);
    assert.equal(report.busiest?.slot, 7);
    assert.equal(report.busiest?.lockId, 'gate');
    assert.equal(report.oneSlotReads, 1);
    assert.equal(report.readsPerLockPerDay, 0.75, '3 reads over 2 locks and 2 days');
  });

  it('does not add a whole read to a slot outside the range it covers', () => {
    const reads = [read('door', 0, 0), read('door', 30, 1)];
    const report = slotReadsReport(reads, [lock('door', 1, 20)], FROM, FROM + 24 * HOUR);
    assert.equal(report.mostReadsOfOneSlotInADay, 1);
  });

  it('leaves out locks that cannot read codes back', () => {
    const reads = [read('zha', 0, 0), read('zha', 0, 1), read('door', 0, 0)];
    const report = slotReadsReport(reads, [lock('door')], FROM, FROM + 24 * HOUR);
    assert.equal(report.mostReadsOfOneSlotInADay, 1);
    assert.equal(report.wholeReads, 1);
    assert.equal(report.locks, 1);
  });
});
