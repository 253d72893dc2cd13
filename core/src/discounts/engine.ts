/**
 * The discount and reward engine: Dintero's `POST /discounts/available_for_receipt` as one pure
 * function (DESIGN §3 "Discount engine"), the same on the till (offline) and on the server.
 * `prepareRules` compiles the stored rules once; `calculate` prices one receipt. Same input →
 * deep-equal output: no clock, no randomness, no I/O, and neither the order of the rules nor the
 * order of the receipt's items changes the result (items keep their input order; every tie is
 * broken by `line_id` or by rule id, never by array position).
 *
 * `calculate` runs on every cart change, so it keeps what it allocates besides its result small:
 * what depends on a rule alone (indexes, the fixed parts of trace sentences, the `discounts[]`
 * template) is built by `prepareRules`, and per-calculation lists are made at their final size.
 * No result is kept from one calculation to the next.
 *
 * This comment is the specification for what Dintero's contract leaves open (contract §9.3, §9.4,
 * §9.15). The numbers are referred to from the code and the tests.
 *
 * 1. Lines. A line is *live* when it is not `voided`, not `is_return_item`, has quantity > 0
 *    (absent = 1) and an integer `gross_amount` > 0; only live lines count anywhere. A live line
 *    can be discounted only when `eligible_for_discount === true` (Dintero: "must be true"), it has
 *    an integer `line_id` that no other live line shares (a duplicated id makes both lines
 *    ambiguous: neither is discounted), the rule's `limitation.blacklist` does not match it and it
 *    is not the rule's own discount-code item. Item requirements (`item.quantity`, `mixes`, stamps)
 *    count only the lines the rule could discount. `requirement.gross_amount` is measured on the
 *    gross of all live lines (the total the shopper sees); `requirement.net_amount` on that total
 *    minus the discount lines the receipt arrived with. So returned lines (flagged, or with a
 *    negative quantity or amount) get no discount, bonus, stamp or debit and count towards no
 *    requirement, and a return receipt gets nothing at all. What a return gives back of earlier
 *    loyalty is not the engine's: the POS states it as negative `discounts[].refs[]` figures on
 *    the return receipt, and the usage ledger records them (never taking a total below zero).
 * 2. Units. Quantities are whole units; a fractional (scale) quantity is one unit priced at the
 *    line gross. A line's amount is spread over its units in integers (100 over 3 units: one unit
 *    34, two units 33). Units of one line are interchangeable; "the n cheapest units of a line" is
 *    how their gross is taken when a percent reward is on gross.
 * 3. Matching. `{id}` matches the line `id`; `{group_id}` any of `groups[].id`; both given → both
 *    must match. A leading `*` is a glob (`*` = everything, `*abc` = ends with `abc`); comparison
 *    is exact. `{"id": "ANY_ITEM"}` matches any line, and a line discounted by an ANY_ITEM rule
 *    gets no other item-rule discount (nor a second ANY_ITEM one), and a line discounted by an
 *    item rule gets no ANY_ITEM discount; discounts and bonus are tracked apart for this. Rule
 *    `type` (item/receipt) is read from the stored rule. A rule's items (globs included) decide
 *    which lines it counts and rewards, whatever its type; no items = every eligible line; mixes
 *    but no items = the mix lines (rewards other than mix_new_price go to the reward-eligible ones).
 * 4. Requirements. Purchase window `purchase_from ≤ purchase_at ≤ purchase_to` (inclusive);
 *    `limitation.dynamic_purchase_to_days` is not applied (it counts from when the ref was
 *    granted, which the engine is not told: callers pass only refs still inside that window);
 *    `visible_from` is display only. `currencies`: one of the list, or not in
 *    `[{"anything-but": [...]}]`; a receipt without currency fails either. `gross_amount`,
 *    `net_amount`: minimums as in 1. `discount_code`: trimmed, case-insensitive, from
 *    `receipt.discount_code[]` or a (non-voided, non-return) item whose id is the code; that item
 *    is never discounted by the rule. `store`: every given array must hold the store's value
 *    (`address` per field, `mcc_ranges` inclusive numeric ranges on `store.mcc`, deprecated
 *    `store_ids` = `store.id`). `customer` (against `receipt.customer`): every given array must
 *    hold the customer's value, so a status requirement needs the receipt to send the status;
 *    `addresses`: one address must satisfy every given property of one requirement entry;
 *    `attributes`: every key's values must intersect; `marketing_consent`: 'true'/'false' against
 *    the customer's boolean consent; `company.*` against `customer.company` (`bussiness_name`, or
 *    `business_name`). An empty requirement array is no constraint. Strings compare exactly;
 *    numbers and booleans by their text.
 * 5. Refs. `input.refs.get(rule.id)` lists the refs this purchase may use; none → the rule is
 *    skipped (`NO_REF`). With several, the first of: a ref whose limits (repeat usage, debit
 *    balance) are not exhausted — a used-up personal ref must not hide a usable `*` one — then
 *    grant `customer` before `any_customer` before `no_customer`, then the smallest `ref_id`.
 *    Lines get `discount_type` `customer` for a customer grant and `periodic` for `*` and `/`.
 * 6. Limitations. `discount_repeat_usage`: skipped once the ref's `statistics.usage` reached it
 *    (-1 = unlimited). `discount_reward_usage`: the most rewards in one purchase (applications,
 *    units, groups, bundles or stamp rewards, per reward type; 0 = none; -1 = unlimited).
 *    `discount_hours`: wall-clock time of `purchase_at` in the rule's zone (default Europe/Oslo,
 *    DST-aware through Intl); start inclusive, end exclusive; end ≤ start runs past midnight into
 *    the next day; no hours = any time; an unknown zone skips the rule (`UNKNOWN_TIMEZONE`).
 *    `discount_eligible`: `item_eligible_for_discount_no_discount` only takes lines without any
 *    discount line yet (including lines added earlier in this calculation; bonus lines are not
 *    discounts); `receipt_no_discount` applies only while no line has a discount line.
 *    `discount_activation` `deactivate_if_discount_active: X`: the rule is switched off when X
 *    gives a discount or bonus in this purchase (collecting stamps does not count). Rules without
 *    activation limits are decided first; rules whose X applies there are switched off; the rest
 *    are then decided together, and if a rule still applies alongside its X it is switched off and
 *    the choice is made again (in a cycle, the rule with the smallest id is switched off first).
 *    `stamp_expire_days` N: only stamp events with `at ≥ now − N days` count. `blacklist`: see 1.
 * 7. Order. Tiers: item rules, then receipt rules, then `discount_debit`, then every bonus-effect
 *    rule (bonus is computed on what the shopper pays). Within a tier, by rule id (string order).
 *    Each rule works on every line's *remaining* amount (gross − discount lines so far) and never
 *    takes a line below zero.
 * 8. `discount_combination: 0`. The engine prices {all combinable rules together} and {each
 *    non-combinable rule alone} and keeps the set that gives the largest total discount, then the
 *    largest bonus; ties keep the combinable set, then the smallest rule id. Rules of the other
 *    sets that would have given something are skipped with `NOT_COMBINABLE`. A losing stamp card
 *    still collects stamps (its reward waits for a later purchase: the card keeps its stamps).
 * 9. Rewards. Values are minor units, percent or quantity by type (amounts and prices are rounded
 *    to whole minor units, quantities down; a percent above 100 is 100). `reward.values` overrides
 *    `value` for lines matching one of its entries (first matching entry) for discount_amount,
 *    discount_percent, discount_item_new_price and discount_item_percent; the other types use
 *    `value`. A unit's *price* is its share of the line's remaining amount.
 *    - `discount_amount`: `value` off per application over the matching lines (split by remaining
 *      amount, capped at their total); applications: 1, or floor(units / item.quantity), capped by
 *      reward usage. Lines with different override values form separate groups (dearest value
 *      first when reward usage caps them).
 *    - `discount_percent`: percent of the base over the matching lines, computed once on the
 *      summed base, rounded half away from zero, split in proportion to each line's base; a
 *      line's share is capped at its remaining amount (the excess is not moved to other lines).
 *    - `discount_item_new_price`: every matching unit priced above `value` gets price `value`,
 *      dearest units first, at most reward-usage units.
 *    - `discount_item_quantity`: N = item.quantity (default value + 1), V = value: units sorted
 *      by price descending (ties: line_id), cut into groups of N; the V cheapest of each full
 *      group are free; groups capped by reward usage. "3 for 2" is N = 3, V = 1.
 *    - `discount_item_percent`: percent off the cheapest matching unit, once per application
 *      (1, or floor(units / item.quantity)), capped by reward usage; cheapest first, ties by
 *      line_id.
 *    - `discount_mix_new_price`: bundles are formed one after the other: each mix, in array order,
 *      takes its `quantity` dearest units still free (a unit serves one mix; one that matches two
 *      mixes goes to the first that asks); forming stops when a mix cannot be filled or reward
 *      usage is reached. Per bundle, the reward-eligible units' price total becomes `value`
 *      (discount = total − value when positive), split over those units by price.
 *    - `discount_debit`: balance = ref `statistics.debit_balance`, or `value` before first use;
 *      consumes min(balance, remaining amount of the matching lines); `base` does not apply.
 *      `statistics.debit_balance` after = balance − used.
 *    - `base: 'net'` takes the percent of the remaining amount (after external and earlier
 *      discounts); `base: 'gross'` (default) of the gross, still capped at the remaining amount.
 *    - `effect: 'bonus'`: the same computation gives bonus (bonus_lines, refs.bonus); it does not
 *      lower what the shopper pays.
 * 10. Stamp cards (`requirement.stamp` S). Need a `customer` or `*` ref (`STAMPS_NEED_CUSTOMER`
 *     otherwise). One stamp per matching unit. The card holds the valid stamps of `ref.stamps`.
 *     The receipt's matching units are walked cheapest first: when the card already holds S
 *     stamps (and reward usage allows) that unit is the reward and S stamps are used; otherwise the
 *     unit adds a stamp. With S = 9 the 10th coffee is free; 10 coffees on an empty card = 9 stamps
 *     + 1 free; the rewarded unit earns no stamp. The reward type applies to the rewarded units
 *     (discount_item_quantity and discount_mix_new_price: the unit is free / priced `value`;
 *     discount_amount: `value` off each). `refs[].stamp` = stamps added, `usage` = rewards. A rule
 *     that only collected stamps is in `discounts[]` with usage 0.
 * 11. Money. Integers only, exact (BigInt where a product could pass 2^53). Percentages are exact
 *     fractions (10.5 % = 105/1000; up to 6 decimals); results are rounded half away from zero.
 *     Amounts are split over lines in proportion to their base by largest remainder, ties to the
 *     smaller line_id.
 * 12. Further decisions.
 *     - Recalculation is idempotent: discount and bonus lines of type `customer`/`periodic` whose
 *       `discount_id` is a rule given to `prepareRules` (active or not) are this engine's own
 *       earlier output and are removed before calculating; every other line is external and
 *       kept. The receipt's `discounts[]` is replaced.
 *     - Output: every live item gets `net_amount` = gross − Σ its discount lines; an item that
 *       gets a new line gets `is_changed: true` (`false` when only old engine lines were
 *       removed); items that are not live come back untouched. The receipt gets `gross_amount`,
 *       `net_amount`, `total_discount` (Σ discount lines of live items, external ones included)
 *       and `is_changed` (a line was added). `discounts[]` holds the rules that gave something or
 *       collected stamps, sorted by id, each with its one ref: `{id, stamp, amount, bonus, usage,
 *       statistics (totals including this receipt), items}`.
 *     - A discount line's `description` is `receipt_text ?? name`; `percentage` is written only
 *       by discount_percent and discount_item_percent. A rule whose reward comes to 0 (new price
 *       above the price, value 0, …) is skipped (`NOTHING_TO_DISCOUNT`) and writes nothing.
 *     - `discount_item_quantity` with value ≥ N makes the whole group free; value 0 gives
 *       nothing. `discount_mix_new_price` without mixes gives nothing.
 *     - The trace has one entry per rule the engine looked at, in evaluation order (tier, then
 *       id), with a machine code and one plain sentence; rules the indexes rule out (none of their
 *       items, groups or codes on the receipt) are not looked at.
 *     - Results share unchanged parts with the input and with the prepared rules; treat all of
 *       them as immutable values.
 */
