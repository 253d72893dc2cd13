/**
 * SQL for the Products service. Every query is scoped to an account (directly or through a
 * catalog's primary key); "find" and "list" see live rows only unless they say otherwise.
 *
 * Row locks (PostgreSQL only; SQLite runs one transaction at a time): a write takes `update` on
 * the row it changes and `share` on the rows it depends on (a product's catalog and tax group), so
 * a catalog or tax group cannot be deleted under a product being written, and two PUTs of one
 * product cannot interleave their barcode rows.
 */
import { sql, type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Db } from '../../db/connect.ts';
import { uniqueViolation } from '../../db/unique-violation.ts';
import type { CatalogsTable, Database, ProductGroupsTable, ProductsTable, TaxGroupsTable } from '../../db/schema.ts';

type Q = Kysely<Database> | Transaction<Database>;

export interface PageQuery {
  /** Rows to return; callers ask for one more than they show to learn whether a next page exists. */
  limit: number;
  startingAfter?: string | undefined;
}

export interface ProductFilter extends PageQuery {
  productIds?: readonly string[] | undefined;
  /** Already normalised like `products.product_name_search`. */
  namePrefix?: string | undefined;
  barcode?: string | undefined;
}

/** Who holds a barcode, for the "already used by" message. */
export interface BarcodeOwner {
  barcode: string;
  product_pk: string;
  product_id: string;
  catalog_id: string;
}

/** Row lock for a read inside a write transaction. */
export type Lock = 'share' | 'update';

/** Which unique key a racing write hit. */
export type UniqueViolation = 'barcode' | 'key';

/** Soft-delete stamp. */
export interface Deletion {
  at: string;
  by: string;
}

/** `LIKE` pattern for "starts with", with the wildcards in the prefix escaped by `!`. */
const startsWith = (prefix: string): string => `${prefix.replace(/[!%_]/g, (c) => `!${c}`)}%`;

