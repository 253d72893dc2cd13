/**
 * Reward arithmetic (engine decision 9) on units and lines, independent of rules and receipts.
 *
 * - Lines are identified by `ord`, their position in line_id order, so "ties to the smaller
 *   line_id" is "ties to the smaller ord" and arrays kept in ord order need no extra keys.
 * - Units are handled as runs — units of one line that cost the same right now — so a line with
 *   quantity 10 000 costs as much to price as a line with quantity 1 (no per-unit loops).
 * - A unit's *price* is its share of the line's remaining amount (what the shopper would pay
 *   now), split in integers by `allocate.ts`'s unit rule.
 * - Picks and allocations are parallel arrays, not one object per line: the engine prices
 *   hundreds of rule × line pairs per cart, mostly in scenarios it throws away.
 */
import { allocate, allocateInto, percentOf, rangeSum, type Percent } from './allocate.ts';
import { sortSmall } from './sort.ts';

/** Units of one line with the same current price. */
export interface Run {
  readonly ord: number;
  readonly price: number;
  readonly count: number;
}

/**
 * Σ of an array. Hot loops in this engine index arrays instead of using for-of: when anything
 * in the process has touched the array iterator, V8 allocates an iterator result per element.
 */
export function sum(xs: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] ?? 0;
  return s;
}

/** Per-line values by ord, for picks that take whole lines. */
export interface LineTable {
  readonly units: readonly number[];
  readonly gross: readonly number[];
}

/** `table[ords[i]]` for each i; the table itself when `ords` is every line (0 … n − 1). */
function gather(table: readonly number[], ords: readonly number[]): readonly number[] {
  if (ords.length === table.length) return table;
  const out = new Array<number>(ords.length);
  for (let i = 0; i < ords.length; i++) out[i] = table[ords[i] ?? 0] ?? 0;
  return out;
}

/**
 * The lines (or some units of them) a reward works on, in ord order. Read only while one rule is
 * priced: picks may share their arrays with the context and the running state.
 */
export class Picks {
  private nOf: readonly number[] | undefined;
  private grossOf: readonly number[] | undefined;

  constructor(
    readonly ords: readonly number[],
    /** Units taken (undefined: whole lines, read from `table` when asked). */
    n: readonly number[] | undefined,
    /** Current price of those units (≤ the line's remaining amount). */
    readonly cur: readonly number[],
    /** Gross price of those units (undefined: whole lines, as `n`). */
    gross: readonly number[] | undefined,
    private readonly table?: LineTable,
  ) {
    this.nOf = n;
    this.grossOf = gross;
  }

  /** Whole lines: units and gross are gathered only if the reward asks for them. */
  static lines(ords: readonly number[], cur: readonly number[], table: LineTable): Picks {
    return new Picks(ords, undefined, cur, undefined, table);
  }

  /** Units taken. */
  get n(): readonly number[] {
    return (this.nOf ??= gather(this.table?.units ?? [], this.ords));
  }

  /** Gross price of those units. */
  get gross(): readonly number[] {
    return (this.grossOf ??= gather(this.table?.gross ?? [], this.ords));
  }

  get length(): number {
    return this.ords.length;
  }

  sumCur(): number {
    return sum(this.cur);
  }

  sumBase(net: boolean): number {
    return sum(net ? this.cur : this.gross);
  }

  sumUnits(): number {
    return sum(this.n);
  }

  /** Splits the picks by a key per ord (first appearance order), for `reward.values` groups. */
  groupBy<K>(key: (ord: number) => K): { readonly key: K; readonly picks: Picks }[] {
    const groups = new Map<K, number[]>();
    for (let i = 0; i < this.ords.length; i++) {
      const k = key(this.ords[i] ?? 0);
      const g = groups.get(k);
      if (g === undefined) groups.set(k, [i]);
      else g.push(i);
    }
    const out: { key: K; picks: Picks }[] = [];
    groups.forEach((idx, k) => {
      out.push({
        key: k,
        picks: new Picks(
          idx.map((i) => this.ords[i] ?? 0),
          idx.map((i) => this.n[i] ?? 0),
          idx.map((i) => this.cur[i] ?? 0),
          idx.map((i) => this.gross[i] ?? 0),
        ),
      });
    });
    return out;
  }
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * What a reward gives, per line, in ord order once `finish` ran. Arrays are created on the first
 * push or handed over whole by `take`, and percentages are kept per line only once two lines
 * differ: most rules the engine prices give nothing, or one percentage to every line.
 */
export class Allocs {
  private ordList: number[] | undefined;
  private amountList: number[] | undefined;
  // The rule's `Percent`, not its number: the same percentage can arrive as a boxed double or as
  // a small integer depending on which tier of V8 produced it, and a number field that sees the
  // second kind late changes representation, throwing away the optimized code that reads it.
  private pctList: (Percent | undefined)[] | undefined;
  private pct: Percent | undefined;
  total = 0;

