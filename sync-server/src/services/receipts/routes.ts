/**
 * Dintero's Receipts routes (contract §4.1): schemas, scopes, and the call into the service.
 * Scopes are the contract's, oddities included: PUT /receipts/all/{receipt_id} is granted by
 * `read:receipts` (§9.12, mirrored for compatibility).
 *
 * `user:receipts` belongs to end-user (customer) tokens and reaches only that customer's receipts.
 * Our access tokens do not carry a customer yet (there is no customer login), so a token whose
 * only grant is `user:receipts` is refused (403) wherever a customer is named.
 */
import { z } from 'zod';
import { hasAnyScope, scopesFor } from '@pos/core';
import { AccountIdSchema, ClientKeySchema, ErrorBodySchema, PagingQuerySchema } from '@pos/core/contracts/common';
import {
  ChangeCustomerSchema,
  CustomerSegmentQuerySchema,
  CustomerSegmentSchema,
  ReceiptAssignSchema,
  ReceiptBatchSchema,
  ReceiptMinimalSchema,
  ReceiptsCreatedSchema,
  StoredReceiptSchema,
  TokenClaimSchema,
} from '@pos/core/contracts/receipts';
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../../errors.ts';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Principal } from '../auth/service.ts';
import { withFastBody } from './batch-validation.ts';
import type { Actor, ReceiptService } from './service.ts';

const WRITE = scopesFor('receipts', 'write:receipts');
const READ = scopesFor('receipts', 'read:receipts');
const ADMIN = scopesFor('receipts');
/** §4.1 as published: `read:receipts` grants this write. */
const ASSIGN = scopesFor('receipts', 'read:receipts');
const CUSTOMER_READ = scopesFor('receipts', 'read:receipts', 'user:receipts');
const TOKEN_READ = scopesFor('receipts', 'read:receipts', 'user:receipts', 'public:receipts');
const TOKEN_CLAIM = scopesFor('receipts', 'write:receipts', 'user:receipts');

/** A batch of 1,000 20-line receipts is about 8 MiB; twice that leaves room for long receipts. */
const BATCH_BODY_LIMIT = 16 * 1024 * 1024;

const tags = ['receipts'];
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

const Aid = z.object({ aid: AccountIdSchema });
const Id = z.string().min(1).max(255);
const CustomerParams = Aid.extend({ customer_id: ClientKeySchema });
const CustomerReceiptParams = CustomerParams.extend({ receipt_id: Id });
const TokenQuery = z.object({ token: z.string().min(1).max(4096) });
const ReceiptPage = z.object({ receipts: z.array(StoredReceiptSchema), starting_after: z.string().optional() });

function actorOf(request: FastifyRequest): Actor {
  const p = principalOf(request);
  return { accountId: p.accountId, clientId: p.clientId };
}

/**
 * The customer an end-user token acts for. Access tokens carry no customer yet (no customer
 * login exists), so this is always undefined for now.
 */
const customerOf = (_p: Principal): string | undefined => undefined;

/** A token granted only `user:receipts` may act for its own customer and no other. */
function requireOwnCustomer(request: FastifyRequest, customerId: string, wider: readonly string[]): void {
  const p = principalOf(request);
  if (hasAnyScope(p.scopes, wider)) return;
  if (customerOf(p) !== customerId) throw forbidden('RECEIPTS_OTHER_CUSTOMER', "a user:receipts token reaches only its own customer's receipts");
}

