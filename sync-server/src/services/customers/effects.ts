/**
 * What a customer or token change sets off in other services, inside the change's own
 * transaction: the webhook outbox rows (`customer_add|update|delete`, `token_add|remove`) and the
 * Discounts service's token map and automations. Both commit or roll back with the change; the
 * automations' HTTP actions run only after the commit.
 *
 * The Discounts service is reached through `DiscountHooks`, the narrow part of it this service
 * uses, so nothing here depends on how discounts are built.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { enqueueEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import type { CustomerResponse, CustomerToken } from './schemas.ts';

/** The account a request acts on and the API client doing it (created_by / deleted_by). */
export interface Actor {
  accountId: string;
  clientId: string;
}

/** Work to run once the transaction has committed. */
export type AfterCommit = () => void;

export interface HookToken {
  token_id?: string | undefined;
  type?: string | undefined;
  value?: string | undefined;
  customer_id?: string | undefined;
}

/** The part of the Discounts service customers call (services/discounts/events.ts `inTransaction`). */
export interface DiscountHooks {
  readonly inTransaction: {
    /** Keeps the token → customer map buyers on receipts are resolved through; runs token automations. */
    tokenEvent(trx: Transaction<Database>, actor: Actor, event: 'token_add' | 'token_remove', token: HookToken, eventKey: string): Promise<AfterCommit>;
    /** Runs the automations listening for a customer event (e.g. a welcome discount on customer_add). */
    automations(
      trx: Transaction<Database>,
      actor: Actor,
      event: 'customer_add' | 'customer_update' | 'customer_remove',
      payload: unknown,
      customerId: string | undefined,
      eventKey: string,
    ): Promise<AfterCommit>;
  };
}

export type CustomerEvent = 'customer_add' | 'customer_update' | 'customer_delete';
const AUTOMATION_EVENT = { customer_add: 'customer_add', customer_update: 'customer_update', customer_delete: 'customer_remove' } as const;

/** Collects one transaction's side effects; `flush` writes the outbox rows before the commit. */
export function createEffects(trx: Transaction<Database>, actor: Actor, hooks: DiscountHooks, at: string) {
  const events: OutboxEvent[] = [];
  const after: AfterCommit[] = [];
  return {
    /** `key` makes the event unique (a replay of the same key runs no automation twice). */
    async customer(event: CustomerEvent, customer: CustomerResponse, key: string): Promise<void> {
      events.push({ accountId: actor.accountId, event, payload: { customer } });
      after.push(await hooks.inTransaction.automations(trx, actor, AUTOMATION_EVENT[event], customer, customer.customer_id, `${event}:${key}`));
    },

    async token(event: 'token_add' | 'token_remove', token: CustomerToken & { customer_id: string }, key: string): Promise<void> {
      events.push({ accountId: actor.accountId, event, payload: { token } });
      const { token_id, type, value, customer_id } = token;
      after.push(await hooks.inTransaction.tokenEvent(trx, actor, event, { token_id, type, value, customer_id }, key));
    },

    flush: (): Promise<void> => enqueueEvents(trx, events, at),

    runAfterCommit(): void {
      for (const f of after) f();
    },
  };
}

export type Effects = ReturnType<typeof createEffects>;
