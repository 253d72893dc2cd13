/** Dintero's Discounts and Automations routes (contract §3.1): schemas, scopes, and the call into the service. */
import { z } from 'zod';
import { hasAnyScope, scopesFor } from '@pos/core';
import { AccountIdSchema, ClientKeySchema, DateTimeSchema, EntitySchema, ErrorBodySchema, MetadataSchema } from '@pos/core/contracts/common';
import {
  AutomationPostSchema,
  CampaignPostSchema,
  CampaignPutSchema,
  ClaimPostSchema,
  CustomerStatisticsSchema,
  DiscountPostSchema,
  DiscountPutSchema,
  DiscountSchema,
  ItemMatchSchema,
  ReceiptSchema,
  StatisticsSchema,
  UsageRefWriteSchema,
} from '@pos/core/contracts/discounts';
import type { FastifyRequest } from 'fastify';
import type { ZodApp } from '../../http.ts';
import { forbidden } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import { AutomationSchema } from './automations.ts';
import type { Actor, DiscountService } from './service.ts';

const READ = scopesFor('discounts', 'read:discounts');
const WRITE = scopesFor('discounts', 'write:discounts');
const CALCULATE = scopesFor('discounts', 'write:discounts', 'write:discounts:/available_for_receipt');
const CLAIMS_READ = scopesFor('discounts', 'read:discounts', 'read:discounts:/available_for_receipt');
const CLAIMS_WRITE = CALCULATE;
const EVENTS = scopesFor('discounts', 'write:discounts', 'write:discounts:/events');
const PUBLIC = scopesFor('discounts', 'read:discounts', 'public:discounts');
const CUSTOMER_RULES = scopesFor('discounts', 'read:discounts', 'user:discounts');
const AUTOMATIONS_READ = scopesFor('automations', 'read:automations');
const AUTOMATIONS_WRITE = scopesFor('automations', 'write:automations');

const tags = ['discounts'];
const automationTags = ['automations'];
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema, 409: ErrorBodySchema };

const Aid = z.object({ aid: AccountIdSchema });
const Id = z.string().min(1).max(255);
const RuleParams = Aid.extend({ discount_id: Id });
const CampaignParams = Aid.extend({ campaign_id: ClientKeySchema });
const CustomerParams = Aid.extend({ customer_id: ClientKeySchema });
const RefParams = CustomerParams.extend({ ref_id: Id });
const ClaimParams = Aid.extend({ claim_id: Id });
const AutomationParams = Aid.extend({ automation_id: Id });

const limit = (max: number) => z.coerce.number().int().min(1).max(max).default(10);
const Paging = z.object({ limit: limit(100), starting_after: z.string().min(1).optional() });
const BigPaging = z.object({ limit: limit(1000), starting_after: z.string().min(1).optional() });
/** `?x=a&x=b` arrives as an array, `?x=a` as a string. */
const StringList = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const RuleState = z.enum(['all', 'available', 'deleted', 'inactive']);

const RulesQuery = Paging.extend({
  state: RuleState.optional(),
  since_datetime: DateTimeSchema.optional(),
  purchase_from: DateTimeSchema.optional(),
  purchase_to: DateTimeSchema.optional(),
  campaign_id: StringList.optional(),
  'campaign_id[]': StringList.optional(),
  include: StringList.optional(),
  'include[]': StringList.optional(),
});

const PublicQuery = Paging.extend({
  no_customer_id: Bool.optional(),
  no_customer: Bool.optional(),
  campaign_id: StringList.optional(),
  'campaign_id[]': StringList.optional(),
});

const ClaimsQuery = Paging.extend({ ref: z.string().min(1).optional(), customer_id: z.string().min(1).optional(), total: Bool.optional() });

// ------------------------------------------------------------------ response shapes

const RuleWithStatistics = DiscountSchema.extend({ statistics: StatisticsSchema });
const RuleListItem = DiscountSchema.extend({ statistics: StatisticsSchema.optional() });
const CustomerRule = DiscountSchema.extend({ statistics: CustomerStatisticsSchema, ref_id: z.string() });
const PublicRule = DiscountSchema.extend({ ref_id: z.string() });

const EntityShape = EntitySchema.shape;

const CampaignSchema = z.object({
  ...EntityShape,
  campaign_id: z.string(),
  name: z.string(),
  description: z.string().optional(),
  private: z.boolean(),
  metadata: MetadataSchema.optional(),
});

