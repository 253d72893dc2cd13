/**
 * Keeps one local collection in step with the sync server (down only for now): RxDB pulls pages
 * after its checkpoint, and pulls again (`RESYNC`) whenever `resync$` emits. The till's one
 * change stream (change-stream.ts) makes it emit whenever the server says the collection changed
 * and after every reconnect, so nothing missed while away is lost; a replication opens no
 * connection of its own besides its pulls.
 *
 * Initial load: a collection that is empty locally is first filled by `loadEmptyReplica`, page by
 * page straight into the storage (the next page is fetched while one is written), and RxDB's
 * replication then starts from the checkpoint of the last page written. RxDB's own downstream does
 * per document what an empty replica does not need: it reads the local and the "assumed master"
 * state of every pulled document (two extra IndexedDB reads per document), compares them and
 * builds revision and meta rows; for 100k+ documents that dominated a fresh till's setup. The
 * protocol is unchanged: the same pull endpoint, the checkpoint of a page taken only once that
 * page is stored, the live replication continuing from there (it re-pulls from the start when the
 * load stopped early), so no change is skipped. A replica that holds anything takes RxDB's path.
 */
import { Subject, type Observable } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import { getComposedPrimaryKeyOfDocumentData, type BulkWriteRow, type ReplicationPullOptions, type RxCollection, type RxReplicationPullStreamItem, type WithDeleted } from 'rxdb';
import { z } from 'zod';
import { CheckpointSchema, type Checkpoint, type SyncCollectionName } from '@pos/core';

export interface SyncEndpoint {
  readonly serverUrl: string;
  readonly accountId: string;
  /** A valid access token (the platform renews it). */
  accessToken(): Promise<string>;
  readonly fetch: typeof fetch;
}

export function replicateFromServer<T extends { id: string }>(
  collection: RxCollection<T>,
  name: SyncCollectionName,
  /** The collection's document schema from core: the server's answers are checked, not trusted. */
  docSchema: z.ZodType<WithDeleted<T>>,
  endpoint: SyncEndpoint,
  /** Pull again whenever this emits (`ChangeStream.signals(name)`). */
  resync$: Observable<unknown>,
  opts: {
    batchSize?: number;
    onProgress?: (p: { pulled: number; remaining: number }) => void;
  } = {},
): RxReplicationState<T, Checkpoint> {
  const PullResponse = z.object({ documents: z.array(docSchema), checkpoint: CheckpointSchema, remaining: z.number().int() });
  let pulled = 0;
  const base = `${endpoint.serverUrl}/v1/accounts/${endpoint.accountId}/sync/${name}`;
  const stream$ = new Subject<RxReplicationPullStreamItem<T, Checkpoint>>();
  const abort = new AbortController();

  const authorized = async (): Promise<RequestInit> => ({ headers: { authorization: `Bearer ${await endpoint.accessToken()}` }, signal: abort.signal });

  const resyncing = resync$.subscribe(() => stream$.next('RESYNC'));

  const fetchPage = async (checkpoint: Checkpoint | undefined, batchSize: number): Promise<{ documents: WithDeleted<T>[]; checkpoint: Checkpoint }> => {
    const q = new URLSearchParams({ limit: String(batchSize) });
    if (checkpoint !== undefined) {
      q.set('txid', String(checkpoint.txid));
      q.set('seq', String(checkpoint.seq));
    }
    const res = await endpoint.fetch(`${base}/pull?${q.toString()}`, await authorized());
    if (!res.ok) throw new Error(`pull ${name} answered HTTP ${res.status}`);
    const page = PullResponse.parse(await res.json());
    pulled += page.documents.length;
    opts.onProgress?.({ pulled, remaining: page.remaining });
    return { documents: page.documents, checkpoint: page.checkpoint };
  };

  const batchSize = opts.batchSize ?? 200;
  const pull: ReplicationPullOptions<T, Checkpoint> = {
    batchSize,
    stream$: stream$.asObservable(),
    handler: fetchPage,
  };
  const state = replicateRxCollection<T, Checkpoint>({
    collection,
    replicationIdentifier: `pos-sync:${endpoint.serverUrl}:${endpoint.accountId}:${name}`,
    live: true,
    retryTime: 2_000,
    // A till sells in the background too; don't pause replication when the window is hidden.
    toggleOnDocumentVisible: false,
    // Started once the initial load is done, from where it got to.
    autoStart: false,
    pull,
  });
  // The newest local write of the load: where RxDB's upstream may begin (see skipUpstreamScan).
  let forkCheckpoint: unknown;
  const watching = collection.storageInstance.changeStream().subscribe((bulk) => {
    forkCheckpoint = bulk.checkpoint;
  });
  void loadEmptyReplica(collection, (checkpoint) => fetchPage(checkpoint, batchSize), batchSize)
    .catch(() => undefined)
    .then(async (checkpoint) => {
      watching.unsubscribe();
      if (state.isStopped()) return;
      if (checkpoint !== undefined) {
        // Read by RxDB when it starts, and used only when it has no checkpoint of its own stored.
        pull.initialCheckpoint = checkpoint;
        if (forkCheckpoint !== undefined) await skipUpstreamScan(state, forkCheckpoint).catch(() => undefined);
      }
      return state.start();
    })
    .catch(() => undefined);
  const stop = state.canceled$.subscribe((canceled: unknown) => {
    if (canceled !== true) return;
    abort.abort();
    resyncing.unsubscribe();
    stream$.complete();
    stop.unsubscribe();
  });
  return state;
}

