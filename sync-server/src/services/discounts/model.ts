/**
 * Rows ↔ wire objects for the Discounts service, the checks a rule must pass beyond its zod
 * shape, and statistics from the ledger's running totals. Pure: no SQL, no clock of its own.
 */
import { z } from 'zod';
import {
  DiscountSchema,
  PERCENT_REWARDS,
  type CustomerStatistics,
  type Discount,
  type RewardType,
  type Statistics,
} from '@pos/core/contracts/discounts';
import type { GrantKind, RefStatistics } from '@pos/core/discounts/types';
import { isPointsRule, pointsRuleProblem } from '@pos/core/loyalty/bonus';
import { refExpired as grantExpired, refStatistics, type LedgerTotals } from '@pos/core/loyalty/purchase-refs';
import { entityOf, optional } from '../../db/entity.ts';
import type { DiscountCampaignsTable, DiscountRefsTable, DiscountRulesTable, DiscountTotalsTable } from '../../db/schema.ts';

/** What a rule stores in its `body` column: everything that is not a column of its own. */
export const StoredRuleSchema = DiscountSchema.pick({
  name: true,
  receipt_text: true,
  description: true,
  visible_from: true,
  requirement: true,
  reward: true,
  limitation: true,
  metadata: true,
  links: true,
});
export type StoredRule = z.infer<typeof StoredRuleSchema>;

/** A rule as written, before it gets its entity fields. */
export type RuleDraft = StoredRule & { campaign_id?: string | undefined; active: boolean; private: boolean };

export { optional };

/** ISO-8601 UTC with milliseconds: one spelling, so stored timestamps compare as text. */
export const isoUtc = (s: string): string => new Date(s).toISOString();