  get ords(): readonly number[] {
    return this.ordList ?? NONE;
  }

  get amounts(): readonly number[] {
    return this.amountList ?? NONE;
  }

  get length(): number {
    return this.ordList?.length ?? 0;
  }

  /** The `percentage` of the i-th line (discount_percent and discount_item_percent), if any. */
  pctAt(i: number): Percent | undefined {
    return this.pctList === undefined ? this.pct : this.pctList[i];
  }

  push(ord: number, amount: number, pct: Percent | undefined): void {
    if (amount <= 0) return;
    if (this.ordList === undefined || this.amountList === undefined) {
      this.ordList = [];
      this.amountList = [];
      this.pct = pct;
    }
    if (this.pctList === undefined && pct !== this.pct) this.pctList = new Array<Percent | undefined>(this.ordList.length).fill(this.pct);
    this.ordList.push(ord);
    this.amountList.push(amount);
    this.pctList?.push(pct);
    this.total += amount;
  }

  /** Takes over whole arrays (ords ascending, amounts > 0) as the content of an empty result. */
  take(ords: number[], amounts: number[], pct: Percent | undefined, total: number): void {
    if (this.ordList !== undefined) throw new Error('bug: Allocs.take on a non-empty result');
    this.ordList = ords;
    this.amountList = amounts;
    this.pct = pct;
    this.total = total;
  }

  /** Sorts by ord (needed only when several value groups were pushed one after the other). */
  finish(): this {
    const ords = this.ordList;
    const amounts = this.amountList;
    if (ords === undefined || amounts === undefined) return this;
    let sorted = true;
    for (let i = 1; i < ords.length && sorted; i++) sorted = (ords[i - 1] ?? 0) < (ords[i] ?? 0);
    if (sorted) return this;
    const idx = ords.map((_, i) => i).sort((a, b) => (ords[a] ?? 0) - (ords[b] ?? 0));
    this.ordList = idx.map((i) => ords[i] ?? 0);
    this.amountList = idx.map((i) => amounts[i] ?? 0);
    const pcts = this.pctList;
    if (pcts !== undefined) this.pctList = idx.map((i) => pcts[i]);
    return this;
  }
}

// Shared by every outcome that gives nothing: frozen, so any attempt to add to it throws.
export const EMPTY_ALLOCS: Allocs = new Allocs();
Object.freeze(EMPTY_ALLOCS);

/** A line's units as runs: the cheaper run first. */
export function pushRuns(out: Run[], ord: number, remaining: number, units: number): void {
  const base = Math.floor(remaining / units);
  const dear = remaining % units;
  if (units - dear > 0) out.push({ ord, price: base, count: units - dear });
  if (dear > 0) out.push({ ord, price: base + 1, count: dear });
}

export const cheapestFirst = (a: Run, b: Run): number => a.price - b.price || a.ord - b.ord;
export const dearestFirst = (a: Run, b: Run): number => b.price - a.price || a.ord - b.ord;

/** Gross of the `n` cheapest units of a line (units are interchangeable; decision 2). */
export const grossOfUnits = (gross: number, units: number, n: number): number => (n >= units ? gross : rangeSum(gross, units, 0, n));

/** Per-line accumulation of selected units (runs are walked in price order, not ord order). */
export class Selection {
  private readonly n = new Map<number, number>();
  private readonly cur = new Map<number, number>();

  add(ord: number, price: number, n: number): void {
    if (n <= 0) return;
    this.n.set(ord, (this.n.get(ord) ?? 0) + n);
    this.cur.set(ord, (this.cur.get(ord) ?? 0) + price * n);
  }

