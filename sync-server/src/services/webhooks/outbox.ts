/**
 * The transactional outbox (DESIGN §3, contract §6): a service that changes something webhooks
 * report writes the event here in its own transaction, so the event exists exactly when the change
 * does. The dispatcher (dispatcher.ts) delivers from it to the subscriptions after the commit.
 *
 * The payload is the event's object under its key (`{ receipt }`, `{ customer }`, `{ token }`,
 * `{ discount }`, `{ transaction }`); the envelope (`account_id`, `event`, `event_delivery`) is
 * added per delivery.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { monotonicId } from '../../db/ids.ts';

/** Events our services emit (a subscription may list any of Dintero's event names). */
export type OutboxEventName =
  | 'receipt_add'
  | 'receipt_update'
  | 'customer_add'
  | 'customer_update'
  | 'customer_delete'
  | 'token_add'
  | 'token_remove'
  | 'discount_add'
  | 'discount_update'
  | 'discount_delete'
  | 'discount_add_customers'
  | 'discount_customer_update'
  | 'location_add'
  | 'location_update'
  | 'location_delete'
  | 'wallet_transaction'
  | 'wallet_offline_exception';

export interface OutboxEvent {
  accountId: string;
  event: OutboxEventName;
  payload: Readonly<Record<string, unknown>>;
}

type Listener = () => void;
const listeners = new Set<Listener>();

/**
 * Dispatchers in this process hear about writes to the outbox, so they can look again shortly
 * after the writer's commit instead of at their next poll. A hint only: the poll stays the
 * guarantee (the writer may roll back, or commit after the look).
 */
export function onOutboxWrite(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Records events in the caller's transaction; call it only inside the transaction of the change. */
export async function enqueueEvents(trx: Transaction<Database> | Kysely<Database>, events: readonly OutboxEvent[], at: string): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('hook_outbox')
    .values(events.map((e) => ({ id: monotonicId(), account_id: e.accountId, event: e.event, payload: JSON.stringify(e.payload), created_at: at })))
    .execute();
  for (const l of listeners) l();
}

/** A `ping` for one subscription; its payload is the Hook itself (contract §6.3). */
export async function enqueuePing(trx: Transaction<Database> | Kysely<Database>, accountId: string, hookId: string, hook: Readonly<Record<string, unknown>>, at: string): Promise<void> {
  await trx
    .insertInto('hook_outbox')
    .values({ id: monotonicId(), account_id: accountId, event: 'ping', payload: JSON.stringify(hook), created_at: at, hook_id: hookId })
    .execute();
  for (const l of listeners) l();
}
