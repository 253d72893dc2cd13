/**
 * One pass of the engine over a set of rules (a "scenario"): rules in evaluation order, each on
 * what the rules before it left (decision 7). `evaluate` decides one rule against the running
 * state; `runScenario` applies the rules that give something. engine.ts chooses between
 * scenarios (decisions 6 and 8) and turns the winner into the receipt.
 */
import type { EngineRef } from './types.ts';
import { lineAt, type CalcContext, type Line } from './context.ts';
import { matchesAny } from './match.ts';
import type { CompiledRule } from './prepare.ts';
import {
  Allocs,
  amountOff,
  cheapestFirst,
  consume,
  dearestFirst,
  EMPTY_ALLOCS,
  formBundles,
  freeUnits,
  percentOff,
  Picks,
  pushRuns,
  Selection,
  takeUnits,
  walkStamps,
  type MixPool,
  type Run,
} from './rewards.ts';
import { sortSmall } from './sort.ts';
import { count, money } from './trace.ts';

/** A rule that passed every check that does not depend on other rules, with its ref. */
export interface Contender {
  /** Position among the rules the calculation looked at (evaluation order). */
  readonly k: number;
  readonly r: CompiledRule;
  readonly ref: EngineRef;
  readonly discountType: 'customer' | 'periodic';
  /** Lines the rule counts (eligible, not blacklisted, not its code item, matching), by ord. */
  readonly lines: readonly number[];
  /** Lines the reward goes to: `lines`, or for a rule with mixes but no items the reward-eligible mix lines. */
  readonly targets: readonly number[];
  /** Per mix: eligible lines matching it. */
  readonly mixLines: readonly (readonly number[])[];
  /** Valid stamps on the card before this purchase. */
  readonly card: number;
  /** `discount_debit`: what the ref still has to give. */
  readonly balance: number;
}

export type OutcomeKind = 'reward' | 'stamps' | 'skip';

export interface Outcome {
  readonly c: Contender;
  readonly kind: OutcomeKind;
  readonly code: string;
  readonly reason: string;
  readonly base: number;
  /** Discount given, or bonus earned for a bonus rule. */
  readonly total: number;
  /** Per line, in line_id order. Never mutated once the outcome exists. */
  readonly allocs: Allocs;
  readonly stamps: number;
  /** Rewards given (1 for a plain rule that applied; stamp rewards for a stamp card). */
  readonly rewards: number;
  readonly balanceAfter: number | undefined;
}

/** What the rules decided so far leave for the next one. */
export class State {
  // Copy-on-write: a state starts on the calculation's shared initial arrays and copies each one
  // on its first change, so the many scenarios that apply nothing (or one rule) stay cheap.
  private rem: number[];
  private disc: number[];
  private cl: number[];
  private bcl: number[];
  private own = 0;
  private anyDisc: boolean;
  // The last applied outcome, written only when the state is next read: a scenario's last rule
  // (every non-combinable rule priced alone) then never copies the line arrays at all.
  private pending: Outcome | undefined;

  constructor(ctx: CalcContext) {
    this.rem = ctx.initial.remaining;
    this.disc = ctx.initial.discounted;
    this.cl = ctx.initial.zeros;
    this.bcl = ctx.initial.zeros;
    this.anyDisc = ctx.anyExternalDiscount;
  }

  /** Some line has a discount line (kept or added). */
  get anyDiscount(): boolean {
    this.flush();
    return this.anyDisc;
  }

  get remaining(): readonly number[] {
    this.flush();
    return this.rem;
  }

  get discounted(): readonly number[] {
    this.flush();
    return this.disc;
  }

  /** Item-rule claims per line, discount channel: 0 none, 1 item rule, 2 ANY_ITEM. */
  get claim(): readonly number[] {
    this.flush();
    return this.cl;
  }

  /** The same for the bonus channel. */
  get bonusClaim(): readonly number[] {
    this.flush();
    return this.bcl;
  }

  apply(o: Outcome): void {
    this.flush();
    this.pending = o;
  }

  private flush(): void {
    const o = this.pending;
    if (o === undefined) return;
    this.pending = undefined;
    this.write(o);
  }

