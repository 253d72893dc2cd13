import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import { amountDue, cartTotals, isKnownDiscountCode, sameDiscountCode, type CartProduct, type CustomerLoyaltyDoc, type Discount } from '@pos/core';
import { tillRules, type TillRules } from '../features/sale/discount-rules.ts';
import { tillPricer } from '../features/sale/sale-actors.ts';
import { loyaltyState } from '../features/customers/loyalty.ts';
import type { Card, Transaction } from '@pos/core/contracts/wallets';
import { checkoutMachine, type CompletedSale, type GiftCardHold, type GiftCardHoldInput, type GiftCardInfoInput, type HoldsInput, type OfflineGiftCardInput, type OfflineGiftCardOutput, type Pricer, type SaleCustomer } from './checkout.machine.ts';

const products: Record<string, CartProduct> = {
  '7038010009457': { product_id: 'milk', product_name: 'Milk', unit_gross_price: 2490, currency: 'NOK', tax_percent: 15, group_ids: ['dairy'] },
  '7020097009261': { product_id: 'bread', product_name: 'Bread', unit_gross_price: 3990, currency: 'NOK', tax_percent: 15, group_ids: ['bakery'] },
  '7035620025037': { product_id: 'soap', product_name: 'Soap', unit_gross_price: 3290, currency: 'NOK', tax_percent: 25, group_ids: ['household'] },
  '7000000000017': { product_id: 'coffee-cup', product_name: 'Coffee', unit_gross_price: 3500, currency: 'NOK', tax_percent: 15, group_ids: ['drinks'] },
  // A product whose barcode is also printed on a membership card: the product wins.
  'MEMBER-0042': { product_id: 'tote', product_name: 'Tote bag', unit_gross_price: 1000, currency: 'NOK', tax_percent: 25, group_ids: [] },
};

