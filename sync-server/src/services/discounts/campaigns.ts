/**
 * Campaigns: named groups of rules, keyed by the client's `campaign_id` (a UUID when none is
 * given). A campaign id is taken once per account, deleted campaigns included: POST of a taken id
 * is 409 and a deleted campaign is brought back by PUT, which always undeletes. Rules only point
 * at campaigns (rules.ts checks the campaign exists), so this part touches no other table.
 */
import { randomUUID } from 'node:crypto';
import type { DiscountCampaignsTable } from '../../db/schema.ts';
import { ApiError, conflict, notFound } from '../../errors.ts';
import { monotonicId } from '../../db/ids.ts';
import { toCampaign, type Campaign } from './model.ts';
import { livenessOf, type Actor, type PageQuery, type ServiceContext } from './shared.ts';

const campaignNotFound = (campaignId: string): ApiError => notFound('DISCOUNT_CAMPAIGN_NOT_FOUND', `campaign ${campaignId} not found`);

export function campaignMethods({ repo, now }: ServiceContext) {
  return {
    async listCampaigns(accountId: string, q: PageQuery & { state?: 'all' | 'public' | 'private' | 'deleted' | undefined }): Promise<Campaign[]> {
      const priv = q.state === 'public' ? false : q.state === 'private' ? true : undefined;
      return (await repo.listCampaigns(accountId, { liveness: livenessOf(q.state), private: priv, limit: q.limit, startingAfter: q.starting_after })).map(toCampaign);
    },

    async createCampaign(actor: Actor, body: { campaign_id?: string | undefined; name: string; description?: string | undefined; private: boolean; metadata?: Record<string, unknown> | undefined }): Promise<Campaign> {
      const at = now().toISOString();
      const row: DiscountCampaignsTable = {
        id: monotonicId(),
        account_id: actor.accountId,
        campaign_id: body.campaign_id ?? randomUUID(),
        name: body.name,
        description: body.description ?? null,
        private: body.private ? 1 : 0,
        metadata: body.metadata === undefined ? null : JSON.stringify(body.metadata),
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        deleted_at: null,
        deleted_by: null,
      };
      const exists = (): ApiError => conflict('DISCOUNT_CAMPAIGN_EXISTS', `campaign ${row.campaign_id} already exists (a deleted one is brought back with PUT)`);
      try {
        await repo.transaction(async (trx) => {
          if ((await repo.findCampaign(actor.accountId, row.campaign_id, trx)) !== undefined) throw exists();
          await repo.insertCampaign(row, trx);
        });
      } catch (e) {
        if (repo.isUniqueViolation(e)) throw exists();
        throw e;
      }
      return toCampaign(row);
    },

    async getCampaign(accountId: string, campaignId: string): Promise<Campaign> {
      const row = await repo.findCampaign(accountId, campaignId);
      if (row === undefined) throw campaignNotFound(campaignId);
      return toCampaign(row);
    },

    async updateCampaign(actor: Actor, campaignId: string, body: { name?: string | undefined; description?: string | undefined; private?: boolean | undefined }): Promise<Campaign> {
      return repo.transaction(async (trx) => {
        const row = await repo.findCampaign(actor.accountId, campaignId, trx);
        if (row === undefined) throw campaignNotFound(campaignId);
        const set = {
          name: body.name ?? row.name,
          description: body.description ?? row.description,
          private: body.private === undefined ? row.private : body.private ? 1 : 0,
          updated_at: now().toISOString(),
          deleted_at: null,
          deleted_by: null,
        };
        await repo.updateCampaign(row.id, set, trx);
        return toCampaign({ ...row, ...set });
      });
    },

    async deleteCampaign(actor: Actor, campaignId: string): Promise<Campaign> {
      return repo.transaction(async (trx) => {
        const row = await repo.findCampaign(actor.accountId, campaignId, trx);
        if (row === undefined || row.deleted_at !== null) throw campaignNotFound(campaignId);
        const at = now().toISOString();
        const set = { deleted_at: at, deleted_by: actor.clientId, updated_at: at };
        await repo.updateCampaign(row.id, set, trx);
        return toCampaign({ ...row, ...set });
      });
    },
  };
}
