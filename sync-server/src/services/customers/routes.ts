/**
 * Dintero's Customers routes (contract §2.1): schemas, scopes, and the call into the service.
 * `user:customers` scopes are not listed: with no customer login there is no token that could
 * carry a customer to restrict them to, so they grant nothing (see service.ts).
 */
import { z } from 'zod';
import { hasAnyScope, scopesFor } from '@pos/core';
import { AccountIdSchema, ClientKeySchema, DateTimeSchema, ErrorBodySchema } from '@pos/core/contracts/common';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import {
  CommunicationSchema,
  CUSTOMER_TYPES,
  CustomerPostSchema,
  CustomerPutSchema,
  CustomerResponseSchema,
  CustomerTagSchema,
  CustomerTokenSchema,
  SettingsResponseSchema,
  SettingsSchema,
  TagPostSchema,
  TermsPostSchema,
  TermsSchema,
  TokenDetailSchema,
  TokenEventsDeleteSchema,
  TokenEventsListItemSchema,
  TokenEventsPostSchema,
  TokenPostSchema,
} from './schemas.ts';
import type { Actor, CustomerService } from './service.ts';

const READ = scopesFor('customers', 'read:customers');
const WRITE = scopesFor('customers', 'write:customers');
const CREATE = scopesFor('customers', 'write:customers', 'create:customers:/users');
const PUBLIC_READ = scopesFor('customers', 'read:customers', 'public:customers');
const CHANGE_ID = scopesFor('customers', 'admin:accounts');
/** Who may create or change `employee` / `other` users and read HMAC secrets in settings. */
const PRIVILEGED = scopesFor('customers', 'write:customers');

const tags = ['customers'];
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };

const Aid = z.object({ aid: AccountIdSchema });
const CustomerParams = Aid.extend({ customer_id: ClientKeySchema });
const Id = z.string().min(1).max(255);

const Limit = z.coerce.number().int().min(1).max(100).default(10);
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
/** `?x=a&x=b` arrives as an array, `?x=a` as a string. */
const StringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const merged = (a: string[] | undefined, b: string[] | undefined): string[] => [...(a ?? []), ...(b ?? [])];

const UsersQuery = z.object({
  limit: Limit,
  starting_after: z.string().min(1).optional().describe('The customer_id of the last customer of the previous page'),
  since_datetime: DateTimeSchema.optional().describe('Customers updated at or after this time, oldest first; not with starting_after'),
  token_value: z.string().min(1).optional(),
  token_type: z.string().min(1).optional(),
  email: z.string().min(1).optional(),
  phone_number: z.string().min(1).optional(),
  type: z.enum([...CUSTOMER_TYPES, 'any']).optional(),
  search: z.string().min(1).optional(),
  tag_id: z.string().min(1).optional(),
  include_deleted: Bool.optional(),
  attributes_keys: StringList.optional(),
  'attributes_keys[]': StringList.optional(),
  attributes_values: StringList.optional(),
  'attributes_values[]': StringList.optional(),
  total: Bool.optional(),
});

const HeadQuery = z.object({ email: z.string().min(1).optional(), phone_number: z.string().min(1).optional() });

const TokensQuery = z.object({
  type: z.string().min(1).optional(),
  limit: Limit,
  starting_after: z.string().min(1).optional().describe('The token_id of the last token of the previous page'),
  total: Bool.optional(),
  include_deleted: Bool.optional(),
});

const TokenEventsQuery = z.object({
  limit: Limit,
  starting_after: z.string().min(1).optional(),
  since_datetime: DateTimeSchema.optional(),
  deleted_since: DateTimeSchema.optional(),
});

const TermsQuery = z.object({ limit: Limit, starting_after: z.string().min(1).optional(), include_deleted: Bool.optional() });

/** The path's account (the auth hook has checked it is the token's) and the calling client. */
function actorOf(request: FastifyRequest<{ Params: { aid: string } }>): Actor {
  return { accountId: request.params.aid, clientId: principalOf(request).clientId };
}

