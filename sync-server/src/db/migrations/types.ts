import type { CreateTableBuilder } from 'kysely';

/** Column type for timestamps: ISO-8601 UTC text sorts correctly and reads the same on both databases. */
export const ts = 'text';

/** Dintero's `Entity` columns for a table whose rows are updated and soft-deleted. */
export const entityColumns = <TB extends string, C extends string>(t: CreateTableBuilder<TB, C>) =>
  t
    .addColumn('created_at', ts, (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', ts, (c) => c.notNull())
    .addColumn('deleted_at', ts)
    .addColumn('deleted_by', 'text');
