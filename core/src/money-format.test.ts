import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CURRENCIES } from './money.ts';
import { formatMoney, MINOR_DIGITS, minorToDecimalString } from './money-format.ts';

/** ICU versions differ in which no-break space they use; the digits and symbols are what we pin. */
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  it('formats øre as Norwegian kroner by default', () => {
    expect(plain(formatMoney(123_450, 'NOK'))).toBe('1 234,50 kr');
    expect(plain(formatMoney(5, 'NOK'))).toBe('0,05 kr');
    expect(plain(formatMoney(0, 'NOK'))).toBe('0,00 kr');
    expect(plain(formatMoney(-123_450, 'NOK'))).toBe('−1 234,50 kr');
  });

  it('takes a locale', () => {
    expect(formatMoney(123_450, 'USD', 'en-US')).toBe('$1,234.50');
    expect(formatMoney(99, 'EUR', 'en-US')).toBe('€0.99');
    expect(plain(formatMoney(123_450, 'SEK', 'sv-SE'))).toBe('1 234,50 kr');
  });

  it('prints every digit of amounts a float division would blur', () => {
    expect(plain(formatMoney(Number.MAX_SAFE_INTEGER, 'NOK'))).toBe('90 071 992 547 409,91 kr');
    expect(formatMoney(1_000_000_000_001, 'USD', 'en-US')).toBe('$10,000,000,000.01');
  });

  it('throws for an amount that is not whole minor units', () => {
    expect(() => formatMoney(12.5, 'NOK')).toThrow(RangeError);
    expect(() => formatMoney(Number.NaN, 'NOK')).toThrow(RangeError);
  });

  it('every supported currency has two minor digits', () => {
    for (const c of CURRENCIES) expect(MINOR_DIGITS[c]).toBe(2);
  });
});

describe('minorToDecimalString', () => {
  it('writes the exact decimal', () => {
    expect(minorToDecimalString(123_450, 2)).toBe('1234.50');
    expect(minorToDecimalString(-7, 2)).toBe('-0.07');
    expect(minorToDecimalString(0, 2)).toBe('0.00');
    expect(minorToDecimalString(42, 0)).toBe('42');
    expect(minorToDecimalString(-42, 3)).toBe('-0.042');
  });

  it('round-trips to the same minor units, and matches Intl on small amounts (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.constantFrom(...CURRENCIES), (minor, currency) => {
        const s = minorToDecimalString(minor, 2);
        expect(s).toMatch(/^-?\d+\.\d\d$/);
        expect(BigInt(s.replace('.', ''))).toBe(BigInt(minor));
        if (Math.abs(minor) < 1_000_000_000) {
          const viaFloat = new Intl.NumberFormat('nb-NO', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(minor / 100);
          expect(formatMoney(minor, currency)).toBe(viaFloat);
        }
      }),
      { numRuns: 500 },
    );
  });
});
