/**
 * Fuzzes the money endpoints with broken bodies: every one is answered 4xx with Dintero's error
 * body, and nothing is stored.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

type Body = Record<string, unknown>;
type Mutation = (b: Body) => Body;

const without = (key: string): Mutation => (b) => Object.fromEntries(Object.entries(b).filter(([k]) => k !== key));
const setTo = (key: string, value: unknown): Mutation => (b) => ({ ...b, [key]: value });

const badAmounts = [-1, 0, 1.5, '100', null, true, 1e13, [], {}];
const badCurrencies = ['nok', 'GBP', '', 5, null];
const badRefs = ['', ' padded', 'x'.repeat(256), 123, null];

const transactionMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(without('ref_id'), without('amount'), without('currency'), without('card_id')),
  fc.constantFrom(...badAmounts).map((v) => setTo('amount', v)),
  fc.constantFrom(...badCurrencies).map((v) => setTo('currency', v)),
  fc.constantFrom(...badRefs).map((v) => setTo('ref_id', v)),
  fc.constantFrom('refund', 'pending_capture', 1).map((v) => setTo('type', v)),
  fc.constantFrom('yes', 1, null).map((v) => setTo('pending', v)),
  fc.constant(setTo('token', 'DINCARD:also-a-token')),
  fc.constant(setTo('card_id', 'no-such-card')),
  fc.constant((b: Body) => ({ ...b, type: 'fund', pending: true })),
  fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !['card_id', 'token', 'pin', 'ref_id', 'amount', 'currency', 'type', 'pending', 'metadata', 'originated_by', '__proto__'].includes(k)).map((k) => setTo(k, 1)),
  fc.constant(setTo('metadata', { dintero_reserved: 1 })),
);

const cardMutations: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constantFrom(without('card_id'), without('amount'), without('currency')),
  fc.constantFrom(-1, 1.5, '100', null, 1e13).map((v) => setTo('amount', v)),
  fc.constantFrom(...badCurrencies).map((v) => setTo('currency', v)),
  fc.constantFrom('', ' lead', 'x'.repeat(256), 5).map((v) => setTo('card_id', v)),
  fc.constantFrom('tomorrow', '2026-13-01T00:00:00Z', 5).map((v) => setTo('expires_at', v)),
  fc.constant(setTo('expires_at', '2001-01-01T00:00:00Z')),
  fc.constant((b: Body) => ({ ...b, active_from: '2031-01-02T00:00:00Z', expires_at: '2031-01-01T00:00:00Z' })),
  fc.constantFrom({}, { expires_in: 0 }, { expires_in: 60, format: { length: 2 } }, { expires_in: 60, format: { length: 8, numbers: true, characters: false, symbols: false } }).map((v) => setTo('card_token', v)),
  fc.constantFrom('gift', 1).map((v) => setTo('type', v)),
  fc.constant(setTo('pin', { format: { length: 'six' } })),
);

describe.each(dbTargets())('bad input on $name', (target) => {
  let h: Harness;
  let token: string;
  const counts = async () => {
    const q = async (table: string) => Number((await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(h.db.kysely)).rows[0]?.n);
    return { cards: await q('wallet_cards'), txs: await q('wallet_transactions'), tokens: await q('wallet_tokens') };
  };
  beforeAll(async () => {
    h = await startHarness(target);
    token = await h.tokenFor(['admin:wallets']);
    const res = await h.call('POST', '/wallets/cards', { token, body: { card_id: 'target', amount: 10_000, currency: 'NOK' } });
    expect(res.statusCode).toBe(200);
  });
  afterAll(() => h.close());

  const expectRefusal = (res: { statusCode: number; json: <T>() => T }) => {
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    const body = res.json<{ error: { message: unknown; code: unknown } }>();
    expect(typeof body.error.message).toBe('string');
    expect(typeof body.error.code).toBe('string');
  };

  it('broken transaction bodies are refused and store nothing', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(fc.array(transactionMutations, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = mutations.reduce<Body>((b, m) => m(b), { card_id: 'target', ref_id: 'fuzz', amount: 100, currency: 'NOK' });
        expectRefusal(await h.call('POST', '/wallets/transactions', { token, body }));
      }),
      { numRuns: 150 },
    );
    expect(await counts()).toEqual(before);
  });

  it('broken card bodies are refused and store nothing', async () => {
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(fc.array(cardMutations, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = mutations.reduce<Body>((b, m) => m(b), { card_id: 'fuzz-card', amount: 100, currency: 'NOK' });
        expectRefusal(await h.call('POST', '/wallets/cards', { token, body }));
      }),
      { numRuns: 150 },
    );
    expect(await counts()).toEqual(before);
  });

  it('oversized, non-JSON and wrongly typed bodies get clear 4xx answers', async () => {
    const before = await counts();
    const huge = await h.call('POST', '/wallets/cards', { token, body: { card_id: 'big', amount: 1, currency: 'NOK', metadata: { blob: 'x'.repeat(2 * 1024 * 1024) } } });
    expect([huge.statusCode, huge.json<{ error: { code: string } }>().error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    const notJson = await h.app.inject({ method: 'POST', url: `/v1/accounts/${h.accountId}/wallets/transactions`, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: '{"amount": 1,' });
    expect([notJson.statusCode, notJson.json<{ error: { code: string } }>().error.code]).toEqual([400, 'BODY_INVALID']);
    const text = await h.app.inject({ method: 'POST', url: `/v1/accounts/${h.accountId}/wallets/transactions`, headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, payload: 'hello' });
    expect(text.statusCode).toBe(415);
    expectRefusal(text);
    const unknownRoute = await h.call('GET', '/wallets/nope', { token });
    expect(unknownRoute.statusCode).toBe(404);
    expectRefusal(unknownRoute);
    expect(await counts()).toEqual(before);
  });
});
