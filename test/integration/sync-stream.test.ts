/**
 * The multiplexed change stream (`GET /sync/stream?collections=…`): one connection that tells a
 * till about every collection it replicates, read as Server-Sent Events over a listening server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointSchema, type Checkpoint } from '@pos/core';
import { z } from 'zod';
import { readEvents } from '../../renderer/src/db/sse.ts';
import { dbTargets } from '../support/databases.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

const Change = z.object({ collection: z.string(), checkpoint: CheckpointSchema });
type Change = z.infer<typeof Change>;

async function eventually<T>(what: string, probe: () => T, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** An open stream: the change events received so far, in order, until `close()`. */
interface OpenStream {
  readonly changes: Change[];
  close(): void;
}

async function openStream(url: string, token: string): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (!res.ok) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  if (res.body === null) throw new Error('no body');
  const changes: Change[] = [];
  readEvents(res.body, (e) => {
    if (e.event === 'change') changes.push(Change.parse(JSON.parse(e.data)));
  }).catch(() => undefined);
  return { changes, close: () => abort.abort() };
}

describe.each(dbTargets())('multiplexed change stream on $name', (target) => {
  let h: Harness;
  let base: string;
  let admin: string;
  beforeAll(async () => {
    h = await startHarness(target);
    base = `${await h.app.listen({ port: 0, host: '127.0.0.1' })}/v1/accounts/${h.accountId}/sync`;
    admin = await h.tokenFor(['admin:products', 'admin:wallets']);
    const res = await h.call('POST', '/products/catalogs', { token: admin, body: { catalog_id: 'main' } });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(() => h.close());

  it('carries a product change and a gift-card change on one stream, each named by its collection', async () => {
    const till = await h.tokenFor(['read:products', 'read:wallets']);
    const both = await openStream(`${base}/stream?collections=products,gift_cards`, till);
    const productsOnly = await openStream(`${base}/stream?collections=products`, till);
    try {
      const card = await h.call('POST', '/wallets/cards', { token: admin, body: { card_id: 'gc-stream', amount: 5_000, currency: 'NOK' } });
      expect(card.statusCode, card.body).toBe(200);
      await eventually('the gift-card change', () => both.changes.map((c) => c.collection), (c) => c.includes('gift_cards'));
      const product = await h.call('POST', '/products/catalogs/main/products', { token: admin, body: { product_id: 'p-stream', product_name: 'Streamed', unit_gross_price: 1000, currency: 'NOK' } });
      expect(product.statusCode, product.body).toBe(200);
      await eventually('the product change', () => both.changes.map((c) => c.collection), (c) => c.includes('products'));
      const named = (s: OpenStream): string[] => [...new Set(s.changes.map((c) => c.collection))];
      expect(named(both)).toEqual(['gift_cards', 'products']);

      // The last products event names where a pull of products ends once it has the change.
      const pulled = await h.call('GET', `/v1/accounts/${h.accountId}/sync/products/pull?limit=100`, { token: till });
      const page = pulled.json<{ documents: Array<{ product_id: string }>; checkpoint: Checkpoint }>();
      expect(page.documents.map((d) => d.product_id)).toEqual(['p-stream']);
      await eventually('the checkpoint of the last products event', () => both.changes.filter((c) => c.collection === 'products').at(-1)?.checkpoint, (cp) => cp?.txid === page.checkpoint.txid && cp.seq === page.checkpoint.seq);

      // A stream hears only the collections it named: the card change came first, yet only the product arrives here.
      await eventually('the product change on the products-only stream', () => productsOnly.changes.length, (n) => n > 0);
      expect(named(productsOnly)).toEqual(['products']);
    } finally {
      both.close();
      productsOnly.close();
    }
  });

  it('admits a token that may read only the collections it names', async () => {
    const wallets = await h.tokenFor(['read:wallets']);
    const stream = await openStream(`${base}/stream?collections=gift_cards`, wallets);
    stream.close();
  });

  it('refuses with 403 a token lacking the scopes of any one named collection, before streaming', async () => {
    const products = await h.tokenFor(['read:products']);
    const res = await h.call('GET', '/sync/stream?collections=products,gift_cards', { token: products });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('AUTH_SCOPE_MISSING');
    expect(body.error.message).toContain('gift_cards');
    expect(body.error.message).not.toMatch(/products needs/);
    // A token with none of the collections' scopes does not get past the route's own check either.
    const receipts = await h.tokenFor(['read:receipts']);
    expect((await h.call('GET', '/sync/stream?collections=products', { token: receipts })).statusCode).toBe(403);
  });

  it('answers 400 for an unknown, empty or missing collection list', async () => {
    const till = await h.tokenFor(['read:products', 'read:wallets']);
    const unknown = await h.call('GET', '/sync/stream?collections=products,sales', { token: till });
    expect(unknown.statusCode).toBe(400);
    const body = unknown.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe('SYNC_UNKNOWN_COLLECTION');
    expect(body.error.message).toContain('"sales"');
    expect((await h.call('GET', '/sync/stream?collections=products,', { token: till })).statusCode).toBe(400);
    const missing = await h.call('GET', '/sync/stream', { token: till });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: { message: string } }>().error.message).toBeTruthy();
  });

  it('is documented in the OpenAPI document as an event stream', async () => {
    const res = await h.call('GET', '/v1/openapi.json');
    const doc = res.json<{ paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string; required?: boolean }>; responses: Record<string, { content?: Record<string, unknown> }> } }> }>();
    const op = doc.paths['/v1/accounts/{aid}/sync/stream']?.get;
    expect(op?.parameters).toContainEqual(expect.objectContaining({ name: 'collections', in: 'query', required: true }));
    expect(Object.keys(op?.responses['200']?.content ?? {})).toEqual(['text/event-stream']);
  });
});

describe('multiplexed change stream lifetime', () => {
  it('ends when the token that opened it expires, so the till reconnects with a fresh one', async () => {
    const [sqlite] = dbTargets();
    if (sqlite === undefined) throw new Error('no SQLite target');
    const clock = manualClock(new Date());
    const h = await startHarness(sqlite, { clock });
    try {
      const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      const token = await h.tokenFor(['read:products', 'read:wallets']);
      // Four hours later, the same token has about a second left.
      clock.advance(14_400_000 - 1_000);
      const res = await fetch(`${url}/v1/accounts/${h.accountId}/sync/stream?collections=products,gift_cards`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      // Resolves only when the server ends the stream; a stream that outlived its token would hang
      // this test until its timeout.
      expect(await res.text()).toContain(': connected');
    } finally {
      await h.close();
    }
  });
});
