/**
 * Sales locations (contract §2.1, §2.3) over HTTP on real databases: CRUD, validation, filters,
 * paging by location_id, webhooks and scopes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { expectError, NOW, ok, type Store } from '../support/discounts.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';
import { customerStore, outbox } from '../support/customers.ts';

interface Location {
  id: string;
  account_id: string;
  location_id: string;
  name?: string;
  status?: string;
  type?: string;
  email?: string;
  phone_number?: string;
  address?: { address_line: string; postal_place: string; country: string };
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string;
  deleted_by?: string;
  [field: string]: unknown;
}

describe.each(dbTargets())('locations on $name', (target) => {
  const clock = manualClock(new Date(NOW));
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
  });
  afterAll(() => h.close());
  beforeEach(() => clock.set(new Date(NOW)));

  const store = (): Promise<Store> => customerStore(h, '4', ['admin:locations']);
  const ids = async (s: Store, query = ''): Promise<string[]> => ok<Location[]>(await s.call('GET', `/locations${query}`)).map((l) => l.location_id);
  const oslo = {
    location_id: 'S01', name: 'TKP Store Oslo', timezone: 'Europe/Oslo', status: 'Active', language_code: 'nb-NO', currency: 'NOK',
    phone_number: '+4722222222', chain: 'TKP', email: 'Oslo@Example.com', mcc: '5814', gln: '7080000000000', organization_number: '123456789MVA',
    business_name: 'TKP technology AS', franchise: 'Subway', type: 'Physical', website_url: 'https://tkp.example',
    address: { address_line: 'Sommerkroveien 34', postal_code: '0349', postal_place: 'Oslo', country: 'NO', latitude: 59.94, longitude: 10.71 },
  };

  it('creates (200), reads, updates only what PUT carries, and deletes (soft: then 404); each write is a webhook', async () => {
    const s = await store();
    const created = ok<Location>(await s.call('POST', '/locations', oslo));
    expect(created).toEqual({ id: expect.any(String), account_id: s.aid, created_at: NOW, created_by: s.clientId, updated_at: NOW, ...oslo });
    expect(ok<Location>(await s.call('GET', '/locations/S01'))).toEqual(created);
    clock.advance(1_000);
    const at = clock.now().toISOString();
    const updated = ok<Location>(await s.call('PUT', '/locations/S01', { ...created, status: 'Closed' }));
    expect(updated).toEqual({ ...created, status: 'Closed', updated_at: at });
    expectError(await s.call('PUT', '/locations/S01', { location_id: 'S02' }), 400, 'LOCATION_ID_IMMUTABLE');
    expectError(await s.call('POST', '/locations', { location_id: 'S01' }), 400, 'LOCATION_DUPLICATE');
    const deleted = ok<Location>(await s.call('DELETE', '/locations/S01'));
    expect(deleted).toEqual({ ...updated, deleted_at: at, deleted_by: s.clientId });
    expectError(await s.call('GET', '/locations/S01'), 404, 'LOCATION_NOT_FOUND');
    expectError(await s.call('PUT', '/locations/S01', { name: 'x' }), 404, 'LOCATION_NOT_FOUND');
    expectError(await s.call('DELETE', '/locations/S01'), 404, 'LOCATION_NOT_FOUND');
    expect(await ids(s)).toEqual([]);
    expect((await outbox(h, s.aid)).map((r) => [r.event, r.payload])).toEqual([
      ['location_add', { location: created }],
      ['location_update', { location: updated }],
      ['location_delete', { location: deleted }],
    ]);
    // A closed store's id may open again; without one the server makes one up.
    ok(await s.call('POST', '/locations', { location_id: 'S01', name: 'Reopened' }));
    expect(ok<Location>(await s.call('POST', '/locations', { name: 'Pop-up' })).location_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('validates time zone, language, currency, phone, email and MCC; unknown fields are 400', async () => {
    const s = await store();
    for (const body of [
      { timezone: 'Mars/Olympus' }, { language_code: 'not a tag!' }, { currency: 'nok' }, { phone_number: '22 22 22 22' },
      { email: 'nope' }, { mcc: '58' }, { address: { address_line: 'x', country: 'NO' } }, { colour: 'red' },
    ]) {
      expectError(await s.call('POST', '/locations', body), 400, 'VALIDATION_ERROR');
    }
    expect(await ids(s)).toEqual([]);
  });

  it('lists by location_id with starting_after, search over names/email/phone/org no, and the array filters', async () => {
    const s = await store();
    ok(await s.call('POST', '/locations', oslo));
    ok(await s.call('POST', '/locations', { location_id: 'S02', name: 'Bergen Brygge', status: 'Active', type: 'Mobile', email: 'bergen@example.com', address: { address_line: 'Bryggen 1', postal_place: 'Bergen', country: 'NO' } }));
    ok(await s.call('POST', '/locations', { location_id: 'S03', name: 'Stockholm', status: 'Inactive', type: 'Physical', phone_number: '+46812345678', address: { address_line: 'Gatan 1', postal_place: 'Stockholm', country: 'SE' } }));
    expect(await ids(s)).toEqual(['S01', 'S02', 'S03']);
    expect(await ids(s, '?limit=2')).toEqual(['S01', 'S02']);
    expect(await ids(s, '?starting_after=S02')).toEqual(['S03']);
    expect(await ids(s, '?search=tkp')).toEqual(['S01']);
    expect(await ids(s, '?search=BERGEN')).toEqual(['S02']);
    expect(await ids(s, '?search=%2B468')).toEqual(['S03']);
    expect(await ids(s, '?search=123456')).toEqual(['S01']);
    expect(await ids(s, '?status[]=Active')).toEqual(['S01', 'S02']);
    expect(await ids(s, '?status=Active&type=Physical')).toEqual(['S01']);
    expect(await ids(s, '?country[]=SE&country[]=NO')).toEqual(['S01', 'S02', 'S03']);
    expect(await ids(s, '?country=SE')).toEqual(['S03']);
    expect(await ids(s, '?email[]=oslo@example.com')).toEqual(['S01']);
    expect(await ids(s, '?phone_number[]=%2B46812345678')).toEqual(['S03']);
    expect(await ids(s, '?organization_number=123456789MVA')).toEqual(['S01']);
    expectError(await s.call('GET', '/locations?limit=101'), 400, 'VALIDATION_ERROR');
  });

  it('needs the locations scopes: read for reads, write for writes; other accounts never see them', async () => {
    const s = await store();
    ok(await s.call('POST', '/locations', { location_id: 'L1' }));
    const reader = await s.tokenFor(['read:locations']);
    expect((await s.call('GET', '/locations/L1', undefined, { token: reader })).statusCode).toBe(200);
    expectError(await s.call('POST', '/locations', { name: 'x' }, { token: reader }), 403, 'AUTH_SCOPE_MISSING');
    expectError(await s.call('GET', '/locations', undefined, { token: await s.tokenFor(['admin:customers']) }), 403, 'AUTH_SCOPE_MISSING');
    expect((await h.call('GET', `/v1/accounts/${s.aid}/locations`)).statusCode).toBe(401);
    const other = await store();
    expect(await ids(other)).toEqual([]);
    expectError(await other.call('GET', '/locations/L1'), 404, 'LOCATION_NOT_FOUND');
  });
});
