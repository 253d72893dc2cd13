/**
 * The loader for till replication: turns rule ids into the `DiscountRuleDoc`s tills keep offline —
 * the rule with its wildcard refs (`*`, `/`) and their running totals. A debit balance goes only
 * with a used `/` ref (one balance shared by every anonymous purchase); a `*` ref's totals sum all
 * its customers, so they carry none. Inactive or deleted rules are tombstones, and a document's
 * `updated_at` is the latest of the rule, its refs and their totals, so a sale that moves a shared
 * ref's statistics replicates too. Read-only; the sync service decides which ids to load.
 */
import type { DiscountRuleDoc } from '@pos/core/contracts/sync';
import { engineStatistics, toDiscount } from './model.ts';
import type { ServiceContext } from './shared.ts';

export function syncDocMethods({ repo }: ServiceContext) {
  return {
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
