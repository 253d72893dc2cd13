/**
 * Keeps one local collection in step with the sync server (down only for now): RxDB pulls pages
 * after its checkpoint, and pulls again (`RESYNC`) whenever `resync$` emits. The till's one
 * change stream (change-stream.ts) makes it emit whenever the server says the collection changed
 * and after every reconnect, so nothing missed while away is lost; a replication opens no
 * connection of its own besides its pulls.
 */
import { Subject, type Observable } from 'rxjs';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import type { RxCollection, RxReplicationPullStreamItem, WithDeleted } from 'rxdb';
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

  const state = replicateRxCollection<T, Checkpoint>({
    collection,
    replicationIdentifier: `pos-sync:${endpoint.serverUrl}:${endpoint.accountId}:${name}`,
    live: true,
    retryTime: 2_000,
    // A till sells in the background too; don't pause replication when the window is hidden.
    toggleOnDocumentVisible: false,
    pull: {
      batchSize: opts.batchSize ?? 200,
      stream$: stream$.asObservable(),
      async handler(checkpoint, batchSize) {
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
      },
    },
  });
  const stop = state.canceled$.subscribe((canceled: unknown) => {
    if (canceled !== true) return;
    abort.abort();
    resyncing.unsubscribe();
    stream$.complete();
    stop.unsubscribe();
  });
  return state;
}