const RuleCustomerSchema = z.object({
  ...EntityShape,
  customer_id: z.string().nullable(),
  grant: z.enum(['customer', 'any_customer', 'no_customer']).describe('Extension: which grant this is (customer_id is null for both * and /)'),
  offering_constraint_id: z.string().optional(),
  automation_id: z.string().optional().describe('Extension: the automation that made this grant'),
});

const UsageRefSchema = z.object({
  ref: z.string(),
  ref_type: z.string(),
  usage: z.number().int(),
  stamp: z.number().int(),
  amount: z.number().int(),
  bonus: z.number().int(),
  created_at: z.string(),
  created_by: z.string(),
});

const DiscountUsageSchema = z.object({
  id: z.string(),
  ref_id: z.string(),
  discount_id: z.string(),
  customer_id: z.string().nullable(),
  create_at: z.string().describe('Sic (Dintero): when the first usage was recorded'),
  updated_at: z.string(),
  created_by: z.string(),
  usage_refs: z.array(UsageRefSchema).describe('The newest 1,000 ledger entries, oldest first'),
  statistics: CustomerStatisticsSchema,
});

const ClaimSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  deleted_at: z.string().optional(),
  deleted_by: z.string().optional(),
  ref: z.string().optional(),
  type: z.string().optional(),
  purchase_at: z.string(),
  customer_id: z.string(),
  discounts: z.array(z.object({ id: z.string(), refs: z.array(z.object({ id: z.string(), amount: z.number().int(), usage: z.number().int() })) })),
});

const TraceEntrySchema = z.object({
  discount_id: z.string(),
  name: z.string().optional(),
  outcome: z.enum(['applied', 'skipped']),
  code: z.string(),
  reason: z.string(),
  base_amount: z.number(),
  amount: z.number(),
  lines: z.array(z.object({ line_id: z.number(), amount: z.number() })).readonly(),
});

const EventHeaders = z.object({
  event: z.enum(['receipt_add', 'token_add', 'token_remove']),
  'event-delivery': z.uuid().optional(),
});

const EventBodySchema = z.looseObject({
  receipt: ReceiptSchema.optional(),
  token: z
    .looseObject({ token_id: z.string().min(1).optional(), type: z.string().min(1).optional(), value: z.string().min(1).optional(), customer_id: z.string().min(1).max(255).optional() })
    .optional(),
});

const GrantBody = z.strictObject({
  customers: z.array(z.string().min(1).max(255)).min(1).max(1000),
  offering_constraint_id: z.string().min(1).max(255).optional(),
});
const RevokeBody = z.strictObject({ customers: z.array(z.string().min(1).max(255)).min(1).max(1000) });

const SEARCH_INCLUDES = [
  '$.campaign_id', '$.created_at', '$.created_by', '$.description', '$.id', '$.limitation', '$.links', '$.metadata', '$.name', '$.private',
  '$.receipt_text', '$.requirement', '$.reward', '$.type', '$.updated_at', '$.updated_by', '$.visible_from',
] as const;
const SearchBodySchema = z.strictObject({
  search: z.strictObject({
    query: z.array(z.strictObject({ customer_id: z.array(z.string().min(1)).min(1).max(1000), '$.requirement.item.items[*]': z.array(ItemMatchSchema).optional() })).min(1).max(100),
    group_by: z.array(z.enum(['customer_id#$.requirement.item.items[*].id', 'customer_id#$.requirement.item.items[*].group_id'])).min(1),
    includes: z.array(z.enum(SEARCH_INCLUDES)).optional(),
  }),
});
const SearchResultSchema = z.object({
  starting_after: z.string().optional(),
  data: z.array(
    z.object({
      group_by: z.string(),
      group_value: z.string(),
      customer_id: z.string(),
      id: z.string(),
      group_id: z.string().optional(),
      rule: z.record(z.string(), z.unknown()),
    }),
  ),
});

/** The path's account (the auth hook has checked it is the token's) and the calling client. */
function actorOf(request: FastifyRequest<{ Params: { aid: string } }>): Actor {
  return { accountId: request.params.aid, clientId: principalOf(request).clientId };
}

const merged = (a: string[] | undefined, b: string[] | undefined): string[] | undefined => (a === undefined && b === undefined ? undefined : [...(a ?? []), ...(b ?? [])]);

/**
 * `user:discounts` reaches only the token's own customer. Our tokens carry no customer yet (that
 * comes with the Customers service's end-user login), so such a token reads nobody's rules.
 */
function checkOwnCustomer(request: FastifyRequest, customerId: string): void {
  const p = principalOf(request);
  if (hasAnyScope(p.scopes, READ)) return;
  const own = 'customerId' in p && typeof p.customerId === 'string' ? p.customerId : undefined;
  if (own !== customerId) throw forbidden('AUTH_CUSTOMER_MISMATCH', 'a user:discounts token may only read its own customer');
}

