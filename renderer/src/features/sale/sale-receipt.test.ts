import { describe, expect, it } from 'vitest';
import { addProduct, emptyCart, prepareRules, priceCart, voidLine, type Cart, type CartProduct, type Discount } from '@pos/core';
import { maskCardNumber, saleToReceipt, StoredSaleSchema, type StoredSale } from './sale-receipt.ts';

const milk: CartProduct = { product_id: 'milk', product_name: 'Milk', unit_gross_price: 2490, currency: 'NOK', tax_percent: 15, tax_group: 'food', group_ids: ['dairy'], barcode: '7038010009457' };
const soap: CartProduct = { product_id: 'soap', product_name: 'Soap', unit_gross_price: 3290, currency: 'NOK', tax_percent: 25, group_ids: ['household'] };
const bread: CartProduct = { product_id: 'bread', product_name: 'Bread', unit_gross_price: 3990, currency: 'NOK', tax_percent: 15, tax_group: 'food', group_ids: ['bakery'] };

const DAIRY_20: Discount = {
  id: 'dairy-20', type: 'item', active: true, private: false, receipt_text: 'Dairy −20 %', created_at: '2026-01-01T00:00:00Z', created_by: 't', updated_at: '2026-01-01T00:00:00Z', updated_by: 't',
  requirement: { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2027-01-01T00:00:00Z', item: { items: [{ group_id: 'dairy' }] } },
  reward: { type: 'discount_percent', value: 20 },
};

function cart(): Cart {
  let c = emptyCart('NOK');
  for (const [p, q] of [[milk, 2], [soap, 1], [bread, 1]] as const) {
    const res = addProduct(c, p, q);
    if (!res.ok) throw new Error(res.error.message);
    c = res.value;
  }
  const voided = voidLine(c, 3);
  if (!voided.ok) throw new Error(voided.error.message);
  return voided.value;
}

const STORE = { id: 'T12345678', terminal_id: 'till-1' };

describe('a completed sale as a Dintero receipt', () => {
  it('carries items with their discounts, VAT per rate on what was paid, one payment per tender, the customer and the totals', () => {
    const c = cart();
    const priced = priceCart(c, prepareRules([DAIRY_20]), new Map([['dairy-20', [{ ref_id: 'r1', grant: 'any_customer', statistics: { usage: 0, stamp: 0, amount: 0, bonus: 0 }, stamps: [] }]]]), {
      receipt_id: 'sale-1', purchase_at: '2026-11-24T10:00:00.000Z', now: '2026-11-24T10:00:00.000Z', store: STORE, discount_codes: [], customer_id: 'kari',
    });
    // 2 milk 49.80 − 20 % = 39.84, soap 32.90: 72.74 paid by a gift card (50.00) and cash (22.74 of 50.00 given).
    expect(priced.net_amount).toBe(7_274);
    const sale: StoredSale = StoredSaleSchema.parse({
      sale_id: 'sale-1', completed_at: '2026-11-24T10:01:00.000Z', cart: c,
      tenders: [{ kind: 'gift_card', amount: 5_000, card_id: 'gc-12345678', transaction_id: 'tx-9' }, { kind: 'cash', amount: 2_274, given: 5_000 }],
      receipt: { ...priced.receipt, purchase_at: '2026-11-24T10:01:00.000Z' },
      customer: { customer_id: 'kari', name: 'Kari Nordmann', token: { token_id: 'card-1', type: 'membership_card', value: 'MEMBER-0001' } },
    });
    const r = saleToReceipt(sale, { id: 'other-store' });
    expect(r).toMatchObject({
      receipt_id: 'sale-1', purchase_at: '2026-11-24T10:01:00.000Z', store: STORE, currency: 'NOK',
      customer_id: 'kari', customer: { token: { token_id: 'card-1', type: 'membership_card', value: 'MEMBER-0001' } },
      gross_amount: 4_980 + 3_290, net_amount: 7_274, total_discount: 996, no_of_items: 3, amount_due: 0,
    });
    expect(r.items).toEqual([
      expect.objectContaining({ line_id: 1, id: 'milk', description: 'Milk', quantity: 2, unit_gross_price: 2_490, gross_amount: 4_980, net_amount: 3_984, tax_percent: 15, groups: [{ id: 'dairy' }], barcode: '7038010009457', discount_lines: [expect.objectContaining({ amount: 996, discount_id: 'dairy-20' })], bonus_lines: [] }),
      expect.objectContaining({ line_id: 2, id: 'soap', gross_amount: 3_290, net_amount: 3_290, discount_lines: [] }),
      // The voided bread is kept, marked, with nothing paid for it.
      { line_id: 3, id: 'bread', description: 'Bread', quantity: 1, unit_gross_price: 3_990, gross_amount: 3_990, tax_percent: 15, groups: [{ id: 'bakery' }], voided: true },
    ]);
    // VAT on the discounted milk (39.84 at 15 %) and the soap (32.90 at 25 %); the voided bread pays none.
    expect(r.tax_lines).toEqual([
      { percentage: 25, amount: 658, tax_basis: 2_632, included_in_price: true },
      { percentage: 15, amount: 520, tax_basis: 3_464, included_in_price: true, tax_group: 'food' },
    ]);
    expect(r.payments).toEqual([
      { line_id: 1, amount: 5_000, type_id: 'gift_card', description: 'Gift card', reference_id: 'tx-9', card_info: { card_number: '*******5678', card_type: 'gift_card', card_amount: 5_000 } },
      { line_id: 2, amount: 2_274, type_id: 'cash', description: 'Cash' },
    ]);
    expect(r.payments.reduce((sum, p) => sum + p.amount, 0)).toBe(r.net_amount);
    expect(r.discounts).toEqual(priced.receipt.discounts);
    expect(r.discounts?.[0]?.id).toBe('dairy-20');
  });

  it('builds a sale from before priced receipts from its cart: no discounts, the till\'s store, no customer', () => {
    const c = cart();
    const sale = StoredSaleSchema.parse({ sale_id: 'old', completed_at: '2026-11-20T09:00:00.000Z', cart: c, tenders: [{ kind: 'external_card', amount: 8_270 }] });
    const r = saleToReceipt(sale, STORE);
    expect(r).toMatchObject({ receipt_id: 'old', store: STORE, gross_amount: 8_270, net_amount: 8_270, total_discount: 0, discounts: [], payments: [{ line_id: 1, amount: 8_270, type_id: 'card_terminal', description: 'Card terminal' }] });
    expect(r.customer_id).toBeUndefined();
    expect(r.customer).toBeUndefined();
    expect(r.discount_code).toBeUndefined();
    expect(r.items?.map((i) => i.net_amount)).toEqual([4_980, 3_290, undefined]);
  });

  it('a card number shows its last four characters only', () => {
    expect(maskCardNumber('1234567890123456')).toBe('************3456');
    expect(maskCardNumber('abc')).toBe('abc');
  });
});
