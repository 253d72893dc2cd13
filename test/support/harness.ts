/**
 * A real sync server on a real database, driven through `inject()`: one account, API clients
 * with the scopes a test asks for, and their bearer tokens.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions, type BuiltApp } from '../../sync-server/src/app.ts';
import type { Clock } from '../../sync-server/src/clock.ts';
import type { Db } from '../../sync-server/src/db/connect.ts';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import type { DbTarget } from './databases.ts';

export const PUBLIC_URL = 'http://pos.test';

export interface Harness {
  readonly app: FastifyInstance;
  readonly built: BuiltApp;
  readonly db: Db;
  readonly dbUrl: string;
  readonly accountId: string;
  /** Creates a client with these scopes on the account and returns its bearer token. */
  tokenFor(scopes: string[], accountId?: string): Promise<string>;
  createAccount(accountId: string): Promise<void>;
  /** `inject` with a bearer token and JSON body. */
  call(method: InjectOptions['method'], path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startHarness(
  target: DbTarget,
  opts: { clock?: Clock; accountId?: string; poolSize?: number; app?: Omit<AppOptions, 'db' | 'publicUrl' | 'clock'> } = {},
): Promise<Harness> {
  const created = await target.create({ poolSize: opts.poolSize });
  const built = await buildApp({ revocationRefreshMs: 0, ...opts.app, db: created.db, publicUrl: PUBLIC_URL, clock: opts.clock });
  const admin = createAuthAdmin(createAuthRepo(created.db.kysely), opts.clock ?? { now: () => new Date() });
  const accountId = opts.accountId ?? 'T12345678';
  await admin.createAccount(accountId, 'Test store');
  const { app } = built;

  const harness: Harness = {
    app,
    built,
    db: created.db,
    dbUrl: created.url,
    accountId,
    async createAccount(id) {
      await admin.createAccount(id, `Store ${id}`);
    },
    async tokenFor(scopes, aid = accountId) {
      const { client_id, client_secret } = await admin.createClient(aid, `client-${scopes.join('+')}`, scopes);
      const res = await app.inject({
        method: 'POST',
        url: `/v1/accounts/${aid}/auth/token`,
        headers: { authorization: `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}` },
        payload: { grant_type: 'client_credentials', audience: `${PUBLIC_URL}/v1/accounts/${aid}` },
      });
      if (res.statusCode !== 200) throw new Error(`token exchange failed: ${res.statusCode} ${res.body}`);
      return res.json<{ access_token: string }>().access_token;
    },
    call(method, path, o = {}) {
      const url = path.startsWith('/v1/') || path.startsWith('/.well-known') || path === '/health' ? path : `/v1/accounts/${accountId}${path}`;
      const headers: Record<string, string> = { ...(o.token === undefined ? {} : { authorization: `Bearer ${o.token}` }), ...o.headers };
      return app.inject({ method, url, headers, ...(o.body === undefined ? {} : { payload: JSON.stringify(o.body), headers: { ...headers, 'content-type': 'application/json' } }) });
    },
    async close() {
      await app.close();
      await created.dispose();
    },
  };
  return harness;
}

/** A clock tests can move. */
export function manualClock(start = new Date('2026-06-01T10:00:00.000Z')): Clock & { advance(ms: number): void; set(d: Date): void } {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    advance(ms) {
      t += ms;
    },
    set(d) {
      t = d.getTime();
    },
  };
}
