import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discountType, type Discount, type ItemMatch, type Limitation, type Receipt, type ReceiptItem, type Requirement, type Reward } from '../contracts/discounts.ts';
import { calculate, prepareRules } from './engine.ts';
import type { CalculationResult, EngineRef } from './types.ts';

// ---------------------------------------------------------------- generators

/** Present in about 1 case out of `n` (all limitations at once would rarely let anything apply). */
const oneIn = <T>(n: number, arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: n - 1 }, { arbitrary: arb, weight: 1 });
const sometimes = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => oneIn(3, arb);

const IDS = ['cola', 'fanta', 'cola-light', 'bread', 'SAVE10'] as const;
const GROUPS = ['drinks', 'bakery', 'snacks'] as const;
const AT = '2026-03-10T12:00:00Z';

const itemMatchArb: fc.Arbitrary<ItemMatch> = fc.oneof(
  fc.constantFrom(...IDS).map((id) => ({ id })),
  fc.constantFrom(...GROUPS).map((group_id) => ({ group_id })),
  fc.constant({ id: '*-light' }),
  fc.constant({ id: '*' }),
  fc.record({ id: fc.constantFrom(...IDS), group_id: fc.constantFrom(...GROUPS) }),
);

const rewardArb: fc.Arbitrary<Reward> = fc
  .record({
    type: fc.constantFrom(
      'discount_amount' as const,
      'discount_percent' as const,
      'discount_item_new_price' as const,
      'discount_item_quantity' as const,
      'discount_item_percent' as const,
      'discount_mix_new_price' as const,
      'discount_debit' as const,
    ),
    amount: fc.integer({ min: 0, max: 20_000 }),
    percent: fc.constantFrom(0, 5, 10, 12.5, 33.3333, 50, 100),
    quantity: fc.integer({ min: 0, max: 3 }),
    base: fc.constantFrom(undefined, 'gross' as const, 'net' as const),
    effect: fc.constantFrom(undefined, undefined, 'bonus' as const),
    values: oneIn(4, fc.array(fc.record({ items: fc.array(itemMatchArb, { minLength: 1, maxLength: 2 }), value: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: 2 })),
  })
  .map((r) => {
    const percent = r.type === 'discount_percent' || r.type === 'discount_item_percent';
    const value = percent ? r.percent : r.type === 'discount_item_quantity' ? r.quantity : r.amount;
    return {
      type: r.type,
      value,
      ...(r.base === undefined || r.type === 'discount_item_new_price' ? {} : { base: r.base }),
      ...(r.effect === undefined ? {} : { effect: r.effect }),
      ...(r.values === undefined ? {} : { values: r.values }),
    };
  });


const limitationArb = (ids: readonly string[]): fc.Arbitrary<Limitation> =>
  fc
    .record({
      discount_combination: sometimes(fc.constantFrom(-1 as const, 0 as const)),
      discount_reward_usage: sometimes(fc.constantFrom(-1, 0, 1, 2)),
      discount_repeat_usage: oneIn(5, fc.constantFrom(-1, 1, 3)),
      discount_eligible: sometimes(fc.constantFrom('item_eligible_for_discount' as const, 'item_eligible_for_discount_no_discount' as const, 'receipt_no_discount' as const)),
      blacklist: oneIn(5, fc.array(itemMatchArb, { minLength: 1, maxLength: 2 })),
      discount_activation: oneIn(4, fc.array(fc.constantFrom(...ids).map((value) => ({ type: 'deactivate_if_discount_active' as const, value })), { minLength: 1, maxLength: 2 })),
      stamp_expire_days: sometimes(fc.constantFrom(-1, 0, 10)),
      discount_hours: oneIn(
        5,
        fc.constantFrom({ hours: [{ day: 'tue' as const, start: '08:00', end: '20:00' }] }, { timezone: 'UTC', hours: [{ day: 'mon' as const, start: '22:00', end: '02:00' }] }, { hours: [] }),
      ),
    })
    .map((l) => {
      const out: Limitation = {};
      for (const [k, v] of Object.entries(l)) if (v !== undefined) Object.assign(out, { [k]: v });
      return out;
    });

const RULE_IDS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'] as const;

const ruleArb = (id: string): fc.Arbitrary<Discount> =>
  fc
    .record({
      items: oneIn(2, fc.array(itemMatchArb, { minLength: 1, maxLength: 3 })),
      anyItem: fc.constantFrom(false, false, false, true),
      quantity: oneIn(3, fc.integer({ min: 0, max: 4 })),
      mixes: oneIn(
        4,
        fc.array(fc.record({ items: fc.array(fc.constantFrom(...GROUPS).map((group_id) => ({ group_id })), { minLength: 1, maxLength: 2 }), quantity: fc.integer({ min: 1, max: 2 }), reward_eligible: fc.boolean() }), {
          minLength: 1,
          maxLength: 2,
        }),
      ),
      stamp: oneIn(5, fc.integer({ min: 1, max: 4 })),
      code: oneIn(5, fc.constantFrom('save10', 'VIP')),
      gross: oneIn(5, fc.integer({ min: 0, max: 50_000 })),
      reward: rewardArb,
      limitation: oneIn(2, limitationArb(RULE_IDS)),
    })
    .map((g): Discount => {
      const items = g.anyItem ? [{ id: 'ANY_ITEM' }] : g.items;
      const item = items === undefined && g.mixes === undefined && g.quantity === undefined ? undefined : { ...(items === undefined ? {} : { items }), ...(g.mixes === undefined ? {} : { mixes: g.mixes }), ...(g.quantity === undefined ? {} : { quantity: g.quantity }) };
      const requirement: Requirement = {
        purchase_from: '2026-01-01T00:00:00Z',
        purchase_to: '2026-12-31T00:00:00Z',
        ...(item === undefined ? {} : { item }),
        ...(g.stamp === undefined ? {} : { stamp: g.stamp }),
        ...(g.code === undefined ? {} : { discount_code: g.code }),
        ...(g.gross === undefined ? {} : { gross_amount: g.gross }),
      };
      return {
        id,
        created_at: '2026-01-01T00:00:00Z',
        created_by: 't',
        updated_at: '2026-01-01T00:00:00Z',
        updated_by: 't',
        type: discountType(requirement),
        active: true,
        private: false,
        name: `Rule ${id}`,
        requirement,
        reward: g.reward,
        ...(g.limitation === undefined ? {} : { limitation: g.limitation }),
      };
    });

const rulesArb: fc.Arbitrary<Discount[]> = fc.subarray([...RULE_IDS], { minLength: 0, maxLength: 8 }).chain((ids) => fc.tuple(...ids.map(ruleArb)));

const itemArb = (line_id: number): fc.Arbitrary<ReceiptItem> =>
  fc
    .record({
      id: fc.constantFrom(...IDS),
      groups: fc.subarray([...GROUPS]),
      unit: fc.integer({ min: 1, max: 20_000 }),
      quantity: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(0.75)),
      odd: fc.integer({ min: 0, max: 5 }),
      eligible: fc.constantFrom(true, true, true, true, false, undefined),
      voided: fc.constantFrom(false, false, false, false, true),
      external: oneIn(4, fc.integer({ min: 0, max: 100 })),
    })
    .map((g): ReceiptItem => {
      // Gross need not be a multiple of the quantity (units then differ by one minor unit).
      const gross = Math.max(1, Math.round(g.unit * g.quantity) + g.odd);
      const external = g.external === undefined ? undefined : Math.floor((gross * g.external) / 100);
      return {
        id: g.id,
        line_id,
        quantity: g.quantity,
        gross_amount: gross,
        groups: g.groups.map((id) => ({ id })),
        ...(g.eligible === undefined ? {} : { eligible_for_discount: g.eligible }),
        ...(g.voided ? { voided: true } : {}),
        ...(external === undefined ? {} : { discount_lines: [{ amount: external, discount_type: 'manual' as const }] }),
      };
    });

