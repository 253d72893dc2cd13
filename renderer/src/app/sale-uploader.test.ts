import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { receiptKey } from '@pos/core/loyalty/receipt-key';
import { openPosDatabase, type PosDatabase } from '../db/database.ts';
import { BATCH_SIZE, startSaleUploader, type SaleUploader } from './sale-uploader.ts';

let n = 0;

interface SentReceipt { receipt_id: string; purchase_at: string; store: { id: string }; [k: string]: unknown }

/**
 * The server's side of `POST /receipts`: stores a batch whole or refuses it whole (400 naming the
 * first bad receipt), dedupes on store + receipt_id + purchase_at, and answers as the Receipts
 * service does. `mode` can take the server away or lose the answer after storing.
 */
function fakeReceiptsServer(opts: { refuse?: (r: SentReceipt) => string | null } = {}) {
  const stored = new Map<string, SentReceipt>();
  const batches: string[][] = [];
  let mode: 'up' | 'offline' | 'lose-answer' | 'failing' = 'up';
  const fetchFn: typeof fetch = (url, init) => {
    if (mode === 'offline') return Promise.reject(new TypeError('fetch failed'));
    if (mode === 'failing') return Promise.resolve(Response.json({ error: { message: 'database unavailable' } }, { status: 503 }));
    expect(String(url)).toBe('http://server/v1/accounts/T12345678/receipts');
    expect(init?.method).toBe('POST');
    const body: unknown = JSON.parse(typeof init?.body === 'string' ? init.body : 'null');
    const batch = Array.isArray(body) ? (body as SentReceipt[]) : [];
    batches.push(batch.map((r) => r.receipt_id));
    const bad = batch.findIndex((r) => (opts.refuse?.(r) ?? null) !== null);
    const refused = batch[bad];
    if (refused !== undefined) return Promise.resolve(Response.json({ error: { message: `receipts[${bad}]: ${opts.refuse?.(refused) ?? ''}`, code: 'RECEIPT_INVALID' } }, { status: 400 }));
    const created: object[] = [];
    let duplicates = 0;
    for (const r of batch) {
      const key = receiptKey(r);
      if (stored.has(key)) duplicates += 1;
      else {
        stored.set(key, r);
        created.push({ id: `srv-${r.receipt_id}`, created_at: '2026-11-24T12:00:00Z', created_by: 'till', updated_at: '2026-11-24T12:00:00Z', receipt_id: r.receipt_id, store: { id: r.store.id }, purchase_at: r.purchase_at });
      }
    }
    if (mode === 'lose-answer') return Promise.reject(new TypeError('connection reset'));
    return Promise.resolve(Response.json({ receipts: created, duplicates }));
  };
  return {
    stored,
    batches,
    setMode: (m: typeof mode) => {
      mode = m;
    },
    endpoint: { serverUrl: 'http://server', accountId: 'T12345678', accessToken: () => Promise.resolve('t'), fetch: fetchFn },
  };
}

const STORE = { id: 'T12345678', terminal_id: 'till-1' };
const line = { line_id: 1, product_id: 'coffee-cup', description: 'Coffee', unit_gross_price: 3500, quantity: 1, tax_percent: 15, group_ids: ['drinks'], voided: false };

