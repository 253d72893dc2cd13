/**
 * Live changes across server processes (PostgreSQL only): every statement that adds rows to the
 * change feed (`sync_changes`, 0004) also sends a notification on `pos_sync_changes`. PostgreSQL
 * delivers it when the writing transaction commits (never for a rollback) and sends identical
 * notifications of one transaction once, so a receipt batch that records hundreds of changes
 * wakes each listening server once. The payload is empty: a listener re-reads the feed from its
 * own position (services/sync/pg-listener.ts), so it needs no more than "something committed".
 *
 * SQLite has no notifications; its servers poll the feed (one process per file, normally).
 *
 * Also an index on the feed's own order, (txid, seq): the notifier reads the feed of every account
 * after its position and looks for rows held back past the horizon; with only the (account,
 * collection, txid, seq) index both scanned the whole feed. (On SQLite txid is always 0 and seq
 * is the rowid, so it would only duplicate the table's own order.)
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/** The notification channel; the listener LISTENs on the same name. */
export const SYNC_NOTIFY_CHANNEL = 'pos_sync_changes';

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await db.schema.createIndex('sync_changes_order').on('sync_changes').columns(['txid', 'seq']).execute();
    await sql`
      CREATE FUNCTION sync_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify(${sql.lit(SYNC_NOTIFY_CHANNEL)}, '');
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER sync_changes_notify AFTER INSERT ON sync_changes
      FOR EACH STATEMENT EXECUTE FUNCTION sync_notify_change()`.execute(db);
  },
};
