/**
 * SQL for the Discounts service and its automations. Every query is scoped to an account,
 * directly or through a rule's primary key.
 *
 * The usage ledger (`discount_usages`) is only ever inserted into. Its running totals
 * (`discount_totals`) are folded in the same transaction, one row per holder, per ref and per
 * rule, so statistics are single-row reads however long the ledger grows.
 *
 * Concurrency on PostgreSQL: a ledger write locks the refs it touches (`lockRefs`, in id order)
 * before its idempotency check, so two deliveries of the same receipt cannot both pass it; rule
 * rows of the totals are folded last, in rule order, so writers never wait on each other in a
 * cycle. Work on one receipt (accrual, return, void) first takes that receipt's row in
 * `loyalty_receipts` (`lockReceipts`), then refs, then rule rows; a batch of receipts takes all
 * their rows (in receiptKey order) before any ref (receipt-accrual.ts), so the order is the same
 * everywhere. SQLite has one writer and needs none of this.
 *
 * Batch reads and writes (a `POST /receipts` batch is up to 1,000 receipts) go in multi-row
 * statements of `statementChunks` sizes, so their parameters stay inside both databases' limits
 * and their SQL inside the statement cache.
 */
import type { Kysely, Transaction, Updateable } from 'kysely';
import { statementChunks, type Db } from '../../db/connect.ts';
import type {
  AutomationRunsTable,
  AutomationsTable,
  Database,
  DiscountCampaignsTable,
  DiscountClaimsTable,
  DiscountCustomerTokensTable,
  DiscountRefsTable,
  DiscountRulesTable,
  DiscountTotalsTable,
  DiscountUsagesTable,
} from '../../db/schema.ts';
import type { LoyaltyReceiptsTable } from '../../db/tables/loyalty.ts';
import { monotonicId } from '../../db/ids.ts';
import { uniqueViolation } from '../../db/unique-violation.ts';

type Q = Kysely<Database> | Transaction<Database>;
export type Trx = Transaction<Database>;

export interface Page {
  limit: number;
  /** The key of the last row of the previous page. */
  startingAfter?: string | undefined;
}

/** Entity lifecycle filter shared by the lists: live rows, deleted rows, or both. */
export type Liveness = 'live' | 'deleted' | 'all';

export interface RuleFilter extends Page {
  liveness: Liveness;
  active?: boolean | undefined;
  sinceDatetime?: string | undefined;
  purchaseFrom?: string | undefined;
  purchaseTo?: string | undefined;
  campaignIds?: readonly string[] | undefined;
}

/** Ledger deltas of one entry. */
export interface Delta {
  usage: number;
  stamp: number;
  amount: number;
  bonus: number;
  debit: number;
}

/** A ledger entry's idempotency key: (ref, buyer, ref_type, ref) is unique. */
export type EntryKey = Pick<DiscountUsagesTable, 'ref_id' | 'buyer_key' | 'ref_type' | 'ref'>;
export const entryKeyOf = (e: EntryKey): string => `${e.ref_id}\u0000${e.buyer_key}\u0000${e.ref_type}\u0000${e.ref}`;

/** A holder row's key in `discount_totals`. */
export type HolderKey = Pick<DiscountTotalsTable, 'discount_pk' | 'ref_id' | 'buyer_key'>;

/** A ref joined with its rule, as the purchase-facing lists need it. */
export type RefWithRule = DiscountRefsTable & { rule: DiscountRulesTable };

/** Rows (or keys) per multi-row statement at most; a power of two for `statementChunks`. */
const CHUNK = 128;

/** Runs `read` over `keys` a chunk at a time and concatenates the rows. */
async function inChunks<K, R>(keys: readonly K[], read: (chunk: K[]) => Promise<R[]>): Promise<R[]> {
  if (keys.length === 0) return [];
  const out: R[] = [];
  for (const chunk of statementChunks(keys, CHUNK)) out.push(...(await read(chunk)));
  return out;
}

