/**
 * Discounts service over HTTP on real databases: rules, campaigns, grants, customer refs,
 * public rules, usages, claims, events and scopes (contract §3).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import {
  createRule,
  expectError,
  FROM,
  grant,
  newStore,
  NOW,
  ok,
  receiptBody,
  refOf,
  refsOf,
  ruleBody,
  rulesCount,
  sendEvent,
  TO,
  type CustomerRule,
  type Rule,
  type Store,
  type Usage,
} from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

interface Campaign { id: string; campaign_id: string; name: string; description?: string; private: boolean; metadata?: Record<string, unknown>; deleted_at?: string; created_by: string }
interface Claim { id: string; ref?: string; type?: string; purchase_at: string; customer_id: string; discounts: Array<{ id: string; refs: Array<{ id: string; amount: number; usage: number }> }>; deleted_at?: string; deleted_by?: string; created_by: string }

const ZERO = { stamp: 0, usage: 0, used: 0, amount: 0, bonus: 0, debit_balance: 0 };

describe.each(dbTargets())('discounts on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => newStore(h, '2');

  describe('rules', () => {
    it('creates a rule (200) with its type derived, reads it with statistics, lists it', async () => {
      const s = await store();
      const body = ruleBody({ metadata: { label: 'Spring' }, limitation: { discount_repeat_usage: 3 } }, { item: { items: [{ id: 'coffee' }] } });
      const res = await s.call('POST', '/discounts/rules', body);
      expect(res.statusCode, res.body).toBe(200);
      const created = res.json<Rule>();
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        created_at: NOW,
        created_by: s.clientId,
        updated_at: NOW,
        updated_by: s.clientId,
        type: 'item',
        active: true,
        private: false,
        name: '10 % off',
        receipt_text: '10 %',
        requirement: { purchase_from: FROM, purchase_to: TO, item: { items: [{ id: 'coffee' }] } },
        reward: { type: 'discount_percent', value: 10 },
        limitation: { discount_repeat_usage: 3 },
        metadata: { label: 'Spring' },
      });
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${created.id}`))).toEqual({ ...created, statistics: ZERO });
      expect(ok<Rule[]>(await s.call('GET', '/discounts/rules'))).toEqual([created]);
      expect(ok<Rule[]>(await s.call('GET', '/discounts/rules?include[]=statistics'))).toEqual([{ ...created, statistics: ZERO }]);

      const wildcard = await createRule(s, {}, { item: { items: [{ id: '*' }] } });
      expect(wildcard.type).toBe('receipt');
      expect((await createRule(s)).type).toBe('receipt');
      expect((await createRule(s, {}, { item: { items: [{ group_id: 'drinks' }] } })).type).toBe('item');
      // Timestamps are stored in one spelling.
      const offset = await createRule(s, {}, { purchase_from: '2026-01-01T01:00:00+01:00' });
      expect(offset.requirement.purchase_from).toBe(FROM);
      expectError(await s.call('GET', '/discounts/rules/no-such-rule'), 404, 'DISCOUNT_RULE_NOT_FOUND');
    });

    it('pages by id (cursor = last id), filters by state, window, campaign and since_datetime', async () => {
      const s = await store();
      ok(await s.call('POST', '/discounts/campaigns', { campaign_id: 'spring', name: 'Spring' }));
      const a = await createRule(s, { name: 'a', campaign_id: 'spring' });
      await createRule(s, { name: 'b', active: false }, { purchase_from: '2026-03-01T00:00:00.000Z' });
      clock.advance(1000);
      await createRule(s, { name: 'c' }, { purchase_to: '2026-07-01T00:00:00.000Z' });
      const d = await createRule(s, { name: 'd' });
      ok(await s.call('DELETE', `/discounts/rules/${d.id}`));

      const page1 = ok<Rule[]>(await s.call('GET', '/discounts/rules?limit=2'));
      expect(page1.map((r) => r.name)).toEqual(['a', 'b']);
      const page2 = ok<Rule[]>(await s.call('GET', `/discounts/rules?limit=2&starting_after=${page1.at(-1)?.id ?? ''}`));
      expect(page2.map((r) => r.name)).toEqual(['c']);

      const names = async (q: string): Promise<Array<string | undefined>> => ok<Rule[]>(await s.call('GET', `/discounts/rules${q}`)).map((r) => r.name);
      expect(await names('?state=available')).toEqual(['a', 'c']);
      expect(await names('?state=inactive')).toEqual(['b']);
      expect(await names('?state=deleted')).toEqual(['d']);
      expect(await names('?state=all')).toEqual(['a', 'b', 'c', 'd']);
      expect(await names('?purchase_from=2026-02-01T00:00:00Z')).toEqual(['b']);
      expect(await names('?purchase_to=2026-12-01T00:00:00Z')).toEqual(['c']);
      expect(await names('?campaign_id=spring')).toEqual(['a']);
      expect(await names('?campaign_id[]=spring&campaign_id[]=none')).toEqual(['a']);
      expect(await names(`?since_datetime=${encodeURIComponent(new Date(Date.parse(NOW) + 1000).toISOString())}`)).toEqual(['c']);
      expectError(await s.call('GET', `/discounts/rules?since_datetime=${encodeURIComponent(NOW)}&starting_after=${a.id}`), 400, 'DISCOUNT_QUERY_INVALID');
      expectError(await s.call('GET', '/discounts/rules?limit=101'), 400);
      expectError(await s.call('GET', '/discounts/rules?limit=0'), 400);
      expectError(await s.call('GET', '/discounts/rules?state=gone'), 400);
      clock.set(new Date(NOW));
    });

    it('updates partially: purchase_to only later, purchase_from and reward (but base) fixed', async () => {
      const s = await store();
      const r = await createRule(s, { limitation: { discount_repeat_usage: 2 } }, { gross_amount: 1000 });
      clock.advance(60_000);
      const renamed = ok<Rule>(await s.call('PUT', `/discounts/rules/${r.id}`, { name: 'Renamed', requirement: { purchase_to: '2027-06-01T00:00:00Z' }, limitation: { discount_reward_usage: 1 } }));
      expect(renamed).toEqual({
        ...r,
        name: 'Renamed',
        updated_at: new Date(Date.parse(NOW) + 60_000).toISOString(),
        requirement: { ...r.requirement, purchase_to: '2027-06-01T00:00:00.000Z' },
        limitation: { discount_repeat_usage: 2, discount_reward_usage: 1 },
        statistics: ZERO,
      });
      expectError(await s.call('PUT', `/discounts/rules/${r.id}`, { requirement: { purchase_to: '2026-12-01T00:00:00Z' } }), 400, 'DISCOUNT_RULE_INVALID');
      expectError(await s.call('PUT', `/discounts/rules/${r.id}`, { requirement: { purchase_from: FROM } }), 400, 'VALIDATION_ERROR');
      expectError(await s.call('PUT', `/discounts/rules/${r.id}`, { reward: { value: 50 } }), 400, 'VALIDATION_ERROR');
      expect(ok<Rule>(await s.call('PUT', `/discounts/rules/${r.id}`, { reward: { base: 'net' } })).reward).toEqual({ type: 'discount_percent', value: 10, base: 'net' });
      // Items added by PUT change the derived type.
      expect(ok<Rule>(await s.call('PUT', `/discounts/rules/${r.id}`, { requirement: { item: { items: [{ id: 'coffee' }] } } })).type).toBe('item');
      // The merged rule is checked as a whole: a stamp rule needs items, and they are there now.
      expect(ok<Rule>(await s.call('PUT', `/discounts/rules/${r.id}`, { requirement: { stamp: 5 } })).requirement.stamp).toBe(5);

      ok(await s.call('POST', '/discounts/campaigns', { campaign_id: 'c1', name: 'C1' }));
      expect(ok<Rule>(await s.call('PUT', `/discounts/rules/${r.id}`, { campaign_id: 'c1', active: false })).campaign_id).toBe('c1');
      const removed = ok<Rule>(await s.call('PUT', `/discounts/rules/${r.id}`, { campaign_id: null }));
      expect(removed.campaign_id).toBeUndefined();
      expect(removed.active).toBe(false);
      expectError(await s.call('PUT', `/discounts/rules/${r.id}`, { campaign_id: 'nope' }), 400, 'DISCOUNT_RULE_INVALID');
      expectError(await s.call('PUT', '/discounts/rules/missing', { name: 'x' }), 404, 'DISCOUNT_RULE_NOT_FOUND');
      clock.set(new Date(NOW));
    });

    it('deletes softly, with its automations; a deleted rule reads with deleted_at and takes no writes', async () => {
      const s = await store();
      const r = await createRule(s);
      const keep = await createRule(s);
      const auto = (id: string) => ({ requirement: { automation_from: FROM, automation_to: '2026-12-01T00:00:00Z', events: ['receipt_add'] }, actions: [{ type: 'discount', id }] });
      const mine = ok<{ id: string }>(await s.call('POST', '/automations/rules', auto(r.id)));
      const other = ok<{ id: string }>(await s.call('POST', '/automations/rules', auto(keep.id)));
      const deleted = ok<Rule>(await s.call('DELETE', `/discounts/rules/${r.id}`));
      expect(deleted).toMatchObject({ id: r.id, deleted_at: NOW, deleted_by: s.clientId, statistics: ZERO });
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${r.id}`)).deleted_at).toBe(NOW);
      expect(ok<Rule[]>(await s.call('GET', '/discounts/rules')).map((x) => x.id)).toEqual([keep.id]);
      expectError(await s.call('DELETE', `/discounts/rules/${r.id}`), 404);
      expectError(await s.call('PUT', `/discounts/rules/${r.id}`, { name: 'x' }), 404);
      expectError(await s.call('POST', `/discounts/rules/${r.id}/customers`, { customers: ['c1'] }), 404);
      expect(ok<{ deleted_at?: string }>(await s.call('GET', `/automations/rules/${mine.id}`)).deleted_at).toBe(NOW);
      expect(ok<{ deleted_at?: string }>(await s.call('GET', `/automations/rules/${other.id}`)).deleted_at).toBeUndefined();
    });

    describe('refuses bad rules with 400 and stores nothing', async () => {
      const base = ruleBody();
      const bad: Array<[string, Record<string, unknown>, string?]> = [
        ['no body fields', {}],
        ['no requirement', { reward: { type: 'discount_amount', value: 100 } }],
        ['no reward', { requirement: { purchase_from: FROM, purchase_to: TO } }],
        ['unknown reward type', { ...base, reward: { type: 'discount_free_lunch', value: 1 } }],
        ['negative value', { ...base, reward: { type: 'discount_amount', value: -5 } }],
        ['misspelt field', { ...base, limitations: {} }],
        ['purchase_from not a date', { ...base, requirement: { purchase_from: 'soon', purchase_to: TO } }],
        ['impossible window', { ...base, requirement: { purchase_from: TO, purchase_to: FROM } }, 'DISCOUNT_RULE_INVALID'],
        ['empty window', { ...base, requirement: { purchase_from: FROM, purchase_to: FROM } }, 'DISCOUNT_RULE_INVALID'],
        ['visible after the window', { ...base, visible_from: '2028-01-01T00:00:00Z' }, 'DISCOUNT_RULE_INVALID'],
        ['percent over 100', { ...base, reward: { type: 'discount_percent', value: 150 } }, 'DISCOUNT_RULE_INVALID'],
        ['item percent over 100', { ...base, requirement: { ...(base.requirement as object), item: { items: [{ id: 'x' }] } }, reward: { type: 'discount_item_percent', value: 101 } }, 'DISCOUNT_RULE_INVALID'],
        ['fractional amount', { ...base, reward: { type: 'discount_amount', value: 10.5 } }, 'DISCOUNT_RULE_INVALID'],
        ['free quantity 0', { ...base, reward: { type: 'discount_item_quantity', value: 0 } }, 'DISCOUNT_RULE_INVALID'],
        ['free quantity not below item.quantity', { ...base, requirement: { ...(base.requirement as object), item: { quantity: 3, items: [{ id: 'x' }] } }, reward: { type: 'discount_item_quantity', value: 3 } }, 'DISCOUNT_RULE_INVALID'],
        ['mix price without mixes', { ...base, reward: { type: 'discount_mix_new_price', value: 1000 } }, 'DISCOUNT_RULE_INVALID'],
        ['stamp without items', { ...base, requirement: { ...(base.requirement as object), stamp: 5 } }, 'DISCOUNT_RULE_INVALID'],
        ['values without items', { ...base, reward: { type: 'discount_percent', value: 10, values: [{ items: [{ id: 'x' }], value: 20 }] } }, 'DISCOUNT_RULE_INVALID'],
        ['bad time zone', { ...base, limitation: { discount_hours: { timezone: 'Mars/Olympus_Mons', hours: [] } } }, 'DISCOUNT_RULE_INVALID'],
        ['bad time of day', { ...base, limitation: { discount_hours: { hours: [{ day: 'mon', start: '25:00', end: '26:00' }] } } }],
        ['unknown weekday', { ...base, limitation: { discount_hours: { hours: [{ day: 'someday', start: '10:00', end: '12:00' }] } } }],
        ['unknown campaign', { ...base, campaign_id: 'no-such-campaign' }, 'DISCOUNT_RULE_INVALID'],
        ['unknown activation id', { ...base, limitation: { discount_activation: [{ type: 'deactivate_if_discount_active', value: 'no-such-rule' }] } }, 'DISCOUNT_RULE_INVALID'],
        ['unknown activation type', { ...base, limitation: { discount_activation: [{ type: 'sometimes', value: 'x' }] } }],
        ['combination not -1/0', { ...base, limitation: { discount_combination: 5 } }],
        ['item without id or group', { ...base, requirement: { ...(base.requirement as object), item: { items: [{}] } } }],
        ['bare * in a mix', { ...base, requirement: { ...(base.requirement as object), item: { mixes: [{ items: [{ id: '*' }], quantity: 1, reward_eligible: true }] } } }],
        ['bad currency', { ...base, requirement: { ...(base.requirement as object), currencies: ['kroner'] } }],
        ['bad link', { ...base, links: [{ href: 'not a url' }] }],
      ];
      let s: Store;
      let before: number;
      beforeAll(async () => {
        s = await store();
        await createRule(s);
        before = await rulesCount(s);
      });
      it.each(bad)('%s', async (_name, body, code) => {
        const error = expectError(await s.call('POST', '/discounts/rules', body), 400, code);
        expect(error.message).not.toBe('internal server error');
        expect(await rulesCount(s)).toBe(before);
      });
    });
  });

  describe('campaigns', () => {
    it('creates, lists by state, updates, deletes and undeletes with PUT; rules in a deleted campaign stay', async () => {
      const s = await store();
      const spring = ok<Campaign>(await s.call('POST', '/discounts/campaigns', { campaign_id: 'spring', name: 'Spring', metadata: { a: 1 } }));
      expect(spring).toEqual({
        id: expect.any(String), created_at: NOW, created_by: s.clientId, updated_at: NOW, campaign_id: 'spring', name: 'Spring', private: false, metadata: { a: 1 },
      });
      const vip = ok<Campaign>(await s.call('POST', '/discounts/campaigns', { campaign_id: 'vip', name: 'VIP', private: true, description: 'members' }));
      const generated = ok<Campaign>(await s.call('POST', '/discounts/campaigns', { name: 'No key' }));
      expect(generated.campaign_id).toMatch(/^[0-9a-f-]{36}$/);
      expectError(await s.call('POST', '/discounts/campaigns', { campaign_id: 'spring', name: 'Again' }), 409, 'DISCOUNT_CAMPAIGN_EXISTS');
      expectError(await s.call('POST', '/discounts/campaigns', { campaign_id: 'x' }), 400, 'VALIDATION_ERROR');

      const ids = async (q = ''): Promise<string[]> => ok<Campaign[]>(await s.call('GET', `/discounts/campaigns${q}`)).map((c) => c.campaign_id);
      expect((await ids('?limit=100')).sort()).toEqual([generated.campaign_id, 'spring', 'vip'].sort());
      expect(await ids('?state=private')).toEqual(['vip']);
      expect(await ids('?state=public&limit=1')).toHaveLength(1);

      const rule = await createRule(s, { campaign_id: 'spring' });
      expect(ok<Campaign>(await s.call('PUT', '/discounts/campaigns/vip', { name: 'V.I.P.' }))).toMatchObject({ name: 'V.I.P.', description: 'members', private: true });
      const deleted = ok<Campaign>(await s.call('DELETE', '/discounts/campaigns/spring'));
      expect(deleted).toMatchObject({ campaign_id: 'spring', deleted_at: NOW, deleted_by: s.clientId });
      expect(await ids('?state=deleted')).toEqual(['spring']);
      expect(await ids('?limit=100')).not.toContain('spring');
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${rule.id}`))).toMatchObject({ campaign_id: 'spring', active: true });
      expectError(await s.call('POST', '/discounts/rules', ruleBody({ campaign_id: 'spring' })), 400, 'DISCOUNT_RULE_INVALID');
      expectError(await s.call('DELETE', '/discounts/campaigns/spring'), 404);

      const back = ok<Campaign>(await s.call('PUT', '/discounts/campaigns/spring', {}));
      expect(back.deleted_at).toBeUndefined();
      expect(back.id).toBe(spring.id);
      expect(await ids('?limit=100')).toContain('spring');
      expect(ok<Campaign>(await s.call('GET', '/discounts/campaigns/vip')).id).toBe(vip.id);
      expectError(await s.call('GET', '/discounts/campaigns/none'), 404, 'DISCOUNT_CAMPAIGN_NOT_FOUND');
    });
  });

  describe('grants', () => {
    it('gives a rule to customers, * and /; lists refs (customer_id null for wildcards) and takes them back', async () => {
      const s = await store();
      const r = await createRule(s);
      const given = ok<Rule>(await s.call('POST', `/discounts/rules/${r.id}/customers`, { customers: ['c1', 'c2', '*', '/'] }));
      expect(given).toEqual({ ...r, statistics: ZERO });
      let refs = await refsOf(s, r.id);
      expect(refs.map((x) => [x.customer_id, x.grant])).toEqual([['c1', 'customer'], ['c2', 'customer'], [null, 'any_customer'], [null, 'no_customer']]);
      expect(refs[0]).toEqual({ id: expect.any(String), created_at: NOW, created_by: s.clientId, updated_at: NOW, customer_id: 'c1', grant: 'customer' });

      // * and / exist once; a customer gets a new ref each time.
      await grant(s, r.id, ['*', '/', 'c1']);
      refs = await refsOf(s, r.id);
      expect(refs.map((x) => x.customer_id)).toEqual(['c1', 'c2', null, null, 'c1']);
      const page = await refsOf(s, r.id, '?limit=2');
      expect(page).toHaveLength(2);
      expect((await refsOf(s, r.id, `?limit=1000&starting_after=${page[1]?.id ?? ''}`)).map((x) => x.customer_id)).toEqual([null, null, 'c1']);
      expectError(await s.call('GET', `/discounts/rules/${r.id}/customers?limit=1001`), 400);

      // offering_constraint_id: once per customer per value, across requests.
      await grant(s, r.id, ['c3'], 'stamp-2026');
      await grant(s, r.id, ['c3', 'c4'], 'stamp-2026');
      await grant(s, r.id, ['c3'], 'stamp-2027');
      const c3 = (await refsOf(s, r.id, '?limit=1000')).filter((x) => x.customer_id === 'c3');
      expect(c3.map((x) => x.offering_constraint_id)).toEqual(['stamp-2026', 'stamp-2027']);

      ok(await s.call('DELETE', `/discounts/rules/${r.id}/customers`, { customers: ['c1'] }));
      expect((await refsOf(s, r.id, '?limit=1000')).filter((x) => x.customer_id === 'c1')).toEqual([]);
      const gone = await refsOf(s, r.id, '?state=deleted');
      expect(gone.map((x) => [x.customer_id, x.deleted_at])).toEqual([['c1', NOW], ['c1', NOW]]);
      expect(await refsOf(s, r.id, '?state=all&limit=1000')).toHaveLength(8);

      ok(await s.call('DELETE', `/discounts/rules/${r.id}/customers`, { customers: ['*'] }));
      expect((await refsOf(s, r.id)).map((x) => x.grant)).toEqual(['no_customer']);
      ok(await s.call('DELETE', `/discounts/rules/${r.id}/customers`, { customers: ['/'] }));
      expect(await refsOf(s, r.id)).toEqual([]);
      expectError(await s.call('POST', `/discounts/rules/${r.id}/customers`, { customers: [] }), 400);
      expectError(await s.call('POST', '/discounts/rules/nope/customers', { customers: ['c1'] }), 404);

      ok(await s.call('PUT', `/discounts/rules/${r.id}`, { active: false }));
      await grant(s, r.id, ['c9']);
      expect(await refsOf(s, r.id, '?state=available')).toEqual([]);
      expect((await refsOf(s, r.id, '?state=inactive')).map((x) => x.customer_id)).toEqual(['c9']);
    });
  });

  describe('customer refs', () => {
    it("lists a customer's usable rules (own and *), leaving out inactive, deleted, expired, used-up and not-yet-visible ones", async () => {
      const s = await store();
      const own = await createRule(s, { name: 'own' });
      const everyone = await createRule(s, { name: 'everyone' });
      const anonymous = await createRule(s, { name: 'anonymous' });
      const inactive = await createRule(s, { name: 'inactive', active: false });
      const deleted = await createRule(s, { name: 'deleted' });
      const expired = await createRule(s, { name: 'expired' }, { purchase_from: '2025-01-01T00:00:00Z', purchase_to: '2025-12-31T00:00:00Z' });
      const future = await createRule(s, { name: 'future' }, { purchase_from: '2026-09-01T00:00:00Z' });
      const teaser = await createRule(s, { name: 'teaser', visible_from: '2026-05-01T00:00:00Z' }, { purchase_from: '2026-09-01T00:00:00Z' });
      const once = await createRule(s, { name: 'once', limitation: { discount_repeat_usage: 1 } });
      const other = await createRule(s, { name: 'other customer' });
      await grant(s, own.id, ['c1']);
      await grant(s, everyone.id, ['*']);
      await grant(s, anonymous.id, ['/']);
      for (const r of [inactive, deleted, expired, future, teaser, once]) await grant(s, r.id, ['c1']);
      await grant(s, other.id, ['c2']);
      ok(await s.call('DELETE', `/discounts/rules/${deleted.id}`));
      const onceRef = await refOf(s, once.id, 'c1');
      ok(await s.call('POST', `/discounts/customers/c1/refs/${onceRef}`, { usage_ref: { ref: 'manual-1', ref_type: 'manual', usage: 1 } }));

      const list = ok<CustomerRule[]>(await s.call('GET', '/discounts/customers/c1/rules'));
      expect(list.map((r) => r.name)).toEqual(['own', 'everyone', 'teaser']);
      expect(list[0]).toEqual({ ...own, statistics: { ...ZERO, current_stamp: 0 }, ref_id: await refOf(s, own.id, 'c1') });
      expect(list[1]?.ref_id).toBe(await refOf(s, everyone.id, '*'));
      // Cursor = ref_id.
      const first = ok<CustomerRule[]>(await s.call('GET', '/discounts/customers/c1/rules?limit=1'));
      expect(first.map((r) => r.name)).toEqual(['own']);
      const rest = ok<CustomerRule[]>(await s.call('GET', `/discounts/customers/c1/rules?limit=1&starting_after=${first[0]?.ref_id ?? ''}`));
      expect(rest.map((r) => r.name)).toEqual(['everyone']);
      // Anyone with a customer gets the * rules.
      expect(ok<CustomerRule[]>(await s.call('GET', '/discounts/customers/c3/rules')).map((r) => r.name)).toEqual(['everyone']);
    });

    it('reads, adds usage to (idempotent on ref + ref_type) and deletes a ref', async () => {
      const s = await store();
      const r = await createRule(s, { limitation: { stamp_expire_days: 30 } }, { stamp: 5, item: { items: [{ id: 'coffee' }] } });
      await grant(s, r.id, ['c1', '*']);
      const ref = await refOf(s, r.id, 'c1');
      const star = await refOf(s, r.id, '*');
      const view = ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${ref}`));
      expect(view).toEqual({ ...r, statistics: { ...ZERO, current_stamp: 0 }, ref_id: ref });

      const add = (body: unknown, customer = 'c1', id = ref) => s.call('POST', `/discounts/customers/${customer}/refs/${id}`, { usage_ref: body });
      expect(ok<CustomerRule>(await add({ ref: 'welcome', ref_type: 'manual', stamp: 3 })).statistics).toEqual({ ...ZERO, stamp: 3, current_stamp: 3 });
      expect(ok<CustomerRule>(await add({ ref: 'welcome', ref_type: 'manual', stamp: 3 })).statistics.stamp).toBe(3);
      expect(ok<CustomerRule>(await add({ ref: 'welcome', ref_type: 'other', stamp: 1 })).statistics.stamp).toBe(4);
      // Stamps older than stamp_expire_days no longer count.
      clock.advance(31 * 86_400_000);
      const later = await s.tokenFor(['read:discounts']);
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${ref}`, undefined, { token: later })).statistics).toMatchObject({ stamp: 4, current_stamp: 0 });
      clock.set(new Date(NOW));
      // A * ref keeps statistics per customer.
      ok(await add({ ref: 'welcome', ref_type: 'manual', stamp: 2 }, 'c7', star));
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c7/refs/${star}`)).statistics.stamp).toBe(2);
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c8/refs/${star}`)).statistics.stamp).toBe(0);

      const usages = ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`));
      expect(usages.map((u) => [u.ref_id, u.customer_id, u.statistics.stamp])).toEqual([[ref, 'c1', 4], [star, 'c7', 2]]);
      expect(usages[0]).toEqual({
        id: expect.any(String), ref_id: ref, discount_id: r.id, customer_id: 'c1', create_at: NOW, updated_at: NOW, created_by: s.clientId,
        statistics: { ...ZERO, stamp: 4, current_stamp: 4 },
        usage_refs: [
          { ref: 'welcome', ref_type: 'manual', usage: 0, stamp: 3, amount: 0, bonus: 0, created_at: NOW, created_by: s.clientId },
          { ref: 'welcome', ref_type: 'other', usage: 0, stamp: 1, amount: 0, bonus: 0, created_at: NOW, created_by: s.clientId },
        ],
      });
      expect(ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages?limit=1&starting_after=${usages[0]?.id ?? ''}`)).map((u) => u.customer_id)).toEqual(['c7']);
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${r.id}`)).statistics).toEqual({ ...ZERO, stamp: 6 });

      expectError(await s.call('GET', `/discounts/customers/c2/refs/${ref}`), 404, 'DISCOUNT_REF_NOT_FOUND');
      expectError(await s.call('GET', '/discounts/customers/c1/refs/nope'), 404, 'DISCOUNT_REF_NOT_FOUND');
      expectError(await s.call('DELETE', `/discounts/customers/c7/refs/${star}`), 400, 'DISCOUNT_REF_WILDCARD');
      const deleted = ok<CustomerRule & { debit_balance: number }>(await s.call('DELETE', `/discounts/customers/c1/refs/${ref}`));
      expect(deleted).toMatchObject({ ref_id: ref, debit_balance: 0, statistics: { stamp: 4 } });
      expectError(await s.call('GET', `/discounts/customers/c1/refs/${ref}`), 400, 'DISCOUNT_REF_DELETED');
      expectError(await s.call('DELETE', `/discounts/customers/c1/refs/${ref}`), 400, 'DISCOUNT_REF_DELETED');
      expectError(await add({ ref: 'x', ref_type: 'manual', stamp: 1 }), 400, 'DISCOUNT_REF_DELETED');
      expectError(await add({ ref: 'x' }), 400, 'VALIDATION_ERROR');
    });
  });

  describe('public rules', () => {
    it('lists non-private active rules given to * or /, strips dintero:exclude:public: metadata, pages by ref_id', async () => {
      const s = await store();
      ok(await s.call('POST', '/discounts/campaigns', { campaign_id: 'open', name: 'Open' }));
      ok(await s.call('POST', '/discounts/campaigns', { campaign_id: 'closed', name: 'Closed', private: true }));
      const walkIn = await createRule(s, { name: 'walk-in', campaign_id: 'open', metadata: { label: 'Hi', 'dintero:exclude:public:cost': 12 } });
      const members = await createRule(s, { name: 'members' });
      const hidden = await createRule(s, { name: 'hidden', private: true });
      const personal = await createRule(s, { name: 'personal' });
      const secretCampaign = await createRule(s, { name: 'closed campaign', campaign_id: 'closed' });
      const off = await createRule(s, { name: 'off', active: false });
      await grant(s, walkIn.id, ['/']);
      await grant(s, members.id, ['*']);
      await grant(s, hidden.id, ['*']);
      await grant(s, personal.id, ['c1']);
      await grant(s, secretCampaign.id, ['*']);
      await grant(s, off.id, ['/']);

      const reader = await s.tokenFor(['public:discounts']);
      const list = ok<Array<Rule & { ref_id: string }>>(await s.call('GET', '/discounts/public/rules', undefined, { token: reader }));
      expect(list.map((r) => r.name)).toEqual(['walk-in', 'members', 'closed campaign']);
      expect(list[0]).toEqual({ ...walkIn, metadata: { label: 'Hi' }, ref_id: await refOf(s, walkIn.id, '/') });
      expect(ok<Rule[]>(await s.call('GET', '/discounts/public/rules?no_customer_id=true')).map((r) => r.name)).toEqual(['walk-in']);
      expect(ok<Rule[]>(await s.call('GET', '/discounts/public/rules?campaign_id=open&campaign_id=closed')).map((r) => r.name)).toEqual(['walk-in']);
      const page = ok<Array<Rule & { ref_id: string }>>(await s.call('GET', '/discounts/public/rules?limit=1'));
      expect(ok<Rule[]>(await s.call('GET', `/discounts/public/rules?limit=5&starting_after=${page[0]?.ref_id ?? ''}`)).map((r) => r.name)).toEqual(['members', 'closed campaign']);

      expect(ok<Rule>(await s.call('GET', `/discounts/public/rules/${walkIn.id}`, undefined, { token: reader }))).toEqual({ ...walkIn, metadata: { label: 'Hi' } });
      for (const r of [hidden, personal, off]) expectError(await s.call('GET', `/discounts/public/rules/${r.id}`, undefined, { token: reader }), 404);
      expectError(await s.call('GET', '/discounts/rules', undefined, { token: reader }), 403, 'AUTH_SCOPE_MISSING');
    });
  });

  describe('claims', () => {
    it('claims (idempotent on ref, 409 on a different body), checks repeat and reward usage, releases by reversing', async () => {
      const s = await store();
      const r = await createRule(s, { limitation: { discount_repeat_usage: 1, discount_reward_usage: 1 } });
      await grant(s, r.id, ['c1', 'c2']);
      const ref = await refOf(s, r.id, 'c1');
      const till = await s.tokenFor(['write:discounts:/available_for_receipt', 'read:discounts:/available_for_receipt']);
      const body = { ref: 'tx-1', type: 'pos', purchase_at: NOW, customer_id: 'c1', discounts: [{ id: r.id, refs: [{ id: ref, amount: 500 }] }] };
      const claim = ok<Claim>(await s.call('POST', '/discounts/available_for_receipt/claims', body, { token: till }));
      expect(claim).toEqual({
        id: expect.any(String), created_at: NOW, created_by: expect.any(String), ref: 'tx-1', type: 'pos', purchase_at: NOW, customer_id: 'c1',
        discounts: [{ id: r.id, refs: [{ id: ref, amount: 500, usage: 1 }] }],
      });
      const stats = async (): Promise<CustomerRule['statistics']> => ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${ref}`)).statistics;
      expect(await stats()).toEqual({ ...ZERO, usage: 1, used: 1, amount: 500, current_stamp: 0 });

      // Same ref, same body (defaults spelt out): the original claim; nothing recorded twice.
      const again = ok<Claim>(await s.call('POST', '/discounts/available_for_receipt/claims', { ...body, discounts: [{ id: r.id, refs: [{ id: ref, amount: 500, usage: 1 }] }] }, { token: till }));
      expect(again).toEqual(claim);
      expect((await stats()).usage).toBe(1);
      expectError(await s.call('POST', '/discounts/available_for_receipt/claims', { ...body, discounts: [{ id: r.id, refs: [{ id: ref, amount: 900 }] }] }, { token: till }), 409, 'DISCOUNT_CLAIM_REF_CONFLICT');

      // repeat usage 1 is reached; reward usage 1 caps one purchase.
      expectError(await s.call('POST', '/discounts/available_for_receipt/claims', { ...body, ref: 'tx-2' }, { token: till }), 400, 'DISCOUNT_CLAIM_LIMIT');
      const ref2 = await refOf(s, r.id, 'c2');
      expectError(await s.call('POST', '/discounts/available_for_receipt/claims', { purchase_at: NOW, customer_id: 'c2', discounts: [{ id: r.id, refs: [{ id: ref2, usage: 2 }] }] }, { token: till }), 400, 'DISCOUNT_CLAIM_LIMIT');
      // Another customer's ref, an unknown rule: 400, nothing stored.
      expectError(await s.call('POST', '/discounts/available_for_receipt/claims', { purchase_at: NOW, customer_id: 'c2', discounts: [{ id: r.id, refs: [{ id: ref }] }] }, { token: till }), 400, 'DISCOUNT_REF_UNKNOWN');
      expectError(await s.call('POST', '/discounts/available_for_receipt/claims', { purchase_at: NOW, customer_id: 'c2', discounts: [{ id: 'nope', refs: [{ id: ref2 }] }] }, { token: till }), 400, 'DISCOUNT_RULE_UNKNOWN');

      const list = await s.call('GET', '/discounts/available_for_receipt/claims?customer_id=c1&total=true', undefined, { token: till });
      expect(ok<Claim[]>(list)).toEqual([claim]);
      expect(list.headers['total-count']).toBe('1');
      expect(ok<Claim[]>(await s.call('GET', '/discounts/available_for_receipt/claims?ref=tx-1', undefined, { token: till })).map((c) => c.id)).toEqual([claim.id]);
      expect(ok<Claim[]>(await s.call('GET', '/discounts/available_for_receipt/claims?customer_id=c2', undefined, { token: till }))).toEqual([]);
      expect(ok<Claim>(await s.call('GET', `/discounts/available_for_receipt/claims/${claim.id}`, undefined, { token: till }))).toEqual(claim);

      const released = ok<Claim>(await s.call('DELETE', `/discounts/available_for_receipt/claims/${claim.id}`, undefined, { token: till }));
      expect(released).toEqual({ ...claim, deleted_at: NOW, deleted_by: expect.any(String) });
      expect(await stats()).toEqual({ ...ZERO, current_stamp: 0 });
      expect(ok<Claim>(await s.call('DELETE', `/discounts/available_for_receipt/claims/${claim.id}`, undefined, { token: till }))).toEqual(released);
      expect(await stats()).toEqual({ ...ZERO, current_stamp: 0 });
      expect(ok<Claim[]>(await s.call('GET', '/discounts/available_for_receipt/claims', undefined, { token: till }))).toEqual([]);
      const usage = ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`));
      expect(usage[0]?.usage_refs.map((u) => [u.ref_type, u.usage, u.amount])).toEqual([['claim', 1, 500], ['claim_release', -1, -500]]);
      // Usable again.
      ok(await s.call('POST', '/discounts/available_for_receipt/claims', { ...body, ref: 'tx-3' }, { token: till }));
      expectError(await s.call('GET', '/discounts/available_for_receipt/claims/nope', undefined, { token: till }), 404);
    });

    it('consumes a discount_debit balance', async () => {
      const s = await store();
      const r = await createRule(s, { reward: { type: 'discount_debit', value: 10_000 } });
      await grant(s, r.id, ['c1']);
      const ref = await refOf(s, r.id, 'c1');
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${ref}`)).statistics.debit_balance).toBe(10_000);
      ok(await s.call('POST', '/discounts/available_for_receipt/claims', { purchase_at: NOW, customer_id: 'c1', discounts: [{ id: r.id, refs: [{ id: ref, amount: 3_000 }] }] }));
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${ref}`)).statistics).toMatchObject({ amount: 3_000, debit_balance: 7_000 });
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${r.id}`)).statistics).toMatchObject({ amount: 3_000, debit_balance: 7_000 });
      const deleted = ok<{ debit_balance: number }>(await s.call('DELETE', `/discounts/customers/c1/refs/${ref}`));
      expect(deleted.debit_balance).toBe(7_000);
    });
  });

  describe('events', () => {
    it('receipt_add records usage from discounts[] once per receipt; statistics and usages show it', async () => {
      const s = await store();
      const r = await createRule(s, {}, { stamp: 5, item: { items: [{ id: 'coffee' }] } });
      const debit = await createRule(s, { reward: { type: 'discount_debit', value: 10_000 } });
      await grant(s, r.id, ['c1', '*', '/']);
      await grant(s, debit.id, ['c1']);
      const own = await refOf(s, r.id, 'c1');
      const star = await refOf(s, r.id, '*');
      const slash = await refOf(s, r.id, '/');
      const debitRef = await refOf(s, debit.id, 'c1');
      const pos = await s.tokenFor(['write:discounts:/events']);
      const receipt = receiptBody({
        receipt_id: 'pos-1',
        customer_id: 'c1',
        discounts: [
          { id: r.id, refs: [{ id: own, stamp: 2, amount: 0, bonus: 0, usage: 0 }] },
          { id: debit.id, refs: [{ id: debitRef, stamp: 0, amount: 2_500, bonus: 0, usage: 1 }] },
        ],
      });
      const delivery = '11111111-1111-4111-8111-111111111111';
      const res = await sendEvent(s, 'receipt_add', { receipt }, delivery, pos);
      expect(res.statusCode, res.body).toBe(204);
      expect(res.body).toBe('');
      const ownStats = async (): Promise<CustomerRule['statistics']> => ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${own}`)).statistics;
      expect(await ownStats()).toEqual({ ...ZERO, stamp: 2, current_stamp: 2 });
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c1/refs/${debitRef}`)).statistics).toMatchObject({ usage: 1, amount: 2_500, debit_balance: 7_500 });
      // The same delivery, and the same receipt in a new delivery: nothing more.
      expect((await sendEvent(s, 'receipt_add', { receipt }, delivery, pos)).statusCode).toBe(204);
      expect((await sendEvent(s, 'receipt_add', { receipt }, undefined, pos)).statusCode).toBe(204);
      expect(await ownStats()).toEqual({ ...ZERO, stamp: 2, current_stamp: 2 });
      const usages = ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`));
      expect(usages[0]?.usage_refs).toEqual([{ ref: 'pos-1', ref_type: 'receipt_add', usage: 0, stamp: 2, amount: 0, bonus: 0, created_at: NOW, created_by: expect.any(String) }]);
      // The copy the Receipts service stored (with its server id) is the same receipt: its identity
      // is store + receipt_id + purchase time, so it records nothing more; a new purchase does.
      expect((await sendEvent(s, 'receipt_add', { receipt: { ...receipt, id: 'srv-9', purchase_at: '2026-06-01T12:00:00+02:00' } }, undefined, pos)).statusCode).toBe(204);
      expect((await ownStats()).stamp).toBe(2);
      expect((await sendEvent(s, 'receipt_add', { receipt: { ...receipt, purchase_at: '2026-06-01T10:05:00.000Z' } }, undefined, pos)).statusCode).toBe(204);
      expect((await ownStats()).stamp).toBe(4);

      // * refs count per customer; / refs are shared by every anonymous purchase.
      const starReceipt = (customer: string, id: string) => receiptBody({ receipt_id: id, customer_id: customer, discounts: [{ id: r.id, refs: [{ id: star, stamp: 1, amount: 0, bonus: 0, usage: 0 }] }] });
      expect((await sendEvent(s, 'receipt_add', { receipt: starReceipt('c5', 'p-5') })).statusCode).toBe(204);
      expect((await sendEvent(s, 'receipt_add', { receipt: starReceipt('c6', 'p-6') })).statusCode).toBe(204);
      expect(ok<CustomerRule>(await s.call('GET', `/discounts/customers/c5/refs/${star}`)).statistics.stamp).toBe(1);
      const anon = (id: string) => receiptBody({ receipt_id: id, discounts: [{ id: r.id, refs: [{ id: slash, stamp: 0, amount: 100, bonus: 0, usage: 1 }] }] });
      expect((await sendEvent(s, 'receipt_add', { receipt: anon('a-1') })).statusCode).toBe(204);
      expect((await sendEvent(s, 'receipt_add', { receipt: anon('a-2') })).statusCode).toBe(204);
      const all = ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`));
      expect(all.map((u) => [u.ref_id, u.customer_id, u.statistics.usage, u.statistics.stamp])).toEqual([[own, 'c1', 0, 4], [star, 'c5', 0, 1], [star, 'c6', 0, 1], [slash, null, 2, 0]]);
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${r.id}`)).statistics).toEqual({ ...ZERO, stamp: 6, usage: 2, used: 2, amount: 200 });
      // A * ref on a receipt without a customer cannot be recorded.
      expectError(await sendEvent(s, 'receipt_add', { receipt: receiptBody({ receipt_id: 'x', discounts: [{ id: r.id, refs: [{ id: star, stamp: 1, amount: 0, bonus: 0, usage: 0 }] }] }) }), 400, 'DISCOUNT_REF_NEEDS_CUSTOMER');
    });

    it('refuses unknown rule or ref ids with 400 and records nothing', async () => {
      const s = await store();
      const r = await createRule(s);
      const other = await createRule(s);
      await grant(s, r.id, ['c1']);
      await grant(s, other.id, ['c1']);
      const ref = await refOf(s, r.id, 'c1');
      const good = { id: r.id, refs: [{ id: ref, stamp: 1, amount: 100, bonus: 0, usage: 1 }] };
      const cases: Array<[unknown, string]> = [
        [[good, { id: 'no-such-rule', refs: [{ id: ref, stamp: 0, amount: 1, bonus: 0, usage: 1 }] }], 'DISCOUNT_RULE_UNKNOWN'],
        [[good, { id: r.id, refs: [{ id: 'no-such-ref', stamp: 0, amount: 1, bonus: 0, usage: 1 }] }], 'DISCOUNT_REF_UNKNOWN'],
        [[good, { id: other.id, refs: [{ id: ref, stamp: 0, amount: 1, bonus: 0, usage: 1 }] }], 'DISCOUNT_REF_UNKNOWN'],
      ];
      for (const [discounts, code] of cases) {
        const delivery = '22222222-2222-4222-8222-222222222222';
        expectError(await sendEvent(s, 'receipt_add', { receipt: receiptBody({ customer_id: 'c1', discounts }) }, delivery), 400, code);
      }
      expect(ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`))).toEqual([]);
      // The delivery id was not used up by the failures.
      expect((await sendEvent(s, 'receipt_add', { receipt: receiptBody({ customer_id: 'c1', discounts: [good] }) }, '22222222-2222-4222-8222-222222222222')).statusCode).toBe(204);
      expect(ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`))).toHaveLength(1);

      expectError(await s.call('POST', '/discounts/events', { receipt: receiptBody() }), 400, 'VALIDATION_ERROR');
      expectError(await s.call('POST', '/discounts/events', { receipt: receiptBody() }, { headers: { event: 'receipt_sent' } }), 400, 'VALIDATION_ERROR');
      expectError(await s.call('POST', '/discounts/events', { receipt: receiptBody() }, { headers: { event: 'receipt_add', 'event-delivery': 'not-a-uuid' } }), 400, 'VALIDATION_ERROR');
      expectError(await sendEvent(s, 'receipt_add', {}), 400, 'DISCOUNT_EVENT_INVALID');
      expectError(await sendEvent(s, 'receipt_add', { receipt: { purchase_at: NOW, store: { id: 's' } } }), 400, 'VALIDATION_ERROR');
      expectError(await sendEvent(s, 'token_add', { token: { type: 'card', value: 'x' } }), 400, 'DISCOUNT_EVENT_INVALID');
    });
  });

  describe('concurrency', () => {
    it('parallel deliveries of the same receipts and claims record each once; shared / totals add up', async () => {
      const s = await store();
      const r = await createRule(s);
      await grant(s, r.id, ['/', 'c1']);
      const slash = await refOf(s, r.id, '/');
      const own = await refOf(s, r.id, 'c1');
      const receipts = Array.from({ length: 8 }, (_, i) => receiptBody({ receipt_id: `par-${i}`, discounts: [{ id: r.id, refs: [{ id: slash, stamp: 1, amount: 100, bonus: 0, usage: 1 }] }] }));
      const sent = await Promise.all([...receipts, ...receipts, ...receipts].map((receipt) => sendEvent(s, 'receipt_add', { receipt })));
      expect(sent.map((x) => x.statusCode)).toEqual(sent.map(() => 204));
      const claim = { ref: 'par-claim', purchase_at: NOW, customer_id: 'c1', discounts: [{ id: r.id, refs: [{ id: own, amount: 50 }] }] };
      const claims = await Promise.all(Array.from({ length: 6 }, () => s.call('POST', '/discounts/available_for_receipt/claims', claim)));
      expect(claims.map((x) => x.statusCode)).toEqual(claims.map(() => 200));
      expect(new Set(claims.map((x) => x.json<Claim>().id)).size).toBe(1);

      const usages = ok<Usage[]>(await s.call('GET', `/discounts/rules/${r.id}/usages`));
      const anon = usages.find((u) => u.ref_id === slash);
      expect(anon?.usage_refs.map((u) => u.ref).sort()).toEqual(receipts.map((_, i) => `par-${i}`).sort());
      expect(anon?.statistics).toEqual({ ...ZERO, usage: 8, used: 8, amount: 800, stamp: 8, current_stamp: 0 });
      expect(usages.find((u) => u.ref_id === own)?.statistics).toMatchObject({ usage: 1, amount: 50 });
      expect(ok<Rule>(await s.call('GET', `/discounts/rules/${r.id}`)).statistics).toEqual({ ...ZERO, usage: 9, used: 9, amount: 850, stamp: 8 });
    });
  });

  describe('scopes', () => {
    it('each route takes its own scopes (and admin:discounts); the fine-grained ones reach only their routes', async () => {
      const s = await store();
      const r = await createRule(s);
      await grant(s, r.id, ['/', 'c1']);
      const ref = await refOf(s, r.id, 'c1');
      const reader = await s.tokenFor(['read:discounts']);
      const writer = await s.tokenFor(['write:discounts']);
      const calc = await s.tokenFor(['write:discounts:/available_for_receipt']);
      const claimsReader = await s.tokenFor(['read:discounts:/available_for_receipt']);
      const events = await s.tokenFor(['write:discounts:/events']);
      const user = await s.tokenFor(['user:discounts']);
      const nothing = await s.tokenFor(['read:wallets']);
      const status = async (token: string, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<number> => {
        const res = await s.call(method, path, body, { token });
        return res.statusCode;
      };
      const claim = { purchase_at: NOW, customer_id: 'c1', discounts: [{ id: r.id, refs: [{ id: ref, usage: 0 }] }] };
      expect(await status(reader, 'GET', '/discounts/rules')).toBe(200);
      expect(await status(reader, 'POST', '/discounts/rules', ruleBody())).toBe(403);
      expect(await status(writer, 'POST', '/discounts/rules', ruleBody())).toBe(200);
      expect(await status(writer, 'GET', '/discounts/rules')).toBe(403);
      expect(await status(calc, 'POST', '/discounts/available_for_receipt', receiptBody())).toBe(200);
      expect(await status(calc, 'POST', '/discounts/available_for_receipt/explain', receiptBody())).toBe(200);
      expect(await status(calc, 'POST', '/discounts/available_for_receipt/claims', claim)).toBe(200);
      expect(await status(calc, 'GET', '/discounts/available_for_receipt/claims')).toBe(403);
      expect(await status(calc, 'GET', '/discounts/rules')).toBe(403);
      expect(await status(reader, 'POST', '/discounts/available_for_receipt', receiptBody())).toBe(403);
      expect(await status(claimsReader, 'GET', '/discounts/available_for_receipt/claims')).toBe(200);
      expect(await status(claimsReader, 'POST', '/discounts/available_for_receipt/claims', claim)).toBe(403);
      expect(await status(events, 'POST', '/discounts/events', undefined)).toBe(400);
      expect(await status(calc, 'POST', '/discounts/events', undefined)).toBe(403);
      expect(await status(reader, 'GET', `/discounts/customers/c1/refs/${ref}`)).toBe(200);
      expect(await status(reader, 'GET', '/discounts/customers/c1/rules')).toBe(200);
      // user:discounts is for a customer's own rules; our tokens carry no customer yet.
      expect(await status(user, 'GET', '/discounts/customers/c1/rules')).toBe(403);
      expect(await status(user, 'GET', '/discounts/rules')).toBe(403);
      expect(await status(reader, 'POST', '/discounts/search/rules', { search: { query: [{ customer_id: ['c1'] }], group_by: ['customer_id#$.requirement.item.items[*].id'] } })).toBe(200);
      expect(await status(nothing, 'GET', '/discounts/public/rules')).toBe(403);
      expect(await status(nothing, 'GET', '/automations/rules')).toBe(403);
      expect(await status(await s.tokenFor(['read:automations']), 'GET', '/automations/rules')).toBe(200);
      expect(await status(await s.tokenFor(['read:automations']), 'POST', '/automations/rules', {})).toBe(403);
      expect(await status(await s.tokenFor(['admin:discounts']), 'GET', '/automations/rules')).toBe(403);
      expect((await h.call('GET', `/v1/accounts/${s.aid}/discounts/rules`)).statusCode).toBe(401);
      const stranger = await newStore(h, '2');
      expectError(await h.call('GET', `/v1/accounts/${s.aid}/discounts/rules`, { token: stranger.token }), 403, 'AUTH_ACCOUNT_MISMATCH');
    });
  });

  describe('search', () => {
    it("finds the active rules of customers by item id and group, grouped as asked, in pages", async () => {
      const s = await store();
      const coffee = await createRule(s, { name: 'coffee' }, { item: { items: [{ id: 'coffee' }, { group_id: 'drinks' }] } });
      const bun = await createRule(s, { name: 'bun' }, { item: { items: [{ id: 'bun' }] } });
      const off = await createRule(s, { name: 'off', active: false }, { item: { items: [{ id: 'coffee' }] } });
      await grant(s, coffee.id, ['c1']);
      await grant(s, bun.id, ['*']);
      await grant(s, off.id, ['c1']);
      const search = (body: unknown, q = '') => s.call('POST', `/discounts/search/rules${q}`, body);
      const res = ok<{ starting_after?: string; data: Array<{ group_by: string; group_value: string; customer_id: string; id: string; rule: Record<string, unknown> }> }>(
        await search({ search: { query: [{ customer_id: ['c1'] }], group_by: ['customer_id#$.requirement.item.items[*].id', 'customer_id#$.requirement.item.items[*].group_id'], includes: ['$.name', '$.id'] } }),
      );
      expect(res.starting_after).toBeUndefined();
      expect(res.data.map((d) => [d.customer_id, d.group_by, d.group_value, d.rule.name])).toEqual([
        ['c1', '$.requirement.item.items[*].group_id', 'drinks', 'coffee'],
        ['c1', '$.requirement.item.items[*].id', 'bun', 'bun'],
        ['c1', '$.requirement.item.items[*].id', 'coffee', 'coffee'],
      ]);
      expect(res.data[0]?.rule).toEqual({ name: 'coffee', id: coffee.id });
      const onlyCoffee = ok<{ data: Array<{ id: string }> }>(await search({ search: { query: [{ customer_id: ['c1', 'c2'], '$.requirement.item.items[*]': [{ id: 'coffee' }] }], group_by: ['customer_id#$.requirement.item.items[*].id'] } }));
      expect(onlyCoffee.data.map((d) => d.id)).toEqual([coffee.id]);
      const page = ok<{ starting_after?: string; data: unknown[] }>(await search({ search: { query: [{ customer_id: ['c1', 'c2'] }], group_by: ['customer_id#$.requirement.item.items[*].id'] } }, '?limit=2'));
      expect(page.data).toHaveLength(2);
      const next = ok<{ starting_after?: string; data: Array<{ customer_id: string }> }>(await search({ search: { query: [{ customer_id: ['c1', 'c2'] }], group_by: ['customer_id#$.requirement.item.items[*].id'] } }, `?limit=2&starting_after=${page.starting_after ?? ''}`));
      expect(next.data.map((d) => d.customer_id)).toEqual(['c2']);
      expect(next.starting_after).toBeUndefined();
    });
  });
});
