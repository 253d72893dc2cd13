import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT } from '../money.ts';
import type { Result } from '../result.ts';
import {
  addProduct,
  cartTotals,
  emptyCart,
  includedVat,
  lineGross,
  setQuantity,
  taxBasisPoints,
  voidLine,
  type Cart,
  type CartErrorCode,
  type CartProduct,
} from './cart.ts';

/** Freezes a value and everything reachable from it, so any mutation throws (ESM is strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Independent copies to compare against after an operation (the module's own output is not trusted). */
const cloneCart = (c: Cart): Cart => ({ ...c, lines: c.lines.map((l) => ({ ...l, group_ids: [...l.group_ids] })) });
const cloneProduct = (p: CartProduct): CartProduct => ({ ...p, group_ids: [...p.group_ids] });

function unwrap(res: Result<Cart, CartErrorCode>): Cart {
  if (!res.ok) throw new Error(`${res.error.code}: ${res.error.message}`);
  return res.value;
}

const food = { tax_percent: 15, tax_code: '31', tax_group: 'MVA middels' } as const;
const standard = { tax_percent: 25, tax_code: '3', tax_group: 'MVA høy' } as const;

const MILK: CartProduct = { product_id: 'tine-lettmelk-1l', product_name: 'Tine Lettmelk 1 l', currency: 'NOK', unit_gross_price: 2490, barcode: '7038010000454', ...food, group_ids: ['dairy'] };
const BREAD: CartProduct = { product_id: 'kneippbrod', product_name: 'Kneippbrød', currency: 'NOK', unit_gross_price: 3990, ...food, group_ids: ['bakery'] };
const CHEESE: CartProduct = { product_id: 'norvegia', product_name: 'Norvegia 500 g', currency: 'NOK', unit_gross_price: 10990, ...food, group_ids: ['dairy'] };
const SOAP: CartProduct = { product_id: 'zalo', product_name: 'Zalo 500 ml', currency: 'NOK', unit_gross_price: 3490, ...standard, group_ids: ['household'] };
const BATTERIES: CartProduct = { product_id: 'aa-4pk', product_name: 'Batteri AA 4 stk', currency: 'NOK', unit_gross_price: 1999, ...standard, group_ids: [] };

function groceryCart(): Cart {
  let cart = emptyCart('NOK');
  for (const p of [MILK, BREAD, MILK, CHEESE, SOAP, BATTERIES]) cart = unwrap(addProduct(cart, p));
  return cart;
}

