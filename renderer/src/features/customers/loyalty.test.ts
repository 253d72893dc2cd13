import { describe, expect, it } from 'vitest';
import { emptyCart, addProduct, priceCart, type CustomerLoyaltyDoc, type Discount, type Receipt } from '@pos/core';
import { customerRefs, tillRules, type TillRules } from '../sale/discount-rules.ts';
import { loyaltyState, stampCards } from './loyalty.ts';

const WINDOW = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2027-01-01T00:00:00Z' };
const rule = (id: string, fields: Pick<Discount, 'requirement' | 'reward'> & Partial<Discount>): Discount => ({
  id, type: (fields.requirement.item?.items?.length ?? 0) > 0 ? 'item' : 'receipt', active: true, private: false, name: id,
  created_at: '2026-01-01T00:00:00Z', created_by: 't', updated_at: '2026-01-01T00:00:00Z', updated_by: 't', ...fields,
});
const COFFEE = rule('coffee-card', { name: 'Coffee card', requirement: { ...WINDOW, stamp: 9, item: { items: [{ id: 'coffee-cup' }] } }, reward: { type: 'discount_item_percent', value: 100 }, limitation: { stamp_expire_days: 30 } });
const BONUS = rule('bonus-2', { requirement: { ...WINDOW }, reward: { type: 'discount_percent', value: 2, effect: 'bonus' } });
const POINTS = rule('points', { requirement: { ...WINDOW, discount_code: 'POINTS' }, reward: { type: 'discount_debit', value: 0 }, metadata: { 'pos:bonus_points': true } });
const PERSONAL = rule('birthday', { requirement: { ...WINDOW }, reward: { type: 'discount_amount', value: 5_000 }, limitation: { dynamic_purchase_to_days: 7 } });
const ZERO = { usage: 0, stamp: 0, amount: 0, bonus: 0 };

const rules: TillRules = tillRules([COFFEE, BONUS, POINTS, PERSONAL].map((d) => ({ rule: d, refs: d.id === 'birthday' ? [] : [{ ref_id: `any-${d.id}`, grant: 'any_customer', statistics: { ...ZERO, usage: 50 } }] })));

const coffee = { product_id: 'coffee-cup', product_name: 'Coffee', unit_gross_price: 3_500, currency: 'NOK' as const, tax_percent: 15, group_ids: [] };

/** A sale of `cups` coffees for a customer with `loyalty`, priced by the engine as the till does. */
function sale(id: string, at: string, cups: number, loyalty: Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> | null, codes: string[] = []): Receipt {
  const cart = addProduct(emptyCart('NOK'), coffee, cups);
  if (!cart.ok) throw new Error(cart.error.message);
  const state = loyaltyState(loyalty, [], rules);
  return priceCart(cart.value, rules.prepared, customerRefs(rules, 'kari', state.provisional, state.spendable, new Date(at)), { receipt_id: id, purchase_at: at, now: at, store: { id: 's' }, discount_codes: codes, customer_id: 'kari' }).receipt;
}

const card = (stamps: { at: string; stamp: number }[], bonus = 0): Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> => ({
  refs: [{ discount_id: 'coffee-card', ref_id: 'any-coffee-card', grant: 'any_customer', granted_at: '2026-01-01T00:00:00Z', statistics: { ...ZERO, stamp: stamps.reduce((s, x) => s + x.stamp, 0) }, stamps }],
  bonus: { earned: bonus, spent: 0, balance: bonus },
});

