/**
 * Public rules: what anyone may see of the rules granted to every customer (`*`) or to
 * purchases without one (`/`) — live, active, not private, visible now, and outside any private or
 * deleted campaign asked for — with only the public part of their metadata. Read-only, and kept
 * apart from a customer's refs because it answers without a customer and without statistics.
 */
import type { Discount } from '@pos/core/contracts/discounts';
import { ApiError, notFound } from '../../errors.ts';
import { publicMetadata, toDiscount, visibleAt } from './model.ts';
import type { PageQuery, ServiceContext } from './shared.ts';

export type PublicRule = Discount & { ref_id: string };

export function publicRuleMethods({ repo, now }: ServiceContext) {
  return {
    async publicRules(accountId: string, q: PageQuery & { no_customer: boolean; campaign_ids?: readonly string[] | undefined }): Promise<PublicRule[]> {
      const at = now();
      let privateCampaigns = new Set<string>();
      if (q.campaign_ids !== undefined) {
        privateCampaigns = new Set((await repo.campaignsByKey(accountId, q.campaign_ids)).filter((c) => c.private === 1 || c.deleted_at !== null).map((c) => c.campaign_id));
      }
      const out: PublicRule[] = [];
      let cursor = q.starting_after;
      for (;;) {
        const batch = await repo.visibleRefs(accountId, q.no_customer ? ['/'] : ['*', '/'], at.toISOString(), {
          limit: q.limit, startingAfter: cursor, publicOnly: true, campaignIds: q.campaign_ids,
        });
        for (const r of batch) {
          const rule = toDiscount(r.rule);
          if (!visibleAt(rule, at) || (rule.campaign_id !== undefined && privateCampaigns.has(rule.campaign_id))) continue;
          out.push({ ...rule, metadata: publicMetadata(rule.metadata), ref_id: r.id });
          if (out.length === q.limit) return out;
        }
        const last = batch.at(-1);
        if (batch.length < q.limit || last === undefined) return out;
        cursor = last.id;
      }
    },

    async publicRule(accountId: string, id: string): Promise<Discount> {
      const row = await repo.findRule(accountId, id);
      const at = now();
      const gone = (): ApiError => notFound('DISCOUNT_RULE_NOT_FOUND', `no public discount rule ${id}`);
      if (row === undefined || row.deleted_at !== null || row.active === 0 || row.private === 1) throw gone();
      const rule = toDiscount(row);
      if (!visibleAt(rule, at)) throw gone();
      if ((await repo.wildcardRefsOf([row.id])).length === 0) throw gone();
      return { ...rule, metadata: publicMetadata(rule.metadata) };
    },
  };
}
