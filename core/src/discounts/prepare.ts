/**
 * Compiles stored discount rules once (engine.ts documents the semantics): patterns, percent
 * fractions, parsed dates and hours, the evaluation order, and the indexes `calculate` uses to
 * visit only the rules that can match a cart:
 *
 * - `byItemId` / `byGroupId`: rules whose item requirement names exact item ids or group ids. A
 *   rule is filed under every exact key of its `item.items` (any-of), or — when it has no items
 *   but mixes — under the exact keys of its first mix whose entries are all exact (every mix must
 *   be present, so one is enough). A rule found there that needs a discount code the receipt
 *   does not carry is dropped on the spot.
 * - `alwaysByCode`: the other rules with a `discount_code`, by the trimmed, lower-cased code.
 * - `always`: everything else (receipt rules, `ANY_ITEM`, glob patterns, rules without items).
 */
import type { Discount, DiscountRefs, RewardType } from '../contracts/discounts.ts';
import { minorToDecimalString } from '../money-format.ts';
import { toPercent, type Percent } from './allocate.ts';
import { compileHours, DEFAULT_TIMEZONE, type CompiledHours } from './hours.ts';
import { ANY_ITEM, compileMatcher, describeItems, type Matcher } from './match.ts';
import { count } from './trace.ts';
import type { PreparedRules } from './types.ts';

export interface CompiledMix {
  readonly matchers: readonly Matcher[];
  readonly quantity: number;
  readonly rewardEligible: boolean;
}

export interface CompiledValue {
  readonly matchers: readonly Matcher[];
  readonly value: number;
  readonly percent: Percent;
}

/** 0 item rules, 1 receipt rules, 2 `discount_debit`, 3 bonus-effect rules (decision 7). */
export type Tier = 0 | 1 | 2 | 3;

export type Eligibility = 'item_eligible_for_discount' | 'item_eligible_for_discount_no_discount' | 'receipt_no_discount';

export interface CompiledRule {
  readonly rule: Discount;
  /**
   * A plain shallow copy of the rule with `refs` added (a placeholder), the starting point of its
   * `discounts[]` entries.
   */
  readonly template: Discount & DiscountRefs;
  readonly id: string;
  /** Position in the evaluation order (tier, then id). */
  readonly rank: number;
  readonly tier: Tier;
  readonly name: string | undefined;
  readonly rewardType: RewardType;
  readonly isItemType: boolean;
  /** The rule has an `{"id": "ANY_ITEM"}` entry. */
  readonly anyItem: boolean;
  readonly items: readonly Matcher[];
  readonly mixes: readonly CompiledMix[];
  readonly blacklist: readonly Matcher[];
  readonly values: readonly CompiledValue[];
  readonly value: number;
  readonly percent: Percent;
  readonly bonus: boolean;
  readonly baseNet: boolean;
  readonly fromMs: number;
  readonly toMs: number;
  readonly code: string | undefined;
  readonly currencies: { readonly except: boolean; readonly list: readonly string[] } | undefined;
  readonly hasStore: boolean;
  readonly hasCustomer: boolean;
  readonly minGross: number | undefined;
  readonly minNet: number | undefined;
  readonly hours: CompiledHours | undefined;
  /** -1 = unlimited. */
  readonly rewardUsage: number;
  readonly repeatUsage: number;
  readonly combinable: boolean;
  readonly eligibility: Eligibility;
  readonly stampExpireDays: number;
  readonly deactivatedBy: readonly string[];
  readonly stamp: number | undefined;
  /** `requirement.item.quantity`, 0 when absent. */
  readonly quantity: number;
  readonly description: string | undefined;
  /** "group drinks", for trace sentences. */
  readonly itemsText: string;
  /** The fixed parts of this rule's trace sentences (see `ruleTexts`). */
  readonly says: RuleTexts;
}

/**
 * Trace sentences a rule is skipped with, as far as they depend on the rule alone: built once
 * here, so a calculation only appends what it measured (most rules a cart meets are skipped).
 */
export interface RuleTexts {
  /** "Valid from 2026-01-01T00:00:00Z to 2030-12-31T23:59:59Z; the purchase is at ". */
  readonly outsideWindow: string;
  /** "Valid tue 08:00–20:00, wed 22:00–02:00 (Europe/Oslo); the purchase is at ". */
  readonly outsideHours: string;
  /** "Can be used in 3 purchases; already used in ". */
  readonly repeatUsed: string;
  /** "Needs the discount code save10." */
  readonly codeMissing: string;
  /** "Needs a receipt total of at least 100.00; the receipt has ". */
  readonly grossNotMet: string;
  readonly netNotMet: string;
  /** "No eligible item from group drinks on the receipt." */
  readonly noMatchingItems: string;
  /** "Needs 3 items from group drinks; the cart has ". */
  readonly quantityNotMet: string;
}

