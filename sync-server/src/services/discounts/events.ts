/**
 * Events and the automations they run: a `receipt_add` records the receipt's discount usage in
 * the ledger, `token_add` / `token_remove` keep the token → customer map buyers are resolved
 * through, and each event then runs the automations listening for it. This part owns the
 * transaction that ties them together (automations.ts holds what does not touch the database).
 * - `event-delivery` is an idempotency key (a redelivery does nothing); receipt usage is
 *   idempotent per (ref, receipt) whatever the delivery id. Unknown rule or ref ids in
 *   `receipt.discounts` refuse the whole event (400, nothing recorded); so does a `*` ref on a
 *   receipt without a customer. The buyer is `customer_id`, else the customer of a known token.
 * - Automations run inside the event's transaction (their grants commit with it) and at most
 *   once per (automation, event): receipt events are keyed by the receipt, token events by the
 *   delivery id. `automation_repeat` counts runs per customer (default 1, -1 unlimited); an
 *   event without a customer runs only HTTP actions. HTTP actions fire after the commit.
 */
import { randomUUID } from 'node:crypto';
import type { Receipt } from '@pos/core/contracts/discounts';
import { badRequest } from '../../errors.ts';
import { automationBody, grantedRuleIds, httpJobs, type AutomationEvent, type HttpActions, type HttpJob } from './automations.ts';
import { filterMatches } from './filter.ts';
import { grant } from './grants.ts';
import { monotonicId } from './ids.ts';
import { grantKind, isoUtc, toDiscount } from './model.ts';
import type { Delta, Trx } from './repo.ts';
import { resolveBuyer, type Actor, type ServiceContext } from './shared.ts';
import { addDelta, debitOf, isZero, type Ledger, type Planned } from './usage-ledger.ts';

export interface EventToken {
  token_id?: string | undefined;
  type?: string | undefined;
  value?: string | undefined;
  customer_id?: string | undefined;
}

export interface EventBody {
  receipt?: Receipt | undefined;
  token?: EventToken | undefined;
}

export type DiscountEvent = 'receipt_add' | 'token_add' | 'token_remove';

/** Work to run once the caller's transaction has committed. */
export type AfterCommit = () => void;

/** The receipt's own key for usage: the server `id` when it has one, else the POS `receipt_id`. */
function receiptRef(receipt: Receipt): string {
  const id = receipt['id'];
  return typeof id === 'string' && id !== '' ? id : receipt.receipt_id;
}