export function createDiscountRepo(db: Db) {
  const k = db.kysely;
  const postgres = db.dialect === 'postgres';

  /** Refs joined to their rules, for filtering on both; `withRules` attaches the rules after. */
  const refsWithRules = (q: Q) => q.selectFrom('discount_refs as f').innerJoin('discount_rules as r', 'r.id', 'f.discount_pk').selectAll('f');

  async function withRules(refs: readonly DiscountRefsTable[], q: Q = k): Promise<RefWithRule[]> {
    const pks = [...new Set(refs.map((f) => f.discount_pk))];
    const rules = new Map((pks.length === 0 ? [] : await q.selectFrom('discount_rules').selectAll().where('id', 'in', pks).execute()).map((r) => [r.id, r]));
    return refs.flatMap((f) => {
      const rule = rules.get(f.discount_pk);
      return rule === undefined ? [] : [{ ...f, rule }];
    });
  }

  /** Folds deltas into an aggregate row (a ref over all holders, or a rule), creating it if needed. */
  async function addToAggregate(
    q: Trx,
    key: { discount_pk: string; ref_id: string },
    d: Delta,
    meta: { account_id: string; at: string; by: string; holders: number; entries: number },
  ): Promise<void> {
    await q
      .insertInto('discount_totals')
      .values({
        ...key,
        buyer_key: '',
        id: monotonicId(),
        account_id: meta.account_id,
        customer_id: null,
        usage: d.usage,
        stamp: d.stamp,
        amount: d.amount,
        bonus: d.bonus,
        debit: d.debit,
        holders: meta.holders,
        entries: meta.entries,
        card: '[]',
        created_at: meta.at,
        created_by: meta.by,
        updated_at: meta.at,
      })
      .onConflict((oc) =>
        oc.columns(['discount_pk', 'ref_id', 'buyer_key']).doUpdateSet((eb) => ({
          usage: eb('discount_totals.usage', '+', d.usage),
          stamp: eb('discount_totals.stamp', '+', d.stamp),
          amount: eb('discount_totals.amount', '+', d.amount),
          bonus: eb('discount_totals.bonus', '+', d.bonus),
          debit: eb('discount_totals.debit', '+', d.debit),
          holders: eb('discount_totals.holders', '+', meta.holders),
          entries: eb('discount_totals.entries', '+', meta.entries),
          updated_at: meta.at,
        })),
      )
      .execute();
  }

  return {
    dialect: db.dialect,

    transaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
      return k.transaction().execute(fn);
    },

    isUniqueViolation: (e: unknown): boolean => uniqueViolation(e) !== undefined,

    // ------------------------------------------------------------ rule versions (cache invalidation)

    async ruleVersion(accountId: string): Promise<number> {
      const row = await k.selectFrom('discount_rule_versions').select('version').where('account_id', '=', accountId).executeTakeFirst();
      return row === undefined ? 0 : Number(row.version);
    },

    async bumpRuleVersion(accountId: string, q: Trx): Promise<void> {
      await q
        .insertInto('discount_rule_versions')
        .values({ account_id: accountId, version: 1 })
        .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ version: eb('discount_rule_versions.version', '+', 1) })))
        .execute();
    },

    // ------------------------------------------------------------ campaigns

    findCampaign: (accountId: string, campaignId: string, q: Q = k): Promise<DiscountCampaignsTable | undefined> =>
      q.selectFrom('discount_campaigns').selectAll().where('account_id', '=', accountId).where('campaign_id', '=', campaignId).executeTakeFirst(),

    campaignsByKey: (accountId: string, campaignIds: readonly string[], q: Q = k): Promise<DiscountCampaignsTable[]> =>
      campaignIds.length === 0
        ? Promise.resolve([])
        : q.selectFrom('discount_campaigns').selectAll().where('account_id', '=', accountId).where('campaign_id', 'in', [...campaignIds]).execute(),

    listCampaigns(accountId: string, f: Page & { liveness: Liveness; private?: boolean | undefined }): Promise<DiscountCampaignsTable[]> {
      let q = k.selectFrom('discount_campaigns').selectAll().where('account_id', '=', accountId);
      if (f.liveness === 'live') q = q.where('deleted_at', 'is', null);
      if (f.liveness === 'deleted') q = q.where('deleted_at', 'is not', null);
      if (f.private !== undefined) q = q.where('private', '=', f.private ? 1 : 0);
      if (f.startingAfter !== undefined) q = q.where('campaign_id', '>', f.startingAfter);
      return q.orderBy('campaign_id').limit(f.limit).execute();
    },

    insertCampaign: async (row: DiscountCampaignsTable, q: Q = k): Promise<void> => {
      await q.insertInto('discount_campaigns').values(row).execute();
    },

    updateCampaign: async (pk: string, set: Updateable<DiscountCampaignsTable>, q: Q = k): Promise<void> => {
      await q.updateTable('discount_campaigns').set(set).where('id', '=', pk).execute();
    },

    // ------------------------------------------------------------ rules

    /** The rule with this id, deleted or not; `lock` takes a row lock on PostgreSQL. */
    findRule(accountId: string, id: string, q: Q = k, lock = false): Promise<DiscountRulesTable | undefined> {
      const qb = q.selectFrom('discount_rules').selectAll().where('account_id', '=', accountId).where('id', '=', id);
      return (lock && postgres ? qb.forUpdate() : qb).executeTakeFirst();
    },

    rulesByIds: (accountId: string, ids: readonly string[], q: Q = k): Promise<DiscountRulesTable[]> =>
      inChunks([...new Set(ids)], (chunk) => q.selectFrom('discount_rules').selectAll().where('account_id', '=', accountId).where('id', 'in', chunk).execute()),

    /** Every rule that is not deleted (what the engine is prepared with). */
    liveRules: (accountId: string): Promise<DiscountRulesTable[]> =>
      k.selectFrom('discount_rules').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null).orderBy('id').execute(),

    listRules(accountId: string, f: RuleFilter, q: Q = k): Promise<DiscountRulesTable[]> {
      let qb = q.selectFrom('discount_rules').selectAll().where('account_id', '=', accountId);
      if (f.liveness === 'live') qb = qb.where('deleted_at', 'is', null);
      if (f.liveness === 'deleted') qb = qb.where('deleted_at', 'is not', null);
      if (f.active !== undefined) qb = qb.where('active', '=', f.active ? 1 : 0);
      if (f.purchaseFrom !== undefined) qb = qb.where('purchase_from', '>=', f.purchaseFrom);
      if (f.purchaseTo !== undefined) qb = qb.where('purchase_to', '<=', f.purchaseTo);
      if (f.campaignIds !== undefined) qb = qb.where('campaign_id', 'in', [...f.campaignIds]);
      if (f.sinceDatetime !== undefined) {
        return qb.where('updated_at', '>=', f.sinceDatetime).orderBy('updated_at').orderBy('id').limit(f.limit).execute();
      }
      if (f.startingAfter !== undefined) qb = qb.where('id', '>', f.startingAfter);
      return qb.orderBy('id').limit(f.limit).execute();
    },

    insertRule: async (row: DiscountRulesTable, q: Q = k): Promise<void> => {
      await q.insertInto('discount_rules').values(row).execute();
    },

    updateRule: async (pk: string, set: Updateable<DiscountRulesTable>, q: Q = k): Promise<void> => {
      await q.updateTable('discount_rules').set(set).where('id', '=', pk).execute();
    },

    // ------------------------------------------------------------ refs

    findRef: (accountId: string, refId: string, q: Q = k): Promise<DiscountRefsTable | undefined> =>
      q.selectFrom('discount_refs').selectAll().where('account_id', '=', accountId).where('id', '=', refId).executeTakeFirst(),

    refsByIds: (accountId: string, ids: readonly string[], q: Q = k): Promise<DiscountRefsTable[]> =>
      inChunks([...new Set(ids)], (chunk) => q.selectFrom('discount_refs').selectAll().where('account_id', '=', accountId).where('id', 'in', chunk).execute()),

    /** Inserts unless a unique key stops it (offering constraint, one live wildcard ref); true when inserted. */
    async insertRefIfAllowed(row: DiscountRefsTable, q: Trx): Promise<boolean> {
      const res = await q.insertInto('discount_refs').values(row).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    /** Soft-deletes the live refs of a rule held by these customer keys; `except` keys are kept. */
    async deleteRefs(discountPk: string, sel: { keys: readonly string[] } | { allExcept: readonly string[] }, del: { at: string; by: string }, q: Trx): Promise<number> {
      let qb = q
        .updateTable('discount_refs')
        .set({ deleted_at: del.at, deleted_by: del.by, updated_at: del.at })
        .where('discount_pk', '=', discountPk)
        .where('deleted_at', 'is', null);
      if ('keys' in sel) {
        if (sel.keys.length === 0) return 0;
        qb = qb.where('customer_key', 'in', [...sel.keys]);
      } else if (sel.allExcept.length > 0) {
        qb = qb.where('customer_key', 'not in', [...sel.allExcept]);
      }
      const res = await qb.executeTakeFirst();
      return Number(res.numUpdatedRows);
    },

    softDeleteRef: async (refId: string, del: { at: string; by: string }, q: Q = k): Promise<void> => {
      await q.updateTable('discount_refs').set({ deleted_at: del.at, deleted_by: del.by, updated_at: del.at }).where('id', '=', refId).execute();
    },

    listRuleRefs(discountPk: string, f: Page & { liveness: Liveness }): Promise<DiscountRefsTable[]> {
      let q = k.selectFrom('discount_refs').selectAll().where('discount_pk', '=', discountPk);
      if (f.liveness === 'live') q = q.where('deleted_at', 'is', null);
      if (f.liveness === 'deleted') q = q.where('deleted_at', 'is not', null);
      if (f.startingAfter !== undefined) q = q.where('id', '>', f.startingAfter);
      return q.orderBy('id').limit(f.limit).execute();
    },

    /**
     * Live refs of live, active rules whose visibility window holds `now`, held by these customer
     * keys (a customer id, `*`, `/`), in ref_id order.
     */
    async visibleRefs(accountId: string, keys: readonly string[], now: string, f: Page & { publicOnly?: boolean; campaignIds?: readonly string[] | undefined }): Promise<RefWithRule[]> {
      let q = refsWithRules(k)
        .where('f.account_id', '=', accountId)
        .where('f.customer_key', 'in', [...keys])
        .where('f.deleted_at', 'is', null)
        .where('r.deleted_at', 'is', null)
        .where('r.active', '=', 1)
        .where('r.purchase_to', '>=', now);
      if (f.publicOnly === true) q = q.where('r.private', '=', 0);
      if (f.campaignIds !== undefined) q = q.where('r.campaign_id', 'in', [...f.campaignIds]);
      if (f.startingAfter !== undefined) q = q.where('f.id', '>', f.startingAfter);
      return withRules(await q.orderBy('f.id').limit(f.limit).execute());
    },

    /** The live refs of rules that are not deleted, held by these customer keys (what a purchase may use). */
    /** Live refs of these holders (customer keys) on these rules. */
    purchaseRefs: (accountId: string, keys: readonly string[], discountPks: readonly string[]): Promise<DiscountRefsTable[]> =>
      discountPks.length === 0 ? Promise.resolve([]) : refsWithRules(k)
        .where('f.account_id', '=', accountId)
        .where('f.customer_key', 'in', [...keys])
        .where('f.discount_pk', 'in', [...discountPks])
        .where('f.deleted_at', 'is', null)
        .where('r.deleted_at', 'is', null)
        .orderBy('f.id')
        .execute(),

    /** Live wildcard refs (`*`, `/`) of these rules, for the tills' rule documents. */
    wildcardRefsOf: (discountPks: readonly string[]): Promise<DiscountRefsTable[]> =>
      discountPks.length === 0
        ? Promise.resolve([])
        : k
            .selectFrom('discount_refs')
            .selectAll()
            .where('discount_pk', 'in', [...discountPks])
            .where('customer_id', 'is', null)
            .where('deleted_at', 'is', null)
            .orderBy('id')
            .execute(),

    /** Live refs of active, live rules for these customers (keys), for rule search. */
    async searchRefs(accountId: string, keys: readonly string[], now: string): Promise<RefWithRule[]> {
      const rows = await refsWithRules(k)
        .where('f.account_id', '=', accountId)
        .where('f.customer_key', 'in', [...keys])
        .where('f.deleted_at', 'is', null)
        .where('r.deleted_at', 'is', null)
        .where('r.active', '=', 1)
        .where('r.purchase_from', '<=', now)
        .where('r.purchase_to', '>=', now)
        .orderBy('f.id')
        .execute();
      return withRules(rows);
    },

    /** Row locks on refs (PostgreSQL), taken in id order so concurrent writers never deadlock. */
    async lockRefs(refIds: readonly string[], q: Trx): Promise<void> {
      if (!postgres || refIds.length === 0) return;
      await q.selectFrom('discount_refs').select('id').where('id', 'in', [...new Set(refIds)].sort()).orderBy('id').forUpdate().execute();
    },

    // ------------------------------------------------------------ ledger

    /** Which of these idempotency keys the ledger has already (as `entryKeyOf` strings). */
    async existingEntryKeys(accountId: string, keys: readonly EntryKey[], q: Trx): Promise<Set<string>> {
      const refTypes = [...new Set(keys.map((e) => e.ref_type))];
      // By (account, ref, ref_type) — the index a receipt's or claim's entries are found by — then
      // narrowed to the holders asked about.
      const rows = await inChunks([...new Set(keys.map((e) => e.ref))], (chunk) =>
        q.selectFrom('discount_usages').select(['ref_id', 'buyer_key', 'ref_type', 'ref'])
          .where('account_id', '=', accountId).where('ref', 'in', chunk).where('ref_type', 'in', refTypes).execute());
      return new Set(rows.map(entryKeyOf));
    },

    /** Holder rows (totals, card, last seq) of these holders; absent ones have none yet. */
    holderRows: (keys: readonly HolderKey[], q: Trx): Promise<DiscountTotalsTable[]> =>
      inChunks(keys, (chunk) =>
        q.selectFrom('discount_totals').selectAll()
          .where((eb) => eb(eb.refTuple('discount_pk', 'ref_id', 'buyer_key'), 'in', chunk.map((h) => eb.tuple(h.discount_pk, h.ref_id, h.buyer_key))))
          .execute()),

    insertHolder: async (row: DiscountTotalsTable, q: Trx): Promise<void> => {
      await q.insertInto('discount_totals').values(row).execute();
    },

    /** Folds deltas into a holder row and sets its card and last seq. The caller holds the ref's lock. */
    updateHolder: async (key: HolderKey, d: Delta, set: { entries: number; card: string; updated_at: string }, q: Trx): Promise<void> => {
      await q
        .updateTable('discount_totals')
        .set((eb) => ({
          usage: eb('usage', '+', d.usage),
          stamp: eb('stamp', '+', d.stamp),
          amount: eb('amount', '+', d.amount),
          bonus: eb('bonus', '+', d.bonus),
          debit: eb('debit', '+', d.debit),
          ...set,
        }))
        .where('discount_pk', '=', key.discount_pk)
        .where('ref_id', '=', key.ref_id)
        .where('buyer_key', '=', key.buyer_key)
        .execute();
    },

    /** Folds deltas of `entries` new entries (and `holders` new holders) into a ref's row over all its holders. */
    async addRefTotals(accountId: string, discountPk: string, refId: string, d: Delta, n: { holders: number; entries: number }, at: string, by: string, q: Trx): Promise<void> {
      await addToAggregate(q, { discount_pk: discountPk, ref_id: refId }, d, { account_id: accountId, at, by, ...n });
    },

    /** Appends ledger entries (their keys checked new by the caller, under the refs' locks). */
    async insertEntries(rows: readonly DiscountUsagesTable[], q: Trx): Promise<void> {
      for (const chunk of statementChunks(rows, CHUNK / 2)) await q.insertInto('discount_usages').values(chunk).execute();
    },

    /** Folds deltas into a rule's totals row. */
    async addRuleTotals(accountId: string, discountPk: string, d: Delta, newHolders: number, at: string, by: string, q: Trx): Promise<void> {
      await addToAggregate(q, { discount_pk: discountPk, ref_id: '' }, d, { account_id: accountId, at, by, holders: newHolders, entries: 1 });
    },

    /** Replaces a holder's stamp card (after a reversal, rebuilt from the ledger). */
    setCard: async (refId: string, buyerKey: string, card: string, q: Trx): Promise<void> => {
      await q.updateTable('discount_totals').set({ card }).where('ref_id', '=', refId).where('buyer_key', '=', buyerKey).execute();
    },

    /** A holder's whole ledger, in order (for rebuilding its stamp card). */
    allHolderEntries: (refId: string, buyerKey: string, q: Q = k): Promise<DiscountUsagesTable[]> =>
      q.selectFrom('discount_usages').selectAll().where('ref_id', '=', refId).where('buyer_key', '=', buyerKey).orderBy('seq').execute(),

    /** Entries made by one operation (a claim, a receipt: one or more ref types) that no other entry reverses yet. */
    unreversedEntries: (accountId: string, refType: string | readonly string[], ref: string, q: Q = k): Promise<DiscountUsagesTable[]> =>
      q
        .selectFrom('discount_usages as u')
        .selectAll('u')
        .where('u.account_id', '=', accountId)
        .where('u.ref_type', 'in', typeof refType === 'string' ? [refType] : [...refType])
        .where('u.ref', '=', ref)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('discount_usages as r').select('r.id').whereRef('r.reverses', '=', 'u.id'))))
        .orderBy('u.ref_id')
        .execute(),

    /** `unreversedEntries` of several operations at once, ordered by operation, then ref, then seq. */
    unreversedEntriesOf: (accountId: string, refTypes: readonly string[], refs: readonly string[], q: Trx): Promise<DiscountUsagesTable[]> =>
      inChunks([...new Set(refs)].sort(), (chunk) =>
        q
          .selectFrom('discount_usages as u')
          .selectAll('u')
          .where('u.account_id', '=', accountId)
          .where('u.ref_type', 'in', [...refTypes])
          .where('u.ref', 'in', chunk)
          .where((eb) => eb.not(eb.exists(eb.selectFrom('discount_usages as r').select('r.id').whereRef('r.reverses', '=', 'u.id'))))
          .orderBy('u.ref')
          .orderBy('u.ref_id')
          .orderBy('u.seq')
          .execute()),

    /** Totals of holders: these refs, bought by `buyerKey`. */
    holderTotals: (refIds: readonly string[], buyerKey: string, q: Q = k): Promise<DiscountTotalsTable[]> =>
      refIds.length === 0
        ? Promise.resolve([])
        : q.selectFrom('discount_totals').selectAll().where('ref_id', 'in', [...refIds]).where('buyer_key', '=', buyerKey).execute(),

    /** Totals of refs over all their holders. */
    refTotals: (refIds: readonly string[]): Promise<DiscountTotalsTable[]> =>
      refIds.length === 0 ? Promise.resolve([]) : k.selectFrom('discount_totals').selectAll().where('ref_id', 'in', [...refIds]).where('buyer_key', '=', '').execute(),

    ruleTotals: (discountPks: readonly string[], q: Q = k): Promise<DiscountTotalsTable[]> =>
      discountPks.length === 0
        ? Promise.resolve([])
        : q.selectFrom('discount_totals').selectAll().where('discount_pk', 'in', [...discountPks]).where('ref_id', '=', '').execute(),

    /** Holder rows of a rule (the DiscountUsage list), in id order. */
    listHolders(discountPk: string, f: Page): Promise<DiscountTotalsTable[]> {
      let q = k.selectFrom('discount_totals').selectAll().where('discount_pk', '=', discountPk).where('ref_id', '<>', '').where('buyer_key', '<>', '');
      if (f.startingAfter !== undefined) q = q.where('id', '>', f.startingAfter);
      return q.orderBy('id').limit(f.limit).execute();
    },

    /** The newest `perHolder` entries of one holder, oldest first. */
    async holderEntries(refId: string, buyerKey: string, perHolder: number): Promise<DiscountUsagesTable[]> {
      const rows = await k
        .selectFrom('discount_usages')
        .selectAll()
        .where('ref_id', '=', refId)
        .where('buyer_key', '=', buyerKey)
        .orderBy('seq', 'desc')
        .limit(perHolder)
        .execute();
      return rows.reverse();
    },

    /** The rules an operation (a receipt: these ref types under its key) already has entries for. */
    async recordedRuleIds(accountId: string, refTypes: readonly string[], ref: string, q: Q = k): Promise<Set<string>> {
      const rows = await q
        .selectFrom('discount_usages')
        .select('discount_pk')
        .distinct()
        .where('account_id', '=', accountId)
        .where('ref', '=', ref)
        .where('ref_type', 'in', [...refTypes])
        .execute();
      return new Set(rows.map((r) => r.discount_pk));
    },

    /** `recordedRuleIds` of several operations at once: ref → rule ids with entries under it. */
    async recordedRuleIdsOf(accountId: string, refTypes: readonly string[], refs: readonly string[], q: Trx): Promise<Map<string, Set<string>>> {
      const rows = await inChunks([...new Set(refs)], (chunk) =>
        q.selectFrom('discount_usages').select(['ref', 'discount_pk']).distinct()
          .where('account_id', '=', accountId).where('ref', 'in', chunk).where('ref_type', 'in', [...refTypes]).execute());
      const out = new Map<string, Set<string>>();
      for (const r of rows) out.set(r.ref, (out.get(r.ref) ?? new Set<string>()).add(r.discount_pk));
      return out;
    },

    /**
     * Holder rows of these customers (their own refs and their share of `*` refs, deleted refs
     * and rules included), each with its rule row.
     */
    async customerHoldings(accountId: string, customerIds: readonly string[], q: Q = k): Promise<Array<DiscountTotalsTable & { rule: DiscountRulesTable }>> {
      if (customerIds.length === 0) return [];
      const rows = await q
        .selectFrom('discount_totals')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('customer_id', 'in', [...customerIds])
        .where('ref_id', '<>', '')
        .where('buyer_key', '<>', '')
        .orderBy('ref_id')
        .execute();
      const pks = [...new Set(rows.map((r) => r.discount_pk))];
      const rules = new Map((pks.length === 0 ? [] : await q.selectFrom('discount_rules').selectAll().where('id', 'in', pks).execute()).map((r) => [r.id, r]));
      return rows.flatMap((t) => {
        const rule = rules.get(t.discount_pk);
        return rule === undefined ? [] : [{ ...t, rule }];
      });
    },

    /** Refs given to these customers personally (deleted ones too), with their rules, in id order. */
    async customerRefsOf(accountId: string, customerIds: readonly string[]): Promise<RefWithRule[]> {
      if (customerIds.length === 0) return [];
      const rows = await k.selectFrom('discount_refs').selectAll().where('account_id', '=', accountId).where('customer_id', 'in', [...customerIds]).orderBy('id').execute();
      return withRules(rows);
    },

    // ------------------------------------------------------------ receipts seen by the ledger

    /**
     * The receipts' rows, inserted on first sight; on PostgreSQL locked until the transaction
     * ends, so everything done for one receipt happens one transaction at a time (a concurrent
     * first insert waits for the other's commit, then finds its row). `rows` must be in
     * receipt_key order: all are inserted in that order, then all are locked in it, which two
     * batches can never do in a cycle.
     */
    async lockReceipts(rows: readonly LoyaltyReceiptsTable[], q: Trx): Promise<Map<string, LoyaltyReceiptsTable>> {
      const [first] = rows;
      if (first === undefined) return new Map();
      for (const chunk of statementChunks(rows, CHUNK)) {
        await q.insertInto('loyalty_receipts').values(chunk).onConflict((oc) => oc.columns(['account_id', 'receipt_key']).doNothing()).execute();
      }
      const found = await inChunks(rows.map((r) => r.receipt_key), (chunk) => {
        const qb = q.selectFrom('loyalty_receipts').selectAll().where('account_id', '=', first.account_id).where('receipt_key', 'in', chunk).orderBy('receipt_key');
        return (postgres ? qb.forUpdate() : qb).execute();
      });
      return new Map(found.map((r) => [r.receipt_key, r]));
    },

    /** Marks receipts voided (once each; a later void keeps the first time). */
    markReceiptsVoided: async (accountId: string, keys: readonly string[], del: { at: string; by: string }, q: Trx): Promise<void> => {
      for (const chunk of statementChunks(keys, CHUNK)) {
        await q
          .updateTable('loyalty_receipts')
          .set({ voided_at: del.at, voided_by: del.by })
          .where('account_id', '=', accountId)
          .where('receipt_key', 'in', chunk)
          .where('voided_at', 'is', null)
          .execute();
      }
    },

    /** Receipt key → POS receipt_id, for showing a receipt's entries. */
    async receiptIdsByKey(accountId: string, keys: readonly string[]): Promise<Map<string, string>> {
      if (keys.length === 0) return new Map();
      const rows = await k.selectFrom('loyalty_receipts').select(['receipt_key', 'receipt_id']).where('account_id', '=', accountId).where('receipt_key', 'in', [...new Set(keys)]).execute();
      return new Map(rows.map((r) => [r.receipt_key, r.receipt_id]));
    },

    // ------------------------------------------------------------ claims

    findClaim: (accountId: string, id: string, q: Q = k): Promise<DiscountClaimsTable | undefined> =>
      q.selectFrom('discount_claims').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst(),

    findClaimByRef: (accountId: string, ref: string, q: Q = k): Promise<DiscountClaimsTable | undefined> =>
      q.selectFrom('discount_claims').selectAll().where('account_id', '=', accountId).where('ref', '=', ref).executeTakeFirst(),

    listClaims(accountId: string, f: Page & { ref?: string | undefined; customerId?: string | undefined; }): Promise<DiscountClaimsTable[]> {
      let q = k.selectFrom('discount_claims').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
      if (f.ref !== undefined) q = q.where('ref', '=', f.ref);
      if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
      if (f.startingAfter !== undefined) q = q.where('id', '>', f.startingAfter);
      return q.orderBy('id').limit(f.limit).execute();
    },

    async countClaims(accountId: string, f: { ref?: string | undefined; customerId?: string | undefined }): Promise<number> {
      let q = k.selectFrom('discount_claims').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', accountId).where('deleted_at', 'is', null);
      if (f.ref !== undefined) q = q.where('ref', '=', f.ref);
      if (f.customerId !== undefined) q = q.where('customer_id', '=', f.customerId);
      return Number((await q.executeTakeFirstOrThrow()).n);
    },

    insertClaim: async (row: DiscountClaimsTable, q: Trx): Promise<void> => {
      await q.insertInto('discount_claims').values(row).execute();
    },

    releaseClaim: async (id: string, del: { at: string; by: string }, q: Trx): Promise<void> => {
      await q.updateTable('discount_claims').set({ deleted_at: del.at, deleted_by: del.by }).where('id', '=', id).execute();
    },

    // ------------------------------------------------------------ customer tokens

    async upsertToken(row: DiscountCustomerTokensTable, q: Trx): Promise<void> {
      await q
        .insertInto('discount_customer_tokens')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['account_id', 'token_type', 'token_value']).doUpdateSet({ token_id: row.token_id, customer_id: row.customer_id, updated_at: row.updated_at, removed_at: null }),
        )
        .execute();
    },

    async removeToken(accountId: string, t: { token_id?: string | undefined; type?: string | undefined; value?: string | undefined }, at: string, q: Trx): Promise<void> {
      let qb = q.updateTable('discount_customer_tokens').set({ removed_at: at, updated_at: at }).where('account_id', '=', accountId).where('removed_at', 'is', null);
      if (t.type !== undefined && t.value !== undefined) qb = qb.where('token_type', '=', t.type).where('token_value', '=', t.value);
      else if (t.token_id !== undefined) qb = qb.where('token_id', '=', t.token_id);
      else return;
      await qb.execute();
    },

    /** The customer a live token belongs to: by token_id, else type + value, else value alone. */
    async resolveToken(accountId: string, t: { token_id?: string | undefined; type?: string | undefined; value?: string | undefined }, q: Q = k): Promise<string | undefined> {
      let qb = q.selectFrom('discount_customer_tokens').select('customer_id').where('account_id', '=', accountId).where('removed_at', 'is', null);
      if (t.token_id !== undefined) qb = qb.where('token_id', '=', t.token_id);
      else if (t.value !== undefined && t.type !== undefined) qb = qb.where('token_type', '=', t.type).where('token_value', '=', t.value);
      else if (t.value !== undefined) qb = qb.where('token_value', '=', t.value);
      else return undefined;
      const rows = await qb.limit(2).execute();
      // A bare value that two customers hold (under different token types) names nobody.
      return rows.length === 1 ? rows[0]?.customer_id : undefined;
    },

    /**
     * Live tokens matching any of these (by token_id, by type + value, or by value alone), for
     * resolving many receipts' buyers in one query; the caller applies `resolveToken`'s rules.
     */
    async liveTokensMatching(accountId: string, t: { tokenIds: readonly string[]; typed: ReadonlyArray<{ type: string; value: string }>; values: readonly string[] }, q: Q = k): Promise<DiscountCustomerTokensTable[]> {
      if (t.tokenIds.length === 0 && t.typed.length === 0 && t.values.length === 0) return [];
      return q
        .selectFrom('discount_customer_tokens')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('removed_at', 'is', null)
        .where((eb) => eb.or([
          ...(t.tokenIds.length === 0 ? [] : [eb('token_id', 'in', [...t.tokenIds])]),
          ...(t.typed.length === 0 ? [] : [eb(eb.refTuple('token_type', 'token_value'), 'in', t.typed.map((x) => eb.tuple(x.type, x.value)))]),
          ...(t.values.length === 0 ? [] : [eb('token_value', 'in', [...t.values])]),
        ]))
        .execute();
    },

    // ------------------------------------------------------------ event deliveries

    /** Records a delivery id; false when it was recorded before (a redelivery). */
    async recordDelivery(accountId: string, deliveryId: string, event: string, at: string, q: Trx): Promise<boolean> {
      const res = await q
        .insertInto('discount_event_deliveries')
        .values({ account_id: accountId, delivery_id: deliveryId, event, created_at: at })
        .onConflict((oc) => oc.columns(['account_id', 'delivery_id']).doNothing())
        .executeTakeFirst();
      return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    // ------------------------------------------------------------ automations

    findAutomation: (accountId: string, id: string, q: Q = k): Promise<AutomationsTable | undefined> =>
      q.selectFrom('automations').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst(),

    listAutomations(accountId: string, f: Page & { liveness: Liveness }): Promise<AutomationsTable[]> {
      let q = k.selectFrom('automations').selectAll().where('account_id', '=', accountId);
      if (f.liveness === 'live') q = q.where('deleted_at', 'is', null);
      if (f.liveness === 'deleted') q = q.where('deleted_at', 'is not', null);
      if (f.startingAfter !== undefined) q = q.where('id', '>', f.startingAfter);
      return q.orderBy('id').limit(f.limit).execute();
    },

    /** Live automations whose window holds `now`. */
    activeAutomations: (accountId: string, now: string, q: Q = k): Promise<AutomationsTable[]> =>
      q
        .selectFrom('automations')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .where('automation_from', '<=', now)
        .where('automation_to', '>=', now)
        .orderBy('id')
        .execute(),

    liveAutomations: (accountId: string, q: Q = k): Promise<AutomationsTable[]> =>
      q.selectFrom('automations').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null).orderBy('id').execute(),

    insertAutomation: async (row: AutomationsTable, q: Q = k): Promise<void> => {
      await q.insertInto('automations').values(row).execute();
    },

    softDeleteAutomations: async (ids: readonly string[], del: { at: string; by: string }, q: Q = k): Promise<void> => {
      if (ids.length === 0) return;
      await q.updateTable('automations').set({ deleted_at: del.at, deleted_by: del.by, updated_at: del.at }).where('id', 'in', [...ids]).where('deleted_at', 'is', null).execute();
    },

    /** Records a run; false when this automation already ran for this event. */
    async insertRun(row: AutomationRunsTable, q: Trx): Promise<boolean> {
      const res = await q.insertInto('automation_runs').values(row).onConflict((oc) => oc.columns(['automation_pk', 'event_key']).doNothing()).executeTakeFirst();
      return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    async countRuns(automationPk: string, customerKey: string, q: Q = k): Promise<number> {
      const row = await q
        .selectFrom('automation_runs')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('automation_pk', '=', automationPk)
        .where('customer_key', '=', customerKey)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Locks an automation's row (PostgreSQL) so its repeat count cannot be raced past. */
    async lockAutomation(id: string, q: Trx): Promise<void> {
      if (postgres) await q.selectFrom('automations').select('id').where('id', '=', id).forUpdate().execute();
    },
  };
}

export type DiscountRepo = ReturnType<typeof createDiscountRepo>;
