/**
 * Client-credentials tokens (contract §1.1) and their verification. Tokens are RS256 JWTs:
 * `sub` = client_id, `aid` = account, `scope` = space-separated scopes, `aud` = the account URL.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AccountIdSchema, isKnownScope, parseScopes } from '@pos/core';
import { ApiError, badRequest, unauthorized } from '../../errors.ts';
import type { Clock } from '../../clock.ts';
import { ALG, type SigningKeys } from './keys.ts';
import type { AuthRepo } from './repo.ts';
import type { ApiClientsTable } from '../../db/schema.ts';

export const TOKEN_LIFETIME_S = 14_400;
/** Verified tokens remembered, so a till's thousands of requests per token pay for RS256 once. */
const VERIFIED_CACHE_SIZE = 10_000;
/** The origin Dintero's own clients put in `audience`; accepted alongside ours. */
const DINTERO_ORIGIN = 'https://api.dintero.com';

export interface Principal {
  readonly accountId: string;
  readonly clientId: string;
  readonly scopes: ReadonlySet<string>;
  /** When the token expires (epoch ms): long-lived connections end then. */
  readonly expiresAt: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const sameHash = (a: string, b: string): boolean => {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
};

export function createAuthService(repo: AuthRepo, keys: SigningKeys, clock: Clock, issuer: string) {
  // Revoked clients' tokens stop working within one refresh; the list is read from the database so
  // a revoke by the CLI or another node reaches this one.
  const revoked = new Set<string>();
  let revokedCheckedAt = new Date(0).toISOString();
  // token string → its verified principal and expiry (epoch s). Only exact strings that passed
  // the full check are here; expiry and revocation are still checked on every hit.
  const verified = new Map<string, { principal: Principal; exp: number }>();

  async function verifyToken(token: string): Promise<{ principal: Principal; exp: number }> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, (header) => {
        const key = header.kid === undefined ? undefined : keys.publicKeys.get(header.kid);
        if (key === undefined) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      }, { issuer, algorithms: [ALG], currentDate: clock.now() }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw unauthorized('AUTH_TOKEN_EXPIRED', 'access token expired');
      throw unauthorized('AUTH_TOKEN_INVALID', 'access token is not valid');
    }
    const { sub, aid, scope, exp } = payload;
    if (typeof sub !== 'string' || typeof aid !== 'string' || typeof scope !== 'string' || typeof exp !== 'number') {
      throw unauthorized('AUTH_TOKEN_INVALID', 'access token lacks sub, aid, scope or exp');
    }
    return { principal: { accountId: aid, clientId: sub, scopes: new Set(parseScopes(scope)), expiresAt: exp * 1000 }, exp };
  }

  async function refreshRevocations(): Promise<void> {
    const checkStart = clock.now().toISOString();
    for (const row of await repo.revokedSince(revokedCheckedAt)) revoked.add(row.client_id);
    revokedCheckedAt = checkStart;
  }

  function parseBasic(header: string | undefined): { clientId: string; secret: string } {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    const decoded = match?.[1] === undefined ? '' : Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw unauthorized('AUTH_BASIC_REQUIRED', 'Authorization: Basic base64(client_id:client_secret) is required');
    return { clientId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }

  function checkAudience(audience: string, accountId: string, requestOrigin: string): void {
    let url: URL;
    try {
      url = new URL(audience);
    } catch {
      throw badRequest('AUTH_AUDIENCE_INVALID', 'audience must be a URL like <base>/v1/accounts/{aid}');
    }
    const origins = new Set([new URL(issuer).origin, requestOrigin, DINTERO_ORIGIN]);
    if (!origins.has(url.origin) || url.pathname.replace(/\/$/, '') !== `/v1/accounts/${accountId}`) {
      throw badRequest('AUTH_AUDIENCE_INVALID', `audience must be ${issuer}/v1/accounts/${accountId}`);
    }
  }

  return {
    refreshRevocations,

    async issueToken(input: {
      accountId: string;
      authorization: string | undefined;
      grantType: string;
      audience: string;
      requestOrigin: string;
    }): Promise<IssuedToken> {
      const { clientId, secret } = parseBasic(input.authorization);
      if (input.grantType !== 'client_credentials') {
        throw badRequest('unsupported_grant_type', 'only grant_type client_credentials is supported');
      }
      checkAudience(input.audience, input.accountId, input.requestOrigin);
      const client = await repo.findClient(clientId);
      if (client === undefined || client.account_id !== input.accountId || client.revoked_at !== null || !sameHash(client.secret_hash, hashSecret(secret))) {
        throw unauthorized('AUTH_INVALID_CLIENT', 'unknown client, wrong secret or revoked client');
      }
      const now = Math.floor(clock.now().getTime() / 1000);
      const accessToken = await new SignJWT({ scope: client.scopes, aid: client.account_id })
        .setProtectedHeader({ alg: ALG, kid: keys.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setSubject(client.client_id)
        .setAudience(`${issuer}/v1/accounts/${client.account_id}`)
        .setIssuedAt(now)
        .setExpirationTime(now + TOKEN_LIFETIME_S)
        .setJti(randomUUID())
        .sign(keys.privateKey);
      return { access_token: accessToken, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S };
    },

    /** Verifies a bearer token; throws 401 for anything but a valid, unexpired, unrevoked token. */
    async verify(authorization: string | undefined): Promise<Principal> {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      const token = match?.[1];
      if (token === undefined) throw unauthorized('AUTH_TOKEN_MISSING', 'Authorization: Bearer <access_token> is required');
      let entry = verified.get(token);
      if (entry === undefined) {
        entry = await verifyToken(token);
        if (verified.size >= VERIFIED_CACHE_SIZE) {
          const oldest = verified.keys().next().value;
          if (oldest !== undefined) verified.delete(oldest);
        }
        verified.set(token, entry);
      } else if (entry.exp * 1000 <= clock.now().getTime()) {
        verified.delete(token);
        throw unauthorized('AUTH_TOKEN_EXPIRED', 'access token expired');
      }
      if (revoked.has(entry.principal.clientId)) throw unauthorized('AUTH_CLIENT_REVOKED', 'the API client of this token was revoked');
      return entry.principal;
    },

    /** Full RS256 verification, bypassing the cache (for the benchmark's cold figure). */
    verifyUncached: async (token: string): Promise<Principal> => (await verifyToken(token)).principal,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

/** Back-office operations behind the admin CLI. */
export function createAuthAdmin(repo: AuthRepo, clock: Clock) {
  return {
    async createAccount(accountId: string, name: string): Promise<{ account_id: string; name: string; created: boolean }> {
      if (!AccountIdSchema.safeParse(accountId).success) throw badRequest('ACCOUNT_ID_INVALID', 'account id is T or P followed by 8 digits, e.g. T12345678');
      if (name.trim() === '') throw badRequest('ACCOUNT_NAME_REQUIRED', 'give the account a name');
      const existing = await repo.findAccount(accountId);
      if (existing !== undefined) return { account_id: existing.account_id, name: existing.name, created: false };
      await repo.insertAccount({ account_id: accountId, name, created_at: clock.now().toISOString() });
      return { account_id: accountId, name, created: true };
    },

    async createClient(accountId: string, name: string, scopes: string[]): Promise<{ client_id: string; client_secret: string }> {
      if ((await repo.findAccount(accountId)) === undefined) throw new ApiError(404, 'ACCOUNT_NOT_FOUND', `no account ${accountId}; create it with account:create first`);
      if (name.trim() === '') throw badRequest('CLIENT_NAME_REQUIRED', 'give the client a name');
      if (scopes.length === 0) throw badRequest('CLIENT_SCOPES_REQUIRED', 'give at least one scope, e.g. --scopes "admin:wallets read:products"');
      const unknown = scopes.filter((s) => !isKnownScope(s));
      if (unknown.length > 0) throw badRequest('CLIENT_SCOPE_UNKNOWN', `unknown scope(s): ${unknown.join(', ')}`);
      const clientId = randomUUID();
      const clientSecret = randomBytes(32).toString('base64url');
      await repo.insertClient({
        id: randomUUID(),
        account_id: accountId,
        client_id: clientId,
        name,
        secret_hash: hashSecret(clientSecret),
        scopes: scopes.join(' '),
        created_at: clock.now().toISOString(),
        revoked_at: null,
      });
      return { client_id: clientId, client_secret: clientSecret };
    },

    async listClients(accountId: string): Promise<Array<Omit<ApiClientsTable, 'secret_hash' | 'id'>>> {
      const rows = await repo.listClients(accountId);
      return rows.map(({ client_id, account_id, name, scopes, created_at, revoked_at }) => ({ client_id, account_id, name, scopes, created_at, revoked_at }));
    },

    async revokeClient(accountId: string, clientId: string): Promise<void> {
      const done = await repo.revokeClient(accountId, clientId, clock.now().toISOString());
      if (!done) throw new ApiError(404, 'CLIENT_NOT_FOUND', `no active client ${clientId} on account ${accountId}`);
    },
  };
}