export function receiptRoutes(app: ZodApp, receipts: ReceiptService): void {
  app.post('/v1/accounts/:aid/receipts', {
    config: { scopes: WRITE },
    bodyLimit: BATCH_BODY_LIMIT,
    // Batches are the hot path: their bodies are checked by a compiled JSON Schema first (batch-validation.ts).
    validatorCompiler: withFastBody,
    schema: {
      tags,
      summary: 'Store a batch of 1..1000 receipts, all or nothing; duplicates are counted and skipped',
      params: Aid,
      querystring: z.object({ token_expire_days: z.coerce.number().int().min(1).max(3650).optional() }),
      body: ReceiptBatchSchema,
      response: { 200: ReceiptsCreatedSchema, ...errors },
    },
  }, (req) => receipts.store(actorOf(req), req.body, { tokenExpireDays: req.query.token_expire_days }));

  app.put('/v1/accounts/:aid/receipts/all/:receipt_id', {
    config: { scopes: ASSIGN },
    schema: { tags, summary: 'Give an anonymous receipt its customer (and discounts, if it has none)', params: Aid.extend({ receipt_id: Id }), body: ReceiptAssignSchema, response: { 200: StoredReceiptSchema, ...errors } },
  }, (req) => receipts.assign(actorOf(req), req.params.receipt_id, req.body));

  app.post('/v1/accounts/:aid/receipts/customer_segment', {
    config: { scopes: READ },
    schema: { tags, summary: 'Customers by purchase history: receipts per customer matching the filters', params: Aid, body: CustomerSegmentQuerySchema, response: { 200: CustomerSegmentSchema, ...errors } },
  }, (req) => receipts.customerSegment(req.params.aid, req.body));

  app.get('/v1/accounts/:aid/receipts/customers/:customer_id', {
    config: { scopes: CUSTOMER_READ },
    schema: {
      tags,
      summary: "A customer's receipts, newest purchase first",
      params: CustomerParams,
      querystring: PagingQuerySchema,
      response: { 200: z.object({ receipts: z.array(ReceiptMinimalSchema), starting_after: z.string().optional() }), ...errors },
    },
  }, (req) => {
    requireOwnCustomer(req, req.params.customer_id, READ);
    return receipts.customerReceipts(req.params.aid, req.params.customer_id, req.query);
  });

  app.get('/v1/accounts/:aid/receipts/customers/:customer_id/:receipt_id', {
    config: { scopes: CUSTOMER_READ },
    schema: { tags, summary: "One of a customer's receipts (server id, or POS receipt_id when unique)", params: CustomerReceiptParams, response: { 200: StoredReceiptSchema, ...errors } },
  }, (req) => {
    requireOwnCustomer(req, req.params.customer_id, READ);
    return receipts.customerReceipt(req.params.aid, req.params.customer_id, req.params.receipt_id);
  });

  app.post('/v1/accounts/:aid/receipts/customers/:customer_id/:receipt_id/change_customer_id', {
    config: { scopes: ADMIN },
    schema: { tags, summary: 'Move a receipt to another customer', params: CustomerReceiptParams, body: ChangeCustomerSchema, response: { 200: StoredReceiptSchema, ...errors } },
  }, (req) => receipts.changeCustomer(actorOf(req), req.params.customer_id, req.params.receipt_id, req.body.customer_id));

  app.get('/v1/accounts/:aid/receipts/receipt-token', {
    config: { scopes: TOKEN_READ },
    schema: { tags, summary: 'The receipt behind a receipt token', params: Aid, querystring: TokenQuery, response: { 200: StoredReceiptSchema, ...errors } },
  }, (req) => receipts.byToken(req.params.aid, req.query.token));

  app.post('/v1/accounts/:aid/receipts/receipt-token', {
    config: { scopes: TOKEN_CLAIM },
    schema: { tags, summary: 'Claim the receipt behind a receipt token for a customer; the token is spent', params: Aid, querystring: TokenQuery, body: TokenClaimSchema, response: { 200: StoredReceiptSchema, ...errors } },
  }, (req) => {
    requireOwnCustomer(req, req.body.customer_id, WRITE);
    return receipts.claimByToken(actorOf(req), req.query.token, req.body.customer_id);
  });

  app.get('/v1/accounts/:aid/receipts/search', {
    config: { scopes: READ },
    schema: { tags, summary: 'Receipts with this POS receipt_id (several stores may share one)', params: Aid, querystring: PagingQuerySchema.extend({ receipt_id: Id }), response: { 200: ReceiptPage, ...errors } },
  }, (req) => receipts.search(req.params.aid, req.query));
}
