/**
 * Webhooks service (contract §6): the transactional outbox every service writes its events to,
 * in the transaction of the change itself. Subscriptions and delivery history are added below it.
 */
import type { Kysely, Migration } from 'kysely';
import { ts } from './types.ts';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('hook_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull())
      .execute();
  },
};
