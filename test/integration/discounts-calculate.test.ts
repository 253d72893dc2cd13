/**
 * `POST /discounts/available_for_receipt` end to end on real databases: which refs a purchase
 * may use (customer, token, `*`, `/`), that nothing is persisted, the explain extension, the
 * prepared-rules cache across server nodes, and a stamp card over several receipts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../sync-server/src/app.ts';
import { dbTargets } from '../support/databases.ts';
import {
  createRule,
  expectError,
  grant,
  newStore,
  NOW,
  ok,
  receiptBody,
  refOf,
  sendEvent,
  type CustomerRule,
  type ReceiptOut,
  type Store,
  type Usage,
} from '../support/discounts.ts';
import { manualClock, PUBLIC_URL, startHarness, type Harness } from '../support/harness.ts';

describe.each(dbTargets())('available_for_receipt on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => newStore(h, '4');
  const calculate = async (s: Store, receipt: Record<string, unknown>, token?: string): Promise<ReceiptOut> =>
    ok<ReceiptOut>(await s.call('POST', '/discounts/available_for_receipt', receipt, token === undefined ? {} : { token }));
  const discountIds = (r: ReceiptOut): string[] => (r.discounts ?? []).map((d) => d.id);

  it('a 10 % group rule given to / changes an anonymous receipt; nothing is stored', async () => {
    const s = await store();
    const rule = await createRule(s, { receipt_text: 'Drinks -10 %' }, { item: { items: [{ group_id: 'drinks' }] } });
    await grant(s, rule.id, ['/']);
    const slash = await refOf(s, rule.id, '/');
    const till = await s.tokenFor(['write:discounts:/available_for_receipt']);
    const out = await calculate(s, receiptBody(), till);
    expect(out).toMatchObject({ receipt_id: 'r-1', is_changed: true, net_amount: 19_500, total_discount: 500 });
    expect(out.items?.[0]).toMatchObject({ line_id: 1, net_amount: 4_500, is_changed: true });
    expect(out.items?.[0]?.discount_lines).toEqual([{ amount: 500, percentage: 10, discount_type: 'periodic', discount_id: rule.id, description: 'Drinks -10 %', line_id: 1 }]);
    expect(out.items?.[1]?.discount_lines ?? []).toEqual([]);
    expect(out.discounts).toEqual([expect.objectContaining({ id: rule.id, refs: [expect.objectContaining({ id: slash, amount: 500, usage: 1, stamp: 0 })] })]);
    // Fields we do not model come back untouched.
    const extra = await calculate(s, receiptBody({ operator_id: 'op-7', items: [{ id: 'coffee', line_id: 1, gross_amount: 5_000, eligible_for_discount: true, groups: [{ id: 'drinks' }], dimension: { size: 'L' } }] }));
    expect(extra).toMatchObject({ operator_id: 'op-7', items: [{ dimension: { size: 'L' } }] });
    // Calculating persists nothing.
    expect(ok<Usage[]>(await s.call('GET', `/discounts/rules/${rule.id}/usages`))).toEqual([]);
    // A receipt with a customer does not get / rules.
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c1' })))).toEqual([]);
    expectError(await s.call('POST', '/discounts/available_for_receipt', { purchase_at: NOW, store: { id: 's' } }), 400, 'VALIDATION_ERROR');
    expectError(await s.call('POST', '/discounts/available_for_receipt', receiptBody(), { token: await s.tokenFor(['read:discounts']) }), 403);
  });

  it('customer-only rules need the customer: by customer_id, or a token learnt from token_add; * needs any customer', async () => {
    const s = await store();
    const mine = await createRule(s, { name: 'mine' });
    const members = await createRule(s, { name: 'members', reward: { type: 'discount_amount', value: 1_000 } });
    const walkIn = await createRule(s, { name: 'walk-in', reward: { type: 'discount_amount', value: 300 } });
    await grant(s, mine.id, ['c1']);
    await grant(s, members.id, ['*']);
    await grant(s, walkIn.id, ['/']);

    expect(discountIds(await calculate(s, receiptBody()))).toEqual([walkIn.id]);
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c1' })))).toEqual([mine.id, members.id].sort());
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c2' })))).toEqual([members.id]);
    const mineLines = (await calculate(s, receiptBody({ customer_id: 'c1' }))).items?.[0]?.discount_lines?.find((l) => l.discount_id === mine.id);
    expect(mineLines?.['discount_type']).toBe('customer');

    const token = { type: 'loyalty_card', value: '7000123' };
    // An unknown token names nobody: only / rules.
    expect(discountIds(await calculate(s, receiptBody({ customer: { token } })))).toEqual([walkIn.id]);
    expect((await sendEvent(s, 'token_add', { token: { ...token, token_id: 'tok-1', customer_id: 'c1' } })).statusCode).toBe(204);
    expect(discountIds(await calculate(s, receiptBody({ customer: { token } })))).toEqual([mine.id, members.id].sort());
    expect(discountIds(await calculate(s, receiptBody({ customer: { token: { token_id: 'tok-1' } } })))).toEqual([mine.id, members.id].sort());
    expect(discountIds(await calculate(s, receiptBody({ customer: { token: { value: '7000123' } } })))).toEqual([mine.id, members.id].sort());
    expect((await sendEvent(s, 'token_remove', { token: { token_id: 'tok-1' } })).statusCode).toBe(204);
    expect(discountIds(await calculate(s, receiptBody({ customer: { token } })))).toEqual([walkIn.id]);

    // Deleted refs and rules, inactive rules: gone from the calculation at once.
    ok(await s.call('DELETE', `/discounts/customers/c1/refs/${await refOf(s, mine.id, 'c1')}`));
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c1' })))).toEqual([members.id]);
    ok(await s.call('PUT', `/discounts/rules/${members.id}`, { active: false }));
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c1' })))).toEqual([]);
    ok(await s.call('DELETE', `/discounts/rules/${walkIn.id}`));
    expect(discountIds(await calculate(s, receiptBody()))).toEqual([]);
  });

  it('explain returns the receipt and the trace', async () => {
    const s = await store();
    const rule = await createRule(s, { name: 'drinks' }, { item: { items: [{ group_id: 'drinks' }] } });
    const never = await createRule(s, { name: 'big spenders' }, { gross_amount: 1_000_000 });
    await grant(s, rule.id, ['/']);
    await grant(s, never.id, ['/']);
    const res = ok<{ receipt: ReceiptOut; trace: Array<{ discount_id: string; outcome: string; code: string; reason: string }> }>(
      await s.call('POST', '/discounts/available_for_receipt/explain', receiptBody()),
    );
    expect(discountIds(res.receipt)).toEqual([rule.id]);
    expect(res.trace.find((t) => t.discount_id === rule.id)?.outcome).toBe('applied');
    expect(res.trace.find((t) => t.discount_id === never.id)).toMatchObject({ outcome: 'skipped', reason: expect.any(String) });
    // The plain endpoint stays a pure receipt.
    expect(Object.keys(await calculate(s, receiptBody()))).not.toContain('trace');
  });

  it('refs past limitation.dynamic_purchase_to_days are not used', async () => {
    const s = await store();
    const rule = await createRule(s, { limitation: { dynamic_purchase_to_days: 7 } });
    await grant(s, rule.id, ['c1']);
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c1', purchase_at: '2026-06-05T10:00:00.000Z' })))).toEqual([rule.id]);
    expect(discountIds(await calculate(s, receiptBody({ customer_id: 'c1', purchase_at: '2026-06-09T10:00:00.000Z' })))).toEqual([]);
  });

  it('another server node on the same database sees rule changes on its next calculation', async () => {
    const s = await store();
    const rule = await createRule(s);
    await grant(s, rule.id, ['/']);
    const other = await buildApp({ db: h.db, publicUrl: PUBLIC_URL, clock, revocationRefreshMs: 0 });
    try {
      const onOther = async (): Promise<ReceiptOut> => {
        const res = await other.app.inject({
          method: 'POST', url: `/v1/accounts/${s.aid}/discounts/available_for_receipt`,
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, payload: JSON.stringify(receiptBody()),
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json<ReceiptOut>();
      };
      expect((await onOther()).total_discount).toBe(2_000);
      ok(await s.call('PUT', `/discounts/rules/${rule.id}`, { limitation: { discount_hours: { timezone: 'Europe/Oslo', hours: [{ day: 'sun', start: '10:00', end: '11:00' }] } } }));
      expect((await onOther()).total_discount).toBe(0);
      const second = await createRule(s, { reward: { type: 'discount_amount', value: 100 } });
      await grant(s, second.id, ['/']);
      expect((await onOther()).total_discount).toBe(100);
      ok(await s.call('DELETE', `/discounts/rules/${second.id}`));
      expect((await onOther()).total_discount).toBe(0);
    } finally {
      await other.app.close();
    }
  });

  it('a stamp card over several receipts: calculate, record the receipt, and the fourth coffee is free', async () => {
    const s = await store();
    const reward = { type: 'discount_item_percent', value: 100 };
    const card = await createRule(s, { name: 'coffee card', receipt_text: 'Free coffee', reward }, { stamp: 3, item: { items: [{ id: 'coffee' }] } });
    await grant(s, card.id, ['c1']);
    const ref = await refOf(s, card.id, 'c1');
    const coffee = (n: number) => ({ id: 'coffee', line_id: n, quantity: 1, gross_amount: 4_000, unit_gross_price: 4_000, eligible_for_discount: true });
    const stats = async (): Promise<CustomerRule['statistics']> => ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${ref}`)).statistics;
    const buy = async (id: string, coffees: number): Promise<ReceiptOut> => {
      const out = await calculate(s, receiptBody({ receipt_id: id, customer_id: 'c1', gross_amount: 4_000 * coffees, items: Array.from({ length: coffees }, (_, i) => coffee(i + 1)) }));
      expect((await sendEvent(s, 'receipt_add', { receipt: out })).statusCode).toBe(204);
      return out;
    };
    for (const [i, id] of ['k-1', 'k-2', 'k-3'].entries()) {
      const out = await buy(id, 1);
      expect(out.total_discount).toBe(0);
      expect(await stats()).toMatchObject({ stamp: i + 1, current_stamp: i + 1, usage: 0 });
    }
    const free = await buy('k-4', 1);
    expect(free.total_discount).toBe(4_000);
    expect(await stats()).toMatchObject({ stamp: 3, current_stamp: 0, usage: 1 });
    // Recording the same receipt again changes nothing.
    expect((await sendEvent(s, 'receipt_add', { receipt: free })).statusCode).toBe(204);
    expect(await stats()).toMatchObject({ stamp: 3, current_stamp: 0, usage: 1 });
    // Three more, then two coffees: one is free and the other starts the next card.
    for (const id of ['k-5', 'k-6', 'k-7']) await buy(id, 1);
    const two = await buy('k-8', 2);
    expect(two.total_discount).toBe(4_000);
    expect(await stats()).toMatchObject({ stamp: 7, current_stamp: 1, usage: 2 });
  });
});
