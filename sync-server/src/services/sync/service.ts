/**
 * Replication for the tills (RxDB's protocol over HTTP). Collections are declared by the services
 * that own the data: a loader that turns document ids into the till's documents, and the scopes
 * that may read them. Adding a collection is a trigger in the change-feed migration and one entry
 * in the registry (app.ts).
 *
 * - pull: documents changed after a checkpoint, each once per page, in feed order; the checkpoint
 *   is the feed position of the last change consumed; `remaining` (our extension) counts the
 *   changes still behind it, so a till can show initial-sync progress.
 * - stream: a notifier polls the feed (every 250 ms by default) and tells the streams of an
 *   account and collection that something changed; the client answers with a pull (RxDB
 *   `RESYNC`). Polling the database rather than signalling in-process means writes by the admin
 *   CLI or by other server nodes reach every stream too. A stream may subscribe to several
 *   collections (the till's one multiplexed stream, routes.ts).
 */
import type { Checkpoint } from '@pos/core';
import type { Change, SyncRepo } from './repo.ts';

export type SyncDoc = { id: string; [field: string]: unknown };

export interface CollectionDef {
  /** Scopes that may replicate this collection (any one suffices). */
  readonly scopes: readonly string[];
  load(accountId: string, ids: readonly string[]): Promise<SyncDoc[]>;
}

export type Listener = (checkpoint: Checkpoint) => void;

const START: Checkpoint = { txid: 0, seq: 0 };
/** Pages of changes read while filling one pull page with distinct documents. */
const MAX_ROUNDS = 8;

export function createSyncService(repo: SyncRepo, collections: Readonly<Record<string, CollectionDef>>, opts: { pollMs?: number } = {}) {
  const listeners = new Map<string, Set<Listener>>();
  const key = (accountId: string, collection: string): string => `${accountId}\u0000${collection}`;
  let timer: NodeJS.Timeout | undefined;
  // Where the notifier has read the feed to. Taken when the first stream subscribes, before that
  // stream's client makes its first pull, so every later change is either in that pull or notified.
  let feedEnd: Promise<Checkpoint> | undefined;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling) return;
    polling = true;
    try {
      if (feedEnd === undefined) return;
      let from = await feedEnd;
      for (;;) {
        const rows = await repo.changes(null, null, from, 1000);
        const touched = new Map<string, Checkpoint>();
        for (const r of rows) touched.set(key(r.account_id, r.collection), { txid: Number(r.txid), seq: Number(r.seq) });
        const last = rows.at(-1);
        if (last !== undefined) {
          from = { txid: Number(last.txid), seq: Number(last.seq) };
          feedEnd = Promise.resolve(from);
        }
        for (const [k, cp] of touched) for (const l of listeners.get(k) ?? []) l(cp);
        if (rows.length < 1000) break;
      }
    } finally {
      polling = false;
    }
  }

  return {
    collections,

    async pull(accountId: string, collection: string, after: Checkpoint | undefined, limit: number): Promise<{ documents: SyncDoc[]; checkpoint: Checkpoint; remaining: number }> {
      const def = collections[collection];
      if (def === undefined) throw new Error(`unknown collection ${collection}`);
      let cursor = after ?? START;
      let consumed = cursor;
      const ids = new Set<string>();
      rounds: for (let round = 0; round < MAX_ROUNDS; round += 1) {
        const rows: Change[] = await repo.changes(accountId, collection, cursor, limit);
        for (const r of rows) {
          if (!ids.has(r.doc_id)) {
            if (ids.size === limit) break rounds;
            ids.add(r.doc_id);
          }
          consumed = { txid: Number(r.txid), seq: Number(r.seq) };
        }
        if (rows.length < limit) break;
        cursor = consumed;
      }
      const docs = await def.load(accountId, [...ids]);
      // A full page may have more behind it: tell the client how many changes, for a progress bar.
      const remaining = ids.size < limit ? 0 : await repo.countAfter(accountId, collection, consumed);
      return { documents: docs, checkpoint: consumed, remaining };
    },

    /**
     * RxDB push for the collections tills may not write (all of them so far): nothing is stored and
     * every row is answered as a conflict with the server's state, so the till's conflict handler
     * puts its replica back; a document the server does not have comes back as a tombstone.
     */
    async pushReadOnly(accountId: string, collection: string, ids: readonly string[]): Promise<SyncDoc[]> {
      const def = collections[collection];
      if (def === undefined) throw new Error(`unknown collection ${collection}`);
      const masters = new Map((await def.load(accountId, [...new Set(ids)])).map((d) => [d.id, d]));
      return [...new Set(ids)].map((id) => masters.get(id) ?? { id, _deleted: true });
    },

    subscribe(accountId: string, collection: string, listener: Listener): () => void {
      const k = key(accountId, collection);
      let set = listeners.get(k);
      if (set === undefined) listeners.set(k, (set = new Set()));
      set.add(listener);
      feedEnd ??= repo.end();
      if (timer === undefined) {
        timer = setInterval(() => {
          poll().catch(() => undefined);
        }, opts.pollMs ?? 250);
        timer.unref();
      }
      return () => {
        if (!set.delete(listener)) return;
        if (set.size === 0) listeners.delete(k);
        if (listeners.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
          feedEnd = undefined;
        }
      };
    },

    /** Runs one notifier pass now (tests, and shutdown flushes). */
    poll,

    close(): void {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
