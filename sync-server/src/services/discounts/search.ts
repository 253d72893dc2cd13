/**
 * Rule search (§3.8): the rules customers hold (their own refs and `*` grants), grouped by the
 * item ids or item group ids their requirement names, one row per (customer, group, value, rule).
 * The rows are built and sorted in memory, so the page cursor is the row's own sort key
 * (base64url), not a database key; it is read-only and apart from rule CRUD because it answers a
 * different question (which rules touch these items for these customers).
 */
import type { Discount } from '@pos/core/contracts/discounts';
import { toDiscount } from './model.ts';
import type { PageQuery, ServiceContext } from './shared.ts';

export interface SearchBody {
  search: {
    query: Array<{ customer_id: string[]; '$.requirement.item.items[*]'?: Array<{ id?: string | undefined; group_id?: string | undefined }> | undefined }>;
    group_by: string[];
    includes?: string[] | undefined;
  };
}

export interface SearchRow {
  group_by: string;
  group_value: string;
  customer_id: string;
  id: string;
  group_id?: string | undefined;
  rule: Record<string, unknown>;
}

const SEARCH_GROUPS: Record<string, 'id' | 'group_id'> = {
  'customer_id#$.requirement.item.items[*].id': 'id',
  'customer_id#$.requirement.item.items[*].group_id': 'group_id',
};

function pick(rule: Discount, includes: readonly string[] | undefined): Record<string, unknown> {
  const all: Record<string, unknown> = { ...rule };
  const keys = includes === undefined ? Object.keys(all).filter((k) => !k.startsWith('deleted_') && k !== 'created_by' && k !== 'updated_by') : includes.map((i) => i.replace(/^\$\./, ''));
  return Object.fromEntries(keys.filter((k) => all[k] !== undefined).map((k) => [k, all[k]]));
}

export function searchMethods({ repo, now }: ServiceContext) {
  return {
    async searchRules(accountId: string, body: SearchBody, q: PageQuery): Promise<{ starting_after?: string; data: SearchRow[] }> {
      const at = now().toISOString();
      const rows = new Map<string, SearchRow & { sort: string }>();
      for (const query of body.search.query) {
        const wanted = query['$.requirement.item.items[*]'];
        for (const customerId of [...new Set(query.customer_id)]) {
          for (const r of await repo.searchRefs(accountId, [customerId, '*'], at)) {
            const rule = toDiscount(r.rule);
            const items = (rule.requirement.item?.items ?? []).filter((ri) =>
              wanted === undefined || wanted.some((w) => (w.id === undefined || w.id === ri.id) && (w.group_id === undefined || w.group_id === ri.group_id)));
            for (const g of body.search.group_by) {
              const field = SEARCH_GROUPS[g];
              if (field === undefined) continue;
              for (const ri of items) {
                const value = ri[field];
                if (value === undefined) continue;
                const groupBy = g.slice('customer_id#'.length);
                const sort = JSON.stringify([customerId, groupBy, value, rule.id]);
                rows.set(sort, { sort, group_by: groupBy, group_value: value, customer_id: customerId, id: rule.id, group_id: ri.group_id, rule: pick(rule, body.search.includes) });
              }
            }
          }
        }
      }
      const all = [...rows.values()].sort((a, b) => (a.sort < b.sort ? -1 : a.sort > b.sort ? 1 : 0));
      const after = q.starting_after === undefined ? undefined : Buffer.from(q.starting_after, 'base64url').toString('utf8');
      const from = after === undefined ? all : all.filter((r) => r.sort > after);
      const page = from.slice(0, q.limit);
      const last = page.at(-1);
      const data = page.map(({ sort: _s, ...row }) => row);
      return from.length > q.limit && last !== undefined ? { starting_after: Buffer.from(last.sort, 'utf8').toString('base64url'), data } : { data };
    },
  };
}
