/**
 * Customers' bonus balances from the ledger's holder totals (the arithmetic and its decisions are
 * core/src/loyalty/bonus.ts): every ref a customer used counts, deleted refs and rules included —
 * bonus earned on a rule since deleted is still earned, points spent are still spent.
 */
import { bonusBalance, NO_BONUS, type BonusBalance } from '@pos/core/loyalty/bonus';
import type { DiscountRulesTable, DiscountTotalsTable } from '../../db/schema.ts';
import { toDiscount } from './model.ts';
import type { DiscountRepo, Trx } from './repo.ts';

export type Holding = DiscountTotalsTable & { rule: DiscountRulesTable };

/** Balances of customers from their holdings (rows of other customers are ignored). */
export function balancesOf(customerIds: readonly string[], holdings: readonly Holding[]): Map<string, BonusBalance> {
  const byCustomer = new Map<string, Holding[]>(customerIds.map((c) => [c, []]));
  for (const h of holdings) if (h.customer_id !== null) byCustomer.get(h.customer_id)?.push(h);
  return new Map(
    [...byCustomer].map(([c, hs]) => [c, hs.length === 0 ? NO_BONUS : bonusBalance(hs.map((h) => ({ rule: toDiscount(h.rule), bonus: Number(h.bonus), debit: Number(h.debit) })))]),
  );
}

/** Customer id → bonus balance, for these customers (one query). */
export async function bonusBalances(repo: DiscountRepo, accountId: string, customerIds: readonly string[], trx?: Trx): Promise<Map<string, BonusBalance>> {
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return new Map();
  return balancesOf(ids, await repo.customerHoldings(accountId, ids, trx));
}

/** One customer's bonus balance. */
export async function bonusBalanceOf(repo: DiscountRepo, accountId: string, customerId: string, trx?: Trx): Promise<BonusBalance> {
  return (await bonusBalances(repo, accountId, [customerId], trx)).get(customerId) ?? NO_BONUS;
}