function ruleRoutes(app: ZodApp, discounts: DiscountService): void {
  app.get('/v1/accounts/:aid/discounts/rules', {
    config: { scopes: READ },
    schema: { tags, summary: 'List discount rules', params: Aid, querystring: RulesQuery, response: { 200: z.array(RuleListItem), ...errors } },
  }, (req) => {
    const q = req.query;
    const include = merged(q.include, q['include[]']) ?? [];
    return discounts.listRules(req.params.aid, {
      limit: q.limit,
      starting_after: q.starting_after,
      state: q.state,
      since_datetime: q.since_datetime,
      purchase_from: q.purchase_from,
      purchase_to: q.purchase_to,
      campaign_ids: merged(q.campaign_id, q['campaign_id[]']),
      statistics: include.includes('statistics'),
    });
  });

  app.post('/v1/accounts/:aid/discounts/rules', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a discount rule (usable once given to customers)', params: Aid, body: DiscountPostSchema, response: { 200: DiscountSchema, ...errors } },
  }, (req) => discounts.createRule(actorOf(req), req.body));

  app.get('/v1/accounts/:aid/discounts/rules/:discount_id', {
    config: { scopes: READ },
    schema: { tags, summary: 'A discount rule with statistics', params: RuleParams, response: { 200: RuleWithStatistics, ...errors } },
  }, (req) => discounts.getRule(req.params.aid, req.params.discount_id));

  app.put('/v1/accounts/:aid/discounts/rules/:discount_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a discount rule (partial; purchase_to only later, reward only base)', params: RuleParams, body: DiscountPutSchema, response: { 200: RuleWithStatistics, ...errors } },
  }, (req) => discounts.updateRule(actorOf(req), req.params.discount_id, req.body));

  app.delete('/v1/accounts/:aid/discounts/rules/:discount_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a discount rule and its automations', params: RuleParams, response: { 200: RuleWithStatistics, ...errors } },
  }, (req) => discounts.deleteRule(actorOf(req), req.params.discount_id));

  app.get('/v1/accounts/:aid/discounts/rules/:discount_id/customers', {
    config: { scopes: READ },
    schema: {
      tags,
      summary: 'The grants (refs) of a rule; customer_id is null for * and /',
      params: RuleParams,
      querystring: BigPaging.extend({ state: RuleState.optional() }),
      response: { 200: z.array(RuleCustomerSchema), ...errors },
    },
  }, (req) => discounts.listRuleCustomers(req.params.aid, req.params.discount_id, req.query));

  app.post('/v1/accounts/:aid/discounts/rules/:discount_id/customers', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Give a rule to customers (* = any purchase with a customer, / = purchases without)', params: RuleParams, body: GrantBody, response: { 200: RuleWithStatistics, ...errors } },
  }, (req) => discounts.grantCustomers(actorOf(req), req.params.discount_id, req.body));

  app.delete('/v1/accounts/:aid/discounts/rules/:discount_id/customers', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Take a rule back from customers (* = from all)', params: RuleParams, body: RevokeBody, response: { 200: RuleWithStatistics, ...errors } },
  }, (req) => discounts.revokeCustomers(actorOf(req), req.params.discount_id, req.body));

  app.get('/v1/accounts/:aid/discounts/rules/:discount_id/usages', {
    config: { scopes: READ },
    schema: { tags, summary: 'Usage of a rule per holder, with the ledger entries', params: RuleParams, querystring: BigPaging, response: { 200: z.array(DiscountUsageSchema), ...errors } },
  }, (req) => discounts.listUsages(req.params.aid, req.params.discount_id, req.query));

  app.post('/v1/accounts/:aid/discounts/search/rules', {
    config: { scopes: READ },
    schema: { tags, summary: 'Search the active rules of customers by item', params: Aid, querystring: Paging, body: SearchBodySchema, response: { 200: SearchResultSchema, ...errors } },
  }, (req) => discounts.searchRules(req.params.aid, req.body, req.query));
}