  private write(o: Outcome): void {
    const { ords, amounts } = o.allocs;
    if (ords.length === 0) return;
    const r = o.c.r;
    if (!r.bonus) {
      if ((this.own & 1) === 0) {
        this.rem = this.rem.slice();
        this.disc = this.disc.slice();
        this.own |= 1;
      }
      for (let i = 0; i < ords.length; i++) {
        const ord = ords[i] ?? 0;
        this.rem[ord] = (this.rem[ord] ?? 0) - (amounts[i] ?? 0);
        this.disc[ord] = 1;
      }
      this.anyDisc = true;
    }
    if (r.isItemType) {
      const bit = r.bonus ? 4 : 2;
      if ((this.own & bit) === 0) {
        if (r.bonus) this.bcl = this.bcl.slice();
        else this.cl = this.cl.slice();
        this.own |= bit;
      }
      const claims = r.bonus ? this.bcl : this.cl;
      for (let i = 0; i < ords.length; i++) {
        const ord = ords[i] ?? 0;
        claims[ord] = r.anyItem ? 2 : Math.max(claims[ord] ?? 0, 1);
      }
    }
  }
}

export interface ScenarioResult {
  readonly outcomes: readonly Outcome[];
  readonly discount: number;
  readonly bonus: number;
  readonly state: State;
}

/** Rules in `set` (already in evaluation order) applied one after the other on a fresh state. */
export function runScenario(ctx: CalcContext, set: readonly Contender[]): ScenarioResult {
  const state = new State(ctx);
  const outcomes: Outcome[] = [];
  let discount = 0;
  let bonus = 0;
  for (let i = 0; i < set.length; i++) {
    const c = set[i];
    if (c === undefined) continue;
    const o = evaluate(ctx, state, c, 'reward');
    if (o.kind === 'reward') {
      state.apply(o);
      if (c.r.bonus) bonus += o.total;
      else discount += o.total;
    }
    outcomes.push(o);
  }
  return { outcomes, discount, bonus, state };
}

export const skip = (c: Contender, code: string, reason: string): Outcome => ({
  c,
  kind: 'skip',
  code,
  reason,
  base: 0,
  total: 0,
  allocs: EMPTY_ALLOCS,
  stamps: 0,
  rewards: 0,
  balanceAfter: undefined,
});

/** The `reward.values` entry for a line, or the rule itself (which has `value` and `percent` too). */
function valueFor(r: CompiledRule, line: Line): CompiledRule | CompiledRule['values'][number] {
  for (const v of r.values) if (matchesAny(v.matchers, line)) return v;
  return r;
}

function unitsOf(ctx: CalcContext, ords: readonly number[]): number {
  let u = 0;
  for (let i = 0; i < ords.length; i++) u += ctx.lines[ords[i] ?? 0]?.units ?? 0;
  return u;
}

function runsFor(ctx: CalcContext, state: State, ords: readonly number[], order: (a: Run, b: Run) => number): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i < ords.length; i++) {
    const o = ords[i] ?? 0;
    pushRuns(runs, o, state.remaining[o] ?? 0, lineAt(ctx, o).units);
  }
  return sortSmall(runs, order);
}

/** Whole lines as picks. */
function linePicks(ctx: CalcContext, state: State, ords: readonly number[]): Picks {
  const rem = state.remaining;
  // Every line (receipt-wide rules): the running state's array itself, no copy.
  if (ords.length === rem.length) return Picks.lines(ords, rem, ctx.table);
  const cur = new Array<number>(ords.length);
  for (let i = 0; i < ords.length; i++) cur[i] = rem[ords[i] ?? 0] ?? 0;
  return Picks.lines(ords, cur, ctx.table);
}

/** Can the rule still use this line, given what earlier rules did (decisions 3 and 6)? */
function usableNow(r: CompiledRule, state: State, ord: number): boolean {
  if (r.eligibility === 'item_eligible_for_discount_no_discount' && state.discounted[ord] === 1) return false;
  if (!r.isItemType) return true;
  const cl = (r.bonus ? state.bonusClaim : state.claim)[ord] ?? 0;
  return r.anyItem ? cl === 0 : cl !== 2;
}

// Scratch for `usableLines`, copied out at the exact size.
const USABLE: number[] = [];

function usableLines(r: CompiledRule, state: State, ords: readonly number[]): readonly number[] {
  let k = 0;
  for (let i = 0; i < ords.length; i++) {
    const o = ords[i] ?? 0;
    if (usableNow(r, state, o)) USABLE[k++] = o;
  }
  return k === ords.length ? ords : USABLE.slice(0, k);
}

