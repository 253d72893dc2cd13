/**
 * Products: catalogs, their products, the account's product groups and tax groups (contract §7).
 *
 * Choices where Dintero's contract is silent:
 * - PUT is a partial update, as in Dintero's other services: absent fields keep their value,
 *   `null` clears one. A client that does not know our extensions never wipes them.
 * - A client key in a PUT body must equal the path's (400 *_ID_MISMATCH): keys cannot be renamed.
 * - Deletes are soft. A deleted catalog, product or tax group frees its key: POST with that key
 *   makes a new entity. A deleted group is revived instead (by POST /groups or by a product
 *   naming it), keeping its entity id, because receipts and discount rules refer to group ids.
 *   Deleting a catalog deletes its products; deleting anything bumps `updated_at` so incremental
 *   readers see it. Deleted rows 404 and never appear in lists.
 * - POST with the key of a live object is 409 (*_EXISTS); POST never updates.
 * - Lists are ordered by client key; `starting_after` is the key of the last item and is present
 *   only when another page exists.
 * - Product groups: a group without an id is a new group with a generated id. The product keeps
 *   its group ids in order; responses show the groups' current names and leave out deleted groups
 *   (reviving a group brings it back on its products). PUT accepts `groups` too (extension) and
 *   replaces the product's list; every response carries `groups`.
 * - Barcodes (extension) are unique per account among live products, across catalogs, since the
 *   till scans without knowing the catalog; deleting a product frees its codes.
 * - `tax_id` (extension) must name a live tax group when it is written (400); a tax group that
 *   live products use cannot be deleted (409 PRODUCT_TAX_GROUP_IN_USE).
 * - A product with `unit_gross_price` must have a `currency`, and `starting_at` must not be after
 *   `stopping_at` (400); checked on the product as it is after a PUT, too.
 * - `product_name` filters by case-insensitive (Unicode lower case, NFC) prefix.
 * - Concurrent writers (PostgreSQL): a contested key or barcode goes to one of them and the others
 *   get the same 409 as a later duplicate would; row locks (see repo.ts) keep a catalog or tax
 *   group from being deleted under a product that is being written.
 * - Groups and tax groups list no scopes in the contract (§9.12); we require the products scopes,
 *   so nothing is open by default.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ProductFieldsSchema,
  type Catalog,
  type CatalogList,
  type CatalogPost,
  type CatalogPut,
  type Group,
  type GroupList,
  type GroupListQuery,
  type GroupPost,
  type GroupPut,
  type Product,
  type ProductFields,
  type ProductGroupRefInput,
  type ProductList,
  type ProductListQuery,
  type ProductPost,
  type ProductPut,
  type TaxGroup,
  type TaxGroupList,
  type TaxGroupPost,
  type TaxGroupPut,
} from '@pos/core/contracts/products';
import type { ProductDoc as ProductSyncDoc, ProductGroupDoc, TaxGroupDoc } from '@pos/core/contracts/sync';
import type { Transaction } from 'kysely';
import type { Clock } from '../../clock.ts';
import { entityOf, optional } from '../../db/entity.ts';
import type { CatalogsTable, Database, ProductGroupsTable, ProductsTable, TaxGroupsTable } from '../../db/schema.ts';
import { badRequest, conflict, notFound, type ApiError } from '../../errors.ts';
import type { BarcodeOwner, Lock, ProductRepo, UniqueViolation } from './repo.ts';

/** The account a request acts on and the API client doing it (for created_by / deleted_by). */
export interface Actor {
  accountId: string;
  clientId: string;
}

interface Paging {
  limit: number;
  starting_after?: string | undefined;
}

type Trx = Transaction<Database>;

/** What we keep of a product besides its key columns; `product_name` and `tax_id` are columns too. */
const StoredBodySchema = z.object({
  ...ProductFieldsSchema.omit({ product_name: true, tax_id: true, barcodes: true }).shape,
  is_virtual_product: z.boolean(),
  barcodes: z.array(z.string()),
  group_ids: z.array(z.string()),
});

/** A product's own fields, as stored and as returned (minus entity, catalog and group names). */
type ProductDoc = Omit<ProductFields, 'barcodes'> & z.infer<typeof StoredBodySchema>;


