/**
 * The usage ledger (§3.6): appending the entries the other parts decide on (`Planned`), keeping
 * each holder's stamp card, reading holders' statistics, and listing a rule's usages. Every write
 * of usage — receipts (events.ts), claims and their release (claims.ts), manual usage refs
 * (customer-refs.ts) — goes through `record`, so the ledger's rules live here once:
 * - It is append-only, keyed (ref, buyer, ref_type, ref): a receipt (`receipt_add`, ref = receipt
 *   `id` ?? `receipt_id`), a claim (`claim`, ref = claim id), its release (`claim_release`,
 *   reversing entries) or a manual usage_ref. Replays add nothing. The buyer of a customer ref is
 *   its customer; of a `*` ref the purchase's customer (required); of a `/` ref nobody (statistics
 *   shared by all anonymous purchases).
 * - Statistics are read from running totals kept beside the ledger (repo.ts), one row per holder,
 *   per ref and per rule, so a hot `/` ref costs one row read however many sales it has.
 * - current_stamp: each holder keeps a stamp card folded from its ledger the way the engine spends
 *   stamps — a reward uses `requirement.stamp` stamps, oldest first, and leftovers stay (two
 *   coffees on a full card: one free, one stamp on the next card); on a rule without
 *   requirement.stamp a use empties the card. Stamps older than stamp_expire_days (from now) do
 *   not count. The card's stamp events are what the engine gets as `EngineRef.stamps`.
 */
import type { Discount } from '@pos/core/contracts/discounts';
import type { DiscountRefsTable, DiscountTotalsTable } from '../../db/schema.ts';
import { foldCard, holderStatistics, isDebit, parseCard, toDiscount, type Card } from './model.ts';
import type { Delta, NewEntry, Trx } from './repo.ts';
import { existingRule, type Actor, type PageQuery, type ServiceContext } from './shared.ts';

export interface UsageRefView {
  ref: string;
  ref_type: string;
  usage: number;
  stamp: number;
  amount: number;
  bonus: number;
  created_at: string;
  created_by: string;
}

export interface DiscountUsage {
  id: string;
  ref_id: string;
  discount_id: string;
  customer_id: string | null;
  create_at: string;
  updated_at: string;
  created_by: string;
  usage_refs: UsageRefView[];
  statistics: ReturnType<typeof holderStatistics>;
}

/** A ledger entry the service has decided on, before the repo appends it. */
export interface Planned {
  ref: DiscountRefsTable;
  rule: Discount;
  customerId: string | null;
  buyerKey: string;
  delta: Delta;
  refType: string;
  ref_: string;
  reverses: string | null;
  /** When the stamps of this entry were earned (the purchase), for the stamp card. */
  stampAt: string;
}

/** Statistics of holders (some refs, bought by one buyer), with their stamp cards. */
export interface Holders {
  totals(id: string): DiscountTotalsTable | undefined;
  stamps(id: string): Card;
}

const ZERO: Delta = { usage: 0, stamp: 0, amount: 0, bonus: 0, debit: 0 };
export const isZero = (d: Delta): boolean => d.usage === 0 && d.stamp === 0 && d.amount === 0 && d.bonus === 0 && d.debit === 0;
export const addDelta = (a: Delta, b: Delta): Delta => ({ usage: a.usage + b.usage, stamp: a.stamp + b.stamp, amount: a.amount + b.amount, bonus: a.bonus + b.bonus, debit: a.debit + b.debit });

/** What using `amount` of a rule takes off its debit balance: all of it on a debit rule that is not a bonus, else nothing. */
export const debitOf = (rule: Pick<Discount, 'reward'>, amount: number): number => (isDebit(rule) && rule.reward.effect !== 'bonus' ? amount : 0);

