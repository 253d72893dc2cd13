/**
 * The running till: its replica, the replications that keep it current, and the status the
 * status bar shows. React reads it through `subscribe`/`getStatus` (useSyncExternalStore).
 */
import { CustomerDocSchema, CustomerLoyaltyDocSchema, DiscountRuleDocSchema, GiftCardDocSchema, ProductDocSchema, ProductGroupDocSchema, TaxGroupDocSchema, type SyncCollectionName } from '@pos/core';
import { auditTime, startWith, type Observable } from 'rxjs';
import type { PosDatabase } from '../db/database.ts';
import { storedCustomer } from '../db/schemas.ts';
import { openChangeStream } from '../db/change-stream.ts';
import { replicateFromServer, type SyncEndpoint } from '../db/replication.ts';
import type { TillStore } from '../features/sale/sale-receipt.ts';
import type { ApiEndpoint } from '../api/http.ts';
import { startOutboxDrain } from './sale-uploader.ts';
import { reconcileOutbox } from './commit-sale.ts';
import { pruneSent } from './outbox.ts';
import { startOfflineLeaseKeeper, type OfflineLeaseKeeper } from './offline-lease.ts';

export interface TillStatus {
  readonly online: boolean;
  readonly lastSyncAt: number | null;
  /** Outbox records the server has not confirmed (receipts, offline gift-card entries, enrolments), parked ones included. */
  readonly pending: number;
  /** Of those, the ones the server refused (kept, with the server's reason, for a manager). */
  readonly parked: number;
  /** Initial sync progress, null once the replica has everything the server had. */
  readonly initialSync: { readonly pulled: number; readonly remaining: number } | null;
  readonly error: string | null;
}

export interface TillSession {
  readonly db: PosDatabase;
  getStatus(): TillStatus;
  subscribe(listener: () => void): () => void;
  /** Resolves when every collection has caught up with the server once. */
  initialSync(): Promise<void>;
  /** The offline lease (gift cards offline), and whether and since when the till is offline. */
  readonly offline: OfflineLeaseKeeper;
  /** Resolves once the outbox has been reconciled with the sales journal and the drain runs. */
  outboxReady(): Promise<void>;
  /** Sends the outbox now (it also goes on every new record, on reconnect and every 5 s). */
  flush(): Promise<void>;
  /** Sends the outbox now, parked records included (the manager's "Try again now"). */
  retryParked(): Promise<void>;
  stop(): Promise<void>;
}

/** What the session uses of a replication, whatever its document type. */
interface Replication {
  readonly received$: Observable<unknown>;
  readonly error$: Observable<{ message: string }>;
  readonly active$: Observable<boolean>;
  awaitInitialReplication(): Promise<void>;
  cancel(): Promise<unknown>;
}

/** What the till replicates; `signals()` refuses a collection missing here, so none is left without its stream. */
const REPLICATED: readonly SyncCollectionName[] = ['products', 'tax_groups', 'product_groups', 'gift_cards', 'discount_rules', 'customers', 'customer_loyalty'];

/**
 * The session's one endpoint for the stream, the pulls and the drain: any 401 marks the token
 * stale, so the next request re-authenticates instead of retrying with a token the server refuses.
 */
function reauthenticating(endpoint: ApiEndpoint): ApiEndpoint & { reauthenticate(): Promise<void> } {
  let stale = false;
  const accessToken = (options?: { readonly fresh?: boolean }): Promise<string> => {
    const fresh = stale || options?.fresh === true;
    stale = false;
    return endpoint.accessToken(fresh ? { fresh: true } : undefined);
  };
  return {
    serverUrl: endpoint.serverUrl,
    accountId: endpoint.accountId,
    accessToken,
    fetch: async (input, init) => {
      const res = await endpoint.fetch(input, init);
      if (res.status === 401) stale = true;
      return res;
    },
    reauthenticate: async () => {
      await accessToken({ fresh: true });
    },
  };
}