export function createProductRepo(db: Db) {
  const k = db.kysely;
  const lockable = <QB extends { forUpdate(): QB; forShare(): QB }>(qb: QB, lock: Lock | undefined): QB => {
    if (lock === undefined || db.dialect !== 'postgres') return qb;
    return lock === 'update' ? qb.forUpdate() : qb.forShare();
  };
  return {
    transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return k.transaction().execute(fn);
    },

    /** The unique key a racing duplicate hit, on either database; undefined for any other error. */
    uniqueViolation(e: unknown): UniqueViolation | undefined {
      // PostgreSQL names the constraint; SQLite names the columns ("… failed: product_barcodes.account_id, …").
      const where = uniqueViolation(e);
      return where === undefined ? undefined : where.includes('product_barcodes') ? 'barcode' : 'key';
    },

    // ------------------------------------------------------------ replication (deleted rows included)

    productsByPk: (accountId: string, pks: readonly string[]) =>
      pks.length === 0
        ? Promise.resolve([])
        : k
            .selectFrom('products as p')
            .innerJoin('catalogs as c', 'c.id', 'p.catalog_pk')
            .selectAll('p')
            .select(['c.catalog_id', 'c.deleted_at as catalog_deleted_at'])
            .where('p.account_id', '=', accountId)
            .where('p.id', 'in', pks)
            .execute(),

    taxGroupsByPk: (accountId: string, pks: readonly string[]): Promise<TaxGroupsTable[]> =>
      pks.length === 0 ? Promise.resolve([]) : k.selectFrom('tax_groups').selectAll().where('account_id', '=', accountId).where('id', 'in', pks).execute(),

    groupsByPk: (accountId: string, pks: readonly string[]): Promise<ProductGroupsTable[]> =>
      pks.length === 0 ? Promise.resolve([]) : k.selectFrom('product_groups').selectAll().where('account_id', '=', accountId).where('id', 'in', pks).execute(),

    // ------------------------------------------------------------ catalogs

    findCatalog: (accountId: string, catalogId: string, q: Q = k, lock?: Lock): Promise<CatalogsTable | undefined> =>
      lockable(
        q.selectFrom('catalogs').selectAll().where('account_id', '=', accountId).where('catalog_id', '=', catalogId).where('deleted_at', 'is', null),
        lock,
      ).executeTakeFirst(),

    listCatalogs: (accountId: string, page: PageQuery, q: Q = k): Promise<CatalogsTable[]> => {
      let query = q.selectFrom('catalogs').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
      if (page.startingAfter !== undefined) query = query.where('catalog_id', '>', page.startingAfter);
      return query.orderBy('catalog_id').limit(page.limit).execute();
    },

    insertCatalog: async (row: CatalogsTable, q: Q = k): Promise<void> => {
      await q.insertInto('catalogs').values(row).execute();
    },

    updateCatalog: async (pk: string, set: Updateable<CatalogsTable>, q: Q = k): Promise<void> => {
      await q.updateTable('catalogs').set(set).where('id', '=', pk).execute();
    },

    /** Deletes the catalog, its live products and their barcodes (the codes become free again). */
    softDeleteCatalog: async (pk: string, del: Deletion, q: Q = k): Promise<void> => {
      const liveProducts = q.selectFrom('products').select('id').where('catalog_pk', '=', pk).where('deleted_at', 'is', null);
      await q.deleteFrom('product_barcodes').where('product_pk', 'in', liveProducts).execute();
      await q
        .updateTable('products')
        .set({ deleted_at: del.at, deleted_by: del.by, updated_at: del.at })
        .where('catalog_pk', '=', pk)
        .where('deleted_at', 'is', null)
        .execute();
      await q.updateTable('catalogs').set({ deleted_at: del.at, deleted_by: del.by, updated_at: del.at }).where('id', '=', pk).execute();
    },

    // ------------------------------------------------------------ products

    findProduct: (catalogPk: string, productId: string, q: Q = k, lock?: Lock): Promise<ProductsTable | undefined> =>
      lockable(
        q.selectFrom('products').selectAll().where('catalog_pk', '=', catalogPk).where('product_id', '=', productId).where('deleted_at', 'is', null),
        lock,
      ).executeTakeFirst(),

    listProducts: (accountId: string, catalogPk: string, f: ProductFilter, q: Q = k): Promise<ProductsTable[]> => {
      let query = q.selectFrom('products').selectAll().where('catalog_pk', '=', catalogPk).where('deleted_at', 'is', null);
      if (f.productIds !== undefined) query = query.where('product_id', 'in', [...f.productIds]);
      if (f.namePrefix !== undefined) {
        query = query.where(sql<boolean>`${sql.ref('product_name_search')} like ${startsWith(f.namePrefix)} escape '!'`);
      }
      if (f.barcode !== undefined) {
        const holder = q.selectFrom('product_barcodes').select('product_pk').where('account_id', '=', accountId).where('barcode', '=', f.barcode);
        query = query.where('id', 'in', holder);
      }
      if (f.startingAfter !== undefined) query = query.where('product_id', '>', f.startingAfter);
      return query.orderBy('product_id').limit(f.limit).execute();
    },

    insertProduct: async (row: ProductsTable, q: Q = k): Promise<void> => {
      await q.insertInto('products').values(row).execute();
    },

    updateProduct: async (pk: string, set: Updateable<ProductsTable>, q: Q = k): Promise<void> => {
      await q.updateTable('products').set(set).where('id', '=', pk).execute();
    },

    softDeleteProduct: async (pk: string, del: Deletion, q: Q = k): Promise<void> => {
      await q.deleteFrom('product_barcodes').where('product_pk', '=', pk).execute();
      await q.updateTable('products').set({ deleted_at: del.at, deleted_by: del.by, updated_at: del.at }).where('id', '=', pk).execute();
    },

    /** Live products of the account that use this tax group. */
    countProductsWithTax: async (accountId: string, taxId: string, q: Q = k): Promise<number> => {
      const row = await q
        .selectFrom('products')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .where('tax_id', '=', taxId)
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    // ------------------------------------------------------------ barcodes

    findBarcodeOwners: (accountId: string, barcodes: readonly string[], q: Q = k): Promise<BarcodeOwner[]> =>
      barcodes.length === 0
        ? Promise.resolve([])
        : q
            .selectFrom('product_barcodes as b')
            .innerJoin('products as p', 'p.id', 'b.product_pk')
            .innerJoin('catalogs as c', 'c.id', 'p.catalog_pk')
            .select(['b.barcode', 'b.product_pk', 'p.product_id', 'c.catalog_id'])
            .where('b.account_id', '=', accountId)
            .where('b.barcode', 'in', [...barcodes])
            .orderBy('b.barcode')
            .execute(),

    /** Makes `barcodes` the product's complete set of lookup rows. */
    replaceBarcodes: async (accountId: string, productPk: string, barcodes: readonly string[], q: Q = k): Promise<void> => {
      await q.deleteFrom('product_barcodes').where('product_pk', '=', productPk).execute();
      if (barcodes.length === 0) return;
      // Sorted, so two writers claiming the same codes wait on the first shared code instead of deadlocking.
      await q
        .insertInto('product_barcodes')
        .values([...barcodes].sort().map((barcode) => ({ account_id: accountId, barcode, product_pk: productPk })))
        .execute();
    },

    // ------------------------------------------------------------ groups

    /** The group with this key, deleted or not (a deleted group is revived, never re-created). */
    findGroupAny: (accountId: string, groupId: string, q: Q = k, lock?: Lock): Promise<ProductGroupsTable | undefined> =>
      lockable(q.selectFrom('product_groups').selectAll().where('account_id', '=', accountId).where('group_id', '=', groupId), lock).executeTakeFirst(),

    findLiveGroups: (accountId: string, groupIds: readonly string[], q: Q = k): Promise<ProductGroupsTable[]> =>
      groupIds.length === 0
        ? Promise.resolve([])
        : q
            .selectFrom('product_groups')
            .selectAll()
            .where('account_id', '=', accountId)
            .where('group_id', 'in', [...groupIds])
            .where('deleted_at', 'is', null)
            .execute(),

    listGroups: (accountId: string, page: PageQuery & { groupId?: string | undefined }, q: Q = k): Promise<ProductGroupsTable[]> => {
      let query = q.selectFrom('product_groups').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
      if (page.groupId !== undefined) query = query.where('group_id', '=', page.groupId);
      if (page.startingAfter !== undefined) query = query.where('group_id', '>', page.startingAfter);
      return query.orderBy('group_id').limit(page.limit).execute();
    },

    insertGroup: async (row: ProductGroupsTable, q: Q = k): Promise<void> => {
      await q.insertInto('product_groups').values(row).execute();
    },

    /** Inserts unless the key exists (a racing writer's insert is waited for, then skipped); true when inserted. */
    insertGroupIfAbsent: async (row: ProductGroupsTable, q: Q = k): Promise<boolean> => {
      const res = await q
        .insertInto('product_groups')
        .values(row)
        .onConflict((oc) => oc.columns(['account_id', 'group_id']).doNothing())
        .executeTakeFirst();
      return (res.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },

    updateGroup: async (pk: string, set: Updateable<ProductGroupsTable>, q: Q = k): Promise<void> => {
      await q.updateTable('product_groups').set(set).where('id', '=', pk).execute();
    },

    // ------------------------------------------------------------ tax groups

    findTaxGroup: (accountId: string, taxId: string, q: Q = k, lock?: Lock): Promise<TaxGroupsTable | undefined> =>
      lockable(
        q.selectFrom('tax_groups').selectAll().where('account_id', '=', accountId).where('tax_id', '=', taxId).where('deleted_at', 'is', null),
        lock,
      ).executeTakeFirst(),

    listTaxGroups: (accountId: string, page: PageQuery, q: Q = k): Promise<TaxGroupsTable[]> => {
      let query = q.selectFrom('tax_groups').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
      if (page.startingAfter !== undefined) query = query.where('tax_id', '>', page.startingAfter);
      return query.orderBy('tax_id').limit(page.limit).execute();
    },

    insertTaxGroup: async (row: TaxGroupsTable, q: Q = k): Promise<void> => {
      await q.insertInto('tax_groups').values(row).execute();
    },

    updateTaxGroup: async (pk: string, set: Updateable<TaxGroupsTable>, q: Q = k): Promise<void> => {
      await q.updateTable('tax_groups').set(set).where('id', '=', pk).execute();
    },
  };
}

export type ProductRepo = ReturnType<typeof createProductRepo>;