const privileged = (request: FastifyRequest): boolean => hasAnyScope(principalOf(request).scopes, PRIVILEGED);

function userRoutes(app: ZodApp, customers: CustomerService): void {
  // Declared before GET, which would otherwise get Fastify's automatic HEAD.
  app.head('/v1/accounts/:aid/customers/users', {
    config: { scopes: PUBLIC_READ },
    schema: { tags, summary: 'Does a user with this email / phone number exist? (200 / 404; 405 unless settings.users.head.enabled)', params: Aid, querystring: HeadQuery },
  }, async (req, reply) => {
    const exists = await customers.userExists(req.params.aid, req.query);
    return reply.status(exists ? 200 : 404).send();
  });

  app.get('/v1/accounts/:aid/customers/users', {
    config: { scopes: READ },
    schema: { tags, summary: 'List customers (prefix filters, ANDed; cursor = customer_id; total=true adds total-count)', params: Aid, querystring: UsersQuery, response: { 200: z.array(CustomerResponseSchema), ...errors } },
  }, async (req, reply) => {
    const q = req.query;
    const res = await customers.listCustomers(req.params.aid, {
      ...q,
      include_deleted: q.include_deleted ?? false,
      total: q.total ?? false,
      attributes_keys: merged(q.attributes_keys, q['attributes_keys[]']),
      attributes_values: merged(q.attributes_values, q['attributes_values[]']),
    });
    if (res.total !== undefined) void reply.header('total-count', String(res.total));
    return res.customers;
  });

  app.post('/v1/accounts/:aid/customers/users', {
    config: { scopes: CREATE },
    schema: { tags, summary: 'Create a customer (400 on duplicate customer_id, email per type, or phone number)', params: Aid, body: CustomerPostSchema, response: { 200: CustomerResponseSchema, ...errors } },
  }, (req) => customers.createCustomer(actorOf(req), req.body, privileged(req)));

  app.get('/v1/accounts/:aid/customers/users/:customer_id', {
    config: { scopes: READ },
    schema: { tags, summary: 'A customer (a deleted one shows only its ids and stamps)', params: CustomerParams, response: { 200: CustomerResponseSchema, ...errors } },
  }, (req) => customers.getCustomer(req.params.aid, req.params.customer_id));

  app.put('/v1/accounts/:aid/customers/users/:customer_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a customer (partial: absent fields stay, null removes; metadata merges by key)', params: CustomerParams, body: CustomerPutSchema, response: { 200: CustomerResponseSchema, ...errors } },
  }, (req) => customers.updateCustomer(actorOf(req), req.params.customer_id, req.body, privileged(req)));

  app.delete('/v1/accounts/:aid/customers/users/:customer_id', {
    config: { scopes: WRITE },
    schema: {
      tags,
      summary: 'Delete a customer: personal data is wiped; delete_tokens=true deletes its tokens too',
      params: CustomerParams,
      querystring: z.object({ delete_tokens: Bool.optional() }),
      response: { 200: CustomerResponseSchema, ...errors },
    },
  }, (req) => customers.deleteCustomer(actorOf(req), req.params.customer_id, req.query.delete_tokens ?? false));

  app.post('/v1/accounts/:aid/customers/users/:customer_id/change_customer_id', {
    config: { scopes: CHANGE_ID },
    schema: {
      tags,
      summary: "Change a customer's customer_id (other services keep the old one)",
      params: CustomerParams,
      body: z.strictObject({ customer_id: ClientKeySchema.optional() }),
      response: { 200: CustomerResponseSchema, ...errors },
    },
  }, (req) => customers.changeCustomerId(actorOf(req), req.params.customer_id, req.body.customer_id));
}

