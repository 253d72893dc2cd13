/**
 * Automation CRUD (contract §3.1–3.2): creating an automation after checking what it names — its
 * window is not empty, its filter is one we can evaluate, and every discount it grants exists and
 * stays purchasable for as long as the automation runs — and listing, reading and deleting them.
 * Running automations is events.ts' business; their stored shape is automations.ts'.
 */
import type { AutomationPost } from '@pos/core/contracts/discounts';
import type { AutomationsTable } from '../../db/schema.ts';
import { ApiError, badRequest, notFound } from '../../errors.ts';
import { grantedRuleIds, storedAutomation, toAutomation, type Automation } from './automations.ts';
import { filterProblem } from './filter.ts';
import { monotonicId } from '../../db/ids.ts';
import { livenessOf, type Actor, type PageQuery, type ServiceContext } from './shared.ts';

const automationNotFound = (id: string): ApiError => notFound('AUTOMATION_NOT_FOUND', `automation ${id} not found`);

export function automationMethods({ repo, now }: ServiceContext) {
  return {
    async createAutomation(actor: Actor, body: AutomationPost): Promise<Automation> {
      const stored = storedAutomation(body);
      const req = stored.requirement;
      if (Date.parse(req.automation_from) >= Date.parse(req.automation_to)) {
        throw badRequest('AUTOMATION_INVALID', 'requirement.automation_from must be before requirement.automation_to');
      }
      const problem = req.filter === undefined ? undefined : filterProblem(req.filter);
      if (problem !== undefined) throw badRequest('AUTOMATION_INVALID', problem);
      const at = now().toISOString();
      const row: AutomationsTable = {
        id: monotonicId(),
        account_id: actor.accountId,
        automation_from: req.automation_from,
        automation_to: req.automation_to,
        body: JSON.stringify(stored),
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        deleted_at: null,
        deleted_by: null,
      };
      await repo.transaction(async (trx) => {
        const ids = grantedRuleIds(stored);
        const rules = new Map((await repo.rulesByIds(actor.accountId, ids, trx)).map((r) => [r.id, r]));
        for (const id of ids) {
          const rule = rules.get(id);
          if (rule === undefined || rule.deleted_at !== null) throw badRequest('AUTOMATION_INVALID', `action discount ${id} does not exist`);
          if (req.automation_to > rule.purchase_to) {
            throw badRequest('AUTOMATION_INVALID', `requirement.automation_to must not be after the purchase_to (${rule.purchase_to}) of discount ${id}`);
          }
        }
        await repo.insertAutomation(row, trx);
      });
      return toAutomation(row);
    },

    async listAutomations(accountId: string, q: PageQuery & { state?: 'all' | 'available' | 'deleted' | undefined }): Promise<Automation[]> {
      return (await repo.listAutomations(accountId, { liveness: livenessOf(q.state), limit: q.limit, startingAfter: q.starting_after })).map(toAutomation);
    },

    async getAutomation(accountId: string, id: string): Promise<Automation> {
      const row = await repo.findAutomation(accountId, id);
      if (row === undefined) throw automationNotFound(id);
      return toAutomation(row);
    },

    async deleteAutomation(actor: Actor, id: string): Promise<Automation> {
      const row = await repo.findAutomation(actor.accountId, id);
      if (row === undefined || row.deleted_at !== null) throw automationNotFound(id);
      const del = { at: now().toISOString(), by: actor.clientId };
      await repo.softDeleteAutomations([row.id], del);
      return toAutomation({ ...row, deleted_at: del.at, deleted_by: del.by, updated_at: del.at });
    },
  };
}
