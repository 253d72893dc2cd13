/** What every client sees before any service logic: OpenAPI, CORS, health, unknown paths. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

const [sqlite] = dbTargets();

describe('HTTP surface', () => {
  let h: Harness;
  beforeAll(async () => {
    if (sqlite === undefined) throw new Error('no SQLite target');
    h = await startHarness(sqlite);
  });
  afterAll(() => h.close());

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await h.call('GET', '/v1/openapi.json');
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } }>> }>();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/v1/accounts/{aid}/auth/token',
      '/v1/accounts/{aid}/wallets/cards',
      '/v1/accounts/{aid}/wallets/transactions',
      '/v1/accounts/{aid}/wallets/transactions/{transaction_id}/capture',
      '/v1/accounts/{aid}/products/catalogs/{catalog_id}/products',
      '/v1/accounts/{aid}/products/tax',
    ]));
    const body = doc.paths['/v1/accounts/{aid}/wallets/transactions']?.post?.requestBody?.content['application/json']?.schema;
    expect(body?.required).toEqual(expect.arrayContaining(['ref_id', 'amount', 'currency']));
    expect(Object.keys(body?.properties ?? {})).toEqual(expect.arrayContaining(['token', 'card_id', 'pending']));
  });

  it('answers browser preflights so web shops can call the API directly', async () => {
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: `/v1/accounts/${h.accountId}/wallets/info`,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('health is public; unknown paths are 404 with the error body', async () => {
    expect((await h.call('GET', '/health')).json()).toEqual({ status: 'ok' });
    const res = await h.call('GET', '/v1/accounts/T12345678/nothing-here');
    expect(res.statusCode).toBe(404);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
  });
});
