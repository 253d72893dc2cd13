import { Subject } from 'rxjs';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { ProductDocSchema, type ProductDoc } from '@pos/core';
import { openPosDatabase } from './database.ts';
import { replicateFromServer, type SyncEndpoint } from './replication.ts';

/** A server's change feed for one collection: each entry is a change of one document, in order. */
function fakeServer(feed: ProductDoc[]) {
  const asked: string[] = [];
  const fetchFeed: typeof fetch = (input) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const after = Number(url.searchParams.get('seq') ?? '0');
    const limit = Number(url.searchParams.get('limit'));
    asked.push(`after ${after}`);
    // As the server does: each document once per page, at its latest change in the page.
    const docs = new Map<string, ProductDoc>();
    let seq = after;
    for (let i = after; i < feed.length; i += 1) {
      const doc = feed[i];
      if (doc === undefined) break;
      if (!docs.has(doc.id) && docs.size === limit) break;
      docs.set(doc.id, doc);
      seq = i + 1;
    }
    const body = { documents: [...docs.values()], checkpoint: { txid: 0, seq }, remaining: feed.length - seq };
    return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
  };
  const endpoint: SyncEndpoint = { serverUrl: 'http://server.test', accountId: 'T00000001', accessToken: () => Promise.resolve('token'), fetch: fetchFeed };
  return { endpoint, asked };
}

const product = (id: string, price: number, deleted = false): ProductDoc => ({
  id, updated_at: '2026-11-24T10:00:00.000Z', _deleted: deleted, product_id: id, catalog_id: 'grocery', unit_gross_price: price, barcodes: [`code-${id}`], group_ids: [],
});

describe('replicating into an empty replica', () => {
  it('stores the latest state of a document that changed while the pages were pulled, then follows the feed from where the load stopped', async () => {
    const feed = [product('a', 100), product('b', 200), product('c', 300), product('a', 150), product('b', 200, true), product('d', 400)];
    const server = fakeServer(feed);
    const db = await openPosDatabase(`initial-load-${Date.now()}`, getRxStorageMemory());
    const resync$ = new Subject<void>();
    const replication = replicateFromServer(db.products, 'products', ProductDocSchema, server.endpoint, resync$, { batchSize: 2 });
    await replication.awaitInitialReplication();

    const stored = await db.products.find().exec();
    expect(stored.map((d) => [d.id, d.unit_gross_price]).sort()).toEqual([['a', 150], ['c', 300], ['d', 400]]);
    // The live replication started where the load stopped, rather than pulling everything again.
    expect(server.asked.filter((a) => a === 'after 0')).toHaveLength(1);

    feed.push(product('c', 350));
    resync$.next();
    await replication.awaitInSync();
    expect((await db.products.findOne('c').exec())?.unit_gross_price).toBe(350);
    await replication.cancel();
    await db.remove();
  });

  it('leaves a replica that holds documents to RxDB, which pulls from its own checkpoint', async () => {
    const server = fakeServer([product('a', 100), product('b', 200)]);
    const db = await openPosDatabase(`initial-load-kept-${Date.now()}`, getRxStorageMemory());
    await db.products.insert({ id: 'a', updated_at: '2026-11-24T09:00:00.000Z', product_id: 'a', catalog_id: 'grocery', unit_gross_price: 90, barcodes: [], group_ids: [] });
    const replication = replicateFromServer(db.products, 'products', ProductDocSchema, server.endpoint, new Subject<void>(), { batchSize: 10 });
    await replication.awaitInitialReplication();
    expect((await db.products.find().exec()).map((d) => [d.id, d.unit_gross_price]).sort()).toEqual([['a', 100], ['b', 200]]);
    await replication.cancel();
    await db.remove();
  });
});
