/**
 * The calculation endpoint: prices a receipt with the core engine, given the account's
 * prepared rules and the refs the buyer holds (its own and `*` with a customer, `/` without), each
 * with the holder's statistics and stamp card from the ledger. Refs past
 * `limitation.dynamic_purchase_to_days` are not given to the engine: it leaves that limitation to
 * the server. Read-only: what a purchase uses is recorded later, by its receipt event.
 */
import type { Receipt } from '@pos/core/contracts/discounts';
import type { EngineRef, TraceEntry } from '@pos/core/discounts/types';
import { calculate, candidateRuleIds } from '@pos/core/discounts/engine';
import { engineStatistics, grantKind, refExpired } from './model.ts';
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
    const purchaseAt = new Date(receipt.purchase_at);
    const withRule = refs.flatMap((ref) => {
      // A rule written after the cache entry was taken is left out until the next calculation.
      const rule = rules.byId.get(ref.discount_pk);
      return rule === undefined || refExpired(ref.created_at, rule, purchaseAt) ? [] : [{ id: ref.id, ref, rule }];
    });
    const h = await ledger.holders(withRule, buyerKey);
    const byDiscount = new Map<string, EngineRef[]>();
    for (const r of withRule) {
      const list = byDiscount.get(r.ref.discount_pk) ?? [];
      list.push({ ref_id: r.id, grant: grantKind(r.ref), statistics: engineStatistics(h.totals(r.id), r.rule), stamps: h.stamps(r.id) });
      byDiscount.set(r.ref.discount_pk, list);
    }
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