import type { Discount, DiscountLine, BonusLine, DiscountRefs, Receipt, ReceiptItem } from '../contracts/discounts.ts';
import { buildContext, lineAt, type CalcContext, type Line } from './context.ts';
import { withinHours } from './hours.ts';
import { matchesAny, type Matcher } from './match.ts';
import type { CompiledRule, CompiledRules } from './prepare.ts';
import { checkCurrency, checkCustomer, checkStore } from './requirements.ts';
import type { Allocs } from './rewards.ts';
import { appliedReason, evaluate, runScenario, skip, type Contender, type Outcome, type ScenarioResult } from './run.ts';
import { sortSmall } from './sort.ts';
import { money } from './trace.ts';
import type { CalculationInput, CalculationResult, EngineRef, PreparedRules, TraceEntry } from './types.ts';

export { prepareRules } from './prepare.ts';

const DAY_MS = 86_400_000;
const GRANT_ORDER = { customer: 0, any_customer: 1, no_customer: 2 } as const;

/** A rule decided without pricing it: its trace entry, as it goes into the result. */
type Decision = TraceEntry;

const skipped = (r: CompiledRule, code: string, reason: string): Decision => ({
  discount_id: r.id,
  name: r.rule.name,
  outcome: 'skipped',
  code,
  reason,
  base_amount: 0,
  amount: 0,
  lines: [],
});

