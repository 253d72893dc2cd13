/**
 * Claims: a purchase reserving its discounts before its receipt exists, written to the usage
 * ledger as `claim` entries and taken back on release by reversing entries (never a delete). Usage
 * defaults to 1 and amount to 0 per ref; a claim is refused (400 DISCOUNT_CLAIM_LIMIT) when a
 * ref's usage exceeds discount_reward_usage or the holder's usage has reached
 * discount_repeat_usage. A claim's `ref` is an idempotency key: the same request again answers the
 * first claim, a different one under the same ref is 409. Released claims disappear from the
 * list; releasing twice answers the released claim again. Making and releasing a claim enqueue
 * `discount_customer_update` events (customer-updates.ts).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ClaimPost } from '@pos/core/contracts/discounts';
import type { DiscountClaimsTable } from '../../db/schema.ts';
import { ApiError, badRequest, conflict, notFound } from '../../errors.ts';
import { monotonicId } from '../../db/ids.ts';
import { isoUtc, optional, toDiscount } from './model.ts';
import type { Delta } from './repo.ts';
import type { Actor, PageQuery, ServiceContext } from './shared.ts';
import type { CustomerUpdates } from './customer-updates.ts';
import { debitOf, type Ledger, type Planned } from './usage-ledger.ts';

export interface ClaimView {
  id: string;
  created_at: string;
  created_by: string;
  deleted_at?: string | undefined;
  deleted_by?: string | undefined;
  ref?: string | undefined;
  type?: string | undefined;
  purchase_at: string;
  customer_id: string;
  discounts: Array<{ id: string; refs: Array<{ id: string; amount: number; usage: number }> }>;
}

const claimDiscounts = (body: ClaimPost): ClaimView['discounts'] =>
  body.discounts.map((d) => ({ id: d.id, refs: d.refs.map((r) => ({ id: r.id, amount: r.amount ?? 0, usage: r.usage ?? 1 })) }));

const StoredClaimDiscountsSchema = z.array(z.object({ id: z.string(), refs: z.array(z.object({ id: z.string(), amount: z.number(), usage: z.number() })) }));

function toClaim(row: DiscountClaimsTable): ClaimView {
  return {
    id: row.id,
    created_at: row.created_at,
    created_by: row.created_by,
    deleted_at: optional(row.deleted_at),
    deleted_by: optional(row.deleted_by),
    ref: optional(row.ref),
    type: optional(row.type),
    purchase_at: row.purchase_at,
    customer_id: row.customer_id,
    discounts: StoredClaimDiscountsSchema.parse(JSON.parse(row.discounts)),
  };
}

/** JSON with sorted keys: equal bodies hash equal whatever order their keys came in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const claimNotFound = (id: string): ApiError => notFound('DISCOUNT_CLAIM_NOT_FOUND', `claim ${id} not found`);

export function claimMethods({ repo, now }: ServiceContext, ledger: Ledger, updates: CustomerUpdates) {
  return {
    async createClaim(actor: Actor, body: ClaimPost): Promise<ClaimView> {
      const discounts = claimDiscounts(body);
      const purchaseAt = isoUtc(body.purchase_at);
      const hash = createHash('sha256').update(canonical({ type: body.type, purchase_at: purchaseAt, customer_id: body.customer_id, discounts })).digest('hex');
      const replay = async (): Promise<ClaimView | undefined> => {
        if (body.ref === undefined) return undefined;
        const prev = await repo.findClaimByRef(actor.accountId, body.ref);
        if (prev === undefined) return undefined;
        if (prev.request_hash !== hash) throw conflict('DISCOUNT_CLAIM_REF_CONFLICT', `claim ref ${body.ref} was already used for a different claim`);
        return toClaim(prev);
      };
      const earlier = await replay();
      if (earlier !== undefined) return earlier;
      try {
        return await repo.transaction(async (trx) => {
          const at = now().toISOString();
          const row: DiscountClaimsTable = {
            id: monotonicId(),
            account_id: actor.accountId,
            ref: body.ref ?? null,
            type: body.type ?? null,
            purchase_at: purchaseAt,
            customer_id: body.customer_id,
            discounts: JSON.stringify(discounts),
            request_hash: hash,
            created_at: at,
            created_by: actor.clientId,
            deleted_at: null,
            deleted_by: null,
          };
          await repo.insertClaim(row, trx);
          const rules = new Map((await repo.rulesByIds(actor.accountId, discounts.map((d) => d.id), trx)).map((r) => [r.id, r]));
          const refs = new Map((await repo.refsByIds(actor.accountId, discounts.flatMap((d) => d.refs.map((r) => r.id)), trx)).map((r) => [r.id, r]));
          await repo.lockRefs([...refs.keys()], trx);
          const planned: Planned[] = [];
          for (const d of discounts) {
            const ruleRow = rules.get(d.id);
            if (ruleRow === undefined || ruleRow.deleted_at !== null) throw badRequest('DISCOUNT_RULE_UNKNOWN', `discount ${d.id} does not exist`);
            const rule = toDiscount(ruleRow);
            for (const r of d.refs) {
              const ref = refs.get(r.id);
              if (ref === undefined || ref.discount_pk !== d.id || ref.deleted_at !== null || (ref.customer_id !== body.customer_id && ref.customer_key !== '*')) {
                throw badRequest('DISCOUNT_REF_UNKNOWN', `customer ${body.customer_id} has no usable ref ${r.id} of discount ${d.id}`);
              }
              planned.push({ ref, rule, customerId: body.customer_id, buyerKey: body.customer_id, delta: { usage: r.usage, stamp: 0, amount: r.amount, bonus: 0, debit: debitOf(rule, r.amount) }, refType: 'claim', ref_: row.id, reverses: null, stampAt: purchaseAt });
            }
          }
          const h = await ledger.holders(planned.map((p) => ({ id: p.ref.id, rule: p.rule })), body.customer_id, trx);
          for (const p of planned) {
            const rewardUsage = p.rule.limitation?.discount_reward_usage ?? -1;
            if (rewardUsage >= 0 && p.delta.usage > rewardUsage) {
              throw badRequest('DISCOUNT_CLAIM_LIMIT', `discount ${p.rule.id} can be used ${rewardUsage} time(s) in one purchase; the claim asks for ${p.delta.usage}`);
            }
            const repeat = p.rule.limitation?.discount_repeat_usage ?? -1;
            const used = Number(h.totals(p.ref.id)?.usage ?? 0);
            if (repeat >= 0 && p.delta.usage > 0 && used >= repeat) {
              throw badRequest('DISCOUNT_CLAIM_LIMIT', `discount ${p.rule.id} can be used in ${repeat} purchase(s) and ref ${p.ref.id} has been used ${used} time(s)`);
            }
          }
          await updates.enqueue(trx, actor, await ledger.record(trx, actor, planned));
          return toClaim(row);
        });
      } catch (e) {
        // A concurrent claim with the same ref won the insert: answer as a replay would.
        if (repo.isUniqueViolation(e)) {
          const raced = await replay();
          if (raced !== undefined) return raced;
        }
        throw e;
      }
    },

    async listClaims(accountId: string, q: PageQuery & { ref?: string | undefined; customer_id?: string | undefined; total: boolean }): Promise<{ claims: ClaimView[]; total?: number }> {
      const rows = await repo.listClaims(accountId, { limit: q.limit, startingAfter: q.starting_after, ref: q.ref, customerId: q.customer_id });
      const claims = rows.map(toClaim);
      return q.total ? { claims, total: await repo.countClaims(accountId, { ref: q.ref, customerId: q.customer_id }) } : { claims };
    },

    async getClaim(accountId: string, id: string): Promise<ClaimView> {
      const row = await repo.findClaim(accountId, id);
      if (row === undefined) throw claimNotFound(id);
      return toClaim(row);
    },

    /** Releases a claim: reversing ledger entries (never a delete), so the discount is usable again. */
    async releaseClaim(actor: Actor, id: string): Promise<ClaimView> {
      return repo.transaction(async (trx) => {
        const row = await repo.findClaim(actor.accountId, id, trx);
        if (row === undefined) throw claimNotFound(id);
        if (row.deleted_at !== null) return toClaim(row);
        const entries = await repo.unreversedEntries(actor.accountId, 'claim', row.id, trx);
        const refs = new Map((await repo.refsByIds(actor.accountId, entries.map((e) => e.ref_id), trx)).map((r) => [r.id, r]));
        const rules = new Map((await repo.rulesByIds(actor.accountId, entries.map((e) => e.discount_pk), trx)).map((r) => [r.id, toDiscount(r)]));
        const planned: Planned[] = entries.flatMap((e) => {
          const ref = refs.get(e.ref_id);
          const rule = rules.get(e.discount_pk);
          if (ref === undefined || rule === undefined) return [];
          const delta: Delta = { usage: -Number(e.usage), stamp: -Number(e.stamp), amount: -Number(e.amount), bonus: -Number(e.bonus), debit: -Number(e.debit) };
          return [{ ref, rule, customerId: e.customer_id, buyerKey: e.buyer_key, delta, refType: 'claim_release', ref_: row.id, reverses: e.id, stampAt: e.purchase_at }];
        });
        await updates.enqueue(trx, actor, await ledger.record(trx, actor, planned));
        const del = { at: now().toISOString(), by: actor.clientId };
        await repo.releaseClaim(row.id, del, trx);
        return toClaim({ ...row, deleted_at: del.at, deleted_by: del.by });
      });
    },
  };
}
