import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import { cartTotals, isKnownDiscountCode, prepareRules, type CartProduct, type Discount, type EngineRef } from '@pos/core';
import type { TillRules } from '../features/sale/discount-rules.ts';
import { tillPricer } from '../features/sale/sale-actors.ts';
import type { Card, Transaction } from '@pos/core/contracts/wallets';
import { checkoutMachine, type CompletedSale, type GiftCardHold, type GiftCardHoldInput, type GiftCardInfoInput, type HoldsInput, type Pricer } from './checkout.machine.ts';

const products: Record<string, CartProduct> = {
  '7038010009457': { product_id: 'milk', product_name: 'Milk', unit_gross_price: 2490, currency: 'NOK', tax_percent: 15, group_ids: ['dairy'] },
  '7020097009261': { product_id: 'bread', product_name: 'Bread', unit_gross_price: 3990, currency: 'NOK', tax_percent: 15, group_ids: ['bakery'] },
  '7035620025037': { product_id: 'soap', product_name: 'Soap', unit_gross_price: 3290, currency: 'NOK', tax_percent: 25, group_ids: ['household'] },
};

class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const card = (available: number): Card => ({
  id: 'c1', created_at: '', created_by: '', card_id: 'gc-1', metadata: {}, amount: 50_000, currency: 'NOK', amount_balance: available, amount_available: available,
  amount_funds: 50_000, amount_drawdown: 0, amount_pending: 0, amount_reserved: 0, type: 'gift_card', status: 'active', has_pin: true,
});

const rule = (id: string, fields: Pick<Discount, 'requirement' | 'reward'> & Partial<Discount>): Discount => ({
  id, type: (fields.requirement.item?.items?.length ?? 0) > 0 ? 'item' : 'receipt', active: true, private: false, receipt_text: id,
  created_at: '2026-01-01T00:00:00Z', created_by: 'test', updated_at: '2026-01-01T00:00:00Z', updated_by: 'test', ...fields,
});
const WINDOW = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2027-01-01T00:00:00Z' };
/** Bread is 10 kr off; the coupon SAVE20 takes 20 % off a receipt of 50 kr or more. */
const BREAD_OFF = rule('bread-off', { requirement: { ...WINDOW, item: { items: [{ id: 'bread' }] } }, reward: { type: 'discount_amount', value: 1_000 } });
const SAVE20 = rule('save20', { requirement: { ...WINDOW, discount_code: 'SAVE20', gross_amount: 5_000 }, reward: { type: 'discount_percent', value: 20 } });

/** The till's own pricer over fixed rules, all given to anonymous purchases; `rules.current` can be swapped. */
function pricer(rules: { current: readonly Discount[] }): { price: Pricer; isCouponCode: (code: string) => boolean } {
  const till = (): TillRules => ({
    prepared: prepareRules(rules.current),
    anonymousRefs: new Map<string, readonly EngineRef[]>(rules.current.map((d) => [d.id, [{ ref_id: `ref-${d.id}`, grant: 'no_customer', statistics: { usage: 0, stamp: 0, amount: 0, bonus: 0 }, stamps: [] }]])),
  });
  return { price: tillPricer(till, { id: 'store-1' }), isCouponCode: (code) => isKnownDiscountCode(till().prepared, code) };
}