const receiptArb: fc.Arbitrary<Receipt> = fc
  .uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 0, maxLength: 10 })
  .chain((lineIds) => fc.tuple(fc.tuple(...lineIds.map(itemArb)), fc.subarray(['SAVE10', 'vip']), fc.boolean()))
  .map(([items, codes, customer]) => ({
    receipt_id: 'r',
    purchase_at: AT,
    store: { id: 's' },
    currency: 'NOK',
    items,
    ...(codes.length === 0 ? {} : { discount_code: codes }),
    ...(customer ? { customer_id: 'c-1' } : {}),
  }));

const refsArb = (rules: readonly Discount[], customer: boolean): fc.Arbitrary<Map<string, EngineRef[]>> =>
  fc
    .tuple(
      ...rules.map((d) =>
        fc.array(
          fc.record({
            ref_id: fc.constantFrom('a', 'b', 'c'),
            grant: customer ? fc.constantFrom('customer' as const, 'any_customer' as const) : fc.constant('no_customer' as const),
            usage: fc.constantFrom(0, 0, 0, 1, 3),
            debit: oneIn(2, fc.integer({ min: 0, max: 20_000 })),
            stamps: fc.array(fc.record({ at: fc.constantFrom('2026-01-01T00:00:00Z', '2026-03-09T00:00:00Z'), stamp: fc.integer({ min: 1, max: 5 }) }), { maxLength: 3 }),
          }),
          { minLength: 1, maxLength: 2 },
        ).map((refs): [string, EngineRef[]] => [
          d.id,
          refs.map((r) => ({
            ref_id: `${d.id}-${r.ref_id}-${r.grant}`,
            grant: r.grant,
            statistics: { usage: r.usage, stamp: 0, amount: 0, bonus: 0, ...(r.debit === undefined ? {} : { debit_balance: r.debit }) },
            stamps: r.stamps,
          })),
        ]),
      ),
    )
    .map((entries) => new Map(entries));