describe('a Norwegian grocery cart', () => {
  it('scans, merges the repeated milk and splits VAT by rate', () => {
    const cart = groceryCart();
    expect(cart.lines.map((l) => [l.line_id, l.product_id, l.quantity])).toEqual([
      [1, 'tine-lettmelk-1l', 2],
      [2, 'kneippbrod', 1],
      [3, 'norvegia', 1],
      [4, 'zalo', 1],
      [5, 'aa-4pk', 1],
    ]);
    expect(cart.next_line_id).toBe(6);
    expect(cart.lines[0]).toEqual({
      line_id: 1,
      product_id: 'tine-lettmelk-1l',
      barcode: '7038010000454',
      description: 'Tine Lettmelk 1 l',
      unit_gross_price: 2490,
      quantity: 2,
      tax_percent: 15,
      tax_code: '31',
      tax_group: 'MVA middels',
      group_ids: ['dairy'],
      voided: false,
    });

    // 15 %: 2 × 24,90 + 39,90 + 109,90 = 199,60 → VAT 19960 × 15/115 = 2603,478… → 2603, basis 17357
    // 25 %: 34,90 + 19,99 = 54,89           → VAT 5489 × 25/125 = 1097,8     → 1098, basis 4391
    expect(cartTotals(cart)).toEqual({
      gross_amount: 25449,
      no_of_items: 6,
      lines: [
        { line_id: 1, gross_amount: 4980 },
        { line_id: 2, gross_amount: 3990 },
        { line_id: 3, gross_amount: 10990 },
        { line_id: 4, gross_amount: 3490 },
        { line_id: 5, gross_amount: 1999 },
      ],
      tax_lines: [
        { percentage: 25, tax_code: '3', tax_group: 'MVA høy', amount: 1098, tax_basis: 4391, included_in_price: true },
        { percentage: 15, tax_code: '31', tax_group: 'MVA middels', amount: 2603, tax_basis: 17357, included_in_price: true },
      ],
    });
  });

  it('quantity change and void recompute the totals; the voided line stays on the cart', () => {
    let cart = groceryCart();
    cart = unwrap(setQuantity(cart, 5, 3));
    cart = unwrap(voidLine(cart, 3));
    expect(cart.lines.find((l) => l.line_id === 3)).toMatchObject({ product_id: 'norvegia', voided: true, quantity: 1 });
    // 15 %: 4980 + 3990 = 8970         → VAT 8970 × 15/115 = 1170 exactly, basis 7800
    // 25 %: 3490 + 3 × 1999 = 9487     → VAT 9487 × 25/125 = 1897,4 → 1897, basis 7590
    const totals = cartTotals(cart);
    expect(totals.gross_amount).toBe(18457);
    expect(totals.no_of_items).toBe(7); // 2 milk + 1 bread + 1 soap + 3 batteries
    expect(totals.lines.map((l) => l.line_id)).toEqual([1, 2, 4, 5]);
    expect(totals.tax_lines).toEqual([
      { percentage: 25, tax_code: '3', tax_group: 'MVA høy', amount: 1897, tax_basis: 7590, included_in_price: true },
      { percentage: 15, tax_code: '31', tax_group: 'MVA middels', amount: 1170, tax_basis: 7800, included_in_price: true },
    ]);
  });

  it('scanning a voided product again starts a new line with a fresh line_id', () => {
    let cart = unwrap(voidLine(groceryCart(), 3));
    cart = unwrap(addProduct(cart, CHEESE));
    expect(cart.lines.filter((l) => l.product_id === 'norvegia').map((l) => [l.line_id, l.voided])).toEqual([
      [3, true],
      [6, false],
    ]);
    expect(cart.next_line_id).toBe(7);
  });

  it('a product whose price changed mid-sale gets its own line instead of repricing the first', () => {
    const cart = unwrap(addProduct(unwrap(addProduct(emptyCart('NOK'), MILK)), { ...MILK, unit_gross_price: 2590 }));
    expect(cart.lines.map((l) => [l.line_id, l.unit_gross_price, l.quantity])).toEqual([
      [1, 2490, 1],
      [2, 2590, 1],
    ]);
    // A third scan at the new price grows the last matching line.
    expect(unwrap(addProduct(cart, { ...MILK, unit_gross_price: 2590 })).lines[1]?.quantity).toBe(2);
  });

  it('a product whose tax rate, code or group changed mid-sale gets its own line too', () => {
    const first = unwrap(addProduct(emptyCart('NOK'), MILK));
    for (const change of [{ tax_percent: 25 }, { tax_code: '3' }, { tax_group: 'MVA høy' }, { tax_code: undefined }]) {
      expect(unwrap(addProduct(first, { ...MILK, ...change })).lines.map((l) => l.quantity)).toEqual([1, 1]);
    }
    // A different barcode of the same product is the same article: the line grows.
    expect(unwrap(addProduct(first, { ...MILK, barcode: '7038010000461' })).lines.map((l) => [l.quantity, l.barcode])).toEqual([[2, '7038010000454']]);
  });

  it('adds several units at once and uses the product_id when the product has no name', () => {
    const cart = unwrap(addProduct(emptyCart('NOK'), { product_id: 'plu-4011', currency: 'NOK', unit_gross_price: 500, tax_percent: 15, group_ids: [] }, 4));
    expect(cart.lines).toEqual([
      { line_id: 1, product_id: 'plu-4011', description: 'plu-4011', unit_gross_price: 500, quantity: 4, tax_percent: 15, group_ids: [], voided: false },
    ]);
    expect(cartTotals(cart).tax_lines).toEqual([{ percentage: 15, amount: 261, tax_basis: 1739, included_in_price: true }]); // 2000 × 15/115 = 260,87
  });

  it('an empty cart totals to zero with no tax lines', () => {
    expect(cartTotals(emptyCart('NOK'))).toEqual({ gross_amount: 0, no_of_items: 0, lines: [], tax_lines: [] });
  });

  it('keeps two tax codes at the same rate apart, sorted by code', () => {
    const zeroRated = { product_id: 'avis', currency: 'NOK', unit_gross_price: 4000, tax_percent: 0, tax_code: '5', group_ids: [] } as const;
    const exempt = { product_id: 'frimerke', currency: 'NOK', unit_gross_price: 2300, tax_percent: 0, tax_code: '6', group_ids: [] } as const;
    const cart = unwrap(addProduct(unwrap(addProduct(unwrap(addProduct(emptyCart('NOK'), exempt)), zeroRated)), MILK));
    expect(cartTotals(cart).tax_lines).toEqual([
      { percentage: 15, tax_code: '31', tax_group: 'MVA middels', amount: 325, tax_basis: 2165, included_in_price: true }, // 2490 × 15/115 = 324,78
      { percentage: 0, tax_code: '5', amount: 0, tax_basis: 4000, included_in_price: true },
      { percentage: 0, tax_code: '6', amount: 0, tax_basis: 2300, included_in_price: true },
    ]);
  });
});

