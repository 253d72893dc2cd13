/**
 * Discount rule CRUD and the checks a written rule must pass: its own shape (model.ts'
 * `ruleProblem`) and its references (campaign, activation rules). PUT is a partial update:
 * `requirement` and `limitation` are merged key by key (a key sent replaces that key), `reward`
 * takes only `base`, and the merged rule is checked again as a whole. Every write tells the
 * prepared-rules cache, so the next calculation on any node sees it; deleting a rule also deletes
 * the automations that grant it.
 */
import { discountType, type Discount, type DiscountPost, type DiscountPut, type Statistics } from '@pos/core/contracts/discounts';
import type { DiscountRulesTable } from '../../db/schema.ts';
import { ApiError, badRequest } from '../../errors.ts';
import { automationBody, grantedRuleIds } from './automations.ts';
import { monotonicId } from '../../db/ids.ts';
import { aggregateStatistics, bodyOf, isoUtc, normaliseDraft, optional, ruleProblem, storedRule, toDiscount, type RuleDraft } from './model.ts';
import type { PreparedRulesCache } from './prepared-rules.ts';
import type { Liveness, Trx } from './repo.ts';
import { existingRule, liveRule, withStatistics, type Actor, type DiscountWithStats, type PageQuery, type ServiceContext, type State } from './shared.ts';

export interface RuleListQuery extends PageQuery {
  state?: State | undefined;
  since_datetime?: string | undefined;
  purchase_from?: string | undefined;
  purchase_to?: string | undefined;
  campaign_ids?: readonly string[] | undefined;
  statistics: boolean;
}

const invalidRule = (message: string): ApiError => badRequest('DISCOUNT_RULE_INVALID', message);

function liveness(state: State | undefined): { liveness: Liveness; active?: boolean } {
  switch (state) {
    case 'all':
      return { liveness: 'all' };
    case 'deleted':
      return { liveness: 'deleted' };
    case 'available':
      return { liveness: 'live', active: true };
    case 'inactive':
      return { liveness: 'live', active: false };
    default:
      return { liveness: 'live' };
  }
}

function checkDraft(d: RuleDraft): void {
  const problem = ruleProblem(d);
  if (problem !== undefined) throw invalidRule(problem);
}

