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

  /** Feed rows after `after`, up to the horizon: within `after`'s own transaction, or in later ones. */
  const feed = (accountId: string | null, collection: string | null, part: 'same' | 'later', after: Checkpoint) => {
    let q = k.selectFrom('sync_changes').where(horizon);
    q = part === 'same' ? q.where('txid', '=', after.txid).where('seq', '>', after.seq) : q.where('txid', '>', after.txid);
    if (accountId !== null) q = q.where('account_id', '=', accountId);
    if (collection !== null) q = q.where('collection', '=', collection);
    return q;
  };

  return {
    /**
     * Changes after `after` in feed order, up to the safe horizon. Read as two index seeks (the
     * rest of `after`'s transaction, then later transactions): with `txid > ? OR (txid = ? AND seq
     * > ?)` SQLite seeks only on the account and collection and scans the collection's feed from
     * its start on every page, which made a 100k-document initial sync quadratic.
     */
    async changes(accountId: string | null, collection: string | null, after: Checkpoint, limit: number): Promise<Change[]> {
      const same = await feed(accountId, collection, 'same', after).select(['txid', 'seq', 'account_id', 'collection', 'doc_id']).orderBy('seq').limit(limit).execute();
      if (same.length >= limit) return same;
      const later = await feed(accountId, collection, 'later', after).select(['txid', 'seq', 'account_id', 'collection', 'doc_id']).orderBy('txid').orderBy('seq').limit(limit - same.length).execute();
      return [...same, ...later];
    },

    /** How many changes of a collection lie after `after` (a progress hint for initial syncs). */
    async countAfter(accountId: string, collection: string, after: Checkpoint): Promise<number> {
      let n = 0;
      for (const part of ['same', 'later'] as const) {
        const row = await feed(accountId, collection, part, after).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
        n += Number(row.n);
      }
      return n;
    },

    /** Where the feed ends now (for a notifier starting up). */
    async end(): Promise<Checkpoint> {
      const row = await k.selectFrom('sync_changes').select(['txid', 'seq']).where(horizon).orderBy('txid', 'desc').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? { txid: 0, seq: 0 } : { txid: Number(row.txid), seq: Number(row.seq) };
    },

    /**
     * Whether committed changes are held back by the horizon (an older transaction is still open).
     * That transaction's end may notify nobody, so the notifier looks again (service.ts). Every row
     * a reader has been given lies below the horizon, so any row at or past it is still to come.
     */
    async heldBack(): Promise<boolean> {
      if (db.dialect !== 'postgres') return false;
      const row = await k
        .selectFrom('sync_changes')
        .select('seq')
        .where(sql<boolean>`txid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint`)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type SyncRepo = ReturnType<typeof createSyncRepo>;