// ---------------------------------------------------------------- candidates (indexes)

/** Lines that hit a rule's index keys, in ord order: one ord (most rules), several, or null for every line. */
type Hits = number | readonly number[] | null;

/** Rules that can match this receipt, in evaluation order, with the lines that hit their index keys. */
function candidates(compiled: CompiledRules, ctx: CalcContext): { readonly rules: CompiledRule[]; readonly hits: ReadonlyMap<CompiledRule, Hits> } {
  // Rules found through the item and group indexes, with the lines that hit them. Rules every
  // receipt meets (`always`, and by code) are never in an index, so they need no entry here.
  const found = new Map<CompiledRule, number | number[]>();
  const rules: CompiledRule[] = [];
  const hit = (list: readonly CompiledRule[] | undefined, ord: number): void => {
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r === undefined || (r.code !== undefined && !ctx.codes.has(r.code))) continue;
      const cur = found.get(r);
      if (cur === undefined) {
        found.set(r, ord);
        rules.push(r);
      } else if (typeof cur === 'number') {
        if (cur !== ord) found.set(r, [cur, ord]);
      } else if (cur[cur.length - 1] !== ord) cur.push(ord);
    }
  };
  const every = (list: readonly CompiledRule[] | undefined): void => {
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const r = list[i];
      if (r !== undefined) rules.push(r);
    }
  };
  for (let i = 0; i < ctx.lines.length; i++) {
    const line = lineAt(ctx, i);
    if (line.id !== undefined) hit(compiled.byItemId.get(line.id), line.ord);
    // The item's own group list: `line.groups` is a copy, made only for group patterns.
    const groups = line.item.groups;
    if (groups !== undefined) {
      for (let k = 0; k < groups.length; k++) {
        const g = groups[k];
        if (g !== undefined) hit(compiled.byGroupId.get(g.id), line.ord);
      }
    }
  }
  every(compiled.always);
  for (const code of ctx.codes) every(compiled.alwaysByCode.get(code));
  return { rules: sortSmall(rules, (a, b) => a.rank - b.rank), hits: found };
}

