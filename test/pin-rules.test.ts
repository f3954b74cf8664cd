import { strict as assert } from 'node:assert';
import { generatePin, isWeakPin, ruleBroken } from '../lib/pins/pin-rules';
import type { LockRules } from '../lib/locks/provider';

const sixDigits: LockRules = { codeLengths: [6], firstSlot: 1, lastSlot: 20 };

describe('PIN rules', () => {
  it('calls the PINs people guess first weak', () => {
    for (const pin of ['1234', '0000', '1111', '2580', '4321', '7890', '123456', '654321', '121212', '123123', '1212', '1998', '112211']) {
      assert.equal(isWeakPin(pin), true, pin);
    }
  });

  it('accepts PINs with no pattern', () => {
    for (const pin of ['4829', '482913', '730164', '9158']) assert.equal(isWeakPin(pin), false, pin);
  });

  it('names the rule a PIN breaks', () => {
    const nuki: LockRules = { codeLengths: [6], firstSlot: 1, lastSlot: 100, forbiddenDigits: '0', forbiddenPrefixes: ['12'] };
    assert.match(ruleBroken('482913', { ...sixDigits, codeLengths: [4] }) ?? '', /4 digits/);
    assert.match(ruleBroken('482903', nuki) ?? '', /no 0/);
    assert.match(ruleBroken('129483', nuki) ?? '', /starting with 12/);
    assert.equal(ruleBroken('482913', nuki), undefined);
  });

  it('generates PINs that obey the lock, are never weak, and avoid taken ones', () => {
    const rules: LockRules = { codeLengths: [4], firstSlot: 1, lastSlot: 10, forbiddenDigits: '089', forbiddenPrefixes: ['12'] };
    const taken = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const pin = generatePin(rules, (p) => taken.has(p));
      assert.equal(ruleBroken(pin, rules), undefined, pin);
      assert.equal(taken.has(pin), false);
      taken.add(pin);
    }
  });

  it('draws digits from the random source it is given', () => {
    const digits = [4, 8, 2, 9, 1, 3];
    let i = 0;
    assert.equal(generatePin(sixDigits, () => false, () => digits[i++ % digits.length]), '482913');
  });

  it('says so when a lock cannot hold another PIN', () => {
    const tiny: LockRules = { codeLengths: [4], firstSlot: 1, lastSlot: 2, forbiddenDigits: '02345678' };
    assert.throws(() => generatePin(tiny, () => true), /could not find a free PIN/);
  });
});