describe('refusals', () => {
  const code = (res: Result<Cart, CartErrorCode>): string | undefined => (res.ok ? undefined : res.error.code);

  it('refuses a product without a price, or with a price that is not whole minor units', () => {
    expect(addProduct(emptyCart('NOK'), { ...MILK, unit_gross_price: undefined })).toEqual({
      ok: false,
      error: { code: 'CART_NO_PRICE', message: 'product tine-lettmelk-1l has no price' },
    });
    for (const price of [-1, 24.9, Number.NaN, MAX_AMOUNT + 1]) {
      expect(code(addProduct(emptyCart('NOK'), { ...MILK, unit_gross_price: price }))).toBe('CART_PRICE_INVALID');
    }
  });

  it('accepts a free item (price 0)', () => {
    const cart = unwrap(addProduct(emptyCart('NOK'), { ...SOAP, product_id: 'pose', unit_gross_price: 0 }));
    expect(cartTotals(cart).tax_lines).toEqual([{ percentage: 25, tax_code: '3', tax_group: 'MVA høy', amount: 0, tax_basis: 0, included_in_price: true }]);
  });

  it('refuses a product priced in another currency, or in none', () => {
    expect(addProduct(emptyCart('NOK'), { ...MILK, currency: 'SEK' })).toEqual({
      ok: false,
      error: { code: 'CART_CURRENCY_MISMATCH', message: 'product tine-lettmelk-1l is priced in SEK, the cart in NOK' },
    });
    expect(code(addProduct(emptyCart('NOK'), { ...MILK, currency: undefined }))).toBe('CART_CURRENCY_MISMATCH');
  });

  it('refuses a tax rate outside 0..100 or with more than two decimals', () => {
    for (const tax_percent of [-1, 100.01, 25.005, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(code(addProduct(emptyCart('NOK'), { ...MILK, tax_percent }))).toBe('CART_TAX_INVALID');
    }
    for (const tax_percent of [0, 11.11, 0.01, 99.99, 100]) {
      expect(code(addProduct(emptyCart('NOK'), { ...MILK, tax_percent }))).toBeUndefined();
    }
  });

  it('refuses quantities that are not integers 1..9999, including a scan that would pass 9999', () => {
    const cart = groceryCart();
    for (const q of [0, -1, 1.5, 10_000, Number.NaN]) {
      expect(code(setQuantity(cart, 1, q))).toBe('CART_QUANTITY_INVALID');
      expect(code(addProduct(cart, BREAD, q))).toBe('CART_QUANTITY_INVALID');
    }
    const full = unwrap(setQuantity(cart, 2, 9999));
    expect(code(addProduct(full, BREAD))).toBe('CART_QUANTITY_INVALID');
    expect(unwrap(setQuantity(cart, 2, 9999)).lines[1]?.quantity).toBe(9999);
  });

  it('refuses to change or void an unknown or voided line', () => {
    const cart = unwrap(voidLine(groceryCart(), 2));
    for (const res of [setQuantity(cart, 2, 3), voidLine(cart, 2), setQuantity(cart, 99, 1), voidLine(cart, 0)]) {
      expect(code(res)).toBe('CART_LINE_NOT_FOUND');
    }
  });

  it('refuses a cart whose total would exceed MAX_AMOUNT', () => {
    const gold = { product_id: 'gold', currency: 'NOK', unit_gross_price: MAX_AMOUNT / 2, tax_percent: 25, group_ids: [] } as const;
    const cart = unwrap(addProduct(emptyCart('NOK'), gold, 2));
    expect(cartTotals(cart).tax_lines[0]?.amount).toBe(MAX_AMOUNT / 5);
    expect(code(addProduct(cart, MILK))).toBe('CART_AMOUNT_TOO_LARGE');
    expect(code(setQuantity(cart, 1, 3))).toBe('CART_AMOUNT_TOO_LARGE');
  });
});

describe('includedVat rounding', () => {
  it('rounds half away from zero', () => {
    // 12 %: 4998 × 12/112 = 535,5 exactly → 536 (and −535,5 → −536)
    expect(includedVat(4998, 12)).toBe(536);
    expect(includedVat(-4998, 12)).toBe(-536);
    // 11,11 %: 10000 × 11,11/111,11 = 999,909… → 1000
    expect(includedVat(10_000, 11.11)).toBe(1000);
    expect(includedVat(0, 25)).toBe(0);
    expect(includedVat(12345, 0)).toBe(0);
  });

  it('is exact where a double would not be', () => {
    // 999 999 999 999 × 1111 / 11111 = 99 990 999 909,899… → 99 990 999 910
    expect(includedVat(999_999_999_999, 11.11)).toBe(99_990_999_910);
    // 100 %: 999 999 999 999 / 2 = 499 999 999 999,5 → 500 000 000 000 (2·g·b ≈ 2·10^16 > 2^53)
    expect(includedVat(999_999_999_999, 100)).toBe(500_000_000_000);
  });

  it('throws for a rate the cart would have refused', () => {
    expect(() => includedVat(100, 25.005)).toThrow(RangeError);
  });

  it('scales rates to basis points exactly', () => {
    expect([25, 15, 12, 11.11, 0.01, 6, 100, 0].map(taxBasisPoints)).toEqual([2500, 1500, 1200, 1111, 1, 600, 10_000, 0]);
    expect(taxBasisPoints(0.1 + 0.2)).toBeNull();
  });

  it('is within half a minor unit of the exact value, ties away from zero (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_AMOUNT, max: MAX_AMOUNT }), fc.integer({ min: 0, max: 10_000 }), (gross, bp) => {
        checkVat(includedVat(gross, bp / 100), gross, bp);
      }),
      { numRuns: 2000 },
    );
  });
});