/** `percent` over the picks, per `reward.values` group when the rule has any. */
function percentByValue(ctx: CalcContext, r: CompiledRule, picks: Picks, out: Allocs): void {
  if (r.values.length === 0) {
    percentOff(out, picks, r.percent, r.baseNet);
    return;
  }
  for (const g of picks.groupBy((o) => valueFor(r, lineAt(ctx, o)).percent)) percentOff(out, g.picks, g.key, r.baseNet);
}

const roundedValue = (v: { readonly value: number }): number => Math.max(0, Math.round(v.value));

/**
 * Decides one rule against the state. `collect` mode (a stamp rule that lost the combination
 * choice) only counts stamps: no reward is given, so the card keeps growing.
 */
export function evaluate(ctx: CalcContext, state: State, c: Contender, mode: 'reward' | 'collect'): Outcome {
  const r = c.r;
  if (r.eligibility === 'receipt_no_discount' && state.anyDiscount) {
    return skip(c, 'RECEIPT_HAS_DISCOUNT', 'Only for receipts without any discount; this receipt already has one.');
  }
  const lines = usableLines(r, state, c.lines);
  const units = unitsOf(ctx, lines);
  if (units === 0) {
    const why =
      r.eligibility === 'item_eligible_for_discount_no_discount'
        ? 'only items without a discount count, and every matching item already has one.'
        : r.anyItem
          ? 'an ANY_ITEM discount does not stack with item discounts, and every item already has one.'
          : 'the matching items already have an ANY_ITEM discount, which does not stack with item discounts.';
    return skip(c, 'ITEMS_ALREADY_DISCOUNTED', `Nothing left to discount: ${why}`);
  }
  if (r.quantity > 0 && units < r.quantity) {
    return skip(c, 'ITEM_QUANTITY_NOT_MET', `${r.says.quantityNotMet}${units}.`);
  }

  const isMixReward = r.rewardType === 'discount_mix_new_price' && r.stamp === undefined;
  let bundles: ReturnType<typeof formBundles> | undefined;
  if (r.mixes.length > 0) {
    const pools: MixPool[] = [];
    const shared = new Map<number, Run[]>();
    r.mixes.forEach((mix, i) => {
      const runs: Run[] = [];
      for (const o of usableLines(r, state, c.mixLines[i] ?? [])) {
        let own = shared.get(o);
        if (own === undefined) {
          own = [];
          pushRuns(own, o, state.remaining[o] ?? 0, lineAt(ctx, o).units);
          shared.set(o, own);
        }
        for (const run of own) runs.push(run);
      }
      pools.push({ quantity: mix.quantity, rewardEligible: mix.rewardEligible, runs: runs.sort(dearestFirst) });
    });
    bundles = formBundles(pools, isMixReward ? r.rewardUsage : 1, isMixReward ? roundedValue(r) : null);
    if (bundles.bundles === 0) {
      const need = r.mixes.map((m, i) => `${count(m.quantity, 'item')} from ${describeMix(r, i)}`).join(' and ');
      return skip(c, 'MIXES_NOT_MET', `Needs ${need}.`);
    }
  }

  let stamps = 0;
  let rewards = 1;
  let result: RewardResult;
  if (r.stamp !== undefined) {
    const sel = new Selection();
    const walk = walkStamps(runsFor(ctx, state, lines, cheapestFirst), c.card, r.stamp, mode === 'collect' ? 0 : r.rewardUsage, sel);
    stamps = walk.added;
    rewards = walk.rewards;
    if (rewards === 0) {
      const waits = mode === 'collect' ? ' (the reward waits: this purchase has a discount it does not combine with)' : '';
      return stampsOnly(c, stamps, `Collected ${count(stamps, 'stamp')}; the card holds ${walk.card} of ${r.stamp}${waits}.`);
    }
    result = rewardOnSelection(ctx, c, sel.picks((o) => lineAt(ctx, o)));
  } else if (mode === 'collect') {
    return skip(c, 'NOT_COMBINABLE', 'Not combinable with the discounts that apply.');
  } else if (isMixReward) {
    const allocs = new Allocs();
    for (const [ord, amount] of [...(bundles?.discount ?? new Map<number, number>())].sort((a, b) => a[0] - b[0])) allocs.push(ord, amount, undefined);
    result = { allocs, base: bundles?.base ?? 0, balanceAfter: undefined };
  } else {
    result = rewardOnLines(ctx, state, c, lines, usableLines(r, state, c.targets));
  }

  const total = result.allocs.total;
  if (total === 0) {
    if (stamps > 0) return stampsOnly(c, stamps, `Collected ${count(stamps, 'stamp')}; the reward gives nothing on these items.`);
    return skip(c, 'NOTHING_TO_DISCOUNT', nothingReason(ctx, r));
  }
  return {
    c,
    kind: 'reward',
    code: 'APPLIED',
    // Written by `appliedReason` when the trace is built: most scenarios are thrown away.
    reason: '',
    base: result.base,
    total,
    allocs: result.allocs,
    stamps,
    rewards: r.stamp === undefined ? 1 : rewards,
    balanceAfter: result.balanceAfter,
  };
}

