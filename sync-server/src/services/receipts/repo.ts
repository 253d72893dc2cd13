/**
 * SQL for the Receipts service. Every query is scoped to an account.
 *
 * Writes: a batch is inserted with `ON CONFLICT (identity) DO NOTHING RETURNING id`, so the unique
 * index — not a read before the write — decides which receipts are new; rows go in sorted by
 * identity so two PostgreSQL transactions inserting overlapping batches wait on each other in the
 * same order instead of deadlocking. Batches that record loyalty take an account lock first (see
 * `lockLoyalty`); a transaction that still loses a deadlock or serialization race (to another
 * path into the ledger) is run again, a few times. SQLite has one writer: concurrent batches are
 * group-committed (one commit for all of them, each in its own savepoint).
 */
import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { statementChunks, type Db } from '../../db/connect.ts';
import { createGroupCommit } from '../../db/group-commit.ts';
import type { Database } from '../../db/schema.ts';
import type { ReceiptsTable } from '../../db/tables/receipts.ts';

type Q = Kysely<Database> | Transaction<Database>;
export type Trx = Transaction<Database>;

/** A receipt's dedupe identity as stored (purchase_at already in UTC). */
export interface Identity {
  store_id: string;
  receipt_id: string;
  purchase_at: string;
  voided: number;
}

export type IdentityRow = Identity & Pick<ReceiptsTable, 'id' | 'voided_by'>;

/** Rows per statement at most (see `statementChunks`): 128 × 17 parameters, well inside both databases' limits. */
const INSERT_CHUNK = 128;

/** The receipts table's columns, in the order `insertNew` binds them. */
const COLUMNS = [
  'id', 'account_id', 'store_id', 'receipt_id', 'purchase_at', 'voided', 'entry_status', 'customer_id', 'voided_by', 'token_claimed_at',
  'item_keys', 'body', 'created_at', 'created_by', 'updated_at', 'deleted_at', 'deleted_by',
] as const satisfies ReadonlyArray<keyof ReceiptsTable>;
/** Attempts of one PostgreSQL transaction that lost a deadlock or serialization race. */
const PG_ATTEMPTS = 5;

const retryable = (e: unknown): boolean => typeof e === 'object' && e !== null && 'code' in e && (e.code === '40P01' || e.code === '40001');

const byIdentity = (a: Identity, b: Identity): number =>
  a.store_id < b.store_id ? -1 : a.store_id > b.store_id ? 1
    : a.receipt_id < b.receipt_id ? -1 : a.receipt_id > b.receipt_id ? 1
      : a.purchase_at < b.purchase_at ? -1 : a.purchase_at > b.purchase_at ? 1
        : a.voided - b.voided;