function campaignRoutes(app: ZodApp, discounts: DiscountService): void {
  app.get('/v1/accounts/:aid/discounts/campaigns', {
    config: { scopes: READ },
    schema: {
      tags,
      summary: 'List campaigns',
      params: Aid,
      querystring: Paging.extend({ state: z.enum(['all', 'public', 'private', 'deleted']).optional() }),
      response: { 200: z.array(CampaignSchema), ...errors },
    },
  }, (req) => discounts.listCampaigns(req.params.aid, req.query));

  app.post('/v1/accounts/:aid/discounts/campaigns', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a campaign', params: Aid, body: CampaignPostSchema, response: { 200: CampaignSchema, ...errors } },
  }, (req) => discounts.createCampaign(actorOf(req), req.body));

  app.get('/v1/accounts/:aid/discounts/campaigns/:campaign_id', {
    config: { scopes: READ },
    schema: { tags, summary: 'A campaign', params: CampaignParams, response: { 200: CampaignSchema, ...errors } },
  }, (req) => discounts.getCampaign(req.params.aid, req.params.campaign_id));

  app.put('/v1/accounts/:aid/discounts/campaigns/:campaign_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Update a campaign (also undeletes it)', params: CampaignParams, body: CampaignPutSchema, response: { 200: CampaignSchema, ...errors } },
  }, (req) => discounts.updateCampaign(actorOf(req), req.params.campaign_id, req.body));

  app.delete('/v1/accounts/:aid/discounts/campaigns/:campaign_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a campaign (its rules stay active)', params: CampaignParams, response: { 200: CampaignSchema, ...errors } },
  }, (req) => discounts.deleteCampaign(actorOf(req), req.params.campaign_id));
}

function refRoutes(app: ZodApp, discounts: DiscountService): void {
  app.get('/v1/accounts/:aid/discounts/customers/:customer_id/rules', {
    config: { scopes: CUSTOMER_RULES },
    schema: { tags, summary: "A customer's usable rules (own and * grants), cursor = ref_id", params: CustomerParams, querystring: Paging, response: { 200: z.array(CustomerRule), ...errors } },
  }, (req) => {
    checkOwnCustomer(req, req.params.customer_id);
    return discounts.customerRules(req.params.aid, req.params.customer_id, req.query);
  });

  app.get('/v1/accounts/:aid/discounts/customers/:customer_id/refs/:ref_id', {
    config: { scopes: READ },
    schema: { tags, summary: "One of a customer's refs with statistics", params: RefParams, response: { 200: CustomerRule, ...errors } },
  }, (req) => discounts.customerRef(req.params.aid, req.params.customer_id, req.params.ref_id));

  app.post('/v1/accounts/:aid/discounts/customers/:customer_id/refs/:ref_id', {
    config: { scopes: WRITE },
    schema: {
      tags,
      summary: 'Add usage, stamps or amount to a ref by hand (idempotent on ref + ref_type)',
      params: RefParams,
      body: z.strictObject({ usage_ref: UsageRefWriteSchema }),
      response: { 200: CustomerRule, ...errors },
    },
  }, (req) => discounts.addUsageRef(actorOf(req), req.params.customer_id, req.params.ref_id, req.body.usage_ref));

  app.delete('/v1/accounts/:aid/discounts/customers/:customer_id/refs/:ref_id', {
    config: { scopes: WRITE },
    schema: { tags, summary: "Delete a customer's ref", params: RefParams, response: { 200: CustomerRule.extend({ debit_balance: z.number().int() }), ...errors } },
  }, (req) => discounts.deleteCustomerRef(actorOf(req), req.params.customer_id, req.params.ref_id));

  app.get('/v1/accounts/:aid/discounts/public/rules', {
    config: { scopes: PUBLIC },
    schema: { tags, summary: 'Public rules given to * or / (no_customer_id=true: only /), cursor = ref_id', params: Aid, querystring: PublicQuery, response: { 200: z.array(PublicRule), ...errors } },
  }, (req) => {
    const q = req.query;
    return discounts.publicRules(req.params.aid, {
      limit: q.limit,
      starting_after: q.starting_after,
      no_customer: q.no_customer_id ?? q.no_customer ?? false,
      campaign_ids: merged(q.campaign_id, q['campaign_id[]']),
    });
  });

  app.get('/v1/accounts/:aid/discounts/public/rules/:discount_id', {
    config: { scopes: PUBLIC },
    schema: { tags, summary: 'One public rule (used by Dintero\'s discounts web SDK)', params: RuleParams, response: { 200: DiscountSchema, ...errors } },
  }, (req) => discounts.publicRule(req.params.aid, req.params.discount_id));
}

