/** Dintero's Webhooks routes (contract §6.1): schemas, scopes, and the call into the service. */
import { z } from 'zod';
import { scopesFor } from '@pos/core';
import { AccountIdSchema, ErrorBodySchema } from '@pos/core/contracts/common';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import { HookCreateSchema, HookDeliveryDetailSchema, HookDeliverySchema, HookSchema } from './model.ts';
import type { WebhookService } from './service.ts';

const READ = scopesFor('hooks', 'read:hooks');
const WRITE = scopesFor('hooks', 'write:hooks');

const tags = ['hooks'];
const errors = { 400: ErrorBodySchema, 401: ErrorBodySchema, 403: ErrorBodySchema, 404: ErrorBodySchema };

const Aid = z.object({ aid: AccountIdSchema });
const HookParams = Aid.extend({ hid: z.guid('hid must be a subscription id (UUID)') });
const DeliveryParams = HookParams.extend({ delivery_id: z.guid('delivery_id must be a delivery id (UUID)') });
const Bool = z.enum(['true', 'false']).transform((v) => v === 'true');
const Paging = z.object({ limit: z.coerce.number().int().min(1).max(100).default(10), starting_after: z.string().min(1).max(64).optional() });
const ListQuery = Paging.extend({ include_deleted: Bool.default(false), total: Bool.default(false) });

export function webhookRoutes(app: ZodApp, hooks: WebhookService): void {
  const base = '/v1/accounts/:aid/hooks/subscriptions';

  app.get(base, {
    config: { scopes: READ },
    schema: { tags, summary: 'List subscriptions (total=true adds a total-count header)', params: Aid, querystring: ListQuery, response: { 200: z.array(HookSchema), ...errors } },
  }, async (req, reply) => {
    const res = await hooks.list(req.params.aid, req.query);
    if (res.total !== undefined) void reply.header('total-count', String(res.total));
    return res.hooks;
  });

  app.post(base, {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Create a subscription; a ping is sent to it', params: Aid, body: HookCreateSchema, response: { 200: HookSchema, ...errors } },
  }, (req) => hooks.create(req.params.aid, { clientId: principalOf(req).clientId }, req.body));

  app.get(`${base}/:hid`, {
    config: { scopes: READ },
    schema: { tags, summary: 'Get a subscription', params: HookParams, response: { 200: HookSchema, ...errors } },
  }, (req) => hooks.get(req.params.aid, req.params.hid));

  app.delete(`${base}/:hid`, {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Delete a subscription: nothing more is sent to it', params: HookParams, response: { 200: HookSchema, ...errors } },
  }, (req) => hooks.remove(req.params.aid, { clientId: principalOf(req).clientId }, req.params.hid));

  app.get(`${base}/:hid/deliveries`, {
    config: { scopes: READ },
    schema: { tags, summary: 'Recent delivery attempts, newest first', params: HookParams, querystring: Paging, response: { 200: z.array(HookDeliverySchema), ...errors } },
  }, (req) => hooks.deliveries(req.params.aid, req.params.hid, req.query));

  app.get(`${base}/:hid/deliveries/:delivery_id`, {
    config: { scopes: READ },
    schema: { tags, summary: 'One delivery attempt with its request and response', params: DeliveryParams, response: { 200: HookDeliveryDetailSchema, ...errors } },
  }, (req) => hooks.delivery(req.params.aid, req.params.hid, req.params.delivery_id));

  app.post(`${base}/:hid/ping`, {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Send a ping event to the subscription', params: HookParams, response: { 204: z.null(), ...errors } },
  }, async (req, reply) => {
    await hooks.ping(req.params.aid, req.params.hid);
    return reply.status(204).send(null);
  });
}
