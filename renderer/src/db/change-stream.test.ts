import { describe, expect, it, vi } from 'vitest';
import type { SyncCollectionName } from '@pos/core';
import { openChangeStream, type ChangeStream } from './change-stream.ts';
import type { SyncEndpoint } from './replication.ts';

/** A fake server behind the endpoint's fetch: each request gets the next scripted answer. */
function fakeServer(answers: Array<'unreachable' | number | 'stream'>) {
  const requests: Array<{ url: string; authorization: string | null; signal: AbortSignal | null }> = [];
  const open: Array<ReadableStreamDefaultController<Uint8Array>> = [];
  let tokens = 0;
  const fetch = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    requests.push({ url: String(input), authorization: new Headers(init?.headers).get('authorization'), signal: init?.signal ?? null });
    const answer = answers.shift() ?? 'unreachable';
    if (answer === 'unreachable') return Promise.reject(new TypeError('fetch failed'));
    if (typeof answer === 'number') return Promise.resolve(new Response('{"error":{"message":"no"}}', { status: answer }));
    const body = new ReadableStream<Uint8Array>({ start: (c) => void open.push(c) });
    return Promise.resolve(new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }));
  };
  const endpoint: SyncEndpoint = {
    serverUrl: 'http://server.test',
    accountId: 'T12345678',
    accessToken: () => Promise.resolve(`token-${(tokens += 1)}`),
    fetch,
  };
  const send = (text: string): void => open.at(-1)?.enqueue(new TextEncoder().encode(text));
  const drop = (): void => open.at(-1)?.close();
  return { endpoint, requests, send, drop };
}

/** Counts each collection's signals and records the connection states. */
function watch(stream: ChangeStream, names: readonly SyncCollectionName[]) {
  const signals: Record<string, number> = {};
  for (const n of names) {
    signals[n] = 0;
    stream.signals(n).subscribe(() => (signals[n] = (signals[n] ?? 0) + 1));
  }
  const connected: boolean[] = [];
  stream.connected$.subscribe((c) => connected.push(c));
  return { signals, connected };
}

const change = (collection: string, seq: number): string => `event: change\ndata: ${JSON.stringify({ collection, checkpoint: { txid: 0, seq } })}\n\n`;

describe('the till change stream', () => {
  it('asks for every collection on one stream, pulls all on connect and only the changed one on a change', async () => {
    const server = fakeServer(['stream']);
    const stream = openChangeStream(server.endpoint, ['products', 'gift_cards', 'customers']);
    const seen = watch(stream, ['products', 'gift_cards', 'customers']);
    await vi.waitFor(() => expect(seen.connected.at(-1)).toBe(true));
    expect(server.requests.map((r) => [r.url, r.authorization])).toEqual([['http://server.test/v1/accounts/T12345678/sync/stream?collections=products,gift_cards,customers', 'Bearer token-1']]);
    expect(seen.signals).toEqual({ products: 1, gift_cards: 1, customers: 1 });

    server.send(': keep-alive\n\n');
    server.send(change('gift_cards', 5));
    server.send(change('customers', 6));
    await vi.waitFor(() => expect(seen.signals).toEqual({ products: 1, gift_cards: 2, customers: 2 }));
    stream.close();
  });

  it('goes offline the moment the stream drops, reconnects with a fresh token and pulls everything again', async () => {
    const server = fakeServer(['stream', 'stream']);
    const stream = openChangeStream(server.endpoint, ['products', 'gift_cards'], { reconnectMinMs: 1 });
    const seen = watch(stream, ['products', 'gift_cards']);
    await vi.waitFor(() => expect(seen.connected).toEqual([false, true]));
    server.drop();
    await vi.waitFor(() => expect(seen.connected).toEqual([false, true, false, true]));
    expect(server.requests.map((r) => r.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    // A change made while the stream was down was never announced: the reconnect pulls it.
    expect(seen.signals).toEqual({ products: 2, gift_cards: 2 });
    stream.close();
  });

  it('keeps trying while the server is unreachable or refuses, and says offline after every failed attempt', async () => {
    const server = fakeServer(['unreachable', 503, 403, 'stream']);
    const stream = openChangeStream(server.endpoint, ['products'], { reconnectMinMs: 1 });
    const seen = watch(stream, ['products']);
    await vi.waitFor(() => expect(seen.connected.at(-1)).toBe(true));
    expect(seen.connected).toEqual([false, false, false, false, true]);
    expect(server.requests).toHaveLength(4);
    expect(seen.signals).toEqual({ products: 1 });
    stream.close();
  });

  it('pulls every collection on a change event it cannot read, rather than miss a change', async () => {
    const server = fakeServer(['stream']);
    const stream = openChangeStream(server.endpoint, ['products', 'gift_cards']);
    const seen = watch(stream, ['products', 'gift_cards']);
    await vi.waitFor(() => expect(seen.connected.at(-1)).toBe(true));
    server.send('event: change\ndata: {"collection":\n\n');
    await vi.waitFor(() => expect(seen.signals).toEqual({ products: 2, gift_cards: 2 }));
    // One naming a collection this till did not ask for is ignored (events arrive in order: it came before products').
    server.send(change('receipts', 7));
    server.send(change('products', 8));
    await vi.waitFor(() => expect(seen.signals.products).toBe(3));
    expect(seen.signals.gift_cards).toBe(2);
    stream.close();
  });

  it('on close, drops the connection, reports offline and stops signalling', async () => {
    const server = fakeServer(['stream']);
    const stream = openChangeStream(server.endpoint, ['products']);
    const seen = watch(stream, ['products']);
    let completed = false;
    stream.signals('products').subscribe({ complete: () => (completed = true) });
    await vi.waitFor(() => expect(seen.connected.at(-1)).toBe(true));
    stream.close();
    expect(server.requests[0]?.signal?.aborted).toBe(true);
    expect(seen.connected.at(-1)).toBe(false);
    expect(completed).toBe(true);
    expect(() => stream.signals('gift_cards')).toThrow(/not opened for gift_cards/);
  });
});
