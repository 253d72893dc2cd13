/**
 * Offline gift cards (issue 6; contract in core/src/contracts/offline.ts):
 *
 * - `offline_settings`: per account, the offline policy (null = the default) and the salt of the
 *   card-number lookup keys; `offline_store_policies`: a store's partial override.
 * - `wallet_tokens.offline_lookup`: the lookup key of a card's own token. It is derived from the
 *   stored token hash, so tokens made before this migration get theirs on first use (and keep it).
 * - `wallet_cards.offline_pin_salt/offline_pin_hash`: the offline PIN check, made when the server
 *   makes the PIN (the only time it sees it); older PINs have none and block offline use.
 * - `wallet_offline_entries`: every offline drawdown pushed, once per (account, card, ref_id); the
 *   card key is '' when no card matched, so an unknown card's entry is once per (account, ref_id).
 * - `wallet_offline_exceptions`: what a manager must look at; a new or resolved one re-replicates
 *   its card's gift_cards document (its `offline.under_review` changes).
 * - Every existing card is recorded as changed once, so tills pull the new `offline` field.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { createChangeTriggers, type ChangeSource } from './change-triggers.ts';
import { ts } from './types.ts';

export const OFFLINE_CHANGE_SOURCES: readonly ChangeSource[] = [
  { table: 'wallet_offline_exceptions', docColumn: 'card_pk', when: 'NEW.card_pk IS NOT NULL' },
];

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('offline_settings')
      .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.account_id'))
      .addColumn('policy', 'text')
      .addColumn('lookup_salt', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addColumn('updated_by', 'text')
      .execute();
    await db.schema
      .createTable('offline_store_policies')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('offline_store_policies_pk', ['account_id', 'store_id'])
      .execute();

    await db.schema.alterTable('wallet_tokens').addColumn('offline_lookup', 'text').execute();
    await db.schema.alterTable('wallet_cards').addColumn('offline_pin_salt', 'text').execute();
    await db.schema.alterTable('wallet_cards').addColumn('offline_pin_hash', 'text').execute();

    await db.schema
      .createTable('wallet_offline_entries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('card_key', 'text', (c) => c.notNull())
      .addColumn('card_pk', 'text')
      .addColumn('card_id', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('applied_amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text', (c) => c.notNull())
      .addColumn('lease_id', 'text')
      .addColumn('allowance_version', 'integer')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('received_at', ts, (c) => c.notNull())
      .addColumn('transaction_id', 'text')
      .addColumn('exception_id', 'text')
      .addUniqueConstraint('wallet_offline_entries_once', ['account_id', 'card_key', 'ref_id'])
      // What is applied never exceeds what was handed out.
      .addCheckConstraint('wallet_offline_entries_amounts', sql`amount > 0 AND applied_amount >= 0 AND applied_amount <= amount`)
      .execute();
    // The lease's caps: entries of one terminal on one card under one allowance, and under one lease.
    await db.schema.createIndex('wallet_offline_entries_allowance').on('wallet_offline_entries').columns(['card_key', 'allowance_version', 'terminal_id']).execute();
    await db.schema.createIndex('wallet_offline_entries_lease').on('wallet_offline_entries').columns(['lease_id', 'terminal_id']).execute();

    await db.schema
      .createTable('wallet_offline_exceptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('card_id', 'text', (c) => c.notNull())
      .addColumn('card_pk', 'text')
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('sale_id', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('terminal_id', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('applied_amount', 'bigint', (c) => c.notNull())
      .addColumn('shortfall', 'bigint', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('resolved_at', ts)
      .addColumn('resolved_by', 'text')
      .addColumn('resolution', 'text')
      .addCheckConstraint('wallet_offline_exceptions_shortfall', sql`shortfall >= 0 AND shortfall = amount - applied_amount`)
      .execute();
    await db.schema.createIndex('wallet_offline_exceptions_list').on('wallet_offline_exceptions').columns(['account_id', 'status', 'id']).execute();
    await db.schema.createIndex('wallet_offline_exceptions_card').on('wallet_offline_exceptions').columns(['card_pk', 'status']).execute();

    await createChangeTriggers(db, 'gift_cards', OFFLINE_CHANGE_SOURCES, 'sync_gift_cards_offline_');

    // Every card once, so tills replace snapshots made before the `offline` field existed.
    const txid = postgres ? sql`pg_current_xact_id()::text::bigint` : sql`0`;
    const at = postgres ? sql`CURRENT_TIMESTAMP` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
    await sql`INSERT INTO sync_changes (txid, account_id, collection, doc_id, created_at)
      SELECT ${txid}, account_id, 'gift_cards', id, ${at} FROM wallet_cards ORDER BY account_id, id`.execute(db);
  },
};