/** Fakes that answer after a delay, so fake timers decide when each side effect finishes. */
function fakes(opts: { available?: number; pin?: string; holdFails?: boolean; rules?: { current: readonly Discount[] } } = {}) {
  const calls = { holds: [] as Array<{ amount: number; refId: string }>, captured: [] as GiftCardHold[][], released: [] as GiftCardHold[][], committed: [] as CompletedSale[] };
  const later = <T>(value: () => T, ms = 20) => new Promise<T>((resolve, reject) => setTimeout(() => {
    try {
      resolve(value());
    } catch (e) {
      reject(e);
    }
  }, ms));
  const machine = checkoutMachine.provide({
    actors: {
      productLookup: fromPromise(({ input }: { input: { code: string } }) => later((): CartProduct | null => products[input.code] ?? null, 2)),
      giftCardInfo: fromPromise(({ input }: { input: GiftCardInfoInput }) => later((): Card => {
        if (input.token !== 'GC-TOKEN') throw new ApiError('WALLET_TOKEN_NOT_FOUND', 'no card');
        if (input.pin === undefined) throw new ApiError('WALLET_PIN_REQUIRED', 'pin');
        if (input.pin !== (opts.pin ?? '1234')) throw new ApiError('WALLET_PIN_INVALID', 'wrong PIN (4 tries left before the card locks)');
        return card(opts.available ?? 50_000);
      })),
      giftCardHold: fromPromise(({ input }: { input: GiftCardHoldInput }) => later((): Transaction => {
        if (opts.holdFails === true) throw new ApiError('NETWORK', 'offline');
        calls.holds.push({ amount: input.amount, refId: input.refId });
        return { id: `tx-${calls.holds.length}`, created_at: '', created_by: '', card_id: 'gc-1', metadata: {}, ref_id: input.refId, amount: input.amount, currency: 'NOK', type: 'pending_capture' };
      })),
      captureHolds: fromPromise(({ input }: { input: HoldsInput }) => later(() => {
        calls.captured.push([...input.holds]);
        return undefined;
      })),
      releaseHolds: fromPromise(({ input }: { input: HoldsInput }) => later(() => {
        calls.released.push([...input.holds]);
        return undefined;
      })),
      commitSale: fromPromise(({ input }: { input: CompletedSale }) => later(() => {
        calls.committed.push(input);
        return undefined;
      })),
    },
  });
  let n = 0;
  const actor = createActor(machine, {
    input: {
      currency: 'NOK', newId: () => `sale-${++n}`, now: () => new Date('2026-11-24T10:00:00Z'), explain: (e) => (e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
      ...pricer(opts.rules ?? { current: [] }),
    },
  }).start();
  return { actor, calls };
}

describe('checkout machine', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const settle = () => vi.advanceTimersByTimeAsync(100);

  /** The cashier's gift-card steps: card number, then the PIN the customer types. */
  const payByGiftCard = async (actor: ReturnType<typeof fakes>['actor'], pin = '1234') => {
    actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN' });
    await settle();
    actor.send({ type: 'giftCard.pin', pin });
    await settle();
  };

  it('adds scanned products, merges repeat scans, and leaves the cart alone for an unknown barcode', async () => {
    const { actor } = fakes();
    for (const code of ['7038010009457', '7020097009261', '7038010009457', '0000000000000']) actor.send({ type: 'scan.received', code });
    await settle();
    const { context } = actor.getSnapshot();
    expect(context.cart.lines.map((l) => [l.product_id, l.quantity])).toEqual([['milk', 2], ['bread', 1]]);
    expect(cartTotals(context.cart).gross_amount).toBe(2 * 2490 + 3990);
    expect(context.message).toMatch(/Unknown barcode 0000000000000/);
    expect(actor.getSnapshot().can({ type: 'pay' })).toBe(true);
  });

  it('cannot pay an empty cart', () => {
    const { actor } = fakes();
    expect(actor.getSnapshot().can({ type: 'pay' })).toBe(false);
  });

  it('splits a payment: gift card (with PIN) first, then cash with change; captures and commits before done', async () => {
    const { actor, calls } = fakes({ available: 5_000 });
    for (const code of ['7038010009457', '7020097009261', '7035620025037']) actor.send({ type: 'scan.received', code });
    await settle();
    actor.send({ type: 'pay' });
    actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN' });
    await settle();
    expect(actor.getSnapshot().matches({ paying: 'needPin' })).toBe(true);
    actor.send({ type: 'giftCard.pin', pin: '9999' });
    await settle();
    expect(actor.getSnapshot().matches({ paying: 'needPin' })).toBe(true);
    expect(actor.getSnapshot().context.message).toMatch(/WALLET_PIN_INVALID/);
    expect(calls.holds).toEqual([]);
    actor.send({ type: 'giftCard.pin', pin: '1234' });
    await settle();
    // The card holds what it has (50.00), since that is less than the 97.70 due.
    expect(calls.holds).toEqual([{ amount: 5_000, refId: 'sale-1:gift-card:1' }]);
    expect(actor.getSnapshot().matches({ paying: 'choosing' })).toBe(true);
    actor.send({ type: 'tender.cash', given: 5_000 });
    await settle();
    expect(actor.getSnapshot().matches('done')).toBe(true);
    expect(calls.captured).toEqual([[{ transaction_id: 'tx-1', card_id: 'gc-1', amount: 5_000 }]]);
    const sale = calls.committed[0];
    expect(sale?.tenders).toEqual([
      { kind: 'gift_card', amount: 5_000, card_id: 'gc-1', transaction_id: 'tx-1' },
      { kind: 'cash', amount: 4_770, given: 5_000 },
    ]);
  });

  it('does not say done before the sale is committed', async () => {
    const { actor } = fakes();
    actor.send({ type: 'scan.received', code: '7038010009457' });
    await settle();
    actor.send({ type: 'pay' });
    actor.send({ type: 'tender.external' });
    await vi.advanceTimersByTimeAsync(10);
    expect(actor.getSnapshot().matches('done')).toBe(false);
    await vi.advanceTimersByTimeAsync(50);
    expect(actor.getSnapshot().matches('done')).toBe(true);
  });

  it('sale after sale, each sale captures only its own gift-card holds', async () => {
    const { actor, calls } = fakes();
    actor.send({ type: 'scan.received', code: '7038010009457' });
    await settle();
    actor.send({ type: 'pay' });
    await payByGiftCard(actor);
    // The gift card covered everything, so the sale completed on its own.
    expect(actor.getSnapshot().matches('done')).toBe(true);
    actor.send({ type: 'sale.new' });
    actor.send({ type: 'scan.received', code: '7020097009261' });
    actor.send({ type: 'scan.received', code: '7035620025037' });
    await settle();
    actor.send({ type: 'pay' });
    actor.send({ type: 'tender.external', amount: 1_000 });
    await payByGiftCard(actor);
    expect(actor.getSnapshot().matches('done')).toBe(true);
    expect(calls.captured.map((holds) => holds.map((h) => h.transaction_id))).toEqual([['tx-1'], ['tx-2']]);
    expect(calls.released).toEqual([]);
  });

  it('cancelling while a gift card is held releases the hold', async () => {
    const { actor, calls } = fakes({ available: 1_000 });
    actor.send({ type: 'scan.received', code: '7038010009457' });
    await settle();
    actor.send({ type: 'pay' });
    await payByGiftCard(actor);
    expect(actor.getSnapshot().context.holds).toHaveLength(1);
    actor.send({ type: 'sale.cancel' });
    await settle();
    expect(calls.released).toEqual([[{ transaction_id: 'tx-1', card_id: 'gc-1', amount: 1_000 }]]);
    expect(calls.committed).toEqual([]);
    const { context } = actor.getSnapshot();
    expect(actor.getSnapshot().matches('selling')).toBe(true);
    expect([context.cart.lines.length, context.tenders.length, context.holds.length, context.saleId]).toEqual([0, 0, 0, 'sale-2']);
  });

  it('an unknown gift card or a failed hold takes nothing and explains why', async () => {
    const { actor, calls } = fakes({ holdFails: true });
    actor.send({ type: 'scan.received', code: '7038010009457' });
    await settle();
    actor.send({ type: 'pay' });
    actor.send({ type: 'tender.giftCard', token: 'NOPE' });
    await settle();
    expect(actor.getSnapshot().context.message).toMatch(/WALLET_TOKEN_NOT_FOUND/);
    actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN' });
    await settle();
    actor.send({ type: 'giftCard.pin', pin: '1234' });
    await settle();
    expect(actor.getSnapshot().matches({ paying: 'choosing' })).toBe(true);
    expect(actor.getSnapshot().context.message).toMatch(/NETWORK/);
    expect(actor.getSnapshot().context.tenders).toEqual([]);
    expect(calls.holds).toEqual([]);
  });

  it('quantity changes and line voids change the total; an invalid quantity is refused', async () => {
    const { actor } = fakes();
    actor.send({ type: 'scan.received', code: '7038010009457' });
    actor.send({ type: 'scan.received', code: '7035620025037' });
    await settle();
    actor.send({ type: 'line.quantity', lineId: 1, quantity: 3 });
    actor.send({ type: 'line.void', lineId: 2 });
    actor.send({ type: 'line.quantity', lineId: 1, quantity: 0 });
    const { context } = actor.getSnapshot();
    expect(cartTotals(context.cart).gross_amount).toBe(3 * 2490);
    expect(context.message).toMatch(/Quantity/);
    await waitFor(actor, (s) => s.matches('selling'));
  });

  describe('with discounts', () => {
    it('prices every change with the rules; tenders are taken against the discounted total and the sale carries the discounts', async () => {
      const { actor, calls } = fakes({ rules: { current: [BREAD_OFF] } });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      actor.send({ type: 'scan.received', code: '7038010009457' });
      await settle();
      expect(actor.getSnapshot().context.priced).toMatchObject({ gross_amount: 3_990 + 2_490, total_discount: 1_000, net_amount: 5_480 });
      actor.send({ type: 'line.quantity', lineId: 1, quantity: 2 });
      // 10 kr off once per purchase, whatever the quantity (one application without item.quantity).
      expect(actor.getSnapshot().context.priced.net_amount).toBe(2 * 3_990 + 2_490 - 1_000);
      actor.send({ type: 'pay' });
      actor.send({ type: 'tender.cash', given: 10_000 });
      await settle();
      expect(actor.getSnapshot().matches('done')).toBe(true);
      const sale = calls.committed[0];
      expect(sale?.tenders).toEqual([{ kind: 'cash', amount: 9_470, given: 10_000 }]);
      expect(sale?.receipt.discounts?.map((d) => d.id)).toEqual(['bread-off']);
      expect(sale?.receipt.items?.[0]?.discount_lines).toEqual([expect.objectContaining({ amount: 1_000, discount_id: 'bread-off', line_id: 1 })]);
      expect(sale?.receipt.purchase_at).toBe('2026-11-24T10:00:00.000Z');
    });

    it('takes a typed or scanned coupon only when a rule asks for it, and says why not otherwise', async () => {
      const { actor } = fakes({ rules: { current: [SAVE20] } });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      await settle();
      actor.send({ type: 'coupon.enter', code: 'FREESTUFF' });
      expect(actor.getSnapshot().context).toMatchObject({ codes: [], message: expect.stringMatching(/Coupon FREESTUFF is not valid/) });
      expect(actor.getSnapshot().context.priced.total_discount).toBe(0);
      actor.send({ type: 'scan.received', code: 'save20' });
      await settle();
      expect(actor.getSnapshot().context.codes).toEqual(['save20']);
      expect(actor.getSnapshot().context.priced.total_discount).toBe(Math.round(2 * 3_990 * 0.2));
      actor.send({ type: 'coupon.enter', code: ' SAVE20 ' });
      expect(actor.getSnapshot().context.message).toMatch(/already on this sale/);
      actor.send({ type: 'coupon.remove', code: 'SAVE20' });
      expect(actor.getSnapshot().context).toMatchObject({ codes: [], priced: { total_discount: 0 } });
    });

    it('reprices when the rules change while selling, but not once payment has started', async () => {
      const rules: { current: readonly Discount[] } = { current: [] };
      const { actor } = fakes({ rules });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      await settle();
      rules.current = [BREAD_OFF];
      actor.send({ type: 'rules.changed' });
      expect(actor.getSnapshot().context.priced.net_amount).toBe(2_990);
      actor.send({ type: 'pay' });
      rules.current = [];
      actor.send({ type: 'rules.changed' });
      expect(actor.getSnapshot().context.priced.net_amount).toBe(2_990);
    });
  });
});
