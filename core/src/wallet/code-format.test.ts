import { describe, expect, it } from 'vitest';
import { alphabetOf, entropyBits, generateCode, maskCode } from './code-format.ts';

const seq = (values: number[]) => {
  let i = 0;
  return (n: number) => (values[i++ % values.length] ?? 0) % n;
};

describe('card codes', () => {
  it('defaults to a DINCARD:-prefixed UUID like Dintero', () => {
    expect(generateCode(undefined, seq([0]), () => '0b6f5c1e-7c1a-4c55-9e0f-4a7c1e2d3f40')).toBe('DINCARD:0b6f5c1e-7c1a-4c55-9e0f-4a7c1e2d3f40');
  });

  it('honours length, prefix and alphabet', () => {
    const code = generateCode({ length: 16, prefix: 'GC', numbers: true, characters: false, symbols: false }, seq([1, 2, 3]), () => '');
    expect(code).toBe('GC1231231231231231');
    expect(code).toMatch(/^GC\d{16}$/);
  });

  it('measures entropy so weak token formats can be refused', () => {
    expect(alphabetOf({ numbers: true, characters: false, symbols: false })).toBe('0123456789');
    expect(entropyBits({ length: 16, numbers: true, characters: false, symbols: false })).toBeGreaterThan(53);
    expect(entropyBits({ length: 6, numbers: true, characters: false, symbols: false })).toBeLessThan(20);
  });

  it('masks all but the prefix, separators and last four characters', () => {
    expect(maskCode('DINCARD:0b6f5c1e-7c1a-4c55-9e0f-4a7c1e2d3f40', 'DINCARD:')).toBe('DINCARD:********-****-****-****-********3f40');
    expect(maskCode('1234567890123456', '')).toBe('************3456');
  });
});