export function eventMethods(ctx: ServiceContext, ledger: Ledger, http: HttpActions) {
  const { repo, now } = ctx;

  async function planReceipt(trx: Trx, accountId: string, receipt: Receipt, buyer: string | undefined): Promise<Planned[]> {
    const discounts = receipt.discounts ?? [];
    const ruleIds = [...new Set(discounts.map((d) => d.id))];
    const rules = new Map((await repo.rulesByIds(accountId, ruleIds, trx)).map((r) => [r.id, toDiscount(r)]));
    const refIds = [...new Set(discounts.flatMap((d) => d.refs.map((r) => r.id)))];
    const refs = new Map((await repo.refsByIds(accountId, refIds, trx)).map((r) => [r.id, r]));
    const merged = new Map<string, Planned>();
    const ref_ = receiptRef(receipt);
    for (const d of discounts) {
      const rule = rules.get(d.id);
      if (rule === undefined) throw badRequest('DISCOUNT_RULE_UNKNOWN', `receipt.discounts: discount ${d.id} does not exist`);
      for (const r of d.refs) {
        const ref = refs.get(r.id);
        if (ref === undefined || ref.discount_pk !== d.id) throw badRequest('DISCOUNT_REF_UNKNOWN', `receipt.discounts: discount ${d.id} has no ref ${r.id}`);
        const kind = grantKind(ref);
        if (kind === 'any_customer' && buyer === undefined) {
          throw badRequest('DISCOUNT_REF_NEEDS_CUSTOMER', `receipt.discounts: ref ${r.id} is for purchases with a customer, and the receipt has no customer_id`);
        }
        const customerId = kind === 'customer' ? ref.customer_id : kind === 'any_customer' ? (buyer ?? null) : null;
        const buyerKey = customerId ?? '/';
        const delta: Delta = { usage: r.usage, stamp: r.stamp, amount: r.amount, bonus: r.bonus, debit: debitOf(rule, r.amount) };
        const key = `${ref.id}\u0000${buyerKey}`;
        const prev = merged.get(key);
        merged.set(key, prev === undefined
          ? { ref, rule, customerId, buyerKey, delta, refType: 'receipt_add', ref_, reverses: null, stampAt: isoUtc(receipt.purchase_at) }
          : { ...prev, delta: addDelta(prev.delta, delta) });
      }
    }
    return [...merged.values()].filter((p) => !isZero(p.delta));
  }

  async function runAutomationsIn(trx: Trx, actor: Actor, event: AutomationEvent, payload: unknown, customerId: string | undefined, eventKey: string): Promise<HttpJob[]> {
    const at = now().toISOString();
    const jobs: HttpJob[] = [];
    for (const row of await repo.activeAutomations(actor.accountId, at, trx)) {
      const a = automationBody(row);
      if (!a.requirement.events.includes(event) || !filterMatches(a.requirement.filter, payload)) continue;
      await repo.lockAutomation(row.id, trx);
      const customerKey = customerId ?? '';
      const repeat = a.limitation?.automation_repeat ?? 1;
      if (repeat !== -1 && (await repo.countRuns(row.id, customerKey, trx)) >= repeat) continue;
      const fresh = await repo.insertRun({ id: monotonicId(), account_id: actor.accountId, automation_pk: row.id, customer_key: customerKey, event_key: eventKey, event, created_at: at }, trx);
      if (!fresh) continue;
      for (const ruleId of grantedRuleIds(a)) {
        if (customerId === undefined) continue;
        const rule = await repo.findRule(actor.accountId, ruleId, trx);
        if (rule === undefined || rule.deleted_at !== null) continue;
        await grant(ctx, trx, actor, rule, [customerId], { automationId: row.id });
      }
      jobs.push(...httpJobs(row.id, a, payload));
    }
    return jobs;
  }

  /** Records a receipt's usage and runs its automations inside the caller's transaction. */
  async function receiptAddedIn(trx: Trx, actor: Actor, receipt: Receipt): Promise<HttpJob[]> {
    const buyer = await resolveBuyer(repo, actor.accountId, receipt, trx);
    await ledger.record(trx, actor, await planReceipt(trx, actor.accountId, receipt, buyer));
    const payload = buyer === undefined || receipt.customer_id !== undefined ? receipt : { ...receipt, customer_id: buyer };
    return runAutomationsIn(trx, actor, 'receipt_add', payload, buyer, `receipt_add:${receiptRef(receipt)}`);
  }

  /** Keeps the token → customer map and runs the token's automations inside the caller's transaction. */
  async function tokenEventIn(trx: Trx, actor: Actor, event: 'token_add' | 'token_remove', token: EventToken, eventKey: string): Promise<HttpJob[]> {
    const at = now().toISOString();
    if (event === 'token_add' && token.type !== undefined && token.value !== undefined && token.customer_id !== undefined) {
      await repo.upsertToken({
        account_id: actor.accountId, token_type: token.type, token_value: token.value, token_id: token.token_id ?? null,
        customer_id: token.customer_id, created_at: at, updated_at: at, removed_at: null,
      }, trx);
    } else if (event === 'token_remove') {
      await repo.removeToken(actor.accountId, token, at, trx);
    }
    return runAutomationsIn(trx, actor, event, token, token.customer_id, `${event}:${eventKey}`);
  }

  /** Runs `jobs` once the caller's transaction has committed. */
  const afterCommit = (jobs: readonly HttpJob[]): AfterCommit => () => http.fire(jobs);

  return {
    /**
     * For other services, inside their own transaction (receipts → usage, customers → tokens and
     * automations). Each returns what to run after that transaction commits; never call it after
     * a rollback.
     */
    inTransaction: {
      receiptAdded: async (trx: Trx, actor: Actor, receipt: Receipt): Promise<AfterCommit> => afterCommit(await receiptAddedIn(trx, actor, receipt)),
      tokenEvent: async (trx: Trx, actor: Actor, event: 'token_add' | 'token_remove', token: EventToken, eventKey: string): Promise<AfterCommit> =>
        afterCommit(await tokenEventIn(trx, actor, event, token, eventKey)),
      automations: async (trx: Trx, actor: Actor, event: AutomationEvent, payload: unknown, customerId: string | undefined, eventKey: string): Promise<AfterCommit> =>
        afterCommit(await runAutomationsIn(trx, actor, event, payload, customerId, eventKey)),
    },

    async handleEvent(actor: Actor, event: DiscountEvent, deliveryId: string | undefined, body: EventBody): Promise<void> {
      const receipt = body.receipt;
      const token = body.token;
      if (event === 'receipt_add' && receipt === undefined) throw badRequest('DISCOUNT_EVENT_INVALID', 'a receipt_add event needs a receipt');
      if (event !== 'receipt_add' && token === undefined) throw badRequest('DISCOUNT_EVENT_INVALID', `a ${event} event needs a token`);
      if (event === 'token_add' && (token?.type === undefined || token.value === undefined || token.customer_id === undefined)) {
        throw badRequest('DISCOUNT_EVENT_INVALID', 'a token_add event needs token.type, token.value and token.customer_id');
      }
      if (event === 'token_remove' && token?.token_id === undefined && (token?.type === undefined || token.value === undefined)) {
        throw badRequest('DISCOUNT_EVENT_INVALID', 'a token_remove event needs token.token_id, or token.type and token.value');
      }
      const jobs = await repo.transaction(async (trx): Promise<HttpJob[]> => {
        const at = now().toISOString();
        if (deliveryId !== undefined && !(await repo.recordDelivery(actor.accountId, deliveryId, event, at, trx))) return [];
        if (event === 'receipt_add' && receipt !== undefined) return receiptAddedIn(trx, actor, receipt);
        if (token === undefined || event === 'receipt_add') return [];
        return tokenEventIn(trx, actor, event, token, deliveryId ?? `${token.token_id ?? `${token.type ?? ''}:${token.value ?? ''}`}`);
      });
      http.fire(jobs);
    },

    /**
     * Runs the automations listening for an event (for other services, e.g. customer_add from the
     * Customers service). `eventKey` makes a redelivered event run nothing twice; without one every
     * call is a new event.
     */
    async runAutomations(accountId: string, eventName: AutomationEvent, payload: unknown, customerId: string | undefined, o: { eventKey?: string; clientId?: string } = {}): Promise<void> {
      const actor = { accountId, clientId: o.clientId ?? 'automation' };
      const key = o.eventKey ?? `${eventName}:${randomUUID()}`;
      const jobs = await repo.transaction((trx) => runAutomationsIn(trx, actor, eventName, payload, customerId, key));
      http.fire(jobs);
    },
  };
}