/** Membership cards and app codes on the till: token value → customer. */
const tokens: Record<string, SaleCustomer> = {
  'MEMBER-0001': { customer_id: 'kari', name: 'Kari Nordmann', token: { token_id: 'card-1', type: 'membership_card', value: 'MEMBER-0001' } },
  'MEMBER-0042': { customer_id: 'ola', name: 'Ola Nordmann', token: { type: 'membership_card', value: 'MEMBER-0042' } },
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

/** 10 % off for members only (given to `*`). */
const MEMBER_10 = rule('member-10', { requirement: { ...WINDOW }, reward: { type: 'discount_percent', value: 10 } });
/** The coffee card: with 9 stamps on the card the next coffee is free. */
const COFFEE_CARD = rule('coffee-card', { requirement: { ...WINDOW, stamp: 9, item: { items: [{ id: 'coffee-cup' }] } }, reward: { type: 'discount_item_percent', value: 100 } });
/** Spending bonus points with the code POINTS. */
const POINTS = rule('points', { requirement: { ...WINDOW, discount_code: 'POINTS' }, reward: { type: 'discount_debit', value: 0 }, metadata: { 'pos:bonus_points': true } });
const ZERO = { usage: 0, stamp: 0, amount: 0, bonus: 0 };

/**
 * The till's own pricer over fixed rules; `rules.current` can be swapped. Rules in `members` are
 * given to `*` only, the rest to `/` and `*`. `loyalty` holds customers' documents as replicated.
 */
function pricer(rules: { current: readonly Discount[] }, members: readonly string[], loyalty: Map<string, Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'>>): { price: Pricer; isCouponCode: (code: string) => boolean; isPointsCode: (code: string) => boolean } {
  const till = (): TillRules => tillRules(rules.current.map((d) => ({
    rule: d,
    refs: [
      ...(members.includes(d.id) ? [] : [{ ref_id: `anon-${d.id}`, grant: 'no_customer', statistics: ZERO }]),
      { ref_id: `any-${d.id}`, grant: 'any_customer', statistics: ZERO },
    ],
  })));
  return {
    price: tillPricer(till, { id: 'store-1' }, (id) => loyaltyState(loyalty.get(id) ?? null, [], till())),
    isCouponCode: (code) => isKnownDiscountCode(till().prepared, code),
    isPointsCode: (code) => sameDiscountCode(till().points?.code ?? '', code),
  };
}

/** Fakes that answer after a delay, so fake timers decide when each side effect finishes. */
/**
 * The offline path's fake: card GC-TOKEN with PIN 1234 may pay up to `offlineLimit` per sale (like
 * core's rule with one cap, counting this sale's own offline tenders); anything else is refused.
 */
function fakeOffline(limit: number, calls: { offline: OfflineGiftCardInput[] }) {
  return (input: OfflineGiftCardInput): OfflineGiftCardOutput => {
    calls.offline.push(input);
    if (input.token !== 'GC-TOKEN') return { kind: 'refused', message: "This gift card is not on this till's list." };
    if (input.pin === undefined) return { kind: 'pin', message: null };
    if (input.pin !== '1234') return { kind: 'pin', message: 'Wrong PIN (4 tries left offline).' };
    const left = limit - input.saleTenders.reduce((sum, t) => sum + t.amount, 0);
    if (input.requested !== undefined && input.requested > left) return { kind: 'refused', message: `Offline, this card can pay at most ${left}.` };
    const amount = Math.min(input.requested ?? input.due, input.due, left);
    return {
      kind: 'taken',
      tender: { kind: 'gift_card_offline', amount, card_id: 'gc-1', card_pk: 'pk-1', currency: 'NOK', ref_id: `${input.saleId}:gift-card-offline:${input.saleTenders.length + 1}`, created_at: '2026-11-24T10:00:00.000Z', allowance: 'allowance.jws', lease: 'lease.jws' },
      note: amount < input.due ? `Take the remaining ${input.due - amount} another way.` : null,
    };
  };
}

function fakes(opts: { available?: number; pin?: string; holdFails?: boolean; infoFails?: boolean; online?: { current: boolean }; offlineLimit?: number; rules?: { current: readonly Discount[] }; members?: readonly string[]; loyalty?: Map<string, Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'>> } = {}) {
  const calls = { holds: [] as Array<{ amount: number; refId: string }>, released: [] as GiftCardHold[][], committed: [] as CompletedSale[], customerLookups: [] as string[], info: 0, offline: [] as OfflineGiftCardInput[] };
  const offline = fakeOffline(opts.offlineLimit ?? 20_000, calls);
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
      customerLookup: fromPromise(({ input }: { input: { code: string } }) => later((): SaleCustomer | null => {
        calls.customerLookups.push(input.code);
        return tokens[input.code] ?? null;
      }, 2)),
      giftCardInfo: fromPromise(({ input }: { input: GiftCardInfoInput }) => later((): Card => {
        calls.info += 1;
        if (opts.infoFails === true) throw Object.assign(new ApiError('NETWORK', 'The server cannot be reached.'), { status: 0 });
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
      releaseHolds: fromPromise(({ input }: { input: HoldsInput }) => later(() => {
        calls.released.push([...input.holds]);
        return undefined;
      })),
      commitSale: fromPromise(({ input }: { input: CompletedSale }) => later(() => {
        calls.committed.push(input);
        return undefined;
      })),
      offlineGiftCard: fromPromise(({ input }: { input: OfflineGiftCardInput }) => later(() => offline(input))),
    },
  });
  let n = 0;
  const actor = createActor(machine, {
    input: {
      currency: 'NOK', newId: () => `sale-${++n}`, now: () => new Date('2026-11-24T10:00:00Z'), explain: (e) => (e instanceof ApiError ? `${e.code}: ${e.message}` : String(e)),
      ...pricer(opts.rules ?? { current: [] }, opts.members ?? [], opts.loyalty ?? new Map()),
      ...(opts.online === undefined ? {} : { isOnline: () => opts.online?.current ?? true }),
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

  it('splits a payment: gift card (with PIN) first, then cash with change; the committed sale carries the hold for the outbox to capture', async () => {
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

  it('sale after sale, each committed sale carries only its own gift-card holds', async () => {
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
    expect(calls.committed.map((sale) => sale.tenders.flatMap((t) => (t.kind === 'gift_card' ? [t.transaction_id] : [])))).toEqual([['tx-1'], ['tx-2']]);
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

  it('an unknown gift card takes nothing and explains why', async () => {
    const { actor, calls } = fakes();
    actor.send({ type: 'scan.received', code: '7038010009457' });
    await settle();
    actor.send({ type: 'pay' });
    actor.send({ type: 'tender.giftCard', token: 'NOPE' });
    await settle();
    expect(actor.getSnapshot().context.message).toMatch(/WALLET_TOKEN_NOT_FOUND/);
    expect(actor.getSnapshot().matches({ paying: 'choosing' })).toBe(true);
    expect(actor.getSnapshot().context.tenders).toEqual([]);
    expect(calls.holds).toEqual([]);
    expect(calls.offline).toEqual([]);
  });

  it('a typed gift card amount is held exactly; one above what the card has or what is due is refused', async () => {
    const { actor, calls } = fakes({ available: 3_000 });
    for (const code of ['7038010009457', '7020097009261']) actor.send({ type: 'scan.received', code });
    await settle();
    actor.send({ type: 'pay' });
    actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN', amount: 99_900 });
    expect(actor.getSnapshot().context.message).toMatch(/999,00.*is more than the 64,80.* due/);
    actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN', amount: 4_000 });
    await settle();
    actor.send({ type: 'giftCard.pin', pin: '1234' });
    await settle();
    expect(actor.getSnapshot().context.message).toMatch(/only 30,00.*left/);
    expect(calls.holds).toEqual([]);
    actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN', amount: 2_000 });
    await settle();
    actor.send({ type: 'giftCard.pin', pin: '1234' });
    await settle();
    expect(calls.holds).toEqual([{ amount: 2_000, refId: 'sale-1:gift-card:1' }]);
    expect(amountDue(actor.getSnapshot().context.priced.net_amount, actor.getSnapshot().context.tenders)).toBe(2490 + 3990 - 2_000);
  });

  describe('gift cards offline', () => {
    const startPaying = async (actor: ReturnType<typeof fakes>['actor'], codes = ['7038010009457', '7020097009261', '7035620025037']) => {
      for (const code of codes) actor.send({ type: 'scan.received', code });
      await settle();
      actor.send({ type: 'pay' });
    };

    it('when the server cannot be reached, takes the card offline within what it may pay (PIN asked), and says what is left to pay', async () => {
      const { actor, calls } = fakes({ infoFails: true, offlineLimit: 5_000 });
      await startPaying(actor);
      actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN' });
      await settle();
      expect(actor.getSnapshot().matches({ paying: 'needPin' })).toBe(true);
      actor.send({ type: 'giftCard.pin', pin: '0000' });
      await settle();
      expect(actor.getSnapshot().matches({ paying: 'needPin' })).toBe(true);
      expect(actor.getSnapshot().context.message).toBe('Wrong PIN (4 tries left offline).');
      actor.send({ type: 'giftCard.pin', pin: '1234' });
      await settle();
      const { context } = actor.getSnapshot();
      expect(actor.getSnapshot().matches({ paying: 'choosing' })).toBe(true);
      // 97.70 due; the card may pay 50.00 offline.
      expect(context.tenders).toMatchObject([{ kind: 'gift_card_offline', amount: 5_000, ref_id: 'sale-1:gift-card-offline:1' }]);
      expect(context.message).toBe(`Take the remaining ${9_770 - 5_000} another way.`);
      expect(context.holds).toEqual([]);
      expect(calls.holds).toEqual([]);
      expect(calls.info).toBe(1);
    });

    it('pays only what the card may offline, refuses a typed amount above it, and a second card gets its own ref_id', async () => {
      const { actor, calls } = fakes({ online: { current: false }, offlineLimit: 5_000 });
      await startPaying(actor);
      actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN', amount: 6_000 });
      await settle();
      actor.send({ type: 'giftCard.pin', pin: '1234' });
      await settle();
      expect(actor.getSnapshot().context.message).toBe('Offline, this card can pay at most 5000.');
      expect(actor.getSnapshot().context.tenders).toEqual([]);
      actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN', amount: 3_000 });
      await settle();
      actor.send({ type: 'giftCard.pin', pin: '1234' });
      await settle();
      actor.send({ type: 'tender.giftCard', token: 'GC-TOKEN' });
      await settle();
      actor.send({ type: 'giftCard.pin', pin: '1234' });
      await settle();
      const { context } = actor.getSnapshot();
      expect(context.tenders.map((t) => (t.kind === 'gift_card_offline' ? [t.amount, t.ref_id] : t.kind))).toEqual([[3_000, 'sale-1:gift-card-offline:1'], [2_000, 'sale-1:gift-card-offline:2']]);
      expect(context.message).toBe(`Take the remaining ${9_770 - 3_000 - 2_000} another way.`);
      // Known offline: the online lookup is not even tried.
      expect(calls.info).toBe(0);
      expect(calls.offline.at(-1)?.saleTenders.map((t) => t.amount)).toEqual([3_000]);
      actor.send({ type: 'tender.cash', given: 10_000 });
      await settle();
      expect(actor.getSnapshot().matches('done')).toBe(true);
      // No hold: the commit carries the offline tenders for the outbox.
      expect(calls.holds).toEqual([]);
      expect(calls.committed[0]?.tenders.map((t) => t.kind)).toEqual(['gift_card_offline', 'gift_card_offline', 'cash']);
    });

    it('a hold that fails because the server went away takes the card offline instead', async () => {
      const { actor, calls } = fakes({ holdFails: true });
      await startPaying(actor, ['7038010009457']);
      await payByGiftCard(actor);
      expect(calls.holds).toEqual([]);
      expect(actor.getSnapshot().matches('done')).toBe(true);
      expect(calls.committed[0]?.tenders).toMatchObject([{ kind: 'gift_card_offline', amount: 2_490 }]);
    });

    it('cancelling drops offline tenders with nothing to release; a refused card takes nothing', async () => {
      const { actor, calls } = fakes({ online: { current: false }, offlineLimit: 1_000 });
      await startPaying(actor);
      actor.send({ type: 'tender.giftCard', token: 'UNKNOWN' });
      await settle();
      expect(actor.getSnapshot().context.message).toMatch(/not on this till's list/);
      await payByGiftCard(actor);
      expect(actor.getSnapshot().context.tenders).toHaveLength(1);
      actor.send({ type: 'sale.cancel' });
      await settle();
      expect(actor.getSnapshot().matches('selling')).toBe(true);
      expect(calls.released).toEqual([]);
      expect(calls.committed).toEqual([]);
      expect(actor.getSnapshot().context.tenders).toEqual([]);
    });
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
  describe('with a customer', () => {
    const cardWith = (stamps: number): Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> => ({
      refs: [{ discount_id: 'coffee-card', ref_id: 'any-coffee-card', grant: 'any_customer', granted_at: '2026-01-01T00:00:00Z', statistics: { ...ZERO, stamp: stamps }, stamps: stamps === 0 ? [] : [{ at: '2026-11-01T10:00:00Z', stamp: stamps }] }],
      bonus: { earned: 0, spent: 0, balance: 0 },
    });
    const withBonus = (balance: number): Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> => ({ refs: [], bonus: { earned: balance, spent: 0, balance } });

    it('a scanned membership card identifies the customer and re-prices with the member rules; removing them takes the rules away', async () => {
      const { actor } = fakes({ rules: { current: [MEMBER_10] }, members: ['member-10'] });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      await settle();
      expect(actor.getSnapshot().context.priced.total_discount).toBe(0);
      actor.send({ type: 'scan.received', code: 'MEMBER-0001' });
      await settle();
      expect(actor.getSnapshot().context.customer).toEqual(tokens['MEMBER-0001']);
      expect(actor.getSnapshot().context.priced.total_discount).toBe(399);
      expect(actor.getSnapshot().context.priced.receipt.customer_id).toBe('kari');
      actor.send({ type: 'customer.remove' });
      expect(actor.getSnapshot().context).toMatchObject({ customer: null, priced: { total_discount: 0 } });
      expect(actor.getSnapshot().context.priced.receipt.customer_id).toBeUndefined();
    });

    it('a code that is a product and a token adds the product; one that is neither is unknown; a customer picked by phone is identified too', async () => {
      const { actor, calls } = fakes();
      actor.send({ type: 'scan.received', code: 'MEMBER-0042' });
      actor.send({ type: 'scan.received', code: 'NOBODY-1' });
      await settle();
      const { context } = actor.getSnapshot();
      expect(context.cart.lines.map((l) => l.product_id)).toEqual(['tote']);
      expect(context.customer).toBeNull();
      expect(context.message).toMatch(/Unknown barcode NOBODY-1/);
      // Only the code that was no product was looked up among the customers.
      expect(calls.customerLookups).toEqual(['NOBODY-1']);
      actor.send({ type: 'customer.identify', customer: { customer_id: 'per', name: 'Per Hansen' } });
      expect(actor.getSnapshot().context.customer).toEqual({ customer_id: 'per', name: 'Per Hansen' });
    });

    it('prices the coffee card with the customer\'s own stamps: free with 9 on the card, not with 3', async () => {
      const loyalty = new Map([['kari', cardWith(9)], ['ola', cardWith(3)]]);
      const { actor } = fakes({ rules: { current: [COFFEE_CARD] }, members: ['coffee-card'], loyalty });
      actor.send({ type: 'scan.received', code: '7000000000017' });
      await settle();
      // Anonymous: a stamp card needs a customer.
      expect(actor.getSnapshot().context.priced.total_discount).toBe(0);
      actor.send({ type: 'customer.identify', customer: { customer_id: 'ola', name: 'Ola' } });
      expect(actor.getSnapshot().context.priced.total_discount).toBe(0);
      expect(actor.getSnapshot().context.priced.receipt.discounts).toEqual([expect.objectContaining({ id: 'coffee-card', refs: [expect.objectContaining({ stamp: 1, usage: 0 })] })]);
      actor.send({ type: 'customer.identify', customer: { customer_id: 'kari', name: 'Kari' } });
      expect(actor.getSnapshot().context.priced.total_discount).toBe(3_500);
    });

    it('"Use points" spends the balance up to the total; pressing again or removing the customer takes it off', async () => {
      const loyalty = new Map([['kari', withBonus(4_720)], ['ola', withBonus(100_000)]]);
      const { actor } = fakes({ rules: { current: [POINTS] }, members: ['points'], loyalty });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      actor.send({ type: 'scan.received', code: '7038010009457' });
      await settle();
      actor.send({ type: 'points.toggle', code: 'POINTS' });
      expect(actor.getSnapshot().context.message).toMatch(/Identify the customer first/);
      expect(actor.getSnapshot().context.codes).toEqual([]);
      actor.send({ type: 'customer.identify', customer: { customer_id: 'kari', name: 'Kari' } });
      actor.send({ type: 'points.toggle', code: 'POINTS' });
      expect(actor.getSnapshot().context).toMatchObject({ codes: ['POINTS'], priced: { total_discount: 4_720, net_amount: 3_990 + 2_490 - 4_720 } });
      actor.send({ type: 'points.toggle', code: 'POINTS' });
      expect(actor.getSnapshot().context).toMatchObject({ codes: [], priced: { total_discount: 0 } });
      // More points than the sale costs: the sale becomes free, the rest stays on the account.
      actor.send({ type: 'customer.identify', customer: { customer_id: 'ola', name: 'Ola' } });
      actor.send({ type: 'points.toggle', code: 'POINTS' });
      expect(actor.getSnapshot().context.priced).toMatchObject({ total_discount: 3_990 + 2_490, net_amount: 0 });
      actor.send({ type: 'customer.remove' });
      expect(actor.getSnapshot().context).toMatchObject({ codes: [], customer: null, priced: { total_discount: 0 } });
    });

    it('once payment starts the customer is fixed; the completed sale carries the customer and their token', async () => {
      const loyalty = new Map([['kari', withBonus(1_000)]]);
      const { actor, calls } = fakes({ rules: { current: [MEMBER_10] }, members: ['member-10'], loyalty });
      actor.send({ type: 'scan.received', code: '7020097009261' });
      actor.send({ type: 'scan.received', code: 'MEMBER-0001' });
      await settle();
      actor.send({ type: 'pay' });
      actor.send({ type: 'customer.remove' });
      actor.send({ type: 'rules.changed' });
      expect(actor.getSnapshot().context.customer?.customer_id).toBe('kari');
      expect(actor.getSnapshot().context.priced.net_amount).toBe(3_990 - 399);
      actor.send({ type: 'tender.external' });
      await settle();
      expect(actor.getSnapshot().matches('done')).toBe(true);
      expect(calls.committed[0]).toMatchObject({ customer: tokens['MEMBER-0001'], receipt: { customer_id: 'kari' } });
      // The next shopper starts anonymous.
      actor.send({ type: 'sale.new' });
      expect(actor.getSnapshot().context.customer).toBeNull();
    });
  });
});
