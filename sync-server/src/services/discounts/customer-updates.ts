/**
 * `discount_customer_update` webhook events (contract §3.6, §6): written to the outbox in the
 * transaction that changed a customer's usage, so an event exists exactly when the change does.
 *
 * - When: a receipt recorded usage, stamps, bonus or points for a customer (either path), a
 *   receipt was voided or returned, or a claim was made or released. Entries of `/` refs have no
 *   customer and no event; replays record nothing and send nothing.
 * - One event per (customer, rule) touched, payload `{ discount, customer_id, statistics }`: the
 *   rule as `GET /discounts/rules/{id}` shows it (without its rule-level statistics), and the
 *   customer's statistics on it after the change — the refs of that rule the change touched,
 *   summed (usually one), shaped as `GET /discounts/customers/{cid}/refs/{ref_id}` shows them; on
 *   a points rule `debit_balance` is the customer's bonus balance.
 */
import type { CustomerStatistics, Discount } from '@pos/core/contracts/discounts';
import { isPointsRule } from '@pos/core/loyalty/bonus';
import { enqueueEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import { bonusBalances } from './bonus-balances.ts';
import { holderStatistics, parseCard } from './model.ts';
import type { Trx } from './repo.ts';
import type { Actor, ServiceContext } from './shared.ts';
import type { Ledger, Planned } from './usage-ledger.ts';

const add = (a: CustomerStatistics, b: CustomerStatistics): CustomerStatistics => ({
  stamp: a.stamp + b.stamp,
  usage: a.usage + b.usage,
  used: a.used + b.used,
  amount: a.amount + b.amount,
  bonus: a.bonus + b.bonus,
  debit_balance: a.debit_balance + b.debit_balance,
  current_stamp: a.current_stamp + b.current_stamp,
});

export function customerUpdates({ repo, now }: ServiceContext, ledger: Ledger) {
  return {
    /** Enqueues one event per (customer, rule) among the entries just appended. */
    async enqueue(trx: Trx, actor: Actor, appended: readonly Planned[]): Promise<void> {
      const touched = new Map<string, { customerId: string; rule: Discount; pk: string; refIds: Set<string> }>();
      for (const p of appended) {
        if (p.customerId === null) continue;
        const k = `${p.customerId}\u0000${p.rule.id}`;
        const t = touched.get(k) ?? { customerId: p.customerId, rule: p.rule, pk: p.ref.discount_pk, refIds: new Set<string>() };
        t.refIds.add(p.ref.id);
        touched.set(k, t);
      }
      if (touched.size === 0) return;
      const list = [...touched.values()].sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : a.rule.id < b.rule.id ? -1 : 1));
      const pointsCustomers = list.filter((t) => isPointsRule(t.rule)).map((t) => t.customerId);
      const balances = await bonusBalances(repo, actor.accountId, pointsCustomers, trx);
      const at = now();
      // Every touched holder's row in one read (not one per customer and rule).
      const rowOf = await ledger.holderRowsOf(list.flatMap((t) => [...t.refIds].map((ref_id) => ({ discount_pk: t.pk, ref_id, buyer_key: t.customerId }))), trx);
      const events: OutboxEvent[] = [];
      for (const t of list) {
        const refIds = [...t.refIds].sort();
        const balance = balances.get(t.customerId)?.balance ?? 0;
        const each = refIds.map((id) => {
          const row = rowOf(id, t.customerId);
          return holderStatistics(row, t.rule, parseCard(row?.card ?? '[]'), at, balance);
        });
        const [first, ...rest] = each;
        if (first === undefined) continue;
        const summed = rest.reduce(add, first);
        const statistics = isPointsRule(t.rule) ? { ...summed, debit_balance: balance } : summed;
        events.push({ accountId: actor.accountId, event: 'discount_customer_update', payload: { discount: t.rule, customer_id: t.customerId, statistics } });
      }
      await enqueueEvents(trx, events, at.toISOString());
    },
  };
}

export type CustomerUpdates = ReturnType<typeof customerUpdates>;
