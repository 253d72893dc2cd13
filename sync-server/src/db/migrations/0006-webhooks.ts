/**
 * Webhooks service (contract §6): the transactional outbox every service writes its events to, in
 * the transaction of the change itself; the subscriptions; one delivery per (event, subscription)
 * with a stable `event_delivery` id; and every attempt at sending it.
 *
 * Every state change of a delivery is a row here, so a server killed at any point picks up where
 * it stopped: undispatched outbox rows are fanned out again (idempotently, by the unique
 * (outbox_id, hook_id) pair), and a delivery claimed by a dead process is due again once its claim
 * lapses.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { entityColumns, ts } from './types.ts';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('hook_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      // Set when the event has been fanned out to the subscriptions listening then.
      .addColumn('dispatched_at', ts)
      // A ping is for one subscription only, whatever it listens to.
      .addColumn('hook_id', 'text')
      .execute();
    // The dispatcher's queue: only the rows not fanned out yet.
    await db.schema.createIndex('hook_outbox_undispatched').on('hook_outbox').column('id').where(sql<boolean>`dispatched_at is null`).execute();
    await db.schema.createIndex('hook_outbox_dispatched').on('hook_outbox').column('dispatched_at').where(sql<boolean>`dispatched_at is not null`).execute();

    // `id` is a UUIDv7, so ordering by it (the list cursor) is creation order.
    await db.schema
      .createTable('hook_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.account_id'))
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('insecure_ssl', 'integer', (c) => c.notNull())
      .addColumn('secret', 'text')
      .addColumn('fields', 'text')
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('disabled_at', ts)
      .$call(entityColumns)
      .execute();
    await db.schema.createIndex('hook_subscriptions_account').on('hook_subscriptions').columns(['account_id', 'id']).execute();

    await db.schema
      .createTable('hook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('hook_id', 'text', (c) => c.notNull().references('hook_subscriptions.id'))
      .addColumn('outbox_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', ts, (c) => c.notNull())
      .addColumn('claim', 'text')
      .addColumn('created_at', ts, (c) => c.notNull())
      .addColumn('updated_at', ts, (c) => c.notNull())
      .addUniqueConstraint('hook_deliveries_event_hook', ['outbox_id', 'hook_id'])
      .execute();
    await db.schema.createIndex('hook_deliveries_due').on('hook_deliveries').column('next_attempt_at').where(sql<boolean>`state = 'pending'`).execute();
    await db.schema.createIndex('hook_deliveries_hook').on('hook_deliveries').columns(['hook_id', 'state']).execute();
    await db.schema.createIndex('hook_deliveries_finished').on('hook_deliveries').column('updated_at').where(sql<boolean>`state <> 'pending'`).execute();

    await db.schema
      .createTable('hook_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('hook_id', 'text', (c) => c.notNull())
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('request_headers', 'text', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('response_headers', 'text')
      .addColumn('response_body', 'text')
      .addColumn('error', 'text')
      .addColumn('success', 'integer', (c) => c.notNull())
      .addColumn('delivery_at', ts, (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('hook_attempts_hook').on('hook_attempts').columns(['hook_id', 'id']).execute();
    await db.schema.createIndex('hook_attempts_created').on('hook_attempts').column('created_at').execute();
  },
};
