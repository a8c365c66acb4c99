import { describe, expect, it } from 'vitest';
import golden from './__golden__/torch_randn.json';
import { Mt19937 } from './mt19937';

// Golden words: models/golden/torch_randn.py (numpy RandomState = MT19937 with init_genrand).

describe('Mt19937', () => {
  for (const c of golden.mt19937) {
    it(`seed ${c.seed}: first words and words 1290..1299 (after two twists)`, () => {
      const rng = new Mt19937(c.seed);
      const words = Array.from({ length: 1300 }, () => rng.nextUint32());
      expect(words.slice(0, 8)).toEqual(c.first);
      expect(words.slice(1290, 1300)).toEqual(c.at_1290);
    });
  }

  it('fromState(getState()) continues the same stream, across a twist, and the state is a copy', () => {
    const a = new Mt19937(42);
    for (let i = 0; i < 600; i++) a.nextUint32();
    const state = a.getState();
    const b = Mt19937.fromState(state);
    const wa = Array.from({ length: 100 }, () => a.nextUint32()); // words 600..699: a twist at 624
    expect(Array.from({ length: 100 }, () => b.nextUint32())).toEqual(wa);
    const c = Mt19937.fromState(state); // b's draws did not change the state taken from a
    expect(Array.from({ length: 3 }, () => c.nextUint32())).toEqual(wa.slice(0, 3));
    expect(() => Mt19937.fromState({ mt: new Uint32Array(3), mti: 0 })).toThrow(/invalid state/);
  });

  it('matches the doc-comment examples (reference seed 5489 and seed 0)', () => {
    const a = new Mt19937(5489);
    expect([a.nextUint32(), a.nextUint32(), a.nextUint32()]).toEqual([3499211612, 581869302, 3890346734]);
    const b = new Mt19937(0);
    expect([b.nextUint32(), b.nextUint32()]).toEqual([2357136044, 2546248239]);
  });

  it('keeps only the low 32 bits of the seed, like torch', () => {
    const a = new Mt19937(2 ** 32 + 5);
    const b = new Mt19937(5);
    const c = new Mt19937(2n ** 40n + 5n);
    for (let i = 0; i < 5; i++) {
      const w = b.nextUint32();
      expect(a.nextUint32()).toBe(w);
      expect(c.nextUint32()).toBe(w);
    }
  });

  it('re-seeding restarts the stream; nextFloat24 uses the low 24 bits', () => {
    const a = new Mt19937(9);
    const w = a.nextUint32();
    a.nextUint32();
    a.seed(9);
    expect(a.nextFloat24()).toBe((w & 0xffffff) / 16777216);
    expect(a.nextFloat24()).toBeLessThan(1);
  });

  it('rejects negative or non-integer seeds', () => {
    expect(() => new Mt19937(-1)).toThrow(/non-negative/);
    expect(() => new Mt19937(1.5)).toThrow(/non-negative/);
  });
});
