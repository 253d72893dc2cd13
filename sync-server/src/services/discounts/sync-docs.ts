/**
 * The loaders for till replication (read-only; the sync service decides which ids to load):
 *
 * - `discount_rules`: rule ids → the `DiscountRuleDoc`s tills keep offline — the rule with its
 *   wildcard refs (`*`, `/`) and their running totals. A debit balance goes only with a used `/`
 *   ref (one balance shared by every anonymous purchase); a `*` ref's totals sum all its
 *   customers, so they carry none. Inactive or deleted rules are tombstones, and a document's
 *   `updated_at` is the latest of the rule, its refs and their totals, so a sale that moves a
 *   shared ref's statistics replicates too.
 * - `customer_loyalty`: customer ids → one `CustomerLoyaltyDoc` each (never a tombstone; a
 *   customer with nothing has no refs and no bonus): the live refs given to the customer (of rules
 *   not deleted), and every live `*` ref the customer has used, each with the customer's
 *   statistics exactly as `available_for_receipt` gives them to the engine (a points rule's
 *   carry the bonus balance) and the stamp card; and the bonus balance. `updated_at` is the
 *   latest of those refs and the customer's ledger totals. The till builds the engine's refs from
 *   it with core's `replicaPurchaseRefs`. Changes to a rule itself (say, becoming a points rule)
 *   reach the document with the customer's next grant or purchase.
 */
import type { CustomerLoyaltyDoc, DiscountRuleDoc } from '@pos/core/contracts/sync';
import { isPointsRule, NO_BONUS, pointsStatistics } from '@pos/core/loyalty/bonus';
import type { DiscountRulesTable } from '../../db/schema.ts';
import { balancesOf } from './bonus-balances.ts';
import { engineStatistics, parseCard, toDiscount } from './model.ts';
import type { ServiceContext } from './shared.ts';

const EPOCH = '1970-01-01T00:00:00.000Z';
const latest = (stamps: readonly string[]): string => stamps.reduce((a, b) => (b > a ? b : a), EPOCH);

export function syncDocMethods({ repo }: ServiceContext) {
  return {
    /** The tills' per-customer loyalty documents, one per id asked for. */
    async syncCustomerLoyalty(accountId: string, ids: readonly string[]): Promise<CustomerLoyaltyDoc[]> {
      const customers = [...new Set(ids)];
      const own = await repo.customerRefsOf(accountId, customers);
      const holdings = await repo.customerHoldings(accountId, customers);
      const balances = balancesOf(customers, holdings);
      const holderOf = new Map(holdings.map((t) => [`${t.ref_id}\u0000${t.buyer_key}`, t]));
      // `*` refs the customers used that are still live, of rules not deleted.
      const stars = new Map(
        (await repo.refsByIds(accountId, [...new Set(holdings.map((t) => t.ref_id))]))
          .filter((f) => f.grant_kind === 'any_customer' && f.deleted_at === null)
          .map((f) => [f.id, f]),
      );
      return customers.map((customerId): CustomerLoyaltyDoc => {
        const bonus = balances.get(customerId) ?? NO_BONUS;
        const entry = (ruleRow: DiscountRulesTable, ref: { id: string; created_at: string }, grant: 'customer' | 'any_customer') => {
          const rule = toDiscount(ruleRow);
          const t = holderOf.get(`${ref.id}\u0000${customerId}`);
          const s = engineStatistics(t, rule);
          return {
            discount_id: rule.id,
            ref_id: ref.id,
            grant,
            granted_at: ref.created_at,
            statistics: isPointsRule(rule) ? pointsStatistics(s, bonus.balance) : s,
            stamps: parseCard(t?.card ?? '[]'),
          };
        };
        // Deleted refs still date the document (a deletion is a change), but are not in it.
        const mineAll = own.filter((f) => f.customer_id === customerId);
        const mineOwn = mineAll.filter((f) => f.deleted_at === null && f.rule.deleted_at === null);
        const mineHeld = holdings.filter((t) => t.customer_id === customerId);
        const mineStars = mineHeld.flatMap((t) => {
          const ref = stars.get(t.ref_id);
          return ref === undefined || t.rule.deleted_at !== null ? [] : [{ ref, rule: t.rule }];
        });
        return {
          id: customerId,
          updated_at: latest([...mineAll.map((f) => f.updated_at), ...mineHeld.map((t) => t.updated_at)]),
          _deleted: false,
          customer_id: customerId,
          refs: [...mineOwn.map((f) => entry(f.rule, f, 'customer')), ...mineStars.map((x) => entry(x.rule, x.ref, 'any_customer'))].sort((a, b) => (a.ref_id < b.ref_id ? -1 : a.ref_id > b.ref_id ? 1 : 0)),
          bonus,
        };
      });
    },

    /** The tills' rule documents: the rule and its wildcard refs; inactive or deleted rules are tombstones. */
    async syncDiscountRules(accountId: string, ids: readonly string[]): Promise<DiscountRuleDoc[]> {
      const rows = await repo.rulesByIds(accountId, ids);
      const refs = await repo.wildcardRefsOf(rows.map((r) => r.id));
      const totals = new Map((await repo.refTotals(refs.map((r) => r.id))).map((t) => [t.ref_id, t]));
      return rows.map((row) => {
        const rule = toDiscount(row);
        const mine = refs.filter((f) => f.discount_pk === row.id);
        const stamps = [row.updated_at, ...mine.map((f) => f.updated_at), ...mine.map((f) => totals.get(f.id)?.updated_at ?? '')];
        return {
          id: row.id,
          updated_at: stamps.reduce((a, b) => (b > a ? b : a)),
          _deleted: row.deleted_at !== null || row.active === 0,
          rule,
          refs: mine.map((f) => {
            const t = totals.get(f.id);
            const s = engineStatistics(f.grant_kind === 'no_customer' ? t : undefined, rule);
            const base = { usage: Number(t?.usage ?? 0), stamp: Number(t?.stamp ?? 0), amount: Number(t?.amount ?? 0), bonus: Number(t?.bonus ?? 0) };
            return {
              ref_id: f.id,
              grant: f.grant_kind === 'no_customer' ? ('no_customer' as const) : ('any_customer' as const),
              statistics: s.debit_balance === undefined ? base : { ...base, debit_balance: s.debit_balance },
            };
          }),
        };
      });
    },
  };
}
