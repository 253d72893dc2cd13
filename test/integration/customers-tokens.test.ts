/**
 * Customer tokens and token events (contract §2.1, §2.3) on real databases, and what customers
 * set off in other services in the same transaction: webhook outbox rows, the Discounts
 * service's buyer resolution through `customer.token`, automations on customer_add, and the
 * auto tokens settings ask for.
 */
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { createRule, expectError, FROM, grant, NOW, ok, receiptBody, type CustomerRule, type ReceiptOut, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import { addToken, createCustomer, customerIds, customerStore, outbox, type Customer, type Token } from '../support/customers.ts';

interface TokenEvent { event: string; status?: string; metadata?: Record<string, unknown>; created_at: string; expires_at?: string }
interface TokenDetail { id: string; customer?: Customer; token?: Token; status: string; events: TokenEvent[] }

const UNTIL = '2026-12-01T00:00:00.000Z';

describe.each(dbTargets())('customer tokens on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (scopes?: string[]): Promise<Store> => customerStore(h, '7', scopes);
  const tokensOf = async (s: Store, cid: string, query = ''): Promise<Token[]> => ok<Token[]>(await s.call('GET', `/customers/users/${cid}/tokens${query}`));

  describe('tokens', () => {
    it('adds (201), lists and deletes tokens; a (type, value) another customer holds is a 400 and stores nothing', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'a' });
      await createCustomer(s, { customer_id: 'b' });
      const card = await addToken(s, 'a', { token_id: 'card-1', type: 'member', value: '7001', metadata: { printed: true } });
      expect(card).toEqual({ id: expect.any(String), token_id: 'card-1', type: 'member', value: '7001', metadata: { printed: true }, created_at: NOW, created_by: s.clientId, updated_at: NOW });
      const generated = await addToken(s, 'a', { type: 'app', value: 'qr-1' });
      expect(generated.token_id).toMatch(/^[0-9a-f-]{36}$/);
      expectError(await s.call('POST', '/customers/users/b/tokens', { type: 'member', value: '7001' }), 400, 'CUSTOMER_TOKEN_DUPLICATE');
      expectError(await s.call('POST', '/customers/users/a/tokens', { type: 'member', value: '7001' }), 400, 'CUSTOMER_TOKEN_EXISTS');
      expectError(await s.call('POST', '/customers/users/b/tokens', { token_id: 'card-1', type: 'member', value: '7002' }), 400, 'CUSTOMER_TOKEN_ID_DUPLICATE');
      expectError(await s.call('POST', '/customers/users/b/tokens', { type: 'member' }), 400, 'VALIDATION_ERROR');
      expectError(await s.call('POST', '/customers/users/nobody/tokens', { type: 'member', value: '1' }), 404, 'CUSTOMER_NOT_FOUND');
      expect(await tokensOf(s, 'b')).toEqual([]);
      expect(await outbox(h, s.aid, 'token_add')).toEqual([
        { event: 'token_add', payload: { token: { ...card, customer_id: 'a' } } },
        { event: 'token_add', payload: { token: { ...generated, customer_id: 'a' } } },
      ]);

      expect((await tokensOf(s, 'a')).map((t) => t.token_id)).toEqual(['card-1', generated.token_id].sort());
      expect(await tokensOf(s, 'a', '?type=member')).toEqual([card]);
      const page = await s.call('GET', '/customers/users/a/tokens?limit=1&total=true');
      expect(page.headers['total-count']).toBe('2');
      const [first] = page.json<Token[]>();
      expect(await tokensOf(s, 'a', `?starting_after=${first?.token_id ?? ''}`)).toHaveLength(1);

      clock.advance(1_000);
      const removed = ok<Token>(await s.call('DELETE', '/customers/users/a/tokens/card-1'));
      const at = clock.now().toISOString();
      expect(removed).toEqual({ ...card, updated_at: at, deleted_at: at, deleted_by: s.clientId });
      expectError(await s.call('DELETE', '/customers/users/a/tokens/card-1'), 404, 'CUSTOMER_TOKEN_NOT_FOUND');
      expect((await tokensOf(s, 'a')).map((t) => t.token_id)).toEqual([generated.token_id]);
      expect((await tokensOf(s, 'a', '?include_deleted=true')).map((t) => t.token_id).sort()).toEqual(['card-1', generated.token_id].sort());
      expect(await outbox(h, s.aid, 'token_remove')).toEqual([{ event: 'token_remove', payload: { token: { ...removed, customer_id: 'a' } } }]);
      // Deleted, the card may go to someone else.
      await addToken(s, 'b', { token_id: 'card-1', type: 'member', value: '7001' });
      expect(await customerIds(s, '?token_type=member&token_value=7001')).toEqual(['b']);
      // A deleting client other than write/admin is refused.
      expectError(await s.call('DELETE', '/customers/users/b/tokens/card-1', undefined, { token: await s.tokenFor(['read:customers']) }), 403, 'AUTH_SCOPE_MISSING');
    });

    it('a receipt carrying customer.token resolves to the token\'s customer in the Discounts service, until the token is deleted', async () => {
      const s = await store(['admin:customers', 'admin:discounts']);
      const rule = await createRule(s, { name: 'members 10 %' });
      await grant(s, rule.id, ['buyer-1']);
      await createCustomer(s, { customer_id: 'buyer-1' });
      await addToken(s, 'buyer-1', { token_id: 'card-9', type: 'member', value: '555' });
      const calc = (customer: Record<string, unknown>) => s.call('POST', '/discounts/available_for_receipt', receiptBody({ customer }));
      const priced = ok<ReceiptOut>(await calc({ token: { type: 'member', value: '555' } }));
      expect(priced.discounts?.map((d) => d.id)).toEqual([rule.id]);
      expect(priced.total_discount).toBe(2_000);
      expect(ok<ReceiptOut>(await calc({ token: { token_id: 'card-9' } })).total_discount).toBe(2_000);
      expect(ok<ReceiptOut>(await calc({ token: { type: 'member', value: '556' } })).total_discount ?? 0).toBe(0);
      ok(await s.call('DELETE', '/customers/users/buyer-1/tokens/card-9'));
      expect(ok<ReceiptOut>(await calc({ token: { type: 'member', value: '555' } })).total_discount ?? 0).toBe(0);
    });

    it('an automation on customer_add grants its welcome rule to each new customer; a refused create grants nothing', async () => {
      const s = await store(['admin:customers', 'admin:discounts', 'admin:automations']);
      const welcome = await createRule(s, { name: 'welcome' });
      ok(await s.call('POST', '/automations/rules', {
        name: 'Welcome',
        requirement: { automation_from: FROM, automation_to: UNTIL, events: ['customer_add'], filter: { '$.status': ['member'] } },
        actions: [{ type: 'discount', id: welcome.id }],
      }));
      const rulesOf = async (cid: string) => ok<CustomerRule[]>(await s.call('GET', `/discounts/customers/${cid}/rules`)).map((r) => r.name);
      await createCustomer(s, { customer_id: 'w1', status: 'member', email: 'w1@example.com' });
      await createCustomer(s, { customer_id: 'w2', status: 'guest' });
      expect(await rulesOf('w1')).toEqual(['welcome']);
      expect(await rulesOf('w2')).toEqual([]);
      expectError(await s.call('POST', '/customers/users', { customer_id: 'w3', status: 'member', email: 'W1@example.com' }), 400, 'CUSTOMER_DUPLICATE_EMAIL');
      expect(await rulesOf('w3')).toEqual([]);
      // A later update to member does not run customer_add automations again.
      ok(await s.call('PUT', '/customers/users/w2', { status: 'member' }));
      expect(await rulesOf('w2')).toEqual([]);
    });

    it('settings.auto_tokens makes SHA256 / HMAC-SHA256 tokens of email and phone, re-made when they change, deleted with the customer', async () => {
      const s = await store();
      ok(await s.call('PUT', '/customers/settings', {
        auto_tokens: { email: [{ type: 'SHA256' }], phone_number: [{ type: 'HMAC-SHA256', secret: 's3cret' }] },
      }));
      const sha = (v: string) => createHash('sha256').update(v).digest('hex');
      const hmac = (v: string) => createHmac('sha256', 's3cret').update(v).digest('hex');
      await createCustomer(s, { customer_id: 'auto', email: 'Eva@Example.com', phone_number: '+4794444444' });
      const values = async () => (await tokensOf(s, 'auto')).map((t) => [t.type, t.value]).sort();
      expect(await values()).toEqual([['hmac-sha256:phone_number', hmac('+4794444444')], ['sha256:email', sha('eva@example.com')]]);
      expect(await customerIds(s, `?token_type=sha256:email&token_value=${sha('eva@example.com')}`)).toEqual(['auto']);
      ok(await s.call('PUT', '/customers/users/auto', { email: 'eva@new.example' }));
      expect(await values()).toEqual([['hmac-sha256:phone_number', hmac('+4794444444')], ['sha256:email', sha('eva@new.example')]]);
      expect((await outbox(h, s.aid, 'token_remove')).map((r) => r.payload)).toEqual([
        { token: expect.objectContaining({ type: 'sha256:email', value: sha('eva@example.com'), customer_id: 'auto' }) },
      ]);
      // The secret is shown only to clients that may change settings.
      const reader = await s.tokenFor(['read:customers']);
      const seen = ok<{ auto_tokens: unknown }>(await s.call('GET', '/customers/settings', undefined, { token: reader }));
      expect(seen.auto_tokens).toEqual({ email: [{ type: 'SHA256' }], phone_number: [{ type: 'HMAC-SHA256' }] });
      ok(await s.call('DELETE', '/customers/users/auto'));
      expect(await tokensOf(s, 'auto')).toEqual([]);
    });
  });

  describe('token events', () => {
    it('looks a token up without changing anything: UNKNOWN, a random id, no events', async () => {
      const s = await store();
      const look = () => s.call('POST', '/customers/tokens/events', { token: { type: 'phone', value: '+4795555555' } });
      const a = ok<TokenDetail>(await look());
      const b = ok<TokenDetail>(await look());
      expect(a).toEqual({ id: expect.any(String), status: 'UNKNOWN', events: [] });
      expect(a.id).not.toBe(b.id);
      expect(ok<unknown[]>(await s.call('GET', '/customers/tokens/events'))).toEqual([]);
    });

    it('records events (before any customer), resolves status from the latest unexpired one, and the customer\'s status wins', async () => {
      const s = await store();
      ok(await s.call('PUT', '/customers/settings', { tokens: { event_expiry: [{ status: 'OPT_OUT', time_to_live: 3600 }] } }));
      const token = { type: 'phone', value: '+4796666666' };
      const record = async (event: Record<string, unknown>) => ok<TokenDetail>(await s.call('POST', '/customers/tokens/events', { token, event }));
      const pending = await record({ event: 'asked in store', status: 'PENDING', metadata: { store_id: 'S1' } });
      expect(pending).toEqual({ id: expect.any(String), status: 'PENDING', events: [{ event: 'asked in store', status: 'PENDING', metadata: { store_id: 'S1' }, created_at: NOW }] });
      clock.advance(1_000);
      const optOut = await record({ event: 'declined', status: 'OPT_OUT' });
      expect(optOut.id).toBe(pending.id);
      expect(optOut.status).toBe('OPT_OUT');
      expect(optOut.events.at(-1)?.expires_at).toBe(new Date(Date.parse(NOW) + 1_000 + 3_600_000).toISOString());
      // After its TTL the opt-out falls back to the event before it.
      clock.advance(3_600_000);
      const look = ok<TokenDetail>(await s.call('POST', '/customers/tokens/events', { token }));
      expect(look.status).toBe('PENDING');
      expect(look.events).toHaveLength(2);
      // Once a customer holds the token, the detail carries it, and its status wins.
      await createCustomer(s, { customer_id: 'p1', status: 'MEMBER' });
      const added = await addToken(s, 'p1', token);
      const owned = ok<TokenDetail>(await s.call('POST', '/customers/tokens/events', { token }));
      expect(owned).toEqual({ id: pending.id, customer: expect.objectContaining({ customer_id: 'p1', status: 'MEMBER' }), token: added, status: 'MEMBER', events: look.events });
      expect(ok<Array<{ id: string; status: string }>>(await s.call('GET', '/customers/tokens/events'))).toEqual([{ id: pending.id, status: 'PENDING', events: look.events }]);
    });

    it('DELETE clears the events and records the optional one as DELETED; deleted_since and since_datetime list them', async () => {
      const s = await store();
      const token = { type: 'email', value: 'x@example.com' };
      ok(await s.call('POST', '/customers/tokens/events', { token, event: { event: 'anonymous', status: 'PENDING' } }));
      ok(await s.call('POST', '/customers/tokens/events', { token: { type: 'email', value: 'y@example.com' }, event: { event: 'e', status: 'PENDING' } }));
      clock.advance(60_000);
      const cleared = clock.now().toISOString();
      const res = await s.call('DELETE', '/customers/tokens/events', { token, event: { event: 'registered in webshop' } });
      expect(res.statusCode, res.body).toBe(204);
      const detail = ok<TokenDetail>(await s.call('POST', '/customers/tokens/events', { token }));
      expect(detail.events).toEqual([{ event: 'registered in webshop', status: 'DELETED', created_at: cleared }]);
      expect(detail.status).toBe('DELETED');
      const deleted = ok<Array<{ id: string; status: string }>>(await s.call('GET', `/customers/tokens/events?deleted_since=${cleared}`));
      expect(deleted.map((d) => [d.id, d.status])).toEqual([[detail.id, 'DELETED']]);
      expect(ok<unknown[]>(await s.call('GET', `/customers/tokens/events?since_datetime=${cleared}`))).toHaveLength(1);
      expect(ok<unknown[]>(await s.call('GET', `/customers/tokens/events?since_datetime=${NOW}`))).toHaveLength(2);
      expect(ok<unknown[]>(await s.call('GET', '/customers/tokens/events?limit=1'))).toHaveLength(1);
      expectError(await s.call('GET', `/customers/tokens/events?since_datetime=${NOW}&starting_after=x`), 400, 'CUSTOMER_QUERY_INVALID');
      // Clearing without an event leaves none; a token with no events is left out of the list.
      expect((await s.call('DELETE', '/customers/tokens/events', { token })).statusCode).toBe(204);
      expect(ok<TokenDetail>(await s.call('POST', '/customers/tokens/events', { token })).status).toBe('UNKNOWN');
      expect(ok<unknown[]>(await s.call('GET', '/customers/tokens/events'))).toHaveLength(1);
    });

    it('adding a token with delete_token_events=true wipes the events recorded on it first', async () => {
      const s = await store();
      const token = { type: 'member', value: '8080' };
      ok(await s.call('POST', '/customers/tokens/events', { token, event: { event: 'declined', status: 'OPT_OUT' } }));
      await createCustomer(s, { customer_id: 'e1' });
      await addToken(s, 'e1', token, '?delete_token_events=true');
      expect(ok<TokenDetail>(await s.call('POST', '/customers/tokens/events', { token })).events).toEqual([]);
      const readOnly = await s.tokenFor(['read:customers']);
      expectError(await s.call('POST', '/customers/tokens/events', { token }, { token: readOnly }), 403, 'AUTH_SCOPE_MISSING');
      expect((await s.call('GET', '/customers/tokens/events', undefined, { token: readOnly })).statusCode).toBe(200);
    });
  });
});

