/** SQL for the Wallets service. Money rows are only ever inserted. */
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { Database, WalletCardsTable, WalletTokensTable, WalletTransactionsTable } from '../../db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

export function createWalletRepo(db: Db) {
  const k = db.kysely;
  return {
    dialect: db.dialect,

    /**
     * Runs `fn` in a transaction that holds the card's lock: on PostgreSQL a row lock (other
     * writers to the same card wait), on SQLite the single writer connection. The unique
     * (card_pk, seq) constraint is the last line of defence either way.
     */
    withCardLock<T>(cardPk: string, fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return k.transaction().execute(async (trx) => {
        if (db.dialect === 'postgres') {
          await trx.selectFrom('wallet_cards').select('id').where('id', '=', cardPk).forUpdate().execute();
        }
        return fn(trx);
      });
    },

    transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return k.transaction().execute(fn);
    },

    async getOrCreateSecret(name: string, make: () => string, now: string): Promise<string> {
      await k.insertInto('server_secrets').values({ name, value: make(), created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const row = await k.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return row.value;
    },

    findCard: (accountId: string, cardId: string, q: Q = k): Promise<WalletCardsTable | undefined> =>
      q.selectFrom('wallet_cards').selectAll().where('account_id', '=', accountId).where('card_id', '=', cardId).executeTakeFirst(),

    findCardByPk: (cardPk: string, q: Q = k): Promise<WalletCardsTable | undefined> =>
      q.selectFrom('wallet_cards').selectAll().where('id', '=', cardPk).executeTakeFirst(),

    insertCard: async (row: WalletCardsTable, q: Q = k): Promise<void> => {
      await q.insertInto('wallet_cards').values(row).execute();
    },

    softDeleteCard: async (cardPk: string, at: string, by: string, q: Q = k): Promise<void> => {
      await q.updateTable('wallet_cards').set({ deleted_at: at, deleted_by: by }).where('id', '=', cardPk).where('deleted_at', 'is', null).execute();
    },

    listCards: (
      accountId: string,
      o: { limit: number; startingAfter?: string | undefined; includeDeleted: boolean; customerId?: string | undefined },
    ): Promise<WalletCardsTable[]> => {
      let q = k.selectFrom('wallet_cards').selectAll().where('account_id', '=', accountId);
      if (!o.includeDeleted) q = q.where('deleted_at', 'is', null);
      if (o.customerId !== undefined) q = q.where('customer_id', '=', o.customerId);
      if (o.startingAfter !== undefined) q = q.where('card_id', '>', o.startingAfter);
      return q.orderBy('card_id').limit(o.limit).execute();
    },

    /** The newest ledger entry of each card: its running totals are the card's balances. */
    heads: async (cardPks: readonly string[], q: Q = k): Promise<Map<string, WalletTransactionsTable>> => {
      const out = new Map<string, WalletTransactionsTable>();
      if (cardPks.length === 0) return out;
      const rows = await q
        .selectFrom('wallet_transactions as t')
        .selectAll('t')
        .where('t.card_pk', 'in', cardPks)
        .where('t.seq', '=', (eb) => eb.selectFrom('wallet_transactions as u').select((e) => e.fn.max('u.seq').as('m')).whereRef('u.card_pk', '=', 't.card_pk'))
        .execute();
      for (const r of rows) out.set(r.card_pk, r);
      return out;
    },

    head: (cardPk: string, q: Q = k): Promise<WalletTransactionsTable | undefined> =>
      q.selectFrom('wallet_transactions').selectAll().where('card_pk', '=', cardPk).orderBy('seq', 'desc').limit(1).executeTakeFirst(),

    findTransactionByRef: (cardPk: string, refId: string, q: Q = k): Promise<WalletTransactionsTable | undefined> =>
      q.selectFrom('wallet_transactions').selectAll().where('card_pk', '=', cardPk).where('ref_id', '=', refId).executeTakeFirst(),

    findTransaction: (accountId: string, id: string, q: Q = k): Promise<WalletTransactionsTable | undefined> =>
      q.selectFrom('wallet_transactions').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst(),

    /** Captures and voids that settle a pending entry. */
    settlementsOf: (parentIds: readonly string[], q: Q = k): Promise<Array<Pick<WalletTransactionsTable, 'parent_id' | 'type' | 'amount'>>> =>
      parentIds.length === 0
        ? Promise.resolve([])
        : q.selectFrom('wallet_transactions').select(['parent_id', 'type', 'amount']).where('parent_id', 'in', parentIds).execute(),

    insertTransaction: async (row: WalletTransactionsTable, q: Q = k): Promise<void> => {
      await q.insertInto('wallet_transactions').values(row).execute();
    },

    listTransactions: (cardPk: string): Promise<WalletTransactionsTable[]> =>
      k.selectFrom('wallet_transactions').selectAll().where('card_pk', '=', cardPk).orderBy('seq').execute(),

    tokenUsed: async (tokenId: string, q: Q = k): Promise<boolean> =>
      (await q.selectFrom('wallet_transactions').select('id').where('token_id', '=', tokenId).limit(1).executeTakeFirst()) !== undefined,

    findTokenByHash: (tokenHash: string): Promise<WalletTokensTable | undefined> =>
      k.selectFrom('wallet_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),

    findTokenByRef: (cardPk: string, refId: string, q: Q = k): Promise<WalletTokensTable | undefined> =>
      q.selectFrom('wallet_tokens').selectAll().where('card_pk', '=', cardPk).where('ref_id', '=', refId).executeTakeFirst(),

    insertToken: async (row: WalletTokensTable, q: Q = k): Promise<void> => {
      await q.insertInto('wallet_tokens').values(row).execute();
    },

    tokensOf: (cardPks: readonly string[]): Promise<WalletTokensTable[]> =>
      cardPks.length === 0 ? Promise.resolve([]) : k.selectFrom('wallet_tokens').selectAll().where('card_pk', 'in', cardPks).orderBy('created_at').execute(),

    recordAuthEvent: async (row: { id: string; account_id: string; card_pk: string | null; client_id: string; kind: string; outcome: string; created_at: string }, q: Q = k): Promise<void> => {
      await q.insertInto('wallet_auth_events').values(row).execute();
    },

    /** Newest-first outcomes of one kind of check on a card since `since`. */
    cardAuthEvents: (cardPk: string, kind: string, since: string, limit: number, q: Q = k) =>
      q
        .selectFrom('wallet_auth_events')
        .select(['outcome', 'client_id', 'created_at'])
        .where('card_pk', '=', cardPk)
        .where('kind', '=', kind)
        .where('created_at', '>', since)
        .orderBy('created_at', 'desc')
        .limit(limit)
        .execute(),

    clientFailures: async (clientId: string, kind: string, since: string): Promise<number> => {
      const row = await k
        .selectFrom('wallet_auth_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('client_id', '=', clientId)
        .where('kind', '=', kind)
        .where('outcome', '=', 'fail')
        .where('created_at', '>', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** True when the error is a unique-constraint violation (a racing duplicate), on either database. */
    isUniqueViolation(e: unknown): boolean {
      if (typeof e !== 'object' || e === null || !('code' in e)) return false;
      return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
  };
}

export type WalletRepo = ReturnType<typeof createWalletRepo>;
