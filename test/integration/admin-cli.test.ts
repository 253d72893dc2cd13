/**
 * The admin CLI as scripts call it: a real process on a real database, JSON on stdout only.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../sync-server/src/app.ts';
import { dbTargets } from '../support/databases.ts';
import { PUBLIC_URL } from '../support/harness.ts';

const run = promisify(execFile);

async function admin(databaseUrl: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'sync-server/src/cli/admin.ts', ...args], { env: { ...process.env, DATABASE_URL: databaseUrl } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    // execFile rejects on a non-zero exit, with the exit code and both streams on the error.
    if (e instanceof Error && 'code' in e && typeof e.code === 'number' && 'stdout' in e && typeof e.stdout === 'string' && 'stderr' in e && typeof e.stderr === 'string') {
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
    throw e;
  }
}

describe.each(dbTargets())('admin CLI on $name', (target) => {
  let created: Awaited<ReturnType<typeof target.create>>;
  beforeAll(async () => {
    created = await target.create();
  });
  afterAll(() => created.dispose());

  it('creates an account and a client whose credentials work at the token endpoint, then revokes it', async () => {
    const acc = await admin(created.url, 'account:create', 'T12345678', 'Demo store');
    expect(acc.code).toBe(0);
    const made = await admin(created.url, 'client:create', 'T12345678', 'till-1', '--scopes', 'admin:wallets read:products');
    expect(made.code).toBe(0);
    expect(made.stdout.trim().split('\n')).toHaveLength(1);
    const creds = JSON.parse(made.stdout) as { client_id: string; client_secret: string };
    expect(Object.keys(creds).sort()).toEqual(['client_id', 'client_secret']);

    const { app } = await buildApp({ db: created.db, publicUrl: PUBLIC_URL, revocationRefreshMs: 0 });
    const exchange = () => app.inject({
      method: 'POST', url: '/v1/accounts/T12345678/auth/token',
      headers: { authorization: `Basic ${Buffer.from(`${creds.client_id}:${creds.client_secret}`).toString('base64')}` },
      payload: { grant_type: 'client_credentials', audience: `${PUBLIC_URL}/v1/accounts/T12345678` },
    });
    expect((await exchange()).statusCode).toBe(200);

    const list = await admin(created.url, 'client:list', 'T12345678');
    const clients = JSON.parse(list.stdout) as Array<{ client_id: string; scopes: string; revoked_at: string | null }>;
    expect(clients).toEqual([expect.objectContaining({ client_id: creds.client_id, scopes: 'admin:wallets read:products', revoked_at: null })]);
    expect(list.stdout).not.toContain(creds.client_secret);

    expect((await admin(created.url, 'client:revoke', 'T12345678', creds.client_id)).code).toBe(0);
    expect((await exchange()).statusCode).toBe(401);
    await app.close();
  });

  it('refuses bad input with a message on stderr, nothing on stdout, and a non-zero exit', async () => {
    for (const args of [['client:create', 'T12345678', 'x', '--scopes', 'admin:walets'], ['account:create', 'X1', 'Store'], ['client:create', 'T99999999', 'x', '--scopes', 'read:wallets'], ['nope']]) {
      const res = await admin(created.url, ...args);
      expect(res.code, args.join(' ')).not.toBe(0);
      expect(res.stdout).toBe('');
      expect(res.stderr.length).toBeGreaterThan(0);
    }
  });
});
