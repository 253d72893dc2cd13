import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, mulDiv, percentOf, rangeSum, toPercent, unitPrice } from './allocate.ts';

describe('mulDiv', () => {
  it('is exact beyond 2^53', () => {
    // 10^12 · 9 999 / 7 = 1 428 428 571 428 571.4… (the product 9.999e15 is not a safe integer).
    expect(mulDiv(1_000_000_000_000, 9999, 7)).toEqual({ q: 1_428_428_571_428_571, r: 3 });
    expect(mulDiv(10, 3, 4)).toEqual({ q: 7, r: 2 });
  });
});

describe('percentages', () => {
  it('turns decimal percentages into exact fractions', () => {
    expect(toPercent(10.5)).toEqual({ num: 105, den: 10, value: 10.5 });
    expect(toPercent(33.3333)).toEqual({ num: 333333, den: 10000, value: 33.3333 });
    expect(toPercent(250)).toEqual({ num: 100, den: 1, value: 100 });
  });

  it('rounds half away from zero', () => {
    expect(percentOf(4, toPercent(12.5))).toBe(1); // 0.5
    expect(percentOf(10, toPercent(2.5))).toBe(0); // 0.25
    expect(percentOf(30, toPercent(5))).toBe(2); // 1.5
    expect(percentOf(29, toPercent(5))).toBe(1); // 1.45
    expect(percentOf(1999, toPercent(33.3333))).toBe(666); // 666.332…
  });

  it('stays exact for the largest amounts', () => {
    // 10^12 × 12.345 % = 123 450 000 000 exactly.
    expect(percentOf(1_000_000_000_000, toPercent(12.345))).toBe(123_450_000_000);
    expect(percentOf(999_999_999_999, toPercent(0.5))).toBe(5_000_000_000); // 4 999 999 999.995 → up
  });
});

describe('allocate', () => {
  it('splits by largest remainder with ties to the smaller key', () => {
    expect(allocate(500, [1999, 2999, 5])).toEqual([200, 300, 0]);
    expect(allocate(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(allocate(2, [1, 1, 1], [3, 1, 2])).toEqual([0, 1, 1]);
    expect(allocate(10, [0, 0])).toEqual([0, 0]);
    expect(allocate(7, [5])).toEqual([7]);
  });

  it('always sums to the total and never gives a weight more than itself (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 60 }), fc.nat(), (weights, t) => {
        const sum = weights.reduce((s, w) => s + w, 0);
        const total = sum === 0 ? 0 : t % (sum + 1);
        const shares = allocate(total, weights);
        expect(shares.reduce((s, x) => s + x, 0)).toBe(total);
        shares.forEach((s, i) => {
          expect(Number.isInteger(s)).toBe(true);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(weights[i] ?? 0);
        });
      }),
    );
  });

  it('agrees with a plain sort-based largest remainder, with and without keys (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }), fc.nat({ max: 3000 }), (weights, total) => {
        const sum = weights.reduce((s, w) => s + w, 0);
        if (sum === 0) return;
        const floors = weights.map((w) => Math.floor((total * w) / sum));
        const rema = weights.map((w) => (total * w) % sum);
        const order = weights.map((_, i) => i).sort((a, b) => (rema[b] ?? 0) - (rema[a] ?? 0) || a - b);
        const expected = [...floors];
        for (const i of order.slice(0, total - floors.reduce((s, f) => s + f, 0))) expected[i] = (expected[i] ?? 0) + 1;
        expect(allocate(total, weights)).toEqual(expected);
        expect(allocate(total, weights, weights.map((_, i) => i))).toEqual(expected);
      }),
    );
  });

  it('does not depend on array order when keys are given (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 }), fc.nat({ max: 5000 }), (weights, total) => {
        const keys = weights.map((_, i) => i);
        const forward = allocate(total, weights, keys);
        const backward = allocate(total, [...weights].reverse(), [...keys].reverse()).reverse();
        expect(backward).toEqual(forward);
      }),
    );
  });
});

describe('unit prices', () => {
  it('spreads an amount over units in integers, cheap units first', () => {
    expect([0, 1, 2].map((r) => unitPrice(100, 3, r))).toEqual([33, 33, 34]);
    expect(rangeSum(100, 3, 0, 2)).toBe(66);
    expect(rangeSum(100, 3, 1, 2)).toBe(67);
    expect(rangeSum(100, 3, 0, 3)).toBe(100);
  });
});