// ---------------------------------------------------------------- checks that do not depend on other rules

/** 1 when the ref cannot give this rule anything more (repeat usage reached, debit balance used up). */
function exhausted(r: CompiledRule, ref: EngineRef): number {
  if (r.repeatUsage >= 0 && ref.statistics.usage >= r.repeatUsage) return 1;
  if (r.rewardType === 'discount_debit' && (ref.statistics.debit_balance ?? r.value) <= 0) return 1;
  return 0;
}

function pickRef(r: CompiledRule, refs: readonly EngineRef[]): EngineRef | undefined {
  let best = refs[0];
  for (let i = 1; i < refs.length; i++) {
    const ref = refs[i];
    if (ref === undefined || best === undefined) continue;
    const d =
      exhausted(r, ref) - exhausted(r, best) ||
      GRANT_ORDER[ref.grant] - GRANT_ORDER[best.grant] ||
      (ref.ref_id < best.ref_id ? -1 : ref.ref_id > best.ref_id ? 1 : 0);
    if (d < 0) best = ref;
  }
  return best;
}

const NO_MIXES: number[][] = [];
const NO_REF = 'Not given to this customer or to this kind of purchase.';

function staticCheck(ctx: CalcContext, r: CompiledRule, k: number, hits: Hits, refs: readonly EngineRef[] | undefined): Contender | Decision {
  if (refs === undefined || refs.length === 0) return skipped(r, 'NO_REF', NO_REF);
  const ref = pickRef(r, refs);
  if (ref === undefined) return skipped(r, 'NO_REF', NO_REF);

  if (!Number.isFinite(ctx.purchaseMs)) return skipped(r, 'INVALID_PURCHASE_TIME', `The receipt's purchase_at (${ctx.receipt.purchase_at}) is not a valid time.`);
  if (!(ctx.purchaseMs >= r.fromMs && ctx.purchaseMs <= r.toMs)) {
    return skipped(r, 'OUTSIDE_PURCHASE_WINDOW', `${r.says.outsideWindow}${ctx.receipt.purchase_at}.`);
  }
  if (r.repeatUsage >= 0 && ref.statistics.usage >= r.repeatUsage) {
    return skipped(r, 'REPEAT_USAGE_EXHAUSTED', `${r.says.repeatUsed}${ref.statistics.usage}.`);
  }
  if (r.hours !== undefined && r.hours.periods.length > 0) {
    const t = ctx.local(r.hours.timezone);
    if (t === null) return skipped(r, 'UNKNOWN_TIMEZONE', `The time zone ${r.hours.timezone} of its discount hours is unknown.`);
    if (!withinHours(r.hours.periods, t)) return skipped(r, 'OUTSIDE_DISCOUNT_HOURS', `${r.says.outsideHours}${ctx.localText(r.hours.timezone)}.`);
  }
  if (r.currencies !== undefined) {
    const why = checkCurrency(r.currencies, ctx.currency);
    if (why !== null) return skipped(r, 'CURRENCY_NOT_ALLOWED', why);
  }
  if (r.hasStore) {
    const why = checkStore(r.rule, ctx.receipt);
    if (why !== null) return skipped(r, 'STORE_NOT_MATCHED', why);
  }
  if (r.hasCustomer) {
    const why = checkCustomer(r.rule, ctx.receipt);
    if (why !== null) return skipped(r, 'CUSTOMER_NOT_MATCHED', why);
  }
  if (r.code !== undefined && !ctx.codes.has(r.code)) return skipped(r, 'DISCOUNT_CODE_MISSING', r.says.codeMissing);
  if (r.minGross !== undefined && ctx.gross < r.minGross) {
    return skipped(r, 'GROSS_AMOUNT_NOT_MET', `${r.says.grossNotMet}${money(ctx.gross, ctx.currency)}.`);
  }
  if (r.minNet !== undefined && ctx.netBefore < r.minNet) {
    return skipped(r, 'NET_AMOUNT_NOT_MET', `${r.says.netNotMet}${money(ctx.netBefore, ctx.currency)}.`);
  }
  if (r.stamp !== undefined && ref.grant === 'no_customer') {
    return skipped(r, 'STAMPS_NEED_CUSTOMER', 'A stamp card needs a known customer; this purchase has none.');
  }
  if (r.stamp === undefined && r.rewardUsage === 0) return skipped(r, 'REWARD_USAGE_NONE', 'Its reward usage limit is 0.');
  const isDebit = r.rewardType === 'discount_debit';
  const balance = isDebit ? (ref.statistics.debit_balance ?? Math.round(r.value)) : 0;
  if (isDebit && balance <= 0) return skipped(r, 'DEBIT_BALANCE_EMPTY', 'Its balance is used up.');

  // Lines the rule may count and reward (decision 1).
  const all = ctx.lines;
  const mixLines: number[][] = r.mixes.length === 0 ? NO_MIXES : r.mixes.map((m) => usableMatching(ctx, r, ctx.allOrds, m.matchers));
  let lines: readonly number[];
  let targets: readonly number[];
  if (r.items.length > 0) {
    lines = usableMatching(ctx, r, hits === null ? ctx.allOrds : typeof hits === 'number' ? [hits] : hits, r.items);
    targets = lines;
  } else if (r.mixes.length > 0) {
    lines = union(mixLines);
    targets = union(mixLines.filter((_, i) => r.mixes[i]?.rewardEligible === true));
  } else if (r.blacklist.length === 0 && r.code === undefined) {
    lines = ctx.eligibleOrds;
    targets = lines;
  } else {
    lines = usableMatching(ctx, r, ctx.allOrds, null);
    targets = lines;
  }
  if (lines.length === 0) {
    return skipped(r, 'NO_MATCHING_ITEMS', r.says.noMatchingItems);
  }
  let units = 0;
  for (let i = 0; i < lines.length; i++) units += all[lines[i] ?? 0]?.units ?? 0;
  if (r.quantity > 0 && units < r.quantity) {
    return skipped(r, 'ITEM_QUANTITY_NOT_MET', `${r.says.quantityNotMet}${units}.`);
  }
  for (let i = 0; i < mixLines.length; i++) {
    if ((mixLines[i]?.length ?? 0) === 0) return skipped(r, 'MIXES_NOT_MET', `No eligible item for mix ${i + 1} on the receipt.`);
  }

  let card = 0;
  if (r.stamp !== undefined) {
    const from = r.stampExpireDays >= 0 ? ctx.nowMs - r.stampExpireDays * DAY_MS : Number.NEGATIVE_INFINITY;
    for (const ev of ref.stamps) if (r.stampExpireDays < 0 || Date.parse(ev.at) >= from) card += ev.stamp;
  }
  return { k, r, ref, discountType: ref.grant === 'customer' ? 'customer' : 'periodic', lines, targets, mixLines, card, balance };
}