  picks(line: (ord: number) => { readonly gross: number; readonly units: number }): Picks {
    const ords = sortSmall(Array.from(this.n.keys()), (a, b) => a - b);
    const n = ords.map((o) => this.n.get(o) ?? 0);
    return new Picks(
      ords,
      n,
      ords.map((o) => this.cur.get(o) ?? 0),
      ords.map((o, i) => {
        const l = line(o);
        return grossOfUnits(l.gross, l.units, n[i] ?? 0);
      }),
    );
  }
}

// Scratch for `split` (written by allocateInto, read at once, never kept).
const SHARES: number[] = [];

/** Splits `total` over the picks in proportion to `weights` (same order), ties to the smaller ord. */
function split(out: Allocs, picks: Picks, total: number, weights: readonly number[], pct: Percent | undefined, capAtCur: boolean): void {
  if (total <= 0) return;
  const shares = SHARES;
  allocateInto(total, weights, shares);
  const n = picks.length;
  if (out.length > 0) {
    for (let i = 0; i < n; i++) {
      const share = shares[i] ?? 0;
      out.push(picks.ords[i] ?? 0, capAtCur ? Math.min(share, picks.cur[i] ?? 0) : share, pct);
    }
    return;
  }
  // The common case (first split into an empty result): arrays of the exact size, filled once,
  // instead of growing them push by push.
  let count = 0;
  for (let i = 0; i < n; i++) {
    const share = capAtCur ? Math.min(shares[i] ?? 0, picks.cur[i] ?? 0) : (shares[i] ?? 0);
    shares[i] = share;
    if (share > 0) count++;
  }
  if (count === 0) return;
  const ords = new Array<number>(count);
  const amounts = new Array<number>(count);
  let k = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const share = shares[i] ?? 0;
    if (share <= 0) continue;
    ords[k] = picks.ords[i] ?? 0;
    amounts[k] = share;
    sum += share;
    k++;
  }
  out.take(ords, amounts, pct, sum);
}

/**
 * `value` off per application: min(value × applications, Σ cur), split in proportion to cur, so
 * no line goes below zero.
 */
export function amountOff(out: Allocs, picks: Picks, value: number, applications: number): void {
  const sum = picks.sumCur();
  const v = Math.max(0, Math.round(value));
  if (v === 0 || applications <= 0 || sum === 0) return;
  split(out, picks, Math.min(sum, v * applications), picks.cur, undefined, false);
}

/**
 * `percent` of the base (gross or cur): computed once on the summed base, rounded half away from
 * zero, split in proportion to each pick's base, each share capped at the pick's current price.
 */
export function percentOff(out: Allocs, picks: Picks, percent: Percent, baseNet: boolean): void {
  const bases = baseNet ? picks.cur : picks.gross;
  split(out, picks, percentOf(sum(bases), percent), bases, percent, true);
}

/** Up to `budget` consumed over the picks, in proportion to their current price. */
export function consume(out: Allocs, picks: Picks, budget: number): void {
  const total = Math.min(Math.max(0, budget), picks.sumCur());
  split(out, picks, total, picks.cur, undefined, false);
}

/**
 * `discount_item_quantity` over units sorted dearest first: full groups of `n` (at most
 * `maxGroups`), the `free` cheapest units of each group cost nothing. Gives the discount per
 * ord, the price of all units in the groups and the number of groups.
 */
export function freeUnits(runs: readonly Run[], n: number, free: number, maxGroups: number): { readonly free: ReadonlyMap<number, number>; readonly base: number; readonly groups: number } {
  let total = 0;
  for (const r of runs) total += r.count;
  const groups = Math.min(Math.floor(total / n), maxGroups);
  const limit = groups * n;
  const out = new Map<number, number>();
  let base = 0;
  let pos = 0;
  for (const run of runs) {
    if (pos >= limit) break;
    const f = freeBefore(pos + run.count, limit, n, free) - freeBefore(pos, limit, n, free);
    if (f > 0) out.set(run.ord, (out.get(run.ord) ?? 0) + f * run.price);
    base += Math.min(run.count, limit - pos) * run.price;
    pos += run.count;
  }
  return { free: out, base, groups };
}

/** Free units among the first `x` positions (groups of `n`, the last `free` of each, up to `limit`). */
function freeBefore(x: number, limit: number, n: number, free: number): number {
  const y = Math.min(x, limit);
  return Math.floor(y / n) * free + Math.max(0, (y % n) - (n - free));
}

/** The first `k` units of `runs` (already in walking order) into `sel`. */
export function takeUnits(runs: readonly Run[], k: number, sel: Selection): number {
  let left = k;
  for (const run of runs) {
    if (left <= 0) break;
    const n = Math.min(left, run.count);
    sel.add(run.ord, run.price, n);
    left -= n;
  }
  return k - left;
}

export interface StampWalk {
  readonly added: number;
  readonly rewards: number;
  readonly card: number;
}

/**
 * Stamp card walk (decision 10) over units sorted cheapest first: a unit is the reward when the
 * card already holds `need` stamps (and rewards are left), which uses `need` stamps; otherwise
 * it adds one stamp. Rewarded units go into `sel`.
 */
