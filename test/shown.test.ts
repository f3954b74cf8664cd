import { strict as assert } from 'node:assert';
import { shown } from '../lib/shown';

describe('shown: a message value as it reads in an error', () => {
  it('keeps text and numbers as they are', () => {
    assert.equal(shown('lock-result'), 'lock-result');
    assert.equal(shown(42), '42');
    assert.equal(shown(undefined), 'undefined');
    assert.equal(shown(null), 'null');
  });

  it('writes objects as JSON and shortens long values', () => {
    assert.equal(shown({ kind: 'x' }), '{"kind":"x"}');
    const long = shown('a'.repeat(500));
    assert.equal(long.length, 60);
    assert.ok(long.endsWith('…'));
  });

  it('never throws, whatever the value', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const hostile = [{ toString: [] }, Object.create(null), cycle, { toJSON: () => { throw new Error('no'); } }, Symbol('s'), () => 1, 10n];
    for (const value of hostile) assert.equal(typeof shown(value), 'string');
    assert.throws(() => String({ toString: [] }), TypeError, 'the case this exists for');
  });
});
