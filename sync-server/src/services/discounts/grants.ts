/**
 * Grants: giving a rule to customers as refs, taking them back, and listing a rule's refs.
 * `*` (every customer) and `/` (purchases without a customer) exist at most once live per rule
 * (granting again is a no-op); a customer gets a new ref on every grant unless
 * `offering_constraint_id` (per rule and customer, forever, deleted refs included) stops it.
 * DELETE with `*` deletes every live ref of the rule except the `/` one; `/` deletes that one.
 * `grant` is also what automations call (events.ts), so both ways of granting make the same refs.
 */
import type { GrantKind } from '@pos/core/discounts/types';
import type { DiscountRefsTable, DiscountRulesTable } from '../../db/schema.ts';
import { entityOf } from '../../db/entity.ts';
import { monotonicId } from '../../db/ids.ts';
import { grantKind, grantOf, optional } from './model.ts';
import type { Trx } from './repo.ts';
import { existingRule, liveRule, livenessOf, withStatistics, type Actor, type DiscountWithStats, type PageQuery, type ServiceContext, type State } from './shared.ts';

export interface RuleCustomer {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string | undefined;
  deleted_by?: string | undefined;
  customer_id: string | null;
  grant: GrantKind;
  offering_constraint_id?: string | undefined;
  automation_id?: string | undefined;
}

const toRuleCustomer = (r: DiscountRefsTable): RuleCustomer => ({
  ...entityOf(r),
  customer_id: r.customer_id,
  grant: grantKind(r),
  offering_constraint_id: optional(r.offering_constraint_id),
  automation_id: optional(r.automation_id),
});

/** Grants a live rule to customers (ids, `*`, `/`); returns how many refs were made. */
export async function grant(
  { repo, now }: ServiceContext,
  trx: Trx,
  actor: Actor,
  rule: DiscountRulesTable,
  customers: readonly string[],
  o: { offeringConstraintId?: string | undefined; automationId?: string | undefined },
): Promise<number> {
  const at = now().toISOString();
  let made = 0;
  for (const key of [...new Set(customers)]) {
    const kind = grantOf(key);
    const row: DiscountRefsTable = {
      id: monotonicId(),
      account_id: actor.accountId,
      discount_pk: rule.id,
      customer_key: key,
      customer_id: kind === 'customer' ? key : null,
      grant_kind: kind,
      offering_constraint_id: o.offeringConstraintId ?? null,
      automation_id: o.automationId ?? null,
      created_at: at,
      created_by: actor.clientId,
      updated_at: at,
      deleted_at: null,
      deleted_by: null,
    };
    if (await repo.insertRefIfAllowed(row, trx)) made += 1;
  }
  return made;
}

export function grantMethods(ctx: ServiceContext) {
  const { repo, now } = ctx;
  return {
    async grantCustomers(actor: Actor, id: string, body: { customers: string[]; offering_constraint_id?: string | undefined }): Promise<DiscountWithStats> {
      return repo.transaction(async (trx) => {
        const row = await liveRule(repo, actor.accountId, id, trx);
        await grant(ctx, trx, actor, row, body.customers, { offeringConstraintId: body.offering_constraint_id });
        return withStatistics(repo, row, trx);
      });
    },

    async revokeCustomers(actor: Actor, id: string, body: { customers: string[] }): Promise<DiscountWithStats> {
      return repo.transaction(async (trx) => {
        const row = await liveRule(repo, actor.accountId, id, trx);
        const del = { at: now().toISOString(), by: actor.clientId };
        const keys = [...new Set(body.customers)];
        if (keys.includes('*')) await repo.deleteRefs(row.id, { allExcept: ['/'] }, del, trx);
        await repo.deleteRefs(row.id, { keys: keys.filter((k) => k !== '*') }, del, trx);
        return withStatistics(repo, row, trx);
      });
    },

    async listRuleCustomers(accountId: string, id: string, q: PageQuery & { state?: State | undefined }): Promise<RuleCustomer[]> {
      const row = await existingRule(repo, accountId, id);
      const state = q.state;
      if (state === 'inactive') {
        // Refs that exist but cannot be used: the rule is inactive or deleted.
        if (row.active === 1 && row.deleted_at === null) return [];
        return (await repo.listRuleRefs(row.id, { liveness: 'live', limit: q.limit, startingAfter: q.starting_after })).map(toRuleCustomer);
      }
      const rows = await repo.listRuleRefs(row.id, { liveness: livenessOf(state), limit: q.limit, startingAfter: q.starting_after });
      return (state === 'available' && (row.active === 0 || row.deleted_at !== null) ? [] : rows).map(toRuleCustomer);
    },
  };
}
