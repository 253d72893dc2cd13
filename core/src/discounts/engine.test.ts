import { describe, expect, it } from 'vitest';
import { discountType, type Discount, type Limitation, type Receipt, type ReceiptItem, type Requirement, type Reward } from '../contracts/discounts.ts';
import { calculate, prepareRules } from './engine.ts';
import type { CalculationResult, EngineRef, GrantKind, RefStatistics, StampEvent, TraceEntry } from './types.ts';

// ---------------------------------------------------------------- builders

/** Tuesday 10 March 2026, 13:00 in Oslo (CET, UTC+1). */
const AT = '2026-03-10T12:00:00Z';

interface RuleSpec {
  readonly id: string;
  readonly type?: 'item' | 'receipt' | undefined;
  readonly requirement?: Partial<Requirement> | undefined;
  readonly reward: Reward;
  readonly limitation?: Limitation | undefined;
  readonly name?: string | undefined;
  readonly receipt_text?: string | undefined;
}

function rule(spec: RuleSpec): Discount {
  const requirement: Requirement = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2026-12-31T23:59:59Z', ...spec.requirement };
  return {
    id: spec.id,
    created_at: '2026-01-01T00:00:00Z',
    created_by: 'test',
    updated_at: '2026-01-01T00:00:00Z',
    updated_by: 'test',
    type: spec.type ?? discountType(requirement),
    active: true,
    private: false,
    name: spec.name ?? `Rule ${spec.id}`,
    ...(spec.receipt_text === undefined ? {} : { receipt_text: spec.receipt_text }),
    requirement,
    reward: spec.reward,
    ...(spec.limitation === undefined ? {} : { limitation: spec.limitation }),
  };
}

interface ItemSpec {
  readonly id?: string;
  readonly groups?: readonly string[];
  readonly quantity?: number;
  readonly eligible?: boolean;
  /** Amounts of external (manual) discount lines already on the line. */
  readonly external?: readonly number[];
  readonly voided?: boolean;
  readonly returned?: boolean;
}

function item(line_id: number, gross: number, spec: ItemSpec = {}): ReceiptItem {
  return {
    id: spec.id ?? `sku-${line_id}`,
    line_id,
    quantity: spec.quantity ?? 1,
    gross_amount: gross,
    groups: (spec.groups ?? []).map((id) => ({ id })),
    eligible_for_discount: spec.eligible ?? true,
    ...(spec.external === undefined ? {} : { discount_lines: spec.external.map((amount) => ({ amount, discount_type: 'manual' as const, description: 'Manual' })) }),
    ...(spec.voided === undefined ? {} : { voided: spec.voided }),
    ...(spec.returned === undefined ? {} : { is_return_item: spec.returned }),
  };
}

function receipt(items: readonly ReceiptItem[], extra: Partial<Receipt> = {}): Receipt {
  return { receipt_id: 'r-1', purchase_at: AT, store: { id: 'store-1' }, currency: 'NOK', items: [...items], ...extra };
}

const NO_STATS: RefStatistics = { usage: 0, stamp: 0, amount: 0, bonus: 0 };

function ref(ruleId: string, grant: GrantKind = 'no_customer', statistics: RefStatistics = NO_STATS, stamps: readonly StampEvent[] = []): EngineRef {
  return { ref_id: `ref-${ruleId}-${grant}`, grant, statistics, stamps };
}

interface CalcOptions {
  readonly grant?: GrantKind;
  readonly refs?: ReadonlyMap<string, readonly EngineRef[]>;
  readonly now?: string;
}

function calc(rules: readonly Discount[], r: Receipt, opts: CalcOptions = {}): CalculationResult {
  const refs = opts.refs ?? new Map(rules.map((d) => [d.id, [ref(d.id, opts.grant)]]));
  return calculate(prepareRules(rules), { receipt: r, refs, now: opts.now ?? r.purchase_at });
}

/** line_id → amounts of the discount lines this engine added (discount_id set). */
function discountsOn(res: CalculationResult): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  for (const i of res.receipt.items ?? []) {
    const mine = (i.discount_lines ?? []).filter((l) => l.discount_id !== undefined).map((l) => l.amount);
    if (mine.length > 0) out[i.line_id ?? -1] = mine;
  }
  return out;
}

function bonusOn(res: CalculationResult): Record<number, number[]> {
  const out: Record<number, number[]> = {};
  for (const i of res.receipt.items ?? []) {
    const mine = (i.bonus_lines ?? []).map((l) => l.bonus);
    if (mine.length > 0) out[i.line_id ?? -1] = mine;
  }
  return out;
}

function trace(res: CalculationResult, id: string): TraceEntry {
  const t = res.trace.find((e) => e.discount_id === id);
  if (t === undefined) throw new Error(`no trace entry for ${id}`);
  return t;
}

const codeOf = (res: CalculationResult, id: string): string => trace(res, id).code;

function refOf(res: CalculationResult, id: string) {
  const d = (res.receipt.discounts ?? []).find((x) => x.id === id);
  const r = d?.refs[0];
  if (r === undefined) throw new Error(`no discounts[] entry for ${id}`);
  return r;
}

// ---------------------------------------------------------------- rewards

describe('discount_amount', () => {
  it('takes the value off the matching lines, split by what they cost', () => {
    const d = rule({ id: 'a', requirement: { item: { items: [{ group_id: 'shoes' }] } }, reward: { type: 'discount_amount', value: 5000 } });
    const res = calc([d], receipt([item(1, 30000, { groups: ['shoes'] }), item(2, 10000, { groups: ['shoes'] }), item(3, 8000, { groups: ['socks'] })]));
    expect(discountsOn(res)).toEqual({ 1: [3750], 2: [1250] });
    expect(res.receipt.gross_amount).toBe(48000);
    expect(res.receipt.net_amount).toBe(43000);
    expect(res.receipt.total_discount).toBe(5000);
    expect(res.receipt.items?.map((i) => i.net_amount)).toEqual([26250, 8750, 8000]);
    expect(res.receipt.is_changed).toBe(true);
    expect(res.receipt.items?.map((i) => i.is_changed)).toEqual([true, true, undefined]);
  });

  it('gives one application per item.quantity units, capped by discount_reward_usage', () => {
    const items = [item(1, 500, { id: 'cola', quantity: 5 })];
    const per2 = rule({ id: 'a', requirement: { item: { items: [{ id: 'cola' }], quantity: 2 } }, reward: { type: 'discount_amount', value: 100 } });
    expect(discountsOn(calc([per2], receipt(items)))).toEqual({ 1: [200] });
    const capped = rule({ ...per2, id: 'b', limitation: { discount_reward_usage: 1 } });
    expect(discountsOn(calc([capped], receipt(items)))).toEqual({ 1: [100] });
  });

  it('never gives more than the lines cost', () => {
    const d = rule({ id: 'a', reward: { type: 'discount_amount', value: 100000 } });
    const res = calc([d], receipt([item(1, 3000), item(2, 2000, { external: [500] })]));
    expect(discountsOn(res)).toEqual({ 1: [3000], 2: [1500] });
    expect(res.receipt.net_amount).toBe(0);
    expect(refOf(res, 'a').amount).toBe(4500);
  });

  it('uses reward.values for the lines they match (first matching entry wins)', () => {
    const d = rule({
      id: 'a',
      requirement: { item: { items: [{ group_id: 'fruit' }] } },
      reward: { type: 'discount_amount', value: 100, values: [{ items: [{ id: 'apple' }], value: 300 }, { items: [{ group_id: 'fruit' }], value: 50 }] },
    });
    const res = calc([d], receipt([item(1, 1000, { id: 'apple', groups: ['fruit'] }), item(2, 1000, { id: 'pear', groups: ['fruit'] })]));
    expect(discountsOn(res)).toEqual({ 1: [300], 2: [50] });
  });
});