export function createLedger({ repo, now }: ServiceContext) {
  /**
   * A reversal cannot take back exactly the stamps a reward used, so the card is folded again
   * from the holder's ledger, leaving out reversed entries and the reversals themselves.
   */
  async function rebuildCard(trx: Trx, refId: string, buyerKey: string, rule: Discount): Promise<void> {
    const entries = await repo.allHolderEntries(refId, buyerKey, trx);
    const reversed = new Set(entries.flatMap((x) => (x.reverses === null ? [] : [x.reverses])));
    let card: Card = [];
    for (const x of entries) {
      if (x.reverses !== null || reversed.has(x.id)) continue;
      card = foldCard(card, { at: x.purchase_at, stamp: Number(x.stamp), usage: Number(x.usage) }, rule);
    }
    await repo.setCard(refId, buyerKey, JSON.stringify(card), trx);
  }

  return {
    /**
     * Appends entries to the ledger in one transaction (the caller's). Refs are locked first (in
     * id order), rule totals folded last (in rule order): see repo.ts on concurrency.
     */
    async record(trx: Trx, actor: Actor, entries: readonly Planned[]): Promise<void> {
      if (entries.length === 0) return;
      await repo.lockRefs(entries.map((e) => e.ref.id), trx);
      const at = now().toISOString();
      const byRule = new Map<string, { delta: Delta; holders: number }>();
      const sorted = [...entries].sort((a, b) => (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : a.buyerKey < b.buyerKey ? -1 : 1));
      for (const e of sorted) {
        const entry: NewEntry = {
          account_id: actor.accountId,
          discount_pk: e.ref.discount_pk,
          ref_id: e.ref.id,
          ref_grant: e.ref.grant_kind,
          customer_id: e.customerId,
          buyer_key: e.buyerKey,
          ref: e.ref_,
          ref_type: e.refType,
          reverses: e.reverses,
          purchase_at: e.stampAt,
          ...e.delta,
          created_at: at,
          created_by: actor.clientId,
        };
        const fold = (json: string): string => JSON.stringify(foldCard(parseCard(json), { at: e.stampAt, stamp: e.delta.stamp, usage: e.delta.usage }, e.rule));
        const res = await repo.appendEntry(entry, fold, trx);
        if (res.kind === 'replay') continue;
        if (e.reverses !== null) await rebuildCard(trx, e.ref.id, e.buyerKey, e.rule);
        const acc = byRule.get(e.ref.discount_pk) ?? { delta: ZERO, holders: 0 };
        byRule.set(e.ref.discount_pk, { delta: addDelta(acc.delta, e.delta), holders: acc.holders + (res.newHolder ? 1 : 0) });
      }
      for (const [pk, acc] of [...byRule].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await repo.addRuleTotals(actor.accountId, pk, acc.delta, acc.holders, at, actor.clientId, trx);
      }
    },

    /** Statistics of holders (these refs, bought by one buyer), with their stamp cards. */
    async holders(refs: readonly { id: string }[], buyerKey: string, trx?: Trx): Promise<Holders> {
      const totalsBy = new Map((await repo.holderTotals(refs.map((r) => r.id), buyerKey, trx)).map((t) => [t.ref_id, t]));
      return {
        totals: (id: string): DiscountTotalsTable | undefined => totalsBy.get(id),
        stamps: (id: string): Card => parseCard(totalsBy.get(id)?.card ?? '[]'),
      };
    },
  };
}

export type Ledger = ReturnType<typeof createLedger>;

export function usageMethods({ repo, now }: ServiceContext) {
  return {
    async listUsages(accountId: string, id: string, q: PageQuery): Promise<DiscountUsage[]> {
      const row = await existingRule(repo, accountId, id);
      const rule = toDiscount(row);
      const at = now();
      const out: DiscountUsage[] = [];
      for (const t of await repo.listHolders(row.id, { limit: q.limit, startingAfter: q.starting_after })) {
        const entries = await repo.holderEntries(t.ref_id, t.buyer_key, 1000);
        const stamps = parseCard(t.card);
        out.push({
          id: t.id,
          ref_id: t.ref_id,
          discount_id: row.id,
          customer_id: t.customer_id,
          create_at: t.created_at,
          updated_at: t.updated_at,
          created_by: t.created_by,
          usage_refs: entries.map((e) => ({
            ref: e.ref, ref_type: e.ref_type, usage: Number(e.usage), stamp: Number(e.stamp), amount: Number(e.amount), bonus: Number(e.bonus),
            created_at: e.created_at, created_by: e.created_by,
          })),
          statistics: holderStatistics(t, rule, stamps, at),
        });
      }
      return out;
    },
  };
}
