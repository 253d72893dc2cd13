import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { dbTargets } from '../support/databases.ts';
import { manualClock, PUBLIC_URL, startHarness, type Harness } from '../support/harness.ts';

const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe.each(dbTargets())('auth on $name', (target) => {
  const clock = manualClock();
  let h: Harness;
  let admin: ReturnType<typeof createAuthAdmin>;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
    admin = createAuthAdmin(createAuthRepo(h.db.kysely), clock);
  });
  afterAll(() => h.close());

  const exchange = (aid: string, authorization: string | undefined, body: unknown) =>
    h.app.inject({ method: 'POST', url: `/v1/accounts/${aid}/auth/token`, headers: authorization === undefined ? {} : { authorization }, payload: body as object });

  it('exchanges client credentials exactly as Dintero\'s quickstart sends them', async () => {
    const { client_id, client_secret } = await admin.createClient(h.accountId, 'till', ['read:wallets']);
    const res = await exchange(h.accountId, basic(client_id, client_secret), { grant_type: 'client_credentials', audience: `${PUBLIC_URL}/v1/accounts/${h.accountId}` });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ access_token: string; token_type: string; expires_in: number }>();
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toBe(14400);
    expect(body.access_token.split('.')).toHaveLength(3);
    const list = await h.call('GET', '/wallets/cards', { token: body.access_token });
    expect(list.statusCode).toBe(200);
  });

  it('accepts Dintero\'s own audience origin too', async () => {
    const { client_id, client_secret } = await admin.createClient(h.accountId, 'shop', ['read:wallets']);
    const res = await exchange(h.accountId, basic(client_id, client_secret), { grant_type: 'client_credentials', audience: `https://api.dintero.com/v1/accounts/${h.accountId}` });
    expect(res.statusCode).toBe(200);
  });

  it('refuses wrong secrets, other accounts, bad grants and bad audiences with Dintero\'s error body', async () => {
    const { client_id, client_secret } = await admin.createClient(h.accountId, 'till', ['read:wallets']);
    const good = { grant_type: 'client_credentials', audience: `${PUBLIC_URL}/v1/accounts/${h.accountId}` };
    const cases: Array<[string, string | undefined, unknown, number, string]> = [
      [h.accountId, basic(client_id, 'wrong'), good, 401, 'AUTH_INVALID_CLIENT'],
      [h.accountId, undefined, good, 401, 'AUTH_BASIC_REQUIRED'],
      [h.accountId, 'Basic !!!', good, 401, 'AUTH_BASIC_REQUIRED'],
      [h.accountId, basic(client_id, client_secret), { ...good, grant_type: 'password' }, 400, 'unsupported_grant_type'],
      [h.accountId, basic(client_id, client_secret), { ...good, audience: 'https://evil.example/v1/accounts/T12345678' }, 400, 'AUTH_AUDIENCE_INVALID'],
      [h.accountId, basic(client_id, client_secret), { ...good, audience: `${PUBLIC_URL}/v1/accounts/T99999999` }, 400, 'AUTH_AUDIENCE_INVALID'],
      [h.accountId, basic(client_id, client_secret), { grant_type: 'client_credentials' }, 400, 'VALIDATION_ERROR'],
      ['T99999999', basic(client_id, client_secret), { ...good, audience: `${PUBLIC_URL}/v1/accounts/T99999999` }, 401, 'AUTH_INVALID_CLIENT'],
    ];
    for (const [aid, auth, body, status, code] of cases) {
      const res = await exchange(aid, auth, body);
      expect({ status: res.statusCode, code: res.json<{ error: { code: string } }>().error.code }).toEqual({ status, code });
      expect(res.json<{ error: { message: string } }>().error.message.length).toBeGreaterThan(0);
    }
  });

  it('401 for a missing, malformed, forged or expired token; 403 for another account or a missing scope', async () => {
    const token = await h.tokenFor(['read:wallets']);
    const expect401 = async (authorization: string | undefined, code: string) => {
      const res = await h.call('GET', '/wallets/cards', { headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode).toBe(401);
      expect(res.json<{ error: { code: string } }>().error.code).toBe(code);
    };
    await expect401(undefined, 'AUTH_TOKEN_MISSING');
    await expect401('Bearer not.a.jwt', 'AUTH_TOKEN_INVALID');
    await expect401(`Token ${token}`, 'AUTH_TOKEN_MISSING');
    // Same claims, signed by a key that is not ours.
    const { privateKey } = await generateKeyPair('RS256');
    const header = decodeProtectedHeader(token);
    const forged = await new SignJWT({ scope: 'admin:wallets', aid: h.accountId })
      .setProtectedHeader({ alg: 'RS256', kid: header.kid ?? '' })
      .setIssuer(PUBLIC_URL).setSubject('x').setIssuedAt().setExpirationTime('1h').sign(privateKey);
    await expect401(`Bearer ${forged}`, 'AUTH_TOKEN_INVALID');
    // A token with its signature from another token.
    const other = await h.tokenFor(['admin:wallets']);
    const [a = '', b = ''] = other.split('.');
    await expect401(`Bearer ${a}.${b}.${token.split('.')[2] ?? ''}`, 'AUTH_TOKEN_INVALID');

    clock.advance(14_401_000);
    await expect401(`Bearer ${token}`, 'AUTH_TOKEN_EXPIRED');
    clock.advance(-14_401_000);

    await h.createAccount('T87654321');
    const res = await h.call('GET', '/v1/accounts/T87654321/wallets/cards', { token });
    expect(res.statusCode).toBe(403);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('AUTH_ACCOUNT_MISMATCH');

    const write = await h.call('POST', '/wallets/cards', { token, body: { card_id: 'c', amount: 1, currency: 'NOK' } });
    expect(write.statusCode).toBe(403);
    expect(write.json<{ error: { code: string } }>().error.code).toBe('AUTH_SCOPE_MISSING');
  });

  it('a revoked client can neither get a token nor use the ones it has', async () => {
    const { client_id, client_secret } = await admin.createClient(h.accountId, 'lost-till', ['read:wallets']);
    const good = { grant_type: 'client_credentials', audience: `${PUBLIC_URL}/v1/accounts/${h.accountId}` };
    const token = (await exchange(h.accountId, basic(client_id, client_secret), good)).json<{ access_token: string }>().access_token;
    await admin.revokeClient(h.accountId, client_id);
    await h.built.auth.refreshRevocations();
    expect((await exchange(h.accountId, basic(client_id, client_secret), good)).statusCode).toBe(401);
    const res = await h.call('GET', '/wallets/cards', { token });
    expect(res.statusCode).toBe(401);
    expect(res.json<{ error: { code: string } }>().error.code).toBe('AUTH_CLIENT_REVOKED');
  });

  it('publishes the verification key as a JWKS', async () => {
    const res = await h.call('GET', '/.well-known/jwks.json');
    expect(res.statusCode).toBe(200);
    const { keys } = res.json<{ keys: Array<{ kty: string; alg: string; kid: string; d?: string }> }>();
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
    expect(keys[0]?.d).toBeUndefined();
  });

  it('every registered route declares its scopes, and admin:<service> is always among them', () => {
    const open = h.built.routes.filter((r) => !r.public && r.scopes.length === 0);
    expect(open).toEqual([]);
    const publicRoutes = h.built.routes.filter((r) => r.public).map((r) => `${r.method} ${r.url}`).sort();
    expect(publicRoutes).toEqual([
      'GET /.well-known/jwks.json',
      'GET /health',
      'GET /v1/accounts/:aid/auth/.well-known/jwks.json',
      'GET /v1/openapi.json',
      'POST /v1/accounts/:aid/auth/token',
    ]);
    // Replication routes serve another service's data and carry that service's scopes.
    const owner: Record<string, string> = { products: 'products', tax_groups: 'products', product_groups: 'products', gift_cards: 'wallets', discount_rules: 'discounts', customers: 'customers', customer_loyalty: 'discounts', offline: 'wallets' };
    for (const r of h.built.routes.filter((x) => !x.public)) {
      const segment = /^\/v1\/accounts\/:aid\/(\w+)/.exec(r.url)?.[1] ?? '(not under an account)';
      const collection = r.url.split('/')[5] ?? '';
      // The multiplexed change stream (`/sync/stream`) serves every collection: all their owners' scopes.
      const services = segment !== 'sync' ? [segment] : collection === 'stream' ? [...new Set(Object.values(owner))] : [owner[collection] ?? '(unknown collection)'];
      for (const service of services) expect(r.scopes, `${r.method} ${r.url}`).toContain(`admin:${service}`);
    }
    expect(h.built.routes.some((r) => r.url === '/v1/accounts/:aid/sync/stream')).toBe(true);
  });
});

