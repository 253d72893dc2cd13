/**
 * The change feed tills replicate from. Every write to a replicated table adds a row here, from a
 * trigger, in the writer's own transaction: no code path can forget it, and a rolled-back write
 * leaves none. On PostgreSQL each row carries its transaction id, so readers can stop at the
 * oldest transaction still running and never skip a row committed out of order (see
 * services/sync/repo.ts).
 */
import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';
import { ts } from './types.ts';

/** Source table → (collection, column holding the document id). */
export const CHANGE_SOURCES: ReadonlyArray<{ table: string; collection: string; docColumn: string }> = [
  { table: 'products', collection: 'products', docColumn: 'id' },
  { table: 'tax_groups', collection: 'tax_groups', docColumn: 'id' },
  { table: 'product_groups', collection: 'product_groups', docColumn: 'id' },
  { table: 'wallet_cards', collection: 'gift_cards', docColumn: 'id' },
  { table: 'wallet_transactions', collection: 'gift_cards', docColumn: 'card_pk' },
];

export const migration: Migration = {
  async up(db: Kysely<unknown>) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('sync_changes')
      .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
      .addColumn('txid', 'bigint', (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('collection', 'text', (c) => c.notNull())
      .addColumn('doc_id', 'text', (c) => c.notNull())
      .addColumn('created_at', ts, (c) => c.notNull().defaultTo(sql`CURRENT_TIMESTAMP`))
      .execute();
    await db.schema.createIndex('sync_changes_feed').on('sync_changes').columns(['account_id', 'collection', 'txid', 'seq']).execute();

    if (postgres) {
      await sql`
        CREATE FUNCTION sync_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO sync_changes (txid, account_id, collection, doc_id)
          VALUES (pg_current_xact_id()::text::bigint, NEW.account_id, TG_ARGV[0], to_jsonb(NEW) ->> TG_ARGV[1]);
          RETURN NULL;
        END $$`.execute(db);
      for (const s of CHANGE_SOURCES) {
        await sql`CREATE TRIGGER ${sql.id(`sync_${s.table}`)} AFTER INSERT OR UPDATE ON ${sql.table(s.table)}
          FOR EACH ROW EXECUTE FUNCTION sync_record_change(${sql.lit(s.collection)}, ${sql.lit(s.docColumn)})`.execute(db);
      }
      return;
    }
    // SQLite has one writer, so commit order is seq order and txid can stay 0.
    for (const s of CHANGE_SOURCES) {
      for (const event of ['insert', 'update'] as const) {
        await sql`CREATE TRIGGER ${sql.id(`sync_${s.table}_${event}`)} AFTER ${sql.raw(event.toUpperCase())} ON ${sql.table(s.table)}
          BEGIN
            INSERT INTO sync_changes (txid, account_id, collection, doc_id, created_at)
            VALUES (0, NEW.account_id, ${sql.lit(s.collection)}, NEW.${sql.id(s.docColumn)}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
          END`.execute(db);
      }
    }
  },
};
