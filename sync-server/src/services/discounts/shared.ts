/**
 * What the Discounts service's parts share: the context each part is built from (the repo and the
 * clock), the request-level types every part takes (actor, paging, list state), and the few rule
 * and buyer look-ups more than one part makes. One place, so the parts agree on the 404s and the
 * list-state rules instead of each spelling them again.
 */
import type { Discount, Receipt, Statistics } from '@pos/core/contracts/discounts';
import type { DiscountRulesTable } from '../../db/schema.ts';
import { ApiError, notFound } from '../../errors.ts';
import { aggregateStatistics, toDiscount } from './model.ts';
import type { DiscountRepo, Liveness, Trx } from './repo.ts';

/** What every part of the service is built from. */
export interface ServiceContext {
  repo: DiscountRepo;
  now: () => Date;
}

/** The account a request acts on and the API client doing it (for created_by / deleted_by). */
export interface Actor {
  accountId: string;
  clientId: string;
}

export type State = 'all' | 'available' | 'deleted' | 'inactive';

export interface PageQuery {
  limit: number;
  starting_after?: string | undefined;
}

export type DiscountWithStats = Discount & { statistics: Statistics };

export const ruleNotFound = (id: string): ApiError => notFound('DISCOUNT_RULE_NOT_FOUND', `discount rule ${id} not found`);

/** A list's `state` as far as deletion goes: `all`, `deleted`, else live rows only. */
export const livenessOf = (state: string | undefined): Liveness => (state === 'all' ? 'all' : state === 'deleted' ? 'deleted' : 'live');

/** A rule, deleted or not (reads of one deleted rule still answer); 404 when there is none. */
export async function existingRule(repo: DiscountRepo, accountId: string, id: string): Promise<DiscountRulesTable> {
  const row = await repo.findRule(accountId, id);
  if (row === undefined) throw ruleNotFound(id);
  return row;
}

/** A rule that is not deleted (writes go only to these); 404 otherwise. */
export async function liveRule(repo: DiscountRepo, accountId: string, id: string, trx?: Trx, lock = false): Promise<DiscountRulesTable> {
  const row = await repo.findRule(accountId, id, trx, lock);
  if (row === undefined || row.deleted_at !== null) throw ruleNotFound(id);
  return row;
}

export async function withStatistics(repo: DiscountRepo, row: DiscountRulesTable, trx?: Trx): Promise<DiscountWithStats> {
  const d = toDiscount(row);
  const [totals] = await repo.ruleTotals([row.id], trx);
  return { ...d, statistics: aggregateStatistics(totals, d) };
}

/** Who is buying: `customer_id`, else the customer a known token belongs to. */
export async function resolveBuyer(repo: DiscountRepo, accountId: string, receipt: Receipt, trx?: Trx): Promise<string | undefined> {
  if (receipt.customer_id !== undefined && receipt.customer_id !== '') return receipt.customer_id;
  const token = receipt.customer?.token;
  if (token === undefined) return undefined;
  return repo.resolveToken(accountId, token, trx);
}
