/**
 * The usage ledger (§3.6): appending the entries the other parts decide on (`Planned`), keeping
 * each holder's stamp card, reading holders' statistics, and listing a rule's usages. Every write
 * of usage — receipts (events.ts), claims and their release (claims.ts), manual usage refs
 * (customer-refs.ts) — goes through `record`, so the ledger's rules live here once:
 * - It is append-only, keyed (ref, buyer, ref_type, ref): a receipt (ref = `receiptKey(receipt)`,
 *   its identity: `receipt_add`, `receipt_return`, and the reversing `receipt_void` /
 *   `receipt_return_void`; see receipt-accrual.ts), a claim (`claim`, ref = claim id), its release
 *   (`claim_release`, reversing entries) or a manual usage_ref. Replays add nothing. The buyer of a
 *   customer ref is its customer; of a `*` ref the purchase's customer (required); of a `/` ref
 *   nobody (statistics shared by all anonymous purchases).
 * - The usages API shows a receipt entry's `ref` as the POS `receipt_id` (what the store prints
 *   and searches by), not the identity it is keyed by; `usage_refs` of two stores' receipts that
 *   share a number therefore look alike, and their `created_at` tells them apart.
 * - Entries marked `clamp` (returns, voids) never take a holder's usage, stamps, amount, bonus or
 *   debit below zero: what they would take beyond that is left out, and an entry whose deltas
 *   come to nothing is still appended, so a replay of it stays a replay.
 * - A points rule's holders show the customer's bonus balance as `debit_balance` (bonus.ts).
 * - Statistics are read from running totals kept beside the ledger (repo.ts), one row per holder,
 *   per ref and per rule, so a hot `/` ref costs one row read however many sales it has.
 * - current_stamp: each holder keeps a stamp card folded from its ledger the way the engine spends
 *   stamps — a reward uses `requirement.stamp` stamps, oldest first, and leftovers stay (two
 *   coffees on a full card: one free, one stamp on the next card); on a rule without
 *   requirement.stamp a use empties the card. Stamps older than stamp_expire_days (from now) do
 *   not count. The card's stamp events are what the engine gets as `EngineRef.stamps`.
 */
import type { Discount } from '@pos/core/contracts/discounts';
import { isPointsRule } from '@pos/core/loyalty/bonus';
import type { DiscountRefsTable, DiscountTotalsTable, DiscountUsagesTable } from '../../db/schema.ts';
import { bonusBalances } from './bonus-balances.ts';
import { foldCard, holderStatistics, isDebit, parseCard, toDiscount, type Card } from './model.ts';
import { monotonicId } from '../../db/ids.ts';
import { entryKeyOf, type Delta, type HolderKey, type Trx } from './repo.ts';
import { existingRule, type Actor, type PageQuery, type ServiceContext } from './shared.ts';

/** Ledger ref types of receipt entries: their `ref` is a receipt identity (receiptKey). */
export const RECEIPT_REF_TYPES: readonly string[] = ['receipt_add', 'receipt_return', 'receipt_void', 'receipt_return_void'];

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
  /** Take no total of the holder below zero (returns, voids). */
  clamp?: boolean;
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

/** `d` with every negative delta cut to what the holder's totals `t` still have. */
function clampTo(d: Delta, t: Delta): Delta {
  const cut = (delta: number, total: number): number => (delta < 0 ? Math.max(delta, -Math.max(0, total)) : delta);
  return { usage: cut(d.usage, t.usage), stamp: cut(d.stamp, t.stamp), amount: cut(d.amount, t.amount), bonus: cut(d.bonus, t.bonus), debit: cut(d.debit, t.debit) };
}

/** The first of each key, in order. */
function uniqueBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const x of xs) if (!byKey.has(key(x))) byKey.set(key(x), x);
  return [...byKey.values()];
}