describe('a customer\'s loyalty at the till', () => {
  it('reads the rules: stamp cards with the stamps they need, the points rule and its code', () => {
    expect(rules.stampCards).toEqual([{ discount_id: 'coffee-card', name: 'Coffee card', stamps: 9 }]);
    expect(rules.points).toEqual({ discount_id: 'points', code: 'POINTS' });
  });

  it('gives a purchase the customer\'s own figures on `*` refs (from zero when none), personal refs while valid, and the balance on the points rule', () => {
    const doc: Pick<CustomerLoyaltyDoc, 'refs'> = {
      refs: [
        { discount_id: 'coffee-card', ref_id: 'any-coffee-card', grant: 'any_customer', granted_at: '2026-01-01T00:00:00Z', statistics: { ...ZERO, stamp: 4 }, stamps: [{ at: '2026-11-20T10:00:00Z', stamp: 4 }] },
        { discount_id: 'birthday', ref_id: 'b-new', grant: 'customer', granted_at: '2026-11-20T00:00:00Z', statistics: ZERO, stamps: [] },
        { discount_id: 'birthday', ref_id: 'b-old', grant: 'customer', granted_at: '2026-10-01T00:00:00Z', statistics: ZERO, stamps: [] },
      ],
    };
    const refs = customerRefs(rules, 'kari', { ...doc, bonus: { earned: 2_000, spent: 0, balance: 2_000 } }, 1_234, new Date('2026-11-24T10:00:00Z'));
    expect(refs.get('coffee-card')).toEqual([{ ref_id: 'any-coffee-card', grant: 'any_customer', statistics: { ...ZERO, stamp: 4 }, stamps: [{ at: '2026-11-20T10:00:00Z', stamp: 4 }] }]);
    // Not the rule's 50 uses by everyone: this customer's own, which is none.
    expect(refs.get('bonus-2')).toEqual([{ ref_id: 'any-bonus-2', grant: 'any_customer', statistics: ZERO, stamps: [] }]);
    expect(refs.get('points')?.[0]?.statistics.debit_balance).toBe(1_234);
    // The birthday ref granted 4 days ago is valid for 7; the one from October is not.
    expect(refs.get('birthday')?.map((r) => r.ref_id)).toEqual(['b-new']);
    // Nothing for anonymous refs here.
    expect(customerRefs(rules, 'ola', null, 0, new Date()).get('coffee-card')?.[0]?.statistics).toEqual(ZERO);
  });

  it('adds the stamps and bonus of sales the server has not confirmed, and shows the stamp card the engine will count', () => {
    const confirmed = card([{ at: '2026-11-20T10:00:00Z', stamp: 7 }], 1_000);
    const first = sale('s1', '2026-11-24T10:00:00.000Z', 1, confirmed);
    const state = loyaltyState(confirmed, [first], rules);
    expect(state.pendingSales).toBe(1);
    expect(stampCards(rules, state.confirmed, new Date('2026-11-24T12:00:00Z'))).toEqual([{ discount_id: 'coffee-card', name: 'Coffee card', collected: 7, needed: 9 }]);
    expect(stampCards(rules, state.provisional, new Date('2026-11-24T12:00:00Z'))[0]?.collected).toBe(8);
    // 2 % of 35.00 earned, shown as provisional; not spendable before the server confirms it.
    expect(state.provisional.bonus).toEqual({ earned: 1_070, spent: 0, balance: 1_070 });
    expect(state.spendable).toBe(1_000);

    // Offline, two more sales: the 9th stamp, then the free coffee on the next purchase (priced with the provisional card).
    const second = sale('s2', '2026-11-24T11:00:00.000Z', 1, state.provisional);
    const afterTwo = loyaltyState(confirmed, [first, second], rules);
    expect(stampCards(rules, afterTwo.provisional, new Date('2026-11-24T12:00:00Z'))[0]?.collected).toBe(9);
    const third = sale('s3', '2026-11-24T12:00:00.000Z', 2, afterTwo.provisional);
    expect(third.discounts?.find((d) => d.id === 'coffee-card')?.refs[0]).toMatchObject({ usage: 1, stamp: 1 });
    const afterThree = loyaltyState(confirmed, [third, first, second], rules);
    // The reward used the 9 stamps; the second coffee of that sale starts the new card.
    expect(afterThree.provisional.refs.find((r) => r.discount_id === 'coffee-card')?.stamps).toEqual([{ at: '2026-11-24T12:00:00.000Z', stamp: 1 }]);
  });

  it('takes what unconfirmed sales spent off the spendable points, so an offline till cannot spend them twice', () => {
    const confirmed = card([], 4_720);
    const spent = sale('s1', '2026-11-24T10:00:00.000Z', 1, confirmed, ['POINTS']);
    expect(spent.discounts?.find((d) => d.id === 'points')?.refs[0]?.amount).toBe(3_500);
    const state = loyaltyState(confirmed, [spent], rules);
    expect(state.spendable).toBe(1_220);
    // The points paid for the whole coffee, so it earned no bonus.
    expect(state.provisional.bonus).toEqual({ earned: 4_720, spent: 3_500, balance: 1_220 });
    const next = sale('s2', '2026-11-24T10:05:00.000Z', 1, state.provisional, ['POINTS']);
    const r = customerRefs(rules, 'kari', state.provisional, state.spendable, new Date());
    expect(r.get('points')?.[0]?.statistics.debit_balance).toBe(1_220);
    expect(next.discounts?.find((d) => d.id === 'points')?.refs[0]?.amount).toBe(1_220);
  });

  it('counts only stamps within stamp_expire_days', () => {
    const doc = card([{ at: '2026-09-01T10:00:00Z', stamp: 5 }, { at: '2026-11-20T10:00:00Z', stamp: 2 }]);
    expect(stampCards(rules, doc, new Date('2026-11-24T10:00:00Z'))[0]?.collected).toBe(2);
  });
});