// Scratch for `usableMatching`: lists are collected here and copied out at their exact size (a
// rule usually keeps a few lines of a long receipt; growing arrays push by push leaves copies).
const FOUND: number[] = [];

/** The ords of `from` the rule can use (decision 1) that match one of `ms` (null: any). */
function usableMatching(ctx: CalcContext, r: CompiledRule, from: readonly number[], ms: readonly Matcher[] | null): number[] {
  let k = 0;
  for (let i = 0; i < from.length; i++) {
    const l = ctx.lines[from[i] ?? 0];
    if (l !== undefined && usableFor(r, l) && (ms === null || matchesAny(ms, l))) FOUND[k++] = l.ord;
  }
  return FOUND.slice(0, k);
}

/** Can the rule count and discount this line at all (decision 1)? */
function usableFor(r: CompiledRule, l: Line): boolean {
  if (!l.eligible) return false;
  if (r.code !== undefined && l.codeKey === r.code) return false;
  return r.blacklist.length === 0 || !matchesAny(r.blacklist, l);
}

function union(lists: readonly (readonly number[])[]): number[] {
  const s = new Set<number>();
  for (const l of lists) for (const o of l) s.add(o);
  return [...s].sort((a, b) => a - b);
}

// ---------------------------------------------------------------- combination and activation

interface Choice {
  readonly winner: ScenarioResult;
  /** Outcomes of rules outside the winning set (NOT_COMBINABLE, or why they would not apply anyway). */
  readonly losers: readonly Outcome[];
  /** Stamps collected by losing stamp cards. */
  readonly collected: readonly Outcome[];
}

const NO_OUTCOMES: readonly Outcome[] = [];

/** Did rule `id` give a discount or bonus in this scenario? (Activation checks only: a scan.) */
const applies = (res: ScenarioResult, id: string): boolean => res.outcomes.some((o) => o.kind === 'reward' && o.c.r.id === id);

const byId = (a: Contender, b: Contender): number => (a.r.id < b.r.id ? -1 : a.r.id > b.r.id ? 1 : 0);
const byRank = (a: Contender, b: Contender): number => a.r.rank - b.r.rank;

/** "12.00 NOK", or "12.00 NOK and 3.00 NOK bonus": what a scenario gives, for NOT_COMBINABLE reasons. */
function gives(ctx: CalcContext, res: ScenarioResult): string {
  const discount = money(res.discount, ctx.currency);
  return res.bonus > 0 ? `${discount} and ${money(res.bonus, ctx.currency)} bonus` : discount;
}

