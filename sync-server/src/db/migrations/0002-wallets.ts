import { sql, type Kysely, type Migration } from 'kysely';
import { ts } from './types.ts';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    // Per-installation secrets (PIN pepper, temporary-token derivation), made on first start.
    await db.schema
      .createTable('server_secrets')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('wallet_cards')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('card_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('name', 'text')
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('active_from', ts)
      .addColumn('expires_at', ts)
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('pin_hash', 'text')
      .addColumn('originated_by', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('deleted_at', ts)
      .addColumn('deleted_by', 'text')
      .addUniqueConstraint('wallet_cards_account_card', ['account_id', 'card_id'])
      .execute();
    await db.schema.createIndex('wallet_cards_customer').on('wallet_cards').columns(['account_id', 'customer_id', 'card_id']).execute();
    await db.schema
      .createTable('wallet_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('card_pk', 'text', (c) => c.notNull().references('wallet_cards.id'))
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('masked_code', 'text', (c) => c.notNull())
      .addColumn('format', 'text')
      .addColumn('expires_after_transaction', 'integer', (c) => c.notNull())
      .addColumn('expires_in', 'integer', (c) => c.notNull())
      .addColumn('expires_at', ts, (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addUniqueConstraint('wallet_tokens_card_ref', ['card_pk', 'ref_id'])
      .execute();
    await db.schema
      .createTable('wallet_transactions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('card_pk', 'text', (c) => c.notNull().references('wallet_cards.id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text')
      .addColumn('token_id', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('originated_by', 'text')
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('balance_after', 'bigint', (c) => c.notNull())
      .addColumn('pending_after', 'bigint', (c) => c.notNull())
      .addColumn('funds_after', 'bigint', (c) => c.notNull())
      .addColumn('drawdown_after', 'bigint', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addUniqueConstraint('wallet_transactions_card_seq', ['card_pk', 'seq'])
      .addUniqueConstraint('wallet_transactions_card_ref', ['card_pk', 'ref_id'])
      // The database itself refuses an entry that would overdraw or over-lock a card.
      .addCheckConstraint('wallet_transactions_totals', sql`balance_after >= 0 AND pending_after >= 0 AND pending_after <= balance_after AND amount > 0`)
      .execute();
    // Most entries have no parent: a partial index keeps plain drawdowns from touching it.
    await db.schema.createIndex('wallet_transactions_parent').on('wallet_transactions').column('parent_id').where(sql.ref('parent_id'), 'is not', null).execute();
    // A single-use token is spent by inserting its row here: the primary key refuses a second use.
    await db.schema
      .createTable('wallet_token_uses')
      .addColumn('token_id', 'text', (c) => c.primaryKey())
      .addColumn('transaction_id', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('wallet_auth_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('card_pk', 'text')
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('wallet_auth_events_card').on('wallet_auth_events').columns(['card_pk', 'kind', 'created_at']).execute();
    await db.schema.createIndex('wallet_auth_events_client').on('wallet_auth_events').columns(['client_id', 'kind', 'created_at']).execute();
  },
};