function tokenRoutes(app: ZodApp, customers: CustomerService): void {
  app.get('/v1/accounts/:aid/customers/users/:customer_id/tokens', {
    config: { scopes: READ },
    schema: { tags, summary: "A customer's tokens (cursor = token_id; total=true adds total-count)", params: CustomerParams, querystring: TokensQuery, response: { 200: z.array(CustomerTokenSchema), ...errors } },
  }, async (req, reply) => {
    const q = req.query;
    const res = await customers.listTokens(req.params.aid, req.params.customer_id, { ...q, total: q.total ?? false, include_deleted: q.include_deleted ?? false });
    if (res.total !== undefined) void reply.header('total-count', String(res.total));
    return res.tokens;
  });

  app.post('/v1/accounts/:aid/customers/users/:customer_id/tokens', {
    config: { scopes: WRITE },
    schema: {
      tags,
      summary: 'Add a token (201; 400 when another customer holds the type and value)',
      params: CustomerParams,
      querystring: z.object({ delete_token_events: Bool.optional() }),
      body: TokenPostSchema,
      response: { 201: CustomerTokenSchema, ...errors },
    },
  }, async (req, reply) => {
    const token = await customers.addToken(actorOf(req), req.params.customer_id, req.body, req.query.delete_token_events ?? false);
    return reply.status(201).send(token);
  });

  app.delete('/v1/accounts/:aid/customers/users/:customer_id/tokens/:tid', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a token (by token_id)', params: CustomerParams.extend({ tid: Id }), response: { 200: CustomerTokenSchema, ...errors } },
  }, (req) => customers.deleteToken(actorOf(req), req.params.customer_id, req.params.tid));

  app.get('/v1/accounts/:aid/customers/tokens/events', {
    config: { scopes: READ },
    schema: { tags, summary: 'Tokens with events and their status (cursor = id; deleted_since: tokens whose events were cleared)', params: Aid, querystring: TokenEventsQuery, response: { 200: z.array(TokenEventsListItemSchema), ...errors } },
  }, (req) => customers.listTokenEvents(req.params.aid, req.query));

  app.post('/v1/accounts/:aid/customers/tokens/events', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Look a token up (customer, token, status, events); with event, record it first', params: Aid, body: TokenEventsPostSchema, response: { 200: TokenDetailSchema, ...errors } },
  }, (req) => customers.tokenDetail(actorOf(req), req.body.token, req.body.event));

  app.delete('/v1/accounts/:aid/customers/tokens/events', {
    config: { scopes: WRITE },
    schema: { tags, summary: "Clear a token's events; the optional event is recorded with status DELETED", params: Aid, body: TokenEventsDeleteSchema, response: { 204: z.null().describe('Cleared'), ...errors } },
  }, async (req, reply) => {
    await customers.clearTokenEvents(actorOf(req), req.body.token, req.body.event);
    return reply.status(204).send(null);
  });
}