/** Decision 8: all combinable rules together, or one non-combinable rule alone. */
function choose(ctx: CalcContext, enabled: readonly Contender[]): Choice {
  const comb = enabled.filter((c) => c.r.combinable);
  const together = runScenario(ctx, comb);
  if (comb.length === enabled.length) return { winner: together, losers: NO_OUTCOMES, collected: NO_OUTCOMES };

  const non = sortSmall(
    enabled.filter((c) => !c.r.combinable),
    byId,
  );
  const solos = non.map((x) => runScenario(ctx, [x]));
  let best = together;
  let solo: Contender | undefined;
  for (let i = 0; i < non.length; i++) {
    const s = solos[i];
    if (s !== undefined && (s.discount > best.discount || (s.discount === best.discount && s.bonus > best.bonus))) {
      best = s;
      solo = non[i];
    }
  }

  const bestGives = gives(ctx, best);
  const losers: Outcome[] = [];
  const losing: Contender[] = [];
  const lose = (c: Contender, own: Outcome | undefined, ownRes: ScenarioResult): void => {
    losing.push(c);
    if (own === undefined) return;
    if (own.kind === 'skip') {
      losers.push(own);
      return;
    }
    const reason =
      solo === undefined
        ? `Not combinable with other discounts; the discounts that combine give more (${bestGives} against ${gives(ctx, ownRes)}).`
        : `Discount ${solo.r.id} does not combine with other discounts and gives more (${bestGives} against ${gives(ctx, ownRes)}).`;
    losers.push(skip(c, 'NOT_COMBINABLE', reason));
  };
  // Outcomes come in the order of the scenario's rules.
  for (let i = 0; i < comb.length && solo !== undefined; i++) {
    const c = comb[i];
    if (c !== undefined) lose(c, together.outcomes[i], together);
  }
  for (let i = 0; i < non.length; i++) {
    const c = non[i];
    const s = solos[i];
    if (c !== undefined && s !== undefined && c !== solo) lose(c, s.outcomes[0], s);
  }
  // A losing stamp card still collects stamps on the winner's lines.
  const collected: Outcome[] = [];
  for (const c of sortSmall(losing, byRank)) {
    if (c.r.stamp === undefined) continue;
    const o = evaluate(ctx, best.state, c, 'collect');
    if (o.kind === 'stamps') collected.push(o);
  }
  return { winner: best, losers, collected };
}

interface Resolution extends Choice {
  /** Rule id → the discount whose applying switched it off. */
  readonly deactivated: ReadonlyMap<string, string>;
}

const NONE_DEACTIVATED: ReadonlyMap<string, string> = new Map();

const resolution = (res: Choice, deactivated: ReadonlyMap<string, string>): Resolution => ({ winner: res.winner, losers: res.losers, collected: res.collected, deactivated });

/** Decisions 6 and 8: activation limits, then the combination choice. */
function resolve(ctx: CalcContext, contenders: readonly Contender[]): Resolution {
  const conditional = contenders.filter((c) => c.r.deactivatedBy.length > 0);
  if (conditional.length === 0) return resolution(choose(ctx, contenders), NONE_DEACTIVATED);
  const deactivated = new Map<string, string>();
  const first = choose(
    ctx,
    contenders.filter((c) => c.r.deactivatedBy.length === 0),
  );
  for (const z of conditional) {
    const by = z.r.deactivatedBy.find((id) => applies(first.winner, id));
    if (by !== undefined) deactivated.set(z.r.id, by);
  }
  for (;;) {
    const res = choose(
      ctx,
      contenders.filter((c) => !deactivated.has(c.r.id)),
    );
    const triggered = conditional.filter((z) => !deactivated.has(z.r.id) && applies(res.winner, z.r.id) && z.r.deactivatedBy.some((id) => applies(res.winner, id)));
    if (triggered.length === 0) return resolution(res, deactivated);
    const ids = new Set(triggered.map((z) => z.r.id));
    let off = triggered.filter((z) => z.r.deactivatedBy.some((id) => applies(res.winner, id) && !ids.has(id)));
    if (off.length === 0) off = [...triggered].sort((a, b) => (a.r.id < b.r.id ? -1 : 1)).slice(0, 1);
    for (const z of off) deactivated.set(z.r.id, z.r.deactivatedBy.find((id) => applies(res.winner, id)) ?? '');
  }
}

// ---------------------------------------------------------------- the calculation

/**
 * Ids of the rules a calculation of this receipt could look at (the index's candidates). A server
 * fetches refs and statistics for these only, instead of for every rule the buyer holds.
 */
export function candidateRuleIds(prepared: PreparedRules, receipt: CalculationInput['receipt']): string[] {
  return candidates(prepared.compiled, buildContext(prepared.compiled, receipt, receipt.purchase_at)).rules.map((r) => r.id);
}

export function calculate(prepared: PreparedRules, input: CalculationInput): CalculationResult {
  const ctx = buildContext(prepared.compiled, input.receipt, input.now);
  const { rules: looked, hits } = candidates(prepared.compiled, ctx);
  const decided = new Array<Decision | Outcome | undefined>(looked.length);
  const contenders: Contender[] = [];
  looked.forEach((r, k) => {
    const c = staticCheck(ctx, r, k, hits.get(r) ?? null, input.refs.get(r.id));
    if ('outcome' in c) decided[k] = c;
    else contenders.push(c);
  });

  const res = resolve(ctx, contenders);
  for (const [id, by] of res.deactivated) {
    const name = prepared.compiled.byId.get(by)?.rule.name;
    const k = looked.findIndex((r) => r.id === id);
    const rule = looked[k];
    if (rule !== undefined) decided[k] = skipped(rule, 'DEACTIVATED_BY_DISCOUNT', `Switched off because discount ${by}${name === undefined ? '' : ` (${name})`} applies to this purchase.`);
  }
  for (const o of res.winner.outcomes) decided[o.c.k] = o;
  for (const o of res.losers) decided[o.c.k] = o;
  for (const o of res.collected) decided[o.c.k] = o;

  const given: Outcome[] = [];
  for (let k = 0; k < decided.length; k++) {
    const o = decided[k];
    if (o !== undefined && !('outcome' in o) && o.kind !== 'skip') given.push(o);
  }
  return {
    receipt: buildReceipt(ctx, given),
    trace: looked.map((r, k) => traceEntry(ctx, r, decided[k])),
  };
}