function purchaseRoutes(app: ZodApp, discounts: DiscountService): void {
  app.post('/v1/accounts/:aid/discounts/available_for_receipt', {
    config: { scopes: CALCULATE },
    schema: { tags, summary: 'Calculate: the receipt with the discounts it gets (persists nothing)', params: Aid, body: ReceiptSchema, response: { 200: ReceiptSchema, ...errors } },
  }, (req) => discounts.availableForReceipt(req.params.aid, req.body));

  app.post('/v1/accounts/:aid/discounts/available_for_receipt/explain', {
    config: { scopes: CALCULATE },
    schema: {
      tags,
      summary: 'Extension: the calculation with the engine\'s trace (why each rule did or did not apply)',
      params: Aid,
      body: ReceiptSchema,
      response: { 200: z.object({ receipt: ReceiptSchema, trace: z.array(TraceEntrySchema) }), ...errors },
    },
  }, (req) => discounts.explain(req.params.aid, req.body));

  app.get('/v1/accounts/:aid/discounts/available_for_receipt/claims', {
    config: { scopes: CLAIMS_READ },
    schema: { tags, summary: 'List claims (total=true adds a total-count header)', params: Aid, querystring: ClaimsQuery, response: { 200: z.array(ClaimSchema), ...errors } },
  }, async (req, reply) => {
    const res = await discounts.listClaims(req.params.aid, { ...req.query, total: req.query.total ?? false });
    if (res.total !== undefined) void reply.header('total-count', String(res.total));
    return res.claims;
  });

  app.post('/v1/accounts/:aid/discounts/available_for_receipt/claims', {
    config: { scopes: CLAIMS_WRITE },
    schema: { tags, summary: 'Claim discounts (records usage; idempotent on ref)', params: Aid, body: ClaimPostSchema, response: { 200: ClaimSchema, ...errors } },
  }, (req) => discounts.createClaim(actorOf(req), req.body));

  app.get('/v1/accounts/:aid/discounts/available_for_receipt/claims/:claim_id', {
    config: { scopes: CLAIMS_READ },
    schema: { tags, summary: 'A claim', params: ClaimParams, response: { 200: ClaimSchema, ...errors } },
  }, (req) => discounts.getClaim(req.params.aid, req.params.claim_id));

  app.delete('/v1/accounts/:aid/discounts/available_for_receipt/claims/:claim_id', {
    config: { scopes: CLAIMS_WRITE },
    schema: { tags, summary: 'Release a claim: its usage is reversed', params: ClaimParams, response: { 200: ClaimSchema, ...errors } },
  }, (req) => discounts.releaseClaim(actorOf(req), req.params.claim_id));

  app.post('/v1/accounts/:aid/discounts/events', {
    config: { scopes: EVENTS },
    schema: {
      tags,
      summary: 'Receipt and token events: record usage, learn tokens, run automations',
      params: Aid,
      headers: EventHeaders,
      body: EventBodySchema,
      response: { 204: z.null().describe('Handled'), ...errors },
    },
  }, async (req, reply) => {
    await discounts.handleEvent(actorOf(req), req.headers.event, req.headers['event-delivery'], req.body);
    return reply.status(204).send(null);
  });
}

function automationRoutes(app: ZodApp, discounts: DiscountService): void {
  app.get('/v1/accounts/:aid/automations/rules', {
    config: { scopes: AUTOMATIONS_READ },
    schema: {
      tags: automationTags,
      summary: 'List automations',
      params: Aid,
      querystring: Paging.extend({ state: z.enum(['all', 'available', 'deleted']).optional() }),
      response: { 200: z.array(AutomationSchema), ...errors },
    },
  }, (req) => discounts.listAutomations(req.params.aid, req.query));

  app.post('/v1/accounts/:aid/automations/rules', {
    config: { scopes: AUTOMATIONS_WRITE },
    schema: { tags: automationTags, summary: 'Create an automation', params: Aid, body: AutomationPostSchema, response: { 200: AutomationSchema, ...errors } },
  }, (req) => discounts.createAutomation(actorOf(req), req.body));

  app.get('/v1/accounts/:aid/automations/rules/:automation_id', {
    config: { scopes: AUTOMATIONS_READ },
    schema: { tags: automationTags, summary: 'An automation', params: AutomationParams, response: { 200: AutomationSchema, ...errors } },
  }, (req) => discounts.getAutomation(req.params.aid, req.params.automation_id));

  app.delete('/v1/accounts/:aid/automations/rules/:automation_id', {
    config: { scopes: AUTOMATIONS_WRITE },
    schema: { tags: automationTags, summary: 'Delete an automation', params: AutomationParams, response: { 200: AutomationSchema, ...errors } },
  }, (req) => discounts.deleteAutomation(actorOf(req), req.params.automation_id));
}

export function discountRoutes(app: ZodApp, discounts: DiscountService): void {
  ruleRoutes(app, discounts);
  campaignRoutes(app, discounts);
  refRoutes(app, discounts);
  purchaseRoutes(app, discounts);
  automationRoutes(app, discounts);
}
