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

/**
 * `resolveBuyer` for many receipts with one query (none when every receipt names its customer or
 * has no token). The same rules as `resolveToken`: by token_id, else type + value, else value
 * alone; a match that is not exactly one live token names nobody.
 */
export async function resolveBuyers(repo: DiscountRepo, accountId: string, receipts: readonly Receipt[], trx?: Trx): Promise<Array<string | undefined>> {
  type Token = NonNullable<NonNullable<Receipt['customer']>['token']>;
  const tokenOf = (r: Receipt): Token | undefined => (r.customer_id !== undefined && r.customer_id !== '' ? undefined : r.customer?.token);
  const tokens = receipts.flatMap((r): Token[] => {
    const t = tokenOf(r);
    return t === undefined ? [] : [t];
  });
  const tokenIds = tokens.flatMap((t) => (t.token_id === undefined ? [] : [t.token_id]));
  const typed = tokens.flatMap((t) => (t.token_id === undefined && t.type !== undefined && t.value !== undefined ? [{ type: t.type, value: t.value }] : []));
  const values = tokens.flatMap((t) => (t.token_id === undefined && t.type === undefined && t.value !== undefined ? [t.value] : []));
  const live = await repo.liveTokensMatching(accountId, { tokenIds, typed, values }, trx);
  const group = (key: (x: (typeof live)[number]) => string | null): Map<string, string[]> => {
    const out = new Map<string, string[]>();
    for (const x of live) {
      const k = key(x);
      if (k !== null) out.set(k, [...(out.get(k) ?? []), x.customer_id]);
    }
    return out;
  };
  const byId = group((x) => x.token_id);
  const byTypeValue = group((x) => `${x.token_type}\u0000${x.token_value}`);
  const byValue = group((x) => x.token_value);
  const only = (customers: readonly string[] | undefined): string | undefined => (customers?.length === 1 ? customers[0] : undefined);
  return receipts.map((r) => {
    if (r.customer_id !== undefined && r.customer_id !== '') return r.customer_id;
    const t = tokenOf(r);
    if (t === undefined) return undefined;
    if (t.token_id !== undefined) return only(byId.get(t.token_id));
    if (t.value !== undefined && t.type !== undefined) return only(byTypeValue.get(`${t.type}\u0000${t.value}`));
    if (t.value !== undefined) return only(byValue.get(t.value));
    return undefined;
  });
}