export function createReceiptRepo(db: Db) {
  const k = db.kysely;
  const sqliteWriter = db.dialect === 'sqlite' ? createGroupCommit(k) : undefined;

  /**
   * `INSERT … ON CONFLICT (identity) DO NOTHING RETURNING id` for `n` rows, written out once per
   * row count. The batch insert is the hot statement of receipt ingest, and having Kysely build and
   * compile it cost about as much per row as SQLite's insert itself.
   */
  const insertSql = new Map<number, string>();
  function insertStatement(n: number): string {
    let text = insertSql.get(n);
    if (text === undefined) {
      let p = 0;
      const param = (): string => (db.dialect === 'postgres' ? `$${(p += 1)}` : '?');
      const rows = Array.from({ length: n }, () => `(${COLUMNS.map(param).join(', ')})`);
      text = `insert into receipts (${COLUMNS.join(', ')}) values ${rows.join(', ')} on conflict (account_id, store_id, receipt_id, purchase_at, voided) do nothing returning id`;
      insertSql.set(n, text);
    }
    return text;
  }

  async function pgTransaction<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await k.transaction().execute(fn);
      } catch (e) {
        if (!retryable(e) || attempt >= PG_ATTEMPTS) throw e;
        // Jitter, so the two losers of a cycle do not meet again at once.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20 * attempt)));
      }
    }
  }

  return {
    dialect: db.dialect,

    /**
     * One request's writes as one transaction: group-committed on SQLite, retried on a lost
     * deadlock on PostgreSQL. `fn` may run more than once on PostgreSQL; it must not act outside
     * the transaction (it returns what to do after the commit instead).
     */
    unitOfWork<T>(fn: (trx: Trx) => Promise<T>): Promise<T> {
      return sqliteWriter === undefined ? pgTransaction(fn) : sqliteWriter.run(fn);
    },

    async getOrCreateSecret(name: string, now: string): Promise<string> {
      await k.insertInto('server_secrets').values({ name, value: randomBytes(32).toString('base64url'), created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const row = await k.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return row.value;
    },

    /**
     * PostgreSQL: takes a transaction lock per sale identity (a sale and its void share one), in
     * one order for everyone, so a sale and its void stored at the same moment by two requests are
     * handled one after the other — each sees the other committed or not at all. SQLite: nothing
     * to do, it has one writer.
     */
    async lockIdentities(accountId: string, saleKeys: readonly string[], trx: Trx): Promise<void> {
      if (db.dialect !== 'postgres' || saleKeys.length === 0) return;
      const keys = [...new Set(saleKeys)].map((key) => `receipts\u001f${accountId}\u001f${key}`);
      await sql`select pg_advisory_xact_lock(h) from (select distinct hashtextextended(k, 0) as h from unnest(${keys}::text[]) as k order by h) as s`.execute(trx);
    },

    /**
     * PostgreSQL: one batch at a time per account records loyalty. The Discounts service locks a
     * receipt's refs and its rules' totals, one receipt after another; two batches sharing rules
     * would otherwise take them in different orders and deadlock (costing a detection timeout
     * and a retry). Taken after the identity locks, so it never waits inside a cycle with them.
     */
    async lockLoyalty(accountId: string, trx: Trx): Promise<void> {
      if (db.dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext('receipts-loyalty'), hashtext(${accountId}))`.execute(trx);
    },

    /** Inserts the receipts that are new; returns the ids of those stored (duplicates are skipped). */
    async insertNew(rows: readonly ReceiptsTable[], trx: Trx): Promise<Set<string>> {
      const stored = new Set<string>();
      for (const chunk of statementChunks([...rows].sort(byIdentity), INSERT_CHUNK)) {
        const params: unknown[] = [];
        for (const row of chunk) for (const c of COLUMNS) params.push(row[c]);
        const out = await trx.executeQuery(CompiledQuery.raw(insertStatement(chunk.length), params));
        for (const r of out.rows) if (typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'string') stored.add(r.id);
      }
      return stored;
    },

    /** Stored receipts with these identities (any void flag given in them is ignored: both kinds are returned). */
    async withIdentities(accountId: string, keys: readonly Omit<Identity, 'voided'>[], trx: Trx): Promise<IdentityRow[]> {
      const out: IdentityRow[] = [];
      for (const chunk of statementChunks(keys, INSERT_CHUNK)) {
        const rows = await trx
          .selectFrom('receipts')
          .select(['id', 'store_id', 'receipt_id', 'purchase_at', 'voided', 'voided_by'])
          .where('account_id', '=', accountId)
          .where((eb) => eb(eb.refTuple('store_id', 'receipt_id', 'purchase_at'), 'in', chunk.map((c) => eb.tuple(c.store_id, c.receipt_id, c.purchase_at))))
          .execute();
        out.push(...rows);
      }
      return out;
    },

    /** One receipt by server id; `lock` holds its row until the transaction ends (PostgreSQL). */
    async byId(accountId: string, id: string, q: Q = k, lock = false): Promise<ReceiptsTable | undefined> {
      let query = q.selectFrom('receipts').selectAll().where('account_id', '=', accountId).where('id', '=', id);
      if (lock && db.dialect === 'postgres') query = query.forUpdate();
      return query.executeTakeFirst();
    },

    /** Up to `limit` receipts (not void records) with this POS receipt id, of one customer if given. */
    byPosId: (accountId: string, receiptId: string, o: { customerId?: string | undefined; limit: number }, q: Q = k): Promise<ReceiptsTable[]> => {
      let query = q.selectFrom('receipts').selectAll().where('account_id', '=', accountId).where('receipt_id', '=', receiptId).where('voided', '=', 0);
      if (o.customerId !== undefined) query = query.where('customer_id', '=', o.customerId);
      return query.orderBy('id').limit(o.limit).execute();
    },

    /** A customer's receipts, newest purchase first, after the (purchase_at, id) of the cursor row. */
    byCustomer: (accountId: string, customerId: string, o: { limit: number; after?: { purchase_at: string; id: string } | undefined }): Promise<ReceiptsTable[]> => {
      let query = k.selectFrom('receipts').selectAll().where('account_id', '=', accountId).where('customer_id', '=', customerId);
      const after = o.after;
      if (after !== undefined) {
        query = query.where((eb) => eb.or([eb('purchase_at', '<', after.purchase_at), eb.and([eb('purchase_at', '=', after.purchase_at), eb('id', '<', after.id)])]));
      }
      return query.orderBy('purchase_at', 'desc').orderBy('id', 'desc').limit(o.limit).execute();
    },

    /** Every receipt with this POS receipt id, in storing order, after the cursor id. */
    search: (accountId: string, receiptId: string, o: { limit: number; startingAfter?: string | undefined }): Promise<ReceiptsTable[]> => {
      let query = k.selectFrom('receipts').selectAll().where('account_id', '=', accountId).where('receipt_id', '=', receiptId);
      if (o.startingAfter !== undefined) query = query.where('id', '>', o.startingAfter);
      return query.orderBy('id').limit(o.limit).execute();
    },

    /**
     * Writes a changed receipt. `expect` guards the write (`customer_id` still null, token not yet
     * spent); returns false when another writer got there first and nothing was written.
     */
    async update(
      row: Pick<ReceiptsTable, 'id' | 'account_id'>,
      set: Partial<Pick<ReceiptsTable, 'customer_id' | 'voided_by' | 'token_claimed_at' | 'body' | 'updated_at'>>,
      expect: { customerIdNull?: boolean; tokenUnclaimed?: boolean },
      trx: Trx,
    ): Promise<boolean> {
      let query = trx.updateTable('receipts').set(set).where('account_id', '=', row.account_id).where('id', '=', row.id);
      if (expect.customerIdNull === true) query = query.where('customer_id', 'is', null);
      if (expect.tokenUnclaimed === true) query = query.where('token_claimed_at', 'is', null);
      const res = await query.executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    /**
     * Identified, counting receipts (no void records, not voided, not Training/Cancelled) for the
     * segment, a page at a time in the customer index's order (customer_id, purchase_at, id).
     */
    segmentPage: (
      accountId: string,
      o: {
        purchaseFrom?: string | undefined;
        purchaseTo?: string | undefined;
        storeIds?: readonly string[] | undefined;
        after?: { customer_id: string; purchase_at: string; id: string } | undefined;
        limit: number;
      },
    ): Promise<Array<Pick<ReceiptsTable, 'id' | 'customer_id' | 'purchase_at' | 'item_keys'>>> => {
      let query = k
        .selectFrom('receipts')
        .select(['id', 'customer_id', 'purchase_at', 'item_keys'])
        .where('account_id', '=', accountId)
        .where('customer_id', 'is not', null)
        .where('voided', '=', 0)
        .where('voided_by', 'is', null)
        .where((eb) => eb.or([eb('entry_status', 'is', null), eb('entry_status', 'not in', ['Training', 'Cancelled'])]));
      if (o.purchaseFrom !== undefined) query = query.where('purchase_at', '>=', o.purchaseFrom);
      if (o.purchaseTo !== undefined) query = query.where('purchase_at', '<=', o.purchaseTo);
      if (o.storeIds !== undefined && o.storeIds.length > 0) query = query.where('store_id', 'in', o.storeIds);
      const after = o.after;
      if (after !== undefined) {
        query = query.where((eb) => eb(eb.refTuple('customer_id', 'purchase_at', 'id'), '>', eb.tuple(after.customer_id, after.purchase_at, after.id)));
      }
      return query.orderBy('customer_id').orderBy('purchase_at').orderBy('id').limit(o.limit).execute();
    },
  };
}

export type ReceiptRepo = ReturnType<typeof createReceiptRepo>;
