/**
 * Loyalty accrual (issue 5), on top of the Discounts ledger of 0005:
 *
 * - `loyalty_receipts`: one row per receipt identity the ledger has seen (see tables/loyalty.ts);
 *   its key is what a receipt's usage entries are recorded under, so a receipt counts once
 *   whichever path brings it and however often.
 * - Ledger indexes: entries by (account, ref, ref_type) to find what one receipt or claim
 *   recorded, and at most one reversal per entry (`reverses` unique), so a void or a release can
 *   never take the same entry back twice, whatever races.
 * - Holder totals by customer, for a customer's bonus balance and loyalty document.
 * - The change feed for the tills' `customer_loyalty` collection (document id = customer_id): a
 *   write to a customer's own ref, or a ledger entry bought by a customer (their own refs, `*`
 *   refs, bonus and points), records a change for that customer's document.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { createChangeTriggers, type ChangeSource } from './change-triggers.ts';
import { ts } from './types.ts';

/** Source table → (column holding the customer id, condition on NEW for rows that matter to tills). */
export const LOYALTY_CHANGE_SOURCES: readonly ChangeSource[] = [
  { table: 'discount_refs', docColumn: 'customer_id', when: 'NEW.customer_id IS NOT NULL', events: ['insert', 'update'] },
  { table: 'discount_usages', docColumn: 'customer_id', when: 'NEW.customer_id IS NOT NULL', events: ['insert'] },
];

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('loyalty_receipts')
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('receipt_key', 'text', (c) => c.notNull())
      .addColumn('receipt_id', 'text', (c) => c.notNull())
      .addColumn('store_id', 'text', (c) => c.notNull())
      .addColumn('purchase_at', ts, (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('voided_at', ts)
      .addColumn('voided_by', 'text')
      .addPrimaryKeyConstraint('loyalty_receipts_pk', ['account_id', 'receipt_key'])
      .execute();

    await db.schema.createIndex('discount_usages_by_ref').on('discount_usages').columns(['account_id', 'ref', 'ref_type']).execute();
    await db.schema.createIndex('discount_usages_reversed_once').on('discount_usages').column('reverses').unique().where(sql<boolean>`reverses is not null`).execute();
    await db.schema.createIndex('discount_totals_customer').on('discount_totals').columns(['account_id', 'customer_id']).execute();

    await createChangeTriggers(db, 'customer_loyalty', LOYALTY_CHANGE_SOURCES, 'sync_customer_loyalty_');
  },
};
