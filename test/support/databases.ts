/**
 * The databases every integration suite runs against: a fresh SQLite file always, and a fresh
 * PostgreSQL database when TEST_PG_URL names a server (test/run-all.sh starts one). Under CI=true
 * a missing PostgreSQL fails the run instead of skipping it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../sync-server/src/db/connect.ts';

export interface DbTarget {
  readonly name: 'sqlite' | 'postgres';
  /** A new, empty database; `dispose` closes and removes it. */
  create(opts?: { poolSize?: number }): Promise<{ db: Db; url: string; dispose: () => Promise<void> }>;
}

const sqliteTarget: DbTarget = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'pos-test-'));
    const url = `sqlite:${join(dir, 'pos.db')}`;
    const db = openDb(url);
    return {
      db,
      url,
      dispose: async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgresTarget(adminUrl: string): DbTarget {
  return {
    name: 'postgres',
    async create(opts) {
      const created = await createDatabase(adminUrl, 'pos_t');
      const db = openDb(created.url, opts);
      return {
        db,
        url: created.url,
        dispose: async () => {
          await db.close();
          await created.drop();
        },
      };
    },
  };
}

/** A new, empty PostgreSQL database on the server `adminUrl` names: its URL, and how to drop it. */
export async function createDatabase(adminUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => dropDatabase(adminUrl, name) };
}

/**
 * Drops a test database even while something is still connected to it. FORCE must terminate
 * every session in it, and an autovacuum worker that happens to be there belongs to no role, so
 * a role without pg_signal_backend gets "must be a member of the role whose process is being
 * terminated" (seen in CI). The test cluster grants pg_signal_backend; against any other server
 * the worker is gone within moments, so a refusal is retried before it counts.
 */
async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        return;
      } catch (err) {
        const insufficientPrivilege = err instanceof pg.DatabaseError && err.code === '42501';
        if (!insufficientPrivilege || attempt >= 20) throw err;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await c.end();
  }
}

export function dbTargets(): DbTarget[] {
  const pgUrl = process.env.TEST_PG_URL;
  if (pgUrl === undefined || pgUrl === '') {
    if (process.env.CI === 'true') throw new Error('TEST_PG_URL is not set: the PostgreSQL suite cannot run (run the tests through `npm test`)');
    console.warn('[tests] TEST_PG_URL not set: running the SQLite half only. `npm test` starts PostgreSQL for you.');
    return [sqliteTarget];
  }
  return [sqliteTarget, postgresTarget(pgUrl)];
}
