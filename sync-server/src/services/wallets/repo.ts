/** SQL for the Wallets service. Money rows are only ever inserted. */
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { createGroupCommit } from '../../db/group-commit.ts';
import { uniqueViolation } from '../../db/unique-violation.ts';
import type { Database, WalletCardsTable, WalletTokensTable, WalletTransactionsTable } from '../../db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

/** What a request needs of the token it came with. */
export type TokenRef = Pick<WalletTokensTable, 'id' | 'account_id' | 'kind' | 'expires_at' | 'expires_after_transaction'>;

export function createWalletRepo(db: Db) {
  const k = db.kysely;
  const sqliteWriter = db.dialect === 'sqlite' ? createGroupCommit(k) : undefined;
  return {
    dialect: db.dialect,

    /**
     * One request's reads and writes as a single transaction. On SQLite (one writer) concurrent
     * units are group-committed; on PostgreSQL each is its own transaction and takes row locks
     * with `lockCard`. A unit that must keep some writes while refusing (an auth failure it
     * recorded) returns its refusal instead of throwing it.
     */
    unitOfWork<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return sqliteWriter === undefined ? k.transaction().execute(fn) : sqliteWriter.run(fn);
    },

    /**
     * Serialises writers of one card until the transaction ends. SQLite needs nothing: it has one
     * writer. The unique (card_pk, seq) constraint is the last line of defence either way.
     */
    async lockCard(cardPk: string, trx: Transaction<Database>): Promise<void> {
      if (db.dialect === 'postgres') await trx.selectFrom('wallet_cards').select('id').where('id', '=', cardPk).forUpdate().execute();
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

    cardsByPk: (accountId: string, pks: readonly string[]): Promise<WalletCardsTable[]> =>
      pks.length === 0 ? Promise.resolve([]) : k.selectFrom('wallet_cards').selectAll().where('account_id', '=', accountId).where('id', 'in', pks).execute(),

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

    /** In one read: the entry already made with this ref_id (a replay), and the card's newest entry. */
    async replayAndHead(cardPk: string, refId: string, q: Q): Promise<{ replay: WalletTransactionsTable | undefined; head: WalletTransactionsTable | undefined }> {
      const rows = await q
        .selectFrom('wallet_transactions')
        .selectAll()
        .where('card_pk', '=', cardPk)
        .where((eb) => eb.or([
          eb('ref_id', '=', refId),
          eb('seq', '=', eb.selectFrom('wallet_transactions').select((e) => e.fn.max('seq').as('m')).where('card_pk', '=', cardPk)),
        ]))
        .execute();
      let head: WalletTransactionsTable | undefined;
      for (const r of rows) if (head === undefined || r.seq > head.seq) head = r;
      return { replay: rows.find((r) => r.ref_id === refId), head };
    },

    head: (cardPk: string, q: Q = k): Promise<WalletTransactionsTable | undefined> =>
      q.selectFrom('wallet_transactions').selectAll().where('card_pk', '=', cardPk).orderBy('seq', 'desc').limit(1).executeTakeFirst(),

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
      (await q.selectFrom('wallet_token_uses').select('token_id').where('token_id', '=', tokenId).executeTakeFirst()) !== undefined,

    useToken: async (tokenId: string, transactionId: string, at: string, q: Q): Promise<void> => {
      await q.insertInto('wallet_token_uses').values({ token_id: tokenId, transaction_id: transactionId, created_at: at }).execute();
    },

    /**
     * The hot path of every token-based request in one statement: the token, its card, and how
     * many unknown tokens this client sent lately (for the guessing limit).
     */
    async findTokenWithCard(tokenHash: string, clientId: string, failuresSince: string, q: Q = k): Promise<{ token: TokenRef; card: WalletCardsTable; clientFailures: number } | undefined> {
      const row = await q
        .selectFrom('wallet_tokens as t')
        .innerJoin('wallet_cards as c', 'c.id', 't.card_pk')
        .selectAll('c')
        .select(['t.id as t_id', 't.account_id as t_account_id', 't.kind as t_kind', 't.expires_at as t_expires_at', 't.expires_after_transaction as t_single_use'])
        .select((eb) =>
          eb
            .selectFrom('wallet_auth_events')
            .select((e) => e.fn.countAll<number | string>().as('n'))
            .where('client_id', '=', clientId)
            .where('kind', '=', 'token')
            .where('outcome', '=', 'fail')
            .where('created_at', '>', failuresSince)
            .as('client_failures'),
        )
        .where('t.token_hash', '=', tokenHash)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const { t_id, t_account_id, t_kind, t_expires_at, t_single_use, client_failures, ...card } = row;
      return {
        token: { id: t_id, account_id: t_account_id, kind: t_kind, expires_at: t_expires_at, expires_after_transaction: t_single_use },
        card,
        clientFailures: Number(client_failures ?? 0),
      };
    },

    findTokenByRef: (cardPk: string, refId: string, q: Q = k): Promise<WalletTokensTable | undefined> =>
      q.selectFrom('wallet_tokens').selectAll().where('card_pk', '=', cardPk).where('ref_id', '=', refId).executeTakeFirst(),

    insertToken: async (row: WalletTokensTable, q: Q = k): Promise<void> => {
      await q.insertInto('wallet_tokens').values(row).execute();
    },

    /** The cards' own (PIN) tokens still valid at `now`, for offline lookup keys. */
    offlineTokensOf: (cardPks: readonly string[], now: string): Promise<Array<Pick<WalletTokensTable, 'id' | 'card_pk' | 'token_hash' | 'offline_lookup'>>> =>
      cardPks.length === 0
        ? Promise.resolve([])
        : k.selectFrom('wallet_tokens').select(['id', 'card_pk', 'token_hash', 'offline_lookup']).where('card_pk', 'in', cardPks).where('kind', '=', 'card').where('expires_at', '>', now).execute(),

    setOfflineLookup: async (tokenId: string, key: string): Promise<void> => {
      await k.updateTable('wallet_tokens').set({ offline_lookup: key }).where('id', '=', tokenId).execute();
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

    clientFailures: async (clientId: string, kind: string, since: string, q: Q = k): Promise<number> => {
      const row = await q
        .selectFrom('wallet_auth_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('client_id', '=', clientId)
        .where('kind', '=', kind)
        .where('outcome', '=', 'fail')
        .where('created_at', '>', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** True when the error is a unique-constraint violation (a racing duplicate). */
    isUniqueViolation: (e: unknown): boolean => uniqueViolation(e) !== undefined,
  };
}

export type WalletRepo = ReturnType<typeof createWalletRepo>;
