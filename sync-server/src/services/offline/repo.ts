/** SQL for the Offline service: its own tables (0010) and its key in server_secrets. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import type { OfflineSettingsTable, OfflineStorePoliciesTable, WalletOfflineEntriesTable, WalletOfflineExceptionsTable } from '../../db/tables/offline.ts';

type Q = Kysely<Database> | Transaction<Database>;

export function createOfflineRepo(k: Kysely<Database>) {
  return {
    async getOrCreateSecret(name: string, make: () => string, now: string): Promise<string> {
      await k.insertInto('server_secrets').values({ name, value: make(), created_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const row = await k.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
      return row.value;
    },

    /** The account's settings row, made (with a new salt, default policy) on first use; racing makers agree on one. */
    async ensureSettings(accountId: string, salt: () => string, now: string): Promise<OfflineSettingsTable> {
      const found = await k.selectFrom('offline_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
      if (found !== undefined) return found;
      await k.insertInto('offline_settings')
        .values({ account_id: accountId, policy: null, lookup_salt: salt(), created_at: now, updated_at: now, updated_by: null })
        .onConflict((oc) => oc.column('account_id').doNothing())
        .execute();
      return k.selectFrom('offline_settings').selectAll().where('account_id', '=', accountId).executeTakeFirstOrThrow();
    },

    async setPolicy(accountId: string, policy: string, at: string, by: string): Promise<void> {
      await k.updateTable('offline_settings').set({ policy, updated_at: at, updated_by: by }).where('account_id', '=', accountId).execute();
    },

    getStorePolicy: (accountId: string, storeId: string): Promise<OfflineStorePoliciesTable | undefined> =>
      k.selectFrom('offline_store_policies').selectAll().where('account_id', '=', accountId).where('store_id', '=', storeId).executeTakeFirst(),

    async putStorePolicy(row: OfflineStorePoliciesTable): Promise<void> {
      await k.insertInto('offline_store_policies').values(row)
        .onConflict((oc) => oc.columns(['account_id', 'store_id']).doUpdateSet({ policy: row.policy, updated_at: row.updated_at, updated_by: row.updated_by }))
        .execute();
    },

    async deleteStorePolicy(accountId: string, storeId: string): Promise<boolean> {
      const r = await k.deleteFrom('offline_store_policies').where('account_id', '=', accountId).where('store_id', '=', storeId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    findEntry: (q: Q, accountId: string, cardKey: string, refId: string): Promise<WalletOfflineEntriesTable | undefined> =>
      q.selectFrom('wallet_offline_entries').selectAll().where('account_id', '=', accountId).where('card_key', '=', cardKey).where('ref_id', '=', refId).executeTakeFirst(),

    async insertEntry(q: Q, row: WalletOfflineEntriesTable): Promise<void> {
      await q.insertInto('wallet_offline_entries').values(row).execute();
    },

    /** This terminal's earlier entries on one card under one allowance version: how many, and how much. */
    async allowanceUse(q: Q, cardKey: string, version: number, terminalId: string): Promise<{ count: number; amount: number }> {
      const r = await q.selectFrom('wallet_offline_entries')
        .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.sum<number | string | null>('amount').as('s')])
        .where('card_key', '=', cardKey).where('allowance_version', '=', version).where('terminal_id', '=', terminalId)
        .executeTakeFirstOrThrow();
      return { count: Number(r.n), amount: Number(r.s ?? 0) };
    },

    /** What this terminal handed out under one lease so far, all cards. */
    async leaseUse(q: Q, leaseId: string, terminalId: string): Promise<number> {
      const r = await q.selectFrom('wallet_offline_entries')
        .select((eb) => eb.fn.sum<number | string | null>('amount').as('s'))
        .where('lease_id', '=', leaseId).where('terminal_id', '=', terminalId)
        .executeTakeFirstOrThrow();
      return Number(r.s ?? 0);
    },

    async insertException(q: Q, row: WalletOfflineExceptionsTable): Promise<void> {
      await q.insertInto('wallet_offline_exceptions').values(row).execute();
    },

    getException: (accountId: string, id: string, q: Q = k): Promise<WalletOfflineExceptionsTable | undefined> =>
      q.selectFrom('wallet_offline_exceptions').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst(),

    /** Newest first (ids are time-ordered). */
    listExceptions(accountId: string, o: { status?: string | undefined; limit: number; startingAfter?: string | undefined }): Promise<WalletOfflineExceptionsTable[]> {
      let q = k.selectFrom('wallet_offline_exceptions').selectAll().where('account_id', '=', accountId);
      if (o.status !== undefined) q = q.where('status', '=', o.status);
      if (o.startingAfter !== undefined) q = q.where('id', '<', o.startingAfter);
      return q.orderBy('id', 'desc').limit(o.limit).execute();
    },

    /** Marks an open exception resolved; false when it was not open (resolved meanwhile). */
    async resolveException(q: Q, accountId: string, id: string, set: { resolved_at: string; resolved_by: string; resolution: string }): Promise<boolean> {
      const r = await q.updateTable('wallet_offline_exceptions').set({ ...set, status: 'resolved' })
        .where('account_id', '=', accountId).where('id', '=', id).where('status', '=', 'open')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Which of these cards have an open exception. */
    async cardsUnderReview(accountId: string, cardPks: readonly string[]): Promise<Set<string>> {
      if (cardPks.length === 0) return new Set();
      const rows = await k.selectFrom('wallet_offline_exceptions').select('card_pk').distinct()
        .where('account_id', '=', accountId).where('status', '=', 'open').where('card_pk', 'in', cardPks)
        .execute();
      return new Set(rows.flatMap((r) => (r.card_pk === null ? [] : [r.card_pk])));
    },
  };
}

export type OfflineRepo = ReturnType<typeof createOfflineRepo>;