/** Consecutive runs of items with the same key. */
function runsOf<T>(xs: readonly T[], key: (x: T) => string): T[][] {
  const out: T[][] = [];
  let last: string | undefined;
  for (const x of xs) {
    const k = key(x);
    const run = out.at(-1);
    if (run !== undefined && k === last) run.push(x);
    else out.push([x]);
    last = k;
  }
  return out;
}

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
     * id order), holder and ref rows written next (in ref, buyer order), rule totals folded last
     * (in rule order): see repo.ts on concurrency. Entries are worked through per holder in that
     * order — a replayed key and a second copy of one key are skipped, a clamped entry is cut to
     * the holder's totals as the entries before it left them — and then written with one
     * statement per table instead of several per entry. Returns the entries appended (replays
     * left out), with their deltas as recorded.
     */
    async record(trx: Trx, actor: Actor, entries: readonly Planned[]): Promise<Planned[]> {
      if (entries.length === 0) return [];
      await repo.lockRefs(entries.map((e) => e.ref.id), trx);
      const at = now().toISOString();
      // Array sort is stable: one holder's entries keep the order they were planned in.
      const sorted = [...entries].sort((a, b) => (a.ref.id < b.ref.id ? -1 : a.ref.id > b.ref.id ? 1 : a.buyerKey < b.buyerKey ? -1 : a.buyerKey > b.buyerKey ? 1 : 0));
      const keyOf = (e: Planned): string => entryKeyOf({ ref_id: e.ref.id, buyer_key: e.buyerKey, ref_type: e.refType, ref: e.ref_ });
      const seen = await repo.existingEntryKeys(actor.accountId, sorted.map((e) => ({ ref_id: e.ref.id, buyer_key: e.buyerKey, ref_type: e.refType, ref: e.ref_ })), trx);
      const holderKey = (e: Planned): HolderKey => ({ discount_pk: e.ref.discount_pk, ref_id: e.ref.id, buyer_key: e.buyerKey });
      const holderId = (h: HolderKey): string => `${h.ref_id}\u0000${h.buyer_key}`;
      const holderRows = new Map((await repo.holderRows(uniqueBy(sorted.map(holderKey), holderId), trx)).map((r) => [holderId(r), r]));

      const appended: Planned[] = [];
      const rows: DiscountUsagesTable[] = [];
      const rebuild: Array<{ refId: string; buyerKey: string; rule: Discount }> = [];
      const byRef = new Map<string, { pk: string; delta: Delta; holders: number; entries: number }>();
      const byRule = new Map<string, { delta: Delta; holders: number }>();
      for (const group of runsOf(sorted, (e) => holderId(holderKey(e)))) {
        const [head] = group;
        if (head === undefined) continue;
        const key = holderKey(head);
        const before = holderRows.get(holderId(key));
        let totals: Delta = before === undefined ? ZERO : { usage: Number(before.usage), stamp: Number(before.stamp), amount: Number(before.amount), bonus: Number(before.bonus), debit: Number(before.debit) };
        let card = parseCard(before?.card ?? '[]');
        let seq = Number(before?.entries ?? 0);
        let added: Delta = ZERO;
        let reversed = false;
        for (const planned of group) {
          const k = keyOf(planned);
          if (seen.has(k)) continue;
          seen.add(k);
          const e = planned.clamp === true ? { ...planned, delta: clampTo(planned.delta, totals) } : planned;
          seq += 1;
          rows.push({
            id: monotonicId(),
            account_id: actor.accountId,
            discount_pk: e.ref.discount_pk,
            ref_id: e.ref.id,
            ref_grant: e.ref.grant_kind,
            customer_id: e.customerId,
            buyer_key: e.buyerKey,
            seq,
            ref: e.ref_,
            ref_type: e.refType,
            reverses: e.reverses,
            purchase_at: e.stampAt,
            ...e.delta,
            created_at: at,
            created_by: actor.clientId,
          });
          totals = addDelta(totals, e.delta);
          added = addDelta(added, e.delta);
          if (e.reverses !== null) reversed = true;
          else card = foldCard(card, { at: e.stampAt, stamp: e.delta.stamp, usage: e.delta.usage }, e.rule);
          appended.push(e);
        }
        const count = seq - Number(before?.entries ?? 0);
        if (count === 0) continue;
        // A reversal cannot take back exactly the stamps a reward used: such a card is folded
        // again from the ledger once the entries are in (`rebuildCard`).
        if (reversed) rebuild.push({ refId: key.ref_id, buyerKey: key.buyer_key, rule: head.rule });
        const cardJson = JSON.stringify(card);
        if (before === undefined) {
          await repo.insertHolder({ ...key, id: monotonicId(), account_id: actor.accountId, customer_id: head.customerId, ...added, holders: 1, entries: seq, card: cardJson, created_at: at, created_by: actor.clientId, updated_at: at }, trx);
        } else {
          await repo.updateHolder(key, added, { entries: seq, card: cardJson, updated_at: at }, trx);
        }
        const ref = byRef.get(key.ref_id) ?? { pk: key.discount_pk, delta: ZERO, holders: 0, entries: 0 };
        byRef.set(key.ref_id, { pk: ref.pk, delta: addDelta(ref.delta, added), holders: ref.holders + (before === undefined ? 1 : 0), entries: ref.entries + count });
        const rule = byRule.get(key.discount_pk) ?? { delta: ZERO, holders: 0 };
        byRule.set(key.discount_pk, { delta: addDelta(rule.delta, added), holders: rule.holders + (before === undefined ? 1 : 0) });
      }
      // Ref rows in ref order (the entries were sorted so), each while its ref's lock is held.
      for (const [refId, r] of byRef) await repo.addRefTotals(actor.accountId, r.pk, refId, r.delta, { holders: r.holders, entries: r.entries }, at, actor.clientId, trx);
      await repo.insertEntries(rows, trx);
      for (const r of rebuild) await rebuildCard(trx, r.refId, r.buyerKey, r.rule);
      for (const [pk, acc] of [...byRule].sort(([a], [b]) => (a < b ? -1 : 1))) {
        await repo.addRuleTotals(actor.accountId, pk, acc.delta, acc.holders, at, actor.clientId, trx);
      }
      return appended;
    },

    /** Holder rows of many holders in one read: (ref id, buyer key) → row, if the holder has one. */
    async holderRowsOf(keys: readonly HolderKey[], trx: Trx): Promise<(refId: string, buyerKey: string) => DiscountTotalsTable | undefined> {
      const rows = new Map((await repo.holderRows(keys, trx)).map((r) => [`${r.ref_id}\u0000${r.buyer_key}`, r]));
      return (refId, buyerKey) => rows.get(`${refId}\u0000${buyerKey}`);
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
      const holders = await repo.listHolders(row.id, { limit: q.limit, startingAfter: q.starting_after });
      const customers = holders.flatMap((t) => (t.customer_id === null ? [] : [t.customer_id]));
      const balances = isPointsRule(rule) ? await bonusBalances(repo, accountId, customers) : new Map<string, never>();
      for (const t of holders) {
        const entries = await repo.holderEntries(t.ref_id, t.buyer_key, 1000);
        const receiptIds = await repo.receiptIdsByKey(accountId, entries.filter((e) => RECEIPT_REF_TYPES.includes(e.ref_type)).map((e) => e.ref));
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
            ref: receiptIds.get(e.ref) ?? e.ref, ref_type: e.ref_type, usage: Number(e.usage), stamp: Number(e.stamp), amount: Number(e.amount), bonus: Number(e.bonus),
            created_at: e.created_at, created_by: e.created_by,
          })),
          statistics: holderStatistics(t, rule, stamps, at, t.customer_id === null ? 0 : balances.get(t.customer_id)?.balance),
        });
      }
      return out;
    },
  };
}
