/**
 * What one calculation knows about the receipt, computed once before any rule is looked at:
 * the lines the engine works on (decisions 1, 2 and 12), the codes on the receipt, the totals
 * requirements are measured on, and parsed times.
 */
import type { BonusLine, DiscountLine, Receipt, ReceiptItem } from '../contracts/discounts.ts';
import { describeLocal, localTime, type LocalTime } from './hours.ts';
import { normalizeCode, type CompiledRules } from './prepare.ts';

export interface Line {
  /** Position in line_id order among the engine's lines; the index of every per-line array. */
  readonly ord: number;
  /** Position in `receipt.items`. */
  readonly pos: number;
  readonly line_id: number;
  readonly id: string | undefined;
  /** Trimmed, lower-cased id, for discount-code items. */
  readonly codeKey: string | undefined;
  readonly groups: readonly string[];
  readonly gross: number;
  /** Whole units; a fractional (scale) quantity counts as one unit. */
  readonly units: number;
  /** Σ kept (external) discount lines. */
  readonly external: number;
  /** The line arrived with at least one (kept) discount line. */
  readonly hadDiscountLine: boolean;
  /** `eligible_for_discount === true`. */
  readonly eligible: boolean;
}

/** One receipt item with the engine's own earlier lines removed (decision 12). */
export interface ItemView {
  readonly item: ReceiptItem;
  readonly live: boolean;
  readonly gross: number;
  /** Σ kept discount lines (live items). */
  readonly external: number;
  readonly discountLines: DiscountLine[] | undefined;
  readonly bonusLines: BonusLine[] | undefined;
  readonly stripped: boolean;
  line: Line | undefined;
}

export interface CalcContext {
  readonly receipt: Receipt;
  readonly currency: string | undefined;
  readonly items: readonly ItemView[];
  /** Live lines with a unique integer line_id, sorted by line_id. */
  readonly lines: readonly Line[];
  /** Trimmed, lower-cased codes from `discount_code[]` and from item ids. */
  readonly codes: ReadonlySet<string>;
  /** Σ gross of all live lines (what `requirement.gross_amount` is measured on). */
  readonly gross: number;
  /** Σ (gross − kept discount lines) of live lines, before this calculation. */
  readonly netBefore: number;
  /** Some live line arrived with a (kept) discount line. */
  readonly anyExternalDiscount: boolean;
  readonly purchaseMs: number;
  readonly nowMs: number;
  /** Per-line starting values every scenario shares. Never written: `State` copies before writing. */
  readonly initial: { readonly remaining: number[]; readonly discounted: number[]; readonly zeros: number[] };
  /** Units and gross per line list (keyed by the list's identity: contenders reuse theirs in every scenario). */
  readonly lineCache: Map<readonly number[], { readonly units: readonly number[]; readonly gross: readonly number[] }>;
  /** Ords of all lines, and of the eligible lines (shared by every rule without blacklist or code). */
  readonly allOrds: readonly number[];
  readonly eligibleOrds: readonly number[];
  /** The purchase instant in a zone; cached per calculation. */
  readonly local: (timezone: string) => LocalTime | null;
  /** The same as "tue 13:05" (for trace sentences). */
  readonly localText: (timezone: string) => string;
}

const ENGINE_TYPES: ReadonlySet<string> = new Set(['customer', 'periodic']);

const isLive = (item: ReceiptItem): boolean =>
  item.voided !== true &&
  item.is_return_item !== true &&
  (item.quantity === undefined || item.quantity > 0) &&
  item.gross_amount !== undefined &&
  Number.isSafeInteger(item.gross_amount) &&
  item.gross_amount > 0;