describe('discount_percent', () => {
  it('computes the total once and splits it by largest remainder', () => {
    // 10 % of 5003 = 500.3 → 500; shares 199.78 / 299.72 / 0.50 → 200 / 300 / 0.
    const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } });
    const res = calc([d], receipt([item(1, 1999), item(2, 2999), item(3, 5)]));
    expect(discountsOn(res)).toEqual({ 1: [200], 2: [300] });
    expect(res.receipt.items?.[0]?.discount_lines?.[0]).toEqual({ amount: 200, percentage: 10, discount_type: 'periodic', discount_id: 'p', description: 'Rule p', line_id: 1 });
    expect(trace(res, 'p')).toMatchObject({ outcome: 'applied', code: 'APPLIED', base_amount: 5003, amount: 500 });
  });

  it('reads base net after an existing discount and base gross from the gross (contract §3.2 example)', () => {
    const net = rule({ id: 'net', reward: { type: 'discount_percent', value: 10, base: 'net' } });
    const gross = rule({ id: 'gross', reward: { type: 'discount_percent', value: 10, base: 'gross' } });
    const r = receipt([item(1, 100, { external: [20] })]);
    expect(discountsOn(calc([net], r))).toEqual({ 1: [8] });
    expect(discountsOn(calc([gross], r))).toEqual({ 1: [10] });
    const res = calc([gross], r);
    expect(res.receipt.items?.[0]?.net_amount).toBe(70);
    expect(res.receipt.total_discount).toBe(30);
  });

  it('caps a gross-based share at what is left of the line', () => {
    const d = rule({ id: 'g', reward: { type: 'discount_percent', value: 10 } });
    expect(discountsOn(calc([d], receipt([item(1, 100, { external: [95] })])))).toEqual({ 1: [5] });
  });

  it('keeps decimal percentages exact and rounds half away from zero', () => {
    const d105 = rule({ id: 'x', reward: { type: 'discount_percent', value: 10.5 } });
    expect(discountsOn(calc([d105], receipt([item(1, 1000)])))).toEqual({ 1: [105] });
    const d125 = rule({ id: 'y', reward: { type: 'discount_percent', value: 12.5 } });
    expect(discountsOn(calc([d125], receipt([item(1, 4)])))).toEqual({ 1: [1] }); // 0.5 → 1
    const d25 = rule({ id: 'z', reward: { type: 'discount_percent', value: 2.5 } });
    expect(discountsOn(calc([d25], receipt([item(1, 10)])))).toEqual({}); // 0.25 → 0
    expect(codeOf(calc([d25], receipt([item(1, 10)])), 'z')).toBe('NOTHING_TO_DISCOUNT');
  });
});