/** |vat − g·bp/(10000+bp)| ≤ ½, and on an exact tie the result is the one away from zero. */
function checkVat(vat: number, gross: number, bp: number): void {
  const d = 10_000n + BigInt(bp);
  const twiceError = 2n * BigInt(vat) * d - 2n * BigInt(gross) * BigInt(bp); // 2·d·(vat − exact)
  const abs = twiceError < 0n ? -twiceError : twiceError;
  expect(abs <= d).toBe(true);
  if (abs === d) expect(Math.abs(vat) * Number(d) > Math.abs(gross) * bp).toBe(true);
}

// ---------------------------------------------------------------- random carts

const rateArb = fc.oneof(fc.constantFrom(25, 15, 12, 11.11, 6, 0, 100), fc.integer({ min: 0, max: 10_000 }).map((bp) => bp / 100));
const productArb: fc.Arbitrary<CartProduct> = fc.record({
  product_id: fc.constantFrom('a', 'b', 'c', 'd'),
  currency: fc.constant('NOK' as const),
  unit_gross_price: fc.oneof(fc.constantFrom(0, 2490, 3990), fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 100_000_000 })),
  tax_percent: rateArb,
  tax_code: fc.constantFrom(undefined, '3', '31'),
  tax_group: fc.constantFrom(undefined, 'høy'),
  group_ids: fc.array(fc.constantFrom('g1', 'g2'), { maxLength: 2 }),
});

type Op =
  | { op: 'add'; product: number; quantity: number }
  | { op: 'set'; line: number; quantity: number }
  | { op: 'void'; line: number };

const quantityArb = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: -2, max: 10_001 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('add' as const), product: fc.nat(), quantity: quantityArb }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('set' as const), line: fc.nat(), quantity: quantityArb }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('void' as const), line: fc.nat() }), weight: 1 },
);

