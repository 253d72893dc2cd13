/**
 * Receipts service (contract §4): one row per stored receipt — the receipt's JSON as stored, plus
 * the columns the service looks receipts up by.
 *
 * The dedupe key is a unique index over (account, store, POS receipt id, purchase time in UTC,
 * void-or-not): a replayed, concurrent or reordered upload of the same receipt cannot be stored
 * twice whatever the timing, and a void of a sale is a record of its own beside the sale.
 */
import type { Kysely, Migration } from 'kysely';
import { entityColumns, ts } from './types.ts';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('receipts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('receipt_id', 'text', (c) => c.notNull())
      .addColumn('purchase_at', ts, (c) => c.notNull())
      .addColumn('voided', 'integer', (c) => c.notNull())
      .addColumn('entry_status', 'text')
      .addColumn('customer_id', 'text')
      .addColumn('voided_by', 'text')
      .addColumn('token_claimed_at', ts)
      .addColumn('item_keys', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .$call(entityColumns)
      .addUniqueConstraint('receipts_identity', ['account_id', 'store_id', 'receipt_id', 'purchase_at', 'voided'])
      .execute();
    // A customer's receipts, newest purchase first (also the segment scan over identified receipts).
    await db.schema.createIndex('receipts_customer').on('receipts').columns(['account_id', 'customer_id', 'purchase_at', 'id']).execute();
    // GET /receipts/search and the POS-id fallback of the `{receipt_id}` paths.
    await db.schema.createIndex('receipts_pos_id').on('receipts').columns(['account_id', 'receipt_id', 'id']).execute();
  },
};
