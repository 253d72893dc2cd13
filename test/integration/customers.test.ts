/**
 * Customers service, users (contract §2.1–2.4) over HTTP on real databases: create with its
 * duplicate rules, generated ids, type rules and validation; partial update; delete with wiping;
 * change_customer_id; the list with every filter and both pagination modes; HEAD; scopes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { expectError, NOW, ok, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import { addToken, createCustomer, customerIds, customerStore, listCustomers, outbox, type Customer } from '../support/customers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(dbTargets())('customer users on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (scopes?: string[]): Promise<Store> => customerStore(h, '6', scopes);
  const count = async (s: Store): Promise<number> => (await listCustomers(s, '?type=any&include_deleted=true&limit=100')).length;

  describe('create and read', () => {
    it('creates a customer (200) with a generated customer_id, reads it back, and writes exactly one customer_add', async () => {
      const s = await store();
      const body = {
        first_name: 'Kari',
        last_name: 'Nordmann',
        email: 'Kari@Example.com',
        phone_number: '+4799999999',
        status: 'vip',
        favorite_store: 'oslo-1',
        enrolled_by: { type: 'store', value: 'oslo-1' },
        marketing_consent: { sms: { consent: true }, email: { consent: false } },
        addresses: [{ address_line: 'Storgata 1', postal_place: 'Oslo', country: 'NO', type: 'home' }],
        gender: 'female',
        date_of_birth: '1990-09-20',
        attributes: { shoe_size: 38 },
        metadata: { source: 'web' },
      };
      const created = await createCustomer(s, body);
      expect(created).toEqual({
        id: expect.stringMatching(UUID),
        customer_id: expect.stringMatching(UUID),
        created_at: NOW,
        created_by: s.clientId,
        updated_at: NOW,
        type: 'customer',
        ...body,
        marketing_consent: { sms: { consent: true, updated_at: NOW }, email: { consent: false, updated_at: NOW } },
      });
      expect(ok<Customer>(await s.call('GET', `/customers/users/${created.customer_id}`))).toEqual(created);
      expect(await outbox(h, s.aid)).toEqual([{ event: 'customer_add', payload: { customer: created } }]);
    });

    it('refuses duplicate customer_id, email (case-insensitive, per type) and phone number with a 400 and stores nothing', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'c1', email: 'ola@example.com', phone_number: '+4791111111' });
      const before = await count(s);
      expectError(await s.call('POST', '/customers/users', { customer_id: 'c1' }), 400, 'CUSTOMER_DUPLICATE_CUSTOMER_ID');
      expectError(await s.call('POST', '/customers/users', { email: 'OLA@example.COM' }), 400, 'CUSTOMER_DUPLICATE_EMAIL');
      expectError(await s.call('POST', '/customers/users', { phone_number: '+4791111111' }), 400, 'CUSTOMER_DUPLICATE_PHONE_NUMBER');
      expect(await count(s)).toBe(before);
      expect(await outbox(h, s.aid, 'customer_add')).toHaveLength(1);
      // Email is unique per type: the same address may belong to a company user.
      await createCustomer(s, { type: 'company', email: 'ola@example.com', company: { bussiness_name: 'Ola AS' } });
      // Allowing duplicate phone numbers in settings lets a second user share one.
      ok(await s.call('PUT', '/customers/settings', { users: { phone_number_validation: { allow_duplicates: true } } }));
      await createCustomer(s, { phone_number: '+4791111111' });
      expect(await customerIds(s, '?phone_number=%2B4791111111')).toHaveLength(2);
    });

    it('concurrent creates of one email, phone or customer_id: exactly one wins, the others are 400', async () => {
      const s = await store();
      for (const body of [{ email: 'race@example.com' }, { phone_number: '+4790909090' }, { customer_id: 'race' }]) {
        const results = await Promise.all(Array.from({ length: 6 }, () => s.call('POST', '/customers/users', body)));
        expect(results.map((r) => r.statusCode).sort()).toEqual([200, 400, 400, 400, 400, 400]);
      }
      expect(await count(s)).toBe(3);
      expect(await outbox(h, s.aid, 'customer_add')).toHaveLength(3);
    });

    it('validates phone (E.164), email and date_of_birth, and refuses unknown fields and login secrets', async () => {
      const s = await store();
      for (const body of [
        { phone_number: '12ab' },
        { phone_number: '+0123' },
        { email: 'not-an-email' },
        { date_of_birth: '20-09-1990' },
        { date_of_birth: '1990-13-01' },
        { phone: '+4799999999' },
        { customer_id: ' padded' },
        { type: 'robot' },
      ]) {
        expectError(await s.call('POST', '/customers/users', body), 400, 'VALIDATION_ERROR');
      }
      expectError(await s.call('POST', '/customers/users', { password: 'secret-1234' }), 400, 'CUSTOMER_LOGIN_UNSUPPORTED');
      expect(await count(s)).toBe(0);
    });

    it('applies the type rules: company needs its company object, which only company/other may carry; contact_for only on contacts', async () => {
      const s = await store();
      expectError(await s.call('POST', '/customers/users', { type: 'company' }), 400, 'CUSTOMER_COMPANY_REQUIRED');
      expectError(await s.call('POST', '/customers/users', { company: { bussiness_name: 'X AS' } }), 400, 'CUSTOMER_COMPANY_NOT_ALLOWED');
      expectError(await s.call('POST', '/customers/users', { contact_for: [{ customer_id: 'x' }] }), 400, 'CUSTOMER_CONTACT_FOR_NOT_ALLOWED');
      const other = await createCustomer(s, { type: 'other', company: { bussiness_name: 'Other AS' } });
      expect(other.company).toEqual({ bussiness_name: 'Other AS' });
      expectError(await s.call('PUT', `/customers/users/${other.customer_id}`, { type: 'customer' }), 400, 'CUSTOMER_COMPANY_NOT_ALLOWED');
      expect(ok<Customer>(await s.call('PUT', `/customers/users/${other.customer_id}`, { type: 'customer', company: null })).type).toBe('customer');
    });

    it('a create:customers:/users client may create customers but not employees, and may not read; no token is 401', async () => {
      const s = await store();
      const till = await s.tokenFor(['create:customers:/users']);
      const enrolled = await createCustomer(s, { first_name: 'Walk-in' }, till);
      expect(enrolled.created_by).not.toBe(s.clientId);
      expectError(await s.call('POST', '/customers/users', { type: 'employee' }, { token: till }), 403, 'CUSTOMER_TYPE_FORBIDDEN');
      expectError(await s.call('POST', '/customers/users', { type: 'other' }, { token: till }), 403, 'CUSTOMER_TYPE_FORBIDDEN');
      expectError(await s.call('GET', `/customers/users/${enrolled.customer_id}`, undefined, { token: till }), 403, 'AUTH_SCOPE_MISSING');
      expectError(await s.call('PUT', `/customers/users/${enrolled.customer_id}`, { status: 'x' }, { token: till }), 403, 'AUTH_SCOPE_MISSING');
      // user:customers grants nothing until customer login exists.
      expectError(await s.call('GET', `/customers/users/${enrolled.customer_id}`, undefined, { token: await s.tokenFor(['user:customers']) }), 403);
      const writer = await s.tokenFor(['write:customers']);
      expect((await createCustomer(s, { type: 'employee' }, writer)).type).toBe('employee');
      expect((await h.call('GET', `/v1/accounts/${s.aid}/customers/users`)).statusCode).toBe(401);
      expectError(await s.call('GET', '/customers/users', undefined, { token: await s.tokenFor(['read:discounts']) }), 403, 'AUTH_SCOPE_MISSING');
    });

    it('generates sequence customer_ids after the greatest numeric one when settings ask for it', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: '41' });
      await createCustomer(s, { customer_id: 'abc' });
      ok(await s.call('PUT', '/customers/settings', { users: { customer_id_format: 'sequence' } }));
      expect((await createCustomer(s, {})).customer_id).toBe('42');
      expect((await createCustomer(s, {})).customer_id).toBe('43');
      ok(await s.call('DELETE', '/customers/users/43'));
      // A deleted customer's number is retired, not handed out again.
      expect((await createCustomer(s, {})).customer_id).toBe('44');
      expectError(await s.call('POST', '/customers/users', { customer_id: '43' }), 400, 'CUSTOMER_DUPLICATE_CUSTOMER_ID');
    });

    it('checks term.id against live terms and stamps accepted_at', async () => {
      const s = await store();
      const terms = ok<{ id: string }>(await s.call('POST', '/customers/terms', { terms: 'Be nice' }));
      expectError(await s.call('POST', '/customers/users', { term: { id: 'nope' } }), 400, 'CUSTOMER_TERMS_UNKNOWN');
      expect((await createCustomer(s, { term: { id: terms.id } })).term).toEqual({ id: terms.id, accepted_at: NOW });
    });
  });

  describe('update', () => {
    it('PUT changes only what it carries; null removes a field; metadata merges by key; consent time moves only on change', async () => {
      const s = await store();
      const c = await createCustomer(s, {
        customer_id: 'u1', first_name: 'Per', last_name: 'Hansen', email: 'per@example.com', status: 'member',
        marketing_consent: { sms: { consent: true } }, metadata: { a: 1, b: 2 },
      });
      clock.advance(60_000);
      const later = new Date(Date.parse(NOW) + 60_000).toISOString();
      const put = (body: Record<string, unknown>) => s.call('PUT', '/customers/users/u1', body);
      const updated = ok<Customer>(await put({ last_name: null, status: 'vip', metadata: { a: null, c: 3 }, marketing_consent: { sms: { consent: true }, email: { consent: true } } }));
      expect(updated).toEqual({
        ...c,
        updated_at: later,
        last_name: undefined,
        status: 'vip',
        metadata: { b: 2, c: 3 },
        marketing_consent: { sms: { consent: true, updated_at: NOW }, email: { consent: true, updated_at: later } },
      });
      expect(updated).not.toHaveProperty('last_name');
      expect(ok<Customer>(await put({ metadata: null }))).not.toHaveProperty('metadata');
      // Sending back what GET returned changes nothing: no write, no event.
      const current = ok<Customer>(await s.call('GET', '/customers/users/u1'));
      const events = (await outbox(h, s.aid)).length;
      clock.advance(60_000);
      expect(ok<Customer>(await put({ ...current, marketing_consent: { sms: { consent: true } } }))).toEqual(current);
      expect(await outbox(h, s.aid)).toHaveLength(events);
      expect((await outbox(h, s.aid, 'customer_update')).map((r) => r.event)).toEqual(['customer_update', 'customer_update']);
      expectError(await put({ customer_id: 'other' }), 400, 'CUSTOMER_ID_IMMUTABLE');
      expectError(await put({ email: 'bad' }), 400, 'VALIDATION_ERROR');
      expectError(await s.call('PUT', '/customers/users/missing', { status: 'x' }), 404, 'CUSTOMER_NOT_FOUND');
    });

    it('PUT keeps the duplicate rules: another customer\'s email or phone is a 400 and changes nothing', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'a', email: 'a@example.com', phone_number: '+4790000001' });
      await createCustomer(s, { customer_id: 'b', email: 'b@example.com', phone_number: '+4790000002' });
      expectError(await s.call('PUT', '/customers/users/b', { email: 'A@EXAMPLE.COM' }), 400, 'CUSTOMER_DUPLICATE_EMAIL');
      expectError(await s.call('PUT', '/customers/users/b', { phone_number: '+4790000001', first_name: 'B' }), 400, 'CUSTOMER_DUPLICATE_PHONE_NUMBER');
      const b = ok<Customer>(await s.call('GET', '/customers/users/b'));
      expect([b.email, b.phone_number, b.first_name]).toEqual(['b@example.com', '+4790000002', undefined]);
      // A customer may change the case of its own email.
      expect(ok<Customer>(await s.call('PUT', '/customers/users/a', { email: 'A@example.com' })).email).toBe('A@example.com');
    });
  });

  describe('delete', () => {
    it('wipes personal data: the deleted customer shows only ids and stamps, and is listed only with include_deleted', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'gone', first_name: 'Gone', email: 'gone@example.com', phone_number: '+4792222222', attributes: { k: 'v' }, metadata: { m: 1 } });
      await addToken(s, 'gone', { type: 'member', value: 'M-1' });
      clock.advance(1_000);
      const at = new Date(Date.parse(NOW) + 1_000).toISOString();
      const deleted = ok<Customer>(await s.call('DELETE', '/customers/users/gone'));
      const wiped = { id: deleted.id, customer_id: 'gone', created_at: NOW, created_by: s.clientId, deleted_at: at, deleted_by: s.clientId };
      expect(deleted).toEqual(wiped);
      expect(ok<Customer>(await s.call('GET', '/customers/users/gone'))).toEqual(wiped);
      expect(await customerIds(s)).toEqual([]);
      expect(await listCustomers(s, '?include_deleted=true')).toEqual([wiped]);
      expect(await customerIds(s, '?email=gone')).toEqual([]);
      expect(await customerIds(s, '?include_deleted=true&attributes_keys=k')).toEqual([]);
      expect(await outbox(h, s.aid, 'customer_delete')).toEqual([{ event: 'customer_delete', payload: { customer: wiped } }]);
      // Nothing personal is left in the row.
      const row = await h.db.kysely.selectFrom('customers').selectAll().where('id', '=', deleted.id).executeTakeFirstOrThrow();
      expect([row.email, row.email_search, row.phone_number, row.first_name, row.full_name_search, row.body]).toEqual([null, null, null, null, null, '{}']);
      // The email and phone are free again; writes to the deleted customer are 404.
      await createCustomer(s, { email: 'gone@example.com', phone_number: '+4792222222' });
      expectError(await s.call('PUT', '/customers/users/gone', { first_name: 'x' }), 404, 'CUSTOMER_NOT_FOUND');
      expectError(await s.call('DELETE', '/customers/users/gone'), 404, 'CUSTOMER_NOT_FOUND');
      // Without delete_tokens the card stays with the closed membership.
      expect((await s.call('GET', '/customers/users/gone/tokens')).json<unknown[]>()).toHaveLength(1);
      expectError(await s.call('POST', '/customers/users/gone/tokens', { type: 'member', value: 'M-2' }), 404, 'CUSTOMER_NOT_FOUND');
    });

    it('delete_tokens=true deletes the tokens too, freeing them for another customer', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'd1' });
      await addToken(s, 'd1', { type: 'member', value: 'M-9' });
      ok(await s.call('DELETE', '/customers/users/d1?delete_tokens=true'));
      expect((await s.call('GET', '/customers/users/d1/tokens')).json<unknown[]>()).toEqual([]);
      expect(await outbox(h, s.aid, 'token_remove')).toHaveLength(1);
      await createCustomer(s, { customer_id: 'd2' });
      await addToken(s, 'd2', { type: 'member', value: 'M-9' });
    });
  });

  describe('change_customer_id', () => {
    it('moves the key, records the change in metadata, and needs admin:customers or admin:accounts', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'old', first_name: 'Ida', metadata: { keep: true } });
      await addToken(s, 'old', { token_id: 't1', type: 'member', value: 'M-5' });
      await createCustomer(s, { customer_id: 'taken' });
      const writer = await s.tokenFor(['write:customers']);
      expectError(await s.call('POST', '/customers/users/old/change_customer_id', { customer_id: 'new' }, { token: writer }), 403, 'AUTH_SCOPE_MISSING');
      expectError(await s.call('POST', '/customers/users/old/change_customer_id', { customer_id: 'taken' }), 400, 'CUSTOMER_DUPLICATE_CUSTOMER_ID');
      expectError(await s.call('POST', '/customers/users/old/change_customer_id', {}), 400, 'CUSTOMER_ID_REQUIRED');
      const accounts = await s.tokenFor(['admin:accounts']);
      const moved = ok<Customer>(await s.call('POST', '/customers/users/old/change_customer_id', { customer_id: 'new' }, { token: accounts }));
      expect(moved.customer_id).toBe('new');
      expect(moved.first_name).toBe('Ida');
      const keys = Object.keys(moved.metadata ?? {});
      expect(keys).toEqual(['keep', expect.stringMatching(/^dintero_change_customer_id_\d+\.[0-9a-f]+$/)]);
      expect(moved.metadata?.[keys[1] ?? '']).toEqual({ created_at: NOW, created_by: expect.any(String), old: 'old', new: 'new' });
      expectError(await s.call('GET', '/customers/users/old'), 404, 'CUSTOMER_NOT_FOUND');
      expect(ok<Customer>(await s.call('GET', '/customers/users/new')).id).toBe(moved.id);
      // The customer's tokens follow; the old key stays retired.
      expect((await customerIds(s, '?token_value=M-5'))).toEqual(['new']);
      expectError(await s.call('POST', '/customers/users', { customer_id: 'old' }), 400, 'CUSTOMER_DUPLICATE_CUSTOMER_ID');
      expect((await outbox(h, s.aid, 'customer_update')).map((r) => r.payload)).toEqual([{ customer: moved }]);
    });
  });

  describe('list', () => {
    it('pages by customer_id with starting_after, limit 1–100 (default 10), and total=true adds total-count', async () => {
      const s = await store();
      for (let i = 0; i < 12; i += 1) await createCustomer(s, { customer_id: `p${String(i).padStart(2, '0')}` });
      const first = await customerIds(s);
      expect(first).toEqual(Array.from({ length: 10 }, (_, i) => `p${String(i).padStart(2, '0')}`));
      expect(await customerIds(s, '?starting_after=p09')).toEqual(['p10', 'p11']);
      const all: string[] = [];
      let after = '';
      for (;;) {
        const page = await customerIds(s, `?limit=5${after === '' ? '' : `&starting_after=${after}`}`);
        all.push(...page);
        if (page.length < 5) break;
        after = page.at(-1) ?? '';
      }
      expect(all).toHaveLength(12);
      expect(new Set(all).size).toBe(12);
      const res = await s.call('GET', '/customers/users?limit=2&total=true');
      expect(res.headers['total-count']).toBe('12');
      expect(res.json<unknown[]>()).toHaveLength(2);
      expect((await s.call('GET', '/customers/users?limit=2')).headers['total-count']).toBeUndefined();
      expectError(await s.call('GET', '/customers/users?limit=0'), 400, 'VALIDATION_ERROR');
      expectError(await s.call('GET', '/customers/users?limit=101'), 400, 'VALIDATION_ERROR');
    });

    it('since_datetime returns customers updated at or after it, oldest first, and cannot be combined with starting_after', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'z-early' });
      clock.advance(60_000);
      const t1 = clock.now().toISOString();
      await createCustomer(s, { customer_id: 'a-late' });
      clock.advance(60_000);
      ok(await s.call('PUT', '/customers/users/z-early', { status: 'touched' }));
      expect(await customerIds(s, `?since_datetime=${t1}`)).toEqual(['a-late', 'z-early']);
      expect(await customerIds(s, `?since_datetime=${clock.now().toISOString()}`)).toEqual(['z-early']);
      expect(await customerIds(s, `?since_datetime=${t1}&limit=1`)).toEqual(['a-late']);
      expectError(await s.call('GET', `/customers/users?since_datetime=${t1}&starting_after=a`), 400, 'CUSTOMER_QUERY_INVALID');
      expectError(await s.call('GET', '/customers/users?since_datetime=yesterday'), 400, 'VALIDATION_ERROR');
    });

    it('filters by prefix: email (case-insensitive), phone (with %2B or a stray space for +), search over name/email/phone/customer_id', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'k1', first_name: 'Anne', last_name: 'Berg', email: 'Anne.Berg@example.com', phone_number: '+4741000001' });
      await createCustomer(s, { customer_id: 'k2', first_name: 'Bjørn', last_name: 'Annesen', email: 'bjorn@example.no', phone_number: '+4690000002' });
      await createCustomer(s, { customer_id: 'ann-3', first_name: 'Cecilie' });
      expect(await customerIds(s, '?email=anne.b')).toEqual(['k1']);
      expect(await customerIds(s, '?email=ANNE')).toEqual(['k1']);
      expect(await customerIds(s, '?phone_number=%2B47')).toEqual(['k1']);
      expect(await customerIds(s, '?phone_number=+46')).toEqual(['k2']);
      expect(await customerIds(s, '?search=ann')).toEqual(['ann-3', 'k1', 'k2']);
      expect(await customerIds(s, '?search=anne%20b')).toEqual(['k1']);
      expect(await customerIds(s, '?search=BJØRN')).toEqual(['k2']);
      expect(await customerIds(s, '?search=%2B4690')).toEqual(['k2']);
      expect(await customerIds(s, '?search=example')).toEqual([]);
      // Parameters are ANDed.
      expect(await customerIds(s, '?search=ann&email=bjorn')).toEqual(['k2']);
    });

    it('filters by token type/value, tag, and attributes keys with paired values', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'x1', attributes: { level: 'gold', pets: ['cat', 'dog'], active: true } });
      await createCustomer(s, { customer_id: 'x2', attributes: { level: 'silver', pets: ['dog'] } });
      await createCustomer(s, { customer_id: 'x3' });
      await addToken(s, 'x1', { type: 'member', value: '100200' });
      await addToken(s, 'x2', { type: 'member', value: '100300' });
      await addToken(s, 'x3', { type: 'app', value: '100299' });
      expect(await customerIds(s, '?token_value=1002')).toEqual(['x1', 'x3']);
      expect(await customerIds(s, '?token_type=member&token_value=1002')).toEqual(['x1']);
      expect(await customerIds(s, '?token_type=member')).toEqual(['x1', 'x2']);
      const tag = ok<{ id: string }>(await s.call('POST', '/customers/tags', { tag: 'VIP' }));
      ok(await s.call('PUT', '/customers/users/x2/tags', [tag.id]));
      expect(await customerIds(s, `?tag_id=${tag.id}`)).toEqual(['x2']);
      expect(await customerIds(s, '?attributes_keys=level')).toEqual(['x1', 'x2']);
      expect(await customerIds(s, '?attributes_keys[]=level&attributes_values[]=gold')).toEqual(['x1']);
      expect(await customerIds(s, '?attributes_keys[]=pets&attributes_values[]=dog')).toEqual(['x1', 'x2']);
      expect(await customerIds(s, '?attributes_keys[]=pets&attributes_keys[]=active&attributes_values[]=dog&attributes_values[]=true')).toEqual(['x1']);
      expectError(await s.call('GET', '/customers/users?attributes_values=gold'), 400, 'CUSTOMER_QUERY_INVALID');
    });

    it('leaves contacts out unless type=contact|any; a matching contact brings the users it is a contact for', async () => {
      const s = await store();
      await createCustomer(s, { customer_id: 'parent', first_name: 'Olsen' });
      await createCustomer(s, { customer_id: 'boss', type: 'employee', first_name: 'Zed' });
      await createCustomer(s, { customer_id: 'contact', type: 'contact', first_name: 'Mia', contact_for: [{ customer_id: 'parent' }] });
      expect(await customerIds(s)).toEqual(['boss', 'parent']);
      expect(await customerIds(s, '?type=employee')).toEqual(['boss']);
      expect(await customerIds(s, '?type=any')).toEqual(['boss', 'contact', 'parent']);
      expect(await customerIds(s, '?type=contact')).toEqual(['contact', 'parent']);
      expect(await customerIds(s, '?type=contact&search=mia')).toEqual(['contact', 'parent']);
      expect(await customerIds(s, '?type=contact&search=zed')).toEqual([]);
      expect(await customerIds(s, '?search=mia')).toEqual([]);
    });
  });

  describe('HEAD', () => {
    it('is 405 until settings enable it, then 200 for an exact (case-insensitive email) match and 404 otherwise; public:customers may ask', async () => {
      const s = await store();
      await createCustomer(s, { email: 'Here@Example.com', phone_number: '+4793333333' });
      const pub = await s.tokenFor(['public:customers']);
      const head = (q: string) => s.call('HEAD', `/customers/users${q}`, undefined, { token: pub });
      expect((await head('?email=here@example.com')).statusCode).toBe(405);
      ok(await s.call('PUT', '/customers/settings', { users: { head: { enabled: true } } }));
      expect((await head('?email=here@example.com')).statusCode).toBe(200);
      expect((await head('?phone_number=%2B4793333333')).statusCode).toBe(200);
      expect((await head('?email=here@example.com&phone_number=%2B4790000000')).statusCode).toBe(404);
      expect((await head('?email=here@')).statusCode).toBe(404);
      expect((await head('')).statusCode).toBe(400);
      expect((await s.call('HEAD', '/customers/users?email=x', undefined, { token: await s.tokenFor(['read:wallets']) })).statusCode).toBe(403);
    });
  });
});
