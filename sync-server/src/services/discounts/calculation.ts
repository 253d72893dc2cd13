/**
 * The calculation endpoint: prices a receipt with the core engine, given the account's
 * prepared rules and the refs the buyer holds (its own and `*` with a customer, `/` without), each
 * with the holder's statistics and stamp card from the ledger. The refs are turned into the
 * engine's input by core's `engineRefs` (core/src/loyalty/purchase-refs.ts), the same function the
 * till uses on its replica: refs past `limitation.dynamic_purchase_to_days` are left out, and a
 * points rule carries the customer's bonus balance. Read-only: what a purchase uses is recorded
 * later, by its receipt event.
 */
import type { Receipt } from '@pos/core/contracts/discounts';
import type { TraceEntry } from '@pos/core/discounts/types';
import { calculate, candidateRuleIds } from '@pos/core/discounts/engine';
import { isPointsRule } from '@pos/core/loyalty/bonus';
import { engineRefs, type HeldRef } from '@pos/core/loyalty/purchase-refs';
import { bonusBalanceOf } from './bonus-balances.ts';
import { engineStatistics, grantKind } from './model.ts';
import type { PreparedRulesCache } from './prepared-rules.ts';
import { resolveBuyer, type ServiceContext } from './shared.ts';
import type { Ledger } from './usage-ledger.ts';

export function calculationMethods({ repo, now }: ServiceContext, prepared: PreparedRulesCache, ledger: Ledger) {
  async function calculation(accountId: string, receipt: Receipt) {
    const rules = await prepared.get(accountId);
    const customerId = await resolveBuyer(repo, accountId, receipt);
    const buyerKey = customerId ?? '/';
    // Only the rules this cart can touch need refs and statistics: a hot account holds hundreds.
    const refs = await repo.purchaseRefs(accountId, customerId === undefined ? ['/'] : [customerId, '*'], candidateRuleIds(rules.prepared, receipt));
    // A rule written after the cache entry was taken is left out until the next calculation.
    const withRule = refs.flatMap((ref) => {
      const rule = rules.byId.get(ref.discount_pk);
      return rule === undefined ? [] : [{ id: ref.id, ref, rule }];
    });
    const h = await ledger.holders(withRule, buyerKey);
    const held = withRule.map((r): HeldRef => ({
      discount_id: r.ref.discount_pk, ref_id: r.id, grant: grantKind(r.ref), granted_at: r.ref.created_at, statistics: engineStatistics(h.totals(r.id), r.rule), stamps: h.stamps(r.id),
    }));
    const spendsPoints = customerId !== undefined && withRule.some((r) => isPointsRule(r.rule));
    const balance = spendsPoints ? (await bonusBalanceOf(repo, accountId, customerId)).balance : 0;
    const byDiscount = engineRefs((id) => rules.byId.get(id), held, receipt.purchase_at, balance);
    return calculate(rules.prepared, { receipt, refs: byDiscount, now: now().toISOString() });
  }

  return {
    async availableForReceipt(accountId: string, receipt: Receipt): Promise<Receipt> {
      return (await calculation(accountId, receipt)).receipt;
    },

    async explain(accountId: string, receipt: Receipt): Promise<{ receipt: Receipt; trace: TraceEntry[] }> {
      const res = await calculation(accountId, receipt);
      return { receipt: res.receipt, trace: [...res.trace] };
    },
  };
}
