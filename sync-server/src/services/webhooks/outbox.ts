/**
 * The transactional outbox (DESIGN §3, contract §6): a service that changes something webhooks
 * report writes the event here in its own transaction, so the event exists exactly when the change
 * does. The dispatcher (this service) delivers from it to the subscriptions after the commit.
 *
 * The payload is the event's object under its key (`{ receipt }`, `{ customer }`, `{ token }`,
 * `{ discount }`, `{ transaction }`); the envelope (`account_id`, `event`, `event_delivery`) is
 * added per delivery.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { timeOrderedId } from '../../db/ids.ts';

/** Events our services emit (a subscription may list any of Dintero's event names). */
export type OutboxEventName =
  | 'receipt_add'
  | 'receipt_update'
  | 'customer_add'
  | 'customer_update'
  | 'customer_delete'
  | 'token_add'
  | 'token_remove'
  | 'discount_customer_update'
  | 'wallet_transaction';

export interface OutboxEvent {
  accountId: string;
  event: OutboxEventName;
  payload: Readonly<Record<string, unknown>>;
}

/** Records events in the caller's transaction; call it only inside the transaction of the change. */
export async function enqueueEvents(trx: Transaction<Database> | Kysely<Database>, events: readonly OutboxEvent[], at: string): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('hook_outbox')
    .values(events.map((e) => ({ id: timeOrderedId(), account_id: e.accountId, event: e.event, payload: JSON.stringify(e.payload), created_at: at })))
    .execute();
}
