/**
 * Reads the change feed (`sync_changes`, filled by triggers; see migrations/0004-sync.ts).
 *
 * Never skipping a row: on PostgreSQL sequence numbers are handed out before commit, so a reader
 * can see seq 11 committed while seq 10 is still in flight, and a "seq > checkpoint" cursor would
 * pass 10 by for good. Each row therefore records its transaction id, the cursor orders by
 * (txid, seq), and a read returns only rows of transactions older than the oldest one still
 * running (`pg_snapshot_xmin`): every later row has a larger txid, so it lands after the cursor.
 * On SQLite there is one writer, so commit order is seq order and txid is 0.
 */
import { sql, type Kysely } from 'kysely';
import type { Checkpoint } from '@pos/core';
import type { Db } from '../../db/connect.ts';
import type { Database } from '../../db/schema.ts';

export interface Change {
  readonly txid: number;
  readonly seq: number;
  readonly account_id: string;
  readonly collection: string;
  readonly doc_id: string;
}

export function createSyncRepo(db: Db) {
  const k: Kysely<Database> = db.kysely;
  const horizon = db.dialect === 'postgres' ? sql<boolean>`txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint` : sql<boolean>`1 = 1`;

  return {
    /** Changes after `after` in feed order, up to the safe horizon. */
    changes(accountId: string | null, collection: string | null, after: Checkpoint, limit: number): Promise<Change[]> {
      let q = k
        .selectFrom('sync_changes')
        .select(['txid', 'seq', 'account_id', 'collection', 'doc_id'])
        .where((eb) => eb.or([eb('txid', '>', after.txid), eb.and([eb('txid', '=', after.txid), eb('seq', '>', after.seq)])]))
        .where(horizon);
      if (accountId !== null) q = q.where('account_id', '=', accountId);
      if (collection !== null) q = q.where('collection', '=', collection);
      return q.orderBy('txid').orderBy('seq').limit(limit).execute();
    },

    /** How many changes of a collection lie after `after` (a progress hint for initial syncs). */
    async countAfter(accountId: string, collection: string, after: Checkpoint): Promise<number> {
      const row = await k
        .selectFrom('sync_changes')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('account_id', '=', accountId)
        .where('collection', '=', collection)
        .where((eb) => eb.or([eb('txid', '>', after.txid), eb.and([eb('txid', '=', after.txid), eb('seq', '>', after.seq)])]))
        .where(horizon)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Where the feed ends now (for a notifier starting up). */
    async end(): Promise<Checkpoint> {
      const row = await k.selectFrom('sync_changes').select(['txid', 'seq']).where(horizon).orderBy('txid', 'desc').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? { txid: 0, seq: 0 } : { txid: Number(row.txid), seq: Number(row.seq) };
    },
  };
}

export type SyncRepo = ReturnType<typeof createSyncRepo>;
