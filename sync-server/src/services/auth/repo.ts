/** SQL for accounts, API clients and signing keys. */
import type { Kysely } from 'kysely';
import type { Database, ApiClientsTable, AccountsTable, SigningKeysTable } from '../../db/schema.ts';

export function createAuthRepo(db: Kysely<Database>) {
  return {
    findAccount: (accountId: string): Promise<AccountsTable | undefined> =>
      db.selectFrom('accounts').selectAll().where('account_id', '=', accountId).executeTakeFirst(),

    insertAccount: async (row: AccountsTable): Promise<void> => {
      await db.insertInto('accounts').values(row).execute();
    },

    listAccounts: (): Promise<AccountsTable[]> => db.selectFrom('accounts').selectAll().orderBy('account_id').execute(),

    findClient: (clientId: string): Promise<ApiClientsTable | undefined> =>
      db.selectFrom('api_clients').selectAll().where('client_id', '=', clientId).executeTakeFirst(),

    insertClient: async (row: ApiClientsTable): Promise<void> => {
      await db.insertInto('api_clients').values(row).execute();
    },

    listClients: (accountId: string): Promise<ApiClientsTable[]> =>
      db.selectFrom('api_clients').selectAll().where('account_id', '=', accountId).orderBy('created_at').orderBy('client_id').execute(),

    /** Marks a client revoked; returns false when it does not exist or was revoked already. */
    revokeClient: async (accountId: string, clientId: string, at: string): Promise<boolean> => {
      const res = await db
        .updateTable('api_clients')
        .set({ revoked_at: at })
        .where('account_id', '=', accountId)
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return res.numUpdatedRows > 0n;
    },

    revokedSince: (since: string): Promise<Array<Pick<ApiClientsTable, 'client_id' | 'revoked_at'>>> =>
      db.selectFrom('api_clients').select(['client_id', 'revoked_at']).where('revoked_at', '>=', since).execute(),

    /** The oldest key wins so every server process signs and verifies with the same one. */
    firstSigningKey: (): Promise<SigningKeysTable | undefined> =>
      db.selectFrom('signing_keys').selectAll().orderBy('created_at').orderBy('kid').limit(1).executeTakeFirst(),

    allSigningKeys: (): Promise<SigningKeysTable[]> => db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute(),

    insertSigningKeyIfNone: async (row: SigningKeysTable): Promise<void> => {
      await db.insertInto('signing_keys').values(row).onConflict((oc) => oc.column('kid').doNothing()).execute();
    },
  };
}

export type AuthRepo = ReturnType<typeof createAuthRepo>;
