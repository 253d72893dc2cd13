/**
 * Replication contract: a till's RxDB replica in Node (memory storage) against the real sync
 * server over HTTP. It pulls everything, follows live changes through the till's one change
 * stream (all collections on one connection), and catches up after the server restarts.
 */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GiftCardDocSchema, ProductDocSchema } from '@pos/core';
import { buildApp } from '../../sync-server/src/app.ts';
import { openPosDatabase, type PosDatabase } from '../../renderer/src/db/database.ts';
import { openChangeStream } from '../../renderer/src/db/change-stream.ts';
import { replicateFromServer, type SyncEndpoint } from '../../renderer/src/db/replication.ts';
import { dbTargets } from '../support/databases.ts';
import { PUBLIC_URL, startHarness, type Harness } from '../support/harness.ts';

async function eventually<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let dbCounter = 0;

describe.each(dbTargets())('replication on $name', (target) => {
  let h: Harness;
  let url: string;
  let admin: string;
  let replica: PosDatabase;
  let endpoint: SyncEndpoint;
  const product = (i: number) => ({ product_id: `p-${String(i).padStart(3, '0')}`, product_name: `Product ${i}`, unit_gross_price: 1000 + i, currency: 'NOK', barcodes: [`20000000${String(i).padStart(5, '0')}`] });

  beforeAll(async () => {
    h = await startHarness(target);
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    admin = await h.tokenFor(['admin:products', 'admin:wallets']);
    const tillToken = await h.tokenFor(['read:products', 'read:wallets']);
    await h.call('POST', '/products/catalogs', { token: admin, body: { catalog_id: 'main' } });
    for (let i = 0; i < 45; i += 1) {
      const res = await h.call('POST', '/products/catalogs/main/products', { token: admin, body: product(i) });
      expect(res.statusCode, res.body).toBe(200);
    }
    await h.call('POST', '/wallets/cards', { token: admin, body: { card_id: 'gc-1', amount: 10_000, currency: 'NOK' } });
    endpoint = { serverUrl: url, accountId: h.accountId, accessToken: () => Promise.resolve(tillToken), fetch };
    dbCounter += 1;
    replica = await openPosDatabase(`replica-${target.name}-${dbCounter}-${Date.now()}`, getRxStorageMemory());
  });
  afterAll(async () => {
    await replica.close();
    await h.close();
  });

  it('pulls everything in pages, then follows creates, updates, deletes and card balances live', async () => {
    const stream = openChangeStream(endpoint, ['products', 'gift_cards']);
    const products = replicateFromServer(replica.products, 'products', ProductDocSchema, endpoint, stream.signals('products'), { batchSize: 10 });
    const cards = replicateFromServer(replica.gift_cards, 'gift_cards', GiftCardDocSchema, endpoint, stream.signals('gift_cards'));
    await products.awaitInitialReplication();
    await cards.awaitInitialReplication();
    expect(await replica.products.count().exec()).toBe(45);
    const p7 = await replica.products.findOne({ selector: { product_id: 'p-007' } }).exec();
    expect(p7?.toJSON()).toMatchObject({ product_name: 'Product 7', unit_gross_price: 1007, barcodes: ['2000000000007'], catalog_id: 'main' });
    expect((await replica.gift_cards.findOne({ selector: { card_id: 'gc-1' } }).exec())?.amount_available).toBe(10_000);

    await h.call('POST', '/products/catalogs/main/products', { token: admin, body: product(100) });
    await h.call('PUT', '/products/catalogs/main/products/p-001', { token: admin, body: { unit_gross_price: 4242 } });
    await h.call('DELETE', '/products/catalogs/main/products/p-002', { token: admin });
    await h.call('POST', '/wallets/transactions', { token: admin, body: { card_id: 'gc-1', ref_id: 'sale', amount: 2500, currency: 'NOK' } });

    await eventually('the new product', () => replica.products.count().exec(), (n) => n === 45);
    await eventually('p-100', () => replica.products.findOne({ selector: { product_id: 'p-100' } }).exec(), (d) => d !== null);
    await eventually('the new price', async () => (await replica.products.findOne({ selector: { product_id: 'p-001' } }).exec())?.unit_gross_price, (v) => v === 4242);
    await eventually('the deletion', () => replica.products.findOne({ selector: { product_id: 'p-002' } }).exec(), (d) => d === null);
    await eventually('the card balance', async () => (await replica.gift_cards.findOne({ selector: { card_id: 'gc-1' } }).exec())?.amount_available, (v) => v === 7_500);
    stream.close();
    await products.cancel();
    await cards.cancel();
  });

  it('answers a push to a read-only collection with the server state as conflicts, and stores nothing', async () => {
    const master = await replica.products.findOne({ selector: { product_id: 'p-010' } }).exec();
    if (master === null) throw new Error('p-010 missing');
    const doc = master.toMutableJSON();
    const res = await fetch(`${url}/v1/accounts/${h.accountId}/sync/products/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify([
        { assumedMasterState: { ...doc, _deleted: false }, newDocumentState: { ...doc, unit_gross_price: 1, _deleted: false } },
        { newDocumentState: { id: 'made-up-on-a-till', _deleted: false } },
      ]),
    });
    expect(res.status).toBe(200);
    const conflicts = (await res.json()) as Array<{ id: string; unit_gross_price?: number; _deleted: boolean }>;
    expect(conflicts).toEqual([expect.objectContaining({ id: doc.id, unit_gross_price: 1010, _deleted: false }), { id: 'made-up-on-a-till', _deleted: true }]);
    const onServer = await h.call('GET', '/products/catalogs/main/products?product_id=p-010', { token: admin });
    expect(onServer.json<{ products: Array<{ unit_gross_price: number }> }>().products[0]?.unit_gross_price).toBe(1010);
  });

  it('catches up after the server restarts', async () => {
    const stream = openChangeStream(endpoint, ['products'], { reconnectMaxMs: 1_000 });
    const connected: boolean[] = [];
    stream.connected$.subscribe((c) => connected.push(c));
    const products = replicateFromServer(replica.products, 'products', ProductDocSchema, endpoint, stream.signals('products'), { batchSize: 10 });
    await products.awaitInitialReplication();
    await eventually('the stream to connect', () => Promise.resolve(connected.at(-1)), (c) => c === true);
    const port = Number(new URL(url).port);
    await h.app.close();
    // While the server is down, the till knows it is offline and nothing breaks.
    await eventually('the stream to report the drop', () => Promise.resolve(connected.at(-1)), (c) => c === false);
    expect(await replica.products.count().exec()).toBe(45);
    const second = await buildApp({ db: h.db, publicUrl: PUBLIC_URL, revocationRefreshMs: 0, syncPollMs: 50 });
    await second.app.listen({ port, host: '127.0.0.1' });
    try {
      const res = await second.app.inject({
        method: 'PUT', url: `/v1/accounts/${h.accountId}/products/catalogs/main/products/p-003`,
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, payload: JSON.stringify({ product_name: 'Renamed after restart' }),
      });
      expect(res.statusCode).toBe(200);
      await eventually('the change made after the restart', async () => (await replica.products.findOne({ selector: { product_id: 'p-003' } }).exec())?.product_name, (v) => v === 'Renamed after restart', 20_000);
      await eventually('the stream to reconnect', () => Promise.resolve(connected.at(-1)), (c) => c === true);
    } finally {
      stream.close();
      await products.cancel();
      await second.app.close();
    }
  });
});

describe('change stream lifetime', () => {
  it('ends when the token that opened it expires, so the till reconnects with a fresh one', async () => {
    const [sqlite] = dbTargets();
    if (sqlite === undefined) throw new Error('no SQLite target');
    const clock = { t: Date.now(), now(): Date { return new Date(this.t); } };
    const h = await startHarness(sqlite, { clock });
    try {
      const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const token = await h.tokenFor(['read:products']);
      // Four hours later, the same token has about a second left.
      clock.t += 14_400_000 - 1_000;
      const res = await fetch(`${url}/v1/accounts/${h.accountId}/sync/products/stream`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      // Resolves only when the server ends the stream; a stream that outlived its token would hang
      // this test until its timeout.
      expect(await res.text()).toContain(': connected');
    } finally {
      await h.close();
    }
  });
});
