/**
 * Integer money arithmetic for the discount engine (DESIGN §3 "Money is never a float").
 *
 * - Every amount is an integer in minor units. Products that could leave the exact range of a
 *   double (above 2^53) are done in BigInt; small ones stay in plain numbers (the common case, and
 *   much faster).
 * - Percentages are turned into an exact fraction once (10.5 → 105/10) so `base × percent / 100`
 *   is computed exactly and rounded **half away from zero** (all engine amounts are ≥ 0, so that is
 *   half up).
 * - Splitting an amount over lines is proportional to each line's weight with the **largest
 *   remainder** method; equal remainders go to the smaller tie key (the engine passes line_id), so
 *   the split never depends on array order.
 * - A line's units get integer prices: `amount` over `units` units gives `amount mod units` units
 *   one minor unit dearer than the rest. Units are ranked cheapest first (rank 0 is the cheapest),
 *   so "the n cheapest units of a line" is the rank range [0, n).
 */

const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * a / b where b divides a. Math.trunc changes no value here; it makes V8 keep the quotient as a
 * small integer: a dividend beyond 2^31 gives a boxed double even when the quotient is small, and
 * one such number stored into an array turns it (and every array later created at that spot) into
 * a double array, so the optimized code reading those arrays is thrown away and rebuilt.
 */
const exactQuotient = (a: number, b: number): number => Math.trunc(a / b);

/** floor(a·b / c) and the remainder, exactly. a, b ≥ 0 and c > 0 are integers. */
export function mulDiv(a: number, b: number, c: number): { readonly q: number; readonly r: number } {
  const p = a * b;
  if (p <= SAFE) {
    const r = p % c;
    return { q: exactQuotient(p - r, c), r };
  }
  const bp = BigInt(a) * BigInt(b);
  const bc = BigInt(c);
  return { q: Number(bp / bc), r: Number(bp % bc) };
}

/** A percentage as an exact fraction: percent = num / den. */
export interface Percent {
  readonly num: number;
  readonly den: number;
  /** The percentage as given (clamped to 0..100), for `percentage` on discount lines. */
  readonly value: number;
}

/**
 * 10.5 → {num: 105, den: 10}. Up to 6 decimals are kept exactly; a value with more is rounded to
 * 6 decimals (a percent rule is never that precise). Values above 100 are read as 100: a discount
 * never exceeds what it is taken from.
 */
export function toPercent(value: number): Percent {
  const v = Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
  let den = 1;
  for (let k = 0; k < 6 && Math.round(v * den) / den !== v; k++) den *= 10;
  return { num: Math.round(v * den), den, value: v };
}

/** round(base × percent / 100), half away from zero, exact. */
export function percentOf(base: number, pct: Percent): number {
  if (base <= 0 || pct.num === 0) return 0;
  const d = 100 * pct.den;
  const p = base * pct.num;
  if (p <= SAFE / 2 - d) {
    const x = 2 * p + d;
    return exactQuotient(x - (x % (2 * d)), 2 * d);
  }
  const bp = BigInt(base) * BigInt(pct.num);
  const bd = BigInt(d);
  return Number((2n * bp + bd) / (2n * bd));
}

// Scratch space of `allocateInto` (fully written before it is read, never kept across calls):
// the engine splits amounts dozens of times per receipt, mostly in scenarios it throws away.
const REMA: number[] = [];
const SELECT: number[] = [];

/**
 * Splits `total` over weights in proportion, largest remainder; equal remainders go to the
 * smaller key (default: the smaller index, which is line_id order when the caller's arrays are
 * in line order). If every weight is 0 nothing can be split and all shares are 0. When
 * `total ≤ Σ weights` no share exceeds its weight.
 */
export function allocate(total: number, weights: readonly number[], keys?: readonly number[]): number[] {
  const shares = new Array<number>(weights.length).fill(0);
  allocateInto(total, weights, shares, keys);
  return shares;
}

/** `allocate` into `shares[0 … weights.length − 1]` (the caller's buffer, which may be longer). */
export function allocateInto(total: number, weights: readonly number[], shares: number[], keys?: readonly number[]): void {
  const n = weights.length;
  for (let i = 0; i < n; i++) shares[i] = 0;
  if (total <= 0 || n === 0) return;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] ?? 0;
  if (sum <= 0) return;
  if (n === 1) {
    shares[0] = total;
    return;
  }
  const rema = REMA;
  let given = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] ?? 0;
    const p = total * w;
    let q: number;
    let r: number;
    if (p <= SAFE) {
      r = p % sum;
      q = exactQuotient(p - r, sum);
    } else {
      const x = mulDiv(total, w, sum);
      q = x.q;
      r = x.r;
    }
    shares[i] = q;
    rema[i] = r;
    given += q;
  }
  const left = total - given;
  if (left <= 0) return;
  if (keys === undefined) {
    // The `left` largest remainders get one more; among equal remainders the smaller index
    // first. A selection (not a sort) finds the cut: O(n).
    for (let i = 0; i < n; i++) SELECT[i] = rema[i] ?? 0;
    const cut = kthLargest(SELECT, n, left);
    let above = 0;
    for (let i = 0; i < n; i++) {
      if ((rema[i] ?? 0) > cut) {
        shares[i] = (shares[i] ?? 0) + 1;
        above++;
      }
    }
    let atCut = left - above;
    for (let i = 0; i < n && atCut > 0; i++) {
      if (rema[i] === cut) {
        shares[i] = (shares[i] ?? 0) + 1;
        atCut--;
      }
    }
  } else {
    const order = largestFirst(rema.slice(0, n), keys);
    for (let k = 0; k < left; k++) {
      const i = order[k] ?? 0;
      shares[i] = (shares[i] ?? 0) + 1;
    }
  }
}

/** The k-th largest (k ≥ 1) of `values[0 … n − 1]`, which it reorders: quickselect, 3-way partition. */
function kthLargest(values: number[], n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1] ?? 0;
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i <= gt) {
      const v = values[i] ?? 0;
      if (v > pivot) {
        values[i] = values[lt] ?? 0;
        values[lt] = v;
        lt++;
        i++;
      } else if (v < pivot) {
        values[i] = values[gt] ?? 0;
        values[gt] = v;
        gt--;
      } else {
        i++;
      }
    }
    if (target < lt) hi = lt - 1;
    else if (target > gt) lo = gt + 1;
    else return pivot;
  }
  return values[lo] ?? 0;
}

/** Indices by remainder (descending), then key (ascending). */
function largestFirst(rema: readonly number[], keys: readonly number[]): number[] {
  const order = Array.from({ length: rema.length }, (_, i) => i);
  return order.sort((a, b) => (rema[b] ?? 0) - (rema[a] ?? 0) || (keys[a] ?? 0) - (keys[b] ?? 0));
}

/** Number of the cheap units (price floor(amount/units)) of a line; the rest cost one more. */
export const cheapUnits = (amount: number, units: number): number => units - (amount % units);

/** Price of the unit with rank `r` (0 = cheapest) when `amount` is spread over `units` units. */
export function unitPrice(amount: number, units: number, r: number): number {
  const base = Math.floor(amount / units);
  return r >= cheapUnits(amount, units) ? base + 1 : base;
}

/** Σ prices of the units with ranks [r0, r0 + n) when `amount` is spread over `units` units. */
export function rangeSum(amount: number, units: number, r0: number, n: number): number {
  if (n <= 0) return 0;
  const base = Math.floor(amount / units);
  const dearFrom = cheapUnits(amount, units);
  const overlap = Math.max(0, Math.min(r0 + n, units) - Math.max(r0, dearFrom));
  return n * base + overlap;
}