export function ruleMethods({ repo, now }: ServiceContext, prepared: PreparedRulesCache) {
  /** Checks a rule's references: its campaign exists, its activation rules exist. */
  async function checkReferences(accountId: string, selfId: string | undefined, d: RuleDraft, trx: Trx): Promise<void> {
    if (d.campaign_id !== undefined) {
      const c = await repo.findCampaign(accountId, d.campaign_id, trx);
      if (c === undefined || c.deleted_at !== null) throw invalidRule(`campaign ${d.campaign_id} does not exist; create it under /discounts/campaigns first`);
    }
    const ids = (d.limitation?.discount_activation ?? []).map((a) => a.value);
    if (selfId !== undefined && ids.includes(selfId)) throw invalidRule('limitation.discount_activation cannot name the rule itself');
    const found = new Set((await repo.rulesByIds(accountId, ids, trx)).filter((r) => r.deleted_at === null).map((r) => r.id));
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw invalidRule(`limitation.discount_activation names discount ${missing}, which does not exist`);
  }

  return {
    async createRule(actor: Actor, body: DiscountPost): Promise<Discount> {
      const { campaign_id, active, private: priv, ...rest } = body;
      const draft = normaliseDraft({ ...rest, campaign_id, active, private: priv });
      checkDraft(draft);
      const at = now().toISOString();
      const row: DiscountRulesTable = {
        id: monotonicId(),
        account_id: actor.accountId,
        campaign_id: draft.campaign_id ?? null,
        active: draft.active ? 1 : 0,
        private: draft.private ? 1 : 0,
        type: discountType(draft.requirement),
        purchase_from: draft.requirement.purchase_from,
        purchase_to: draft.requirement.purchase_to,
        body: bodyOf(draft),
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        updated_by: actor.clientId,
        deleted_at: null,
        deleted_by: null,
      };
      await repo.transaction(async (trx) => {
        await checkReferences(actor.accountId, undefined, draft, trx);
        await repo.insertRule(row, trx);
        await prepared.written(actor.accountId, trx);
      });
      return toDiscount(row);
    },

    async getRule(accountId: string, id: string): Promise<DiscountWithStats> {
      return withStatistics(repo, await existingRule(repo, accountId, id));
    },

    async listRules(accountId: string, q: RuleListQuery): Promise<Array<Discount & { statistics?: Statistics }>> {
      if (q.since_datetime !== undefined && q.starting_after !== undefined) {
        throw badRequest('DISCOUNT_QUERY_INVALID', 'since_datetime cannot be combined with starting_after: move since_datetime to the greatest updated_at seen instead');
      }
      const rows = await repo.listRules(accountId, {
        ...liveness(q.state),
        limit: q.limit,
        startingAfter: q.starting_after,
        sinceDatetime: q.since_datetime === undefined ? undefined : isoUtc(q.since_datetime),
        purchaseFrom: q.purchase_from === undefined ? undefined : isoUtc(q.purchase_from),
        purchaseTo: q.purchase_to === undefined ? undefined : isoUtc(q.purchase_to),
        campaignIds: q.campaign_ids,
      });
      if (!q.statistics) return rows.map(toDiscount);
      const totals = new Map((await repo.ruleTotals(rows.map((r) => r.id))).map((t) => [t.discount_pk, t]));
      return rows.map((r) => {
        const d = toDiscount(r);
        return { ...d, statistics: aggregateStatistics(totals.get(r.id), d) };
      });
    },

    async updateRule(actor: Actor, id: string, put: DiscountPut): Promise<DiscountWithStats> {
      return repo.transaction(async (trx) => {
        const row = await liveRule(repo, actor.accountId, id, trx, true);
        const cur = storedRule(row);
        if (put.requirement?.purchase_to !== undefined && Date.parse(put.requirement.purchase_to) < Date.parse(cur.requirement.purchase_to)) {
          throw invalidRule(`requirement.purchase_to may only move later (now ${cur.requirement.purchase_to})`);
        }
        const { purchase_to: newTo, ...reqRest } = put.requirement ?? {};
        const draft = normaliseDraft({
          name: put.name ?? cur.name,
          receipt_text: put.receipt_text ?? cur.receipt_text,
          description: put.description ?? cur.description,
          visible_from: cur.visible_from,
          requirement: { ...cur.requirement, ...reqRest, purchase_from: cur.requirement.purchase_from, purchase_to: newTo ?? cur.requirement.purchase_to },
          reward: put.reward === undefined ? cur.reward : { ...cur.reward, base: put.reward.base },
          limitation: put.limitation === undefined ? cur.limitation : { ...cur.limitation, ...put.limitation },
          metadata: put.metadata ?? cur.metadata,
          links: put.links ?? cur.links,
          campaign_id: put.campaign_id === null ? undefined : (put.campaign_id ?? optional(row.campaign_id)),
          active: put.active ?? row.active === 1,
          private: put.private ?? row.private === 1,
        });
        checkDraft(draft);
        await checkReferences(actor.accountId, id, draft, trx);
        const at = now().toISOString();
        const set = {
          campaign_id: draft.campaign_id ?? null,
          active: draft.active ? 1 : 0,
          private: draft.private ? 1 : 0,
          type: discountType(draft.requirement),
          purchase_to: draft.requirement.purchase_to,
          body: bodyOf(draft),
          updated_at: at,
          updated_by: actor.clientId,
        };
        await repo.updateRule(row.id, set, trx);
        await prepared.written(actor.accountId, trx);
        return withStatistics(repo, { ...row, ...set }, trx);
      });
    },

    async deleteRule(actor: Actor, id: string): Promise<DiscountWithStats> {
      return repo.transaction(async (trx) => {
        const row = await liveRule(repo, actor.accountId, id, trx, true);
        const del = { at: now().toISOString(), by: actor.clientId };
        await repo.updateRule(row.id, { deleted_at: del.at, deleted_by: del.by, updated_at: del.at, updated_by: del.by }, trx);
        const automations = (await repo.liveAutomations(actor.accountId, trx)).filter((a) => grantedRuleIds(automationBody(a)).includes(id));
        await repo.softDeleteAutomations(automations.map((a) => a.id), del, trx);
        await prepared.written(actor.accountId, trx);
        return withStatistics(repo, { ...row, deleted_at: del.at, deleted_by: del.by, updated_at: del.at, updated_by: del.by }, trx);
      });
    },
  };
}
