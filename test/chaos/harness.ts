/**
 * The chaos suite's world: the real sync server as a child process on a database of its own (an
 * SQLite file in a temp directory, or a fresh PostgreSQL database on TEST_PG_URL's server), which
 * a trial may SIGKILL and restart on the same port and database. The suite reads the same
 * database directly (Kysely) to check its invariants.
 *
 * A restart must be quick (trials kill the server mid-sale): under `node --import tsx` a start
 * costs 3–4 s, nearly all of it loading and compiling a few hundred TypeScript modules. So the
 * server runs from one ESM bundle of sync-server/src/server.ts (esbuild, which tsx itself uses),
 * built once per process from the sources as they are, with only the native modules left outside;
 * a start is then ~0.5 s of loading plus the server's own start (migrations check, routes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createDatabase } from '../support/databases.ts';
import { openDb, type Db } from '../../sync-server/src/db/connect.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { freePort } from '../bench/server-process.ts';

export type ChaosDbName = 'sqlite' | 'postgres';

export interface ChaosServer {
  readonly host: string;
  readonly port: number;
  /** The server's own URL (what tokens name as audience). */
  readonly publicUrl: string;
  readonly dbName: ChaosDbName;
  /** The server's database, read directly by the invariant checks and the seeding of accounts. */
  readonly db: Db;
  readonly running: boolean;
  /** SIGKILL: no shutdown, open transactions die with the process. */
  kill(): Promise<void>;
  /** Starts it again on the same port and database; resolves once it answers /health. */
  start(): Promise<void>;
  /** Restarts if it is down (waits for a restart already under way). */
  ensureUp(): Promise<void>;
  close(): Promise<void>;
}

/** A fresh database of the kind asked for: its URL and how to remove it. */
async function freshDatabase(name: ChaosDbName): Promise<{ url: string; dispose: () => Promise<void> }> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pos-chaos-'));
    return { url: `sqlite:${join(dir, 'pos.db')}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = process.env.TEST_PG_URL;
  if (adminUrl === undefined || adminUrl === '') throw new Error('the PostgreSQL chaos run needs TEST_PG_URL (run it through test/pg/with-postgres.sh)');
  const created = await createDatabase(adminUrl, 'pos_chaos');
  return { url: created.url, dispose: created.drop };
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let bundled: Promise<string> | null = null;

/**
 * The server as one ESM file: under node_modules/.cache (so its native externals resolve from the
 * repository's node_modules), removed when the process exits.
 */
function serverBundle(): Promise<string> {
  bundled ??= (async () => {
    const cache = join(repoRoot, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'pos-chaos-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'server.mjs');
    await build({
      entryPoints: [join(repoRoot, 'sync-server', 'src', 'server.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      external: ['better-sqlite3', 'pg-native'],
      // CommonJS dependencies bundled into ESM still call require().
      banner: { js: "import { createRequire as __chaosRequire } from 'node:module'; const require = __chaosRequire(import.meta.url);" },
      logLevel: 'error',
    });
    return outfile;
  })();
  return bundled;
}

export async function startChaosServer(dbName: ChaosDbName, opts: { log?: (line: string) => void } = {}): Promise<ChaosServer> {
  const database = await freshDatabase(dbName);
  const db = openDb(database.url, { poolSize: 4 });
  // Migrated here once, so the test process can seed before the first server start finishes.
  await migrateToLatest(db.kysely);
  const host = '127.0.0.1';
  const port = await freePort();
  const publicUrl = `http://${host}:${port}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let starting: Promise<void> | null = null;
  const log = opts.log ?? (() => undefined);

  const entry = await serverBundle();

  async function boot(): Promise<void> {
    const proc = spawn(process.execPath, [entry], {
      env: { ...process.env, PORT: String(port), HOST: host, DATABASE_URL: database.url, LOG_LEVEL: 'error', NODE_ENV: 'production', PUBLIC_URL: publicUrl },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = proc;
    proc.stderr?.on('data', (chunk: Buffer) => log(`[server] ${chunk.toString().trimEnd()}`));
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        if ((await fetch(`${publicUrl}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`the sync server exited while starting (code ${String(proc.exitCode)})`);
      if (Date.now() > deadline) throw new Error(`the sync server did not start on ${publicUrl}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const server: ChaosServer = {
    host,
    port,
    publicUrl,
    dbName,
    db,
    get running() {
      return child !== null && starting === null;
    },
    async kill() {
      if (starting !== null) await starting.catch(() => undefined);
      const proc = child;
      if (proc === null) return;
      child = null;
      proc.kill('SIGKILL');
      await exited;
    },
    start() {
      starting ??= boot().finally(() => {
        starting = null;
      });
      return starting;
    },
    async ensureUp() {
      if (starting !== null) await starting;
      if (child === null) await server.start();
    },
    async close() {
      const proc = child;
      child = null;
      if (proc !== null) {
        proc.kill('SIGTERM');
        await exited;
      }
      await db.close();
      await database.dispose();
    },
  };
  await server.start();
  return server;
}