function accountRoutes(app: ZodApp, customers: CustomerService): void {
  app.get('/v1/accounts/:aid/customers/settings', {
    config: { scopes: PUBLIC_READ },
    schema: { tags, summary: 'Customer settings (defaults filled in; HMAC secrets only for admin/write)', params: Aid, response: { 200: SettingsResponseSchema, ...errors } },
  }, (req) => customers.getSettings(req.params.aid, privileged(req)));

  app.put('/v1/accounts/:aid/customers/settings', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Replace the customer settings', params: Aid, body: SettingsSchema, response: { 200: SettingsSchema, ...errors } },
  }, (req) => customers.putSettings(actorOf(req), req.body));

  app.get('/v1/accounts/:aid/customers/tags', {
    config: { scopes: READ },
    schema: { tags, summary: 'Customer tags (groups)', params: Aid, response: { 200: z.array(CustomerTagSchema), ...errors } },
  }, (req) => customers.listTags(req.params.aid));

  app.post('/v1/accounts/:aid/customers/tags', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a tag', params: Aid, body: TagPostSchema, response: { 200: CustomerTagSchema, ...errors } },
  }, (req) => customers.createTag(actorOf(req), req.body));

  app.delete('/v1/accounts/:aid/customers/tags/:tag_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a tag (also removed from every customer)', params: Aid.extend({ tag_id: Id }), response: { 200: CustomerTagSchema, ...errors } },
  }, (req) => customers.deleteTag(actorOf(req), req.params.tag_id));

  app.get('/v1/accounts/:aid/customers/users/:customer_id/tags', {
    config: { scopes: READ },
    schema: { tags, summary: "A customer's tags", params: CustomerParams, response: { 200: z.array(CustomerTagSchema), ...errors } },
  }, (req) => customers.customerTags(req.params.aid, req.params.customer_id));

  app.put('/v1/accounts/:aid/customers/users/:customer_id/tags', {
    config: { scopes: WRITE },
    schema: { tags, summary: "Replace a customer's tags (tag ids)", params: CustomerParams, body: z.array(Id).max(1000), response: { 200: z.array(CustomerTagSchema), ...errors } },
  }, (req) => customers.setCustomerTags(actorOf(req), req.params.customer_id, req.body));

  app.get('/v1/accounts/:aid/customers/terms', {
    config: { scopes: PUBLIC_READ },
    schema: { tags, summary: 'Terms and conditions (cursor = id)', params: Aid, querystring: TermsQuery, response: { 200: z.array(TermsSchema), ...errors } },
  }, (req) => customers.listTerms(req.params.aid, { ...req.query, include_deleted: req.query.include_deleted ?? false }));

  app.post('/v1/accounts/:aid/customers/terms', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create terms and conditions', params: Aid, body: TermsPostSchema, response: { 200: TermsSchema, ...errors } },
  }, (req) => customers.createTerms(actorOf(req), req.body.terms));

  app.get('/v1/accounts/:aid/customers/terms/:tid', {
    config: { scopes: PUBLIC_READ },
    schema: { tags, summary: 'One terms and conditions', params: Aid.extend({ tid: Id }), response: { 200: TermsSchema, ...errors } },
  }, (req) => customers.getTerms(req.params.aid, req.params.tid));

  app.delete('/v1/accounts/:aid/customers/terms/:tid', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete terms and conditions (soft)', params: Aid.extend({ tid: Id }), response: { 200: TermsSchema, ...errors } },
  }, (req) => customers.deleteTerms(actorOf(req), req.params.tid));

  app.get('/v1/accounts/:aid/customers/users/:customer_id/communication', {
    config: { scopes: READ },
    schema: { tags, summary: 'Verification state and consent of email and phone number', params: CustomerParams, response: { 200: CommunicationSchema, ...errors } },
  }, (req) => customers.communication(req.params.aid, req.params.customer_id));

  app.post('/v1/accounts/:aid/customers/users/:customer_id/communication/:operation/:field', {
    config: { scopes: WRITE },
    schema: {
      tags,
      summary: 'send-verification-code, then confirm-verification-code with {code} (10 minutes, 5 tries)',
      params: CustomerParams.extend({ operation: z.enum(['send-verification-code', 'confirm-verification-code']), field: z.enum(['email', 'phone_number']) }),
      body: z.strictObject({ code: z.string().max(32).optional() }).optional(),
      response: { 204: z.null().describe('Done'), ...errors },
    },
  }, async (req, reply) => {
    const { customer_id, operation, field } = req.params;
    if (operation === 'send-verification-code') await customers.sendCode(actorOf(req), customer_id, field);
    else await customers.confirmCode(actorOf(req), customer_id, field, req.body?.code);
    return reply.status(204).send(null);
  });
}

export function customerRoutes(app: ZodApp, customers: CustomerService): void {
  userRoutes(app, customers);
  tokenRoutes(app, customers);
  accountRoutes(app, customers);
}
