import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ReceiptBatchSchema } from '@pos/core/contracts/receipts';
import { assertSameAsJsonSchema, compileJsonSchemaCheck } from './batch-validation.ts';

const fast = compileJsonSchemaCheck(ReceiptBatchSchema);

const valid = {
  receipt_id: 'R-1',
  purchase_at: '2026-06-01T09:30:00.000+02:00',
  store: { id: 'store-1', name: 'Main street', chain: { id: 'x' } },
  customer_id: 'c1',
  customer: { token: { type: 'card', value: '1111' } },
  currency: 'NOK',
  gross_amount: 1000,
  entry_status: 'Posted',
  extra_info: [{ key: 'till', value: '3', value_type: 'integer' }],
  items: [
    { id: 'coffee', line_id: 1, quantity: 1.5, gross_amount: 500, tax_percent: 25, eligible_for_discount: true, groups: [{ id: 'drinks' }], discount_lines: [{ amount: 50, discount_type: 'customer' }], pos_field: [1, 'x'] },
    { line_id: 2, quantity: 0, gross_amount: 500, bonus_lines: [{ bonus: 10, discount_type: 'loyalty' }] },
  ],
  discounts: [{ id: 'rule', refs: [{ id: 'ref', stamp: 0, amount: 50, bonus: 0, usage: 1, statistics: { amount: 0, bonus: 0, debit_balance: 0, stamp: 0, usage: 0 } }] }],
  payments: [{ amount: 1000, type_id: 'cash' }],
};

/** Every path into a JSON value, as key lists. */
function paths(v: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  const here = [at];
  if (Array.isArray(v)) return [...here, ...v.flatMap((x, i) => paths(x, [...at, i]))];
  if (typeof v === 'object' && v !== null) return [...here, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  return here;
}

/** A deep copy of `v` with the value at `path` replaced (or, `undefined`, removed). */
function withAt(v: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(v)) return v.flatMap((x, i) => (i !== head ? [x] : value === undefined && rest.length === 0 ? [] : [withAt(x, rest, value)]));
  if (typeof v === 'object' && v !== null) {
    const entries = Object.entries(v);
    if (value === undefined && rest.length === 0) return Object.fromEntries(entries.filter(([k]) => k !== String(head)));
    return Object.fromEntries(entries.map(([k, x]) => [k, k === String(head) ? withAt(x, rest, value) : x]));
  }
  return v;
}

const awkward = fc.oneof(
  fc.constantFrom(undefined, null, true, false, 0, -0, -1, 0.5, 1e21, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, '', ' ', 'x', 'NOK', 'nok', 'Voided', 'Posted'),
  fc.constantFrom('2026-06-01T09:30:00Z', '2026-02-29T00:00:00Z', '2026-06-01T09:30:00', '2026-06-01 09:30:00Z', '2026-06-01T24:00:00Z'),
  // Lengths around the 255 limit, in characters that take one and two UTF-16 units.
  fc.integer({ min: 250, max: 260 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 120, max: 135 }).map((n) => '😀'.repeat(n)),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.jsonValue(), { maxKeys: 3 }),
);

describe('the JSON Schema fast path for receipt batches', () => {
  it('accepts a valid batch as zod does, and zod returns it unchanged', () => {
    expect(fast([valid])).toBe(true);
    expect(ReceiptBatchSchema.parse([valid])).toEqual([valid]);
  });

  it('never accepts what zod refuses, and what it accepts zod returns unchanged', () => {
    const all = paths(valid);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...all), awkward), { minLength: 1, maxLength: 3 }), (changes) => {
        let receipt: unknown = valid;
        for (const [path, value] of changes) receipt = withAt(receipt, path, value);
        const batch = [receipt];
        if (!fast(batch)) return;
        const parsed = ReceiptBatchSchema.safeParse(batch);
        expect(parsed.success, JSON.stringify(batch)).toBe(true);
        expect(parsed.data).toEqual(batch);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses batch sizes zod refuses', () => {
    expect(fast([])).toBe(false);
    expect(fast(Array.from({ length: 1001 }, () => valid))).toBe(false);
    expect(fast({ 0: valid })).toBe(false);
  });

  it('refuses at startup a schema with a part JSON Schema cannot check', () => {
    const loose = (shape: z.ZodRawShape) => z.array(z.looseObject(shape));
    expect(() => assertSameAsJsonSchema(loose({ id: z.string() }))).not.toThrow();
    expect(() => assertSameAsJsonSchema(loose({ id: z.string().refine((s) => s.trim() === s) }))).toThrow(/custom/);
    expect(() => assertSameAsJsonSchema(loose({ id: z.string().transform((s) => s.trim()) }))).toThrow(/pipe/);
    expect(() => assertSameAsJsonSchema(loose({ id: z.string().default('x') }))).toThrow(/default/);
    expect(() => assertSameAsJsonSchema(loose({ store: z.object({ id: z.string() }) }))).toThrow(/strips unknown keys/);
    expect(() => assertSameAsJsonSchema(loose({ at: z.iso.date() }))).not.toThrow();
    expect(() => assertSameAsJsonSchema(loose({ code: z.string().regex(/^[a-z]+$/i) }))).toThrow(/plain regex/);
  });
});