function lineAmounts(ctx: CalcContext, allocs: Allocs): { line_id: number; amount: number }[] {
  const { ords, amounts } = allocs;
  const out = new Array<{ line_id: number; amount: number }>(ords.length);
  for (let i = 0; i < ords.length; i++) out[i] = { line_id: lineAt(ctx, ords[i] ?? 0).line_id, amount: amounts[i] ?? 0 };
  return out;
}

function traceEntry(ctx: CalcContext, r: CompiledRule, d: Decision | Outcome | undefined): TraceEntry {
  if (d === undefined) return { discount_id: r.id, name: r.rule.name, outcome: 'skipped', code: 'NOT_DECIDED', reason: 'Not decided.', base_amount: 0, amount: 0, lines: [] };
  if ('outcome' in d) return d;
  return {
    discount_id: r.id,
    name: r.rule.name,
    outcome: d.kind === 'skip' ? 'skipped' : 'applied',
    code: d.code,
    reason: d.kind === 'reward' ? appliedReason(d, ctx.currency) : d.reason,
    base_amount: d.base,
    amount: d.total,
    lines: lineAmounts(ctx, d.allocs),
  };
}

// ---------------------------------------------------------------- output

/**
 * The lines this calculation adds, per ord, after the line's kept ones (decision 12). Counted
 * first, so each item's lists are allocated once at their final size: they are output, and
 * growing them push by push (then concatenating) left as much garbage behind.
 */
interface NewLines {
  readonly discount: (DiscountLine[] | undefined)[];
  readonly bonus: (BonusLine[] | undefined)[];
  /** Σ new discount per ord. */
  readonly amount: number[];
}

/** A list with room for `added` lines after the kept ones (already copied in). */
function startList<T>(kept: readonly T[] | undefined, added: number): T[] {
  const out = new Array<T>((kept?.length ?? 0) + added);
  if (kept !== undefined) {
    for (let i = 0; i < kept.length; i++) {
      const x = kept[i];
      if (x !== undefined) out[i] = x;
    }
  }
  return out;
}

function newLines(ctx: CalcContext, given: readonly Outcome[]): NewLines {
  const n = ctx.lines.length;
  // Lines still to place per ord; once a list exists, the index of its next free slot.
  const dNext = new Array<number>(n).fill(0);
  const bNext = new Array<number>(n).fill(0);
  const amount = new Array<number>(n).fill(0);
  for (let g = 0; g < given.length; g++) {
    const o = given[g];
    if (o === undefined || o.kind !== 'reward') continue;
    const { ords, amounts } = o.allocs;
    for (let i = 0; i < ords.length; i++) {
      const ord = ords[i] ?? 0;
      if (o.c.r.bonus) bNext[ord] = (bNext[ord] ?? 0) + 1;
      else {
        dNext[ord] = (dNext[ord] ?? 0) + 1;
        amount[ord] = (amount[ord] ?? 0) + (amounts[i] ?? 0);
      }
    }
  }
  const discount = new Array<DiscountLine[] | undefined>(n);
  const bonus = new Array<BonusLine[] | undefined>(n);
  for (let g = 0; g < given.length; g++) {
    const o = given[g];
    if (o === undefined || o.kind !== 'reward') continue;
    const r = o.c.r;
    const { ords, amounts } = o.allocs;
    for (let i = 0; i < ords.length; i++) {
      const ord = ords[i] ?? 0;
      const line = lineAt(ctx, ord);
      const a = amounts[i] ?? 0;
      const pct = o.allocs.pctAt(i)?.value;
      if (r.bonus) {
        let list = bonus[ord];
        let at = bNext[ord] ?? 0;
        if (list === undefined) {
          list = bonus[ord] = startList(line.bonusLines, at);
          at = line.bonusLines?.length ?? 0;
        }
        list[at] = bonusLine(a, pct, o.c.discountType, r, line.line_id);
        bNext[ord] = at + 1;
      } else {
        let list = discount[ord];
        let at = dNext[ord] ?? 0;
        if (list === undefined) {
          list = discount[ord] = startList(line.discountLines, at);
          at = line.discountLines?.length ?? 0;
        }
        list[at] = discountLine(a, pct, o.c.discountType, r, line.line_id);
        dNext[ord] = at + 1;
      }
    }
  }
  return { discount, bonus, amount };
}

