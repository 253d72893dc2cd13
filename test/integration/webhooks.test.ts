import type { LightMyRequestResponse } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { buildApp } from '../../sync-server/src/app.ts';
import { openDb } from '../../sync-server/src/db/connect.ts';
import { enqueueEvents } from '../../sync-server/src/services/webhooks/outbox.ts';
import { FAST_DELIVERY, signatureOf, startHookHarness, startReceiver, waitFor, type Account, type HookHarness, type Receiver } from '../support/webhooks.ts';

interface Hook {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string;
  active: boolean;
  config: { url: string; content_type: string; insecure_ssl: number; secret?: Record<string, unknown> };
  fields?: string;
  events: string[];
}
interface Delivery { id: string; event_delivery: string; created_at: string; status: number }
interface DeliveryDetail extends Delivery {
  url: string;
  request: { headers: Record<string, string>; body: Record<string, unknown> };
  response?: { headers: Record<string, unknown>; body: string };
  details: { delivery_at: string; delivery_duration: number; delivery_success: boolean; attempt: number; error?: string };
}
interface Err { error: { message: string; code: string } }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const ok = <T>(res: LightMyRequestResponse): T => {
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
};
const refused = (res: LightMyRequestResponse, status: number, code?: string): void => {
  expect(res.statusCode, res.body).toBe(status);
  if (code !== undefined) expect(res.json<Err>().error.code).toBe(code);
};

