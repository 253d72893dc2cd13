/**
 * Receipts service over HTTP on real databases (contract §4): batch storing and its dedupe, bad
 * input, a customer's receipts and their paging, search, PUT on anonymous receipts,
 * change_customer_id, receipt tokens, customer segments, voids, scopes and the webhook outbox.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { expectError, NOW, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import {
  json,
  outbox,
  post,
  receipt,
  receiptStore,
  storedCount,
  type Created,
  type MinimalReceipt,
  type Page,
  type StoredReceipt,
} from '../support/receipts.ts';

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(dbTargets())('receipts on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => receiptStore(h);
  const get = async <T>(s: Store, path: string, token?: string): Promise<T> => json<T>(await s.call('GET', path, undefined, token === undefined ? {} : { token }));

  describe('POST /receipts', () => {
    it('stores a batch (200): entities with the identity in request order, the full receipt readable after', async () => {
      const s = await store();
      const a = receipt('r-1', { customer_id: 'c1', entry_status: 'Posted', extra_info: [{ key: 'till', value: 'T1', value_type: 'string' }] });
      const b = receipt('r-2', { customer_id: 'c1', purchase_at: '2026-06-01T11:30:00+02:00' });
      const created = await post(s, [a, b]);
      expect(created).toEqual({
        duplicates: 0,
        receipts: [
          { id: expect.stringMatching(UUID7), created_at: NOW, created_by: s.clientId, updated_at: NOW, receipt_id: 'r-1', store: { id: 'store-1' }, purchase_at: '2026-06-01T09:30:00.000Z' },
          { id: expect.stringMatching(UUID7), created_at: NOW, created_by: s.clientId, updated_at: NOW, receipt_id: 'r-2', store: { id: 'store-1' }, purchase_at: '2026-06-01T11:30:00+02:00' },
        ],
      });
      const [first] = created.receipts;
      const full = await get<StoredReceipt>(s, `/receipts/customers/c1/${first?.id ?? ''}`);
      // Everything the POS sent comes back, unknown fields included, with the Entity fields.
      expect(full).toEqual({ id: first?.id, created_at: NOW, created_by: s.clientId, updated_at: NOW, ...a });
    });

    it('a client cannot set the Entity fields; a receipt without receipt_id gets its server id', async () => {
      const s = await store();
      const created = await post(s, [{ ...receipt('r-1'), id: 'mine', created_at: '2020-01-01T00:00:00Z', created_by: 'me' }, { ...receipt('x'), receipt_id: undefined }]);
      const [one, two] = created.receipts;
      expect(one?.id).toMatch(UUID7);
      expect(one?.created_by).toBe(s.clientId);
      expect(two?.receipt_id).toBe(two?.id);
      const found = await get<Page<StoredReceipt>>(s, `/receipts/search?receipt_id=${two?.id ?? ''}`);
      expect(found.receipts.map((r) => r.id)).toEqual([two?.id]);
    });

    it('the same receipt again is a duplicate: counted, not stored, not changed — also with another offset or other content', async () => {
      const s = await store();
      const first = await post(s, [receipt('r-1', { customer_id: 'c1', gross_amount: 1000 })]);
      const again = await post(s, [receipt('r-1', { customer_id: 'c1', gross_amount: 1000 })]);
      expect(again).toEqual({ receipts: [], duplicates: 1 });
      // Same moment written with an offset, different content: still the same receipt.
      const other = await post(s, [receipt('r-1', { customer_id: 'c1', gross_amount: 9999, purchase_at: '2026-06-01T11:30:00.000+02:00' }), receipt('r-2', { customer_id: 'c1' })]);
      expect(other.duplicates).toBe(1);
      expect(other.receipts.map((r) => r.receipt_id)).toEqual(['r-2']);
      // The same receipt id in another store, or at another time, is another receipt.
      const distinct = await post(s, [receipt('r-1', { store: { id: 'store-2' } }), receipt('r-1', { purchase_at: '2026-06-01T09:30:01.000Z' })]);
      expect(distinct.duplicates).toBe(0);
      const stored = await get<StoredReceipt>(s, `/receipts/customers/c1/${first.receipts[0]?.id ?? ''}`);
      expect(stored.gross_amount).toBe(1000);
      expect(await storedCount(h, s.aid)).toBe(4);
      // A duplicate inside one batch counts too.
      expect(await post(s, [receipt('r-9'), receipt('r-9')])).toMatchObject({ duplicates: 1, receipts: [{ receipt_id: 'r-9' }] });
    });

    it('ten identical batches at once store one receipt; out of order (B, A, B, A) stores each once', async () => {
      const s = await store();
      const results = await Promise.all(Array.from({ length: 10 }, () => s.call('POST', '/receipts', [receipt('same', { customer_id: 'c1' })])));
      const bodies = results.map((r) => json<Created>(r));
      expect(bodies.reduce((n, b) => n + b.receipts.length, 0)).toBe(1);
      expect(bodies.reduce((n, b) => n + b.duplicates, 0)).toBe(9);

      const A = receipt('A', { customer_id: 'c1' });
      const B = receipt('B', { customer_id: 'c1' });
      const order = [[B], [A], [B], [A], [B, A]];
      const answers: Created[] = [];
      for (const batch of order) answers.push(await post(s, batch));
      expect(answers.map((a) => [a.receipts.map((r) => r.receipt_id), a.duplicates])).toEqual([[['B'], 0], [['A'], 0], [[], 1], [[], 1], [[], 2]]);
      expect(await storedCount(h, s.aid)).toBe(3);
      const events = await outbox(h, s.aid);
      expect(events.filter((e) => e.event === 'receipt_add').map((e) => e.receipt_id).sort()).toEqual(['A', 'B', 'same']);
    });

    it('refuses a bad receipt with 400 naming its index, and stores nothing of the batch', async () => {
      const s = await store();
      const good = receipt('ok-1');
      const cases: Array<[unknown, RegExp]> = [
        [[good, receipt('bad', { purchase_at: 'yesterday' })], /1\.purchase_at/],
        [[good, good, { receipt_id: 'no-store', purchase_at: NOW }], /2\.store/],
        [[good, receipt('bad', { items: [{ id: 'x', gross_amount: 1.5 }] })], /1\.items\.0\.gross_amount/],
        [[good, receipt('bad', { entry_status: 'Deleted' })], /1\.entry_status/],
        [[good, receipt('bad', { extra_info: [{ key: 'dintero.receipt.token.value', value: 'forged' }] })], /receipts\[1\]/],
      ];
      for (const [body, where] of cases) {
        const error = expectError(await s.call('POST', '/receipts', body), 400);
        expect(error.message).toMatch(where);
      }
      expectError(await s.call('POST', '/receipts', []), 400);
      expectError(await s.call('POST', '/receipts', good), 400);
      expectError(await s.call('POST', '/receipts', Array.from({ length: 1001 }, (_, i) => receipt(`n-${i}`, {}, 1))), 400);
      expectError(await s.call('POST', '/receipts?token_expire_days=0', [good]), 400);
      expect(await storedCount(h, s.aid)).toBe(0);
      expect(await outbox(h, s.aid)).toEqual([]);
      // The batch limit itself is accepted (training receipts: no loyalty work, a quicker test).
      expect((await post(s, Array.from({ length: 1000 }, (_, i) => receipt(`n-${i}`, { entry_status: 'Training' }, 1)))).receipts).toHaveLength(1000);
    });
  });

  describe('reading', () => {
    it("lists a customer's receipts newest purchase first, in pages of the wrapper shape", async () => {
      const s = await store();
      const at = (h_: number): string => `2026-06-01T${String(h_).padStart(2, '0')}:00:00.000Z`;
      await post(s, [1, 5, 3, 4, 2].map((n) => receipt(`r-${n}`, { customer_id: 'c1' }, 1, at(n))));
      await post(s, [receipt('other', { customer_id: 'c2' }), receipt('anon')]);
      const page1 = await get<Page<MinimalReceipt>>(s, '/receipts/customers/c1?limit=2');
      expect(page1.receipts.map((r) => r.receipt_id)).toEqual(['r-5', 'r-4']);
      expect(page1.starting_after).toBe(page1.receipts[1]?.id);
      // ReceiptMinimal: Entity + store, items, amounts, currency, purchase_at (+ receipt_id).
      expect(Object.keys(page1.receipts[0] ?? {}).sort()).toEqual(['created_at', 'created_by', 'currency', 'gross_amount', 'id', 'items', 'net_amount', 'purchase_at', 'receipt_id', 'store', 'updated_at']);
      const page2 = await get<Page<MinimalReceipt>>(s, `/receipts/customers/c1?limit=2&starting_after=${page1.starting_after ?? ''}`);
      expect(page2.receipts.map((r) => r.receipt_id)).toEqual(['r-3', 'r-2']);
      const page3 = await get<Page<MinimalReceipt>>(s, `/receipts/customers/c1?limit=2&starting_after=${page2.starting_after ?? ''}`);
      expect(page3).toEqual({ receipts: [expect.objectContaining({ receipt_id: 'r-1' })] });
      expect((await get<Page<MinimalReceipt>>(s, '/receipts/customers/nobody')).receipts).toEqual([]);
      expectError(await s.call('GET', '/receipts/customers/c1?starting_after=not-a-receipt'), 400, 'RECEIPT_CURSOR_INVALID');
      expectError(await s.call('GET', '/receipts/customers/c1?limit=101'), 400);
    });

    it("reads one of a customer's receipts by server id or by a unique POS receipt_id; never another customer's", async () => {
      const s = await store();
      const created = await post(s, [
        receipt('p-1', { customer_id: 'c1' }),
        receipt('twice', { customer_id: 'c1' }),
        receipt('twice', { customer_id: 'c1', store: { id: 'store-2' } }),
        receipt('p-2', { customer_id: 'c2' }),
      ]);
      const [p1, , , p2] = created.receipts;
      expect((await get<StoredReceipt>(s, `/receipts/customers/c1/${p1?.id ?? ''}`)).receipt_id).toBe('p-1');
      expect((await get<StoredReceipt>(s, '/receipts/customers/c1/p-1')).id).toBe(p1?.id);
      expectError(await s.call('GET', '/receipts/customers/c1/twice'), 409, 'RECEIPT_ID_AMBIGUOUS');
      expectError(await s.call('GET', `/receipts/customers/c1/${p2?.id ?? ''}`), 404, 'RECEIPT_NOT_FOUND');
      expectError(await s.call('GET', '/receipts/customers/c1/p-2'), 404, 'RECEIPT_NOT_FOUND');
    });

    it('searches by POS receipt_id across stores, in storing order, paged', async () => {
      const s = await store();
      await post(s, ['s1', 's2', 's3'].map((st) => receipt('dup', { store: { id: st } })));
      await post(s, [receipt('other')]);
      const page1 = await get<Page<StoredReceipt>>(s, '/receipts/search?receipt_id=dup&limit=2');
      expect(page1.receipts.map((r) => r.store.id)).toEqual(['s1', 's2']);
      expect(page1.receipts[0]?.items).toHaveLength(2);
      const page2 = await get<Page<StoredReceipt>>(s, `/receipts/search?receipt_id=dup&limit=2&starting_after=${page1.starting_after ?? ''}`);
      expect(page2).toEqual({ receipts: [expect.objectContaining({ receipt_id: 'dup', store: { id: 's3' } })] });
      expectError(await s.call('GET', '/receipts/search'), 400);
    });
  });

  describe('changing receipts', () => {
    it('PUT /receipts/all gives an anonymous receipt its customer once; refuses receipts that have one', async () => {
      const s = await store();
      const created = await post(s, [receipt('anon-1'), receipt('known', { customer_id: 'c9' })]);
      const [anon, known] = created.receipts;
      clock.advance(60_000);
      const later = new Date(Date.parse(NOW) + 60_000).toISOString();
      const updated = json<StoredReceipt>(await s.call('PUT', `/receipts/all/${anon?.id ?? ''}`, { customer_id: 'c1' }));
      expect(updated).toMatchObject({ id: anon?.id, customer_id: 'c1', updated_at: later, created_at: NOW, receipt_id: 'anon-1' });
      expect((await get<Page<MinimalReceipt>>(s, '/receipts/customers/c1')).receipts.map((r) => r.id)).toEqual([anon?.id]);
      expectError(await s.call('PUT', `/receipts/all/${anon?.id ?? ''}`, { customer_id: 'c2' }), 400, 'RECEIPT_NOT_ANONYMOUS');
      expectError(await s.call('PUT', `/receipts/all/${known?.id ?? ''}`, { customer_id: 'c2' }), 400, 'RECEIPT_NOT_ANONYMOUS');
      expectError(await s.call('PUT', '/receipts/all/no-such', { customer_id: 'c2' }), 404, 'RECEIPT_NOT_FOUND');
      expectError(await s.call('PUT', `/receipts/all/${anon?.id ?? ''}`, { customer: 'c2' }), 400);
      // By POS receipt id, when it names one receipt; read:receipts may do it (the contract says so).
      await post(s, [receipt('anon-2')]);
      const reader = await s.tokenFor(['read:receipts']);
      expect(json<StoredReceipt>(await s.call('PUT', '/receipts/all/anon-2', { customer_id: 'c3' }, { token: reader })).customer_id).toBe('c3');
      const writer = await s.tokenFor(['write:receipts']);
      expectError(await s.call('PUT', '/receipts/all/anon-2', { customer_id: 'c3' }, { token: writer }), 403, 'AUTH_SCOPE_MISSING');
      const events = (await outbox(h, s.aid)).filter((e) => e.event === 'receipt_update');
      expect(events.map((e) => [e.receipt_id, e.receipt.customer_id])).toEqual([['anon-1', 'c1'], ['anon-2', 'c3']]);
    });

    it('change_customer_id moves a receipt and records who moved it from whom', async () => {
      const s = await store();
      const [r] = (await post(s, [receipt('m-1', { customer_id: 'old' })])).receipts;
      const moved = json<StoredReceipt>(await s.call('POST', `/receipts/customers/old/${r?.id ?? ''}/change_customer_id`, { customer_id: 'new' }));
      expect(moved.customer_id).toBe('new');
      const entry = moved.extra_info?.find((x) => x.key.startsWith('dintero.receipts.change_customer_id.'));
      expect(entry?.key).toMatch(/^dintero\.receipts\.change_customer_id\.\d{13}\.[0-9a-f]{16}$/);
      expect(JSON.parse(entry?.value ?? '{}')).toEqual({ created_at: NOW, created_by: s.clientId, old: 'old', new: 'new' });
      expectError(await s.call('GET', `/receipts/customers/old/${r?.id ?? ''}`), 404);
      expect((await get<StoredReceipt>(s, `/receipts/customers/new/${r?.id ?? ''}`)).customer_id).toBe('new');
      expectError(await s.call('POST', `/receipts/customers/old/${r?.id ?? ''}/change_customer_id`, { customer_id: 'x' }), 404);
      expectError(await s.call('POST', `/receipts/customers/new/${r?.id ?? ''}/change_customer_id`, { customer_id: 'new' }), 400, 'RECEIPT_CUSTOMER_UNCHANGED');
      const reader = await s.tokenFor(['read:receipts', 'write:receipts']);
      expectError(await s.call('POST', `/receipts/customers/new/${r?.id ?? ''}/change_customer_id`, { customer_id: 'x' }, { token: reader }), 403);
      expect((await outbox(h, s.aid)).map((e) => [e.event, e.receipt.customer_id])).toEqual([['receipt_add', 'old'], ['receipt_update', 'new']]);
    });
  });

  describe('receipt tokens', () => {
    it('issues a token per receipt; the customer reads the receipt with it and claims it once', async () => {
      const s = await store();
      const created = await post(s, [receipt('t-1'), receipt('t-2')], '?token_expire_days=30');
      const [one, two] = created.receipts;
      const info = (r: typeof one, key: string): string => r?.extra_info?.find((x) => x.key === key)?.value ?? '';
      const token = info(one, 'dintero.receipt.token.value');
      expect(token.split('.')).toHaveLength(3);
      expect(info(one, 'dintero.receipt.token.expires_at')).toBe('2026-07-01T10:00:00.000Z');
      expect(info(one, 'dintero.receipt.token.url')).toBe(`http://pos.test/v1/accounts/${s.aid}/receipts/receipt-token?token=${token}`);
      expect(info(two, 'dintero.receipt.token.value')).not.toBe(token);

      const shop = await s.tokenFor(['public:receipts']);
      const seen = await get<StoredReceipt>(s, `/receipts/receipt-token?token=${token}`, shop);
      expect(seen).toMatchObject({ id: one?.id, receipt_id: 't-1' });
      expect(seen.extra_info?.map((x) => x.key)).toEqual(['dintero.receipt.token.value', 'dintero.receipt.token.expires_at', 'dintero.receipt.token.url']);
      // public:receipts may look, not claim.
      expectError(await s.call('POST', `/receipts/receipt-token?token=${token}`, { customer_id: 'c1' }, { token: shop }), 403);
      const app = await s.tokenFor(['write:receipts']);
      const claimed = json<StoredReceipt>(await s.call('POST', `/receipts/receipt-token?token=${token}`, { customer_id: 'c1' }, { token: app }));
      expect(claimed).toMatchObject({ id: one?.id, customer_id: 'c1' });
      expect((await get<Page<MinimalReceipt>>(s, '/receipts/customers/c1')).receipts.map((r) => r.id)).toEqual([one?.id]);
      // Spent: neither a second claim nor a look works.
      expectError(await s.call('POST', `/receipts/receipt-token?token=${token}`, { customer_id: 'c2' }, { token: app }), 409, 'RECEIPT_TOKEN_SPENT');
      expectError(await s.call('GET', `/receipts/receipt-token?token=${token}`, undefined, { token: shop }), 409, 'RECEIPT_TOKEN_SPENT');
      expect((await outbox(h, s.aid)).filter((e) => e.event === 'receipt_update').map((e) => [e.id, e.receipt.customer_id])).toEqual([[one?.id, 'c1']]);
    });

    it('refuses tampered, foreign and expired tokens, and claims for a receipt of another customer', async () => {
      const s = await store();
      const other = await receiptStore(h);
      const token = (r: Created['receipts'][number] | undefined): string => r?.extra_info?.find((x) => x.key === 'dintero.receipt.token.value')?.value ?? '';
      const [mine, owned] = (await post(s, [receipt('t-1'), receipt('t-2', { customer_id: 'c1' })], '?token_expire_days=1')).receipts;
      const [foreign] = (await post(other, [receipt('t-1')], '?token_expire_days=1')).receipts;
      const t = token(mine);
      const tampered = `${t.slice(0, -2)}${t.endsWith('AA') ? 'BB' : 'AA'}`;
      expectError(await s.call('GET', `/receipts/receipt-token?token=${tampered}`), 400, 'RECEIPT_TOKEN_INVALID');
      expectError(await s.call('GET', `/receipts/receipt-token?token=${token(foreign)}`), 400, 'RECEIPT_TOKEN_INVALID');
      expectError(await s.call('GET', '/receipts/receipt-token?token=abc'), 400, 'RECEIPT_TOKEN_INVALID');
      // An access token is not a receipt token.
      expectError(await s.call('GET', `/receipts/receipt-token?token=${s.token}`), 400, 'RECEIPT_TOKEN_INVALID');
      expectError(await s.call('POST', `/receipts/receipt-token?token=${token(owned)}`, { customer_id: 'c2' }), 409, 'RECEIPT_HAS_CUSTOMER');
      clock.advance(86_400_000 + 1000);
      const fresh = await s.tokenFor(['admin:receipts']);
      expectError(await s.call('GET', `/receipts/receipt-token?token=${t}`, undefined, { token: fresh }), 400, 'RECEIPT_TOKEN_EXPIRED');
      expectError(await s.call('POST', `/receipts/receipt-token?token=${t}`, { customer_id: 'c1' }, { token: fresh }), 400, 'RECEIPT_TOKEN_EXPIRED');
      // Nothing was claimed.
      expect((await get<Page<MinimalReceipt>>(s, '/receipts/customers/c2', fresh)).receipts).toEqual([]);
      expect((await get<StoredReceipt>(s, `/receipts/customers/c1/${owned?.id ?? ''}`, fresh)).customer_id).toBe('c1');
    });
  });

  describe('segments and voids', () => {
    it('counts purchases per customer matching the window, stores and items', async () => {
      const s = await store();
      await post(s, [
        receipt('1', { customer_id: 'c1' }, 1, '2026-05-01T10:00:00Z'),
        receipt('2', { customer_id: 'c1' }, 2, '2026-05-02T10:00:00Z'),
        receipt('3', { customer_id: 'c2', store: { id: 'store-2' } }, 2, '2026-05-03T10:00:00Z'),
        receipt('4', { customer_id: 'c3' }, 1, '2026-04-01T10:00:00Z'),
        receipt('5', { customer_id: 'c3', entry_status: 'Training' }, 2, '2026-05-03T10:00:00Z'),
        receipt('6', {}, 2, '2026-05-03T10:00:00Z'),
      ]);
      const segment = async (body: unknown): Promise<Array<[string, number]>> =>
        json<{ customers: Array<{ customer_id: string; purchases: number }> }>(await s.call('POST', '/receipts/customer_segment', body)).customers.map((c) => [c.customer_id, c.purchases]);
      expect(await segment({})).toEqual([['c1', 2], ['c2', 1], ['c3', 1]]);
      expect(await segment({ purchase_from: '2026-05-01T00:00:00Z', purchase_to: '2026-05-02T23:59:59+02:00' })).toEqual([['c1', 2]]);
      expect(await segment({ store_ids: ['store-2'] })).toEqual([['c2', 1]]);
      expect(await segment({ items: [{ id: 'item-1' }] })).toEqual([['c1', 1], ['c2', 1]]);
      expect(await segment({ items: [{ group: 'drinks' }] })).toEqual([['c1', 2], ['c2', 1], ['c3', 1]]);
      expect(await segment({ items: [{ id: 'coffee', group: 'food' }] })).toEqual([]);
      expectError(await s.call('POST', '/receipts/customer_segment', { purchase_from: 'soon' }), 400);
    });

    it('counts every purchase of a large account (the scan goes page by page)', async () => {
      const s = await store();
      const at = (i: number): string => new Date(Date.parse('2026-05-01T00:00:00Z') + i * 60_000).toISOString();
      // 560 receipts: a page of 500 ends inside the last customer's purchases.
      await post(s, Array.from({ length: 560 }, (_, i) => receipt(`big-${i}`, { customer_id: `c${i % 7}` }, 1, at(i))));
      const { customers } = json<{ customers: Array<{ customer_id: string; purchases: number }> }>(await s.call('POST', '/receipts/customer_segment', {}));
      expect(customers).toEqual(Array.from({ length: 7 }, (_, c) => ({ customer_id: `c${c}`, purchases: 80 })));
    });

    it('a void is a record of its own that marks its sale, in either order; voided sales leave the segment', async () => {
      const s = await store();
      const [sale] = (await post(s, [receipt('v-1', { customer_id: 'c1' })])).receipts;
      clock.advance(1000);
      const voided = await post(s, [receipt('v-1', { customer_id: 'c1', entry_status: 'Voided' })]);
      expect(voided.duplicates).toBe(0);
      const [voidRecord] = voided.receipts;
      const marked = await get<StoredReceipt>(s, `/receipts/customers/c1/${sale?.id ?? ''}`);
      expect(marked.extra_info).toEqual([{ key: 'pos.receipt.voided_by', value: voidRecord?.id, value_type: 'string' }]);
      expect(marked.updated_at).toBe(new Date(Date.parse(NOW) + 1000).toISOString());
      // The void again is a duplicate; the POS id now names the sale only.
      expect((await post(s, [receipt('v-1', { customer_id: 'c1', entry_status: 'Voided' })])).duplicates).toBe(1);
      expect((await get<StoredReceipt>(s, '/receipts/customers/c1/v-1')).id).toBe(sale?.id);
      // (Events written in one transaction carry no order among themselves.)
      expect((await outbox(h, s.aid)).map((e) => `${e.event} ${e.id}`).sort()).toEqual([`receipt_add ${sale?.id ?? ''}`, `receipt_add ${voidRecord?.id ?? ''}`, `receipt_update ${sale?.id ?? ''}`].sort());

      // The void first: the sale arrives marked.
      const [lateVoid] = (await post(s, [receipt('v-2', { customer_id: 'c1', entry_status: 'Voided' })])).receipts;
      const [lateSale] = (await post(s, [receipt('v-2', { customer_id: 'c1' })])).receipts;
      expect((await get<StoredReceipt>(s, `/receipts/customers/c1/${lateSale?.id ?? ''}`)).extra_info).toEqual([{ key: 'pos.receipt.voided_by', value: lateVoid?.id, value_type: 'string' }]);
      // Both in one batch.
      const both = await post(s, [receipt('v-3', { customer_id: 'c1' }), receipt('v-3', { customer_id: 'c1', entry_status: 'Voided' })]);
      expect((await get<StoredReceipt>(s, `/receipts/customers/c1/${both.receipts[0]?.id ?? ''}`)).extra_info).toEqual([{ key: 'pos.receipt.voided_by', value: both.receipts[1]?.id, value_type: 'string' }]);
      await post(s, [receipt('kept', { customer_id: 'c1' })]);
      const seg = json<{ customers: unknown[] }>(await s.call('POST', '/receipts/customer_segment', {}));
      expect(seg.customers).toEqual([{ customer_id: 'c1', purchases: 1 }]);
    });
  });

  describe('scopes', () => {
    it('every route answers 403 without a receipts scope; user:receipts alone reaches no customer yet', async () => {
      const s = await store();
      const [r] = (await post(s, [receipt('s-1', { customer_id: 'c1' })], '?token_expire_days=1')).receipts;
      const rid = r?.id ?? '';
      const token = r?.extra_info?.find((x) => x.key === 'dintero.receipt.token.value')?.value ?? '';
      const none = await s.tokenFor(['read:discounts']);
      const user = await s.tokenFor(['user:receipts']);
      const calls: Array<['GET' | 'POST' | 'PUT', string, unknown]> = [
        ['POST', '/receipts', [receipt('s-2')]],
        ['PUT', `/receipts/all/${rid}`, { customer_id: 'c1' }],
        ['POST', '/receipts/customer_segment', {}],
        ['GET', '/receipts/customers/c1', undefined],
        ['GET', `/receipts/customers/c1/${rid}`, undefined],
        ['POST', `/receipts/customers/c1/${rid}/change_customer_id`, { customer_id: 'c2' }],
        ['GET', `/receipts/receipt-token?token=${token}`, undefined],
        ['POST', `/receipts/receipt-token?token=${token}`, { customer_id: 'c1' }],
        ['GET', '/receipts/search?receipt_id=s-1', undefined],
      ];
      for (const [method, path, body] of calls) expectError(await s.call(method, path, body, { token: none }), 403);
      expectError(await s.call('GET', '/receipts/customers/c1', undefined, { token: user }), 403, 'RECEIPTS_OTHER_CUSTOMER');
      expectError(await s.call('GET', `/receipts/customers/c1/${rid}`, undefined, { token: user }), 403, 'RECEIPTS_OTHER_CUSTOMER');
      expectError(await s.call('POST', `/receipts/receipt-token?token=${token}`, { customer_id: 'c1' }, { token: user }), 403, 'RECEIPTS_OTHER_CUSTOMER');
      expect(json<StoredReceipt>(await s.call('GET', `/receipts/receipt-token?token=${token}`, undefined, { token: user })).id).toBe(rid);
      const reader = await s.tokenFor(['read:receipts']);
      expectError(await s.call('POST', '/receipts', [receipt('s-3')], { token: reader }), 403);
      expect(json<Page<MinimalReceipt>>(await s.call('GET', '/receipts/customers/c1', undefined, { token: reader })).receipts).toHaveLength(1);
      const writer = await s.tokenFor(['write:receipts']);
      expect((await post({ ...s, call: (m, p, b) => s.call(m, p, b, { token: writer }) }, [receipt('s-4')])).receipts).toHaveLength(1);
      expectError(await s.call('GET', '/receipts/search?receipt_id=s-1', undefined, { token: writer }), 403);
      // Another account's token never reaches this account's receipts.
      const other = await receiptStore(h);
      expectError(await h.call('GET', `/v1/accounts/${s.aid}/receipts/customers/c1`, { token: other.token }), 403, 'AUTH_ACCOUNT_MISMATCH');
    });
  });
});
