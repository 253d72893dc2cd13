import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPosDatabase, type PosDatabase } from '../db/database.ts';
import { startSaleUploader, type SaleUploader } from './sale-uploader.ts';

let n = 0;

/** The server's side of `POST /discounts/events`, answering per receipt id. */
function fakeServer(answer: (receiptId: string) => number | 'offline') {
  const calls: { receiptId: string; event: string | null; delivery: string | null }[] = [];
  const fetchFn: typeof fetch = (_url, init) => {
    const body: unknown = JSON.parse(typeof init?.body === 'string' ? init.body : '{}');
    const receiptId = typeof body === 'object' && body !== null && 'receipt' in body && typeof body.receipt === 'object' && body.receipt !== null && 'receipt_id' in body.receipt ? String(body.receipt.receipt_id) : '';
    const headers = new Headers(init?.headers);
    calls.push({ receiptId, event: headers.get('event'), delivery: headers.get('event-delivery') });
    const status = answer(receiptId);
    if (status === 'offline') return Promise.reject(new TypeError('fetch failed'));
    return Promise.resolve(status === 204 ? new Response(null, { status }) : Response.json({ error: { message: 'receipt refused', code: 'BAD' } }, { status }));
  };
  return { calls, endpoint: { serverUrl: 'http://server', accountId: 'T12345678', accessToken: () => Promise.resolve('t'), fetch: fetchFn } };
}

describe('sale uploader', () => {
  let db: PosDatabase;
  let uploader: SaleUploader | undefined;
  beforeEach(async () => {
    n += 1;
    db = await openPosDatabase(`uploader-${n}-${Date.now()}`, getRxStorageMemory());
  });
  afterEach(async () => {
    uploader?.stop();
    await db.close();
  });

  const sale = (id: string, at: string) =>
    db.sales.insert({ id, completed_at: at, currency: 'NOK', gross_amount: 100, uploaded: false, sale: { receipt: { receipt_id: id, purchase_at: at, store: { id: 's' } } } });
  const pending = async () => (await db.sales.find({ selector: { uploaded: false } }).exec()).map((d) => d.id).sort();

  it('sends sales oldest first as receipt_add events keyed by the sale id; a refused one waits without blocking the rest', async () => {
    await sale('b', '2026-11-24T10:02:00Z');
    await sale('a', '2026-11-24T10:01:00Z');
    await sale('c', '2026-11-24T10:03:00Z');
    const server = fakeServer((id) => (id === 'b' ? 400 : 204));
    const errors: (string | null)[] = [];
    uploader = startSaleUploader(db, server.endpoint, (m) => errors.push(m));
    await uploader.flush();
    expect(server.calls.slice(0, 3)).toEqual([
      { receiptId: 'a', event: 'receipt_add', delivery: 'a' },
      { receiptId: 'b', event: 'receipt_add', delivery: 'b' },
      { receiptId: 'c', event: 'receipt_add', delivery: 'c' },
    ]);
    expect(await pending()).toEqual(['b']);
    expect(errors.at(-1)).toMatch(/Sale b was refused: receipt refused/);
  });

  it('keeps every sale while the server cannot be reached, and sends them when it can', async () => {
    await sale('a', '2026-11-24T10:01:00Z');
    await sale('b', '2026-11-24T10:02:00Z');
    let online = false;
    const server = fakeServer(() => (online ? 204 : 'offline'));
    const errors: (string | null)[] = [];
    uploader = startSaleUploader(db, server.endpoint, (m) => errors.push(m));
    await uploader.flush();
    expect(await pending()).toEqual(['a', 'b']);
    expect(errors.at(-1)).toMatch(/cannot be reached/);
    online = true;
    await uploader.flush();
    expect(await pending()).toEqual([]);
    expect(errors.at(-1)).toBeNull();
  });
});
