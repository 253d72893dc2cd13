/** auth.token_issue_ms (HTTP, median) and auth.verify_us (JWT verify + scope check, median). */
import { hasAnyScope, scopesFor } from '@pos/core';
import { buildApp } from '../../sync-server/src/app.ts';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { systemClock } from '../../sync-server/src/clock.ts';
import type { DbTarget } from '../support/databases.ts';
import { median, type Metric } from './report.ts';

export async function authBench(sqlite: DbTarget): Promise<Metric[]> {
  const { db, dispose } = await sqlite.create();
  const publicUrl = 'http://bench.local';
  const { app, auth } = await buildApp({ db, publicUrl, revocationRefreshMs: 0 });
  const admin = createAuthAdmin(createAuthRepo(db.kysely), systemClock);
  await admin.createAccount('T12345678', 'Bench');
  const { client_id, client_secret } = await admin.createClient('T12345678', 'bench', ['admin:wallets', 'read:products']);
  const basic = `Basic ${Buffer.from(`${client_id}:${client_secret}`).toString('base64')}`;
  const issue = async (): Promise<string> => {
    const res = await app.inject({ method: 'POST', url: '/v1/accounts/T12345678/auth/token', headers: { authorization: basic }, payload: { grant_type: 'client_credentials', audience: `${publicUrl}/v1/accounts/T12345678` } });
    if (res.statusCode !== 200) throw new Error(`token issue failed: ${res.body}`);
    return res.json<{ access_token: string }>().access_token;
  };
  for (let i = 0; i < 20; i += 1) await issue();
  const issueMs: number[] = [];
  let token = '';
  for (let i = 0; i < 200; i += 1) {
    const t0 = process.hrtime.bigint();
    token = await issue();
    issueMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }

  const header = `Bearer ${token}`;
  const required = scopesFor('wallets', 'write:wallets', 'write:wallets:/transactions');
  const verifyOnce = async (): Promise<void> => {
    const p = await auth.verify(header);
    if (!hasAnyScope(p.scopes, required)) throw new Error('scope check failed');
  };
  for (let i = 0; i < 2000; i += 1) await verifyOnce();
  const verifyUs: number[] = [];
  for (let i = 0; i < 20_000; i += 1) {
    const t0 = process.hrtime.bigint();
    await verifyOnce();
    verifyUs.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  const coldUs: number[] = [];
  for (let i = 0; i < 5000; i += 1) {
    const t0 = process.hrtime.bigint();
    const p = await auth.verifyUncached(token);
    if (!hasAnyScope(p.scopes, required)) throw new Error('scope check failed');
    coldUs.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  await app.close();
  await dispose();
  return [
    { id: 'auth.token_issue_ms', value: median(issueMs), unit: 'ms', target: null, better: 'lower', note: 'POST /auth/token through Fastify inject, RS256, median of 200' },
    { id: 'auth.verify_us', value: median(verifyUs), unit: 'µs', target: 50, better: 'lower', note: 'per request: verified-token cache hit + expiry/revocation + scope check, median of 20,000' },
    { id: 'auth.verify_cold_us', value: median(coldUs), unit: 'µs', target: null, better: 'lower', note: "a token's first request: full RS256 verify (jose/WebCrypto) + scope check, median of 5,000" },
  ];
}
