/**
 * Replication for the tills (RxDB's protocol over HTTP). Collections are declared by the services
 * that own the data: a loader that turns document ids into the till's documents, and the scopes
 * that may read them. Adding a collection is a trigger in the change-feed migration and one entry
 * in the registry (app.ts).
 *
 * - pull: documents changed after a checkpoint, each once per page, in feed order; the checkpoint
 *   is the feed position of the last change consumed; `remaining` (our extension) counts the
 *   changes still behind it, so a till can show initial-sync progress.
 * - stream: a notifier reads the feed and tells the streams of an account and collection that
 *   something changed; the client answers with a pull (RxDB `RESYNC`). Reading the database
 *   rather than signalling in-process means writes by the admin CLI or by other server nodes
 *   reach every stream too. A stream may subscribe to several collections (the till's one
 *   multiplexed stream, routes.ts). When the notifier reads:
 *   - on `poll()`: on PostgreSQL the LISTEN/NOTIFY listener (pg-listener.ts) calls it when a
 *     change commits. Calls coalesce: one pass runs, at most one more is queued behind it.
 *   - every `pollMs` while a stream is open: the whole mechanism on SQLite (250 ms), a fallback
 *     for a lost notification on PostgreSQL (5 s, app.ts).
 *   - `retryMs` after a pass that failed, or that stopped at the horizon with committed changes
 *     still held back behind an older open transaction: that transaction's commit notifies
 *     nobody when it wrote no change, and waiting for the fallback would delay those changes by
 *     seconds. Re-checking only then (rather than polling fast always) keeps an idle server
 *     quiet; a long-running transaction costs one small query per `retryMs`, what polling cost
 *     before.
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

export interface NotifierOptions {
  /** Fallback poll while a stream is open (ms); default 250. */
  pollMs?: number;
  /** Re-read after a failed pass or one that stopped at the horizon (ms); default 250. */
  retryMs?: number;
}

export function createSyncService(repo: SyncRepo, collections: Readonly<Record<string, CollectionDef>>, opts: NotifierOptions = {}) {
  const listeners = new Map<string, Set<Listener>>();
  const key = (accountId: string, collection: string): string => `${accountId}\u0000${collection}`;
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  // Where the notifier has read the feed to. Taken when the first stream subscribes, before that
  // stream's client makes its first pull, so every later change is either in that pull or notified.
  let feedEnd: Promise<Checkpoint> | undefined;
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  // Awaited by the next pass; handled here too, so a failure while no pass waits is not an unhandled rejection.
  const readFeedEnd = (): Promise<Checkpoint> => {
    const end = repo.end();
    end.catch(() => undefined);
    return end;
  };

  const retryLater = (): void => {
    if (retry !== undefined || feedEnd === undefined) return;
    retry = setTimeout(() => {
      retry = undefined;
      poll().catch(() => undefined);
    }, opts.retryMs ?? 250);
    retry.unref();
  };

  async function pass(): Promise<void> {
    if (feedEnd === undefined) return;
    let from: Checkpoint;
    try {
      from = await feedEnd;
    } catch (e) {
      feedEnd = readFeedEnd();
      throw e;
    }
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
    if (await repo.heldBack()) retryLater();
  }

  /** Reads the feed now, or right after the pass under way (a change may have committed after it read). */
  function poll(): Promise<void> {
    if (running === undefined) {
      running = pass()
        .catch((e: unknown) => {
          retryLater();
          throw e;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return poll();
      });
    return queued;
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
      feedEnd ??= readFeedEnd();
      if (timer === undefined) {
        timer = setInterval(() => {
          poll().catch(() => undefined);
        }, opts.pollMs ?? 250);
        timer.unref();
        // Starts the held-back check (retryLater): changes committed behind an open transaction
        // before this stream came will be announced by no notification.
        poll().catch(() => undefined);
      }
      return () => {
        if (!set.delete(listener)) return;
        if (set.size === 0) listeners.delete(k);
        if (listeners.size === 0 && timer !== undefined) {
          clearInterval(timer);
          clearTimeout(retry);
          timer = undefined;
          retry = undefined;
          feedEnd = undefined;
        }
      };
    },

    /** Reads the feed and notifies streams (the PostgreSQL listener, tests, shutdown flushes). */
    poll,

    close(): void {
      if (timer !== undefined) clearInterval(timer);
      clearTimeout(retry);
      timer = undefined;
      retry = undefined;
      feedEnd = undefined;
      listeners.clear();
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