export function startTillSession(db: PosDatabase, server: SyncEndpoint & ApiEndpoint, now: () => number, store: TillStore): TillSession {
  const endpoint = reauthenticating(server);
  let status: TillStatus = { online: false, lastSyncAt: null, pending: 0, parked: 0, initialSync: { pulled: 0, remaining: 0 }, error: null };
  const listeners = new Set<() => void>();
  const set = (patch: Partial<TillStatus>): void => {
    status = { ...status, ...patch };
    for (const l of listeners) l();
  };
  const progress = new Map<string, { pulled: number; remaining: number }>();
  const onProgress = (name: string) => (p: { pulled: number; remaining: number }): void => {
    progress.set(name, p);
    if (status.initialSync === null) return;
    let pulled = 0;
    let remaining = 0;
    for (const v of progress.values()) {
      pulled += v.pulled;
      remaining += v.remaining;
    }
    set({ initialSync: { pulled, remaining } });
  };

  // One change stream for every collection (a browser allows 6 connections per server); it
  // stands for the link to the server: when it drops, the till is offline.
  const stream = openChangeStream(endpoint, REPLICATED);
  const offline = startOfflineLeaseKeeper({ db, endpoint, storeId: store.id, connected$: stream.connected$, now });
  let wasOnline = false;
  let everOnline = false;
  const connection = stream.connected$.subscribe((connected) => {
    set(connected ? { online: true, error: null } : { online: false });
    // Back online: a fresh token first (the old one may have expired during the outage), then the
    // outbox. (The first connect of a session has just fetched its token.)
    if (connected && !wasOnline) {
      const auth = everOnline ? endpoint.reauthenticate().catch(() => undefined) : Promise.resolve();
      void auth.then(() => drain.flush()).catch(() => undefined);
      everOnline = true;
    }
    wasOnline = connected;
  });
  const replications: Replication[] = [
    replicateFromServer(db.products, 'products', ProductDocSchema, endpoint, stream.signals('products'), { batchSize: 1000, onProgress: onProgress('products') }),
    replicateFromServer(db.tax_groups, 'tax_groups', TaxGroupDocSchema, endpoint, stream.signals('tax_groups'), { onProgress: onProgress('tax_groups') }),
    replicateFromServer(db.product_groups, 'product_groups', ProductGroupDocSchema, endpoint, stream.signals('product_groups'), { onProgress: onProgress('product_groups') }),
    replicateFromServer(db.gift_cards, 'gift_cards', GiftCardDocSchema, endpoint, stream.signals('gift_cards'), { batchSize: 1000, onProgress: onProgress('gift_cards') }),
    replicateFromServer(db.discount_rules, 'discount_rules', DiscountRuleDocSchema, endpoint, stream.signals('discount_rules'), { batchSize: 500, onProgress: onProgress('discount_rules') }),
    replicateFromServer(db.customers, 'customers', CustomerDocSchema.transform(storedCustomer), endpoint, stream.signals('customers'), { batchSize: 1000, onProgress: onProgress('customers') }),
    replicateFromServer(db.customer_loyalty, 'customer_loyalty', CustomerLoyaltyDocSchema, endpoint, stream.signals('customer_loyalty'), { batchSize: 1000, onProgress: onProgress('customer_loyalty') }),
  ];
  for (const r of replications) {
    r.received$.subscribe(() => set({ lastSyncAt: now(), error: null }));
    r.error$.subscribe((e) => set({ online: false, error: e.message }));
    r.active$.subscribe((active) => {
      if (!active && status.error === null && status.online) set({ lastSyncAt: now() });
    });
  }
  // Every local write waits in the outbox until the server confirms it. Counted at most every
  // 200 ms rather than per write: a count is a scan, and a long outage queues thousands.
  const recount = async (): Promise<void> => {
    const [pending, parked] = await Promise.all([db.outbox.count({ selector: { state: 'pending' } }).exec(), db.outbox.count({ selector: { state: 'parked' } }).exec()]);
    if (!stopped) set({ pending: pending + parked, parked });
  };
  const counts = [db.outbox.$.pipe(startWith(null), auditTime(200)).subscribe(() => void recount().catch(() => undefined))];
  let stopped = false;
  let drainStarted: ReturnType<typeof startOutboxDrain> | null = null;
  const onDrainError = (message: string | null): void => {
    if (message !== null) set({ error: message });
  };
  // Reconcile before the first drain: a crash between a sale's write and its outbox write, or a
  // till upgraded from a build without the outbox, leaves sales whose records must be made first.
  const ready = (async () => {
    await pruneSent(db, now());
    await reconcileOutbox(db, store);
    if (!stopped) drainStarted = startOutboxDrain(db, endpoint, onDrainError, now);
  })();
  ready.catch((e: unknown) => set({ error: `The till could not prepare its outbox: ${e instanceof Error ? e.message : String(e)}` }));
  const drain = {
    flush: async () => {
      await ready;
      await drainStarted?.flush();
    },
    retryParked: async () => {
      await ready;
      await drainStarted?.retryParked();
    },
  };
  const initial = Promise.all(replications.map((r) => r.awaitInitialReplication())).then(() => set({ initialSync: null, online: true, lastSyncAt: now() }));

  return {
    db,
    getStatus: () => status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    initialSync: () => initial,
    offline,
    outboxReady: () => ready,
    flush: () => drain.flush(),
    retryParked: () => drain.retryParked(),
    async stop() {
      stopped = true;
      offline.stop();
      for (const c of counts) c.unsubscribe();
      drainStarted?.stop();
      connection.unsubscribe();
      stream.close();
      await Promise.all(replications.map((r) => r.cancel()));
    },
  };
}
