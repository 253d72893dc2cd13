/**
 * The account-wide parts of the Customers service on real databases: settings, tags (with a
 * customer's tag set), terms and conditions, and verifying a customer's email or phone with a
 * code (captured by the test's own sender).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { expectError, NOW, ok, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import { capturingSender, createCustomer, customerIds, customerStore, startWithSender } from '../support/customers.ts';

interface Tag { id: string; tag: string; metadata?: Record<string, unknown>; created_at: string; created_by: string; updated_at: string; deleted_at?: string; deleted_by?: string }
interface Terms { id: string; terms: string; created_at: string; created_by: string; updated_at: string; deleted_at?: string; deleted_by?: string }
interface Communication { id: string; communication: { email?: { verified_at?: string; allowed: boolean }; phone_number?: { verified_at?: string; allowed: boolean } } }

describe.each(dbTargets())('customer settings, tags and terms on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => customerStore(h, '9');

  it('settings: defaults until set, PUT replaces, public:customers may read, read-only clients may not write; bad settings are 400', async () => {
    const s = await store();
    const pub = await s.tokenFor(['public:customers']);
    const defaults = { users: { head: { enabled: false }, phone_number_validation: { allow_duplicates: false }, customer_id_format: 'uuid' } };
    expect(ok(await s.call('GET', '/customers/settings', undefined, { token: pub }))).toEqual(defaults);
    const body = {
      users: { head: { enabled: true }, customer_id_format: 'sequence' },
      tokens: { event_expiry: [{ status: 'OPT_OUT', time_to_live: 15780000 }] },
      attributes: [{ name: 'shoe_size', type: 'integer' }, { name: 'pets', type: 'string', multiple_values: true }],
    };
    const expected = { ...body, users: { ...body.users, phone_number_validation: { allow_duplicates: false } } };
    expect(ok(await s.call('PUT', '/customers/settings', body))).toEqual(expected);
    expect(ok(await s.call('GET', '/customers/settings', undefined, { token: pub }))).toEqual(expected);
    expectError(await s.call('PUT', '/customers/settings', body, { token: pub }), 403, 'AUTH_SCOPE_MISSING');
    expectError(await s.call('PUT', '/customers/settings', { users: { customer_id_format: 'random' } }), 400, 'VALIDATION_ERROR');
    expectError(await s.call('PUT', '/customers/settings', { auto_tokens: { email: [{ type: 'HMAC-SHA256' }] } }), 400, 'VALIDATION_ERROR');
    expectError(await s.call('PUT', '/customers/settings', { tokens: { event_expiry: [{ status: 'X', time_to_live: -1 }] } }), 400, 'VALIDATION_ERROR');
    // Declared attributes are type-checked on customers.
    expectError(await s.call('POST', '/customers/users', { attributes: { shoe_size: 'large' } }), 400, 'CUSTOMER_ATTRIBUTE_INVALID');
    expectError(await s.call('POST', '/customers/users', { attributes: { pets: 'cat' } }), 400, 'CUSTOMER_ATTRIBUTE_INVALID');
    await createCustomer(s, { attributes: { shoe_size: 42, pets: ['cat'], free_text: 'kept' } });
  });

  it('tags: create, list, give a customer a set (replaced by PUT), delete (soft, and taken off every customer)', async () => {
    const s = await store();
    const vip = ok<Tag>(await s.call('POST', '/customers/tags', { tag: 'VIP', metadata: { colour: 'gold' } }));
    expect(vip).toEqual({ id: expect.any(String), tag: 'VIP', metadata: { colour: 'gold' }, created_at: NOW, created_by: s.clientId, updated_at: NOW });
    const staff = ok<Tag>(await s.call('POST', '/customers/tags', { tag: 'Staff' }));
    expectError(await s.call('POST', '/customers/tags', { tag: 'VIP' }), 400, 'CUSTOMER_TAG_DUPLICATE');
    expect(ok<Tag[]>(await s.call('GET', '/customers/tags')).map((t) => t.tag)).toEqual(['VIP', 'Staff']);

    await createCustomer(s, { customer_id: 't1' });
    expect(ok<Tag[]>(await s.call('PUT', '/customers/users/t1/tags', [vip.id, staff.id])).map((t) => t.tag)).toEqual(['VIP', 'Staff']);
    expect(ok<Tag[]>(await s.call('PUT', '/customers/users/t1/tags', [staff.id])).map((t) => t.tag)).toEqual(['Staff']);
    expectError(await s.call('PUT', '/customers/users/t1/tags', [staff.id, 'nope']), 400, 'CUSTOMER_TAG_UNKNOWN');
    expect(ok<Tag[]>(await s.call('GET', '/customers/users/t1/tags')).map((t) => t.tag)).toEqual(['Staff']);
    expectError(await s.call('GET', '/customers/users/nobody/tags'), 404, 'CUSTOMER_NOT_FOUND');

    clock.advance(1_000);
    const deleted = ok<Tag>(await s.call('DELETE', `/customers/tags/${staff.id}`));
    expect(deleted.deleted_at).toBe(clock.now().toISOString());
    expect(ok<Tag[]>(await s.call('GET', '/customers/users/t1/tags'))).toEqual([]);
    expect(await customerIds(s, `?tag_id=${staff.id}`)).toEqual([]);
    expect(ok<Tag[]>(await s.call('GET', '/customers/tags')).map((t) => t.tag)).toEqual(['VIP']);
    expectError(await s.call('DELETE', `/customers/tags/${staff.id}`), 404, 'CUSTOMER_TAG_NOT_FOUND');
    expectError(await s.call('PUT', '/customers/users/t1/tags', [staff.id]), 400, 'CUSTOMER_TAG_UNKNOWN');
  });

  it('terms: create, read (also with public:customers), list by id with paging, soft delete shown only with include_deleted', async () => {
    const s = await store();
    const pub = await s.tokenFor(['public:customers']);
    const made: Terms[] = [];
    for (const text of ['v1', 'v2', 'v3']) made.push(ok<Terms>(await s.call('POST', '/customers/terms', { terms: text })));
    const [v1, v2, v3] = made;
    if (v1 === undefined || v2 === undefined || v3 === undefined) throw new Error('terms not created');
    expect(v1).toEqual({ id: expect.any(String), terms: 'v1', created_at: NOW, created_by: s.clientId, updated_at: NOW });
    expect(ok<Terms>(await s.call('GET', `/customers/terms/${v2.id}`, undefined, { token: pub }))).toEqual(v2);
    const ids = (list: Terms[]) => list.map((t) => t.terms);
    expect(ids(ok<Terms[]>(await s.call('GET', '/customers/terms', undefined, { token: pub })))).toEqual(['v1', 'v2', 'v3']);
    expect(ids(ok<Terms[]>(await s.call('GET', `/customers/terms?limit=1&starting_after=${v1.id}`)))).toEqual(['v2']);
    const deleted = ok<Terms>(await s.call('DELETE', `/customers/terms/${v2.id}`));
    expect(deleted).toEqual({ ...v2, deleted_at: NOW, deleted_by: s.clientId });
    expect(ids(ok<Terms[]>(await s.call('GET', '/customers/terms')))).toEqual(['v1', 'v3']);
    expect(ids(ok<Terms[]>(await s.call('GET', '/customers/terms?include_deleted=true')))).toEqual(['v1', 'v2', 'v3']);
    expect(ok<Terms>(await s.call('GET', `/customers/terms/${v2.id}`))).toEqual(deleted);
    expectError(await s.call('DELETE', `/customers/terms/${v2.id}`), 404, 'CUSTOMER_TERMS_NOT_FOUND');
    expectError(await s.call('GET', '/customers/terms/unknown'), 404, 'CUSTOMER_TERMS_NOT_FOUND');
    expectError(await s.call('POST', '/customers/terms', { terms: 'x' }, { token: pub }), 403, 'AUTH_SCOPE_MISSING');
    expectError(await s.call('POST', '/customers/terms', { terms: '' }), 400, 'VALIDATION_ERROR');
  });
});

describe.each(dbTargets())('verifying email and phone on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  const sender = capturingSender();
  let app: Awaited<ReturnType<typeof startWithSender>>;
  beforeAll(async () => {
    app = await startWithSender(target, clock, sender);
  });
  afterAll(() => app.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const op = (cid: string, operation: string, field: string, body: unknown = {}) => app.call('POST', `/customers/users/${cid}/communication/${operation}/${field}`, body);
  const communication = async (cid: string) => {
    const res = await app.call('GET', `/customers/users/${cid}/communication`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Communication>().communication;
  };
  const create = async (body: Record<string, unknown>) => expect((await app.call('POST', '/customers/users', body)).statusCode).toBe(200);

  it('sends a 6-digit code to the address and confirms it; the state shows verified_at and the consent', async () => {
    await create({ customer_id: 'v1', email: 'v1@example.com', phone_number: '+4798888888', marketing_consent: { email: { consent: true } } });
    expect(await communication('v1')).toEqual({ email: { allowed: true }, phone_number: { allowed: false } });
    expect((await op('v1', 'send-verification-code', 'email')).statusCode).toBe(204);
    const sent = sender.last();
    expect(sent).toMatchObject({ customerId: 'v1', field: 'email', to: 'v1@example.com', code: expect.stringMatching(/^\d{6}$/) });
    expect((await op('v1', 'confirm-verification-code', 'email', { code: sent.code })).statusCode).toBe(204);
    expect(await communication('v1')).toEqual({ email: { verified_at: NOW, allowed: true }, phone_number: { allowed: false } });
    // A used code does not confirm again; changing the email un-verifies it.
    expect((await op('v1', 'confirm-verification-code', 'email', { code: sent.code })).statusCode).toBe(400);
    expect((await app.call('PUT', '/customers/users/v1', { email: 'v1@new.example' })).statusCode).toBe(200);
    expect((await communication('v1')).email).toEqual({ allowed: true });
  });

  it('voids a code after 5 wrong tries, after 10 minutes, after a newer code, or once the address changed', async () => {
    await create({ customer_id: 'v2', email: 'v2@example.com', phone_number: '+4798888000' });
    expect((await op('v2', 'send-verification-code', 'phone_number')).statusCode).toBe(204);
    const code = sender.last().code;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i += 1) {
      const res = await op('v2', 'confirm-verification-code', 'phone_number', { code: wrong });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('CUSTOMER_VERIFICATION_CODE_INVALID');
    }
    expect((await op('v2', 'confirm-verification-code', 'phone_number', { code })).statusCode).toBe(400);

    await op('v2', 'send-verification-code', 'phone_number');
    const late = sender.last().code;
    clock.advance(10 * 60 * 1000);
    expect((await op('v2', 'confirm-verification-code', 'phone_number', { code: late })).statusCode).toBe(400);

    await op('v2', 'send-verification-code', 'phone_number');
    const older = sender.last().code;
    await op('v2', 'send-verification-code', 'phone_number');
    const newer = sender.last().code;
    if (older !== newer) expect((await op('v2', 'confirm-verification-code', 'phone_number', { code: older })).statusCode).toBe(400);

    await op('v2', 'send-verification-code', 'email');
    const forOld = sender.last().code;
    expect((await app.call('PUT', '/customers/users/v2', { email: 'v2@moved.example' })).statusCode).toBe(200);
    expect((await op('v2', 'confirm-verification-code', 'email', { code: forOld })).statusCode).toBe(400);

    expect((await op('v2', 'confirm-verification-code', 'phone_number', { code: newer })).statusCode).toBe(204);
    expect((await communication('v2')).phone_number?.verified_at).toBe(clock.now().toISOString());
  });

  it('refuses what cannot be verified and needs write access', async () => {
    await create({ customer_id: 'v3' });
    expect((await op('v3', 'send-verification-code', 'email')).statusCode).toBe(400);
    expect((await op('v3', 'confirm-verification-code', 'email', {})).statusCode).toBe(400);
    expect((await op('v3', 'verify', 'email')).statusCode).toBe(400);
    expect((await op('nobody', 'send-verification-code', 'email')).statusCode).toBe(404);
    const reader = await app.tokenFor(['read:customers']);
    expect((await app.call('POST', '/customers/users/v3/communication/send-verification-code/email', {}, reader)).statusCode).toBe(403);
    expect((await app.call('GET', '/customers/users/v3/communication', undefined, reader)).statusCode).toBe(200);
  });
});