/** The trace sentence of an applied rule. */
export function appliedReason(o: Outcome, currency: string | undefined): string {
  const r = o.c.r;
  const stampText = r.stamp === undefined ? '' : ` (stamp card: ${count(o.rewards, 'reward')}${o.stamps > 0 ? `, ${count(o.stamps, 'new stamp')}` : ''})`;
  return `${r.bonus ? 'Earns' : 'Gives'} ${money(o.total, currency)} ${r.bonus ? 'bonus' : 'off'} on ${count(o.allocs.length, 'line')}${stampText}.`;
}

function stampsOnly(c: Contender, stamps: number, reason: string): Outcome {
  if (stamps === 0) return skip(c, 'NO_MATCHING_ITEMS', 'No eligible item on the receipt earns a stamp.');
  return { c, kind: 'stamps', code: 'STAMPS_COLLECTED', reason, base: 0, total: 0, allocs: EMPTY_ALLOCS, stamps, rewards: 0, balanceAfter: undefined };
}

function describeMix(r: CompiledRule, i: number): string {
  const items = r.rule.requirement.item?.mixes?.[i]?.items ?? [];
  return items.length === 0 ? 'the mix' : items.map((m) => (m.id !== undefined ? `item ${m.id}` : `group ${m.group_id ?? ''}`)).join(' or ');
}

function nothingReason(ctx: CalcContext, r: CompiledRule): string {
  switch (r.rewardType) {
    case 'discount_item_new_price':
      return `Every matching item already costs ${money(roundedValue(r), ctx.currency)} or less.`;
    case 'discount_mix_new_price':
      return r.mixes.length === 0 ? 'The rule has no mixes to price.' : `The items in the mix already cost ${money(roundedValue(r), ctx.currency)} or less.`;
    case 'discount_item_quantity':
      return Math.floor(r.value) <= 0 ? 'The reward gives no items for free.' : `Needs ${count(r.quantity > 0 ? r.quantity : Math.floor(r.value) + 1, 'item')} from ${r.itemsText} for a free one.`;
    default:
      return 'The reward comes to 0 on these items.';
  }
}

interface RewardResult {
  readonly allocs: Allocs;
  readonly base: number;
  readonly balanceAfter: number | undefined;
}

function perOrd(per: ReadonlyMap<number, number>): Allocs {
  const out = new Allocs();
  const ords = sortSmall(Array.from(per.keys()), (a, b) => a - b);
  for (let i = 0; i < ords.length; i++) {
    const ord = ords[i] ?? 0;
    out.push(ord, per.get(ord) ?? 0, undefined);
  }
  return out;
}

/** `discount_amount` applications: 1, or one per `item.quantity` units. */
function applications(r: CompiledRule, p: Picks): number {
  return r.quantity > 0 ? Math.floor(p.sumUnits() / r.quantity) : 1;
}