export function buildContext(compiled: CompiledRules, receipt: Receipt, now: string): CalcContext {
  const raw = receipt.items ?? [];
  const isEngineLine = (l: { discount_id?: string | undefined; discount_type: string }): boolean =>
    l.discount_id !== undefined && ENGINE_TYPES.has(l.discount_type) && compiled.known.has(l.discount_id);

  // Count line ids among live items: a duplicated id makes lines ambiguous, so neither is discounted.
  const idCount = new Map<number, number>();
  for (const item of raw) {
    if (isLive(item) && item.line_id !== undefined && Number.isSafeInteger(item.line_id)) idCount.set(item.line_id, (idCount.get(item.line_id) ?? 0) + 1);
  }

  const codes = new Set<string>();
  for (const c of receipt.discount_code ?? []) {
    const k = normalizeCode(c);
    if (k !== '') codes.add(k);
  }

  const pending: { pos: number; item: ReceiptItem; external: number; had: boolean }[] = [];
  let anyExternalDiscount = false;
  const views: ItemView[] = [];
  let gross = 0;
  let netBefore = 0;
  raw.forEach((item, pos) => {
    if (item.voided !== true && item.is_return_item !== true && item.id !== undefined) {
      const k = normalizeCode(item.id);
      if (k !== '') codes.add(k);
    }
    let discountLines = item.discount_lines;
    let bonusLines = item.bonus_lines;
    let stripped = false;
    if (discountLines !== undefined && discountLines.some(isEngineLine)) {
      discountLines = discountLines.filter((l) => !isEngineLine(l));
      stripped = true;
    }
    if (bonusLines !== undefined && bonusLines.some(isEngineLine)) {
      bonusLines = bonusLines.filter((l) => !isEngineLine(l));
      stripped = true;
    }
    const live = isLive(item);
    const g = live ? (item.gross_amount ?? 0) : 0;
    let external = 0;
    if (live) {
      for (const l of discountLines ?? []) external += l.amount;
      const had = (discountLines?.length ?? 0) > 0;
      anyExternalDiscount ||= had;
      gross += g;
      netBefore += g - external;
      if (item.line_id !== undefined && idCount.get(item.line_id) === 1) pending.push({ pos, item, external, had });
    }
    views.push({ item, live, gross: g, external, discountLines, bonusLines, stripped, line: undefined });
  });

  pending.sort((a, b) => (a.item.line_id ?? 0) - (b.item.line_id ?? 0));
  const lines = pending.map(({ pos, item, external, had }, ord): Line => {
    const q = item.quantity ?? 1;
    const line: Line = {
      ord,
      pos,
      line_id: item.line_id ?? 0,
      id: item.id,
      codeKey: item.id === undefined ? undefined : normalizeCode(item.id),
      groups: (item.groups ?? []).map((g) => g.id),
      gross: item.gross_amount ?? 0,
      units: Number.isSafeInteger(q) && q >= 1 ? q : 1,
      external,
      hadDiscountLine: had,
      eligible: item.eligible_for_discount === true,
    };
    const view = views[pos];
    if (view !== undefined) view.line = line;
    return line;
  });

  const purchaseMs = Date.parse(receipt.purchase_at);
  const parsedNow = Date.parse(now);
  const zones = new Map<string, LocalTime | null>();
  const texts = new Map<string, string>();
  const local = (timezone: string): LocalTime | null => {
    let t = zones.get(timezone);
    if (t === undefined) {
      t = localTime(purchaseMs, timezone);
      zones.set(timezone, t);
    }
    return t;
  };
  return {
    receipt,
    initial: {
      remaining: lines.map((l) => Math.max(0, l.gross - l.external)),
      discounted: lines.map((l) => (l.hadDiscountLine ? 1 : 0)),
      zeros: lines.map(() => 0),
    },
    allOrds: lines.map((l) => l.ord),
    eligibleOrds: lines.filter((l) => l.eligible).map((l) => l.ord),
    lineCache: new Map(),
    currency: receipt.currency,
    items: views,
    lines,
    codes,
    gross,
    netBefore,
    anyExternalDiscount,
    purchaseMs,
    nowMs: Number.isNaN(parsedNow) ? purchaseMs : parsedNow,
    local,
    localText: (timezone) => {
      let s = texts.get(timezone);
      if (s === undefined) {
        const t = local(timezone);
        s = t === null ? 'an unknown time' : describeLocal(t);
        texts.set(timezone, s);
      }
      return s;
    },
  };
}
