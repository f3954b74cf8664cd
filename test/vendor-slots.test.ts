/**
 * The slot bookkeeping TTLock and Nuki share: StayKey's slots over the vendor's code ids, and stable
 * slots from 1001 up for codes StayKey did not make.
 */
import { strict as assert } from 'node:assert';
import { FIRST_FOREIGN_SLOT, forgetGone, nextForeignSlot, vendorSlotsOf } from '../lib/locks/vendor-slots';

describe('slots for vendors without slots', () => {
  it('gives the first code StayKey did not make slot 1001, and each next one the slot above the highest', () => {
    assert.equal(nextForeignSlot(vendorSlotsOf(undefined).foreign), FIRST_FOREIGN_SLOT);
    assert.equal(FIRST_FOREIGN_SLOT, 1001);
    assert.equal(nextForeignSlot({ a: 1001, b: 1004 }), 1005);
  });

  it('empties slots whose code the listing no longer shows and forgets foreign codes gone, keeping the rest', () => {
    const record = vendorSlotsOf<string, never>({ slots: { '1': 'kept', '2': 'gone' }, foreign: { kept: 1001, gone: 1002 } });
    const listed = new Set(['kept']);
    assert.equal(
      forgetGone(record, (id) => listed.has(id), (id) => listed.has(id)),
      true,
    );
    assert.deepEqual({ ...record.slots }, { '1': 'kept' });
    assert.deepEqual({ ...record.foreign }, { kept: 1001 });
    assert.equal(
      forgetGone(record, (id) => listed.has(id), (id) => listed.has(id)),
      false,
      'nothing more to forget',
    );
  });

  it('keeps a lock record read from a file away from Object.prototype', () => {
    const record = vendorSlotsOf<string, never>(JSON.parse('{"slots":{"__proto__":"x"},"foreign":{"constructor":1001}}'));
    assert.equal(Object.getPrototypeOf(record.slots), null);
    assert.equal(record.slots['__proto__'], 'x');
    assert.equal(record.foreign['constructor'], 1001);
  });
});