const caseArb = fc
  .tuple(rulesArb, receiptArb)
  .chain(([rules, receipt]) => fc.tuple(fc.constant(rules), fc.constant(receipt), refsArb(rules, receipt.customer_id !== undefined)));

const run = (rules: readonly Discount[], receipt: Receipt, refs: ReadonlyMap<string, readonly EngineRef[]>): CalculationResult =>
  calculate(prepareRules(rules), { receipt, refs, now: AT });

const isLive = (i: ReceiptItem): boolean => i.voided !== true && i.is_return_item !== true && (i.quantity ?? 1) > 0 && (i.gross_amount ?? 0) > 0;
const byLineId = (items: readonly ReceiptItem[] | undefined): ReceiptItem[] => [...(items ?? [])].sort((a, b) => (a.line_id ?? 0) - (b.line_id ?? 0));

/** Deterministic shuffle from a seed (the engine must not care). */
function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    const a = out[i];
    const b = out[j];
    if (a === undefined || b === undefined) continue;
    out[i] = b;
    out[j] = a;
  }
  return out;
}

const RUNS = { numRuns: 300, seed: 20260310 };

// ---------------------------------------------------------------- properties

describe('engine properties', () => {
  it('money adds up: no line below zero, no discount above its line, Σ discount lines = gross − net', () => {
    fc.assert(
      fc.property(caseArb, ([rules, receipt, refs]) => {
        const res = run(rules, receipt, refs);
        const out = res.receipt;
        let gross = 0;
        let net = 0;
        let discount = 0;
        let engineDiscount = 0;
        let engineBonus = 0;
        for (const [i, item] of (out.items ?? []).entries()) {
          const input = receipt.items?.[i];
          expect(item.line_id).toBe(input?.line_id);
          if (!isLive(item)) {
            expect(item.discount_lines).toEqual(input?.discount_lines);
            continue;
          }
          const g = item.gross_amount ?? 0;
          const lines = item.discount_lines ?? [];
          const sum = lines.reduce((s, l) => s + l.amount, 0);
          const external = (input?.discount_lines ?? []).reduce((s, l) => s + l.amount, 0);
          const added = lines.filter((l) => l.discount_id !== undefined);
          for (const l of added) {
            expect(Number.isInteger(l.amount)).toBe(true);
            expect(l.amount).toBeGreaterThan(0);
            expect(l.amount).toBeLessThanOrEqual(g);
          }
          expect(sum - external).toBeLessThanOrEqual(g - external);
          expect(item.net_amount).toBe(g - sum);
          expect(item.net_amount ?? -1).toBeGreaterThanOrEqual(0);
          if (added.length > 0) {
            expect(item.eligible_for_discount).toBe(true);
            expect(item.is_changed).toBe(true);
          }
          for (const b of item.bonus_lines ?? []) {
            expect(Number.isInteger(b.bonus)).toBe(true);
            expect(b.bonus).toBeGreaterThan(0);
            expect(b.bonus).toBeLessThanOrEqual(g);
            engineBonus += b.bonus;
          }
          gross += g;
          net += g - sum;
          discount += sum;
          engineDiscount += sum - external;
        }
        expect(out.gross_amount).toBe(gross);
        expect(out.net_amount).toBe(net);
        expect(out.total_discount).toBe(discount);
        expect(out.total_discount).toBe((out.gross_amount ?? 0) - (out.net_amount ?? 0));
        // discounts[] accounts for every line the engine added.
        const refs0 = (out.discounts ?? []).map((d) => d.refs[0]);
        expect(refs0.reduce((s, r) => s + (r?.amount ?? 0), 0)).toBe(engineDiscount);
        expect(refs0.reduce((s, r) => s + (r?.bonus ?? 0), 0)).toBe(engineBonus);
        expect(out.is_changed).toBe(engineDiscount + engineBonus > 0);
        const ids = (out.discounts ?? []).map((d) => d.id);
        expect(ids).toEqual([...ids].sort());
      }),
      RUNS,
    );
  });

  it('does not depend on the order of rules or of receipt items', () => {
    fc.assert(
      fc.property(caseArb, fc.integer(), ([rules, receipt, refs], seed) => {
        const a = run(rules, receipt, refs);
        const items = shuffled(receipt.items ?? [], seed);
        const b = run(shuffled(rules, seed + 1), { ...receipt, items }, refs);
        // Items keep their input order, so compare them in line_id order.
        expect(byLineId(b.receipt.items)).toEqual(byLineId(a.receipt.items));
        expect({ ...b.receipt, items: [] }).toEqual({ ...a.receipt, items: [] });
        expect(b.trace).toEqual(a.trace);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same input gives deep-equal output, also across prepareRules calls', () => {
    fc.assert(
      fc.property(caseArb, ([rules, receipt, refs]) => {
        const prepared = prepareRules(rules);
        const a = calculate(prepared, { receipt, refs, now: AT });
        const b = calculate(prepared, { receipt, refs, now: AT });
        const c = calculate(prepareRules(rules), { receipt, refs, now: AT });
        expect(b).toEqual(a);
        expect(c).toEqual(a);
        expect(JSON.stringify(c)).toBe(JSON.stringify(a));
      }),
      RUNS,
    );
  });

  it('recalculating its own output gives the same receipt', () => {
    fc.assert(
      fc.property(caseArb, ([rules, receipt, refs]) => {
        const once = run(rules, receipt, refs);
        const twice = run(rules, once.receipt, refs);
        expect(twice.receipt).toEqual(once.receipt);
      }),
      RUNS,
    );
  });

  it('every rule in discounts[] gave something or collected stamps, and its trace says applied', () => {
    fc.assert(
      fc.property(caseArb, ([rules, receipt, refs]) => {
        const res = run(rules, receipt, refs);
        for (const d of res.receipt.discounts ?? []) {
          const r = d.refs[0];
          expect(r).toBeDefined();
          expect((r?.amount ?? 0) + (r?.bonus ?? 0) + (r?.stamp ?? 0)).toBeGreaterThan(0);
          const t = res.trace.find((e) => e.discount_id === d.id);
          expect(t?.outcome).toBe('applied');
          expect(t?.amount).toBe((r?.amount ?? 0) + (r?.bonus ?? 0));
        }
        for (const t of res.trace) {
          if (t.outcome === 'skipped') expect(t.amount).toBe(0);
          expect(t.reason.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });
});
