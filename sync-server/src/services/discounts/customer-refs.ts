/**
 * A customer's side of the discounts: the rules a customer can use now (its own refs
 * and the `*` grants, each with the customer's own statistics), one ref, a manual usage_ref
 * written to the ledger, and deleting a customer's own ref. Lists leave out rules not yet visible
 * (visible_from, else purchase_from), refs past `limitation.dynamic_purchase_to_days` and refs
 * used up; a `*` ref is removed through the rule's grants (grants.ts), never here. On a points
 * rule `statistics.debit_balance` is the customer's bonus balance (core/src/loyalty/bonus.ts),
 * and a points rule is never used up by its balance.
 */
import type { Discount } from '@pos/core/contracts/discounts';
import { isPointsRule } from '@pos/core/loyalty/bonus';
import type { DiscountRefsTable } from '../../db/schema.ts';
import { badRequest, notFound } from '../../errors.ts';
import { bonusBalanceOf } from './bonus-balances.ts';
import { holderStatistics, refExpired, toDiscount, usedUp, visibleAt } from './model.ts';
import type { Delta, Trx } from './repo.ts';
import type { Actor, PageQuery, ServiceContext } from './shared.ts';
import { debitOf, type Ledger } from './usage-ledger.ts';

export type CustomerRule = Discount & { statistics: ReturnType<typeof holderStatistics>; ref_id: string };

export function customerRefMethods({ repo, now }: ServiceContext, ledger: Ledger) {
  async function customerRefView(accountId: string, customerId: string, refId: string, trx?: Trx): Promise<CustomerRule & { ref: DiscountRefsTable }> {
    const ref = await repo.findRef(accountId, refId, trx);
    if (ref === undefined || (ref.customer_id !== customerId && ref.customer_key !== '*')) {
      throw notFound('DISCOUNT_REF_NOT_FOUND', `customer ${customerId} has no discount ref ${refId}`);
    }
    if (ref.deleted_at !== null) throw badRequest('DISCOUNT_REF_DELETED', `discount ref ${refId} is deleted`);
    const row = await repo.findRule(accountId, ref.discount_pk, trx);
    if (row === undefined) throw notFound('DISCOUNT_REF_NOT_FOUND', `discount ref ${refId} has no rule`);
    const rule = toDiscount(row);
    const h = await ledger.holders([{ id: ref.id }], customerId, trx);
    const balance = isPointsRule(rule) ? (await bonusBalanceOf(repo, accountId, customerId, trx)).balance : 0;
    return { ...rule, statistics: holderStatistics(h.totals(ref.id), rule, h.stamps(ref.id), now(), balance), ref_id: ref.id, ref };
  }

  return {
    async customerRules(accountId: string, customerId: string, q: PageQuery): Promise<CustomerRule[]> {
      const at = now();
      const out: CustomerRule[] = [];
      let cursor = q.starting_after;
      let balance: number | undefined;
      for (;;) {
        const batch = await repo.visibleRefs(accountId, [customerId, '*'], at.toISOString(), { limit: q.limit, startingAfter: cursor });
        const refs = batch.map((r) => ({ id: r.id, ref: r, rule: toDiscount(r.rule) }));
        const h = await ledger.holders(refs, customerId);
        if (balance === undefined && refs.some((r) => isPointsRule(r.rule))) balance = (await bonusBalanceOf(repo, accountId, customerId)).balance;
        for (const r of refs) {
          if (!visibleAt(r.rule, at) || refExpired(r.ref.created_at, r.rule, at)) continue;
          const totals = h.totals(r.id);
          const statistics = holderStatistics(totals, r.rule, h.stamps(r.id), at, balance);
          if (usedUp(statistics, r.rule, totals !== undefined)) continue;
          out.push({ ...r.rule, statistics, ref_id: r.id });
          if (out.length === q.limit) return out;
        }
        const last = batch.at(-1);
        if (batch.length < q.limit || last === undefined) return out;
        cursor = last.id;
      }
    },

    async customerRef(accountId: string, customerId: string, refId: string): Promise<CustomerRule> {
      const { ref: _ref, ...view } = await customerRefView(accountId, customerId, refId);
      return view;
    },

    async addUsageRef(
      actor: Actor,
      customerId: string,
      refId: string,
      usageRef: { ref: string; ref_type: string; usage?: number | undefined; stamp?: number | undefined; amount?: number | undefined },
    ): Promise<CustomerRule> {
      return repo.transaction(async (trx) => {
        const found = await customerRefView(actor.accountId, customerId, refId, trx);
        const { ref, ...rule } = found;
        const amount = usageRef.amount ?? 0;
        const delta: Delta = { usage: usageRef.usage ?? 0, stamp: usageRef.stamp ?? 0, amount, bonus: 0, debit: debitOf(rule, amount) };
        await ledger.record(trx, actor, [{ ref, rule, customerId, buyerKey: customerId, delta, refType: usageRef.ref_type, ref_: usageRef.ref, reverses: null, stampAt: now().toISOString() }]);
        const { ref: _r, ...after } = await customerRefView(actor.accountId, customerId, refId, trx);
        return after;
      });
    },

    async deleteCustomerRef(actor: Actor, customerId: string, refId: string): Promise<CustomerRule & { debit_balance: number }> {
      return repo.transaction(async (trx) => {
        const { ref, ...view } = await customerRefView(actor.accountId, customerId, refId, trx);
        if (ref.customer_id === null) {
          throw badRequest('DISCOUNT_REF_WILDCARD', `ref ${refId} is the rule's grant to every customer (*): remove it with DELETE /discounts/rules/${ref.discount_pk}/customers`);
        }
        const at = now().toISOString();
        await repo.softDeleteRef(ref.id, { at, by: actor.clientId }, trx);
        return { ...view, debit_balance: view.statistics.debit_balance };
      });
    },
  };
}