/** PUT semantics: `null` clears, absent keeps. */
const patched = <T>(next: T | null | undefined, prev: T | undefined): T | undefined => (next === null ? undefined : (next ?? prev));

/** Normalised product name for the case-insensitive prefix filter. */
const searchKey = (s: string): string => s.normalize('NFC').toLowerCase();


const toCatalog = (row: CatalogsTable): Catalog => ({ ...entityOf(row), catalog_id: row.catalog_id, catalog_name: optional(row.catalog_name) });

const toGroup = (row: ProductGroupsTable): Group => ({ ...entityOf(row), group_id: row.group_id, group_name: optional(row.group_name) });

const toTaxGroup = (row: TaxGroupsTable): TaxGroup => ({
  ...entityOf(row),
  tax_id: row.tax_id,
  tax_group: optional(row.tax_group),
  description: optional(row.description),
  amount: optional(row.amount),
  percentage: optional(row.percentage),
  tax_code: optional(row.tax_code),
});

/** Repos are asked for one row more than shown: its presence means there is a next page. */
function pageOf<T>(rows: T[], limit: number, key: (row: T) => string): { rows: T[]; startingAfter: string | undefined } {
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  return { rows: shown, startingAfter: rows.length > limit && last !== undefined ? key(last) : undefined };
}

function decodeProduct(row: ProductsTable): ProductDoc {
  const body = StoredBodySchema.parse(JSON.parse(row.body));
  return { ...body, product_name: optional(row.product_name), tax_id: optional(row.tax_id) };
}

function productColumns(doc: ProductDoc): Pick<ProductsTable, 'product_name' | 'product_name_search' | 'tax_id' | 'body'> {
  const { product_name, tax_id, ...body } = doc;
  return {
    product_name: product_name ?? null,
    product_name_search: product_name === undefined ? null : searchKey(product_name),
    tax_id: tax_id ?? null,
    body: JSON.stringify(body),
  };
}

/** The product's fields from a POST body; groups are linked once they are upserted. */
function docFromPost(body: ProductPost): ProductDoc {
  const { product_id: _id, groups: _groups, barcodes, ...fields } = body;
  return { ...fields, barcodes: barcodes ?? [], group_ids: [] };
}

/** The product after a PUT, before its groups are upserted (they keep their ids until then). */
function docFromPut(doc: ProductDoc, put: ProductPut): ProductDoc {
  return {
    product_name: patched(put.product_name, doc.product_name),
    description: patched(put.description, doc.description),
    is_virtual_product: patched(put.is_virtual_product, doc.is_virtual_product) ?? false,
    unit_gross_price: patched(put.unit_gross_price, doc.unit_gross_price),
    unit: patched(put.unit, doc.unit),
    currency: patched(put.currency, doc.currency),
    starting_at: patched(put.starting_at, doc.starting_at),
    stopping_at: patched(put.stopping_at, doc.stopping_at),
    dimension: patched(put.dimension, doc.dimension),
    images: patched(put.images, doc.images),
    locations: patched(put.locations, doc.locations),
    tax_id: patched(put.tax_id, doc.tax_id),
    barcodes: patched(put.barcodes, doc.barcodes) ?? [],
    group_ids: doc.group_ids,
  };
}

/** Rules on the whole product that a field schema cannot see. */
function checkProduct(doc: ProductDoc): void {
  if (doc.unit_gross_price !== undefined && doc.currency === undefined) {
    throw badRequest('PRODUCT_CURRENCY_REQUIRED', 'a product with unit_gross_price needs a currency');
  }
  if (doc.starting_at !== undefined && doc.stopping_at !== undefined && Date.parse(doc.starting_at) > Date.parse(doc.stopping_at)) {
    throw badRequest('PRODUCT_VISIBILITY_INVALID', 'starting_at is after stopping_at');
  }
}

const barcodeTaken = (o: BarcodeOwner): ApiError =>
  conflict('PRODUCT_BARCODE_TAKEN', `barcode ${o.barcode} is already used by product ${o.product_id} in catalog ${o.catalog_id}`);