const scenarioArb = fc.record({ products: fc.array(productArb, { minLength: 1, maxLength: 6 }), ops: fc.array(opArb, { maxLength: 40 }) });

/** Applies the ops, deep-freezing every input cart and checking it is unchanged afterwards. */
function build({ products, ops }: { products: readonly CartProduct[]; ops: readonly Op[] }): Cart {
  let cart = emptyCart('NOK');
  for (const o of ops) {
    const before = cloneCart(cart);
    deepFreeze(cart);
    let res: Result<Cart, CartErrorCode>;
    if (o.op === 'add') {
      const product = deepFreeze(products[o.product % products.length]);
      if (product === undefined) continue;
      const productBefore = cloneProduct(product);
      res = addProduct(cart, product, o.quantity);
      expect(product).toEqual(productBefore);
    } else {
      const line_id = cart.lines.length === 0 ? 1 : (cart.lines[o.line % cart.lines.length]?.line_id ?? 1);
      res = o.op === 'set' ? setQuantity(cart, line_id, o.quantity) : voidLine(cart, line_id);
    }
    expect(cart).toEqual(before);
    const totalsBefore = cartTotals(cart);
    expect(cart).toEqual(before);
    if (res.ok) {
      expect(res.value).not.toBe(cart);
      cart = res.value;
    } else {
      expect(cartTotals(cart)).toEqual(totalsBefore);
    }
  }
  return cart;
}

describe('cart properties', () => {
  it('totals: Σ line gross = gross_amount = Σ(VAT + basis); every VAT is the exact value rounded', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const cart = build(scenario);
        const totals = cartTotals(deepFreeze(cart));
        const live = cart.lines.filter((l) => !l.voided);

        expect(totals.lines.reduce((s, l) => s + l.gross_amount, 0)).toBe(totals.gross_amount);
        expect(live.reduce((s, l) => s + lineGross(l), 0)).toBe(totals.gross_amount);
        expect(totals.no_of_items).toBe(live.reduce((s, l) => s + l.quantity, 0));
        expect(totals.lines.map((l) => l.line_id)).toEqual(live.map((l) => l.line_id));
        expect(totals.tax_lines.reduce((s, t) => s + t.amount + t.tax_basis, 0)).toBe(totals.gross_amount);
        expect(totals.gross_amount).toBeLessThanOrEqual(MAX_AMOUNT);

        for (const t of totals.tax_lines) {
          const groupGross = live
            .filter((l) => l.tax_percent === t.percentage && l.tax_code === t.tax_code && l.tax_group === t.tax_group)
            .reduce((s, l) => s + lineGross(l), 0);
          expect(t.amount + t.tax_basis).toBe(groupGross);
          const bp = taxBasisPoints(t.percentage);
          if (bp === null) throw new Error(`bad rate ${t.percentage}`);
          checkVat(t.amount, groupGross, bp);
          expect(t.included_in_price).toBe(true);
        }
        for (let i = 1; i < totals.tax_lines.length; i++) {
          expect(totals.tax_lines[i - 1]?.percentage ?? 0).toBeGreaterThanOrEqual(totals.tax_lines[i]?.percentage ?? 0);
        }
        // Every live line is covered by exactly one tax line.
        const keys = totals.tax_lines.map((t) => JSON.stringify([t.percentage, t.tax_code, t.tax_group]));
        expect(new Set(keys).size).toBe(keys.length);
        expect(new Set(live.map((l) => JSON.stringify([l.tax_percent, l.tax_code, l.tax_group])))).toEqual(new Set(keys));
      }),
      { numRuns: 500 },
    );
  });

  it('line ids are unique, increasing and below next_line_id; at most one live line per product and terms', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const cart = build(scenario);
        const ids = cart.lines.map((l) => l.line_id);
        ids.forEach((id, i) => expect(id).toBe(i + 1));
        expect(cart.next_line_id).toBe(cart.lines.length + 1);
        const live = cart.lines.filter((l) => !l.voided);
        const terms = live.map((l) => JSON.stringify([l.product_id, l.unit_gross_price, l.tax_percent, l.tax_code, l.tax_group]));
        expect(new Set(terms).size).toBe(terms.length);
        for (const l of cart.lines) expect(Number.isInteger(l.quantity) && l.quantity >= 1 && l.quantity <= 9999).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