/** The reward of a rule without stamps, on its lines (decision 9). */
function rewardOnLines(ctx: CalcContext, state: State, c: Contender, lines: readonly number[], targets: readonly number[]): RewardResult {
  const r = c.r;
  const usage = r.rewardUsage < 0 ? Number.POSITIVE_INFINITY : r.rewardUsage;
  switch (r.rewardType) {
    case 'discount_amount': {
      const picks = linePicks(ctx, state, targets);
      const out = new Allocs();
      if (r.values.length === 0) {
        amountOff(out, picks, r.value, Math.min(applications(r, picks), usage));
      } else {
        // Dearest value first when reward usage has to be shared between groups.
        const groups = picks.groupBy((o) => roundedValue(valueFor(r, lineAt(ctx, o)))).sort((a, b) => b.key - a.key || (a.picks.ords[0] ?? 0) - (b.picks.ords[0] ?? 0));
        let left = usage;
        for (const g of groups) {
          const n = Math.min(applications(r, g.picks), left);
          left -= n;
          amountOff(out, g.picks, g.key, n);
        }
      }
      return { allocs: out.finish(), base: picks.sumCur(), balanceAfter: undefined };
    }
    case 'discount_percent': {
      const picks = linePicks(ctx, state, targets);
      const out = new Allocs();
      percentByValue(ctx, r, picks, out);
      return { allocs: out.finish(), base: picks.sumBase(r.baseNet), balanceAfter: undefined };
    }
    case 'discount_item_new_price': {
      let left = usage;
      let base = 0;
      const per = new Map<number, number>();
      for (const run of runsFor(ctx, state, targets, dearestFirst)) {
        if (left <= 0) break;
        const v = roundedValue(valueFor(r, lineAt(ctx, run.ord)));
        if (run.price <= v) continue;
        const n = Math.min(run.count, left);
        per.set(run.ord, (per.get(run.ord) ?? 0) + n * (run.price - v));
        base += n * run.price;
        left -= n;
      }
      return { allocs: perOrd(per), base, balanceAfter: undefined };
    }
    case 'discount_item_quantity': {
      const free = Math.floor(r.value);
      if (free <= 0) return { allocs: EMPTY_ALLOCS, base: 0, balanceAfter: undefined };
      const n = r.quantity > 0 ? r.quantity : free + 1;
      const f = freeUnits(runsFor(ctx, state, targets, dearestFirst), n, Math.min(free, n), usage);
      return { allocs: perOrd(f.free), base: f.base, balanceAfter: undefined };
    }
    case 'discount_item_percent': {
      const k = Math.min(r.quantity > 0 ? Math.floor(unitsOf(ctx, lines) / r.quantity) : 1, usage);
      const sel = new Selection();
      takeUnits(runsFor(ctx, state, targets, cheapestFirst), k, sel);
      const chosen = sel.picks((o) => lineAt(ctx, o));
      const out = new Allocs();
      percentByValue(ctx, r, chosen, out);
      return { allocs: out.finish(), base: chosen.sumBase(r.baseNet), balanceAfter: undefined };
    }
    case 'discount_mix_new_price':
      // Reached only without mixes: there is no bundle to price.
      return { allocs: EMPTY_ALLOCS, base: 0, balanceAfter: undefined };
    case 'discount_debit': {
      const picks = linePicks(ctx, state, targets);
      const out = new Allocs();
      consume(out, picks, c.balance);
      return { allocs: out, base: picks.sumCur(), balanceAfter: c.balance - out.total };
    }
  }
}

/** The reward of a stamp card on the rewarded units (decision 10). */
function rewardOnSelection(ctx: CalcContext, c: Contender, picks: Picks): RewardResult {
  const r = c.r;
  const base = picks.sumCur();
  const out = new Allocs();
  switch (r.rewardType) {
    case 'discount_amount':
      // `value` off each rewarded unit.
      for (const g of picks.groupBy((o) => roundedValue(valueFor(r, lineAt(ctx, o))))) amountOff(out, g.picks, g.key, g.picks.sumUnits());
      return { allocs: out.finish(), base, balanceAfter: undefined };
    case 'discount_percent':
    case 'discount_item_percent':
      percentByValue(ctx, r, picks, out);
      return { allocs: out.finish(), base: picks.sumBase(r.baseNet), balanceAfter: undefined };
    case 'discount_item_new_price':
    case 'discount_mix_new_price':
      // Units of a line differ by at most one minor unit, so Σ max(0, price − v) = max(0, cur − n·v).
      for (let i = 0; i < picks.length; i++) {
        const ord = picks.ords[i] ?? 0;
        const v = roundedValue(valueFor(r, lineAt(ctx, ord)));
        out.push(ord, Math.max(0, (picks.cur[i] ?? 0) - (picks.n[i] ?? 0) * v), undefined);
      }
      return { allocs: out, base, balanceAfter: undefined };
    case 'discount_item_quantity':
      for (let i = 0; i < picks.length; i++) out.push(picks.ords[i] ?? 0, picks.cur[i] ?? 0, undefined);
      return { allocs: out, base, balanceAfter: undefined };
    case 'discount_debit':
      consume(out, picks, c.balance);
      return { allocs: out, base, balanceAfter: c.balance - out.total };
  }
}