/** Sorts by key: writers that lock the same rows in the same order wait for each other instead of deadlocking. */
const byGroupId = (a: { group_id: string }, b: { group_id: string }): number => (a.group_id < b.group_id ? -1 : a.group_id > b.group_id ? 1 : 0);

function checkSameKey(code: string, what: string, pathKey: string, bodyKey: string | undefined): void {
  if (bodyKey !== undefined && bodyKey !== pathKey) {
    throw badRequest(code, `${what} in the body (${bodyKey}) differs from the path (${pathKey}); ids cannot be renamed`);
  }
}

function newGroupRow(actor: Actor, groupId: string, name: string | undefined, at: string): ProductGroupsTable {
  return {
    id: randomUUID(),
    account_id: actor.accountId,
    group_id: groupId,
    group_name: name ?? null,
    created_at: at,
    created_by: actor.clientId,
    updated_at: at,
    deleted_at: null,
    deleted_by: null,
  };
}

/** Deleted groups are left out; the product keeps their ids, so reviving a group brings it back. */
function toProduct(row: ProductsTable, doc: ProductDoc, catalog: CatalogsTable, groups: ReadonlyMap<string, ProductGroupsTable>): Product {
  const { group_ids, ...fields } = doc;
  return {
    ...entityOf(row),
    ...fields,
    product_id: row.product_id,
    catalog_id: catalog.catalog_id,
    catalog_name: optional(catalog.catalog_name),
    groups: group_ids.flatMap((id) => {
      const g = groups.get(id);
      return g === undefined ? [] : [{ group_id: id, group_name: optional(g.group_name) }];
    }),
  };
}

