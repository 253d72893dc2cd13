/**
 * Receipts and loyalty (contract §3.6, §8 flow 1): storing a receipt that carries the discounts
 * the calculation gave records the rules' usage exactly once, whether the receipt is sent again,
 * ten times at once or out of order; Training and Cancelled receipts record nothing; a receipt the
 * ledger refuses refuses its whole batch; PUT with discounts records them.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { createRule, expectError, FROM, grant, NOW, ok, refsOf, sendEvent, type Rule, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import { json, outbox, post, receipt, receiptStore, storedCount, type Created, type StoredReceipt } from '../support/receipts.ts';

describe.each(dbTargets())('receipts and loyalty on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  /** 10 % off purchases with a customer (`*`), 5 % off anonymous ones (`/`). */
  async function setup(): Promise<{ s: Store; member: Rule; anonymous: Rule }> {
    const s = await receiptStore(h, '6');
    const member = await createRule(s, { name: 'members', reward: { type: 'discount_percent', value: 10 } });
    const anonymous = await createRule(s, { name: 'everyone', reward: { type: 'discount_percent', value: 5 } });
    await grant(s, member.id, ['*']);
    await grant(s, anonymous.id, ['/']);
    return { s, member, anonymous };
  }

  /** The receipt as the calculation prices it: with its discount lines and `discounts`. */
  async function priced(s: Store, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const out = ok<Record<string, unknown> & { discounts?: unknown[] }>(await s.call('POST', '/discounts/available_for_receipt', body));
    expect(out.discounts?.length, 'the calculation gave a discount').toBe(1);
    return out;
  }

  const statistics = async (s: Store, rule: Rule): Promise<{ usage: number; amount: number }> =>
    ok<{ statistics: { usage: number; amount: number } }>(await s.call('GET', `/discounts/rules/${rule.id}`)).statistics;

  it('records a receipt once: sent again, ten times at once, and out of order', async () => {
    const { s, member, anonymous } = await setup();
    const a = await priced(s, receipt('A', {}, 2));
    const b = await priced(s, receipt('B', { customer_id: 'c1' }, 2));
    const c = await priced(s, receipt('C', { customer_id: 'c2' }, 2));
    // Out of order, repeatedly.
    for (const batch of [[b], [a], [b], [a], [a, b]]) await post(s, batch);
    // Ten identical batches at once.
    const answers = await Promise.all(Array.from({ length: 10 }, () => s.call('POST', '/receipts', [c])));
    const bodies = answers.map((r) => json<Created>(r));
    expect(bodies.reduce((n, x) => n + x.receipts.length, 0)).toBe(1);
    expect(bodies.reduce((n, x) => n + x.duplicates, 0)).toBe(9);

    // 10 % of 1000 for B and C, 5 % of 1000 for A — each once.
    expect(await statistics(s, member)).toMatchObject({ usage: 2, amount: 200 });
    expect(await statistics(s, anonymous)).toMatchObject({ usage: 1, amount: 50 });
    const usages = ok<Array<{ customer_id: string | null; statistics: { usage: number } }>>(await s.call('GET', `/discounts/rules/${member.id}/usages`));
    expect(usages.map((u) => [u.customer_id, u.statistics.usage]).sort()).toEqual([['c1', 1], ['c2', 1]]);
    expect(await storedCount(h, s.aid)).toBe(3);
    expect((await outbox(h, s.aid)).filter((e) => e.event === 'receipt_add').map((e) => e.receipt_id).sort()).toEqual(['A', 'B', 'C']);
  });

  it('overlapping batches sent at once in opposite orders store and record each receipt once', async () => {
    const { s, member, anonymous } = await setup();
    const receipts = await Promise.all(Array.from({ length: 8 }, (_, i) => priced(s, receipt(`o-${i}`, i % 2 === 0 ? { customer_id: `c${i}` } : {}))));
    const reversed = [...receipts].reverse();
    const rotated = [...receipts.slice(4), ...receipts.slice(0, 4)];
    const answers = await Promise.all([receipts, reversed, rotated, receipts, reversed, rotated].map((batch) => s.call('POST', '/receipts', batch)));
    const bodies = answers.map((r) => json<Created>(r));
    expect(bodies.reduce((n, x) => n + x.receipts.length, 0)).toBe(8);
    expect(bodies.reduce((n, x) => n + x.duplicates, 0)).toBe(5 * 8);
    expect(await statistics(s, member)).toMatchObject({ usage: 4, amount: 400 });
    expect(await statistics(s, anonymous)).toMatchObject({ usage: 4, amount: 200 });
    expect((await outbox(h, s.aid)).filter((e) => e.event === 'receipt_add')).toHaveLength(8);
  });

  it('different batches sharing rules, taken in opposite rule order, all succeed at once', async () => {
    const { s, member, anonymous } = await setup();
    // Even batches touch the `/` rule first, odd ones the `*` rule first (receipts are recorded in
    // identity order): PostgreSQL may pick one as a deadlock victim; the batch must still succeed.
    const batches = await Promise.all(Array.from({ length: 6 }, async (_, i) => [
      await priced(s, receipt(`d${i}-a`, i % 2 === 0 ? {} : { customer_id: `c${i}` })),
      await priced(s, receipt(`d${i}-b`, i % 2 === 0 ? { customer_id: `c${i}` } : {})),
    ]));
    const answers = await Promise.all(batches.map((batch) => s.call('POST', '/receipts', batch)));
    for (const a of answers) expect(json<Created>(a).receipts).toHaveLength(2);
    expect(await statistics(s, member)).toMatchObject({ usage: 6, amount: 600 });
    expect(await statistics(s, anonymous)).toMatchObject({ usage: 6, amount: 300 });
  });

  it('Training and Cancelled receipts are stored and record nothing', async () => {
    const { s, member } = await setup();
    const training = await priced(s, receipt('T', { customer_id: 'c1', entry_status: 'Training' }));
    const cancelled = await priced(s, receipt('X', { customer_id: 'c1', entry_status: 'Cancelled' }));
    expect((await post(s, [training, cancelled])).receipts).toHaveLength(2);
    expect(await statistics(s, member)).toMatchObject({ usage: 0, amount: 0 });
    const posted = await priced(s, receipt('P', { customer_id: 'c1', entry_status: 'Posted' }));
    await post(s, [posted]);
    expect(await statistics(s, member)).toMatchObject({ usage: 1, amount: 100 });
  });

  it('a void reverses its sale once; a sale arriving after its void (or with it) records nothing', async () => {
    const { s, member } = await setup();
    const sale = await priced(s, receipt('V1', { customer_id: 'c1' }));
    await post(s, [sale]);
    expect(await statistics(s, member)).toMatchObject({ usage: 1, amount: 100 });
    const voidOf = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, entry_status: 'Voided' });
    expect((await post(s, [voidOf(sale)])).receipts).toHaveLength(1);
    expect(await statistics(s, member)).toMatchObject({ usage: 0, amount: 0 });
    // The void again, and the sale again: duplicates, nothing moves.
    expect((await post(s, [voidOf(sale), sale])).duplicates).toBe(2);
    expect(await statistics(s, member)).toMatchObject({ usage: 0, amount: 0 });

    const late = await priced(s, receipt('V2', { customer_id: 'c2' }));
    await post(s, [voidOf(late)]);
    await post(s, [late]);
    const together = await priced(s, receipt('V3', { customer_id: 'c3' }));
    await post(s, [together, voidOf(together)]);
    expect(await statistics(s, member)).toMatchObject({ usage: 0, amount: 0 });
    // Another sale still counts.
    await post(s, [await priced(s, receipt('V4', { customer_id: 'c4' }))]);
    expect(await statistics(s, member)).toMatchObject({ usage: 1, amount: 100 });
  });

  it('a receipt whose discounts the ledger refuses fails its batch (400 naming it): nothing stored or recorded', async () => {
    const { s, member } = await setup();
    const good = await priced(s, receipt('G', { customer_id: 'c1' }));
    const bad = { ...(await priced(s, receipt('Bad', { customer_id: 'c1' }))), discounts: [{ id: 'no-such-rule', refs: [{ id: 'no-such-ref', stamp: 0, amount: 1, bonus: 0, usage: 1 }] }] };
    const error = expectError(await s.call('POST', '/receipts', [good, bad]), 400, 'DISCOUNT_RULE_UNKNOWN');
    expect(error.message).toMatch(/^receipts\[1\]: /);
    expect(await storedCount(h, s.aid)).toBe(0);
    expect(await outbox(h, s.aid)).toEqual([]);
    expect(await statistics(s, member)).toMatchObject({ usage: 0 });
    // The good one alone goes through.
    await post(s, [good]);
    expect(await statistics(s, member)).toMatchObject({ usage: 1 });
  });

  it('names the refused receipt by its place in the request, whatever Training receipts and voids come before it', async () => {
    const { s, member } = await setup();
    const sold = await priced(s, receipt('S1', { customer_id: 'c1' }));
    await post(s, [sold]);
    const training = await priced(s, receipt('T1', { customer_id: 'c1', entry_status: 'Training' }));
    const good = await priced(s, receipt('G1', { customer_id: 'c2' }));
    const bad = { ...(await priced(s, receipt('B1', { customer_id: 'c3' }))), discounts: [{ id: member.id, refs: [{ id: 'no-such-ref', stamp: 0, amount: 1, bonus: 0, usage: 1 }] }] };
    const error = expectError(await s.call('POST', '/receipts', [training, good, { ...sold, entry_status: 'Voided' }, bad]), 400, 'DISCOUNT_REF_UNKNOWN');
    expect(error.message).toMatch(/^receipts\[3\]: /);
    // Nothing of the batch happened: S1 is not voided, G1 not recorded.
    expect(await storedCount(h, s.aid)).toBe(1);
    expect(await statistics(s, member)).toMatchObject({ usage: 1, amount: 100 });
  });

  it('buyers known by a customer token are resolved for the whole batch: `*` usage counts per customer', async () => {
    const { s, member } = await setup();
    const tokens: Array<[string, Record<string, string>]> = [
      ['c1', { token_id: 'tid-1', type: 'card', value: '1111' }],
      ['c2', { token_id: 'tid-2', type: 'card', value: '2222' }],
      ['c3', { token_id: 'tid-3', type: 'phone', value: '3333' }],
    ];
    for (const [customer, token] of tokens) expect((await sendEvent(s, 'token_add', { token: { ...token, customer_id: customer } })).statusCode).toBe(204);
    /** Priced for the customer, uploaded with only their token (as a till that scanned a card sends it). */
    const withToken = async (id: string, customer: string, token: Record<string, string>): Promise<Record<string, unknown>> => {
      const { customer_id: _customer, ...rest } = await priced(s, receipt(id, { customer_id: customer }));
      return { ...rest, customer: { token } };
    };
    const batch = [
      await withToken('K1', 'c1', { type: 'card', value: '1111' }),
      await withToken('K2', 'c2', { token_id: 'tid-2' }),
      await withToken('K3', 'c3', { value: '3333' }),
      await priced(s, receipt('K4', { customer_id: 'c1' })),
    ];
    expect((await post(s, batch)).receipts).toHaveLength(4);
    const usages = ok<Array<{ customer_id: string | null; statistics: { usage: number } }>>(await s.call('GET', `/discounts/rules/${member.id}/usages`));
    expect(usages.map((u) => [u.customer_id, u.statistics.usage]).sort()).toEqual([['c1', 2], ['c2', 1], ['c3', 1]]);
    // A token nobody holds names no buyer: its `*` discount refuses the batch, naming the receipt.
    const error = expectError(await s.call('POST', '/receipts', [await withToken('K5', 'c1', { type: 'card', value: '1111' }), await withToken('K6', 'c4', { type: 'card', value: '9999' })]), 400, 'DISCOUNT_REF_NEEDS_CUSTOMER');
    expect(error.message).toMatch(/^receipts\[1\]: /);
    expect(await storedCount(h, s.aid)).toBe(4);
  });

  it('receipt_add automations run for each receipt of a batch, once per receipt and within automation_repeat', async () => {
    const { s } = await setup();
    const welcome = await createRule(s, { name: 'welcome back' });
    ok(await s.call('POST', '/automations/rules', {
      name: 'welcome',
      requirement: { automation_from: FROM, automation_to: '2026-12-01T00:00:00.000Z', events: ['receipt_add'], filter: { '$.store.id': ['store-1'] } },
      limitation: { automation_repeat: 1 },
      actions: [{ type: 'discount', id: welcome.id }],
    }));
    const batch = [
      receipt('A1', { customer_id: 'c1' }),
      receipt('A2', { customer_id: 'c1' }),
      receipt('A3', { customer_id: 'c2' }),
      receipt('A4', { customer_id: 'c3', store: { id: 'store-2' } }),
      receipt('A5', { customer_id: 'c4', entry_status: 'Training' }),
      receipt('A6', { customer_id: 'c5' }),
      { ...receipt('A6', { customer_id: 'c5' }), entry_status: 'Voided' },
    ];
    expect((await post(s, batch)).receipts).toHaveLength(7);
    expect((await post(s, batch)).duplicates).toBe(7);
    // c1 once (repeat 1), c2; not c3 (other store), c4 (training) or c5 (voided in the batch).
    expect((await refsOf(s, welcome.id, '?limit=1000')).map((r) => r.customer_id).sort()).toEqual(['c1', 'c2']);
  });

  it('PUT /receipts/all with discounts records them for the anonymous receipt, once', async () => {
    const { s, member } = await setup();
    const [stored] = (await post(s, [receipt('later', {})])).receipts;
    // What the customer's purchase would have given, computed afterwards.
    const withCustomer = await priced(s, receipt('later', { customer_id: 'c7' }));
    const updated = json<StoredReceipt>(await s.call('PUT', `/receipts/all/${stored?.id ?? ''}`, { customer_id: 'c7', discounts: withCustomer.discounts }));
    expect(updated.customer_id).toBe('c7');
    expect(updated.discounts).toEqual(withCustomer.discounts);
    expect(await statistics(s, member)).toMatchObject({ usage: 1, amount: 100 });
    // The same receipt uploaded again by the till later is a duplicate and records nothing more.
    expect((await post(s, [withCustomer])).duplicates).toBe(1);
    expect(await statistics(s, member)).toMatchObject({ usage: 1, amount: 100 });
  });
});