describe('sale uploader', () => {
  let db: PosDatabase;
  let uploader: SaleUploader | undefined;
  let clock = 0;
  const errors: (string | null)[] = [];
  beforeEach(async () => {
    n += 1;
    clock = 1_000_000;
    errors.length = 0;
    db = await openPosDatabase(`uploader-${n}-${Date.now()}`, getRxStorageMemory());
  });
  afterEach(async () => {
    uploader?.stop();
    await db.close();
  });

  const start = (server: ReturnType<typeof fakeReceiptsServer>) => {
    uploader = startSaleUploader(db, server.endpoint, STORE, (m) => errors.push(m), () => clock);
    return uploader;
  };
  const minute = (i: number) => `2026-11-24T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`;
  const sale = (id: string, at: string) =>
    db.sales.insert({
      id, completed_at: at, currency: 'NOK', gross_amount: 3500, uploaded: false,
      sale: { sale_id: id, completed_at: at, cart: { currency: 'NOK', lines: [line], next_line_id: 2 }, tenders: [{ kind: 'external_card', amount: 3500 }], receipt: { receipt_id: id, purchase_at: at, store: STORE, items: [{ line_id: 1, id: 'coffee-cup', gross_amount: 3500, net_amount: 3500 }] } },
    });
  const pending = async () => (await db.sales.find({ selector: { uploaded: false } }).exec()).map((d) => [d.id, d.upload_error ?? null] as const).sort();

  it('sends sales oldest first in batches of 50 as full receipts, and marks them uploaded once stored', async () => {
    const ids = Array.from({ length: 2 * BATCH_SIZE + 7 }, (_, i) => `s${String(i).padStart(3, '0')}`);
    // Inserted newest first: the order sent must come from the completion time.
    for (const [i, id] of [...ids.entries()].reverse()) await sale(id, minute(i));
    const server = fakeReceiptsServer();
    await start(server).flush();
    expect(server.batches.map((b) => b.length)).toEqual([50, 50, 7]);
    expect(server.batches.flat()).toEqual(ids);
    expect(await pending()).toEqual([]);
    expect(server.stored.get(receiptKey({ receipt_id: 's000', purchase_at: minute(0), store: STORE }))).toMatchObject({
      receipt_id: 's000', store: STORE, currency: 'NOK', gross_amount: 3500, net_amount: 3500, amount_due: 0, no_of_items: 1,
      payments: [{ line_id: 1, amount: 3500, type_id: 'card_terminal' }],
      tax_lines: [{ percentage: 15, amount: 457, tax_basis: 3043, included_in_price: true }],
    });
    expect(errors.at(-1)).toBeNull();
  });

  it('splits a refused batch: the bad sale keeps its error and stays pending, the others are stored', async () => {
    for (const [i, id] of ['a', 'b', 'c', 'd', 'e'].entries()) await sale(id, minute(i));
    const server = fakeReceiptsServer({ refuse: (r) => (r.receipt_id === 'c' ? 'unknown discount rule' : null) });
    const u = start(server);
    await u.flush();
    expect(await pending()).toEqual([['c', 'receipts[0]: unknown discount rule']]);
    expect([...server.stored.values()].map((r) => r.receipt_id).sort()).toEqual(['a', 'b', 'd', 'e']);
    expect(errors).toContainEqual(expect.stringMatching(/Sale c was refused: receipts\[0\]: unknown discount rule/));
    // While it waits, the status keeps saying so.
    expect(errors.at(-1)).toMatch(/unknown discount rule/);

    // A new sale goes up at once, without the refused one in its batch.
    server.batches.length = 0;
    await sale('f', minute(10));
    await u.flush();
    expect(server.batches).toEqual([['f']]);
    // The refused sale is tried again on its own a minute later, and goes up once the server takes it.
    clock += 60_000;
    await u.flush();
    expect(server.batches).toEqual([['f'], ['c']]);
    expect(await pending()).toEqual([['c', 'receipts[0]: unknown discount rule']]);
  });

  it('a parked sale goes up when the server takes it later', async () => {
    let refuse = true;
    await sale('a', minute(0));
    const server = fakeReceiptsServer({ refuse: () => (refuse ? 'not yet' : null) });
    const u = start(server);
    await u.flush();
    expect(await pending()).toEqual([['a', 'receipts[0]: not yet']]);
    refuse = false;
    clock += 60_000;
    await u.flush();
    expect(await pending()).toEqual([]);
    expect(errors.at(-1)).toBeNull();
  });

  it('after a lost answer the batch is sent again and counted as duplicates: stored once, marked uploaded', async () => {
    await sale('a', minute(0));
    await sale('b', minute(1));
    const server = fakeReceiptsServer();
    server.setMode('lose-answer');
    const u = start(server);
    await u.flush();
    expect(await pending()).toEqual([['a', null], ['b', null]]);
    expect(errors.at(-1)).toMatch(/cannot be reached/);
    server.setMode('up');
    await u.flush();
    expect(server.batches).toEqual([['a', 'b'], ['a', 'b']]);
    expect(server.stored.size).toBe(2);
    expect(await pending()).toEqual([]);
  });

  it('keeps every sale while the server is away or failing, and sends them when it is back', async () => {
    await sale('a', minute(0));
    await sale('b', minute(1));
    const server = fakeReceiptsServer();
    server.setMode('offline');
    const u = start(server);
    await u.flush();
    expect(await pending()).toEqual([['a', null], ['b', null]]);
    expect(errors.at(-1)).toMatch(/cannot be reached/);
    server.setMode('failing');
    await u.flush();
    expect(await pending()).toEqual([['a', null], ['b', null]]);
    expect(errors.at(-1)).toMatch(/did not take sales \(database unavailable\)/);
    server.setMode('up');
    await u.flush();
    expect(await pending()).toEqual([]);
    expect(errors.at(-1)).toBeNull();
  });

  it('marks only the sales the answer accounts for when it does not add up', async () => {
    await sale('a', minute(0));
    await sale('b', minute(1));
    const fetchFn: typeof fetch = () => Promise.resolve(Response.json({ receipts: [{ id: 'x', receipt_id: 'b', store: { id: STORE.id }, purchase_at: '2026-11-24T11:00:01+01:00' }], duplicates: 0 }));
    uploader = startSaleUploader(db, { serverUrl: 'http://server', accountId: 'T12345678', accessToken: () => Promise.resolve('t'), fetch: fetchFn }, STORE, (m) => errors.push(m), () => clock);
    await uploader.flush();
    expect(await pending()).toEqual([['a', null]]);
  });

  it('uploads a sale completed before receipts were priced, built from its cart and tenders', async () => {
    await db.sales.insert({
      id: 'old', completed_at: minute(0), currency: 'NOK', gross_amount: 7000, uploaded: false,
      sale: { sale_id: 'old', completed_at: minute(0), cart: { currency: 'NOK', lines: [{ ...line, quantity: 2 }], next_line_id: 2 }, tenders: [{ kind: 'cash', amount: 7000, given: 10000 }] },
    });
    const server = fakeReceiptsServer();
    await start(server).flush();
    expect([...server.stored.values()]).toEqual([expect.objectContaining({
      receipt_id: 'old', purchase_at: minute(0), store: STORE, gross_amount: 7000, net_amount: 7000, total_discount: 0, discounts: [],
      items: [expect.objectContaining({ line_id: 1, id: 'coffee-cup', quantity: 2, gross_amount: 7000, net_amount: 7000 })],
      payments: [{ line_id: 1, amount: 7000, type_id: 'cash', description: 'Cash' }],
    })]);
    expect(await pending()).toEqual([]);
  });
});