export function createProductService(repo: ProductRepo, clock: Clock) {
  const now = (): string => clock.now().toISOString();

  /** The till's view of products, tax groups and groups, for replication (tombstones included). */
  const sync = {
    async products(accountId: string, pks: readonly string[]): Promise<ProductSyncDoc[]> {
      return (await repo.productsByPk(accountId, pks)).map((row) => {
        const doc = decodeProduct(row);
        return {
          id: row.id, updated_at: row.updated_at, _deleted: row.deleted_at !== null || row.catalog_deleted_at !== null,
          product_id: row.product_id, catalog_id: row.catalog_id, product_name: doc.product_name, unit_gross_price: doc.unit_gross_price,
          currency: doc.currency, unit: doc.unit, barcodes: doc.barcodes, tax_id: doc.tax_id, group_ids: doc.group_ids,
          starting_at: doc.starting_at, stopping_at: doc.stopping_at,
        };
      });
    },
    async taxGroups(accountId: string, pks: readonly string[]): Promise<TaxGroupDoc[]> {
      return (await repo.taxGroupsByPk(accountId, pks)).map((row) => ({
        id: row.id, updated_at: row.updated_at, _deleted: row.deleted_at !== null, tax_id: row.tax_id,
        tax_group: optional(row.tax_group), percentage: optional(row.percentage), tax_code: optional(row.tax_code),
      }));
    },
    async groups(accountId: string, pks: readonly string[]): Promise<ProductGroupDoc[]> {
      return (await repo.groupsByPk(accountId, pks)).map((row) => ({
        id: row.id, updated_at: row.updated_at, _deleted: row.deleted_at !== null, group_id: row.group_id, group_name: optional(row.group_name),
      }));
    },
  };

  /**
   * Runs a write in one transaction. The checks inside it give the precise errors; a unique key
   * hit by a racing request (PostgreSQL, between our check and our insert) becomes `onRace`'s 409.
   */
  async function uniquely<T>(fn: (trx: Trx) => Promise<T>, onRace: (kind: UniqueViolation) => ApiError | Promise<ApiError>): Promise<T> {
    try {
      return await repo.transaction(fn);
    } catch (e) {
      const kind = repo.uniqueViolation(e);
      if (kind === undefined) throw e;
      throw await onRace(kind);
    }
  }

  /** After a lost race for a barcode: name the product that won it. */
  async function barcodeRace(accountId: string, barcodes: readonly string[], isSelf: (o: BarcodeOwner) => boolean): Promise<ApiError> {
    const owner = (await repo.findBarcodeOwners(accountId, barcodes)).find((o) => !isSelf(o));
    return owner === undefined ? conflict('PRODUCT_CONFLICT', 'another request changed these barcodes at the same time; retry') : barcodeTaken(owner);
  }

  async function liveCatalog(accountId: string, catalogId: string, trx?: Trx, lock?: Lock): Promise<CatalogsTable> {
    const row = await repo.findCatalog(accountId, catalogId, trx, lock);
    if (row === undefined) throw notFound('PRODUCT_CATALOG_NOT_FOUND', `catalog ${catalogId} not found`);
    return row;
  }

  async function liveProduct(catalog: CatalogsTable, productId: string, trx: Trx): Promise<ProductsTable> {
    const row = await repo.findProduct(catalog.id, productId, trx, 'update');
    if (row === undefined) throw notFound('PRODUCT_NOT_FOUND', `product ${productId} not found in catalog ${catalog.catalog_id}`);
    return row;
  }

  async function liveGroup(accountId: string, groupId: string, trx: Trx): Promise<ProductGroupsTable> {
    const row = await repo.findGroupAny(accountId, groupId, trx, 'update');
    if (row === undefined || row.deleted_at !== null) throw notFound('PRODUCT_GROUP_NOT_FOUND', `group ${groupId} not found`);
    return row;
  }

  async function liveTaxGroup(accountId: string, taxId: string, trx: Trx): Promise<TaxGroupsTable> {
    const row = await repo.findTaxGroup(accountId, taxId, trx, 'update');
    if (row === undefined) throw notFound('PRODUCT_TAX_GROUP_NOT_FOUND', `tax group ${taxId} not found`);
    return row;
  }

  async function checkTaxRef(accountId: string, taxId: string | null | undefined, trx: Trx): Promise<void> {
    if (taxId === undefined || taxId === null) return;
    if ((await repo.findTaxGroup(accountId, taxId, trx, 'share')) === undefined) {
      throw badRequest('PRODUCT_TAX_GROUP_UNKNOWN', `tax group ${taxId} does not exist; create it under /products/tax first`);
    }
  }

  async function checkBarcodesFree(accountId: string, barcodes: readonly string[], selfPk: string, trx: Trx): Promise<void> {
    const taken = (await repo.findBarcodeOwners(accountId, barcodes, trx)).find((o) => o.product_pk !== selfPk);
    if (taken !== undefined) throw barcodeTaken(taken);
  }

  /** New groups inserted, existing ones renamed when a name is given, deleted ones revived. */
  async function upsertGroup(actor: Actor, groupId: string, name: string | undefined, at: string, trx: Trx): Promise<void> {
    if (await repo.insertGroupIfAbsent(newGroupRow(actor, groupId, name, at), trx)) return;
    const existing = await repo.findGroupAny(actor.accountId, groupId, trx, 'update');
    if (existing === undefined) return; // cannot happen: group rows are never removed
    if (existing.deleted_at !== null || (name !== undefined && name !== existing.group_name)) {
      await repo.updateGroup(existing.id, { group_name: name ?? existing.group_name, deleted_at: null, deleted_by: null, updated_at: at }, trx);
    }
  }

  /** Upserts the groups a product names and returns their ids in the product's order. */
  async function upsertGroups(actor: Actor, refs: readonly ProductGroupRefInput[], at: string, trx: Trx): Promise<string[]> {
    const keyed = refs.map((ref) => ({ group_id: ref.group_id ?? randomUUID(), group_name: ref.group_name }));
    for (const ref of [...keyed].sort(byGroupId)) await upsertGroup(actor, ref.group_id, ref.group_name, at, trx);
    return keyed.map((ref) => ref.group_id);
  }

  async function liveGroupsById(accountId: string, groupIds: readonly string[], trx?: Trx): Promise<Map<string, ProductGroupsTable>> {
    return new Map((await repo.findLiveGroups(accountId, groupIds, trx)).map((g) => [g.group_id, g]));
  }

  /** Responses for products of one catalog; one query resolves every group name. */
  async function productResponses(accountId: string, catalog: CatalogsTable, rows: readonly ProductsTable[]): Promise<Product[]> {
    const docs = rows.map((row) => ({ row, doc: decodeProduct(row) }));
    const groups = await liveGroupsById(accountId, [...new Set(docs.flatMap((d) => d.doc.group_ids))]);
    return docs.map(({ row, doc }) => toProduct(row, doc, catalog, groups));
  }

  async function productResponse(accountId: string, catalog: CatalogsTable, row: ProductsTable, trx: Trx): Promise<Product> {
    const doc = decodeProduct(row);
    return toProduct(row, doc, catalog, await liveGroupsById(accountId, doc.group_ids, trx));
  }

  return {
    sync,

    // ---------------------------------------------------------- catalogs

    async listCatalogs(accountId: string, q: Paging): Promise<CatalogList> {
      const rows = await repo.listCatalogs(accountId, { limit: q.limit + 1, startingAfter: q.starting_after });
      const page = pageOf(rows, q.limit, (r) => r.catalog_id);
      return { catalogs: page.rows.map(toCatalog), starting_after: page.startingAfter };
    },

    async createCatalog(actor: Actor, body: CatalogPost): Promise<Catalog> {
      const at = now();
      const row: CatalogsTable = {
        id: randomUUID(),
        account_id: actor.accountId,
        catalog_id: body.catalog_id ?? randomUUID(),
        catalog_name: body.catalog_name ?? null,
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        deleted_at: null,
        deleted_by: null,
      };
      const exists = (): ApiError => conflict('PRODUCT_CATALOG_EXISTS', `catalog ${row.catalog_id} already exists`);
      await uniquely(async (trx) => {
        if ((await repo.findCatalog(actor.accountId, row.catalog_id, trx)) !== undefined) throw exists();
        await repo.insertCatalog(row, trx);
      }, exists);
      return toCatalog(row);
    },

    async updateCatalog(actor: Actor, catalogId: string, body: CatalogPut): Promise<Catalog> {
      checkSameKey('PRODUCT_CATALOG_ID_MISMATCH', 'catalog_id', catalogId, body.catalog_id);
      return repo.transaction(async (trx) => {
        const row = await liveCatalog(actor.accountId, catalogId, trx, 'update');
        const next = { ...row, catalog_name: patched(body.catalog_name, optional(row.catalog_name)) ?? null, updated_at: now() };
        await repo.updateCatalog(row.id, { catalog_name: next.catalog_name, updated_at: next.updated_at }, trx);
        return toCatalog(next);
      });
    },

    async deleteCatalog(actor: Actor, catalogId: string): Promise<Catalog> {
      return repo.transaction(async (trx) => {
        const row = await liveCatalog(actor.accountId, catalogId, trx, 'update');
        const del = { at: now(), by: actor.clientId };
        await repo.softDeleteCatalog(row.id, del, trx);
        return toCatalog({ ...row, updated_at: del.at, deleted_at: del.at, deleted_by: del.by });
      });
    },

    // ---------------------------------------------------------- products

    async listProducts(accountId: string, catalogId: string, q: ProductListQuery): Promise<ProductList> {
      const catalog = await liveCatalog(accountId, catalogId);
      const rows = await repo.listProducts(accountId, catalog.id, {
        limit: q.limit + 1,
        startingAfter: q.starting_after,
        productIds: q.product_id,
        namePrefix: q.product_name === undefined ? undefined : searchKey(q.product_name),
        barcode: q.barcode,
      });
      const page = pageOf(rows, q.limit, (r) => r.product_id);
      return { products: await productResponses(accountId, catalog, page.rows), starting_after: page.startingAfter };
    },

    async createProduct(actor: Actor, catalogId: string, body: ProductPost): Promise<Product> {
      const productId = body.product_id ?? randomUUID();
      const pk = randomUUID();
      const exists = (): ApiError => conflict('PRODUCT_EXISTS', `product ${productId} already exists in catalog ${catalogId}`);
      return uniquely(async (trx) => {
        const catalog = await liveCatalog(actor.accountId, catalogId, trx, 'share');
        if ((await repo.findProduct(catalog.id, productId, trx)) !== undefined) throw exists();
        const at = now();
        const draft = docFromPost(body);
        checkProduct(draft);
        await checkTaxRef(actor.accountId, draft.tax_id, trx);
        await checkBarcodesFree(actor.accountId, draft.barcodes, pk, trx);
        const doc = { ...draft, group_ids: await upsertGroups(actor, body.groups ?? [], at, trx) };
        const row: ProductsTable = {
          id: pk,
          account_id: actor.accountId,
          catalog_pk: catalog.id,
          product_id: productId,
          ...productColumns(doc),
          created_at: at,
          created_by: actor.clientId,
          updated_at: at,
          deleted_at: null,
          deleted_by: null,
        };
        await repo.insertProduct(row, trx);
        await repo.replaceBarcodes(actor.accountId, pk, doc.barcodes, trx);
        return productResponse(actor.accountId, catalog, row, trx);
      }, (kind) => (kind === 'barcode' ? barcodeRace(actor.accountId, body.barcodes ?? [], (o) => o.product_pk === pk) : exists()));
    },

    async updateProduct(actor: Actor, catalogId: string, productId: string, body: ProductPut): Promise<Product> {
      const isSelf = (o: BarcodeOwner): boolean => o.catalog_id === catalogId && o.product_id === productId;
      return uniquely(async (trx) => {
        const catalog = await liveCatalog(actor.accountId, catalogId, trx, 'share');
        const row = await liveProduct(catalog, productId, trx);
        const at = now();
        const draft = docFromPut(decodeProduct(row), body);
        checkProduct(draft);
        await checkTaxRef(actor.accountId, body.tax_id, trx);
        if (body.barcodes !== undefined) await checkBarcodesFree(actor.accountId, draft.barcodes, row.id, trx);
        const groupIds = body.groups === undefined ? undefined : await upsertGroups(actor, body.groups ?? [], at, trx);
        const doc = groupIds === undefined ? draft : { ...draft, group_ids: groupIds };
        const next: ProductsTable = { ...row, ...productColumns(doc), updated_at: at };
        await repo.updateProduct(row.id, { ...productColumns(doc), updated_at: at }, trx);
        if (body.barcodes !== undefined) await repo.replaceBarcodes(actor.accountId, row.id, doc.barcodes, trx);
        return productResponse(actor.accountId, catalog, next, trx);
      }, () => barcodeRace(actor.accountId, body.barcodes ?? [], isSelf));
    },

    async deleteProduct(actor: Actor, catalogId: string, productId: string): Promise<Product> {
      return repo.transaction(async (trx) => {
        const catalog = await liveCatalog(actor.accountId, catalogId, trx, 'share');
        const row = await liveProduct(catalog, productId, trx);
        const del = { at: now(), by: actor.clientId };
        await repo.softDeleteProduct(row.id, del, trx);
        return productResponse(actor.accountId, catalog, { ...row, updated_at: del.at, deleted_at: del.at, deleted_by: del.by }, trx);
      });
    },

    // ---------------------------------------------------------- groups

    async listGroups(accountId: string, q: GroupListQuery): Promise<GroupList> {
      const rows = await repo.listGroups(accountId, { limit: q.limit + 1, startingAfter: q.starting_after, groupId: q.group_id });
      const page = pageOf(rows, q.limit, (r) => r.group_id);
      return { groups: page.rows.map(toGroup), starting_after: page.startingAfter };
    },

    async createGroup(actor: Actor, body: GroupPost): Promise<Group> {
      const groupId = body.group_id ?? randomUUID();
      const exists = (): ApiError => conflict('PRODUCT_GROUP_EXISTS', `group ${groupId} already exists`);
      return uniquely(async (trx) => {
        const at = now();
        const existing = await repo.findGroupAny(actor.accountId, groupId, trx, 'update');
        if (existing === undefined) {
          const row = newGroupRow(actor, groupId, body.group_name, at);
          await repo.insertGroup(row, trx);
          return toGroup(row);
        }
        if (existing.deleted_at === null) throw exists();
        const revived = { ...existing, group_name: body.group_name ?? existing.group_name, updated_at: at, deleted_at: null, deleted_by: null };
        await repo.updateGroup(existing.id, { group_name: revived.group_name, updated_at: at, deleted_at: null, deleted_by: null }, trx);
        return toGroup(revived);
      }, exists);
    },

    async updateGroup(actor: Actor, groupId: string, body: GroupPut): Promise<Group> {
      checkSameKey('PRODUCT_GROUP_ID_MISMATCH', 'group_id', groupId, body.group_id);
      return repo.transaction(async (trx) => {
        const row = await liveGroup(actor.accountId, groupId, trx);
        const next = { ...row, group_name: patched(body.group_name, optional(row.group_name)) ?? null, updated_at: now() };
        await repo.updateGroup(row.id, { group_name: next.group_name, updated_at: next.updated_at }, trx);
        return toGroup(next);
      });
    },

    async deleteGroup(actor: Actor, groupId: string): Promise<Group> {
      return repo.transaction(async (trx) => {
        const row = await liveGroup(actor.accountId, groupId, trx);
        const at = now();
        await repo.updateGroup(row.id, { deleted_at: at, deleted_by: actor.clientId, updated_at: at }, trx);
        return toGroup({ ...row, updated_at: at, deleted_at: at, deleted_by: actor.clientId });
      });
    },

    // ---------------------------------------------------------- tax groups

    async listTaxGroups(accountId: string, q: Paging): Promise<TaxGroupList> {
      const rows = await repo.listTaxGroups(accountId, { limit: q.limit + 1, startingAfter: q.starting_after });
      const page = pageOf(rows, q.limit, (r) => r.tax_id);
      return { tax_groups: page.rows.map(toTaxGroup), starting_after: page.startingAfter };
    },

    async createTaxGroup(actor: Actor, body: TaxGroupPost): Promise<TaxGroup> {
      const at = now();
      const row: TaxGroupsTable = {
        id: randomUUID(),
        account_id: actor.accountId,
        tax_id: body.tax_id ?? randomUUID(),
        tax_group: body.tax_group ?? null,
        description: body.description ?? null,
        amount: body.amount ?? null,
        percentage: body.percentage ?? null,
        tax_code: body.tax_code ?? null,
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        deleted_at: null,
        deleted_by: null,
      };
      const exists = (): ApiError => conflict('PRODUCT_TAX_GROUP_EXISTS', `tax group ${row.tax_id} already exists`);
      await uniquely(async (trx) => {
        if ((await repo.findTaxGroup(actor.accountId, row.tax_id, trx)) !== undefined) throw exists();
        await repo.insertTaxGroup(row, trx);
      }, exists);
      return toTaxGroup(row);
    },

    async updateTaxGroup(actor: Actor, taxId: string, body: TaxGroupPut): Promise<TaxGroup> {
      checkSameKey('PRODUCT_TAX_GROUP_ID_MISMATCH', 'tax_id', taxId, body.tax_id);
      return repo.transaction(async (trx) => {
        const row = await liveTaxGroup(actor.accountId, taxId, trx);
        const set = {
          tax_group: patched(body.tax_group, optional(row.tax_group)) ?? null,
          description: patched(body.description, optional(row.description)) ?? null,
          amount: patched(body.amount, optional(row.amount)) ?? null,
          percentage: patched(body.percentage, optional(row.percentage)) ?? null,
          tax_code: patched(body.tax_code, optional(row.tax_code)) ?? null,
          updated_at: now(),
        };
        await repo.updateTaxGroup(row.id, set, trx);
        return toTaxGroup({ ...row, ...set });
      });
    },

    async deleteTaxGroup(actor: Actor, taxId: string): Promise<TaxGroup> {
      return repo.transaction(async (trx) => {
        const row = await liveTaxGroup(actor.accountId, taxId, trx);
        const users = await repo.countProductsWithTax(actor.accountId, taxId, trx);
        if (users > 0) throw conflict('PRODUCT_TAX_GROUP_IN_USE', `tax group ${taxId} is used by ${users} product(s); change their tax_id first`);
        const at = now();
        await repo.updateTaxGroup(row.id, { deleted_at: at, deleted_by: actor.clientId, updated_at: at }, trx);
        return toTaxGroup({ ...row, updated_at: at, deleted_at: at, deleted_by: actor.clientId });
      });
    },
  };
}

export type ProductService = ReturnType<typeof createProductService>;
