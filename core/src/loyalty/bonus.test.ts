import { describe, expect, it } from 'vitest';
import type { Discount } from '../contracts/discounts.ts';
import { calculate, prepareRules } from '../discounts/engine.ts';
import { bonusBalance, isPointsRule, pointsRuleProblem, pointsStatistics, POINTS_RULE_KEY } from './bonus.ts';

const window = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2026-12-31T23:59:59Z' };

function rule(id: string, over: Partial<Discount>): Discount {
  return {
    id, created_at: window.purchase_from, created_by: 't', updated_at: window.purchase_from, updated_by: 't', type: 'receipt', active: true, private: false,
    requirement: window, reward: { type: 'discount_percent', value: 2 }, ...over,
  };
}

const points = rule('points', { name: 'Bonus points', requirement: { ...window, discount_code: 'POINTS' }, reward: { type: 'discount_debit', value: 0 }, metadata: { [POINTS_RULE_KEY]: true } });
const earn = rule('earn', { reward: { type: 'discount_percent', value: 2, effect: 'bonus' } });
const debit = rule('gift', { reward: { type: 'discount_debit', value: 5000 } });

describe('bonus points', () => {
  it('a points rule is a discount_debit marked pos:bonus_points; a plain debit or a marked percent rule is not', () => {
    expect(isPointsRule(points)).toBe(true);
    expect(isPointsRule(debit)).toBe(false);
    expect(isPointsRule(rule('x', { metadata: { [POINTS_RULE_KEY]: true } }))).toBe(false);
    expect(isPointsRule({ ...points, metadata: { [POINTS_RULE_KEY]: 'true' } })).toBe(false);
  });

  it('balance = bonus earned on bonus-effect rules − debit recorded on points rules; other rules count for neither', () => {
    expect(bonusBalance([])).toEqual({ earned: 0, spent: 0, balance: 0 });
    const b = bonusBalance([
      { rule: earn, bonus: 1200, debit: 0 },
      { rule: earn, bonus: 300, debit: 0 },
      { rule: points, bonus: 0, debit: 1000 },
      // A gift balance is not points, and a discount rule's bonus field is not earned bonus.
      { rule: debit, bonus: 0, debit: 4000 },
      { rule: rule('plain', {}), bonus: 99, debit: 0 },
    ]);
    expect(b).toEqual({ earned: 1500, spent: 1000, balance: 500 });
    // Spent more than earned (an offline till): the balance says so.
    expect(bonusBalance([{ rule: earn, bonus: 100, debit: 0 }, { rule: points, bonus: 0, debit: 250 }]).balance).toBe(-150);
  });

  it('validates a points rule: discount_debit on the whole receipt, not a bonus itself; value 0 is fine', () => {
    expect(pointsRuleProblem(points)).toBeUndefined();
    expect(pointsRuleProblem(debit)).toBeUndefined();
    expect(pointsRuleProblem({ ...points, metadata: { [POINTS_RULE_KEY]: false } })).toBeUndefined();
    expect(pointsRuleProblem({ ...points, metadata: { [POINTS_RULE_KEY]: 'yes' } })).toMatch(/true or false/);
    expect(pointsRuleProblem({ ...points, reward: { type: 'discount_amount', value: 100 } })).toMatch(/discount_debit/);
    expect(pointsRuleProblem({ ...points, reward: { type: 'discount_debit', value: 0, effect: 'bonus' } })).toMatch(/effect bonus/);
    expect(pointsRuleProblem({ ...points, requirement: { ...window, item: { items: [{ id: 'coffee' }] } } })).toMatch(/whole receipt/);
    expect(pointsRuleProblem({ ...points, requirement: { ...window, item: { items: [{ id: '*' }] } } })).toBeUndefined();
  });

  it('the engine spends min(balance, what the receipt still costs), after discounts and before bonus', () => {
    const earnOnNet = { ...earn, reward: { ...earn.reward, base: 'net' as const } };
    const prepared = prepareRules([points, earnOnNet, rule('ten', { reward: { type: 'discount_percent', value: 10 } })]);
    const receipt = {
      receipt_id: 'r', purchase_at: '2026-05-05T10:00:00Z', store: { id: 's' }, currency: 'NOK', customer_id: 'c1', discount_code: ['POINTS'],
      items: [{ id: 'a', line_id: 1, quantity: 1, gross_amount: 10_000, eligible_for_discount: true }],
    };
    const zero = { usage: 0, stamp: 0, amount: 0, bonus: 0 };
    const run = (balance: number) =>
      calculate(prepared, {
        receipt,
        now: receipt.purchase_at,
        refs: new Map([
          ['points', [{ ref_id: 'p', grant: 'any_customer' as const, statistics: pointsStatistics(zero, balance), stamps: [] }]],
          ['earn', [{ ref_id: 'e', grant: 'any_customer' as const, statistics: zero, stamps: [] }]],
          ['ten', [{ ref_id: 't', grant: 'any_customer' as const, statistics: zero, stamps: [] }]],
        ]),
      }).receipt;
    const some = run(2_500);
    expect(some.net_amount).toBe(10_000 - 1_000 - 2_500);
    expect(some.discounts?.find((d) => d.id === 'points')?.refs[0]).toMatchObject({ amount: 2_500, usage: 1, statistics: { debit_balance: 0 } });
    // A net-based bonus is earned on what the shopper pays after discounts and points: 2 % of 65.00.
    expect(some.discounts?.find((d) => d.id === 'earn')?.refs[0]?.bonus).toBe(130);
    const plenty = run(50_000);
    expect(plenty.net_amount).toBe(0);
    expect(plenty.discounts?.find((d) => d.id === 'points')?.refs[0]).toMatchObject({ amount: 9_000, statistics: { debit_balance: 41_000 } });
    for (const empty of [0, -300]) expect(run(empty).discounts?.map((d) => d.id)).toEqual(['earn', 'ten']);
  });
});