describe.each(dbTargets())('webhooks on $name', (target) => {
  let h: HookHarness;
  let receivers: Receiver[] = [];
  beforeAll(async () => {
    h = await startHookHarness(target);
  });
  afterAll(() => h.close());
  afterEach(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    receivers = [];
  });

  const receiver = async (): Promise<Receiver> => {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  };
  const subscribe = async (a: Account, url: string, over: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Promise<Hook> =>
    ok<Hook>(await a.call('POST', '/hooks/subscriptions', { config: { url, ...config }, events: ['wallet_transaction'], ...over }));
  let cards = 0;
  const fundCard = async (a: Account, amount = 5000): Promise<string> => {
    cards += 1;
    const cardId = `hook-card-${cards}`;
    ok(await a.call('POST', '/wallets/cards', { card_id: cardId, amount, currency: 'NOK' }));
    return cardId;
  };
  const history = async (a: Account, hid: string): Promise<Delivery[]> => ok<Delivery[]>(await a.call('GET', `/hooks/subscriptions/${hid}/deliveries?limit=100`));

  it('creates a subscription whose secret never comes back, and pings it signed', async () => {
    const a = await h.account();
    const r = await receiver();
    const hook = await subscribe(a, r.url, { events: ['wallet_transaction', 'customer_remove'] }, { secret: { type: 'HMAC-SHA1', value: 'ping-secret' } });
    expect(hook).toMatchObject({ active: true, config: { url: r.url, content_type: 'application/json', insecure_ssl: 0, secret: { type: 'HMAC-SHA1' } }, events: ['wallet_transaction', 'customer_remove'] });
    expect(hook.id).toMatch(UUID);
    for (const res of [await a.call('GET', `/hooks/subscriptions/${hook.id}`), await a.call('GET', '/hooks/subscriptions')]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('ping-secret');
    }
    expect(JSON.stringify(hook)).not.toContain('ping-secret');

    const [ping] = await waitFor('the ping', () => r.of('ping').length > 0 && r.of('ping'));
    expect(ping).toBeDefined();
    if (ping === undefined) return;
    expect(ping.headers['event-signature']).toBe(signatureOf('ping-secret', ping.raw));
    expect(ping.headers['user-agent']).toMatch(/^Dintero-Hook\//);
    expect(ping.headers['content-type']).toBe('application/json');
    expect(ping.eventDelivery).toMatch(UUID);
    expect(ping.body).toMatchObject({ account_id: a.aid, event: 'ping', event_delivery: ping.eventDelivery, id: hook.id, active: true, events: hook.events, config: { url: r.url } });
    expect(ping.raw.toString()).not.toContain('ping-secret');
  });

  it('delivers a wallet transaction in Dintero\'s envelope, signed over the raw bytes', async () => {
    const a = await h.account();
    const r = await receiver();
    await subscribe(a, r.url, {}, { secret: { type: 'HMAC-SHA1', value: 'k3y-æøå' } });
    const cardId = await fundCard(a, 12_345);
    const [got] = await waitFor('the wallet event', () => r.of('wallet_transaction').length > 0 && r.of('wallet_transaction'));
    if (got === undefined) throw new Error('no event');
    expect(got.headers['event-signature']).toBe(signatureOf('k3y-æøå', got.raw));
    expect(Object.keys(got.body).slice(0, 3)).toEqual(['account_id', 'event', 'event_delivery']);
    expect(got.body).toMatchObject({ account_id: a.aid, event: 'wallet_transaction', event_delivery: got.eventDelivery, transaction: { card_id: cardId, type: 'fund', amount: 12_345, currency: 'NOK' } });
    // The card's ledger shows the same transaction.
    const [entry] = ok<Array<{ id: string }>>(await a.call('GET', `/wallets/cards/${cardId}/transactions`));
    expect(got.body.transaction).toMatchObject({ id: entry?.id });
  });

  it('retries after 500, 500 and is delivered on the third attempt with the same event_delivery', async () => {
    const a = await h.account();
    const r = await receiver();
    const hook = await subscribe(a, r.url, {}, { secret: { type: 'HMAC-SHA1', value: 's' } });
    const seen = new Map<string, number>();
    r.answer = (rec) => {
      if (rec.event !== 'wallet_transaction') return 200;
      const n = (seen.get(rec.eventDelivery) ?? 0) + 1;
      seen.set(rec.eventDelivery, n);
      return n <= 2 ? 500 : 200;
    };
    await fundCard(a);
    const delivered = await waitFor('the third attempt', () => r.of('wallet_transaction', true)[0]);
    const attempts = r.of('wallet_transaction');
    expect(attempts.map((x) => x.status)).toEqual([500, 500, 200]);
    expect(new Set(attempts.map((x) => x.eventDelivery))).toEqual(new Set([delivered.eventDelivery]));
    // Every attempt sent the same bytes.
    expect(new Set(attempts.map((x) => x.raw.toString('base64'))).size).toBe(1);

    const events = await waitFor('the history', async () => {
      const list = (await history(a, hook.id)).filter((d) => d.event_delivery === delivered.eventDelivery);
      return list.length === 3 && list;
    });
    expect(events.map((d) => d.status)).toEqual([200, 500, 500]);
    const detail = ok<DeliveryDetail>(await a.call('GET', `/hooks/subscriptions/${hook.id}/deliveries/${events[0]?.id ?? ''}`));
    expect(detail).toMatchObject({ event_delivery: delivered.eventDelivery, status: 200, url: r.url, details: { delivery_success: true, attempt: 3 } });
    expect(detail.request.headers).toMatchObject({ event: 'wallet_transaction', 'event-delivery': delivered.eventDelivery, 'event-signature': signatureOf('s', delivered.raw) });
    expect(detail.request.body).toEqual(delivered.body);
    expect(detail.response?.body).toBe('ok');
    expect(detail.details.delivery_duration).toEqual(expect.any(Number));
    const first = ok<DeliveryDetail>(await a.call('GET', `/hooks/subscriptions/${hook.id}/deliveries/${events[2]?.id ?? ''}`));
    expect(first).toMatchObject({ status: 500, details: { delivery_success: false, attempt: 1 }, response: { body: 'answered 500' } });
  });

  it('treats a redirect as a failure and never follows it', async () => {
    const a = await h.account();
    const r = await receiver();
    const hook = await subscribe(a, r.url);
    r.answer = (rec) => (rec.event === 'wallet_transaction' ? { status: 302, headers: { location: `${r.url}/moved` } } : 200);
    await fundCard(a);
    const list = await waitFor('two failed attempts', async () => {
      const l = (await history(a, hook.id)).filter((d) => d.status === 302);
      return l.length >= 2 && l;
    });
    expect(new Set(list.map((d) => d.event_delivery)).size).toBe(1);
    expect(r.received.filter((x) => x.path.endsWith('/moved'))).toEqual([]);
  });

  it('stops resending after a 400 ("ignored, stop resend")', async () => {
    const a = await h.account();
    const r = await receiver();
    const hook = await subscribe(a, r.url);
    r.answer = (rec) => (rec.event === 'wallet_transaction' ? 400 : 200);
    await fundCard(a);
    const [first] = await waitFor('the 400', async () => {
      const l = (await history(a, hook.id)).filter((d) => d.status === 400);
      return l.length > 0 && l;
    });
    const row = await h.db.kysely.selectFrom('hook_deliveries').select(['state', 'attempts']).where('id', '=', first?.event_delivery ?? '').executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'failed', attempts: 1 });
  });

  it('sends the Authorization secret as a header and keeps it out of the history', async () => {
    const a = await h.account();
    const r = await receiver();
    const hook = await subscribe(a, r.url, {}, { secret: { type: 'Authorization', value: 'Bearer hook-token-1' } });
    await fundCard(a);
    const got = await waitFor('the event', () => r.of('wallet_transaction', true)[0]);
    expect(got.headers.authorization).toBe('Bearer hook-token-1');
    expect(got.headers['event-signature']).toBeUndefined();
    const [last] = await waitFor('the history', async () => {
      const l = (await history(a, hook.id)).filter((d) => d.event_delivery === got.eventDelivery);
      return l.length > 0 && l;
    });
    const detail = await a.call('GET', `/hooks/subscriptions/${hook.id}/deliveries/${last?.id ?? ''}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.body).not.toContain('hook-token-1');
  });

  it('applies the fields mask to the event object and keeps the envelope', async () => {
    const a = await h.account();
    const r = await receiver();
    await subscribe(a, r.url, { fields: 'transaction(amount,type)' });
    await fundCard(a, 777);
    const got = await waitFor('the event', () => r.of('wallet_transaction', true)[0]);
    expect(got.body).toEqual({ account_id: a.aid, event: 'wallet_transaction', event_delivery: got.eventDelivery, transaction: { amount: 777, type: 'fund' } });
  });

  it('sends nothing to a deleted subscription, and lists it only with include_deleted', async () => {
    const a = await h.account();
    const gone = await receiver();
    const kept = await receiver();
    const deleted = await subscribe(a, gone.url);
    const live = await subscribe(a, kept.url);
    const del = ok<Hook>(await a.call('DELETE', `/hooks/subscriptions/${deleted.id}`));
    expect(del.deleted_at).toEqual(expect.any(String));
    refused(await a.call('DELETE', `/hooks/subscriptions/${deleted.id}`), 400, 'HOOK_DELETED');
    refused(await a.call('POST', `/hooks/subscriptions/${deleted.id}/ping`), 400, 'HOOK_DELETED');
    expect(ok<Hook[]>(await a.call('GET', '/hooks/subscriptions')).map((x) => x.id)).toEqual([live.id]);
    expect(ok<Hook[]>(await a.call('GET', '/hooks/subscriptions?include_deleted=true')).map((x) => x.id)).toEqual([deleted.id, live.id]);

    await fundCard(a);
    // Both subscriptions were considered in the same fan-out: once the live one has it, the other never will.
    await waitFor('the live subscription\'s event', () => kept.of('wallet_transaction', true)[0]);
    expect(gone.of('wallet_transaction')).toEqual([]);
  });

  it('never sends an event for a change that was refused', async () => {
    const a = await h.account();
    const r = await receiver();
    await subscribe(a, r.url);
    const cardId = await fundCard(a, 100);
    const over = await a.call('POST', '/wallets/transactions', { card_id: cardId, ref_id: 'too-much', amount: 101, currency: 'NOK' });
    refused(over, 400, 'WALLET_INSUFFICIENT_FUNDS');
    ok(await a.call('POST', '/wallets/transactions', { card_id: cardId, ref_id: 'fits', amount: 40, currency: 'NOK' }));
    await waitFor('the drawdown event', () => r.of('wallet_transaction', true).some((x) => JSON.stringify(x.body).includes('"fits"')));
    const refs = r.of('wallet_transaction').map((x) => JSON.stringify(x.body));
    expect(refs.filter((b) => b.includes('"too-much"'))).toEqual([]);
    expect(r.of('wallet_transaction', true)).toHaveLength(2);
  });

  it('POST …/ping answers 204 and sends a ping', async () => {
    const a = await h.account();
    const r = await receiver();
    const hook = await subscribe(a, r.url);
    await waitFor('the creation ping', () => r.of('ping', true).length === 1);
    const res = await a.call('POST', `/hooks/subscriptions/${hook.id}/ping`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    const pings = await waitFor('the second ping', () => r.of('ping', true).length === 2 && r.of('ping', true));
    expect(pings[0]?.eventDelivery).not.toBe(pings[1]?.eventDelivery);
    refused(await a.call('POST', '/hooks/subscriptions/0190a6a4-0000-7000-8000-000000000000/ping'), 404, 'HOOK_NOT_FOUND');
  });

  it('validates the subscription: content type, events, secret type, fields, URL scheme', async () => {
    const a = await h.account();
    const url = 'https://hooks.partner.no/x';
    const post = (body: Record<string, unknown>) => a.call('POST', '/hooks/subscriptions', body);
    refused(await post({ config: { url, content_type: 'text/xml' }, events: ['receipt_add'] }), 400, 'VALIDATION_ERROR');
    refused(await post({ config: { url }, events: ['receipt_added'] }), 400, 'VALIDATION_ERROR');
    refused(await post({ config: { url }, events: [] }), 400, 'VALIDATION_ERROR');
    refused(await post({ config: { url }, events: ['receipt_add'], fields: 'receipt(items' }), 400, 'HOOK_FIELDS_INVALID');
    refused(await post({ config: { url, secret: { type: 'HMAC-SHA256', value: 'x' } }, events: ['receipt_add'] }), 400, 'VALIDATION_ERROR');
    refused(await post({ config: { url, secret: { type: 'Authorization', value: 'Bearer a\r\nX-Evil: 1' } }, events: ['receipt_add'] }), 400, 'VALIDATION_ERROR');
    refused(await post({ config: { url: 'ftp://hooks.partner.no/x' }, events: ['receipt_add'] }), 400, 'VALIDATION_ERROR');
    refused(await post({ events: ['receipt_add'] }), 400, 'VALIDATION_ERROR');
    expect(ok<Hook[]>(await a.call('GET', '/hooks/subscriptions?include_deleted=true'))).toEqual([]);

    const aws = ok<Hook>(await post({
      config: { url, insecure_ssl: '1', secret: { type: 'AWS4-HMAC-SHA256', aws_access_key_id: 'AKIDEXAMPLE', aws_secret_access_key: 'very-secret', region: 'eu-west-1', service: 'execute-api' } },
      events: ['receipt_add', 'customer_remove', 'checkout_transaction'],
    }));
    expect(aws.config).toEqual({ url, content_type: 'application/json', insecure_ssl: 1, secret: { type: 'AWS4-HMAC-SHA256', aws_access_key_id: 'AKIDEXAMPLE', region: 'eu-west-1', service: 'execute-api' } });
  });

  it('pages subscriptions with limit, starting_after and total', async () => {
    const a = await h.account();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await subscribe(a, `https://hooks${i}.partner.no/x`)).id);
    const first = await a.call('GET', '/hooks/subscriptions?limit=2&total=true');
    expect(first.headers['total-count']).toBe('3');
    expect(first.json<Hook[]>().map((x) => x.id)).toEqual(ids.slice(0, 2));
    const next = ok<Hook[]>(await a.call('GET', `/hooks/subscriptions?limit=2&starting_after=${ids[1] ?? ''}`));
    expect(next.map((x) => x.id)).toEqual(ids.slice(2));
    refused(await a.call('GET', '/hooks/subscriptions/not-a-uuid'), 400, 'VALIDATION_ERROR');
    refused(await a.call('GET', '/hooks/subscriptions/0190a6a4-0000-7000-8000-000000000000'), 404, 'HOOK_NOT_FOUND');
  });

  it('checks scopes: read:hooks reads, write:hooks writes, other scopes and accounts get nothing', async () => {
    const a = await h.account();
    const reader = await a.tokenFor(['read:hooks']);
    const writer = await a.tokenFor(['write:hooks']);
    const stranger = await a.tokenFor(['admin:wallets', 'read:customers']);
    const body = { config: { url: 'https://hooks.partner.no/scopes' }, events: ['receipt_add'] };
    refused(await a.call('POST', '/hooks/subscriptions', body, reader), 403, 'AUTH_SCOPE_MISSING');
    refused(await a.call('POST', '/hooks/subscriptions', body, stranger), 403, 'AUTH_SCOPE_MISSING');
    const hook = ok<Hook>(await a.call('POST', '/hooks/subscriptions', body, writer));
    refused(await a.call('GET', '/hooks/subscriptions', undefined, writer), 403, 'AUTH_SCOPE_MISSING');
    refused(await a.call('GET', `/hooks/subscriptions/${hook.id}/deliveries`, undefined, stranger), 403, 'AUTH_SCOPE_MISSING');
    refused(await a.call('POST', `/hooks/subscriptions/${hook.id}/ping`, undefined, reader), 403, 'AUTH_SCOPE_MISSING');
    refused(await a.call('DELETE', `/hooks/subscriptions/${hook.id}`, undefined, reader), 403, 'AUTH_SCOPE_MISSING');
    expect(ok<Hook[]>(await a.call('GET', '/hooks/subscriptions', undefined, reader)).map((x) => x.id)).toEqual([hook.id]);
    expect(ok<Hook>(await a.call('GET', `/hooks/subscriptions/${hook.id}`, undefined, reader)).created_by).toEqual(expect.any(String));

    const other = await h.account();
    refused(await other.call('GET', `/hooks/subscriptions/${hook.id}`), 404, 'HOOK_NOT_FOUND');
    refused(await other.call('GET', '/hooks/subscriptions', undefined, a.token), 403, 'AUTH_ACCOUNT_MISMATCH');
  });
});

