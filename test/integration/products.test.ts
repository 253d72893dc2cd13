import type { Catalog, CatalogList, Group, GroupList, Product, ProductList, TaxGroup, TaxGroupList } from '@pos/core/contracts/products';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

interface Err {
  error: { message: string; code: string };
}

/** An account of its own per test, so lists and barcodes of one test never meet another's. */
interface Store {
  aid: string;
  token: string;
  clientId: string;
  call(method: InjectOptions['method'], path: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
}

/** The API client id a token was issued to (the JWT's `sub`). */
function clientIdOf(token: string): string {
  const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  if (typeof payload !== 'object' || payload === null || !('sub' in payload) || typeof payload.sub !== 'string') throw new Error('token without sub');
  return payload.sub;
}

const expectError = (res: LightMyRequestResponse, status: number, code: string): Err['error'] => {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json<Err>();
  expect(error.code).toBe(code);
  expect(error.message).toEqual(expect.any(String));
  return error;
};

describe.each(dbTargets())('products on $name', (target) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target);
  });
  afterAll(() => h.close());

  let accounts = 0;
  async function newStore(scopes: string[] = ['write:products']): Promise<Store> {
    accounts += 1;
    const aid = `T5${String(accounts).padStart(7, '0')}`;
    await h.createAccount(aid);
    const token = await h.tokenFor(scopes, aid);
    return {
      aid,
      token,
      clientId: clientIdOf(token),
      call: (method, path, body, other) => h.call(method, `/v1/accounts/${aid}${path}`, { token: other ?? token, body }),
    };
  }

  const ok = <T>(res: LightMyRequestResponse): T => {
    expect(res.statusCode, res.body).toBe(200);
    return res.json<T>();
  };

  async function catalog(s: Store, catalog_id = 'main', catalog_name = 'Main'): Promise<Catalog> {
    return ok<Catalog>(await s.call('POST', '/products/catalogs', { catalog_id, catalog_name }));
  }

  async function listProducts(s: Store, catalogId = 'main', query = ''): Promise<ProductList> {
    return ok<ProductList>(await s.call('GET', `/products/catalogs/${catalogId}/products${query}`));
  }

  const productIds = (list: ProductList): string[] => list.products.map((p) => p.product_id);

  describe('catalogs', () => {
    it('creates, lists in two cursor pages, updates and deletes catalogs', async () => {
      const s = await newStore();
      const created = await catalog(s, 'c1', 'Summer');
      expect(created).toMatchObject({ catalog_id: 'c1', catalog_name: 'Summer', created_by: s.clientId });
      expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.updated_at).toBe(created.created_at);
      expect(created.deleted_at).toBeUndefined();
      await catalog(s, 'c2', 'Winter');
      await catalog(s, 'c3', 'Autumn');
      await catalog(s, 'c0', 'Spring');

      const page1 = ok<CatalogList>(await s.call('GET', '/products/catalogs?limit=2'));
      expect(page1.catalogs.map((c) => c.catalog_id)).toEqual(['c0', 'c1']);
      expect(page1.starting_after).toBe('c1');
      const page2 = ok<CatalogList>(await s.call('GET', `/products/catalogs?limit=2&starting_after=${page1.starting_after ?? ''}`));
      expect(page2.catalogs.map((c) => c.catalog_id)).toEqual(['c2', 'c3']);
      expect(page2.starting_after).toBeUndefined();

      const renamed = ok<Catalog>(await s.call('PUT', '/products/catalogs/c1', { catalog_name: 'Summer 2026' }));
      expect(renamed).toMatchObject({ id: created.id, catalog_id: 'c1', catalog_name: 'Summer 2026', created_at: created.created_at });
      const kept = ok<Catalog>(await s.call('PUT', '/products/catalogs/c1', {}));
      expect(kept.catalog_name).toBe('Summer 2026');

      const deleted = ok<Catalog>(await s.call('DELETE', '/products/catalogs/c1'));
      expect(deleted).toMatchObject({ id: created.id, catalog_id: 'c1', deleted_by: s.clientId });
      expect(deleted.deleted_at).toEqual(expect.any(String));
      const after = ok<CatalogList>(await s.call('GET', '/products/catalogs?limit=100'));
      expect(after.catalogs.map((c) => c.catalog_id)).toEqual(['c0', 'c2', 'c3']);
      expectError(await s.call('PUT', '/products/catalogs/c1', { catalog_name: 'x' }), 404, 'PRODUCT_CATALOG_NOT_FOUND');
      expectError(await s.call('DELETE', '/products/catalogs/c1'), 404, 'PRODUCT_CATALOG_NOT_FOUND');
      expectError(await s.call('GET', '/products/catalogs/c1/products'), 404, 'PRODUCT_CATALOG_NOT_FOUND');

      // A deleted catalog's id can be used again, for a new catalog.
      const again = await catalog(s, 'c1', 'Summer again');
      expect(again.id).not.toBe(created.id);
    });

    it('generates a catalog_id when none is given', async () => {
      const s = await newStore();
      const generated = ok<Catalog>(await s.call('POST', '/products/catalogs', {}));
      expect(generated.catalog_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(generated.catalog_name).toBeUndefined();
      expect(ok<CatalogList>(await s.call('GET', '/products/catalogs')).catalogs).toEqual([generated]);
    });

    it('refuses a duplicate catalog_id and a renaming PUT', async () => {
      const s = await newStore();
      await catalog(s, 'dup', 'First');
      expectError(await s.call('POST', '/products/catalogs', { catalog_id: 'dup', catalog_name: 'Second' }), 409, 'PRODUCT_CATALOG_EXISTS');
      expectError(await s.call('PUT', '/products/catalogs/dup', { catalog_id: 'other' }), 400, 'PRODUCT_CATALOG_ID_MISMATCH');
      const list = ok<CatalogList>(await s.call('GET', '/products/catalogs'));
      expect(list.catalogs).toHaveLength(1);
      expect(list.catalogs[0]?.catalog_name).toBe('First');
    });

    it('deleting a catalog deletes its products and frees their barcodes', async () => {
      const s = await newStore();
      await catalog(s, 'old');
      await catalog(s, 'new');
      ok<Product>(await s.call('POST', '/products/catalogs/old/products', { product_id: 'p1', barcodes: ['7038010009457'] }));
      ok<Catalog>(await s.call('DELETE', '/products/catalogs/old'));
      expectError(await s.call('PUT', '/products/catalogs/old/products/p1', { product_name: 'x' }), 404, 'PRODUCT_CATALOG_NOT_FOUND');
      const moved = ok<Product>(await s.call('POST', '/products/catalogs/new/products', { product_id: 'p1', barcodes: ['7038010009457'] }));
      expect(moved.catalog_id).toBe('new');
      expect(productIds(await listProducts(s, 'new', '?barcode=7038010009457'))).toEqual(['p1']);
    });
  });

  describe('products', () => {
    it('creates a product with every field and returns it as the till will read it', async () => {
      const s = await newStore();
      await catalog(s, 'main', 'Main shop');
      ok<TaxGroup>(await s.call('POST', '/products/tax', { tax_id: 'vat25', tax_group: 'MVA høy', percentage: 25 }));
      const body = {
        product_id: 'chair-1',
        product_name: 'Stablestol',
        description: 'Stablestol for utendørsbruk',
        unit_gross_price: 10_900,
        unit: 'stk',
        currency: 'NOK',
        starting_at: '2026-01-01T00:00:00Z',
        stopping_at: '2026-12-31T23:59:59+01:00',
        dimension: { color: 'green', size: 'L' },
        images: [{ href: 'https://example.com/chair.png', rel: 'thumbnail_image' }],
        locations: [{ location_id: 'oslo', location_name: 'Oslo', number_of_items_in_storage: 15 }],
        barcodes: ['7038010009457', 'PLU-42'],
        tax_id: 'vat25',
        groups: [{ id: 'B1', name: 'Møbel' }],
      };
      const product = ok<Product>(await s.call('POST', '/products/catalogs/main/products', body));
      const { groups: _g, ...fields } = body;
      expect(product).toMatchObject({
        ...fields,
        catalog_id: 'main',
        catalog_name: 'Main shop',
        is_virtual_product: false,
        locations: [{ location_id: 'oslo', location_name: 'Oslo', number_of_items_in_storage: 15, is_available_for_shipping: true, is_available_for_pickup: false }],
        groups: [{ group_id: 'B1', group_name: 'Møbel' }],
        created_by: s.clientId,
      });
      expect(product.id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await listProducts(s)).products).toEqual([product]);

      const generated = ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_name: 'No id' }));
      expect(generated.product_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(generated).toMatchObject({ barcodes: [], groups: [], is_virtual_product: false });
      expectError(await s.call('POST', '/products/catalogs/main/products', { product_id: 'chair-1' }), 409, 'PRODUCT_EXISTS');
      expectError(await s.call('POST', '/products/catalogs/nope/products', { product_id: 'x' }), 404, 'PRODUCT_CATALOG_NOT_FOUND');
    });

    it('lists in two cursor pages and filters by product_id, product_name and barcode', async () => {
      const s = await newStore();
      await catalog(s);
      const names = { a: 'Øl pils', b: 'øl IPA', c: 'Brød', d: 'Ølglass', e: 'Cola 50%' };
      for (const [id, product_name] of Object.entries(names)) {
        ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: id, product_name, barcodes: [`70000000000${id}`] }));
      }
      const page1 = await listProducts(s, 'main', '?limit=3');
      expect(productIds(page1)).toEqual(['a', 'b', 'c']);
      expect(page1.starting_after).toBe('c');
      const page2 = await listProducts(s, 'main', '?limit=3&starting_after=c');
      expect(productIds(page2)).toEqual(['d', 'e']);
      expect(page2.starting_after).toBeUndefined();
      // A full last page says nothing more exists.
      expect((await listProducts(s, 'main', '?limit=5')).starting_after).toBeUndefined();

      expect(productIds(await listProducts(s, 'main', '?product_id=b'))).toEqual(['b']);
      expect(productIds(await listProducts(s, 'main', '?product_id=e&product_id=a&product_id=zz'))).toEqual(['a', 'e']);
      expect(productIds(await listProducts(s, 'main', `?product_name=${encodeURIComponent('ØL')}`))).toEqual(['a', 'b', 'd']);
      expect(productIds(await listProducts(s, 'main', `?product_name=${encodeURIComponent('øl ')}`))).toEqual(['a', 'b']);
      expect(productIds(await listProducts(s, 'main', '?product_name=pils'))).toEqual([]);
      // LIKE wildcards in the prefix are matched literally.
      expect(productIds(await listProducts(s, 'main', `?product_name=${encodeURIComponent('%')}`))).toEqual([]);
      expect(productIds(await listProducts(s, 'main', `?product_name=${encodeURIComponent('cola 50%')}`))).toEqual(['e']);
      expect(productIds(await listProducts(s, 'main', '?product_name=_'))).toEqual([]);

      const scanned = await listProducts(s, 'main', '?barcode=70000000000d');
      expect(scanned.products.map((p) => [p.product_id, p.product_name])).toEqual([['d', 'Ølglass']]);
      expect((await listProducts(s, 'main', '?barcode=123')).products).toEqual([]);
      expect((await listProducts(s, 'main', '?barcode=70000000000d&product_name=br')).products).toEqual([]);
    });

    it('updates only the fields a PUT names; null clears one', async () => {
      const s = await newStore();
      await catalog(s);
      const created = ok<Product>(
        await s.call('POST', '/products/catalogs/main/products', {
          product_id: 'p',
          product_name: 'Kaffe',
          description: 'Mørkbrent',
          unit_gross_price: 4_990,
          currency: 'NOK',
          barcodes: ['111'],
          groups: [{ group_id: 'drinks', group_name: 'Drikke' }],
        }),
      );
      const updated = ok<Product>(await s.call('PUT', '/products/catalogs/main/products/p', { unit_gross_price: 5_490, description: null, is_virtual_product: true }));
      expect(updated).toMatchObject({ product_name: 'Kaffe', unit_gross_price: 5_490, currency: 'NOK', barcodes: ['111'], is_virtual_product: true, groups: [{ group_id: 'drinks', group_name: 'Drikke' }] });
      expect(updated.description).toBeUndefined();
      expect(updated.id).toBe(created.id);
      expect(updated.created_at).toBe(created.created_at);
      expect((await listProducts(s)).products).toEqual([updated]);

      const renamed = ok<Product>(await s.call('PUT', '/products/catalogs/main/products/p', { product_name: 'Espresso', barcodes: ['222'], groups: [] }));
      expect(renamed).toMatchObject({ product_name: 'Espresso', barcodes: ['222'], groups: [] });
      expect(productIds(await listProducts(s, 'main', '?product_name=esp'))).toEqual(['p']);
      expect(productIds(await listProducts(s, 'main', '?product_name=kaf'))).toEqual([]);
      expect(productIds(await listProducts(s, 'main', '?barcode=111'))).toEqual([]);
      expect(productIds(await listProducts(s, 'main', '?barcode=222'))).toEqual(['p']);

      expectError(await s.call('PUT', '/products/catalogs/main/products/p', { currency: null }), 400, 'PRODUCT_CURRENCY_REQUIRED');
      expectError(await s.call('PUT', '/products/catalogs/main/products/missing', { product_name: 'x' }), 404, 'PRODUCT_NOT_FOUND');
      expect((await listProducts(s)).products[0]?.currency).toBe('NOK');
    });

    it('deletes a product: it leaves the lists, 404s afterwards and frees its barcodes', async () => {
      const s = await newStore();
      await catalog(s);
      ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: 'keep' }));
      const doomed = ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: 'gone', barcodes: ['999'] }));
      const deleted = ok<Product>(await s.call('DELETE', '/products/catalogs/main/products/gone'));
      expect(deleted).toMatchObject({ id: doomed.id, product_id: 'gone', deleted_by: s.clientId, barcodes: ['999'] });
      expect(deleted.deleted_at).toEqual(expect.any(String));
      expect(productIds(await listProducts(s))).toEqual(['keep']);
      expect(productIds(await listProducts(s, 'main', '?product_id=gone'))).toEqual([]);
      expectError(await s.call('PUT', '/products/catalogs/main/products/gone', { product_name: 'x' }), 404, 'PRODUCT_NOT_FOUND');
      expectError(await s.call('DELETE', '/products/catalogs/main/products/gone'), 404, 'PRODUCT_NOT_FOUND');
      ok<Product>(await s.call('PUT', '/products/catalogs/main/products/keep', { barcodes: ['999'] }));
      expect(productIds(await listProducts(s, 'main', '?barcode=999'))).toEqual(['keep']);
    });

    it('refuses a barcode another product carries, in any catalog, and stores nothing', async () => {
      const s = await newStore();
      await catalog(s, 'main');
      await catalog(s, 'outlet');
      ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: 'milk', barcodes: ['7038010009457'] }));
      const error = expectError(
        await s.call('POST', '/products/catalogs/outlet/products', { product_id: 'copy', barcodes: ['123', '7038010009457'], groups: [{ group_id: 'new-group' }] }),
        409,
        'PRODUCT_BARCODE_TAKEN',
      );
      expect(error.message).toContain('7038010009457');
      expect(error.message).toContain('milk');
      expect((await listProducts(s, 'outlet')).products).toEqual([]);
      expect(productIds(await listProducts(s, 'main', '?barcode=123'))).toEqual([]);
      // The groups of the refused product were not created either: one transaction.
      expect(ok<GroupList>(await s.call('GET', '/products/groups')).groups).toEqual([]);

      ok<Product>(await s.call('POST', '/products/catalogs/outlet/products', { product_id: 'cheese', barcodes: ['555'] }));
      expectError(await s.call('PUT', '/products/catalogs/outlet/products/cheese', { barcodes: ['7038010009457'] }), 409, 'PRODUCT_BARCODE_TAKEN');
      expect(productIds(await listProducts(s, 'outlet', '?barcode=555'))).toEqual(['cheese']);
      // Re-sending a product's own barcodes is not a conflict.
      ok<Product>(await s.call('PUT', '/products/catalogs/main/products/milk', { barcodes: ['7038010009457'], product_name: 'Melk' }));
      expectError(await s.call('POST', '/products/catalogs/main/products', { product_id: 'twice', barcodes: ['1', '1'] }), 400, 'VALIDATION_ERROR');
    });

    it('accepts only tax_id of an existing tax group, and keeps a tax group in use from deletion', async () => {
      const s = await newStore();
      await catalog(s);
      expectError(await s.call('POST', '/products/catalogs/main/products', { product_id: 'p', tax_id: 'vat25' }), 400, 'PRODUCT_TAX_GROUP_UNKNOWN');
      expect((await listProducts(s)).products).toEqual([]);

      ok<TaxGroup>(await s.call('POST', '/products/tax', { tax_id: 'vat25', percentage: 25 }));
      ok<TaxGroup>(await s.call('POST', '/products/tax', { tax_id: 'vat15', percentage: 15 }));
      ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: 'p', tax_id: 'vat25' }));
      expectError(await s.call('PUT', '/products/catalogs/main/products/p', { tax_id: 'vat99' }), 400, 'PRODUCT_TAX_GROUP_UNKNOWN');
      expect((await listProducts(s)).products[0]?.tax_id).toBe('vat25');

      expectError(await s.call('DELETE', '/products/tax/vat25'), 409, 'PRODUCT_TAX_GROUP_IN_USE');
      ok<Product>(await s.call('PUT', '/products/catalogs/main/products/p', { tax_id: 'vat15' }));
      ok<TaxGroup>(await s.call('DELETE', '/products/tax/vat25'));
      expectError(await s.call('PUT', '/products/catalogs/main/products/p', { tax_id: 'vat25' }), 400, 'PRODUCT_TAX_GROUP_UNKNOWN');
    });

    it('upserts groups named by a product: new inserted, existing renamed, deleted revived', async () => {
      const s = await newStore();
      await catalog(s);
      const old = ok<Group>(await s.call('POST', '/products/groups', { group_id: 'B1', group_name: 'Old name' }));
      ok<Group>(await s.call('POST', '/products/groups', { group_id: 'B2', group_name: 'Stays' }));
      ok<Group>(await s.call('DELETE', '/products/groups/B1'));

      const product = ok<Product>(
        await s.call('POST', '/products/catalogs/main/products', {
          product_id: 'chair',
          groups: [{ id: 'B1', name: 'Møbel' }, { group_id: 'B2' }, { group_id: 'B3', group_name: 'Stol' }, { group_name: 'Unnamed id' }],
        }),
      );
      expect(product.groups.slice(0, 3)).toEqual([
        { group_id: 'B1', group_name: 'Møbel' },
        { group_id: 'B2', group_name: 'Stays' },
        { group_id: 'B3', group_name: 'Stol' },
      ]);
      const generatedId = product.groups[3]?.group_id ?? '';
      expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

      const groups = ok<GroupList>(await s.call('GET', '/products/groups?limit=100')).groups;
      expect(groups.map((g) => g.group_id).sort()).toEqual(['B1', 'B2', 'B3', generatedId].sort());
      const revived = groups.find((g) => g.group_id === 'B1');
      expect(revived).toMatchObject({ id: old.id, group_name: 'Møbel', created_at: old.created_at });
      expect(revived?.deleted_at).toBeUndefined();

      // Deleting a group takes it off the product; reviving it puts it back.
      ok<Group>(await s.call('DELETE', '/products/groups/B2'));
      expect((await listProducts(s)).products[0]?.groups.map((g) => g.group_id)).toEqual(['B1', 'B3', generatedId]);
      ok<Group>(await s.call('POST', '/products/groups', { group_id: 'B2' }));
      expect((await listProducts(s)).products[0]?.groups.map((g) => g.group_id)).toEqual(['B1', 'B2', 'B3', generatedId]);
      // Renaming a group shows on its products.
      ok<Group>(await s.call('PUT', '/products/groups/B3', { group_name: 'Stoler' }));
      expect((await listProducts(s)).products[0]?.groups[2]).toEqual({ group_id: 'B3', group_name: 'Stoler' });

      expectError(
        await s.call('POST', '/products/catalogs/main/products', { product_id: 'x', groups: [{ id: 'B1', group_id: 'B2' }] }),
        400,
        'VALIDATION_ERROR',
      );
      expectError(await s.call('POST', '/products/catalogs/main/products', { product_id: 'x', groups: [{ id: 'B1' }, { group_id: 'B1' }] }), 400, 'VALIDATION_ERROR');
    });
  });

  describe('groups', () => {
    it('creates, lists in two cursor pages, filters, updates and deletes groups', async () => {
      const s = await newStore();
      for (const [group_id, group_name] of [['g3', 'Three'], ['g1', 'One'], ['g2', 'Two']]) {
        const g = ok<Group>(await s.call('POST', '/products/groups', { group_id, group_name }));
        expect(g).toMatchObject({ group_id, group_name, created_by: s.clientId });
      }
      expectError(await s.call('POST', '/products/groups', { group_id: 'g1' }), 409, 'PRODUCT_GROUP_EXISTS');

      const page1 = ok<GroupList>(await s.call('GET', '/products/groups?limit=2'));
      expect(page1.groups.map((g) => g.group_id)).toEqual(['g1', 'g2']);
      expect(page1.starting_after).toBe('g2');
      const page2 = ok<GroupList>(await s.call('GET', '/products/groups?limit=2&starting_after=g2'));
      expect(page2.groups.map((g) => g.group_id)).toEqual(['g3']);
      expect(page2.starting_after).toBeUndefined();
      expect(ok<GroupList>(await s.call('GET', '/products/groups?group_id=g2')).groups.map((g) => g.group_name)).toEqual(['Two']);

      const updated = ok<Group>(await s.call('PUT', '/products/groups/g2', { group_name: 'Zwei' }));
      expect(updated).toMatchObject({ group_id: 'g2', group_name: 'Zwei' });
      expectError(await s.call('PUT', '/products/groups/g2', { group_id: 'g9' }), 400, 'PRODUCT_GROUP_ID_MISMATCH');

      const deleted = ok<Group>(await s.call('DELETE', '/products/groups/g2'));
      expect(deleted).toMatchObject({ group_id: 'g2', deleted_by: s.clientId });
      expect(ok<GroupList>(await s.call('GET', '/products/groups')).groups.map((g) => g.group_id)).toEqual(['g1', 'g3']);
      expectError(await s.call('PUT', '/products/groups/g2', { group_name: 'x' }), 404, 'PRODUCT_GROUP_NOT_FOUND');
      expectError(await s.call('DELETE', '/products/groups/g2'), 404, 'PRODUCT_GROUP_NOT_FOUND');
      expectError(await s.call('DELETE', '/products/groups/never'), 404, 'PRODUCT_GROUP_NOT_FOUND');
    });
  });

  describe('tax groups', () => {
    it('creates, lists in two cursor pages, updates and deletes tax groups', async () => {
      const s = await newStore();
      const high = ok<TaxGroup>(
        await s.call('POST', '/products/tax', { tax_id: 'vat25', tax_group: 'MVA høy', description: 'Standard', amount: 0, percentage: 25, tax_code: '3' }),
      );
      expect(high).toMatchObject({ tax_id: 'vat25', tax_group: 'MVA høy', description: 'Standard', amount: 0, percentage: 25, tax_code: '3', created_by: s.clientId });
      ok<TaxGroup>(await s.call('POST', '/products/tax', { tax_id: 'vat15', tax_group: 'MVA mat', percentage: 15 }));
      const generated = ok<TaxGroup>(await s.call('POST', '/products/tax', { tax_group: 'MVA lav', percentage: 12.5 }));
      expect(generated.tax_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(generated.percentage).toBe(12.5);
      expectError(await s.call('POST', '/products/tax', { tax_id: 'vat25' }), 409, 'PRODUCT_TAX_GROUP_EXISTS');

      const page1 = ok<TaxGroupList>(await s.call('GET', '/products/tax?limit=2'));
      expect(page1.tax_groups.map((t) => t.tax_id)).toEqual([generated.tax_id, 'vat15'].sort().slice(0, 2));
      const page2 = ok<TaxGroupList>(await s.call('GET', `/products/tax?limit=2&starting_after=${page1.starting_after ?? ''}`));
      expect([...page1.tax_groups, ...page2.tax_groups].map((t) => t.tax_id)).toEqual([generated.tax_id, 'vat15', 'vat25'].sort());
      expect(page2.starting_after).toBeUndefined();

      const updated = ok<TaxGroup>(await s.call('PUT', '/products/tax/vat15', { percentage: 14, tax_code: null }));
      expect(updated).toMatchObject({ tax_id: 'vat15', tax_group: 'MVA mat', percentage: 14 });
      expect(updated.tax_code).toBeUndefined();
      expectError(await s.call('PUT', '/products/tax/vat15', { percentage: 101 }), 400, 'VALIDATION_ERROR');
      expectError(await s.call('PUT', '/products/tax/vat15', { tax_id: 'vat16' }), 400, 'PRODUCT_TAX_GROUP_ID_MISMATCH');
      expect(ok<TaxGroupList>(await s.call('GET', '/products/tax?limit=100')).tax_groups.find((t) => t.tax_id === 'vat15')?.percentage).toBe(14);

      const deleted = ok<TaxGroup>(await s.call('DELETE', '/products/tax/vat25'));
      expect(deleted).toMatchObject({ tax_id: 'vat25', deleted_by: s.clientId });
      expect(ok<TaxGroupList>(await s.call('GET', '/products/tax?limit=100')).tax_groups.map((t) => t.tax_id)).not.toContain('vat25');
      expectError(await s.call('PUT', '/products/tax/vat25', { percentage: 1 }), 404, 'PRODUCT_TAX_GROUP_NOT_FOUND');
      expectError(await s.call('DELETE', '/products/tax/vat25'), 404, 'PRODUCT_TAX_GROUP_NOT_FOUND');
    });
  });

  describe('access', () => {
    it('lets read scopes read but not write, and refuses tokens without products scopes', async () => {
      const s = await newStore(['admin:products']);
      await catalog(s);
      ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: 'p' }));
      const reader = await h.tokenFor(['read:products'], s.aid);
      const wallets = await h.tokenFor(['read:wallets', 'write:wallets'], s.aid);

      for (const path of ['/products/catalogs', '/products/catalogs/main/products', '/products/groups', '/products/tax']) {
        expect((await s.call('GET', path, undefined, reader)).statusCode).toBe(200);
        expectError(await s.call('GET', path, undefined, wallets), 403, 'AUTH_SCOPE_MISSING');
      }
      const writes: Array<[InjectOptions['method'], string, unknown]> = [
        ['POST', '/products/catalogs', { catalog_id: 'r' }],
        ['PUT', '/products/catalogs/main', { catalog_name: 'r' }],
        ['DELETE', '/products/catalogs/main', undefined],
        ['POST', '/products/catalogs/main/products', { product_id: 'r' }],
        ['PUT', '/products/catalogs/main/products/p', { product_name: 'r' }],
        ['DELETE', '/products/catalogs/main/products/p', undefined],
        ['POST', '/products/groups', { group_id: 'r' }],
        ['POST', '/products/tax', { tax_id: 'r' }],
      ];
      for (const [method, path, body] of writes) {
        expectError(await s.call(method, path, body, reader), 403, 'AUTH_SCOPE_MISSING');
        expectError(await s.call(method, path, body, wallets), 403, 'AUTH_SCOPE_MISSING');
      }
      const anonymous = await h.call('GET', `/v1/accounts/${s.aid}/products/catalogs`);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json<Err>().error.message).toEqual(expect.any(String));
      expect((await h.call('POST', `/v1/accounts/${s.aid}/products/tax`, { body: { tax_id: 'x' } })).statusCode).toBe(401);

      // Nothing the refused calls sent was stored.
      const catalogs = ok<CatalogList>(await s.call('GET', '/products/catalogs'));
      expect(catalogs.catalogs.map((c) => [c.catalog_id, c.catalog_name])).toEqual([['main', 'Main']]);
      expect((await listProducts(s)).products.map((p) => [p.product_id, p.product_name])).toEqual([['p', undefined]]);
      expect(ok<GroupList>(await s.call('GET', '/products/groups')).groups).toEqual([]);
      expect(ok<TaxGroupList>(await s.call('GET', '/products/tax')).tax_groups).toEqual([]);
    });

    it('keeps each account to its own products', async () => {
      const a = await newStore();
      const b = await newStore();
      await catalog(a, 'shared-name');
      ok<Product>(await a.call('POST', '/products/catalogs/shared-name/products', { product_id: 'p', barcodes: ['42'] }));
      // A token for account b cannot read account a's path.
      expectError(await h.call('GET', `/v1/accounts/${a.aid}/products/catalogs`, { token: b.token }), 403, 'AUTH_ACCOUNT_MISMATCH');
      expect(ok<CatalogList>(await b.call('GET', '/products/catalogs')).catalogs).toEqual([]);
      expectError(await b.call('GET', '/products/catalogs/shared-name/products'), 404, 'PRODUCT_CATALOG_NOT_FOUND');
      // Barcodes are unique per account, not across accounts.
      await catalog(b, 'shared-name');
      ok<Product>(await b.call('POST', '/products/catalogs/shared-name/products', { product_id: 'p', barcodes: ['42'] }));
    });
  });

  describe('concurrent writers', () => {
    it('gives a contested barcode to exactly one product', async () => {
      const s = await newStore();
      await catalog(s);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => s.call('POST', '/products/catalogs/main/products', { product_id: `p${i}`, barcodes: [`B-${i}`, 'SHARED'] })),
      );
      expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
      for (const r of results.filter((x) => x.statusCode !== 200)) expectError(r, 409, 'PRODUCT_BARCODE_TAKEN');
      const winner = productIds(await listProducts(s, 'main', '?barcode=SHARED'));
      expect(winner).toHaveLength(1);
      expect(productIds(await listProducts(s, 'main', '?limit=100'))).toEqual(winner);
    });

    it('lets products that name the same new groups in any order all succeed, making each group once', async () => {
      const s = await newStore();
      await catalog(s);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const groups = [{ group_id: 'G-a', group_name: 'A' }, { group_id: 'G-b', group_name: 'B' }, { group_id: 'G-c' }];
          return s.call('POST', '/products/catalogs/main/products', { product_id: `p${i}`, groups: i % 2 === 0 ? groups : groups.reverse() });
        }),
      );
      for (const r of results) expect(r.statusCode, r.body).toBe(200);
      const groups = ok<GroupList>(await s.call('GET', '/products/groups?limit=100')).groups;
      expect(groups.map((g) => [g.group_id, g.group_name])).toEqual([['G-a', 'A'], ['G-b', 'B'], ['G-c', undefined]]);
    });

    it('leaves no barcode taken by a product of a catalog deleted while it was written', async () => {
      const s = await newStore();
      await catalog(s, 'doomed');
      await catalog(s, 'next');
      const writes = Array.from({ length: 6 }, (_, i) => s.call('POST', '/products/catalogs/doomed/products', { product_id: `p${i}`, barcodes: [`C-${i}`] }));
      const [deleted] = await Promise.all([s.call('DELETE', '/products/catalogs/doomed'), ...writes]);
      expect(deleted?.statusCode).toBe(200);
      const codes = Array.from({ length: 6 }, (_, i) => `C-${i}`);
      ok<Product>(await s.call('POST', '/products/catalogs/next/products', { product_id: 'all', barcodes: codes }));
    });
  });

  describe('bad input', () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['a name that is not a string', { product_name: 5 }],
      ['a negative price', { unit_gross_price: -100, currency: 'NOK' }],
      ['a price that is not an integer', { unit_gross_price: 109.5, currency: 'NOK' }],
      ['a price given as a string', { unit_gross_price: '10900', currency: 'NOK' }],
      ['an unknown currency', { unit_gross_price: 100, currency: 'GBP' }],
      ['a boolean as a string', { is_virtual_product: 'yes' }],
      ['an invalid barcode', { barcodes: ['70 38'] }],
      ['barcodes that are not a list', { barcodes: '7038010009457' }],
      ['an image without a URL', { images: [{ title: 'x' }] }],
      ['a date that is not ISO-8601', { starting_at: 'tomorrow' }],
      ['a field the contract does not have', { price: 100 }],
      ['a product_id with surrounding spaces', { product_id: ' p ' }],
    ];
    it.each(bad)('refuses a product with %s and stores nothing', async (_what, body) => {
      const s = await newStore();
      await catalog(s);
      const res = await s.call('POST', '/products/catalogs/main/products', { product_id: 'p', ...body });
      expect(res.statusCode, res.body).toBe(400);
      const { error } = res.json<Err>();
      expect(error).toEqual(expect.objectContaining({ message: expect.any(String), code: expect.any(String) }));
      expect((await listProducts(s)).products).toEqual([]);
    });

    it('refuses a price without a currency and a window that ends before it starts', async () => {
      const s = await newStore();
      await catalog(s);
      expectError(await s.call('POST', '/products/catalogs/main/products', { unit_gross_price: 100 }), 400, 'PRODUCT_CURRENCY_REQUIRED');
      expectError(
        await s.call('POST', '/products/catalogs/main/products', { starting_at: '2026-02-01T00:00:00Z', stopping_at: '2026-01-01T00:00:00Z' }),
        400,
        'PRODUCT_VISIBILITY_INVALID',
      );
      expect((await listProducts(s)).products).toEqual([]);
    });

    it('refuses bad PUT bodies, bad queries and malformed JSON without changing anything', async () => {
      const s = await newStore();
      await catalog(s);
      const before = ok<Product>(await s.call('POST', '/products/catalogs/main/products', { product_id: 'p', unit_gross_price: 100, currency: 'NOK' }));
      for (const body of [{ unit_gross_price: -1 }, { unit_gross_price: 1.5 }, { currency: 'XYZ' }, { product_name: ['x'] }]) {
        expectError(await s.call('PUT', '/products/catalogs/main/products/p', body), 400, 'VALIDATION_ERROR');
      }
      expect((await listProducts(s)).products).toEqual([before]);

      for (const query of ['?limit=0', '?limit=101', '?limit=ten', '?barcode=no%20spaces']) {
        expectError(await s.call('GET', `/products/catalogs/main/products${query}`), 400, 'VALIDATION_ERROR');
      }
      for (const body of [{ catalog_name: 7 }, { catalog_id: '' }, { extra: true }]) {
        expectError(await s.call('POST', '/products/catalogs', body), 400, 'VALIDATION_ERROR');
      }
      for (const body of [{ percentage: -1 }, { percentage: '25' }, { amount: 1.5 }]) {
        expectError(await s.call('POST', '/products/tax', body), 400, 'VALIDATION_ERROR');
      }
      const malformed = await h.app.inject({
        method: 'POST',
        url: `/v1/accounts/${s.aid}/products/catalogs`,
        headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
        payload: '{"catalog_id": ',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json<Err>().error.message).toEqual(expect.any(String));
      expect(ok<CatalogList>(await s.call('GET', '/products/catalogs')).catalogs.map((c) => c.catalog_id)).toEqual(['main']);
      expect(ok<TaxGroupList>(await s.call('GET', '/products/tax')).tax_groups).toEqual([]);
    });
  });
});
