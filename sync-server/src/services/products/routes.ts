/** Dintero's Products routes (contract §7): schemas, scopes, and the call into the service. */
import { z } from 'zod';
import { scopesFor } from '@pos/core';
import { AccountIdSchema, ClientKeySchema, ErrorBodySchema, PagingQuerySchema } from '@pos/core/contracts/common';
import {
  CatalogListSchema,
  CatalogPostSchema,
  CatalogPutSchema,
  CatalogSchema,
  GroupListQuerySchema,
  GroupListSchema,
  GroupPostSchema,
  GroupPutSchema,
  GroupSchema,
  ProductListQuerySchema,
  ProductListSchema,
  ProductPostSchema,
  ProductPutSchema,
  ProductSchema,
  TaxGroupListSchema,
  TaxGroupPostSchema,
  TaxGroupPutSchema,
  TaxGroupSchema,
} from '@pos/core/contracts/products';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Actor, ProductService } from './service.ts';

// The contract lists no scopes for the groups and tax endpoints (§9.12); they take the same
// scopes as catalogs and products, so nothing is open by default.
const READ = scopesFor('products', 'read:products', 'write:products');
const WRITE = scopesFor('products', 'write:products');

const Aid = z.object({ aid: AccountIdSchema });
const CatalogParams = Aid.extend({ catalog_id: ClientKeySchema });
const ProductParams = CatalogParams.extend({ product_id: ClientKeySchema });
const GroupParams = Aid.extend({ group_id: ClientKeySchema });
const TaxParams = Aid.extend({ tax_id: ClientKeySchema });

const tags = ['products'];
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

/** The path's account (the auth hook has checked it is the token's) and the calling client. */
function actorOf(request: FastifyRequest<{ Params: { aid: string } }>): Actor {
  return { accountId: request.params.aid, clientId: principalOf(request).clientId };
}

function catalogRoutes(app: ZodApp, products: ProductService): void {
  app.get('/v1/accounts/:aid/products/catalogs', {
    config: { scopes: READ },
    schema: { tags, summary: 'List catalogs', params: Aid, querystring: PagingQuerySchema, response: { 200: CatalogListSchema, ...errors } },
  }, (req) => products.listCatalogs(req.params.aid, req.query));

  app.post('/v1/accounts/:aid/products/catalogs', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a catalog', params: Aid, body: CatalogPostSchema, response: { 200: CatalogSchema, ...errors } },
  }, (req) => products.createCatalog(actorOf(req), req.body));

  app.put('/v1/accounts/:aid/products/catalogs/:catalog_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a catalog', params: CatalogParams, body: CatalogPutSchema, response: { 200: CatalogSchema, ...errors } },
  }, (req) => products.updateCatalog(actorOf(req), req.params.catalog_id, req.body));

  app.delete('/v1/accounts/:aid/products/catalogs/:catalog_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a catalog and all its products', params: CatalogParams, response: { 200: CatalogSchema, ...errors } },
  }, (req) => products.deleteCatalog(actorOf(req), req.params.catalog_id));
}

function catalogProductRoutes(app: ZodApp, products: ProductService): void {
  app.get('/v1/accounts/:aid/products/catalogs/:catalog_id/products', {
    config: { scopes: READ },
    schema: {
      tags,
      summary: 'List the products of a catalog',
      params: CatalogParams,
      querystring: ProductListQuerySchema,
      response: { 200: ProductListSchema, ...errors },
    },
  }, (req) => products.listProducts(req.params.aid, req.params.catalog_id, req.query));

  app.post('/v1/accounts/:aid/products/catalogs/:catalog_id/products', {
    config: { scopes: WRITE },
    schema: {
      tags,
      summary: 'Create a product; its groups are upserted',
      params: CatalogParams,
      body: ProductPostSchema,
      response: { 200: ProductSchema, ...errors },
    },
  }, (req) => products.createProduct(actorOf(req), req.params.catalog_id, req.body));

  app.put('/v1/accounts/:aid/products/catalogs/:catalog_id/products/:product_id', {
    config: { scopes: WRITE },
    schema: {
      tags,
      summary: 'Update a product (absent fields are kept, null clears)',
      params: ProductParams,
      body: ProductPutSchema,
      response: { 200: ProductSchema, ...errors },
    },
  }, (req) => products.updateProduct(actorOf(req), req.params.catalog_id, req.params.product_id, req.body));

  app.delete('/v1/accounts/:aid/products/catalogs/:catalog_id/products/:product_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a product', params: ProductParams, response: { 200: ProductSchema, ...errors } },
  }, (req) => products.deleteProduct(actorOf(req), req.params.catalog_id, req.params.product_id));
}

function groupRoutes(app: ZodApp, products: ProductService): void {
  app.get('/v1/accounts/:aid/products/groups', {
    config: { scopes: READ },
    schema: { tags, summary: 'List product groups', params: Aid, querystring: GroupListQuerySchema, response: { 200: GroupListSchema, ...errors } },
  }, (req) => products.listGroups(req.params.aid, req.query));

  app.post('/v1/accounts/:aid/products/groups', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a product group (a deleted one is revived)', params: Aid, body: GroupPostSchema, response: { 200: GroupSchema, ...errors } },
  }, (req) => products.createGroup(actorOf(req), req.body));

  app.put('/v1/accounts/:aid/products/groups/:group_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a product group', params: GroupParams, body: GroupPutSchema, response: { 200: GroupSchema, ...errors } },
  }, (req) => products.updateGroup(actorOf(req), req.params.group_id, req.body));

  app.delete('/v1/accounts/:aid/products/groups/:group_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a product group', params: GroupParams, response: { 200: GroupSchema, ...errors } },
  }, (req) => products.deleteGroup(actorOf(req), req.params.group_id));
}

function taxRoutes(app: ZodApp, products: ProductService): void {
  app.get('/v1/accounts/:aid/products/tax', {
    config: { scopes: READ },
    schema: { tags, summary: 'List tax groups', params: Aid, querystring: PagingQuerySchema, response: { 200: TaxGroupListSchema, ...errors } },
  }, (req) => products.listTaxGroups(req.params.aid, req.query));

  app.post('/v1/accounts/:aid/products/tax', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a tax group', params: Aid, body: TaxGroupPostSchema, response: { 200: TaxGroupSchema, ...errors } },
  }, (req) => products.createTaxGroup(actorOf(req), req.body));

  app.put('/v1/accounts/:aid/products/tax/:tax_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a tax group', params: TaxParams, body: TaxGroupPutSchema, response: { 200: TaxGroupSchema, ...errors } },
  }, (req) => products.updateTaxGroup(actorOf(req), req.params.tax_id, req.body));

  app.delete('/v1/accounts/:aid/products/tax/:tax_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a tax group that no product uses', params: TaxParams, response: { 200: TaxGroupSchema, ...errors } },
  }, (req) => products.deleteTaxGroup(actorOf(req), req.params.tax_id));
}

export function productRoutes(app: ZodApp, products: ProductService): void {
  catalogRoutes(app, products);
  catalogProductRoutes(app, products);
  groupRoutes(app, products);
  taxRoutes(app, products);
}