describe.each(dbTargets())('webhook URLs outside development mode on $name', (target) => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness(target);
    token = await h.tokenFor(['admin:hooks']);
  });
  afterAll(() => h.close());

  it.each([
    'http://127.0.0.1:8080/hooks', 'http://localhost:3000/x', 'http://LOCALHOST./x', 'http://[::1]/x', 'http://10.1.2.3/x', 'http://192.168.0.10/x',
    'http://169.254.169.254/latest/meta-data', 'http://[::ffff:127.0.0.1]/x', 'https://www.example.com/hook', 'https://shop.test/hook', 'http://intranet/x',
    'http://2130706433/x',
  ])('refuses %s', async (url) => {
    const res = await h.call('POST', '/hooks/subscriptions', { token, body: { config: { url }, events: ['receipt_add'] } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json<Err>().error.code).toBe('HOOK_URL_NOT_ALLOWED');
  });

  it('accepts a public https URL', async () => {
    const res = await h.call('POST', '/hooks/subscriptions', { token, body: { config: { url: 'https://hooks.partner.no/pos' }, events: ['receipt_add'] } });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe.each(dbTargets())('webhook subscriptions that keep failing on $name', (target) => {
  let h: HookHarness;
  let r: Receiver;
  beforeAll(async () => {
    h = await startHookHarness(target, { delivery: { maxAttempts: 2, disableAfterFailedEvents: 2 } });
    r = await startReceiver();
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it('are deactivated after consecutive failed events, and a delivered ping turns them back on', async () => {
    const a = await h.account();
    r.answer = (rec) => (rec.event === 'wallet_transaction' ? 503 : 200);
    const hook = ok<Hook>(await a.call('POST', '/hooks/subscriptions', { config: { url: r.url }, events: ['wallet_transaction'] }));
    for (const cardId of ['fail-1', 'fail-2']) ok(await a.call('POST', '/wallets/cards', { card_id: cardId, amount: 100, currency: 'NOK' }));
    const off = await waitFor('the deactivation', async () => {
      const x = ok<Hook>(await a.call('GET', `/hooks/subscriptions/${hook.id}`));
      return !x.active && x;
    });
    expect(off.deleted_at).toBeUndefined();
    expect(r.of('wallet_transaction').map((x) => x.status)).toEqual([503, 503, 503, 503]);

    // While inactive, new events are not sent.
    ok(await a.call('POST', '/wallets/cards', { card_id: 'while-off', amount: 100, currency: 'NOK' }));
    r.answer = () => 200;
    expect((await a.call('POST', `/hooks/subscriptions/${hook.id}/ping`)).statusCode).toBe(204);
    await waitFor('the reactivation', async () => ok<Hook>(await a.call('GET', `/hooks/subscriptions/${hook.id}`)).active);
    ok(await a.call('POST', '/wallets/cards', { card_id: 'back-on', amount: 100, currency: 'NOK' }));
    const back = await waitFor('the next event', () => r.of('wallet_transaction', true)[0]);
    expect(back.body).toMatchObject({ transaction: { card_id: 'back-on' } });
    expect(r.received.filter((x) => JSON.stringify(x.body).includes('while-off'))).toEqual([]);
  });

  it('a delete cancels what was still to be retried', async () => {
    const a = await h.account();
    r.answer = () => 500;
    const hook = ok<Hook>(await a.call('POST', '/hooks/subscriptions', { config: { url: r.url }, events: ['wallet_transaction'] }));
    await waitFor('the failed ping', () => r.received.some((x) => x.event === 'ping' && x.body.id === hook.id));
    ok(await a.call('DELETE', `/hooks/subscriptions/${hook.id}`));
    const rows = await h.db.kysely.selectFrom('hook_deliveries').select('state').where('hook_id', '=', hook.id).execute();
    expect(rows.map((x) => x.state)).toEqual(['cancelled']);
  });
});

// Several processes share one database only on PostgreSQL (SQLite has one writer; server nodes
// behind a load balancer use PostgreSQL). Long timeouts keep every claim's lease far off.
describe.each(dbTargets().filter((t) => t.name === 'postgres'))('several servers on one $name database', (target) => {
  it('never send the same attempt twice', async () => {
    const delivery = { ...FAST_DELIVERY, concurrency: 16, timeoutMs: 30_000 };
    const h = await startHookHarness(target, { delivery });
    const others = await Promise.all([1, 2, 3].map(async () => {
      const db = openDb(h.dbUrl, { poolSize: 4 });
      const built = await buildApp({ db, publicUrl: 'http://pos.test', revocationRefreshMs: 0, allowLoopbackHooks: true, hookDelivery: delivery });
      return { db, app: built.app };
    }));
    const r = await startReceiver();
    try {
      const a = await h.account();
      ok(await a.call('POST', '/hooks/subscriptions', { config: { url: r.url }, events: ['wallet_transaction'] }));
      const n = 1000;
      await h.db.kysely.transaction().execute((trx) =>
        enqueueEvents(trx, Array.from({ length: n }, (_, i) => ({ accountId: a.aid, event: 'wallet_transaction' as const, payload: { transaction: { id: `tx-${i}` } } })), new Date().toISOString()));
      await waitFor('every event', () => new Set(r.of('wallet_transaction').map((x) => x.eventDelivery)).size === n, 60_000);
      // Every delivery is settled once its only attempt is recorded; then nothing else can be sent.
      await waitFor('every delivery settled', async () => {
        const row = await h.db.kysely.selectFrom('hook_deliveries').select((eb) => eb.fn.countAll<number | string>().as('n')).where('event', '=', 'wallet_transaction').where('state', '=', 'delivered').executeTakeFirstOrThrow();
        return Number(row.n) === n;
      });
      const got = r.of('wallet_transaction');
      expect(got).toHaveLength(n);
      expect(new Set(got.map((x) => String(transactionIdOf(x.body)))).size).toBe(n);
    } finally {
      for (const o of others) {
        await o.app.close();
        await o.db.close();
      }
      await r.close();
      await h.close();
    }
  });
});

const transactionIdOf = (body: Record<string, unknown>): unknown => {
  const t = body.transaction;
  return typeof t === 'object' && t !== null && 'id' in t ? t.id : undefined;
};