export interface CompiledRules {
  readonly byId: ReadonlyMap<string, CompiledRule>;
  readonly byItemId: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly byGroupId: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly alwaysByCode: ReadonlyMap<string, readonly CompiledRule[]>;
  readonly always: readonly CompiledRule[];
  /** Every rule id given to prepareRules, including inactive and deleted ones (decision 12). */
  readonly known: ReadonlySet<string>;
  /** Every usable rule's `discount_code` (normalized): the only codes a receipt is checked for. */
  readonly codes: ReadonlySet<string>;
}

/** Could trimming or lower-casing change `s`? Only if it has white space, a capital or non-ASCII. */
function mayNeedNormalizing(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Anything but printable ASCII without space (0x21–0x7e), and A–Z (0x41–0x5a).
    if (c < 0x21 || c > 0x7e || (c >= 0x41 && c <= 0x5a)) return true;
  }
  return false;
}

/**
 * Trimmed and lower-cased. Item ids are normalized on every calculation and almost never change,
 * so those are returned as they are (a character scan, no regex: it allocates) instead of as a
 * fresh copy.
 */
export const normalizeCode = (code: string): string => (mayNeedNormalizing(code) ? code.trim().toLowerCase() : code);

const tierOf = (d: Discount): Tier => (d.reward.effect === 'bonus' ? 3 : d.reward.type === 'discount_debit' ? 2 : d.type === 'item' ? 0 : 1);

/** Deterministic pick between two stored versions of one id (should not happen; ids are unique). */
function newer(a: Discount, b: Discount): Discount {
  if (a.updated_at !== b.updated_at) return a.updated_at > b.updated_at ? a : b;
  return JSON.stringify(a) >= JSON.stringify(b) ? a : b;
}

function compileRule(d: Discount, rank: number): CompiledRule {
  const req = d.requirement;
  const lim = d.limitation;
  const items = req.item?.items ?? [];
  const code = req.discount_code === undefined ? undefined : normalizeCode(req.discount_code);
  const currencies = req.currencies;
  const first = currencies?.[0];
  const hours = lim?.discount_hours;
  const itemsText = describeItems(items.length > 0 ? items : (req.item?.mixes ?? []).flatMap((m) => m.items));
  return {
    rule: d,
    template: Object.assign({}, d, { refs: [] }),
    id: d.id,
    rank,
    tier: tierOf(d),
    name: d.name,
    rewardType: d.reward.type,
    isItemType: d.type === 'item',
    anyItem: items.some((i) => i.id === ANY_ITEM && i.group_id === undefined),
    items: items.map(compileMatcher),
    mixes: (req.item?.mixes ?? []).map((m) => ({ matchers: m.items.map(compileMatcher), quantity: m.quantity, rewardEligible: m.reward_eligible })),
    blacklist: (lim?.blacklist ?? []).map(compileMatcher),
    values: (d.reward.values ?? []).map((v) => ({ matchers: v.items.map(compileMatcher), value: v.value, percent: toPercent(v.value) })),
    value: d.reward.value,
    percent: toPercent(d.reward.value),
    bonus: d.reward.effect === 'bonus',
    baseNet: d.reward.base === 'net',
    fromMs: Date.parse(req.purchase_from),
    toMs: Date.parse(req.purchase_to),
    code: code === '' ? undefined : code,
    currencies:
      currencies === undefined
        ? undefined
        : typeof first === 'object'
          ? { except: true, list: first['anything-but'] }
          : { except: false, list: currencies.filter((c): c is string => typeof c === 'string') },
    hasStore: req.store !== undefined || req.store_ids !== undefined,
    hasCustomer: req.customer !== undefined,
    minGross: req.gross_amount,
    minNet: req.net_amount,
    hours: hours === undefined ? undefined : compileHours(hours),
    rewardUsage: lim?.discount_reward_usage ?? -1,
    repeatUsage: lim?.discount_repeat_usage ?? -1,
    combinable: lim?.discount_combination !== 0,
    eligibility: lim?.discount_eligible ?? 'item_eligible_for_discount',
    stampExpireDays: lim?.stamp_expire_days ?? -1,
    deactivatedBy: [...new Set((lim?.discount_activation ?? []).filter((a) => a.type === 'deactivate_if_discount_active' && a.value !== d.id).map((a) => a.value))].sort(),
    stamp: req.stamp,
    quantity: req.item?.quantity ?? 0,
    description: d.receipt_text ?? d.name,
    itemsText,
    says: ruleTexts(d, itemsText, code),
  };
}