function buildReceipt(ctx: CalcContext, given: readonly Outcome[]): Receipt {
  const added = newLines(ctx, given);
  let gross = 0;
  let net = 0;
  let totalDiscount = 0;
  let changed = false;
  const items = new Array<ReceiptItem>(ctx.items.length);
  for (let k = 0; k < ctx.items.length; k++) {
    const v = ctx.items[k];
    if (v === undefined) continue;
    if (!v.live) {
      items[k] = v.stripped ? withLines(v.item, v.discountLines, v.bonusLines, false) : v.item;
      continue;
    }
    const ord = v.ord;
    const dl = ord < 0 ? undefined : added.discount[ord];
    const bl = ord < 0 ? undefined : added.bonus[ord];
    const isNew = dl !== undefined || bl !== undefined;
    changed ||= isNew;
    const d = v.external + (ord < 0 ? 0 : (added.amount[ord] ?? 0));
    const net_amount = v.gross - d;
    gross += v.gross;
    net += net_amount;
    totalDiscount += d;
    // Object.assign + assignments, not `{...item, more}`: V8 takes a slow path for spreads with
    // extra properties (tens of times slower on a 50-line receipt).
    const out: ReceiptItem = Object.assign({}, v.item);
    if (isNew || v.stripped) {
      const dls = dl ?? v.discountLines;
      const bls = bl ?? v.bonusLines;
      if (dls !== undefined) out.discount_lines = dls;
      if (bls !== undefined) out.bonus_lines = bls;
      out.is_changed = isNew;
    }
    out.net_amount = net_amount;
    items[k] = out;
  }

  const discounts = new Array<DiscountRefs>(given.length);
  for (let g = 0; g < given.length; g++) {
    const o = given[g];
    if (o !== undefined) discounts[g] = discountEntry(ctx, o);
  }
  sortSmall(discounts, (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const receipt: Receipt = Object.assign({}, ctx.receipt);
  if (ctx.receipt.items !== undefined) receipt.items = items;
  receipt.gross_amount = gross;
  receipt.net_amount = net;
  receipt.total_discount = totalDiscount;
  receipt.is_changed = changed;
  receipt.discounts = discounts;
  return receipt;
}

type EngineDiscountType = 'customer' | 'periodic';

// Lines are whole literals (one shape each, no spreads, no later additions): hundreds per receipt.
function discountLine(amount: number, percentage: number | undefined, type: EngineDiscountType, r: CompiledRule, line_id: number): DiscountLine {
  const description = r.description;
  if (description === undefined) {
    return percentage === undefined ? { amount, discount_type: type, discount_id: r.id, line_id } : { amount, percentage, discount_type: type, discount_id: r.id, line_id };
  }
  return percentage === undefined
    ? { amount, discount_type: type, discount_id: r.id, description, line_id }
    : { amount, percentage, discount_type: type, discount_id: r.id, description, line_id };
}

function bonusLine(bonus: number, percentage: number | undefined, type: EngineDiscountType, r: CompiledRule, line_id: number): BonusLine {
  const description = r.description;
  if (description === undefined) {
    return percentage === undefined ? { bonus, discount_type: type, discount_id: r.id, line_id } : { bonus, percentage, discount_type: type, discount_id: r.id, line_id };
  }
  return percentage === undefined
    ? { bonus, discount_type: type, discount_id: r.id, description, line_id }
    : { bonus, percentage, discount_type: type, discount_id: r.id, description, line_id };
}

/** A non-live item that lost old engine lines: the lines that remain, and is_changed false. */
function withLines(item: ReceiptItem, dl: readonly DiscountLine[] | undefined, bl: readonly BonusLine[] | undefined, changed: boolean): ReceiptItem {
  const out: ReceiptItem = Object.assign({}, item);
  out.is_changed = changed;
  if (dl !== undefined) out.discount_lines = [...dl];
  if (bl !== undefined) out.bonus_lines = [...bl];
  return out;
}

function discountEntry(ctx: CalcContext, o: Outcome): Discount & DiscountRefs {
  const { r, ref } = o.c;
  const bonus = r.bonus ? o.total : 0;
  const amount = r.bonus ? 0 : o.total;
  const usage = o.kind === 'reward' ? o.rewards : 0;
  const s = ref.statistics;
  const { ords, amounts } = o.allocs;
  const items = new Array<{ line_id: number; amount: number; bonus: number }>(ords.length);
  for (let i = 0; i < ords.length; i++) {
    const a = amounts[i] ?? 0;
    items[i] = { line_id: lineAt(ctx, ords[i] ?? 0).line_id, amount: r.bonus ? 0 : a, bonus: r.bonus ? a : 0 };
  }
  const refs = [
    {
      id: ref.ref_id,
      stamp: o.stamps,
      amount,
      bonus,
      usage,
      statistics: {
        amount: s.amount + amount,
        bonus: s.bonus + bonus,
        debit_balance: o.balanceAfter ?? s.debit_balance ?? 0,
        stamp: s.stamp + o.stamps,
        usage: s.usage + usage,
      },
      items,
    },
  ];
  // The template already ends in `refs`: a spread copy of it keeps its shape and setting an
  // existing key does not change it, while adding a key to a copy does (see buildReceipt).
  const entry = { ...r.template };
  entry.refs = refs;
  return entry;
}