export function walkStamps(runs: readonly Run[], card0: number, need: number, maxRewards: number, sel: Selection): StampWalk {
  let card = Math.max(0, card0);
  let added = 0;
  let rewards = 0;
  let capLeft = maxRewards < 0 ? Number.POSITIVE_INFINITY : maxRewards;
  for (const run of runs) {
    let left = run.count;
    while (left > 0) {
      if (capLeft <= 0) {
        card += left;
        added += left;
        left = 0;
      } else if (card >= need) {
        const m = Math.min(left, Math.floor(card / need), capLeft);
        sel.add(run.ord, run.price, m);
        card -= m * need;
        rewards += m;
        capLeft -= m;
        left -= m;
      } else if (card === 0 && left >= need + 1) {
        // Whole cycles: `need` stamps, then one rewarded unit.
        const m = Math.min(Math.floor(left / (need + 1)), capLeft);
        sel.add(run.ord, run.price, m);
        added += m * need;
        rewards += m;
        capLeft -= m;
        left -= m * (need + 1);
      } else {
        const t = Math.min(left, need - card);
        card += t;
        added += t;
        left -= t;
      }
    }
  }
  return { added, rewards, card };
}

export interface MixPool {
  readonly quantity: number;
  readonly rewardEligible: boolean;
  /** Units matching the mix, dearest first. Run objects are shared between mixes. */
  readonly runs: readonly Run[];
}

export interface Bundles {
  readonly bundles: number;
  /** Σ price of reward-eligible units in the bundles. */
  readonly base: number;
  /** Discount per ord (only when a value is given). */
  readonly discount: ReadonlyMap<number, number>;
}

interface Take {
  readonly run: Run;
  readonly n: number;
  readonly eligible: boolean;
}

/**
 * Forms bundles for `discount_mix_new_price` (and the mixes requirement): bundle after bundle,
 * each mix in array order takes its `quantity` dearest units still free; a unit serves one mix.
 * Stops when a mix cannot be filled or `maxBundles` is reached. With a `value`, each bundle's
 * reward-eligible total above `value` is the discount, split over its units by price (ties to the
 * smaller ord). Identical consecutive bundles (every mix drawing from a single run) are counted
 * in one step.
 */
export function formBundles(mixes: readonly MixPool[], maxBundles: number, value: number | null): Bundles {
  const avail = new Map<Run, number>();
  for (const m of mixes) for (const r of m.runs) avail.set(r, r.count);
  const discount = new Map<number, number>();
  let bundles = 0;
  let base = 0;
  const cap = maxBundles < 0 ? Number.POSITIVE_INFINITY : maxBundles;
  while (bundles < cap) {
    const takes: Take[][] = [];
    let complete = true;
    for (const m of mixes) {
      let need = m.quantity;
      const mine: Take[] = [];
      for (const r of m.runs) {
        if (need === 0) break;
        const a = avail.get(r) ?? 0;
        if (a === 0) continue;
        const t = Math.min(a, need);
        avail.set(r, a - t);
        need -= t;
        mine.push({ run: r, n: t, eligible: m.rewardEligible });
      }
      takes.push(mine);
      if (need > 0) {
        complete = false;
        break;
      }
    }
    if (!complete) {
      for (const mine of takes) for (const t of mine) avail.set(t.run, (avail.get(t.run) ?? 0) + t.n);
      break;
    }
    // How many more identical bundles follow (only when each mix drew from one run).
    let extra = 0;
    if (takes.every((mine) => mine.length === 1)) {
      const perRun = new Map<Run, number>();
      for (const mine of takes) for (const t of mine) perRun.set(t.run, (perRun.get(t.run) ?? 0) + t.n);
      extra = Number.POSITIVE_INFINITY;
      for (const [r, n] of perRun) extra = Math.min(extra, Math.floor((avail.get(r) ?? 0) / n));
      extra = Math.min(extra, cap - bundles - 1);
      for (const [r, n] of perRun) avail.set(r, (avail.get(r) ?? 0) - extra * n);
    }
    const times = 1 + extra;
    bundles += times;
    const eligible = takes.flat().filter((t) => t.eligible);
    let total = 0;
    for (const t of eligible) total += t.n * t.run.price;
    base += total * times;
    if (value !== null && total > value) {
      const shares = allocate(
        total - value,
        eligible.map((t) => t.n * t.run.price),
        eligible.map((t) => t.run.ord),
      );
      eligible.forEach((t, i) => {
        const s = (shares[i] ?? 0) * times;
        if (s > 0) discount.set(t.run.ord, (discount.get(t.run.ord) ?? 0) + s);
      });
    }
  }
  return { bundles, base, discount };
}
