/** Offline gift cards (our extension, contracts/offline.ts): policy, leases, pushed entries, exceptions. */
import { z } from 'zod';
import { scopesFor } from '@pos/core';
import { AccountIdSchema } from '@pos/core/contracts/common';
import {
  OfflineExceptionResolveSchema,
  OfflineExceptionSchema,
  OfflineLeaseRequestSchema,
  OfflineLeaseResponseSchema,
  OfflinePolicySchema,
  OfflinePolicyUpdateSchema,
  OfflineWalletEntriesPushSchema,
  OfflineWalletEntriesResultSchema,
  StoreOfflinePolicySchema,
} from '@pos/core/contracts/offline';
import type { ZodApp } from '../../http.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { OfflineService } from './service.ts';

const READ_POLICY = scopesFor('wallets', 'read:wallets', 'write:wallets:/transactions');
const WRITE = scopesFor('wallets', 'write:wallets');
const TILL = scopesFor('wallets', 'write:wallets', 'write:wallets:/transactions');
const READ_EXCEPTIONS = scopesFor('wallets', 'read:wallets', 'write:wallets');

const Aid = z.object({ aid: AccountIdSchema });
const StoreParams = Aid.extend({ store_id: z.string().min(1).max(255) });
const ExceptionParams = Aid.extend({ exception_id: z.string().min(1).max(64) });
const ExceptionListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  starting_after: z.string().min(1).max(64).optional(),
  status: z.enum(['open', 'resolved']).optional(),
});
/** Newest first; pass `starting_after` back for the next page (absent on the last one). */
export const OfflineExceptionListSchema = z.object({ exceptions: z.array(OfflineExceptionSchema), starting_after: z.string().optional() });

const base = '/v1/accounts/:aid/sync/offline';
const tags = ['offline'];

export function offlineRoutes(app: ZodApp, offline: OfflineService): void {
  app.get(`${base}/policy`, {
    config: { scopes: READ_POLICY },
    schema: { tags, summary: "The account's offline gift card policy (the default until one is set)", params: Aid, response: { 200: OfflinePolicySchema } },
  }, (req) => offline.getPolicy(req.params.aid));

  app.put(`${base}/policy`, {
    config: { scopes: WRITE },
    schema: { tags, summary: "Change the fields given of the account's offline policy", params: Aid, body: OfflinePolicyUpdateSchema, response: { 200: OfflinePolicySchema } },
  }, (req) => offline.putPolicy(req.params.aid, principalOf(req).clientId, req.body));

  app.get(`${base}/stores/:store_id/policy`, {
    config: { scopes: READ_POLICY },
    schema: { tags, summary: "A store's override of the offline policy", params: StoreParams, response: { 200: StoreOfflinePolicySchema } },
  }, (req) => offline.getStorePolicy(req.params.aid, req.params.store_id));

  app.put(`${base}/stores/:store_id/policy`, {
    config: { scopes: WRITE },
    schema: { tags, summary: "Replace a store's override: the fields it names win over the account's", params: StoreParams, body: OfflinePolicyUpdateSchema, response: { 200: StoreOfflinePolicySchema } },
  }, (req) => offline.putStorePolicy(req.params.aid, principalOf(req).clientId, req.params.store_id, req.body));

  app.delete(`${base}/stores/:store_id/policy`, {
    config: { scopes: WRITE },
    schema: { tags, summary: "Remove a store's override (the account's policy applies again)", params: StoreParams, response: { 200: StoreOfflinePolicySchema } },
  }, (req) => offline.deleteStorePolicy(req.params.aid, req.params.store_id));

  app.post(`${base}/lease`, {
    config: { scopes: TILL },
    schema: { tags, summary: "A signed lease: the store's policy for this terminal, valid max_hours_since_sync", params: Aid, body: OfflineLeaseRequestSchema, response: { 200: OfflineLeaseResponseSchema } },
  }, (req) => offline.lease(req.params.aid, principalOf(req).clientId, req.body.store_id));

  app.post(`${base}/wallet_entries`, {
    config: { scopes: TILL },
    schema: {
      tags,
      summary: 'Push offline gift card drawdowns: each applied once per (card, ref_id), in order; overdraws and the like become exceptions',
      params: Aid, body: OfflineWalletEntriesPushSchema, response: { 200: OfflineWalletEntriesResultSchema },
    },
  }, (req) => offline.pushEntries(req.params.aid, principalOf(req).clientId, req.body.entries));

  app.get(`${base}/exceptions`, {
    config: { scopes: READ_EXCEPTIONS },
    schema: { tags, summary: 'Offline exceptions, newest first', params: Aid, querystring: ExceptionListQuerySchema, response: { 200: OfflineExceptionListSchema } },
  }, (req) => offline.listExceptions(req.params.aid, req.query));

  app.post(`${base}/exceptions/:exception_id/resolve`, {
    config: { scopes: WRITE },
    schema: { tags, summary: 'Resolve an offline exception (409 when already resolved)', params: ExceptionParams, body: OfflineExceptionResolveSchema, response: { 200: OfflineExceptionSchema } },
  }, (req) => offline.resolveException(req.params.aid, principalOf(req).clientId, req.params.exception_id, req.body.resolution));
}