const parseObject = (text: string | null): Record<string, unknown> | undefined => {
  if (text === null) return undefined;
  const v: unknown = JSON.parse(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : undefined;
};

/**
 * Reads a row's JSON `body` column through its schema once per row object: the prepared-rules
 * cache and list pages read the same rows many times.
 */
export function parsedBody<Row extends { readonly body: string }, T>(schema: z.ZodType<T>): (row: Row) => T {
  const memo = new WeakMap<Row, T>();
  return (row) => {
    let body = memo.get(row);
    if (body === undefined) {
      body = schema.parse(JSON.parse(row.body));
      memo.set(row, body);
    }
    return body;
  };
}

export const storedRule: (row: DiscountRulesTable) => StoredRule = parsedBody(StoredRuleSchema);

export function toDiscount(row: DiscountRulesTable): Discount {
  const b = storedRule(row);
  return {
    id: row.id,
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
    deleted_at: optional(row.deleted_at),
    deleted_by: optional(row.deleted_by),
    type: row.type === 'item' ? 'item' : 'receipt',
    campaign_id: optional(row.campaign_id),
    active: row.active === 1,
    private: row.private === 1,
    name: b.name,
    receipt_text: b.receipt_text,
    description: b.description,
    visible_from: b.visible_from,
    requirement: b.requirement,
    reward: b.reward,
    limitation: b.limitation,
    metadata: b.metadata,
    links: b.links,
  };
}

/** Normalises the timestamps of a draft so stored text compares correctly. */
export function normaliseDraft(d: RuleDraft): RuleDraft {
  return {
    ...d,
    visible_from: d.visible_from === undefined ? undefined : isoUtc(d.visible_from),
    requirement: { ...d.requirement, purchase_from: isoUtc(d.requirement.purchase_from), purchase_to: isoUtc(d.requirement.purchase_to) },
  };
}

export function bodyOf(d: RuleDraft): string {
  const { campaign_id: _c, active: _a, private: _p, ...body } = d;
  return JSON.stringify(body);
}

const AMOUNT_REWARDS: readonly RewardType[] = ['discount_amount', 'discount_item_new_price', 'discount_mix_new_price', 'discount_debit'];

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * What is wrong with a rule that its zod shape cannot see, as one sentence; undefined when it is
 * fine. References to other objects (campaign, activation rules) are the service's to check.
 */
export function ruleProblem(d: RuleDraft): string | undefined {
  const req = d.requirement;
  const reward = d.reward;
  const items = req.item?.items ?? [];
  if (Date.parse(req.purchase_from) >= Date.parse(req.purchase_to)) {
    return `requirement.purchase_from (${req.purchase_from}) must be before requirement.purchase_to (${req.purchase_to})`;
  }
  if (d.visible_from !== undefined && Date.parse(d.visible_from) > Date.parse(req.purchase_to)) {
    return 'visible_from must not be after requirement.purchase_to';
  }
  if (PERCENT_REWARDS.includes(reward.type)) {
    if (reward.value > 100) return `reward.value ${reward.value} is more than 100 % for ${reward.type}`;
    if ((reward.values ?? []).some((v) => v.value > 100)) return `reward.values: a value is more than 100 % for ${reward.type}`;
  }
  if (AMOUNT_REWARDS.includes(reward.type)) {
    if (!Number.isInteger(reward.value)) return `reward.value for ${reward.type} is an amount in minor units: an integer`;
    if ((reward.values ?? []).some((v) => !Number.isInteger(v.value))) return `reward.values for ${reward.type} are amounts in minor units: integers`;
  }
  if (reward.type === 'discount_item_quantity') {
    if (!Number.isInteger(reward.value) || reward.value < 1) return 'reward.value for discount_item_quantity is the number of free units: an integer of at least 1';
    const quantity = req.item?.quantity ?? 0;
    if (quantity > 0 && reward.value >= quantity) {
      return `reward.value (${reward.value} free) must be less than requirement.item.quantity (${quantity}) for discount_item_quantity`;
    }
  }
  if (reward.type === 'discount_mix_new_price' && (req.item?.mixes ?? []).length === 0) {
    return 'discount_mix_new_price needs requirement.item.mixes';
  }
  if (req.stamp !== undefined && items.length === 0) return 'a stamp rule (requirement.stamp) needs requirement.item.items: the items that earn stamps';
  if (reward.values !== undefined && items.length === 0) return 'reward.values needs a non-empty requirement.item.items';
  const tz = d.limitation?.discount_hours?.timezone;
  if (tz !== undefined && !validTimeZone(tz)) return `limitation.discount_hours.timezone ${tz} is not an IANA time zone (e.g. Europe/Oslo)`;
  return pointsRuleProblem(d);
}

// ------------------------------------------------------------------ statistics

export const isDebit = (d: Pick<Discount, 'reward'>): boolean => d.reward.type === 'discount_debit';

const num = (row: DiscountTotalsTable | undefined, k: 'usage' | 'stamp' | 'amount' | 'bonus' | 'debit' | 'holders'): number => Number(row?.[k] ?? 0);

/** The totals every statistics object carries (`used` is Dintero's deprecated alias of usage). */
function counts(row: DiscountTotalsTable | undefined): Omit<Statistics, 'debit_balance'> {
  const usage = num(row, 'usage');
  return { stamp: num(row, 'stamp'), usage, used: usage, amount: num(row, 'amount'), bonus: num(row, 'bonus') };
}

/** Rule-level (or all-holders) statistics. A debit rule's balance is what its holders have left. */
export function aggregateStatistics(row: DiscountTotalsTable | undefined, rule: Pick<Discount, 'reward'>): Statistics {
  return {
    ...counts(row),
    debit_balance: isDebit(rule) ? Math.max(0, Math.round(rule.reward.value) * num(row, 'holders') - num(row, 'debit')) : 0,
  };
}

const DAY_MS = 86_400_000;

const CardSchema = z.array(z.object({ at: z.string(), stamp: z.number() }));
/** A holder's stamp card: the stamp events not yet used by a reward, oldest first. */
export type Card = z.infer<typeof CardSchema>;

export const parseCard = (json: string): Card => CardSchema.parse(JSON.parse(json));

/** The card without its first `n` stamps (events are split when a reward uses part of one). */
function dropOldest(events: Card, n: number): Card {
  const out = [...events];
  let left = n;
  while (left > 0 && out.length > 0) {
    const first = out[0];
    if (first === undefined) break;
    if (first.stamp <= left) {
      left -= first.stamp;
      out.shift();
    } else {
      out[0] = { at: first.at, stamp: first.stamp - left };
      left = 0;
    }
  }
  return out;
}

/**
 * The card after one ledger entry, the way the engine spends stamps (engine decision 10): stamps
 * that expired by the entry's time fall off, the entry's stamps go on (a negative count takes the
 * newest off), and each reward (usage) uses `requirement.stamp` stamps, oldest first. Stamps left
 * over after a reward stay on the card.
 */
export function foldCard(card: Card, e: { at: string; stamp: number; usage: number }, rule: Pick<Discount, 'requirement' | 'limitation'>): Card {
  const days = rule.limitation?.stamp_expire_days ?? -1;
  const t = Date.parse(e.at);
  let events = days >= 0 ? card.filter((x) => Date.parse(x.at) >= t - days * DAY_MS) : [...card];
  if (e.stamp > 0) events = [...events, { at: e.at, stamp: e.stamp }].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  else if (e.stamp < 0) events = dropOldest([...events].reverse(), -e.stamp).reverse();
  if (e.usage <= 0) return events;
  // Without requirement.stamp there is no card size: a use empties the card (contract: stamps
  // "since last usage").
  const stamp = rule.requirement.stamp;
  return stamp === undefined ? [] : dropOldest(events, e.usage * stamp);
}

/** Stamps on the card that still count at `now` (stamp_expire_days measured back from now). */
export function currentStamp(stamps: ReadonlyArray<{ at: string; stamp: number }>, rule: Pick<Discount, 'limitation'>, now: Date): number {
  const days = rule.limitation?.stamp_expire_days ?? -1;
  const from = days < 0 ? -Infinity : now.getTime() - days * DAY_MS;
  return stamps.reduce((sum, s) => (Date.parse(s.at) >= from ? sum + s.stamp : sum), 0);
}

/**
 * One holder's statistics (a customer's ref, a customer's share of `*`, or the `/` ref). A points
 * rule's `debit_balance` is the customer's bonus balance (`bonusBalance`; core/src/loyalty/bonus.ts),
 * and may be negative.
 */
export function holderStatistics(
  row: DiscountTotalsTable | undefined,
  rule: Pick<Discount, 'reward' | 'limitation' | 'metadata'>,
  stamps: ReadonlyArray<{ at: string; stamp: number }>,
  now: Date,
  bonusBalance = 0,
): CustomerStatistics {
  return {
    ...counts(row),
    debit_balance: isPointsRule(rule) ? bonusBalance : isDebit(rule) ? Math.max(0, Math.round(rule.reward.value) - num(row, 'debit')) : 0,
    current_stamp: currentStamp(stamps, rule, now),
  };
}

/** A holder row as the ledger totals core reads. */
export const ledgerTotals = (row: DiscountTotalsTable | undefined): LedgerTotals | undefined =>
  row === undefined ? undefined : { usage: num(row, 'usage'), stamp: num(row, 'stamp'), amount: num(row, 'amount'), bonus: num(row, 'bonus'), debit: num(row, 'debit') };

/** The engine's view of a holder (core's `refStatistics`); `debit_balance` only once the ref has been used. */
export const engineStatistics = (row: DiscountTotalsTable | undefined, rule: Pick<Discount, 'reward'>): RefStatistics => refStatistics(ledgerTotals(row), rule);

/**
 * "Expired" for a holder (contract §3.6): a limitation prevents further use — the repeat usage is
 * reached, or a debit rule's balance is spent. A points rule is never used up by its balance: the
 * customer earns more.
 */
export function usedUp(stats: Statistics, rule: Pick<Discount, 'reward' | 'limitation' | 'metadata'>, used: boolean): boolean {
  const repeat = rule.limitation?.discount_repeat_usage ?? -1;
  if (repeat >= 0 && stats.usage >= repeat) return true;
  return isDebit(rule) && !isPointsRule(rule) && used && stats.debit_balance <= 0;
}

/**
 * `limitation.dynamic_purchase_to_days` N: a ref can be used up to N days after it was given (and
 * never after the rule's purchase_to). The engine leaves this to us: an expired ref is simply not
 * handed to it, and not listed.
 */
export const refExpired = (refCreatedAt: string, rule: Pick<Discount, 'limitation'>, at: Date): boolean => grantExpired(refCreatedAt, rule, at.getTime());

/** Is the rule visible to customers at `now` (visible_from, else purchase_from, up to purchase_to)? */
export function visibleAt(d: Pick<Discount, 'visible_from' | 'requirement'>, now: Date): boolean {
  const from = Date.parse(d.visible_from ?? d.requirement.purchase_from);
  return from <= now.getTime() && now.getTime() <= Date.parse(d.requirement.purchase_to);
}

// ------------------------------------------------------------------ refs and campaigns

export const grantOf = (customerKey: string): GrantKind => (customerKey === '*' ? 'any_customer' : customerKey === '/' ? 'no_customer' : 'customer');

export const grantKind = (row: Pick<DiscountRefsTable, 'grant_kind'>): GrantKind =>
  row.grant_kind === 'any_customer' ? 'any_customer' : row.grant_kind === 'no_customer' ? 'no_customer' : 'customer';

/** Metadata without the keys Dintero strips from public listings. */
export function publicMetadata(m: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (m === undefined) return undefined;
  return Object.fromEntries(Object.entries(m).filter(([key]) => !key.startsWith('dintero:exclude:public:')));
}

export interface Campaign {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string | undefined;
  deleted_by?: string | undefined;
  campaign_id: string;
  name: string;
  description?: string | undefined;
  private: boolean;
  metadata?: Record<string, unknown> | undefined;
}

export const toCampaign = (row: DiscountCampaignsTable): Campaign => ({
  ...entityOf(row),
  campaign_id: row.campaign_id,
  name: row.name,
  description: optional(row.description),
  private: row.private === 1,
  metadata: parseObject(row.metadata),
});
