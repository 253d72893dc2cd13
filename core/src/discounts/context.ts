/**
 * What one calculation knows about the receipt, computed once before any rule is looked at:
 * the lines the engine works on (decisions 1, 2 and 12), the codes on the receipt, the totals
 * requirements are measured on, and parsed times.
 *
 * The engine prices every cart change, so this is built lean: one object per receipt item is both
 * its output view and (for the engine's lines) its `Line`, duplicates are found by sorting rather
 * than counting, and lists are allocated at their final size.
 */
import type { BonusLine, DiscountLine, Receipt, ReceiptItem } from '../contracts/discounts.ts';
import { describeLocal, localTime, type LocalTime } from './hours.ts';
import { normalizeCode, type CompiledRules } from './prepare.ts';
import type { LineTable } from './rewards.ts';
import { sortSmall } from './sort.ts';

/** One receipt item with the engine's own earlier lines removed (decision 12). */
export interface ItemView {
  readonly item: ReceiptItem;
  readonly live: boolean;
  /** Gross of a live item; 0 otherwise. */
  readonly gross: number;
  /** Σ kept (external) discount lines (live items). */
  readonly external: number;
  readonly discountLines: DiscountLine[] | undefined;
  readonly bonusLines: BonusLine[] | undefined;
  readonly stripped: boolean;
  /** Position in `CalcContext.lines`, or -1 when the item is not one of the engine's lines. */
  readonly ord: number;
}

/** A live item with a unique integer line_id: what rules count and discount. */
export interface Line extends ItemView {
  /** Position in line_id order among the engine's lines; the index of every per-line array. */
  readonly ord: number;
  readonly line_id: number;
  readonly id: string | undefined;
  /** Trimmed, lower-cased id when it is some rule's discount code (decision 4), else undefined. */
  readonly codeKey: string | undefined;
  readonly groups: readonly string[];
  /** Whole units; a fractional (scale) quantity counts as one unit. */
  readonly units: number;
  /** The line arrived with at least one (kept) discount line. */
  readonly hadDiscountLine: boolean;
  /** `eligible_for_discount === true`. */
  readonly eligible: boolean;
}

export interface CalcContext {
  readonly receipt: Receipt;
  readonly currency: string | undefined;
  /** Every receipt item, in input order. */
  readonly items: readonly ItemView[];
  /** Live lines with a unique integer line_id, sorted by line_id. */
  readonly lines: readonly Line[];
  /** Trimmed, lower-cased codes from `discount_code[]` and from item ids (only those some rule has). */
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
  /** Units and gross per line, by ord. */
  readonly table: LineTable;
  /** Ords of all lines, and of the eligible lines (shared by every rule without blacklist or code). */
  readonly allOrds: readonly number[];
  readonly eligibleOrds: readonly number[];
  /** The purchase instant in a zone; cached per calculation. */
  local(timezone: string): LocalTime | null;
  /** The same as "tue 13:05" (for trace sentences). */
  localText(timezone: string): string;
}

export function lineAt(ctx: CalcContext, ord: number): Line {
  const l = ctx.lines[ord];
  if (l === undefined) throw new Error(`bug: no line at ${ord}`);
  return l;
}

const ENGINE_TYPES: ReadonlySet<string> = new Set(['customer', 'periodic']);
const NO_GROUPS: readonly string[] = [];

const isLive = (item: ReceiptItem): boolean =>
  item.voided !== true &&
  item.is_return_item !== true &&
  (item.quantity === undefined || item.quantity > 0) &&
  item.gross_amount !== undefined &&
  Number.isSafeInteger(item.gross_amount) &&
  item.gross_amount > 0;

const isEngineLine = (l: { readonly discount_id?: string | undefined; readonly discount_type: string }, known: ReadonlySet<string>): boolean =>
  l.discount_id !== undefined && ENGINE_TYPES.has(l.discount_type) && known.has(l.discount_id);

