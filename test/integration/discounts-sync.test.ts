/**
 * The tills' `discount_rules` replication collection (rule + wildcard refs with statistics) and
 * the browser preflight for Dintero's discounts web SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscountRuleDocSchema, type Checkpoint, type DiscountRuleDoc } from '@pos/core';
import { dbTargets } from '../support/databases.ts';
import { createRule, grant, newStore, NOW, ok, pullPage, receiptBody, refOf, sendEvent, type PullPage, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';


describe.each(dbTargets())('discount_rules replication on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());

  const pull = (s: Store, token: string, after?: Checkpoint): Promise<PullPage<DiscountRuleDoc>> => pullPage(s, 'discount_rules', DiscountRuleDocSchema, token, after);

  it('a created rule, a grant to /, a recorded usage and a deactivation each reach a pull; customer grants do not', async () => {
    const s = await newStore(h, '5');
    const till = await s.tokenFor(['read:discounts']);
    const empty = await pull(s, till);
    expect(empty.documents).toEqual([]);

    const rule = await createRule(s, { name: 'walk-in' });
    const created = await pull(s, till, empty.checkpoint);
    expect(created.documents).toEqual([{ id: rule.id, updated_at: NOW, _deleted: false, rule, refs: [] }]);

    await grant(s, rule.id, ['/']);
    const slash = await refOf(s, rule.id, '/');
    const granted = await pull(s, till, created.checkpoint);
    expect(granted.documents).toEqual([
      { id: rule.id, updated_at: NOW, _deleted: false, rule, refs: [{ ref_id: slash, grant: 'no_customer', statistics: { usage: 0, stamp: 0, amount: 0, bonus: 0 } }] },
    ]);

    // A grant to one customer travels with that customer, not with the rule.
    await grant(s, rule.id, ['c1']);
    expect((await pull(s, till, granted.checkpoint)).documents).toEqual([]);

    const receipt = receiptBody({ receipt_id: 'anon-1', discounts: [{ id: rule.id, refs: [{ id: slash, stamp: 0, amount: 2_000, bonus: 0, usage: 1 }] }] });
    expect((await sendEvent(s, 'receipt_add', { receipt })).statusCode).toBe(204);
    const used = await pull(s, till, granted.checkpoint);
    expect(used.documents.map((d) => d.refs)).toEqual([[{ ref_id: slash, grant: 'no_customer', statistics: { usage: 1, stamp: 0, amount: 2_000, bonus: 0 } }]]);

    // * refs carry their statistics summed over every customer.
    await grant(s, rule.id, ['*']);
    const star = await refOf(s, rule.id, '*');
    for (const [customer, id] of [['c5', 'm-1'], ['c6', 'm-2']]) {
      const r = receiptBody({ receipt_id: id, customer_id: customer, discounts: [{ id: rule.id, refs: [{ id: star, stamp: 0, amount: 500, bonus: 0, usage: 1 }] }] });
      expect((await sendEvent(s, 'receipt_add', { receipt: r })).statusCode).toBe(204);
    }
    const both = await pull(s, till, used.checkpoint);
    expect(both.documents).toHaveLength(1);
    expect(both.documents[0]?.refs.find((r) => r.ref_id === star)).toEqual({ ref_id: star, grant: 'any_customer', statistics: { usage: 2, stamp: 0, amount: 1_000, bonus: 0 } });

    ok(await s.call('PUT', `/discounts/rules/${rule.id}`, { active: false }));
    const off = await pull(s, till, both.checkpoint);
    expect(off.documents.map((d) => [d.id, d._deleted])).toEqual([[rule.id, true]]);
    expect((await pull(s, till, off.checkpoint)).documents).toEqual([]);

    // A debit rule's / ref tells the till what is left.
    const debit = await createRule(s, { reward: { type: 'discount_debit', value: 5_000 } });
    await grant(s, debit.id, ['/']);
    const debitRef = await refOf(s, debit.id, '/');
    const r = receiptBody({ receipt_id: 'd-1', discounts: [{ id: debit.id, refs: [{ id: debitRef, stamp: 0, amount: 1_500, bonus: 0, usage: 1 }] }] });
    expect((await sendEvent(s, 'receipt_add', { receipt: r })).statusCode).toBe(204);
    const debitDoc = (await pull(s, till, off.checkpoint)).documents.find((d) => d.id === debit.id);
    expect(debitDoc?.refs).toEqual([{ ref_id: debitRef, grant: 'no_customer', statistics: { usage: 1, stamp: 0, amount: 1_500, bonus: 0, debit_balance: 3_500 } }]);

    // Other accounts' rules never show, and the collection takes the discounts scopes.
    const other = await newStore(h, '5');
    await createRule(other);
    expect((await pull(s, till, off.checkpoint)).documents.map((d) => d.id)).toEqual([debit.id]);
    expect((await s.call('GET', '/sync/discount_rules/pull', undefined, { token: await s.tokenFor(['read:products']) })).statusCode).toBe(403);
  });
});

describe('CORS for the discounts web SDK', () => {
  it('answers a preflight for /discounts/public/rules from another origin', async () => {
    const [sqlite] = dbTargets();
    if (sqlite === undefined) throw new Error('no SQLite target');
    const h = await startHarness(sqlite);
    try {
      const res = await h.app.inject({
        method: 'OPTIONS',
        url: `/v1/accounts/${h.accountId}/discounts/public/rules`,
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(res.statusCode).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect(String(res.headers['access-control-allow-methods'])).toContain('GET');
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
      // The actual request carries the allow-origin header too.
      const token = await h.tokenFor(['public:discounts']);
      const get = await h.app.inject({ method: 'GET', url: `/v1/accounts/${h.accountId}/discounts/public/rules`, headers: { origin: 'https://shop.example', authorization: `Bearer ${token}` } });
      expect(get.statusCode).toBe(200);
      expect(get.headers['access-control-allow-origin']).toBe('https://shop.example');
    } finally {
      await h.close();
    }
  });
});
