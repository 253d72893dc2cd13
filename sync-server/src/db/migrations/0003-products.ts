import { sql, type Kysely, type Migration } from 'kysely';
import { entityColumns } from './types.ts';

// Soft-deleted rows stay as history, so client keys are unique among live rows only (partial
// indexes, on both SQLite and PostgreSQL). Groups are the exception: a deleted group is revived,
// never re-created, so its key is unique outright.
const live = sql<boolean>`deleted_at is null`;

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('catalogs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('catalog_id', 'text', (c) => c.notNull())
      .addColumn('catalog_name', 'text')
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('catalogs_account_key').on('catalogs').columns(['account_id', 'catalog_id']).unique().where(live).execute();

    await db.schema
      .createTable('products')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('catalog_pk', 'text', (c) => c.notNull().references('catalogs.id'))
      .addColumn('product_id', 'text', (c) => c.notNull())
      .addColumn('product_name', 'text')
      .addColumn('product_name_search', 'text')
      .addColumn('tax_id', 'text')
      .addColumn('body', 'text', (c) => c.notNull())
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('products_catalog_key').on('products').columns(['catalog_pk', 'product_id']).unique().where(live).execute();
    await db.schema.createIndex('products_account_tax').on('products').columns(['account_id', 'tax_id']).where(live).execute();

    await db.schema
      .createTable('product_barcodes')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('barcode', 'text', (c) => c.notNull())
      .addColumn('product_pk', 'text', (c) => c.notNull().references('products.id'))
      .addPrimaryKeyConstraint('product_barcodes_pk', ['account_id', 'barcode'])
      .execute();
    await db.schema.createIndex('product_barcodes_product').on('product_barcodes').column('product_pk').execute();

    await db.schema
      .createTable('product_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('group_id', 'text', (c) => c.notNull())
      .addColumn('group_name', 'text')
      .$call(entityColumns)
      .addUniqueConstraint('product_groups_account_key', ['account_id', 'group_id'])
      .execute();

    await db.schema
      .createTable('tax_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('tax_id', 'text', (c) => c.notNull())
      .addColumn('tax_group', 'text')
      .addColumn('description', 'text')
      .addColumn('amount', 'bigint')
      .addColumn('percentage', 'double precision')
      .addColumn('tax_code', 'text')
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('tax_groups_account_key').on('tax_groups').columns(['account_id', 'tax_id']).unique().where(live).execute();
  },
};
