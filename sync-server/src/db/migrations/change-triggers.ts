/**
 * Change-feed triggers for a replicated collection (the feed itself is 0004-sync.ts): every
 * insert or update of a source table that matters to tills records a change for one document of
 * the collection, in the writer's own transaction. Migrations from 0007 on build theirs here;
 * 0004 and 0005 were released with their own copies and stay as they are.
 */
import { PostgresAdapter, sql, type Kysely } from 'kysely';

export interface ChangeSource {
  table: string;
  /** Column of the source row holding the document id. */
  docColumn: string;
  /** SQL condition on NEW for the rows that matter to tills; every row when absent. */
  when?: string;
  /** Default: insert and update. */
  events?: ReadonlyArray<'insert' | 'update'>;
}

/** Creates the triggers; names are `<prefix><table>` (PostgreSQL) and `<prefix><table>_<event>` (SQLite). */
export async function createChangeTriggers(db: Kysely<unknown>, collection: string, sources: readonly ChangeSource[], prefix: string): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const s of sources) {
    const events = s.events ?? ['insert', 'update'];
    if (postgres) {
      // sync_record_change() comes from 0004: (collection, column holding the document id).
      const on = events.map((e) => e.toUpperCase()).join(' OR ');
      const when = s.when === undefined ? sql`` : sql`WHEN (${sql.raw(s.when)})`;
      await sql`CREATE TRIGGER ${sql.id(`${prefix}${s.table}`)} AFTER ${sql.raw(on)} ON ${sql.table(s.table)}
        FOR EACH ROW ${when}
        EXECUTE FUNCTION sync_record_change(${sql.lit(collection)}, ${sql.lit(s.docColumn)})`.execute(db);
      continue;
    }
    // SQLite has one writer, so commit order is seq order and txid can stay 0.
    for (const event of events) {
      const when = s.when === undefined ? sql`` : sql`WHEN ${sql.raw(s.when)}`;
      await sql`CREATE TRIGGER ${sql.id(`${prefix}${s.table}_${event}`)} AFTER ${sql.raw(event.toUpperCase())} ON ${sql.table(s.table)}
        ${when}
        BEGIN
          INSERT INTO sync_changes (txid, account_id, collection, doc_id, created_at)
          VALUES (0, NEW.account_id, ${sql.lit(collection)}, NEW.${sql.id(s.docColumn)}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        END`.execute(db);
    }
  }
}
