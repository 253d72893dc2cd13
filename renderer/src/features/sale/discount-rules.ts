/**
 * The discount rules on this till, compiled for the engine and kept current from the replica, so
 * a cart change costs one engine run and no query. Anonymous purchases may use the rules given to
 * `/`; a purchase with a customer may use the rules given to `*` (with this customer's own
 * statistics and stamp card on them) and the refs given to that customer personally, both read
 * from the customer's loyalty document by core's `replicaPurchaseRefs` (the server builds its
 * refs with the same code). The `/` refs are built once per rule change: anonymous sales are most
 * sales, and their pricing stays one engine run.
 */
import { DiscountSchema, prepareRules, type CustomerLoyaltyDoc, type Discount, type EngineRef, type PreparedRules, type RefStatistics } from '@pos/core';
import { isPointsRule } from '@pos/core/loyalty/bonus';
import { emptyCustomerLoyalty, replicaPurchaseRefs, type ReplicaRule } from '@pos/core/loyalty/purchase-refs';
import type { PosDatabase } from '../../db/database.ts';

/** A stamp-card rule, as the loyalty panel shows it. */
export interface StampCardRule {
  readonly discount_id: string;
  readonly name: string;
  /** Stamps that earn the reward (`requirement.stamp`). */
  readonly stamps: number;
}

/** The rule that spends bonus points (`"pos:bonus_points": true`). */
export interface PointsRule {
  readonly discount_id: string;
  /** The code that opts in; null when points are spent on every purchase. */
  readonly code: string | null;
}

export interface TillRules {
  readonly prepared: PreparedRules;
  /** The rule documents as read, for core's purchase refs. */
  readonly replica: readonly ReplicaRule[];
  /** Discount id → the refs an anonymous purchase may use. */
  readonly anonymousRefs: ReadonlyMap<string, readonly EngineRef[]>;
  /** Discount id → its `*` ref ids (any purchase with a customer). */
  readonly anyCustomerRefs: ReadonlyMap<string, readonly string[]>;
  readonly stampCards: readonly StampCardRule[];
  /** The points rule, when the account has one (the first by id, if several: keep one, core/loyalty/bonus.ts). */
  readonly points: PointsRule | null;
}

export const NO_RULES: TillRules = { prepared: prepareRules([]), replica: [], anonymousRefs: new Map(), anyCustomerRefs: new Map(), stampCards: [], points: null };

export interface DiscountRuleIndex {
  readonly ready: Promise<void>;
  current(): TillRules;
  /** Called after every change of the rules on this till. */
  onChange(listener: () => void): () => void;
  close(): void;
}

type RuleDocRef = ReplicaRule['refs'][number];

/** Compiles rule documents as the replica holds them; a rule this build cannot read is left out, not guessed at. */
export function tillRules(docs: readonly { readonly rule: unknown; readonly refs: readonly { readonly ref_id: string; readonly grant: string; readonly statistics: RefStatistics }[] }[]): TillRules {
  const discounts: Discount[] = [];
  const replica: ReplicaRule[] = [];
  const anonymousRefs = new Map<string, EngineRef[]>();
  const anyCustomerRefs = new Map<string, string[]>();
  for (const doc of docs) {
    const parsed = DiscountSchema.safeParse(doc.rule);
    if (!parsed.success) continue;
    const rule = parsed.data;
    discounts.push(rule);
    replica.push({ rule, refs: doc.refs.flatMap((r): RuleDocRef[] => (r.grant === 'any_customer' || r.grant === 'no_customer' ? [{ ref_id: r.ref_id, grant: r.grant, statistics: r.statistics }] : [])) });
    const anonymous = doc.refs.filter((r) => r.grant === 'no_customer').map((r): EngineRef => ({ ref_id: r.ref_id, grant: 'no_customer', statistics: r.statistics, stamps: [] }));
    if (anonymous.length > 0) anonymousRefs.set(rule.id, anonymous);
    const any = doc.refs.filter((r) => r.grant === 'any_customer').map((r) => r.ref_id);
    if (any.length > 0) anyCustomerRefs.set(rule.id, any);
  }
  const prepared = prepareRules(discounts);
  const usable = [...prepared.rules].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const stampCards = usable
    .filter((r) => (r.requirement.stamp ?? 0) > 0)
    .map((r): StampCardRule => ({ discount_id: r.id, name: r.name ?? r.receipt_text ?? 'Stamp card', stamps: r.requirement.stamp ?? 0 }));
  const pointsRule = usable.find((r) => isPointsRule(r));
  const points = pointsRule === undefined ? null : { discount_id: pointsRule.id, code: pointsRule.requirement.discount_code ?? null };
  return { prepared, replica, anonymousRefs, anyCustomerRefs, stampCards, points };
}

/**
 * The refs a purchase by this customer may use (core's `replicaPurchaseRefs`): every `*` ref with
 * the customer's own statistics and stamp card on it, and the refs given to them personally that
 * are still valid. On the points rule the balance is `spendable`, what this till may spend now.
 */
export function customerRefs(rules: TillRules, customerId: string, loyalty: Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> | null, spendable: number, now: Date): Map<string, EngineRef[]> {
  const empty = emptyCustomerLoyalty(customerId);
  const doc: CustomerLoyaltyDoc = { ...empty, refs: loyalty?.refs ?? [], bonus: { ...(loyalty?.bonus ?? empty.bonus), balance: spendable } };
  return replicaPurchaseRefs(rules.replica, doc, now.toISOString());
}

export function watchDiscountRules(db: PosDatabase): DiscountRuleIndex {
  let rules: TillRules = NO_RULES;
  const listeners = new Set<() => void>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const sub = db.discount_rules.find().$.subscribe((docs) => {
    rules = tillRules(docs.map((d) => d.toJSON()));
    markReady();
    for (const l of listeners) l();
  });
  return {
    ready,
    current: () => rules,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      sub.unsubscribe();
      listeners.clear();
    },
  };
}
