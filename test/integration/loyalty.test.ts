/**
 * Loyalty accrual on real databases: a receipt counts once per (receipt, rule) whichever path
 * brings it and however often; voids and returns take back (never below zero); bonus points
 * earned on one purchase are spent with a code on the next; the tills' `customer_loyalty`
 * collection; `discount_customer_update` webhook events in the outbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CustomerLoyaltyDocSchema, ReceiptSchema, type Checkpoint, type CustomerLoyaltyDoc } from '@pos/core';
import { createDiscountRepo } from '../../sync-server/src/services/discounts/repo.ts';
import { createDiscountService, type DiscountService } from '../../sync-server/src/services/discounts/service.ts';
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
  ruleBody,
  sendEvent,
  type CustomerRule,
  type ReceiptOut,
  type Store,
  type Usage,
} from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

const ZERO = { stamp: 0, usage: 0, used: 0, amount: 0, bonus: 0, debit_balance: 0, current_stamp: 0 };
const POINTS = { 'pos:bonus_points': true };

const CustomerUpdateSchema = z.object({
  discount: z.looseObject({ id: z.string() }),
  customer_id: z.string(),
  statistics: z.object({ stamp: z.number(), usage: z.number(), used: z.number(), amount: z.number(), bonus: z.number(), debit_balance: z.number(), current_stamp: z.number() }),
});
type CustomerUpdate = z.infer<typeof CustomerUpdateSchema>;

describe.each(dbTargets())('loyalty on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  /** A second Discounts service on the same database: the way the Receipts service reaches it. */
  let inProcess: DiscountService;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
    inProcess = createDiscountService(createDiscountRepo(h.db), clock, { log: { warn: () => undefined } });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => newStore(h, '8');
  const price = async (s: Store, receipt: Record<string, unknown>): Promise<ReceiptOut & Record<string, unknown>> =>
    ok<ReceiptOut & Record<string, unknown>>(await s.call('POST', '/discounts/available_for_receipt', receipt));
  const record = async (s: Store, receipt: unknown): Promise<void> => {
    const res = await sendEvent(s, 'receipt_add', { receipt });
    expect(res.statusCode, res.body).toBe(204);
  };
  const stats = async (s: Store, customer: string, ref: string): Promise<CustomerRule['statistics']> =>
    ok<CustomerRule>(await s.call('GET', `/discounts/customers/${customer}/refs/${ref}`)).statistics;
  const actor = (s: Store) => ({ accountId: s.aid, clientId: s.clientId });
  /** What the Receipts service does with a stored receipt, in its own transaction. */
  const storedByReceipts = (s: Store, receipt: unknown) =>
    h.db.kysely.transaction().execute(async (trx) => (await inProcess.inTransaction.receiptAdded(trx, actor(s), ReceiptSchema.parse(receipt)))());
  const voided = (s: Store, receipt: unknown) =>
    h.db.kysely.transaction().execute(async (trx) => (await inProcess.inTransaction.receiptVoided(trx, actor(s), ReceiptSchema.parse(receipt)))());
  const customerUpdates = async (s: Store): Promise<CustomerUpdate[]> => {
    const rows = await h.db.kysely.selectFrom('hook_outbox').select(['payload']).where('account_id', '=', s.aid).where('event', '=', 'discount_customer_update').orderBy('id').execute();
    return rows.map((r): CustomerUpdate => CustomerUpdateSchema.parse(JSON.parse(r.payload)));
  };
  const bonusRule = (s: Store, percent = 2) => createRule(s, { name: `${percent} % bonus`, reward: { type: 'discount_percent', value: percent, effect: 'bonus' } });
  const stampCard = (s: Store) => createRule(s, { name: 'coffee card', reward: { type: 'discount_item_percent', value: 100 } }, { stamp: 5, item: { items: [{ id: 'coffee' }] } });

  it('the same receipt 10× at once, out of order with another, and from the Receipts service records its stamps and bonus once', async () => {
    const s = await store();
    const card = await stampCard(s);
    const bonus = await bonusRule(s);
    await grant(s, card.id, ['*']);
    await grant(s, bonus.id, ['*']);
    const cardRef = await refOf(s, card.id, '*');
    const bonusRef = await refOf(s, bonus.id, '*');

    const a = await price(s, receiptBody({ receipt_id: 'A', customer_id: 'c1' }));
    const b = await price(s, receiptBody({ receipt_id: 'B', customer_id: 'c1', purchase_at: '2026-06-01T09:00:00.000Z', gross_amount: 10_000, items: [{ id: 'coffee', line_id: 1, quantity: 2, gross_amount: 10_000, eligible_for_discount: true }] }));
    const figures = (r: ReceiptOut, id: string) => r.discounts?.find((d) => d.id === id)?.refs[0];
    expect([figures(a, card.id)?.stamp, figures(b, card.id)?.stamp, figures(a, bonus.id)?.bonus, figures(b, bonus.id)?.bonus]).toEqual([1, 2, 400, 200]);

    // B (bought earlier) arrives amid ten copies of A; A also comes from the Receipts service with
    // its server id and its purchase time written in another offset.
    const sent = await Promise.all([
      ...Array.from({ length: 10 }, () => sendEvent(s, 'receipt_add', { receipt: a })),
      sendEvent(s, 'receipt_add', { receipt: b }),
      storedByReceipts(s, { ...a, id: 'srv-a', purchase_at: '2026-06-01T12:00:00+02:00' }),
      storedByReceipts(s, { ...a, id: 'srv-a' }),
      sendEvent(s, 'receipt_add', { receipt: b }),
    ]);
    for (const res of sent) if (res !== undefined) expect(res.statusCode, res.body).toBe(204);

    expect(await stats(s, 'c1', cardRef)).toEqual({ ...ZERO, stamp: 3, current_stamp: 3 });
    expect(await stats(s, 'c1', bonusRef)).toMatchObject({ bonus: 600 });
    const usages = ok<Usage[]>(await s.call('GET', `/discounts/rules/${card.id}/usages`));
    expect(usages).toHaveLength(1);
    // The usages show the POS receipt number, once per receipt.
    expect(usages[0]?.usage_refs.map((u) => [u.ref, u.ref_type, u.stamp]).sort()).toEqual([['A', 'receipt_add', 1], ['B', 'receipt_add', 2]]);
    expect(ok<{ statistics: typeof ZERO }>(await s.call('GET', `/discounts/rules/${bonus.id}`)).statistics).toMatchObject({ bonus: 600 });
    // One customer update per (customer, rule) per receipt that recorded something.
    expect((await customerUpdates(s)).map((u) => [u.customer_id, u.discount.id === card.id ? 'card' : 'bonus']).sort()).toEqual([['c1', 'bonus'], ['c1', 'bonus'], ['c1', 'card'], ['c1', 'card']]);

    // Another store's receipt with the same number is another receipt.
    await record(s, { ...a, store: { id: 'store-2' } });
    expect((await stats(s, 'c1', cardRef)).stamp).toBe(4);
  });

  it('batches of receipts (as POST /receipts stores them) record each once, a void in the batch wins, and crossing batches do not deadlock', async () => {
    const s = await store();
    const card = await stampCard(s);
    const bonus = await bonusRule(s);
    const gift = await createRule(s, { name: 'gift', reward: { type: 'discount_debit', value: 100_000 } });
    await grant(s, card.id, ['*']);
    await grant(s, bonus.id, ['*']);
    await grant(s, gift.id, ['c1', 'c2']);
    const cardRef = await refOf(s, card.id, '*');
    const receipts = await Promise.all(['K1', 'K2', 'K3', 'K4'].map(async (id, i) => ReceiptSchema.parse(await price(s, receiptBody({ receipt_id: id, customer_id: i % 2 === 0 ? 'c1' : 'c2' })))));
    const [k1, k2, k3, k4] = receipts;
    if (k1 === undefined || k2 === undefined || k3 === undefined || k4 === undefined) throw new Error('priced');
    const batch = (changes: Parameters<DiscountService['inTransaction']['receiptsRecorded']>[2]) =>
      h.db.kysely.transaction().execute(async (trx) => (await inProcess.inTransaction.receiptsRecorded(trx, actor(s), changes))());
    // Crossing batches, each several times at once: every receipt still counts once.
    await Promise.all([
      ...Array.from({ length: 4 }, () => batch([{ receipt: k1 }, { receipt: k2 }, { receipt: k3 }])),
      ...Array.from({ length: 4 }, () => batch([{ receipt: k3 }, { receipt: k2 }, { receipt: k1 }])),
    ]);
    expect((await stats(s, 'c1', cardRef)).stamp).toBe(2);
    expect((await stats(s, 'c2', cardRef)).stamp).toBe(1);
    // A sale and its void in one batch, whichever comes first: nothing; the void also takes back K1.
    await batch([{ receipt: k4 }, { receipt: k1, voided: true }, { receipt: k4, voided: true }]);
    expect((await stats(s, 'c1', cardRef)).stamp).toBe(1);
    expect((await stats(s, 'c2', cardRef)).stamp).toBe(1);
    // Refused discounts refuse the whole batch: nothing of it is recorded.
    const bad = { ...k4, receipt_id: 'K5', discounts: [{ id: card.id, refs: [{ id: 'no-such-ref', stamp: 1, amount: 0, bonus: 0, usage: 0 }] }] };
    await expect(batch([{ receipt: { ...k2, receipt_id: 'K6' } }, { receipt: bad }])).rejects.toThrow(/no ref/);
    expect((await stats(s, 'c2', cardRef)).stamp).toBe(1);
  });

  it('a void reverses everything the receipt recorded, once, however often and in whichever order it comes', async () => {
    const s = await store();
    const card = await stampCard(s);
    const bonus = await bonusRule(s);
    const gift = await createRule(s, { name: 'gift', reward: { type: 'discount_debit', value: 10_000 } });
    await grant(s, card.id, ['*']);
    await grant(s, bonus.id, ['*']);
    await grant(s, gift.id, ['c1']);
    const cardRef = await refOf(s, card.id, '*');
    const bonusRef = await refOf(s, bonus.id, '*');
    const giftRef = await refOf(s, gift.id, 'c1');

    const v = await price(s, receiptBody({ receipt_id: 'V', customer_id: 'c1' }));
    expect(v.total_discount).toBe(10_000);
    await record(s, v);
    expect(await stats(s, 'c1', giftRef)).toMatchObject({ usage: 1, amount: 10_000, debit_balance: 0 });
    expect(await stats(s, 'c1', cardRef)).toMatchObject({ stamp: 1, current_stamp: 1 });
    expect((await stats(s, 'c1', bonusRef)).bonus).toBe(400);
    const before = (await customerUpdates(s)).length;

    await Promise.all([voided(s, v), voided(s, v)]);
    await voided(s, v);
    expect(await stats(s, 'c1', giftRef)).toEqual({ ...ZERO, debit_balance: 10_000 });
    expect(await stats(s, 'c1', cardRef)).toEqual(ZERO);
    expect(await stats(s, 'c1', bonusRef)).toEqual(ZERO);
    expect(ok<{ statistics: typeof ZERO }>(await s.call('GET', `/discounts/rules/${gift.id}`)).statistics).toMatchObject({ usage: 0, amount: 0, debit_balance: 10_000 });
    const giftUsages = ok<Usage[]>(await s.call('GET', `/discounts/rules/${gift.id}/usages`));
    expect(giftUsages[0]?.usage_refs.map((u) => [u.ref, u.ref_type, u.usage, u.amount])).toEqual([['V', 'receipt_add', 1, 10_000], ['V', 'receipt_void', -1, -10_000]]);
    // The void told the webhooks once per rule: the customer's figures are back to nothing.
    const updates = (await customerUpdates(s)).slice(before);
    expect(updates.map((u) => u.discount.id).sort()).toEqual([bonus.id, card.id, gift.id].sort());
    expect(updates.find((u) => u.discount.id === gift.id)?.statistics).toEqual({ ...ZERO, debit_balance: 10_000 });

    // A copy of the voided receipt arriving later records nothing, by either path.
    await record(s, v);
    await storedByReceipts(s, { ...v, id: 'srv-v' });
    expect(await stats(s, 'c1', giftRef)).toEqual({ ...ZERO, debit_balance: 10_000 });

    // A receipt that arrives voided records nothing, and neither does its copy without the status.
    const w = await price(s, receiptBody({ receipt_id: 'W', customer_id: 'c1' }));
    await record(s, { ...w, entry_status: 'Voided' });
    await record(s, w);
    expect(await stats(s, 'c1', cardRef)).toEqual(ZERO);
    // A training receipt is practice: it earns nothing, and the real sale after it still counts.
    const t = await price(s, receiptBody({ receipt_id: 'T', customer_id: 'c1' }));
    await record(s, { ...t, entry_status: 'Training' });
    expect(await stats(s, 'c1', cardRef)).toEqual(ZERO);
    await record(s, t);
    expect((await stats(s, 'c1', cardRef)).stamp).toBe(1);
    await voided(s, t);

    // A void racing its receipt: whichever commits first, nothing is left.
    const x = await price(s, receiptBody({ receipt_id: 'X', customer_id: 'c1' }));
    await Promise.all([record(s, x), voided(s, x), record(s, x)]);
    expect(await stats(s, 'c1', cardRef)).toEqual(ZERO);
    expect(await stats(s, 'c1', giftRef)).toEqual({ ...ZERO, debit_balance: 10_000 });
  });

  it('a return receipt gives back bonus and stamps as its negative refs say, never below zero, once', async () => {
    const s = await store();
    const card = await stampCard(s);
    const bonus = await bonusRule(s, 10);
    await grant(s, card.id, ['*']);
    await grant(s, bonus.id, ['*']);
    const cardRef = await refOf(s, card.id, '*');
    const bonusRef = await refOf(s, bonus.id, '*');
    const coffees = (n: number) => [{ id: 'coffee', line_id: 1, quantity: n, gross_amount: 5_000 * n, eligible_for_discount: true }];
    await record(s, await price(s, receiptBody({ receipt_id: 'P', customer_id: 'c1', gross_amount: 15_000, items: coffees(3) })));
    expect(await stats(s, 'c1', cardRef)).toMatchObject({ stamp: 3, current_stamp: 3 });
    expect((await stats(s, 'c1', bonusRef)).bonus).toBe(1_500);

    const returned = (id: string, stamp: number, bonusBack: number) => {
      const items = [{ id: 'coffee', line_id: 1, quantity: 1, gross_amount: -5_000, eligible_for_discount: true, is_return_item: true }];
      return receiptBody({ receipt_id: id, customer_id: 'c1', gross_amount: -5_000, items, discounts: [
        { id: card.id, refs: [{ id: cardRef, stamp, amount: 0, bonus: 0, usage: 0 }] },
        { id: bonus.id, refs: [{ id: bonusRef, stamp: 0, amount: 0, bonus: bonusBack, usage: 0 }] },
      ] });
    };
    // The engine gives a return nothing; what it gives back is the till's to say.
    const { discounts: _given, ...bare } = returned('R1', -1, -500);
    expect((await price(s, bare)).discounts).toEqual([]);
    await record(s, returned('R1', -1, -500));
    await record(s, returned('R1', -1, -500));
    expect(await stats(s, 'c1', cardRef)).toMatchObject({ stamp: 2, current_stamp: 2 });
    expect((await stats(s, 'c1', bonusRef)).bonus).toBe(1_000);
    // Giving back more than there is stops at zero.
    await record(s, returned('R2', -10, -5_000));
    expect(await stats(s, 'c1', cardRef)).toEqual(ZERO);
    // The purchase still happened (usage 1); its bonus is gone.
    expect(await stats(s, 'c1', bonusRef)).toEqual({ ...ZERO, usage: 1, used: 1 });
    const usages = ok<Usage[]>(await s.call('GET', `/discounts/rules/${bonus.id}/usages`));
    expect(usages[0]?.usage_refs.map((u) => [u.ref, u.ref_type, u.bonus])).toEqual([['P', 'receipt_add', 1_500], ['R1', 'receipt_return', -500], ['R2', 'receipt_return', -1_000]]);
    expect(ok<{ statistics: typeof ZERO }>(await s.call('GET', `/discounts/rules/${card.id}`)).statistics).toMatchObject({ stamp: 0 });
  });

  it('bonus earned on one purchase is spent with the POINTS code on the next, up to the balance; an overspend shows as a negative balance', async () => {
    const s = await store();
    expectError(await s.call('POST', '/discounts/rules', ruleBody({ metadata: POINTS })), 400, 'DISCOUNT_RULE_INVALID');
    expectError(await s.call('POST', '/discounts/rules', ruleBody({ metadata: POINTS, reward: { type: 'discount_debit', value: 0 } }, { item: { items: [{ id: 'coffee' }] } })), 400, 'DISCOUNT_RULE_INVALID');
    const earn = await bonusRule(s, 10);
    const points = await createRule(s, { name: 'Bonus points', metadata: POINTS, reward: { type: 'discount_debit', value: 0 } }, { discount_code: 'POINTS' });
    await grant(s, earn.id, ['*']);
    await grant(s, points.id, ['*']);
    const pointsRef = await refOf(s, points.id, '*');
    const line = (receipt: ReceiptOut): number => (receipt.items ?? []).flatMap((i) => i.discount_lines ?? []).filter((d) => d.discount_id === points.id).reduce((sum, d) => sum + d.amount, 0);

    const first = await price(s, receiptBody({ receipt_id: 'P1', customer_id: 'c1', discount_code: ['POINTS'] }));
    expect(line(first)).toBe(0);
    await record(s, first);
    expect(await stats(s, 'c1', pointsRef)).toEqual({ ...ZERO, debit_balance: 2_000 });
    const listed = ok<CustomerRule[]>(await s.call('GET', '/discounts/customers/c1/rules'));
    expect(listed.find((r) => r.id === points.id)?.statistics.debit_balance).toBe(2_000);

    // 15.00 to pay: the points pay all of it (min(balance, total)).
    const small = { gross_amount: 1_500, items: [{ id: 'coffee', line_id: 1, quantity: 1, gross_amount: 1_500, eligible_for_discount: true }] };
    expect(line(await price(s, receiptBody({ receipt_id: 'P2', customer_id: 'c1', ...small })))).toBe(0);
    const second = await price(s, receiptBody({ receipt_id: 'P2', customer_id: 'c1', discount_code: ['POINTS'], ...small }));
    expect(line(second)).toBe(1_500);
    expect(second.net_amount).toBe(0);
    expect(second.discounts?.find((d) => d.id === points.id)?.refs[0]).toMatchObject({ amount: 1_500, usage: 1, statistics: { debit_balance: 500 } });
    await record(s, second);
    expect((await stats(s, 'c1', pointsRef)).debit_balance).toBe(500);

    // The third purchase can spend only what is left.
    const third = await price(s, receiptBody({ receipt_id: 'P3', customer_id: 'c1', discount_code: ['POINTS'] }));
    expect(line(third)).toBe(500);
    await record(s, third);
    expect(await stats(s, 'c1', pointsRef)).toMatchObject({ usage: 2, amount: 2_000, debit_balance: 2_000 });
    // Nobody else has points; an anonymous purchase cannot use them at all.
    expect(line(await price(s, receiptBody({ receipt_id: 'Q', customer_id: 'c2', discount_code: ['POINTS'] })))).toBe(0);
    expect(line(await price(s, receiptBody({ receipt_id: 'Q', discount_code: ['POINTS'] })))).toBe(0);

    // Two offline tills spent the same points: the ledger keeps what they gave; the balance owes.
    await record(s, receiptBody({ receipt_id: 'P4', customer_id: 'c1', discounts: [{ id: points.id, refs: [{ id: pointsRef, stamp: 0, amount: 5_000, bonus: 0, usage: 1 }] }] }));
    expect((await stats(s, 'c1', pointsRef)).debit_balance).toBe(-3_000);
    const broke = ok<{ receipt: ReceiptOut; trace: Array<{ discount_id: string; code: string }> }>(await s.call('POST', '/discounts/available_for_receipt/explain', receiptBody({ receipt_id: 'P5', customer_id: 'c1', discount_code: ['POINTS'] })));
    expect(line(broke.receipt)).toBe(0);
    expect(broke.trace.find((t) => t.discount_id === points.id)?.code).toBe('DEBIT_BALANCE_EMPTY');
    // The points rule stays on the customer's list, owing.
    expect(ok<CustomerRule[]>(await s.call('GET', '/discounts/customers/c1/rules')).find((r) => r.id === points.id)?.statistics.debit_balance).toBe(-3_000);
    // The webhook for the overspend says so too.
    expect((await customerUpdates(s)).filter((u) => u.discount.id === points.id).at(-1)?.statistics.debit_balance).toBe(-3_000);
  });

  it("customer_loyalty replicates a customer's own refs, their share of * refs with stamps, and their bonus", async () => {
    const s = await store();
    const till = await s.tokenFor(['read:discounts']);
    const pull = async (after?: Checkpoint): Promise<{ documents: CustomerLoyaltyDoc[]; checkpoint: Checkpoint }> => {
      const q = after === undefined ? '' : `&txid=${after.txid}&seq=${after.seq}`;
      const page = ok<{ documents: CustomerLoyaltyDoc[]; checkpoint: Checkpoint }>(await s.call('GET', `/sync/customer_loyalty/pull?limit=100${q}`, undefined, { token: till }));
      return { documents: page.documents.map((d) => CustomerLoyaltyDocSchema.parse(d)), checkpoint: page.checkpoint };
    };
    expect((await s.call('GET', '/sync/customer_loyalty/pull', undefined, { token: await s.tokenFor(['read:products']) })).statusCode).toBe(403);
    const card = await stampCard(s);
    const bonus = await bonusRule(s);
    const points = await createRule(s, { name: 'Bonus points', metadata: POINTS, reward: { type: 'discount_debit', value: 0 } }, { discount_code: 'POINTS' });
    const gift = await createRule(s, { name: 'gift', reward: { type: 'discount_debit', value: 5_000 } });
    const walkIn = await createRule(s, { name: 'walk-in' });
    await grant(s, card.id, ['*']);
    await grant(s, bonus.id, ['*']);
    await grant(s, points.id, ['*']);
    await grant(s, walkIn.id, ['/']);
    const empty = await pull();
    expect(empty.documents).toEqual([]);

    clock.set(new Date('2026-06-01T11:00:00.000Z'));
    await grant(s, gift.id, ['c1', 'c2']);
    const giftC1 = await refOf(s, gift.id, 'c1');
    const giftC2 = await refOf(s, gift.id, 'c2');
    const granted = await pull(empty.checkpoint);
    expect(granted.documents.map((d) => [d.id, d.refs.map((r) => r.ref_id)]).sort()).toEqual([['c1', [giftC1]], ['c2', [giftC2]]]);

    clock.set(new Date('2026-06-01T12:00:00.000Z'));
    await record(s, await price(s, receiptBody({ receipt_id: 'L1', customer_id: 'c1', purchase_at: '2026-06-01T12:00:00.000Z' })));
    ok(await s.call('DELETE', `/discounts/customers/c2/refs/${giftC2}`));
    // An anonymous sale touches nobody's document.
    await record(s, await price(s, receiptBody({ receipt_id: 'L2' })));
    const used = await pull(granted.checkpoint);
    const c1 = used.documents.find((d) => d.id === 'c1');
    expect(used.documents.map((d) => d.id).sort()).toEqual(['c1', 'c2']);
    expect(used.documents.find((d) => d.id === 'c2')).toEqual({ id: 'c2', updated_at: '2026-06-01T12:00:00.000Z', _deleted: false, customer_id: 'c2', refs: [], bonus: { earned: 0, spent: 0, balance: 0 } });
    const star = async (ruleId: string) => refOf(s, ruleId, '*');
    expect(c1).toEqual({
      id: 'c1',
      updated_at: '2026-06-01T12:00:00.000Z',
      _deleted: false,
      customer_id: 'c1',
      refs: [
        // The gift card paid 50.00 of L1; the card got a stamp; 2 % bonus on the 200.00 gross.
        { discount_id: card.id, ref_id: await star(card.id), grant: 'any_customer', granted_at: NOW, statistics: { usage: 0, stamp: 1, amount: 0, bonus: 0 }, stamps: [{ at: '2026-06-01T12:00:00.000Z', stamp: 1 }] },
        { discount_id: bonus.id, ref_id: await star(bonus.id), grant: 'any_customer', granted_at: NOW, statistics: { usage: 1, stamp: 0, amount: 0, bonus: 400 }, stamps: [] },
        { discount_id: gift.id, ref_id: giftC1, grant: 'customer', granted_at: '2026-06-01T11:00:00.000Z', statistics: { usage: 1, stamp: 0, amount: 5_000, bonus: 0, debit_balance: 0 }, stamps: [] },
      ].sort((a, b) => (a.ref_id < b.ref_id ? -1 : 1)),
      bonus: { earned: 400, spent: 0, balance: 400 },
    });
    // The points rule reaches the document once the customer uses it, with the balance on it.
    await record(s, await price(s, receiptBody({ receipt_id: 'L3', customer_id: 'c1', discount_code: ['POINTS'], purchase_at: '2026-06-01T12:30:00.000Z' })));
    const spent = (await pull(used.checkpoint)).documents.find((d) => d.id === 'c1');
    expect(spent?.refs.find((r) => r.discount_id === points.id)?.statistics).toEqual({ usage: 1, stamp: 0, amount: 400, bonus: 0, debit_balance: 400 });
    expect(spent?.bonus).toEqual({ earned: 400 + 400, spent: 400, balance: 400 });
  });

  it('a batch leaves the same totals, stamp card and usages as its receipts sent one by one, returns and voids included', async () => {
    /** Two accounts with the same rules: a 5-stamp coffee card and a bonus rule, both for `*`. */
    const setUp = async () => {
      const s = await store();
      const card = await stampCard(s);
      const bonus = await bonusRule(s);
      await grant(s, card.id, ['*']);
      await grant(s, bonus.id, ['*']);
      return { s, card, bonus, cardRef: await refOf(s, card.id, '*'), bonusRef: await refOf(s, bonus.id, '*') };
    };
    const one = await setUp();
    const all = await setUp();
    /** What the till says each receipt gave (or, negative, gave back): stamps, card rewards, bonus. */
    const receiptsOf = (x: typeof one) => {
      const r = (id: string, at: string, stamp: number, usage: number, bonus: number) => ReceiptSchema.parse(receiptBody({
        receipt_id: id, customer_id: 'c1', purchase_at: at,
        discounts: [{ id: x.card.id, refs: [{ id: x.cardRef, stamp, usage, amount: 0, bonus: 0 }] }, { id: x.bonus.id, refs: [{ id: x.bonusRef, stamp: 0, usage: 1, amount: 0, bonus }] }],
      }));
      // In receiptKey order (store, receipt id, time): the order a batch records them in.
      return [
        r('P1', '2026-06-01T08:00:00.000Z', 2, 0, 100),
        r('P2', '2026-06-01T08:10:00.000Z', 2, 0, 100),
        r('P3', '2026-06-01T08:20:00.000Z', 2, 1, 100),
        r('P4', '2026-06-01T08:30:00.000Z', 3, 0, 100),
        // A return giving back more than is left: cut to what the card and the bonus hold.
        r('R1', '2026-06-01T08:40:00.000Z', -5, 0, -1_000),
      ];
    };
    const inOne = (s: Store, changes: Parameters<DiscountService['inTransaction']['receiptsRecorded']>[2]) =>
      h.db.kysely.transaction().execute(async (trx) => (await inProcess.inTransaction.receiptsRecorded(trx, actor(s), changes))());

    const single = receiptsOf(one);
    for (const receipt of single) await inOne(one.s, [{ receipt }]);
    await inOne(one.s, [{ receipt: single[1] ?? single[0] ?? ReceiptSchema.parse(receiptBody()), voided: true }]);
    const batch = receiptsOf(all);
    const [p1, p2, p3, p4, r1] = batch;
    if (p1 === undefined || p2 === undefined || p3 === undefined || p4 === undefined || r1 === undefined) throw new Error('five receipts');
    await inOne(all.s, [{ receipt: r1 }, { receipt: p3 }, { receipt: p1 }, { receipt: p4 }, { receipt: p2 }]);
    // The void in a batch of its own (in one batch with its sale, the sale would record nothing), with a replay.
    await inOne(all.s, [{ receipt: p1 }, { receipt: p2, voided: true }]);

    const picture = async (x: typeof one) => ({
      card: await stats(x.s, 'c1', x.cardRef),
      bonus: await stats(x.s, 'c1', x.bonusRef),
      rules: [ok<{ statistics: unknown }>(await x.s.call('GET', `/discounts/rules/${x.card.id}`)).statistics, ok<{ statistics: unknown }>(await x.s.call('GET', `/discounts/rules/${x.bonus.id}`)).statistics],
      usages: [
        ...ok<Usage[]>(await x.s.call('GET', `/discounts/rules/${x.card.id}/usages`)),
        ...ok<Usage[]>(await x.s.call('GET', `/discounts/rules/${x.bonus.id}/usages`)),
      ].map((u) => u.usage_refs.map((e) => [e.ref, e.ref_type, e.usage, e.stamp, e.bonus])),
    });
    const expected = await picture(one);
    // P2 voided: its two stamps leave the card as if never earned; the return took what was left.
    expect(expected.card).toMatchObject({ stamp: 2, usage: 1 });
    expect(await picture(all)).toEqual(expected);
  });

  it('claims tell the webhooks per customer and rule; anonymous sales and replays do not', async () => {
    const s = await store();
    const r = await createRule(s);
    await grant(s, r.id, ['c1', '/']);
    const own = await refOf(s, r.id, 'c1');
    const claim = ok<{ id: string }>(await s.call('POST', '/discounts/available_for_receipt/claims', { ref: 'c-1', purchase_at: NOW, customer_id: 'c1', discounts: [{ id: r.id, refs: [{ id: own, amount: 700 }] }] }));
    ok(await s.call('POST', '/discounts/available_for_receipt/claims', { ref: 'c-1', purchase_at: NOW, customer_id: 'c1', discounts: [{ id: r.id, refs: [{ id: own, amount: 700 }] }] }));
    await record(s, await price(s, receiptBody({ receipt_id: 'anon' })));
    ok(await s.call('DELETE', `/discounts/available_for_receipt/claims/${claim.id}`));
    ok(await s.call('DELETE', `/discounts/available_for_receipt/claims/${claim.id}`));
    const updates = await customerUpdates(s);
    expect(updates.map((u) => [u.customer_id, u.discount.id, u.statistics.usage, u.statistics.amount])).toEqual([['c1', r.id, 1, 700], ['c1', r.id, 0, 0]]);
    expect(updates[0]?.discount).toMatchObject({ id: r.id, name: '10 % off', reward: { type: 'discount_percent', value: 10 } });
  });
});