function ruleTexts(d: Discount, itemsText: string, code: string | undefined): RuleTexts {
  const req = d.requirement;
  const hours = d.limitation?.discount_hours;
  const hoursText = hours === undefined ? '' : `${hours.hours.map((h) => `${h.day} ${h.start}–${h.end}`).join(', ')} (${hours.timezone ?? DEFAULT_TIMEZONE})`;
  const quantity = req.item?.quantity ?? 0;
  const repeat = d.limitation?.discount_repeat_usage ?? -1;
  const noItems = (req.item?.items ?? []).length === 0 && (req.item?.mixes ?? []).length === 0;
  return {
    outsideWindow: `Valid from ${req.purchase_from} to ${req.purchase_to}; the purchase is at `,
    outsideHours: `Valid ${hoursText}; the purchase is at `,
    repeatUsed: `Can be used in ${count(repeat, 'purchase')}; already used in `,
    codeMissing: `Needs the discount code ${code ?? ''}.`,
    grossNotMet: `Needs a receipt total of at least ${req.gross_amount === undefined ? '' : minorToDecimalString(req.gross_amount, 2)}; the receipt has `,
    netNotMet: `Needs a receipt total after discounts of at least ${req.net_amount === undefined ? '' : minorToDecimalString(req.net_amount, 2)}; the receipt has `,
    noMatchingItems: noItems ? 'No item on the receipt is eligible for discount.' : `No eligible item from ${itemsText} on the receipt.`,
    quantityNotMet: `Needs ${count(quantity, 'item')} from ${itemsText}; the cart has `,
  };
}

type IndexKey = { readonly kind: 'id' | 'group'; readonly key: string };

/** The exact keys a matcher can be found under, or null if it can match lines without one. */
function exactKey(m: Matcher): IndexKey | null {
  if (m.any) return null;
  if (m.id?.kind === 'exact') return { kind: 'id', key: m.id.text };
  if (m.group?.kind === 'exact') return { kind: 'group', key: m.group.text };
  return null;
}

function indexKeys(r: CompiledRule): IndexKey[] | null {
  const fromMatchers = (ms: readonly Matcher[]): IndexKey[] | null => {
    const keys: IndexKey[] = [];
    for (const m of ms) {
      const k = exactKey(m);
      if (k === null) return null;
      keys.push(k);
    }
    return keys;
  };
  if (r.items.length > 0) return fromMatchers(r.items);
  for (const mix of r.mixes) {
    const keys = fromMatchers(mix.matchers);
    if (keys !== null) return keys;
  }
  return null;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

export function prepareRules(discounts: readonly Discount[]): PreparedRules {
  const known = new Set<string>();
  const live = new Map<string, Discount>();
  for (const d of discounts) {
    known.add(d.id);
    if (!d.active || d.deleted_at !== undefined) continue;
    const prev = live.get(d.id);
    live.set(d.id, prev === undefined ? d : newer(prev, d));
  }
  // Rules are values: the prepared set keeps references to the given objects, and results share
  // them, so neither side may mutate a rule afterwards.
  const ordered = [...live.values()].sort((a, b) => tierOf(a) - tierOf(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const compiled = ordered.map((d, i) => compileRule(d, i));

  const byId = new Map<string, CompiledRule>();
  const byItemId = new Map<string, CompiledRule[]>();
  const byGroupId = new Map<string, CompiledRule[]>();
  const alwaysByCode = new Map<string, CompiledRule[]>();
  const always: CompiledRule[] = [];
  const codes = new Set<string>();
  for (const r of compiled) {
    byId.set(r.id, r);
    if (r.code !== undefined) codes.add(r.code);
    const keys = indexKeys(r);
    if (keys === null) {
      if (r.code === undefined) always.push(r);
      else push(alwaysByCode, r.code, r);
      continue;
    }
    for (const k of keys) push(k.kind === 'id' ? byItemId : byGroupId, k.key, r);
  }
  return {
    size: compiled.length,
    rules: ordered,
    compiled: { byId, byItemId, byGroupId, alwaysByCode, always, known, codes },
  };
}
