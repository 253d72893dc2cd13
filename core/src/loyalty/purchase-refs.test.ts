import { describe, expect, it } from 'vitest';
import type { Discount } from '../contracts/discounts.ts';
import type { CustomerLoyaltyDoc } from '../contracts/sync.ts';
import { POINTS_RULE_KEY } from './bonus.ts';
import { emptyCustomerLoyalty, engineRefs, refStatistics, replicaPurchaseRefs, type ReplicaRule } from './purchase-refs.ts';

const window = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2026-12-31T23:59:59Z' };
const AT = '2026-06-10T10:00:00.000Z';

function rule(id: string, over: Partial<Discount> = {}): Discount {
  return {
    id, created_at: window.purchase_from, created_by: 't', updated_at: window.purchase_from, updated_by: 't', type: 'receipt', active: true, private: false,
    requirement: window, reward: { type: 'discount_percent', value: 10 }, ...over,
  };
}

const ZERO = { usage: 0, stamp: 0, amount: 0, bonus: 0 };
const pct = rule('pct');
const gift = rule('gift', { reward: { type: 'discount_debit', value: 5_000 } });
const points = rule('points', { reward: { type: 'discount_debit', value: 0 }, metadata: { [POINTS_RULE_KEY]: true } });
const week = rule('week', { limitation: { dynamic_purchase_to_days: 7 } });

const rules: ReplicaRule[] = [
  { rule: pct, refs: [{ ref_id: 'pct-slash', grant: 'no_customer', statistics: { ...ZERO, usage: 40 } }, { ref_id: 'pct-star', grant: 'any_customer', statistics: { ...ZERO, usage: 99, amount: 12_345 } }] },
  { rule: gift, refs: [] },
  { rule: points, refs: [{ ref_id: 'points-star', grant: 'any_customer', statistics: { ...ZERO, usage: 7 } }] },
  { rule: week, refs: [] },
];

const loyalty: CustomerLoyaltyDoc = {
  id: 'c1', updated_at: AT, _deleted: false, customer_id: 'c1',
  refs: [
    { discount_id: 'pct', ref_id: 'pct-star', grant: 'any_customer', granted_at: '2026-01-02T00:00:00.000Z', statistics: { ...ZERO, usage: 2, amount: 300 }, stamps: [{ at: '2026-06-01T00:00:00.000Z', stamp: 1 }] },
    { discount_id: 'gift', ref_id: 'gift-c1', grant: 'customer', granted_at: '2026-03-01T00:00:00.000Z', statistics: { ...ZERO, usage: 1, amount: 1_000, debit_balance: 4_000 }, stamps: [] },
    { discount_id: 'week', ref_id: 'week-old', grant: 'customer', granted_at: '2026-06-01T00:00:00.000Z', statistics: ZERO, stamps: [] },
    { discount_id: 'week', ref_id: 'week-new', grant: 'customer', granted_at: '2026-06-05T00:00:00.000Z', statistics: ZERO, stamps: [] },
    // A personal ref of a rule this till does not have (deleted, inactive): nothing to price.
    { discount_id: 'gone', ref_id: 'gone-c1', grant: 'customer', granted_at: '2026-03-01T00:00:00.000Z', statistics: ZERO, stamps: [] },
  ],
  bonus: { earned: 900, spent: 200, balance: 700 },
};

const plain = (m: Map<string, unknown[]>): Record<string, unknown> => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));

describe('the refs a purchase may use', () => {
  it('anonymous: the / refs with their shared statistics, nothing given to * or to customers', () => {
    expect(plain(replicaPurchaseRefs(rules, undefined, AT))).toEqual({
      pct: [{ ref_id: 'pct-slash', grant: 'no_customer', statistics: { ...ZERO, usage: 40 }, stamps: [] }],
    });
  });

  it("identified: own refs, * refs with this customer's statistics (zero when unused), the bonus balance on points rules, expired grants left out", () => {
    expect(plain(replicaPurchaseRefs(rules, loyalty, AT))).toEqual({
      pct: [{ ref_id: 'pct-star', grant: 'any_customer', statistics: { ...ZERO, usage: 2, amount: 300 }, stamps: [{ at: '2026-06-01T00:00:00.000Z', stamp: 1 }] }],
      gift: [{ ref_id: 'gift-c1', grant: 'customer', statistics: { ...ZERO, usage: 1, amount: 1_000, debit_balance: 4_000 }, stamps: [] }],
      points: [{ ref_id: 'points-star', grant: 'any_customer', statistics: { ...ZERO, debit_balance: 700 }, stamps: [] }],
      // Given 9 days before the purchase with a 7-day limit: gone; 5 days before: usable.
      week: [{ ref_id: 'week-new', grant: 'customer', statistics: ZERO, stamps: [] }],
    });
  });

  it('a customer the replica knows nothing about yet gets the * refs from zero and no bonus', () => {
    expect(plain(replicaPurchaseRefs(rules, emptyCustomerLoyalty('c9'), AT))).toEqual({
      pct: [{ ref_id: 'pct-star', grant: 'any_customer', statistics: ZERO, stamps: [] }],
      points: [{ ref_id: 'points-star', grant: 'any_customer', statistics: { ...ZERO, debit_balance: 0 }, stamps: [] }],
    });
  });

  it('ledger totals become engine statistics: a debit balance only once used, never below zero', () => {
    expect(refStatistics(undefined, gift)).toEqual(ZERO);
    expect(refStatistics({ usage: 1, stamp: 0, amount: 1_000, bonus: 0, debit: 1_000 }, gift)).toEqual({ usage: 1, stamp: 0, amount: 1_000, bonus: 0, debit_balance: 4_000 });
    expect(refStatistics({ usage: 3, stamp: 0, amount: 9_000, bonus: 0, debit: 9_000 }, gift).debit_balance).toBe(0);
    expect(refStatistics({ usage: 1, stamp: 2, amount: 10, bonus: 0, debit: 0 }, pct)).toEqual({ usage: 1, stamp: 2, amount: 10, bonus: 0 });
  });

  it('an unknown grant time never expires a ref; an unknown rule drops it', () => {
    const held = [
      { discount_id: 'week', ref_id: 'w', grant: 'any_customer' as const, statistics: ZERO, stamps: [] },
      { discount_id: 'nope', ref_id: 'n', grant: 'any_customer' as const, statistics: ZERO, stamps: [] },
    ];
    expect(plain(engineRefs((id) => (id === 'week' ? week : undefined), held, '2027-01-01T00:00:00Z', 0))).toEqual({ week: [{ ref_id: 'w', grant: 'any_customer', statistics: ZERO, stamps: [] }] });
  });
});