describe('discount_item_new_price', () => {
  it('prices every matching unit above the value at the value, dearest first up to reward usage', () => {
    const d = rule({ id: 'n', requirement: { item: { items: [{ group_id: 'wine' }] } }, reward: { type: 'discount_item_new_price', value: 2000 } });
    const items = [item(1, 9000, { groups: ['wine'], quantity: 3 }), item(2, 1500, { groups: ['wine'] })];
    expect(discountsOn(calc([d], receipt(items)))).toEqual({ 1: [3000] });
    const two = rule({ ...d, id: 'm', limitation: { discount_reward_usage: 2 } });
    expect(discountsOn(calc([two], receipt(items)))).toEqual({ 1: [2000] });
  });

  it('does nothing when every item is already cheaper', () => {
    const d = rule({ id: 'n', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_item_new_price', value: 5000 } });
    const res = calc([d], receipt([item(1, 4000)]));
    expect(discountsOn(res)).toEqual({});
    expect(trace(res, 'n')).toMatchObject({ outcome: 'skipped', code: 'NOTHING_TO_DISCOUNT' });
    expect(res.receipt.discounts).toEqual([]);
    expect(res.receipt.is_changed).toBe(false);
  });
});

describe('discount_item_quantity', () => {
  const threeForTwo = rule({ id: 'q', requirement: { item: { items: [{ group_id: 'snacks' }], quantity: 3 } }, reward: { type: 'discount_item_quantity', value: 1 } });

  it('3 for 2 over 30/20/10 ×2: groups [30,30,20] and [20,10,10] make one 20 and one 10 free', () => {
    const items = [item(1, 60, { groups: ['snacks'], quantity: 2 }), item(2, 40, { groups: ['snacks'], quantity: 2 }), item(3, 20, { groups: ['snacks'], quantity: 2 })];
    const res = calc([threeForTwo], receipt(items));
    expect(discountsOn(res)).toEqual({ 2: [20], 3: [10] });
    expect(res.receipt.net_amount).toBe(90);
  });

  it('only full groups count', () => {
    expect(discountsOn(calc([threeForTwo], receipt([item(1, 700, { groups: ['snacks'], quantity: 7 })])))).toEqual({ 1: [200] });
    const res = calc([threeForTwo], receipt([item(1, 200, { groups: ['snacks'], quantity: 2 })]));
    expect(trace(res, 'q')).toMatchObject({ code: 'ITEM_QUANTITY_NOT_MET', reason: 'Needs 3 items from group snacks; the cart has 2.' });
  });

  it('without item.quantity, value 1 means buy one get one', () => {
    const bogo = rule({ id: 'b', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_item_quantity', value: 1 } });
    expect(discountsOn(calc([bogo], receipt([item(1, 200, { quantity: 4 })])))).toEqual({ 1: [100] });
  });

  it('breaks price ties by line_id, not by array order', () => {
    const items = [item(2, 100, { groups: ['snacks'] }), item(1, 100, { groups: ['snacks'] }), item(3, 100, { groups: ['snacks'] })];
    // Dearest first with ties by line_id: 1, 2, 3; the cheapest of the group is the last: line 3.
    expect(discountsOn(calc([threeForTwo], receipt(items)))).toEqual({ 3: [100] });
  });
});

describe('edge cases of the reward types', () => {
  it('item_quantity with value ≥ N makes the whole group free; value 0 gives nothing', () => {
    const all = rule({ id: 'q', requirement: { item: { items: [{ id: 'sku-1' }], quantity: 2 } }, reward: { type: 'discount_item_quantity', value: 5 } });
    expect(discountsOn(calc([all], receipt([item(1, 300, { quantity: 3 })])))).toEqual({ 1: [200] });
    const none = rule({ id: 'z', requirement: { item: { items: [{ id: 'sku-1' }], quantity: 2 } }, reward: { type: 'discount_item_quantity', value: 0 } });
    expect(codeOf(calc([none], receipt([item(1, 300, { quantity: 3 })])), 'z')).toBe('NOTHING_TO_DISCOUNT');
  });

  it('mix_new_price without mixes gives nothing', () => {
    const d = rule({ id: 'm', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_mix_new_price', value: 10 } });
    expect(trace(calc([d], receipt([item(1, 300)])), 'm')).toMatchObject({ code: 'NOTHING_TO_DISCOUNT', reason: 'The rule has no mixes to price.' });
  });

  it('a percent above 100 is read as 100', () => {
    const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 150 } });
    const res = calc([d], receipt([item(1, 300)]));
    expect(discountsOn(res)).toEqual({ 1: [300] });
    expect(res.receipt.items?.[0]?.discount_lines?.[0]?.percentage).toBe(100);
  });

  it('prices the units of a line that does not divide evenly: 100 over 3 units is 34 + 33 + 33', () => {
    const d = rule({ id: 'n', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_item_new_price', value: 33 } });
    expect(discountsOn(calc([d], receipt([item(1, 100, { quantity: 3 })])))).toEqual({ 1: [1] });
    const free = rule({ id: 'f', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_item_percent', value: 100 } });
    expect(discountsOn(calc([free], receipt([item(1, 100, { quantity: 3 })])))).toEqual({ 1: [33] });
  });

  it('huge quantities are priced by runs, not unit by unit', () => {
    const q = 999_999_999;
    const threeForTwo = rule({ id: 'q', requirement: { item: { items: [{ id: 'sku-1' }], quantity: 3 } }, reward: { type: 'discount_item_quantity', value: 1 } });
    // 333 333 333 groups of 3 units at 1 øre: one free unit per group.
    expect(discountsOn(calc([threeForTwo], receipt([item(1, q, { quantity: q })])))).toEqual({ 1: [333_333_333] });
    const card = rule({ id: 'card', requirement: { item: { items: [{ id: 'sku-1' }] }, stamp: 9 }, reward: { type: 'discount_item_percent', value: 100 } });
    const refs = new Map([['card', [ref('card', 'customer')]]]);
    const res = calc([card], receipt([item(1, 2 * q, { quantity: q })], { customer_id: 'c-1' }), { refs });
    // Cycles of 10: 9 stamps + 1 free unit (2 øre each); 99 999 999 cycles and 9 units left over.
    expect(refOf(res, 'card')).toMatchObject({ usage: 99_999_999, stamp: 99_999_999 * 9 + 9, amount: 99_999_999 * 2 });
  });

  it('the discount-code item is never discounted by its rule, even when it matches', () => {
    const d = rule({ id: 'c', requirement: { discount_code: 'FREEBIE', item: { items: [{ id: '*' }] } }, reward: { type: 'discount_percent', value: 50 } });
    expect(discountsOn(calc([d], receipt([item(1, 1000), item(2, 100, { id: 'FREEBIE' })])))).toEqual({ 1: [500] });
  });
});

describe('discount_item_percent', () => {
  it('takes the percentage off the cheapest matching unit', () => {
    const d = rule({ id: 'c', requirement: { item: { items: [{ group_id: 'g' }] } }, reward: { type: 'discount_item_percent', value: 50 } });
    const res = calc([d], receipt([item(1, 30, { groups: ['g'] }), item(2, 20, { groups: ['g'] }), item(3, 10, { groups: ['g'] })]));
    expect(discountsOn(res)).toEqual({ 3: [5] });
    expect(res.receipt.items?.[2]?.discount_lines?.[0]?.percentage).toBe(50);
  });

  it('gives one application per item.quantity units', () => {
    const d = rule({ id: 'c', requirement: { item: { items: [{ group_id: 'g' }], quantity: 2 } }, reward: { type: 'discount_item_percent', value: 100 } });
    // Units 30, 20, 10, 10, 5 → 2 applications → the two cheapest units: 5 and one 10.
    const res = calc([d], receipt([item(1, 30, { groups: ['g'] }), item(2, 20, { groups: ['g'] }), item(3, 20, { groups: ['g'], quantity: 2 }), item(4, 5, { groups: ['g'] })]));
    expect(discountsOn(res)).toEqual({ 3: [10], 4: [5] });
  });
});

describe('discount_mix_new_price', () => {
  const mix = (value: number, conditionerEligible = true, limitation?: Limitation) =>
    rule({
      id: 'mix',
      requirement: {
        item: {
          mixes: [
            { items: [{ group_id: 'shampoo' }], quantity: 1, reward_eligible: true },
            { items: [{ group_id: 'conditioner' }], quantity: 1, reward_eligible: conditionerEligible },
          ],
        },
      },
      reward: { type: 'discount_mix_new_price', value },
      ...(limitation === undefined ? {} : { limitation }),
    });

  it('prices a bundle at the value and splits the difference by price', () => {
    // 8000 + 6000 = 14000 → 10000: 4000 off, 2285.7 / 1714.3 → 2286 / 1714.
    const res = calc([mix(10000)], receipt([item(1, 8000, { groups: ['shampoo'] }), item(2, 6000, { groups: ['conditioner'] })]));
    expect(discountsOn(res)).toEqual({ 1: [2286], 2: [1714] });
  });

  it('forms as many bundles as it can, dearest units first, capped by reward usage', () => {
    const items = [
      item(1, 8000, { groups: ['shampoo'] }),
      item(2, 7000, { groups: ['shampoo'] }),
      item(3, 6000, { groups: ['conditioner'] }),
      item(4, 5000, { groups: ['conditioner'] }),
    ];
    // Bundles [8000, 6000] → 4000 off and [7000, 5000] → 2000 off.
    expect(discountsOn(calc([mix(10000)], receipt(items)))).toEqual({ 1: [2286], 2: [1167], 3: [1714], 4: [833] });
    expect(discountsOn(calc([mix(10000, true, { discount_reward_usage: 1 })], receipt(items)))).toEqual({ 1: [2286], 3: [1714] });
  });

  it('only discounts the reward-eligible mix, but still needs the other one', () => {
    const items = [item(1, 8000, { groups: ['shampoo'] }), item(2, 6000, { groups: ['conditioner'] })];
    expect(discountsOn(calc([mix(5000, false)], receipt(items)))).toEqual({ 1: [3000] });
    const res = calc([mix(5000, false)], receipt([item(1, 8000, { groups: ['shampoo'] })]));
    expect(trace(res, 'mix')).toMatchObject({ outcome: 'skipped', code: 'MIXES_NOT_MET' });
  });

  it('gives a unit that matches two mixes to the first mix only', () => {
    const d = rule({
      id: 'two',
      requirement: {
        item: {
          mixes: [
            { items: [{ group_id: 'hair' }], quantity: 1, reward_eligible: true },
            { items: [{ group_id: 'hair' }], quantity: 1, reward_eligible: true },
          ],
        },
      },
      reward: { type: 'discount_mix_new_price', value: 100 },
    });
    expect(codeOf(calc([d], receipt([item(1, 300, { groups: ['hair'] })])), 'two')).toBe('MIXES_NOT_MET');
    expect(discountsOn(calc([d], receipt([item(1, 300, { groups: ['hair'] }), item(2, 200, { groups: ['hair'] })])))).toEqual({ 1: [240], 2: [160] });
  });
});

describe('discount_debit', () => {
  it('consumes what it can of the balance and reports what is left', () => {
    const d = rule({ id: 'deb', reward: { type: 'discount_debit', value: 10000 } });
    const res = calc([d], receipt([item(1, 4000), item(2, 2000)]));
    expect(discountsOn(res)).toEqual({ 1: [4000], 2: [2000] });
    expect(refOf(res, 'deb')).toMatchObject({ amount: 6000, usage: 1, statistics: { debit_balance: 4000, amount: 6000, usage: 1 } });
  });

  it('starts from the ref balance once the ref was used', () => {
    const d = rule({ id: 'deb', reward: { type: 'discount_debit', value: 10000 } });
    const refs = new Map([['deb', [ref('deb', 'customer', { usage: 1, stamp: 0, amount: 7500, bonus: 0, debit_balance: 2500 })]]]);
    const res = calc([d], receipt([item(1, 4000)], { customer_id: 'c-1' }), { refs });
    expect(discountsOn(res)).toEqual({ 1: [2500] });
    expect(refOf(res, 'deb').statistics).toEqual({ amount: 10000, bonus: 0, debit_balance: 0, stamp: 0, usage: 2 });
    expect(res.receipt.items?.[0]?.discount_lines?.[0]?.discount_type).toBe('customer');
    const empty = new Map([['deb', [ref('deb', 'customer', { usage: 2, stamp: 0, amount: 10000, bonus: 0, debit_balance: 0 })]]]);
    expect(codeOf(calc([d], receipt([item(1, 4000)]), { refs: empty }), 'deb')).toBe('DEBIT_BALANCE_EMPTY');
  });

  it('comes after item and receipt rules', () => {
    const pct = rule({ id: 'z-pct', reward: { type: 'discount_percent', value: 50 } });
    const deb = rule({ id: 'a-deb', reward: { type: 'discount_debit', value: 10000 } });
    const res = calc([deb, pct], receipt([item(1, 4000)]));
    expect(res.receipt.items?.[0]?.discount_lines?.map((l) => [l.discount_id, l.amount])).toEqual([
      ['z-pct', 2000],
      ['a-deb', 2000],
    ]);
  });
});

describe('effect: bonus', () => {
  it('earns bonus on what the shopper pays and does not lower the price', () => {
    const disc = rule({ id: 'd', reward: { type: 'discount_percent', value: 10 } });
    const bonus = rule({ id: 'b', reward: { type: 'discount_percent', value: 10, base: 'net', effect: 'bonus' } });
    const res = calc([bonus, disc], receipt([item(1, 1000)], { customer_id: 'c-1' }), { grant: 'customer' });
    expect(discountsOn(res)).toEqual({ 1: [100] });
    expect(bonusOn(res)).toEqual({ 1: [90] });
    expect(res.receipt.items?.[0]?.bonus_lines?.[0]).toEqual({ bonus: 90, percentage: 10, discount_type: 'customer', discount_id: 'b', description: 'Rule b', line_id: 1 });
    expect(res.receipt.net_amount).toBe(900);
    expect(refOf(res, 'b')).toMatchObject({ amount: 0, bonus: 90, usage: 1, statistics: { bonus: 90, amount: 0 }, items: [{ line_id: 1, amount: 0, bonus: 90 }] });
  });
});

// ---------------------------------------------------------------- requirements

describe('requirements', () => {
  const tenPct = (requirement: Partial<Requirement>, id = 'r') => rule({ id, requirement, reward: { type: 'discount_percent', value: 10 } });
  const one = receipt([item(1, 1000)]);

  it('purchase window: inclusive at both ends', () => {
    expect(codeOf(calc([tenPct({ purchase_from: AT, purchase_to: AT })], one), 'r')).toBe('APPLIED');
    const res = calc([tenPct({ purchase_from: '2026-03-10T12:00:01Z', purchase_to: '2026-04-01T00:00:00Z' })], one);
    expect(trace(res, 'r')).toMatchObject({ outcome: 'skipped', code: 'OUTSIDE_PURCHASE_WINDOW' });
    expect(trace(res, 'r').reason).toContain('2026-03-10T12:00:00Z');
  });

  it('visible_from does not gate the calculation', () => {
    const d = { ...tenPct({}), visible_from: '2027-01-01T00:00:00Z' };
    expect(codeOf(calc([d], one), 'r')).toBe('APPLIED');
  });

  it('currencies: a list, anything-but, and a receipt without currency', () => {
    expect(codeOf(calc([tenPct({ currencies: ['SEK', 'NOK'] })], one), 'r')).toBe('APPLIED');
    expect(codeOf(calc([tenPct({ currencies: ['SEK'] })], one), 'r')).toBe('CURRENCY_NOT_ALLOWED');
    expect(codeOf(calc([tenPct({ currencies: [{ 'anything-but': ['NOK'] }] })], one), 'r')).toBe('CURRENCY_NOT_ALLOWED');
    expect(codeOf(calc([tenPct({ currencies: [{ 'anything-but': ['SEK'] }] })], one), 'r')).toBe('APPLIED');
    const noCurrency: Receipt = { receipt_id: 'r', purchase_at: AT, store: { id: 's' }, items: [item(1, 1000)] };
    expect(codeOf(calc([tenPct({ currencies: [{ 'anything-but': ['SEK'] }] })], noCurrency), 'r')).toBe('CURRENCY_NOT_ALLOWED');
  });

  it('gross_amount counts every live line, eligible or not; voided and returned lines do not count', () => {
    const d = tenPct({ gross_amount: 3000 });
    const r = receipt([item(1, 1000), item(2, 2000, { eligible: false }), item(3, 5000, { voided: true }), item(4, 5000, { returned: true })]);
    const res = calc([d], r);
    expect(discountsOn(res)).toEqual({ 1: [100] });
    expect(res.receipt.gross_amount).toBe(3000);
    const short = calc([tenPct({ gross_amount: 3001 })], r);
    expect(trace(short, 'r')).toMatchObject({ code: 'GROSS_AMOUNT_NOT_MET', reason: 'Needs a receipt total of at least 30.01; the receipt has 30.00 NOK.' });
  });

  it('net_amount is the receipt total minus the discounts it arrived with', () => {
    const r = receipt([item(1, 1000, { external: [300] })]);
    expect(codeOf(calc([tenPct({ net_amount: 700 })], r), 'r')).toBe('APPLIED');
    expect(codeOf(calc([tenPct({ net_amount: 701 })], r), 'r')).toBe('NET_AMOUNT_NOT_MET');
  });

  it('discount_code: case-insensitive after trim, from discount_code[] or an item id; the code item is never discounted', () => {
    const d = tenPct({ discount_code: 'Summer25' });
    expect(calc([d], one).trace).toEqual([]); // the index leaves it out: no code on the receipt
    expect(codeOf(calc([d], receipt([item(1, 1000)], { discount_code: ['  SUMMER25 '] })), 'r')).toBe('APPLIED');
    const viaItem = calc([d], receipt([item(1, 1000), item(2, 500, { id: 'summer25' })]));
    expect(discountsOn(viaItem)).toEqual({ 1: [100] });
  });

  it('store: arrays, address, mcc_ranges and the deprecated store_ids', () => {
    const store = { id: 'oslo-1', chain: 'north', mcc: '5411', address: { country: 'NO', postal_code: '0150' } };
    const r = receipt([item(1, 1000)], { store });
    expect(codeOf(calc([tenPct({ store: { chain: ['north', 'south'] } })], r), 'r')).toBe('APPLIED');
    expect(codeOf(calc([tenPct({ store: { id: ['bergen-1'] } })], r), 'r')).toBe('STORE_NOT_MATCHED');
    expect(codeOf(calc([tenPct({ store: { address: { country: ['NO'], postal_code: ['0150'] } } })], r), 'r')).toBe('APPLIED');
    expect(codeOf(calc([tenPct({ store: { address: { postal_code: ['5003'] } } })], r), 'r')).toBe('STORE_NOT_MATCHED');
    expect(codeOf(calc([tenPct({ store: { mcc_ranges: [{ start: '5400', end: '5411' }] } })], r), 'r')).toBe('APPLIED');
    expect(codeOf(calc([tenPct({ store: { mcc_ranges: [{ start: '5412', end: '5999' }] } })], r), 'r')).toBe('STORE_NOT_MATCHED');
    expect(codeOf(calc([tenPct({ store_ids: ['oslo-1'] })], r), 'r')).toBe('APPLIED');
    expect(codeOf(calc([tenPct({ store_ids: ['oslo-2'] })], r), 'r')).toBe('STORE_NOT_MATCHED');
    expect(codeOf(calc([tenPct({ store: { name: [] } })], r), 'r')).toBe('APPLIED'); // empty array = no constraint
  });

  it('customer: status must be sent, addresses, attributes, consent and company', () => {
    const customer = {
      status: 'gold',
      addresses: [
        { country: 'NO', postal_code: '0150', type: 'home' },
        { country: 'SE', postal_code: '11122', type: 'work' },
      ],
      attributes: { segment: ['students', 'runners'], tier: 'A' },
      marketing_consent: { email: { consent: true }, sms: { consent: false } },
      company: { bussiness_name: 'Acme AS', number_of_employees: 12 },
    };
    const r = receipt([item(1, 1000)], { customer_id: 'c-1', customer });
    const ok = (req: Requirement['customer']) => codeOf(calc([tenPct({ customer: req })], r), 'r');
    expect(ok({ status: ['gold', 'silver'] })).toBe('APPLIED');
    expect(ok({ status: ['silver'] })).toBe('CUSTOMER_NOT_MATCHED');
    expect(codeOf(calc([tenPct({ customer: { status: ['gold'] } })], receipt([item(1, 1000)], { customer: { type: 'customer' } })), 'r')).toBe('CUSTOMER_NOT_MATCHED');
    expect(ok({ addresses: [{ country: ['SE'], postal_code: ['11122'] }] })).toBe('APPLIED');
    // Both properties must hold for one address: NO + 11122 is no single address.
    expect(ok({ addresses: [{ country: ['NO'], postal_code: ['11122'] }] })).toBe('CUSTOMER_NOT_MATCHED');
    expect(ok({ attributes: { segment: ['runners'], tier: ['A', 'B'] } })).toBe('APPLIED');
    expect(ok({ attributes: { segment: ['swimmers'] } })).toBe('CUSTOMER_NOT_MATCHED');
    expect(ok({ marketing_consent: { email: { consent: ['true'] }, sms: { consent: ['false'] } } })).toBe('APPLIED');
    expect(ok({ marketing_consent: { sms: { consent: ['true'] } } })).toBe('CUSTOMER_NOT_MATCHED');
    expect(ok({ company: { bussiness_name: ['Acme AS'], number_of_employees: [12] } })).toBe('APPLIED');
    expect(ok({ company: { number_of_employees: ['13'] } })).toBe('CUSTOMER_NOT_MATCHED');
  });

  it('item quantity counts eligible matching units only', () => {
    const d = rule({ id: 'r', requirement: { item: { items: [{ group_id: 'drinks' }], quantity: 3 } }, reward: { type: 'discount_percent', value: 10 } });
    const r = receipt([item(1, 100, { groups: ['drinks'], quantity: 2 }), item(2, 100, { groups: ['drinks'], eligible: false })]);
    expect(trace(calc([d], r), 'r')).toMatchObject({ code: 'ITEM_QUANTITY_NOT_MET', reason: 'Needs 3 items from group drinks; the cart has 2.' });
  });

  it('a scale item with a fractional quantity counts as one unit', () => {
    const d = rule({ id: 'r', requirement: { item: { items: [{ id: 'cheese' }], quantity: 2 } }, reward: { type: 'discount_percent', value: 10 } });
    expect(codeOf(calc([d], receipt([item(1, 2345, { id: 'cheese', quantity: 0.532 })])), 'r')).toBe('ITEM_QUANTITY_NOT_MET');
    const free = rule({ id: 'f', requirement: { item: { items: [{ id: 'cheese' }] } }, reward: { type: 'discount_item_percent', value: 100 } });
    expect(discountsOn(calc([free], receipt([item(1, 2345, { id: 'cheese', quantity: 0.532 })])))).toEqual({ 1: [2345] });
  });

  it('item matching: globs, both id and group, ANY_ITEM', () => {
    const r = receipt([item(1, 1000, { id: 'cola-light', groups: ['drinks'] }), item(2, 1000, { id: 'cola', groups: ['drinks'] }), item(3, 1000, { id: 'fanta-light', groups: ['soda'] })]);
    const on = (items: { id?: string; group_id?: string }[]) =>
      Object.keys(discountsOn(calc([rule({ id: 'm', requirement: { item: { items } }, reward: { type: 'discount_percent', value: 10 } })], r))).map(Number);
    expect(on([{ id: '*-light' }])).toEqual([1, 3]);
    expect(on([{ id: '*-light', group_id: 'drinks' }])).toEqual([1]);
    expect(on([{ id: 'cola', group_id: 'soda' }])).toEqual([]);
    expect(on([{ id: '*' }])).toEqual([1, 2, 3]);
    expect(on([{ id: 'ANY_ITEM' }])).toEqual([1, 2, 3]);
    expect(on([{ group_id: 'soda' }, { id: 'cola' }])).toEqual([2, 3]);
  });
});

// ---------------------------------------------------------------- lines

describe('which lines are discounted', () => {
  it('skips lines not eligible, voided, returned, with zero gross, or with a duplicated line_id', () => {
    const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } });
    const r = receipt([
      item(1, 1000, { eligible: false }),
      item(2, 1000, { voided: true }),
      item(3, 1000, { returned: true }),
      item(4, 0),
      item(5, 1000),
      item(6, 1000),
      item(6, 1000),
      { ...item(7, 1000), eligible_for_discount: undefined },
    ]);
    const res = calc([d], r);
    expect(discountsOn(res)).toEqual({ 5: [100] });
    expect(res.receipt.gross_amount).toBe(5000);
    expect(res.receipt.net_amount).toBe(4900);
    // Non-live items come back untouched (no net_amount).
    expect(res.receipt.items?.[1]).toBe(r.items?.[1]);
  });

  it('keeps unknown fields of the receipt and its items', () => {
    const r = receipt([{ ...item(1, 1000), tax_percent: 25, comment: 'gift wrap', dimension: { size: 'M' } }], { operator_id: 'op-7', extra_info: [{ key: 'k', value: 'v' }] });
    const res = calc([rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } })], r);
    expect(res.receipt).toMatchObject({ operator_id: 'op-7', extra_info: [{ key: 'k', value: 'v' }] });
    expect(res.receipt.items?.[0]).toMatchObject({ tax_percent: 25, comment: 'gift wrap', dimension: { size: 'M' } });
  });

  it('blacklisted items are neither counted nor discounted', () => {
    const d = rule({
      id: 'p',
      requirement: { item: { items: [{ group_id: 'drinks' }], quantity: 2 } },
      reward: { type: 'discount_percent', value: 10 },
      limitation: { blacklist: [{ id: 'beer' }] },
    });
    const r = receipt([item(1, 1000, { id: 'soda', groups: ['drinks'] }), item(2, 1000, { id: 'beer', groups: ['drinks'] })]);
    expect(codeOf(calc([d], r), 'p')).toBe('ITEM_QUANTITY_NOT_MET');
    const r2 = receipt([item(1, 1000, { id: 'soda', groups: ['drinks'], quantity: 2 }), item(2, 1000, { id: 'beer', groups: ['drinks'] })]);
    expect(discountsOn(calc([d], r2))).toEqual({ 1: [100] });
  });

  it('ANY_ITEM does not stack with item rules on the same line, but receipt rules still do', () => {
    const any = rule({ id: 'a-any', requirement: { item: { items: [{ id: 'ANY_ITEM' }] } }, reward: { type: 'discount_percent', value: 10 } });
    const cola = rule({ id: 'b-cola', requirement: { item: { items: [{ id: 'cola' }] } }, reward: { type: 'discount_amount', value: 100 } });
    const all = rule({ id: 'c-all', reward: { type: 'discount_amount', value: 20 } });
    const res = calc([any, cola, all], receipt([item(1, 1000, { id: 'cola' }), item(2, 1000, { id: 'bread' })]));
    // a-any (smaller id) takes both lines; b-cola finds its line taken; c-all (receipt rule) stacks.
    expect(codeOf(res, 'b-cola')).toBe('ITEMS_ALREADY_DISCOUNTED');
    expect(discountsOn(res)).toEqual({ 1: [100, 10], 2: [100, 10] });
    // The other way round: the item rule first, ANY_ITEM only where no item rule applied.
    const any2 = rule({ ...any, id: 'z-any' });
    expect(discountsOn(calc([any2, cola], receipt([item(1, 1000, { id: 'cola' }), item(2, 1000, { id: 'bread' })])))).toEqual({ 1: [100], 2: [100] });
  });
});

// ---------------------------------------------------------------- limitations

describe('return receipts (engine decision 1: return lines are not live)', () => {
  const rules = [
    rule({ id: 'pct', reward: { type: 'discount_percent', value: 10 } }),
    rule({ id: 'bonus', reward: { type: 'discount_percent', value: 2, effect: 'bonus' } }),
    rule({ id: 'card', requirement: { item: { items: [{ id: 'coffee' }] }, stamp: 3 }, reward: { type: 'discount_item_percent', value: 100 } }),
    rule({ id: 'gift', reward: { type: 'discount_debit', value: 5000 } }),
    rule({ id: '3for2', requirement: { item: { items: [{ id: 'coffee' }], quantity: 3 } }, reward: { type: 'discount_item_quantity', value: 1 } }),
  ];
  const full = new Map(rules.map((d) => [d.id, [ref(d.id, 'customer', NO_STATS, [{ at: '2026-03-01T00:00:00Z', stamp: 3 }])]]));

  it('a receipt of returned items gets no discount, bonus, stamps or debit, whether the POS marks them, negates them, or both', () => {
    const returned = receipt(
      [
        item(1, 3500, { id: 'coffee', returned: true }),
        item(2, -7000, { id: 'coffee', quantity: -2, returned: true }),
        // A negative line without the flag is no sale either.
        item(3, -3500, { id: 'coffee', quantity: -1 }),
        item(4, 3500, { id: 'coffee', quantity: -1 }),
      ],
      { customer_id: 'c-1' },
    );
    const res = calc(rules, returned, { refs: full });
    expect(discountsOn(res)).toEqual({});
    expect(bonusOn(res)).toEqual({});
    expect(res.receipt.discounts).toEqual([]);
    expect(res.receipt.gross_amount).toBe(0);
    expect(res.receipt.total_discount).toBe(0);
    expect(res.receipt.is_changed).toBe(false);
    // Return lines come back as they were sent.
    expect(res.receipt.items).toEqual(returned.items);
  });

  it('an exchange: only the sold lines count, earn and are discounted; a full stamp card rewards a sold coffee, never a returned one', () => {
    const exchange = receipt([item(1, 3500, { id: 'coffee' }), item(2, 3500, { id: 'coffee', returned: true }), item(3, 7000, { id: 'coffee', quantity: 2, returned: true })], { customer_id: 'c-1' });
    const res = calc(rules, exchange, { refs: full });
    // The card is full: the one sold coffee is the reward; 3 for 2 needs three sold coffees.
    expect(discountsOn(res)).toEqual({ 1: [3500] });
    expect(codeOf(res, '3for2')).toBe('ITEM_QUANTITY_NOT_MET');
    expect(refOf(res, 'card')).toMatchObject({ stamp: 0, usage: 1 });
    expect(res.receipt.gross_amount).toBe(3500);
    // An empty card: the sold coffee earns one stamp, the returned ones none.
    const noGift = rules.filter((d) => d.id !== 'gift');
    const fresh = calc(noGift, exchange, { refs: new Map(noGift.map((d) => [d.id, [ref(d.id, 'customer')]])) });
    expect(refOf(fresh, 'card')).toMatchObject({ stamp: 1, usage: 0 });
    expect(discountsOn(fresh)).toEqual({ 1: [350] });
    expect(bonusOn(fresh)).toEqual({ 1: [70] });
  });

  it('a returned item whose id is a discount code does not bring the code', () => {
    const coded = rule({ id: 'code', requirement: { discount_code: 'SAVE' }, reward: { type: 'discount_amount', value: 500 } });
    const res = calc([coded], receipt([item(1, 5000), item(2, 100, { id: 'SAVE', returned: true })]));
    expect(discountsOn(res)).toEqual({});
    expect(discountsOn(calc([coded], receipt([item(1, 5000), item(2, 100, { id: 'SAVE' })])))).toEqual({ 1: [500] });
  });
});

describe('limitations', () => {
  const pct = (id: string, limitation: Limitation, value = 10) => rule({ id, reward: { type: 'discount_percent', value }, limitation });

  it('discount_repeat_usage: skipped once the ref used it that often', () => {
    const d = pct('p', { discount_repeat_usage: 2 });
    const used = new Map([['p', [ref('p', 'customer', { usage: 2, stamp: 0, amount: 0, bonus: 0 })]]]);
    expect(trace(calc([d], receipt([item(1, 1000)]), { refs: used }), 'p')).toMatchObject({ code: 'REPEAT_USAGE_EXHAUSTED', reason: 'Can be used in 2 purchases; already used in 2.' });
    const once = new Map([['p', [ref('p', 'customer', { usage: 1, stamp: 0, amount: 0, bonus: 0 })]]]);
    expect(codeOf(calc([d], receipt([item(1, 1000)]), { refs: once }), 'p')).toBe('APPLIED');
  });

  it('discount_hours: Oslo wall-clock time, DST-aware, end exclusive, across midnight', () => {
    const d = pct('h', { discount_hours: { hours: [{ day: 'tue', start: '08:00', end: '20:00' }, { day: 'wed', start: '22:00', end: '02:00' }] } });
    const at = (iso: string) => codeOf(calc([d], receipt([item(1, 1000)], { purchase_at: iso })), 'h');
    expect(at('2026-03-24T06:59:00Z')).toBe('OUTSIDE_DISCOUNT_HOURS'); // Tue 07:59 CET
    expect(at('2026-03-24T07:00:00Z')).toBe('APPLIED'); // Tue 08:00 CET
    expect(at('2026-03-31T06:00:00Z')).toBe('APPLIED'); // Tue 08:00 CEST (UTC+2 after 29 March)
    expect(at('2026-03-31T18:00:00Z')).toBe('OUTSIDE_DISCOUNT_HOURS'); // Tue 20:00 CEST, end exclusive
    expect(at('2026-03-25T21:00:00Z')).toBe('APPLIED'); // Wed 22:00 CET
    expect(at('2026-03-26T00:59:00Z')).toBe('APPLIED'); // Thu 01:59 CET, still Wednesday's period
    expect(at('2026-03-26T01:00:00Z')).toBe('OUTSIDE_DISCOUNT_HOURS'); // Thu 02:00 CET
    const res = calc([d], receipt([item(1, 1000)], { purchase_at: '2026-03-26T01:00:00Z' }));
    expect(trace(res, 'h').reason).toBe('Valid tue 08:00–20:00, wed 22:00–02:00 (Europe/Oslo); the purchase is at thu 02:00.');
    // 12:00Z on 10 March 2026 is 08:00 in New York (EDT since 8 March).
    const ny = pct('ny', { discount_hours: { timezone: 'America/New_York', hours: [{ day: 'tue', start: '08:00', end: '09:00' }] } });
    expect(codeOf(calc([ny], receipt([item(1, 1000)])), 'ny')).toBe('APPLIED');
    const nyEarly = pct('ny', { discount_hours: { timezone: 'America/New_York', hours: [{ day: 'tue', start: '07:00', end: '08:00' }] } });
    expect(codeOf(calc([nyEarly], receipt([item(1, 1000)])), 'ny')).toBe('OUTSIDE_DISCOUNT_HOURS');
    const bad = pct('bad', { discount_hours: { timezone: 'Mars/Olympus_Mons', hours: [{ day: 'tue', start: '07:00', end: '08:00' }] } });
    expect(codeOf(calc([bad], receipt([item(1, 1000)])), 'bad')).toBe('UNKNOWN_TIMEZONE');
    expect(codeOf(calc([pct('e', { discount_hours: { hours: [] } })], receipt([item(1, 1000)])), 'e')).toBe('APPLIED');
  });

  it('discount_eligible item_eligible_for_discount_no_discount: only lines without any discount line yet', () => {
    const first = rule({ id: 'a', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_amount', value: 100 } });
    const second = pct('b', { discount_eligible: 'item_eligible_for_discount_no_discount' });
    const res = calc([first, second], receipt([item(1, 1000), item(2, 1000), item(3, 1000, { external: [50] })]));
    expect(discountsOn(res)).toEqual({ 1: [100], 2: [100] });
  });

  it('discount_eligible receipt_no_discount: only while no line has a discount', () => {
    const d = pct('p', { discount_eligible: 'receipt_no_discount' });
    expect(codeOf(calc([d], receipt([item(1, 1000), item(2, 1000, { external: [10] })])), 'p')).toBe('RECEIPT_HAS_DISCOUNT');
    const earlier = rule({ id: 'a', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_amount', value: 100 } });
    expect(codeOf(calc([earlier, d], receipt([item(1, 1000)])), 'p')).toBe('RECEIPT_HAS_DISCOUNT');
    expect(codeOf(calc([d], receipt([item(1, 1000)])), 'p')).toBe('APPLIED');
  });

  it('discount_activation: switched off when the other discount applies', () => {
    const main = pct('main', {}, 20);
    const fallback = pct('fallback', { discount_activation: [{ type: 'deactivate_if_discount_active', value: 'main' }] }, 5);
    const res = calc([fallback, main], receipt([item(1, 1000)]));
    expect(discountsOn(res)).toEqual({ 1: [200] });
    expect(trace(res, 'fallback')).toMatchObject({ outcome: 'skipped', code: 'DEACTIVATED_BY_DISCOUNT', reason: 'Switched off because discount main (Rule main) applies to this purchase.' });
    // main out of its window → the fallback applies.
    const late = rule({ id: 'main', reward: { type: 'discount_percent', value: 20 }, requirement: { purchase_from: '2026-06-01T00:00:00Z', purchase_to: '2026-07-01T00:00:00Z' } });
    expect(discountsOn(calc([fallback, late], receipt([item(1, 1000)])))).toEqual({ 1: [50] });
  });

  it('discount_activation cycles: the rule with the smallest id is switched off', () => {
    const a = pct('a', { discount_activation: [{ type: 'deactivate_if_discount_active', value: 'b' }] });
    const b = pct('b', { discount_activation: [{ type: 'deactivate_if_discount_active', value: 'a' }] });
    const res = calc([a, b], receipt([item(1, 1000)]));
    expect(codeOf(res, 'a')).toBe('DEACTIVATED_BY_DISCOUNT');
    expect(discountsOn(res)).toEqual({ 1: [100] });
  });

  it('discount_combination 0: the set that gives the shopper most wins', () => {
    const small = pct('small', {}, 10);
    const alsoSmall = pct('also', {}, 5);
    const big = pct('big', { discount_combination: 0 }, 20);
    const res = calc([small, alsoSmall, big], receipt([item(1, 1000)]));
    expect(discountsOn(res)).toEqual({ 1: [200] });
    expect(codeOf(res, 'small')).toBe('NOT_COMBINABLE');
    expect(codeOf(res, 'also')).toBe('NOT_COMBINABLE');
    expect(trace(res, 'small').reason).toBe('Discount big does not combine with other discounts and gives more (2.00 NOK against 1.50 NOK).');
    // 10 % + 5 % (both of the gross) = 150 < 200. With 15 % + 5 % = 200 it is a tie, and a tie keeps the combinable set.
    const res2 = calc([pct('small', {}, 15), alsoSmall, big], receipt([item(1, 1000)]));
    expect(discountsOn(res2)).toEqual({ 1: [50, 150] });
    expect(trace(res2, 'big')).toMatchObject({ code: 'NOT_COMBINABLE' });
  });

  it('discount_combination 0 between two non-combinable rules: ties go to the smaller id', () => {
    const x = pct('x', { discount_combination: 0 }, 10);
    const y = pct('y', { discount_combination: 0 }, 10);
    const res = calc([y, x], receipt([item(1, 1000)]));
    expect(res.receipt.discounts?.map((d) => d.id)).toEqual(['x']);
    expect(codeOf(res, 'y')).toBe('NOT_COMBINABLE');
  });

  it('a rule that would not apply anyway says why, not NOT_COMBINABLE', () => {
    const big = pct('big', { discount_combination: 0 }, 20);
    const needsCode = rule({ id: 'coded', requirement: { item: { items: [{ id: 'sku-1' }], quantity: 5 } }, reward: { type: 'discount_percent', value: 5 } });
    const res = calc([big, needsCode], receipt([item(1, 1000)]));
    expect(codeOf(res, 'coded')).toBe('ITEM_QUANTITY_NOT_MET');
  });
});

// ---------------------------------------------------------------- stamps

describe('stamp cards', () => {
  const coffee = (stamp = 9, limitation?: Limitation) =>
    rule({
      id: 'card',
      requirement: { item: { items: [{ group_id: 'coffee' }] }, stamp },
      reward: { type: 'discount_item_percent', value: 100 },
      ...(limitation === undefined ? {} : { limitation }),
    });
  const cups = (n: number, price = 3500) => receipt([item(1, price * n, { groups: ['coffee'], quantity: n })], { customer_id: 'c-1' });
  const withCard = (stamps: readonly StampEvent[], usage = 0, grant: GrantKind = 'customer') =>
    new Map([['card', [ref('card', grant, { usage, stamp: stamps.reduce((s, e) => s + e.stamp, 0), amount: 0, bonus: 0 }, stamps)]]]);

  it('10 coffees on an empty card: 9 stamps and the 10th free', () => {
    const res = calc([coffee()], cups(10), { refs: withCard([]) });
    expect(discountsOn(res)).toEqual({ 1: [3500] });
    expect(refOf(res, 'card')).toMatchObject({ stamp: 9, usage: 1, amount: 3500, statistics: { stamp: 9, usage: 1 } });
  });

  it('a full card makes the next coffee free and it earns no stamp', () => {
    const res = calc([coffee()], cups(1), { refs: withCard([{ at: '2026-03-01T10:00:00Z', stamp: 9 }]) });
    expect(discountsOn(res)).toEqual({ 1: [3500] });
    expect(refOf(res, 'card')).toMatchObject({ stamp: 0, usage: 1 });
  });

  it('collecting only: listed in discounts[] with usage 0, no discount line', () => {
    const res = calc([coffee()], cups(2), { refs: withCard([{ at: '2026-03-01T10:00:00Z', stamp: 5 }]) });
    expect(discountsOn(res)).toEqual({});
    expect(refOf(res, 'card')).toMatchObject({ stamp: 2, usage: 0, amount: 0, items: [], statistics: { stamp: 7, usage: 0 } });
    expect(trace(res, 'card')).toMatchObject({ outcome: 'applied', code: 'STAMPS_COLLECTED', reason: 'Collected 2 stamps; the card holds 7 of 9.' });
    expect(res.receipt.is_changed).toBe(false);
  });

  it('walks units cheapest first: the reward is the unit that finds the card full', () => {
    // Card 8: the cheapest unit (2000) adds the 9th stamp, the next (3000) is free, the last (4000) adds a stamp.
    const r = receipt([item(1, 4000, { groups: ['coffee'] }), item(2, 2000, { groups: ['coffee'] }), item(3, 3000, { groups: ['coffee'] })], { customer_id: 'c-1' });
    const res = calc([coffee()], r, { refs: withCard([{ at: '2026-03-01T10:00:00Z', stamp: 8 }]) });
    expect(discountsOn(res)).toEqual({ 3: [3000] });
    expect(refOf(res, 'card')).toMatchObject({ stamp: 2, usage: 1 });
  });

  it('many rewards in one purchase, capped by discount_reward_usage', () => {
    // S = 2, empty card, 7 cups: stamp, stamp, free, stamp, stamp, free, stamp.
    expect(refOf(calc([coffee(2)], cups(7), { refs: withCard([]) }), 'card')).toMatchObject({ stamp: 5, usage: 2, amount: 7000 });
    expect(refOf(calc([coffee(2, { discount_reward_usage: 1 })], cups(7), { refs: withCard([]) }), 'card')).toMatchObject({ stamp: 6, usage: 1, amount: 3500 });
  });

  it('stamps older than stamp_expire_days do not count', () => {
    const stamps = [
      { at: '2026-01-01T10:00:00Z', stamp: 5 },
      { at: '2026-03-05T10:00:00Z', stamp: 4 },
    ];
    const fresh = calc([coffee(9, { stamp_expire_days: 30 })], cups(1), { refs: withCard(stamps), now: AT });
    expect(discountsOn(fresh)).toEqual({});
    expect(trace(fresh, 'card').reason).toBe('Collected 1 stamp; the card holds 5 of 9.');
    expect(discountsOn(calc([coffee(9)], cups(1), { refs: withCard(stamps) }))).toEqual({ 1: [3500] });
  });

  it('other reward types apply to the rewarded unit', () => {
    const amountCard = rule({ id: 'card', requirement: { item: { items: [{ group_id: 'coffee' }] }, stamp: 2 }, reward: { type: 'discount_amount', value: 1000 } });
    // Empty card, 3 cups: stamp, stamp, then the third is the reward: 10.00 off it.
    expect(discountsOn(calc([amountCard], cups(3), { refs: withCard([]) }))).toEqual({ 1: [1000] });
    const freeCard = rule({ ...amountCard, reward: { type: 'discount_item_quantity', value: 1 } });
    expect(discountsOn(calc([freeCard], cups(3), { refs: withCard([]) }))).toEqual({ 1: [3500] });
    const priceCard = rule({ ...amountCard, reward: { type: 'discount_item_new_price', value: 500 } });
    expect(discountsOn(calc([priceCard], cups(3), { refs: withCard([]) }))).toEqual({ 1: [3000] });
  });

  it('needs a customer or * grant', () => {
    const res = calc([coffee()], cups(1), { refs: withCard([], 0, 'no_customer') });
    expect(codeOf(res, 'card')).toBe('STAMPS_NEED_CUSTOMER');
    const star = calc([coffee()], cups(10), { refs: withCard([], 0, 'any_customer') });
    expect(star.receipt.items?.[0]?.discount_lines?.[0]?.discount_type).toBe('periodic');
  });

  it('a losing stamp card still collects stamps', () => {
    // 60 % of 7000 = 4200 beats the free coffee (3500).
    const big = rule({ id: 'big', reward: { type: 'discount_percent', value: 60 }, limitation: { discount_combination: 0 } });
    const refs = new Map([...withCard([{ at: '2026-03-01T10:00:00Z', stamp: 9 }]), ['big', [ref('big', 'customer')]]]);
    const res = calc([big, coffee()], cups(2), { refs });
    expect(discountsOn(res)).toEqual({ 1: [4200] });
    expect(refOf(res, 'card')).toMatchObject({ stamp: 2, usage: 0 });
    expect(codeOf(res, 'card')).toBe('STAMPS_COLLECTED');
  });
});

// ---------------------------------------------------------------- refs, output, determinism

describe('refs', () => {
  const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } });

  it('no ref → not given to this customer', () => {
    const res = calc([d], receipt([item(1, 1000)]), { refs: new Map() });
    expect(trace(res, 'p')).toMatchObject({ outcome: 'skipped', code: 'NO_REF' });
    expect(res.receipt.discounts).toEqual([]);
  });

  it('prefers an unexhausted ref, then a customer grant, then the smallest ref_id', () => {
    const lim = rule({ ...d, limitation: { discount_repeat_usage: 1 } });
    const used: RefStatistics = { usage: 1, stamp: 0, amount: 0, bonus: 0 };
    const refs = new Map([
      [
        'p',
        [
          { ref_id: 'z', grant: 'any_customer' as const, statistics: NO_STATS, stamps: [] },
          { ref_id: 'b', grant: 'customer' as const, statistics: NO_STATS, stamps: [] },
          { ref_id: 'a', grant: 'customer' as const, statistics: used, stamps: [] },
        ],
      ],
    ]);
    const res = calc([lim], receipt([item(1, 1000)], { customer_id: 'c-1' }), { refs });
    expect(refOf(res, 'p').id).toBe('b');
    expect(res.receipt.items?.[0]?.discount_lines?.[0]?.discount_type).toBe('customer');
  });

  it('a used-up personal ref does not hide a usable `*` ref', () => {
    const lim = rule({ ...d, limitation: { discount_repeat_usage: 1 } });
    const used: RefStatistics = { usage: 1, stamp: 0, amount: 0, bonus: 0 };
    const refs = new Map([['p', [
      { ref_id: 'a', grant: 'customer' as const, statistics: used, stamps: [] },
      { ref_id: 'z', grant: 'any_customer' as const, statistics: NO_STATS, stamps: [] },
    ]]]);
    const res = calc([lim], receipt([item(1, 1000)], { customer_id: 'c-1' }), { refs });
    expect(refOf(res, 'p').id).toBe('z');
    expect(res.receipt.items?.[0]?.discount_lines?.[0]).toMatchObject({ amount: 100, discount_type: 'periodic' });
  });

  it('reports totals including this receipt', () => {
    const refs = new Map([['p', [ref('p', 'customer', { usage: 3, stamp: 4, amount: 900, bonus: 7, debit_balance: 12 })]]]);
    const res = calc([d], receipt([item(1, 1000), item(2, 500)]), { refs });
    expect(res.receipt.discounts?.[0]).toMatchObject({
      id: 'p',
      name: 'Rule p',
      reward: { type: 'discount_percent', value: 10 },
      refs: [
        {
          id: 'ref-p-customer',
          stamp: 0,
          amount: 150,
          bonus: 0,
          usage: 1,
          statistics: { amount: 1050, bonus: 7, debit_balance: 12, stamp: 4, usage: 4 },
          items: [
            { line_id: 1, amount: 100, bonus: 0 },
            { line_id: 2, amount: 50, bonus: 0 },
          ],
        },
      ],
    });
  });
});

describe('output', () => {
  it('uses receipt_text for descriptions, percentage only for percent rewards, sorts discounts[] by id', () => {
    const a = rule({ id: 'b-amount', reward: { type: 'discount_amount', value: 100 }, receipt_text: '1 kr off' });
    const p = rule({ id: 'a-pct', reward: { type: 'discount_percent', value: 10 } });
    const res = calc([a, p], receipt([item(1, 1000)]));
    expect(res.receipt.items?.[0]?.discount_lines).toEqual([
      { amount: 100, percentage: 10, discount_type: 'periodic', discount_id: 'a-pct', description: 'Rule a-pct', line_id: 1 },
      { amount: 100, discount_type: 'periodic', discount_id: 'b-amount', description: '1 kr off', line_id: 1 },
    ]);
    expect(res.receipt.discounts?.map((x) => x.id)).toEqual(['a-pct', 'b-amount']);
  });

  it('keeps external lines and recalculation is idempotent', () => {
    const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 10, base: 'net' } });
    const r = receipt([item(1, 1000, { external: [100] })]);
    const once = calc([d], r);
    expect(once.receipt.items?.[0]?.discount_lines?.map((l) => [l.discount_type, l.amount])).toEqual([
      ['manual', 100],
      ['periodic', 90],
    ]);
    const twice = calc([d], once.receipt);
    expect(twice.receipt).toEqual(once.receipt);
  });

  it('drops stale lines of its own rules, also of rules that are no longer active', () => {
    const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } });
    const first = calc([d], receipt([item(1, 1000)]));
    const res = calc([{ ...d, active: false }], first.receipt);
    expect(res.receipt.items?.[0]?.discount_lines).toEqual([]);
    expect(res.receipt.items?.[0]?.is_changed).toBe(false);
    expect(res.receipt.items?.[0]?.net_amount).toBe(1000);
    expect(res.receipt.is_changed).toBe(false);
    expect(res.receipt.discounts).toEqual([]);
  });

  it('drops inactive and deleted rules in prepareRules', () => {
    const a = rule({ id: 'a', reward: { type: 'discount_percent', value: 10 } });
    const prepared = prepareRules([{ ...a, active: false }, { ...a, id: 'b', deleted_at: '2026-02-01T00:00:00Z' }, { ...a, id: 'c' }]);
    expect(prepared.size).toBe(1);
    expect(prepared.rules.map((r) => r.id)).toEqual(['c']);
  });

  it('does not change its input', () => {
    const d = rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } });
    const r = receipt([item(1, 1000, { external: [100] }), item(2, 500)]);
    const copy: unknown = JSON.parse(JSON.stringify(r));
    calc([d], r);
    expect(r).toEqual(copy);
  });

  it('a receipt without items', () => {
    const res = calc([rule({ id: 'p', reward: { type: 'discount_percent', value: 10 } })], { receipt_id: 'r', purchase_at: AT, store: { id: 's' } });
    expect(res.receipt).toEqual({ receipt_id: 'r', purchase_at: AT, store: { id: 's' }, gross_amount: 0, net_amount: 0, total_discount: 0, is_changed: false, discounts: [] });
    expect(res.trace).toMatchObject([{ discount_id: 'p', code: 'NO_MATCHING_ITEMS' }]);
  });

  it('the trace lists looked-at rules in evaluation order with plain reasons', () => {
    const rules = [
      rule({ id: 'r-receipt', reward: { type: 'discount_percent', value: 10 } }),
      rule({ id: 'i-item', requirement: { item: { items: [{ id: 'sku-1' }] } }, reward: { type: 'discount_amount', value: 100 } }),
      rule({ id: 'd-debit', reward: { type: 'discount_debit', value: 50 } }),
      rule({ id: 'b-bonus', reward: { type: 'discount_percent', value: 1, effect: 'bonus' } }),
      rule({ id: 'x-absent', requirement: { item: { items: [{ id: 'not-here' }] } }, reward: { type: 'discount_amount', value: 100 } }),
    ];
    const res = calc(rules, receipt([item(1, 1000)]));
    expect(res.trace.map((t) => t.discount_id)).toEqual(['i-item', 'r-receipt', 'd-debit', 'b-bonus']);
    expect(trace(res, 'i-item')).toEqual({ discount_id: 'i-item', name: 'Rule i-item', outcome: 'applied', code: 'APPLIED', reason: 'Gives 1.00 NOK off on 1 line.', base_amount: 1000, amount: 100, lines: [{ line_id: 1, amount: 100 }] });
    expect(trace(res, 'b-bonus').reason).toBe('Earns 0.10 NOK bonus on 1 line.');
  });
});