/** The lines that are not this engine's earlier output: the same array when there are none. */
function withoutEngineLines<T extends { readonly discount_id?: string | undefined; readonly discount_type: string }>(lines: T[] | undefined, known: ReadonlySet<string>): T[] | undefined {
  if (lines === undefined) return undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l !== undefined && isEngineLine(l, known)) return lines.filter((x) => !isEngineLine(x, known));
  }
  return lines;
}

const groupId = (g: { readonly id: string }): string => g.id;

function groupIdsOf(item: ReceiptItem): readonly string[] {
  const gs = item.groups;
  return gs === undefined || gs.length === 0 ? NO_GROUPS : gs.map(groupId);
}

/**
 * One receipt item: its output view and, for the engine's lines, the `Line` rules see. One per
 * item on every calculation, so what follows from the item is read from it (getters), and group
 * ids are copied out only when a group pattern asks for them.
 */
class ItemLine implements Line {
  /** Set once the duplicates are known (`keepUnique`). */
  ord = -1;
  readonly live: boolean;
  readonly external: number;
  readonly discountLines: DiscountLine[] | undefined;
  readonly bonusLines: BonusLine[] | undefined;
  readonly codeKey: string | undefined;
  readonly units: number;
  private groupIds: readonly string[] | undefined = undefined;

  constructor(
    readonly item: ReceiptItem,
    compiled: CompiledRules,
  ) {
    this.live = isLive(item);
    this.discountLines = withoutEngineLines(item.discount_lines, compiled.known);
    this.bonusLines = withoutEngineLines(item.bonus_lines, compiled.known);
    let external = 0;
    const kept = this.discountLines;
    if (this.live && kept !== undefined) for (let i = 0; i < kept.length; i++) external += kept[i]?.amount ?? 0;
    this.external = external;
    const code = item.id === undefined ? '' : normalizeCode(item.id);
    this.codeKey = code !== '' && compiled.codes.has(code) ? code : undefined;
    const q = item.quantity ?? 1;
    this.units = Number.isSafeInteger(q) && q >= 1 ? q : 1;
  }

  get id(): string | undefined {
    return this.item.id;
  }

  get line_id(): number {
    return this.item.line_id ?? 0;
  }

  get gross(): number {
    return this.live ? (this.item.gross_amount ?? 0) : 0;
  }

  get eligible(): boolean {
    return this.item.eligible_for_discount === true;
  }

  get stripped(): boolean {
    return this.discountLines !== this.item.discount_lines || this.bonusLines !== this.item.bonus_lines;
  }

  get hadDiscountLine(): boolean {
    return this.live && this.discountLines !== undefined && this.discountLines.length > 0;
  }

  get groups(): readonly string[] {
    return (this.groupIds ??= groupIdsOf(this.item));
  }
}

/**
 * Keeps (in place, numbering them) the candidates sorted by line_id whose line_id no other live
 * line shares (decision 1).
 */
function keepUnique(sorted: ItemLine[]): ItemLine[] {
  let k = 0;
  let prev: number | undefined;
  for (let i = 0; i < sorted.length; i++) {
    const l = sorted[i];
    if (l === undefined) continue;
    const dup = prev === l.line_id || sorted[i + 1]?.line_id === l.line_id;
    prev = l.line_id;
    if (dup) continue;
    l.ord = k;
    sorted[k++] = l;
  }
  sorted.length = k;
  return sorted;
}

class Context implements CalcContext {
  readonly currency: string | undefined;
  readonly purchaseMs: number;
  readonly nowMs: number;
  readonly initial: CalcContext['initial'];
  readonly table: LineTable;
  readonly allOrds: number[];
  readonly eligibleOrds: number[];
  // Most receipts meet one zone (many rules, same zone): one cached answer, a Map beyond that.
  private zone: string | undefined;
  private zoneTime: LocalTime | null = null;
  private zoneText: string | undefined;
  private others: Map<string, LocalTime | null> | undefined;