/**
 * Fills an empty collection from the server, page after page, and returns the checkpoint of the
 * last page stored (undefined when the collection was not empty or nothing was stored). Stops at
 * the first failure: the replication carries on from what was stored, with its own retries.
 */
async function loadEmptyReplica<T extends { id: string }>(
  collection: RxCollection<T>,
  fetchPage: (checkpoint: Checkpoint | undefined) => Promise<{ documents: WithDeleted<T>[]; checkpoint: Checkpoint }>,
  batchSize: number,
): Promise<Checkpoint | undefined> {
  if ((await collection.count().exec()) > 0) return undefined;
  let stored: Checkpoint | undefined;
  try {
    let page = await fetchPage(undefined);
    for (;;) {
      // The server fills a page unless nothing is left behind it (RxDB's own rule for the end).
      const next = page.documents.length < batchSize ? undefined : fetchPage(page.checkpoint);
      next?.catch(() => undefined);
      await storeAll(collection, page.documents);
      stored = page.checkpoint;
      if (next === undefined) break;
      page = await next;
    }
  } catch {
    // Offline or refused: the replication takes over from `stored`.
  }
  return stored;
}

/**
 * Writes server documents as they are. A document already stored (it changed again while the
 * load ran, so a later page carries it once more) is written over its stored state.
 */
async function storeAll<T extends { id: string }>(collection: RxCollection<T>, docs: readonly WithDeleted<T>[]): Promise<void> {
  if (docs.length === 0) return;
  const byId = new Map(docs.map((d) => [d.id, d]));
  const rows: BulkWriteRow<T>[] = docs.map((d) => ({ document: { ...d, _attachments: {}, _meta: { lwt: 0 }, _rev: '' } }));
  const inserted = await collection.storageInstance.bulkWrite(rows, 'pos-initial-load');
  const again: BulkWriteRow<T>[] = [];
  for (const e of inserted.error) {
    const doc = byId.get(e.documentId);
    if (e.status !== 409 || doc === undefined) throw new Error(`storing ${e.documentId} failed (${e.status})`);
    again.push({ previous: e.documentInDb, document: { ...doc, _attachments: {}, _meta: e.documentInDb._meta, _rev: e.documentInDb._rev } });
  }
  if (again.length === 0) return;
  const updated = await collection.storageInstance.bulkWrite(again, 'pos-initial-load');
  const failed = updated.error[0];
  if (failed !== undefined) throw new Error(`storing ${failed.documentId} failed (${failed.status})`);
}

/**
 * RxDB runs its upstream on a pull-only replication too: on start it reads every local document
 * in pages of 100 (an IndexedDB cursor each) and offers them to a push that does not exist, which
 * after a 160k-document load took minutes. Nothing is ever pushed from these collections, so that
 * scan has no effect; recording the upstream checkpoint at the load's last write (as RxDB itself
 * would after the scan) lets it begin there. Only when RxDB has no upstream checkpoint yet.
 */
async function skipUpstreamScan<T>(state: RxReplicationState<T, Checkpoint>, forkCheckpoint: unknown): Promise<void> {
  const meta = await state.metaInfoPromise;
  const database = state.collection.database;
  const instance = await database.storage.createStorageInstance({
    databaseName: database.name,
    collectionName: meta.collectionName,
    databaseInstanceToken: database.token,
    multiInstance: database.multiInstance,
    options: {},
    schema: meta.schema,
    password: database.password,
    devMode: false,
  });
  try {
    const id = getComposedPrimaryKeyOfDocumentData(meta.schema, { isCheckpoint: '1', itemId: 'up' });
    if ((await instance.findDocumentsById([id], true)).length > 0) return;
    await instance.bulkWrite([{ document: { id, isCheckpoint: '1', itemId: 'up', checkpointData: forkCheckpoint, _deleted: false, _attachments: {}, _meta: { lwt: Date.now() }, _rev: `1-${database.token}` } }], 'pos-initial-load');
  } finally {
    await instance.close();
  }
}
