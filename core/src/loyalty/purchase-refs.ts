/**
 * The refs one purchase may use, as the engine takes them (`CalculationInput.refs`): built here
 * once for both sides, so the till (from its replica) and the server (from its ledger,
 * `available_for_receipt`) cannot drift.
 *
 * - Who: an anonymous purchase uses the rules' `/` refs; an identified customer uses their own
 *   refs and the `*` refs — each `*` ref with this customer's statistics and stamp card, zero and
 *   empty when the customer has not used it yet (never the totals of every customer).
 * - Statistics come from the ledger's running totals of the holder (`refStatistics`): a
 *   `discount_debit` ref carries `debit_balance = value − debit` once used (before that the engine
 *   starts from `value`); a points rule carries the customer's bonus balance instead (bonus.ts).
 * - `limitation.dynamic_purchase_to_days` N: a ref is usable until N days after it was granted;
 *   later it is left out (the engine leaves this limitation to its caller, engine decision 4).
 *   A ref whose grant time is unknown is kept: the till's rule documents do not carry the grant
 *   time of `*`/`/` refs, so for those only the server applies it.
 */
import type { Discount } from '../contracts/discounts.ts';
import type { CustomerLoyaltyDoc, DiscountRuleDoc } from '../contracts/sync.ts';
import type { EngineRef, GrantKind, RefStatistics, StampEvent } from '../discounts/types.ts';
import { isPointsRule, pointsStatistics } from './bonus.ts';

const DAY_MS = 86_400_000;

type RuleShape = Pick<Discount, 'reward' | 'metadata' | 'limitation'>;

/** A holder's running totals in the usage ledger (a ref, bought by one buyer), net of reversals. */
export interface LedgerTotals {
  readonly usage: number;
  readonly stamp: number;
  readonly amount: number;
  readonly bonus: number;
  /** What the entries took off a discount_debit rule's balance. */
  readonly debit: number;
}

/** The engine's view of a holder; `debit_balance` only once a debit ref has been used. */
export function refStatistics(t: LedgerTotals | undefined, rule: Pick<Discount, 'reward'>): RefStatistics {
  const base = { usage: t?.usage ?? 0, stamp: t?.stamp ?? 0, amount: t?.amount ?? 0, bonus: t?.bonus ?? 0 };
  return t !== undefined && rule.reward.type === 'discount_debit' ? { ...base, debit_balance: Math.max(0, Math.round(rule.reward.value) - t.debit) } : base;
}

/** Past `limitation.dynamic_purchase_to_days` at `atMs`: the ref was granted more than N days before. */
export function refExpired(grantedAt: string, rule: Pick<Discount, 'limitation'>, atMs: number): boolean {
  const days = rule.limitation?.dynamic_purchase_to_days;
  return days !== undefined && Date.parse(grantedAt) + days * DAY_MS < atMs;
}

/** A ref the buyer holds, before the engine sees it. */
export interface HeldRef {
  readonly discount_id: string;
  readonly ref_id: string;
  readonly grant: GrantKind;
  /** When it was granted; unknown → never expired by dynamic_purchase_to_days. */
  readonly granted_at?: string | undefined;
  readonly statistics: RefStatistics;
  readonly stamps: readonly StampEvent[];
}

/**
 * Discount id → the engine refs of a purchase at `purchaseAt`. Refs of rules `ruleOf` does not know
 * are left out, and so are expired ones; points rules get `bonusBalance` as their debit balance.
 */
export function engineRefs(ruleOf: (id: string) => RuleShape | undefined, held: Iterable<HeldRef>, purchaseAt: string, bonusBalance: number): Map<string, EngineRef[]> {
  const at = Date.parse(purchaseAt);
  const out = new Map<string, EngineRef[]>();
  for (const h of held) {
    const rule = ruleOf(h.discount_id);
    if (rule === undefined || (h.granted_at !== undefined && refExpired(h.granted_at, rule, at))) continue;
    const statistics = isPointsRule(rule) ? pointsStatistics(h.statistics, bonusBalance) : h.statistics;
    const ref: EngineRef = { ref_id: h.ref_id, grant: h.grant, statistics, stamps: h.stamps };
    const list = out.get(h.discount_id);
    if (list === undefined) out.set(h.discount_id, [ref]);
    else list.push(ref);
  }
  return out;
}

const ZERO: RefStatistics = { usage: 0, stamp: 0, amount: 0, bonus: 0 };

/** A customer the replica has no loyalty document for yet: no personal refs, no bonus. */
export function emptyCustomerLoyalty(customerId: string): CustomerLoyaltyDoc {
  return { id: customerId, updated_at: '1970-01-01T00:00:00.000Z', _deleted: false, customer_id: customerId, refs: [], bonus: { earned: 0, spent: 0, balance: 0 } };
}

/** A replicated rule document as the till reads it: the parsed rule and its wildcard refs. */
export interface ReplicaRule {
  readonly rule: Discount;
  readonly refs: DiscountRuleDoc['refs'];
}

/**
 * The till's side: the engine refs for a purchase from the replicated documents — `/` refs without
 * a customer; with one (pass `emptyCustomerLoyalty(id)` when the replica has no document for them),
 * their personal refs and every `*` ref with their own statistics.
 */
export function replicaPurchaseRefs(rules: Iterable<ReplicaRule>, customer: CustomerLoyaltyDoc | undefined, purchaseAt: string): Map<string, EngineRef[]> {
  const byId = new Map<string, Discount>();
  const held: HeldRef[] = [];
  const mine = new Map((customer?.refs ?? []).map((r) => [r.ref_id, r]));
  for (const { rule, refs } of rules) {
    byId.set(rule.id, rule);
    for (const r of refs) {
      if (customer === undefined) {
        if (r.grant === 'no_customer') held.push({ discount_id: rule.id, ref_id: r.ref_id, grant: 'no_customer', statistics: r.statistics, stamps: [] });
        continue;
      }
      if (r.grant !== 'any_customer') continue;
      const used = mine.get(r.ref_id);
      held.push(
        used === undefined
          ? { discount_id: rule.id, ref_id: r.ref_id, grant: 'any_customer', statistics: ZERO, stamps: [] }
          : { discount_id: rule.id, ref_id: r.ref_id, grant: 'any_customer', granted_at: used.granted_at, statistics: used.statistics, stamps: used.stamps },
      );
    }
  }
  for (const r of customer?.refs ?? []) {
    if (r.grant === 'customer') held.push({ discount_id: r.discount_id, ref_id: r.ref_id, grant: 'customer', granted_at: r.granted_at, statistics: r.statistics, stamps: r.stamps });
  }
  return engineRefs((id) => byId.get(id), held, purchaseAt, customer?.bonus.balance ?? 0);
}