describe('tokens survive a restart', () => {
  it('a token issued before a restart still verifies after it (the signing key is persisted)', async () => {
    const [sqlite] = dbTargets();
    if (sqlite === undefined) throw new Error('no sqlite target');
    const created = await sqlite.create();
    const { buildApp } = await import('../../sync-server/src/app.ts');
    const clock = manualClock(new Date());
    const first = await buildApp({ db: created.db, publicUrl: PUBLIC_URL, revocationRefreshMs: 0, clock });
    const admin = createAuthAdmin(createAuthRepo(created.db.kysely), clock);
    await admin.createAccount('T12345678', 'Store');
    const { client_id, client_secret } = await admin.createClient('T12345678', 'till', ['read:wallets']);
    const res = await first.app.inject({
      method: 'POST', url: '/v1/accounts/T12345678/auth/token', headers: { authorization: basic(client_id, client_secret) },
      payload: { grant_type: 'client_credentials', audience: `${PUBLIC_URL}/v1/accounts/T12345678` },
    });
    const token = res.json<{ access_token: string }>().access_token;
    await first.app.close();
    const second = await buildApp({ db: created.db, publicUrl: PUBLIC_URL, revocationRefreshMs: 0, clock });
    const after = await second.app.inject({ method: 'GET', url: '/v1/accounts/T12345678/wallets/cards', headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(200);
    await second.app.close();
    await created.dispose();
  });
});
