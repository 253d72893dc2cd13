/**
 * Events and the automations they run: a `receipt_add` records the receipt's discount usage in
 * the ledger, `token_add` / `token_remove` keep the token → customer map buyers are resolved
 * through, and each event then runs the automations listening for it. This part owns the
 * transaction that ties them together (automations.ts holds what does not touch the database).
 * - `event-delivery` is an idempotency key (a redelivery does nothing); receipt usage is
 *   recorded once per (receipt, rule) whatever the delivery id and whichever path brings the
 *   receipt (receipt-accrual.ts: the receipt's identity is `receiptKey`, returns and voids).
 *   Unknown rule or ref ids in `receipt.discounts` refuse the whole event (400, nothing
 *   recorded); so does a `*` ref on a receipt without a customer. The buyer is `customer_id`,
 *   else the customer of a known token. A receipt whose `entry_status` is Voided or Cancelled is
 *   a void: it records nothing and reverses what its identity recorded before; one that is
 *   Training records nothing. Neither runs receipt_add automations (no sale happened).
 * - Usage recorded for a customer enqueues `discount_customer_update` webhook events in the same
 *   transaction (customer-updates.ts).
 * - Automations run inside the event's transaction (their grants commit with it) and at most
 *   once per (automation, event): receipt events are keyed by the receipt's identity, token
 *   events by the delivery id. `automation_repeat` counts runs per customer (default 1, -1
 *   unlimited); an event without a customer runs only HTTP actions. HTTP actions fire after the
 *   commit.
 */
import { randomUUID } from 'node:crypto';
import type { Receipt } from '@pos/core/contracts/discounts';
import { receiptKey } from '@pos/core/loyalty/receipt-key';
import { badRequest } from '../../errors.ts';
import { automationBody, grantedRuleIds, httpJobs, type AutomationEvent, type HttpActions, type HttpJob } from './automations.ts';
import type { CustomerUpdates } from './customer-updates.ts';
import { filterMatches } from './filter.ts';
import { grant } from './grants.ts';
import { monotonicId } from '../../db/ids.ts';
import { arrivesVoided, isTraining, type AccrualItem, type ReceiptAccrual, type ReceiptIdentity } from './receipt-accrual.ts';
import type { Trx } from './repo.ts';
import type { AutomationsTable } from '../../db/schema.ts';
import { resolveBuyers, type Actor, type ServiceContext } from './shared.ts';

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

/** One receipt of a batch: a sale, or (voided: true) a void of that identity. */
export type ReceiptChange = { receipt: Receipt; voided?: false | undefined } | { receipt: ReceiptIdentity; voided: true };

/** Work to run once the caller's transaction has committed. */
export type AfterCommit = () => void;

export function eventMethods(ctx: ServiceContext, accrual: ReceiptAccrual, updates: CustomerUpdates, http: HttpActions) {
  const { repo, now } = ctx;

  /**
   * Runs the active automations listening for `event` whose filter matches. `active` is the
   * account's active automations when the caller has them already (a batch of receipts reads
   * them once, not once per receipt).
   */
  async function runAutomationsIn(trx: Trx, actor: Actor, event: AutomationEvent, payload: unknown, customerId: string | undefined, eventKey: string, active?: readonly AutomationsTable[]): Promise<HttpJob[]> {
    const at = now().toISOString();
    const jobs: HttpJob[] = [];
    for (const row of active ?? (await repo.activeAutomations(actor.accountId, at, trx))) {
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

  /**
   * Records receipts' usage — sales, and voids (flagged, or by `entry_status`) — and runs the
   * sales' receipt_add automations, inside the caller's transaction (receipt-accrual.ts on order
   * and locks). Training receipts are left out; a sale voided in the same batch runs nothing.
   * The account's automations are read once per batch, buyers are resolved in one query and only
   * when something needs them (a discount, or a receipt_add automation): a batch of sales with
   * nothing for the ledger and no automations costs one query.
   */
  async function receiptsIn(trx: Trx, actor: Actor, batch: readonly ReceiptChange[]): Promise<HttpJob[]> {
    const at = now().toISOString();
    const automations = (await repo.activeAutomations(actor.accountId, at, trx)).filter((row) => automationBody(row).requirement.events.includes('receipt_add'));
    const sales: Array<{ receipt: Receipt; index: number }> = [];
    const voids: AccrualItem[] = [];
    for (const [index, change] of batch.entries()) {
      if (change.voided === true) voids.push({ kind: 'void', receipt: change.receipt, index });
      else if (arrivesVoided(change.receipt)) voids.push({ kind: 'void', receipt: change.receipt, index });
      else if (!isTraining(change.receipt)) sales.push({ receipt: change.receipt, index });
    }
    const needBuyer = sales.filter((x) => automations.length > 0 || (x.receipt.discounts ?? []).length > 0);
    const resolved = await resolveBuyers(repo, actor.accountId, needBuyer.map((x) => x.receipt), trx);
    const buyers = new Map(needBuyer.map((x, i) => [x, resolved[i]]));
    const items: AccrualItem[] = [...sales.map((x): AccrualItem => ({ kind: 'sale', receipt: x.receipt, buyer: buyers.get(x), index: x.index })), ...voids];
    await updates.enqueue(trx, actor, await accrual.apply(trx, actor, items));
    if (automations.length === 0) return [];
    const voided = new Set(voids.map((i) => receiptKey(i.receipt)));
    const jobs: HttpJob[] = [];
    const done = new Set<string>();
    for (const x of sales) {
      const key = receiptKey(x.receipt);
      if (voided.has(key) || done.has(key)) continue;
      done.add(key);
      const buyer = buyers.get(x);
      const payload = buyer === undefined || x.receipt.customer_id !== undefined ? x.receipt : { ...x.receipt, customer_id: buyer };
      jobs.push(...(await runAutomationsIn(trx, actor, 'receipt_add', payload, buyer, `receipt_add:${key}`, automations)));
    }
    return jobs;
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
      receiptAdded: async (trx: Trx, actor: Actor, receipt: Receipt): Promise<AfterCommit> => afterCommit(await receiptsIn(trx, actor, [{ receipt }])),
      /**
       * The receipt (by its identity: store, receipt_id, purchase_at) did not happen: every usage,
       * stamp, bonus and points entry recorded under it is reversed, once however often this is
       * called, and a copy of it arriving later records nothing.
       */
      receiptVoided: async (trx: Trx, actor: Actor, receipt: ReceiptIdentity): Promise<AfterCommit> => afterCommit(await receiptsIn(trx, actor, [{ receipt, voided: true }])),
      /**
       * Several receipts in one transaction (a `POST /receipts` batch): what `receiptAdded` and
       * `receiptVoided` do for each, but with every lock taken in one global order, so two
       * batches never deadlock on PostgreSQL (calling the single-receipt functions in a loop can).
       */
      receiptsRecorded: async (trx: Trx, actor: Actor, batch: readonly ReceiptChange[]): Promise<AfterCommit> => afterCommit(await receiptsIn(trx, actor, batch)),
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
        if (event === 'receipt_add' && receipt !== undefined) return receiptsIn(trx, actor, [{ receipt }]);
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
