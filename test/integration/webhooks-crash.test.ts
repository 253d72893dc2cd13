/**
 * At-least-once delivery across a crash: the sync server runs as its own process, the receiver
 * first refuses and then holds requests open, the server is killed with SIGKILL mid-delivery, and a
 * new server on the same database must then deliver every committed event — by `event_delivery`
 * exactly once, with the id the first attempt used — and nothing for a change that was refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../sync-server/src/clock.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { enqueueEvents } from '../../sync-server/src/services/webhooks/outbox.ts';
import { clientToken } from '../bench/bench-client.ts';
import { dbTargets, type DbTarget } from '../support/databases.ts';
import { signatureOf, startChildServer, startReceiver, waitFor, type ChildServer, type Receiver } from '../support/webhooks.ts';

const AID = 'T87654321';
const SECRET = 'crash-secret';
/** Short so the test does not wait long for the dead server's claims to lapse (2 × timeout + 1 s). */
const ENV = { HOOK_RETRY_BASE_MS: '300', HOOK_TIMEOUT_MS: '1000' };

const transactionOf = (body: Record<string, unknown>): Record<string, unknown> => {
  const t = body.transaction;
  return typeof t === 'object' && t !== null && !Array.isArray(t) ? Object.fromEntries(Object.entries(t)) : {};
};

describe.each(dbTargets())('webhook delivery across kill -9 on $name', (target: DbTarget) => {
  let created: Awaited<ReturnType<DbTarget['create']>>;
  let receiver: Receiver;
  let server: ChildServer | undefined;
  beforeAll(async () => {
    created = await target.create();
    await migrateToLatest(created.db.kysely);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await server?.stop();
    await receiver.close();
    await created.dispose();
  });

  it('delivers every committed event once by event_delivery after a restart, and nothing invented', async () => {
    const admin = createAuthAdmin(createAuthRepo(created.db.kysely), systemClock);
    await admin.createAccount(AID, 'Crash store');
    const client = await admin.createClient(AID, 'crash-admin', ['admin:hooks', 'admin:wallets']);
    server = await startChildServer(created.url, ENV);
    const first = server;
    const token = await clientToken(first.url, AID, client);
    const api = async (path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
      const res = await fetch(`${first.url}/v1/accounts/${AID}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const json: unknown = await res.json();
      return { status: res.status, json: typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {} };
    };

    const hook = await api('/hooks/subscriptions', { config: { url: receiver.url, secret: { type: 'HMAC-SHA1', value: SECRET } }, events: ['wallet_transaction'] });
    expect(hook.status).toBe(200);
    await waitFor('the ping', () => receiver.of('ping', true).length === 1);

    // 1. The receiver is down: the first event fails and waits for its retry.
    receiver.answer = (r) => (r.event === 'wallet_transaction' ? 503 : 200);
    expect((await api('/wallets/cards', { card_id: 'crash-1', amount: 1000, currency: 'NOK' })).status).toBe(200);
    await waitFor('a refused attempt', () => receiver.of('wallet_transaction').length >= 1);

    // 2. The receiver now holds every request open; more changes, one of them refused.
    receiver.answer = () => 'hang';
    expect((await api('/wallets/cards', { card_id: 'crash-2', amount: 2000, currency: 'NOK' })).status).toBe(200);
    expect((await api('/wallets/transactions', { card_id: 'crash-1', ref_id: 'refused', amount: 5000, currency: 'NOK' })).status).toBe(400);
    const drawdown = await api('/wallets/transactions', { card_id: 'crash-1', ref_id: 'kept', amount: 100, currency: 'NOK' });
    expect(drawdown.status).toBe(200);
    const hung = await waitFor('deliveries in flight', () => {
      const ids = new Set(receiver.of('wallet_transaction').filter((r) => r.status === 0).map((r) => r.eventDelivery));
      return ids.size >= 2 && ids;
    });

    // 3. kill -9 mid-delivery; an event is committed while no server runs.
    await first.kill();
    server = undefined;
    receiver.release(503);
    await enqueueEvents(created.db.kysely, [{ accountId: AID, event: 'wallet_transaction', payload: { transaction: { id: 'while-down', card_id: 'crash-2', amount: 1, currency: 'NOK', type: 'fund' } } }], new Date().toISOString());

    // 4. A new server on the same database delivers everything.
    receiver.answer = () => 200;
    server = await startChildServer(created.url, ENV);
    const ledger = await created.db.kysely.selectFrom('wallet_transactions').select('id').execute();
    const expected = new Set([...ledger.map((r) => r.id), 'while-down']);
    expect(expected.size).toBe(4);
    const deliveredIds = (): Set<string> => new Set(receiver.of('wallet_transaction', true).map((r) => String(transactionOf(r.body).id)));
    await waitFor('every event delivered', () => [...expected].every((id) => deliveredIds().has(id)), 30_000);

    const all = receiver.of('wallet_transaction');
    // Nothing invented: only the committed changes, never the refused drawdown.
    expect(deliveredIds()).toEqual(expected);
    expect(new Set(all.map((r) => String(transactionOf(r.body).id)))).toEqual(expected);
    expect(all.filter((r) => transactionOf(r.body).ref_id === 'refused')).toEqual([]);
    // Each event kept one event_delivery through failures, the crash and the restart.
    for (const id of expected) {
      const attempts = all.filter((r) => transactionOf(r.body).id === id);
      expect(new Set(attempts.map((r) => r.eventDelivery)).size, `event ${id}`).toBe(1);
      for (const a of attempts) expect(a.headers['event-signature']).toBe(signatureOf(SECRET, a.raw));
    }
    expect(new Set(receiver.of('wallet_transaction', true).map((r) => r.eventDelivery)).size).toBe(4);
    // What was in flight at the kill was sent again by the new server, under the same id.
    const acknowledged = new Set(receiver.of('wallet_transaction', true).map((r) => r.eventDelivery));
    for (const id of hung) expect(acknowledged.has(id), `in-flight delivery ${id}`).toBe(true);
  }, 120_000);
});
