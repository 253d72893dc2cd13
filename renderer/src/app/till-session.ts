/**
 * The running till: its replica, the replications that keep it current, and the status the
 * status bar shows. React reads it through `subscribe`/`getStatus` (useSyncExternalStore).
 */
import { CustomerDocSchema, CustomerLoyaltyDocSchema, DiscountRuleDocSchema, GiftCardDocSchema, ProductDocSchema, ProductGroupDocSchema, TaxGroupDocSchema, type SyncCollectionName } from '@pos/core';
import type { Observable } from 'rxjs';
import type { PosDatabase } from '../db/database.ts';
import { storedCustomer } from '../db/schemas.ts';
import { openChangeStream } from '../db/change-stream.ts';
import { replicateFromServer, type SyncEndpoint } from '../db/replication.ts';
import type { TillStore } from '../features/sale/sale-receipt.ts';
import { startSaleUploader } from './sale-uploader.ts';

export interface TillStatus {
  readonly online: boolean;
  readonly lastSyncAt: number | null;
  readonly pendingUploads: number;
  /** Of those, the sales the server refused (kept, with the server's reason, for a manager). */
  readonly refusedUploads: number;
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

export function startTillSession(db: PosDatabase, endpoint: SyncEndpoint, now: () => number, store: TillStore): TillSession {
  let status: TillStatus = { online: false, lastSyncAt: null, pendingUploads: 0, refusedUploads: 0, initialSync: { pulled: 0, remaining: 0 }, error: null };
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
  const connection = stream.connected$.subscribe((connected) => set(connected ? { online: true, error: null } : { online: false }));
  const replications: Replication[] = [
    replicateFromServer(db.products, 'products', ProductDocSchema, endpoint, stream.signals('products'), { batchSize: 1000, onProgress: onProgress('products') }),
    replicateFromServer(db.tax_groups, 'tax_groups', TaxGroupDocSchema, endpoint, stream.signals('tax_groups'), { onProgress: onProgress('tax_groups') }),
    replicateFromServer(db.product_groups, 'product_groups', ProductGroupDocSchema, endpoint, stream.signals('product_groups'), { onProgress: onProgress('product_groups') }),
    replicateFromServer(db.gift_cards, 'gift_cards', GiftCardDocSchema, endpoint, stream.signals('gift_cards'), { batchSize: 500, onProgress: onProgress('gift_cards') }),
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
  // Sales wait in the local store until the server confirms them.
  const pending = db.sales.find({ selector: { uploaded: false } }).$.subscribe((docs) => set({ pendingUploads: docs.length, refusedUploads: docs.filter((d) => d.upload_error !== undefined).length }));
  const uploader = startSaleUploader(db, endpoint, store, (message) => {
    if (message !== null) set({ error: message });
  });
  const initial = Promise.all(replications.map((r) => r.awaitInitialReplication())).then(() => set({ initialSync: null, online: true, lastSyncAt: now() }));

  return {
    db,
    getStatus: () => status,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    initialSync: () => initial,
    async stop() {
      pending.unsubscribe();
      uploader.stop();
      connection.unsubscribe();
      stream.close();
      await Promise.all(replications.map((r) => r.cancel()));
    },
  };
}
