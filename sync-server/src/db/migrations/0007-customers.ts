/**
 * Customers service (contract §2): customer users with their attributes, contacts, tokens, tags,
 * terms, settings, token events and verification codes; and sales locations.
 *
 * - Columns that lists filter by prefix (keys, lower-cased email and names, phone, token type and
 *   value) compare byte-wise on both databases — SQLite's default, `COLLATE "C"` on PostgreSQL —
 *   so a prefix is an index range (`>= p AND < p || U+10FFFF`) and cursors sort the same way on
 *   both.
 * - Uniqueness the database can hold it holds: customer_id per account, over every key ever used
 *   (`customer_keys`: deleted customers keep theirs and a changed one stays retired, so a key is
 *   never handed to someone else), email per type among live customers, a
 *   live token's (type, value) and token_id. Phone numbers are unique only unless the account's
 *   settings allow duplicates, so the service checks them (under an advisory lock on PostgreSQL).
 *
 * Change feed for the tills' `customers` collection (see 0004-sync.ts): a write to a customer, or
 * to one of its tokens, records a change for the customer's document.
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { createChangeTriggers, type ChangeSource } from './change-triggers.ts';
import { entityColumns, ts } from './types.ts';

/** Source table → column holding the customer document id. */
export const CUSTOMER_CHANGE_SOURCES: readonly ChangeSource[] = [
  { table: 'customers', docColumn: 'id' },
  { table: 'customer_tokens', docColumn: 'customer_pk' },
];

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    // Byte-wise comparison on PostgreSQL too (SQLite's default BINARY collation already is).
    const key = postgres ? sql`text collate "C"` : sql`text`;

    await db.schema
      .createTable('customers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('customer_id', key, (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('email_search', key)
      .addColumn('phone_number', key)
      .addColumn('first_name', 'text')
      .addColumn('last_name', 'text')
      .addColumn('full_name_search', key)
      .addColumn('last_name_search', key)
      .addColumn('status', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('email_verified_at', ts)
      .addColumn('phone_verified_at', ts)
      .$call(entityColumns)
      .addUniqueConstraint('customers_account_key', ['account_id', 'customer_id'])
      .execute();
    // Every customer_id ever used, so one moved away by change_customer_id is not handed to
    // someone else: other services' data stays keyed by it.
    await db.schema
      .createTable('customer_keys')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('customer_id', key, (c) => c.notNull())
      .addColumn('customer_pk', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('customer_keys_pk', ['account_id', 'customer_id'])
      .execute();
    await db.schema
      .createIndex('customers_email_per_type')
      .on('customers')
      .columns(['account_id', 'type', 'email_search'])
      .unique()
      .where(sql<boolean>`deleted_at is null and email_search is not null`)
      .execute();
    await db.schema.createIndex('customers_email').on('customers').columns(['account_id', 'email_search']).execute();
    await db.schema.createIndex('customers_phone').on('customers').columns(['account_id', 'phone_number']).execute();
    await db.schema.createIndex('customers_full_name').on('customers').columns(['account_id', 'full_name_search']).execute();
    await db.schema.createIndex('customers_last_name').on('customers').columns(['account_id', 'last_name_search']).execute();
    await db.schema.createIndex('customers_updated').on('customers').columns(['account_id', 'updated_at', 'id']).execute();

    await db.schema
      .createTable('customer_attributes')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('customer_pk', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('customer_attributes_key').on('customer_attributes').columns(['account_id', 'key', 'value']).execute();
    await db.schema.createIndex('customer_attributes_customer').on('customer_attributes').column('customer_pk').execute();

    await db.schema
      .createTable('customer_contacts')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('contact_pk', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('customer_id', key, (c) => c.notNull())
      .addPrimaryKeyConstraint('customer_contacts_pk', ['contact_pk', 'customer_id'])
      .execute();

    // A live (type, value) names one customer; deleted tokens keep their row for the history.
    await db.schema
      .createTable('customer_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('customer_pk', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('token_id', key, (c) => c.notNull())
      .addColumn('type', key, (c) => c.notNull())
      .addColumn('value', key, (c) => c.notNull())
      .addColumn('metadata', 'text')
      .addColumn('auto_source', 'text')
      .$call(entityColumns)
      .execute();
    await db.schema
      .createIndex('customer_tokens_live_value')
      .on('customer_tokens')
      .columns(['account_id', 'type', 'value'])
      .unique()
      .where(sql<boolean>`deleted_at is null`)
      .execute();
    await db.schema
      .createIndex('customer_tokens_live_id')
      .on('customer_tokens')
      .columns(['account_id', 'token_id'])
      .unique()
      .where(sql<boolean>`deleted_at is null`)
      .execute();
    await db.schema.createIndex('customer_tokens_value').on('customer_tokens').columns(['account_id', 'value']).execute();
    await db.schema.createIndex('customer_tokens_customer').on('customer_tokens').columns(['customer_pk', 'token_id']).execute();

    await db.schema
      .createTable('customer_tags')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text')
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('customer_tags_account').on('customer_tags').columns(['account_id', 'id']).execute();

    await db.schema
      .createTable('customer_tag_links')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('customer_pk', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('tag_pk', 'text', (c) => c.notNull().references('customer_tags.id'))
      .addColumn('created_at', ts, (c) => c.notNull())
      .addPrimaryKeyConstraint('customer_tag_links_pk', ['customer_pk', 'tag_pk'])
      .execute();
    await db.schema.createIndex('customer_tag_links_tag').on('customer_tag_links').columns(['tag_pk', 'customer_pk']).execute();

    await db.schema
      .createTable('customer_terms')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('terms', 'text', (c) => c.notNull())
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('customer_terms_account').on('customer_terms').columns(['account_id', 'id']).execute();

    await db.schema
      .createTable('customer_settings')
      .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.account_id'))
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('last_sequence', 'bigint')
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('customer_token_subjects')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('token_type', key, (c) => c.notNull())
      .addColumn('token_value', key, (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addColumn('deleted_at', ts)
      .addUniqueConstraint('customer_token_subjects_key', ['account_id', 'token_type', 'token_value'])
      .execute();
    await db.schema.createIndex('customer_token_subjects_account').on('customer_token_subjects').columns(['account_id', 'id']).execute();
    await db.schema.createIndex('customer_token_subjects_updated').on('customer_token_subjects').columns(['account_id', 'updated_at', 'id']).execute();

    await db.schema
      .createTable('customer_token_events')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('subject_pk', 'text', (c) => c.notNull().references('customer_token_subjects.id'))
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('status', 'text')
      .addColumn('metadata', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('expires_at', ts)
      .addColumn('cleared_at', ts)
      .execute();
    await db.schema.createIndex('customer_token_events_subject').on('customer_token_events').columns(['subject_pk', 'id']).execute();

    await db.schema
      .createTable('customer_verifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('customer_pk', 'text', (c) => c.notNull().references('customers.id'))
      .addColumn('field', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('expires_at', ts, (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('spent_at', ts)
      .execute();
    await db.schema.createIndex('customer_verifications_customer').on('customer_verifications').columns(['customer_pk', 'field', 'id']).execute();

    // Location keys are unique among live locations: a closed store's id may open again.
    await db.schema
      .createTable('locations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('location_id', key, (c) => c.notNull())
      .addColumn('status', 'text')
      .addColumn('type', 'text')
      .addColumn('country', 'text')
      .addColumn('phone_number', key)
      .addColumn('email_search', key)
      .addColumn('organization_number', key)
      .addColumn('name_search', key)
      .addColumn('business_name_search', key)
      .addColumn('body', 'text', (c) => c.notNull())
      .$call(entityColumns)
      .execute();
    await db.schema
      .createIndex('locations_live_key')
      .on('locations')
      .columns(['account_id', 'location_id'])
      .unique()
      .where(sql<boolean>`deleted_at is null`)
      .execute();

    await createChangeTriggers(db, 'customers', CUSTOMER_CHANGE_SOURCES, 'sync_');
  },
};
