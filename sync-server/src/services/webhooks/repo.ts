/**
 * SQL for the Webhooks service. Work is claimed with one UPDATE … RETURNING whose subquery takes
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL, so server processes sharing a database never take the
 * same outbox row or the same due delivery; SQLite has one writer and needs no lock clause.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/schema.ts';
import type { HookAttemptsTable, HookDeliveriesTable, HookOutboxTable, HookSubscriptionsTable } from '../../db/tables/webhooks.ts';

type Q = Kysely<Database> | Transaction<Database>;

export type OutboxRow = Omit<HookOutboxTable, 'dispatched_at' | 'hook_id'> & { dispatched_at: string | null; hook_id: string | null };

/** SQLite caps bound variables per statement; insert rows in slices well below it. */
const SLICE = 200;

export function createWebhookRepo(db: Db) {
  const k = db.kysely;
  const postgres = db.dialect === 'postgres';
  return {
    transaction<T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
      return k.transaction().execute(fn);
    },

    insertSubscription: async (row: HookSubscriptionsTable, q: Q = k): Promise<void> => {
      await q.insertInto('hook_subscriptions').values(row).execute();
    },

    findSubscription: (accountId: string, id: string, q: Q = k): Promise<HookSubscriptionsTable | undefined> =>
      q.selectFrom('hook_subscriptions').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst(),

    listSubscriptions: (accountId: string, o: { limit: number; startingAfter?: string | undefined; includeDeleted: boolean }): Promise<HookSubscriptionsTable[]> =>
      k.selectFrom('hook_subscriptions').selectAll()
        .where('account_id', '=', accountId)
        .$if(!o.includeDeleted, (qb) => qb.where('deleted_at', 'is', null))
        .$if(o.startingAfter !== undefined, (qb) => qb.where('id', '>', o.startingAfter ?? ''))
        .orderBy('id').limit(o.limit).execute(),

    countSubscriptions: async (accountId: string, includeDeleted: boolean): Promise<number> => {
      const row = await k.selectFrom('hook_subscriptions').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .$if(!includeDeleted, (qb) => qb.where('deleted_at', 'is', null))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    softDeleteSubscription: async (id: string, at: string, by: string, q: Q): Promise<void> => {
      await q.updateTable('hook_subscriptions').set({ deleted_at: at, deleted_by: by, updated_at: at }).where('id', '=', id).where('deleted_at', 'is', null).execute();
    },

    /** Stops what is still to be sent to a subscription (pings too when `includingPings`). */
    cancelPending: async (hookId: string, at: string, includingPings: boolean, q: Q): Promise<void> => {
      await q.updateTable('hook_deliveries').set({ state: 'cancelled', claim: null, updated_at: at })
        .where('hook_id', '=', hookId).where('state', '=', 'pending')
        .$if(!includingPings, (qb) => qb.where('event', '<>', 'ping'))
        .execute();
    },

    /** Newest first: the history is read for "what happened lately". */
    listAttempts: (hookId: string, o: { limit: number; startingAfter?: string | undefined }): Promise<HookAttemptsTable[]> =>
      k.selectFrom('hook_attempts').selectAll()
        .where('hook_id', '=', hookId)
        .$if(o.startingAfter !== undefined, (qb) => qb.where('id', '<', o.startingAfter ?? ''))
        .orderBy('id', 'desc').limit(o.limit).execute(),

    findAttempt: async (hookId: string, id: string): Promise<{ attempt: HookAttemptsTable; body: string | undefined } | undefined> => {
      const attempt = await k.selectFrom('hook_attempts').selectAll().where('hook_id', '=', hookId).where('id', '=', id).executeTakeFirst();
      if (attempt === undefined) return undefined;
      const delivery = await k.selectFrom('hook_deliveries').select('body').where('id', '=', attempt.delivery_id).executeTakeFirst();
      return { attempt, body: delivery?.body };
    },

    // ---- dispatcher ----

    /** Takes up to `limit` events not fanned out yet and marks them dispatched (in the caller's transaction). */
    takeOutbox: (trx: Transaction<Database>, at: string, limit: number): Promise<OutboxRow[]> =>
      trx.updateTable('hook_outbox').set({ dispatched_at: at })
        .where('id', 'in', (eb) => eb.selectFrom('hook_outbox').select('id').where('dispatched_at', 'is', null).orderBy('id').limit(limit)
          .$if(postgres, (qb) => qb.forUpdate().skipLocked()))
        .returningAll().execute(),

    liveSubscriptionsOf: (accountIds: readonly string[], q: Q = k): Promise<HookSubscriptionsTable[]> =>
      accountIds.length === 0
        ? Promise.resolve([])
        : q.selectFrom('hook_subscriptions').selectAll().where('account_id', 'in', accountIds).where('deleted_at', 'is', null).execute(),

    insertDeliveries: async (rows: readonly HookDeliveriesTable[], q: Q): Promise<void> => {
      for (let i = 0; i < rows.length; i += SLICE) {
        // A fan-out redone after a crash finds its rows already there.
        await q.insertInto('hook_deliveries').values(rows.slice(i, i + SLICE)).onConflict((oc) => oc.columns(['outbox_id', 'hook_id']).doNothing()).execute();
      }
    },

    /** Claims up to `limit` due deliveries until `leaseUntil`: nobody else takes them before then. */
    claimDue: (now: string, leaseUntil: string, claim: string, limit: number): Promise<HookDeliveriesTable[]> =>
      k.updateTable('hook_deliveries').set({ claim, next_attempt_at: leaseUntil })
        .where('id', 'in', (eb) => eb.selectFrom('hook_deliveries').select('id').where('state', '=', 'pending').where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at').limit(limit)
          .$if(postgres, (qb) => qb.forUpdate().skipLocked()))
        .returningAll().execute(),

    subscriptionsByIds: (ids: readonly string[]): Promise<HookSubscriptionsTable[]> =>
      ids.length === 0 ? Promise.resolve([]) : k.selectFrom('hook_subscriptions').selectAll().where('id', 'in', ids).execute(),

    insertAttempts: async (rows: readonly HookAttemptsTable[], q: Q): Promise<void> => {
      for (let i = 0; i < rows.length; i += SLICE) await q.insertInto('hook_attempts').values(rows.slice(i, i + SLICE)).execute();
    },

    /** Moves a delivery on, if this dispatcher's claim still holds it. */
    settleDelivery: async (
      id: string, claim: string,
      to: { state: string; attempts: number; next_attempt_at: string; updated_at: string },
      q: Q,
    ): Promise<boolean> => {
      const r = await q.updateTable('hook_deliveries').set({ ...to, claim: null }).where('id', '=', id).where('claim', '=', claim).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    /** Gives claimed deliveries back, due at `at` (a shutdown aborted them). */
    release: async (ids: readonly string[], claimOf: ReadonlyMap<string, string>, at: string, q: Q): Promise<void> => {
      for (const id of ids) {
        await q.updateTable('hook_deliveries').set({ claim: null, next_attempt_at: at }).where('id', '=', id).where('claim', '=', claimOf.get(id) ?? '').execute();
      }
    },

    resetFailures: async (hookId: string, q: Q): Promise<void> => {
      await q.updateTable('hook_subscriptions').set({ consecutive_failures: 0 }).where('id', '=', hookId).where('consecutive_failures', '<>', 0).execute();
    },

    /** A delivered ping brings a hook the server switched off back on. */
    reactivate: async (hookId: string, at: string, q: Q): Promise<void> => {
      await q.updateTable('hook_subscriptions').set({ active: 1, disabled_at: null, consecutive_failures: 0, updated_at: at })
        .where('id', '=', hookId).where('disabled_at', 'is not', null).where('deleted_at', 'is', null).execute();
    },

    /** Counts an event that failed for good; returns the new count. */
    countFailure: async (hookId: string, q: Q): Promise<number> => {
      await q.updateTable('hook_subscriptions').set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) })).where('id', '=', hookId).execute();
      const row = await q.selectFrom('hook_subscriptions').select('consecutive_failures').where('id', '=', hookId).executeTakeFirst();
      return row?.consecutive_failures ?? 0;
    },

    disable: async (hookId: string, at: string, q: Q): Promise<void> => {
      await q.updateTable('hook_subscriptions').set({ active: 0, disabled_at: at, updated_at: at }).where('id', '=', hookId).where('active', '=', 1).execute();
    },

    /** Drops history older than `before`: attempts, finished deliveries, dispatched outbox rows. */
    prune: async (before: string): Promise<void> => {
      await k.deleteFrom('hook_attempts').where('created_at', '<', before).execute();
      await k.deleteFrom('hook_deliveries').where('state', '<>', 'pending').where('updated_at', '<', before).execute();
      await k.deleteFrom('hook_outbox').where('dispatched_at', 'is not', null).where('dispatched_at', '<', before).execute();
    },
  };
}

export type WebhookRepo = ReturnType<typeof createWebhookRepo>;
