/**
 * The prepared-rules cache: each account's rules are prepared for the engine once and reused for
 * every calculation. A rule write bumps the account's row in discount_rule_versions inside its own
 * transaction (`written`); every calculation reads that row (one primary-key lookup) and
 * re-prepares when it moved. So a write on any server node is seen by every node on its next
 * calculation, with no clock skew or same-millisecond updated_at ties to reason about. This node's
 * own writes also drop the entry at once. It lives apart from rule CRUD because both the writers
 * (rules) and the reader (calculation) depend on it.
 */
import type { Discount } from '@pos/core/contracts/discounts';
import type { PreparedRules } from '@pos/core/discounts/types';
import { prepareRules } from '@pos/core/discounts/engine';
import { toDiscount } from './model.ts';
import type { DiscountRepo, Trx } from './repo.ts';

export interface Prepared {
  version: number;
  prepared: PreparedRules;
  /** The account's rules that are not deleted, by id (refs are joined to these). */
  byId: ReadonlyMap<string, Discount>;
}

const MAX_CACHED_ACCOUNTS = 1000;

export function createPreparedRules(repo: DiscountRepo) {
  const prepared = new Map<string, Prepared>();

  return {
    /** The account's rules, prepared; re-prepared when a write moved the account's version. */
    async get(accountId: string): Promise<Prepared> {
      // Version first, rules second: a write racing in between makes the entry look older than it
      // is (re-prepared next time), never newer.
      const version = await repo.ruleVersion(accountId);
      const hit = prepared.get(accountId);
      if (hit !== undefined && hit.version === version) return hit;
      const rules = (await repo.liveRules(accountId)).map(toDiscount);
      const entry: Prepared = { version, prepared: prepareRules(rules), byId: new Map(rules.map((r) => [r.id, r])) };
      if (prepared.size >= MAX_CACHED_ACCOUNTS) prepared.clear();
      prepared.set(accountId, entry);
      return entry;
    },

    /** Every rule write calls this inside its transaction. */
    async written(accountId: string, trx: Trx): Promise<void> {
      await repo.bumpRuleVersion(accountId, trx);
      prepared.delete(accountId);
    },
  };
}

export type PreparedRulesCache = ReturnType<typeof createPreparedRules>;