  constructor(
    readonly receipt: Receipt,
    now: string,
    readonly items: readonly ItemView[],
    readonly lines: readonly Line[],
    readonly codes: ReadonlySet<string>,
    readonly gross: number,
    readonly netBefore: number,
    readonly anyExternalDiscount: boolean,
  ) {
    const n = lines.length;
    const remaining = new Array<number>(n);
    const discounted = new Array<number>(n);
    // With no line discounted yet, `discounted` is all zeros too (neither is ever written).
    const zeros = anyExternalDiscount ? new Array<number>(n) : discounted;
    const units = new Array<number>(n);
    const grossByOrd = new Array<number>(n);
    this.allOrds = new Array<number>(n);
    let eligible = 0;
    for (let i = 0; i < n; i++) {
      const l = lines[i];
      if (l === undefined) continue;
      remaining[i] = Math.max(0, l.gross - l.external);
      discounted[i] = l.hadDiscountLine ? 1 : 0;
      if (zeros !== discounted) zeros[i] = 0;
      units[i] = l.units;
      grossByOrd[i] = l.gross;
      this.allOrds[i] = i;
      if (l.eligible) eligible++;
    }
    this.initial = { remaining, discounted, zeros };
    this.table = { units, gross: grossByOrd };
    this.eligibleOrds = eligible === n ? this.allOrds : this.allOrds.filter((o) => lines[o]?.eligible === true);
    this.currency = receipt.currency;
    this.purchaseMs = Date.parse(receipt.purchase_at);
    const parsedNow = Date.parse(now);
    this.nowMs = Number.isNaN(parsedNow) ? this.purchaseMs : parsedNow;
  }

  local(timezone: string): LocalTime | null {
    if (this.zone === timezone) return this.zoneTime;
    if (this.zone === undefined) {
      this.zone = timezone;
      this.zoneTime = localTime(this.purchaseMs, timezone);
      return this.zoneTime;
    }
    this.others ??= new Map();
    let t = this.others.get(timezone);
    if (t === undefined) {
      t = localTime(this.purchaseMs, timezone);
      this.others.set(timezone, t);
    }
    return t;
  }

  localText(timezone: string): string {
    if (this.zone === timezone && this.zoneText !== undefined) return this.zoneText;
    const t = this.local(timezone);
    const text = t === null ? 'an unknown time' : describeLocal(t);
    if (this.zone === timezone) this.zoneText = text;
    return text;
  }
}

export function buildContext(compiled: CompiledRules, receipt: Receipt, now: string): CalcContext {
  const raw = receipt.items ?? [];
  const codes = new Set<string>();
  const given = receipt.discount_code;
  if (given !== undefined) {
    for (let i = 0; i < given.length; i++) {
      const k = normalizeCode(given[i] ?? '');
      if (k !== '' && compiled.codes.has(k)) codes.add(k);
    }
  }

  // Arrays of their final size (trimmed at the end), not grown push by push.
  const views = new Array<ItemView>(raw.length);
  const candidates = new Array<ItemLine>(raw.length);
  let nViews = 0;
  let nCandidates = 0;
  let gross = 0;
  let netBefore = 0;
  let anyExternalDiscount = false;
  for (let pos = 0; pos < raw.length; pos++) {
    const item = raw[pos];
    if (item === undefined) continue;
    const v = new ItemLine(item, compiled);
    views[nViews++] = v;
    // An item id that is a code counts as that code (decision 4), even on a line that is not live.
    if (item.voided !== true && item.is_return_item !== true && v.codeKey !== undefined) codes.add(v.codeKey);
    if (!v.live) continue;
    gross += v.gross;
    netBefore += v.gross - v.external;
    anyExternalDiscount ||= v.hadDiscountLine;
    if (item.line_id !== undefined && Number.isSafeInteger(item.line_id)) candidates[nCandidates++] = v;
  }
  views.length = nViews;
  candidates.length = nCandidates;
  // Receipts arrive in line order: sorting is one pass.
  sortSmall(candidates, (a, b) => a.line_id - b.line_id);
  return new Context(receipt, now, views, keepUnique(candidates), codes, gross, netBefore, anyExternalDiscount);
}
