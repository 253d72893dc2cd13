/**
 * Opens the database named by DATABASE_URL: `postgres://…` / `postgresql://…` for PostgreSQL,
 * `sqlite:<path>` (or a bare path) for an SQLite file. One Kysely query layer serves both.
 *
 * SQLite runs in WAL mode with `synchronous=NORMAL`: a commit appends to the WAL without an
 * fsync; the fsyncs happen when a checkpoint copies the WAL back into the database file. SQLite
 * checkpoints inside whichever commit crosses 1,000 WAL pages, on the one thread that serves
 * every request, and on write-heavy loads (receipt batches) those fsyncs took most of the commit
 * time. So a file database is checkpointed by a worker thread with its own connection (see
 * `checkpointInBackground`); durability is the same, only the thread that waits for the disk
 * changes.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /** Human-readable location for logs (no password). */
  readonly describe: string;
  /** PostgreSQL: for sessions outside the pool (the sync LISTEN). Holds the password: never log it. */
  readonly connectionString?: string;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/pos.db';

// int8 (bigint) arrives as a string from pg; our amounts stay far below 2^53 (core MAX_AMOUNT).
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and preparing costs
 * more than running a point lookup. Queries are built from a fixed set of shapes, so the cache
 * stays small; it is bounded anyway.
 */
function withStatementCache(db: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = db.prepare(sql);
        if (cache.size >= max) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/**
 * Splits rows for multi-row statements: chunks of `max` (a power of two) while they last, the
 * rest in falling powers of two. A statement's SQL depends on how many rows it has, so this keeps
 * a table's inserts to a handful of shapes that stay prepared in the statement cache, instead of
 * every batch size preparing (and evicting) its own.
 */
export function statementChunks<T>(rows: readonly T[], max: number): T[][] {
  if (!Number.isInteger(Math.log2(max))) throw new Error(`statementChunks: ${max} is not a power of two`);
  const out: T[][] = [];
  let i = 0;
  for (; rows.length - i >= max; i += max) out.push(rows.slice(i, i + max));
  for (let size = max / 2; size >= 1; size /= 2) {
    if (rows.length - i < size) continue;
    out.push(rows.slice(i, i + size));
    i += size;
  }
  return out;
}

/** How often the worker checkpoints (ms): small enough that little is left for the request thread. */
const CHECKPOINT_EVERY_MS = 100;
/**
 * WAL pages after which the request thread checkpoints too. The worker's checkpoints run beside
 * the writer, so under sustained writes one rarely ends with every page copied — the moment the
 * next write may start the WAL over — and the WAL would grow without end. The request thread's
 * checkpoint runs between transactions (through Kysely's one connection), copies the little the
 * worker has not, and so lets the next write start the WAL over.
 */
const CATCH_UP_AFTER_PAGES = 16_384;
/** Bytes the WAL file is cut back to when it starts over (after a burst it would stay large). */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/**
 * The worker: passive checkpoints, reporting the WAL's size in pages after each. Every checkpoint
 * here and on the request thread is PASSIVE: it never takes the writer's lock and never waits,
 * so it can never make a transaction — of this process or another on the same file — fail as
 * busy (a FULL or RESTART checkpoint holds the writer's lock while it waits for readers, and a
 * transaction that has read already cannot wait for that lock; it fails). Plain JavaScript, so it
 * runs under tsx, vitest and a build alike.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
let timer;
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ pages: r === undefined ? 0 : r.log });
  } catch (e) {
    parentPort.postMessage({ error: String(e) });
  }
  timer = setTimeout(tick, workerData.everyMs);
};
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage({ ready: true });
tick();
`;

/**
 * Moves checkpoints of an SQLite file off the request thread. Until the worker is up (and if it
 * ever fails) SQLite's own automatic checkpoint stays on, so the WAL is always bounded. When the
 * worker reports a long WAL, the request thread catches up (see `CATCH_UP_AFTER_PAGES`).
 */
function checkpointInBackground(file: string, sqlite: SQLite.Database, kysely: Kysely<Database>): () => Promise<void> {
  const worker = new Worker(CHECKPOINTER, {
    eval: true,
    workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3'), everyMs: CHECKPOINT_EVERY_MS },
  });
  worker.unref();
  let catchingUp = false;
  let stopped = false;
  const fallBack = (): void => {
    if (!stopped && sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000');
  };
  worker.on('message', (m: unknown) => {
    if (typeof m !== 'object' || m === null || stopped || !sqlite.open) return;
    if ('ready' in m) sqlite.pragma('wal_autocheckpoint = 0');
    else if ('error' in m) fallBack();
    else if ('pages' in m && typeof m.pages === 'number' && m.pages > CATCH_UP_AFTER_PAGES && !catchingUp) {
      catchingUp = true;
      // Busy (the worker is mid-checkpoint) is not an error: the next report tries again.
      sql`pragma wal_checkpoint(PASSIVE)`.execute(kysely).catch(() => undefined).finally(() => {
        catchingUp = false;
      });
    }
  });
  worker.on('error', fallBack);
  const exited = new Promise<void>((done) => worker.once('exit', () => done()));
  return async () => {
    stopped = true;
    // Held again so that the process waits for the worker to close its connection.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  };
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function openDb(url: string = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, opts: { poolSize?: number; checkpointInBackground?: boolean } = {}): Db {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 20 });
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(url);
    return { kysely, dialect: 'postgres', describe: `postgres://${u.host}${u.pathname}`, connectionString: url, close: () => kysely.destroy() };
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Ledgers grow large and their random UUID keys touch pages all over: keep them in memory.
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  // The admin CLI and the server may share the file; wait for a lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const stopCheckpoints = file === ':memory:' || opts.checkpointInBackground === false ? undefined : checkpointInBackground(file, sqlite, kysely);
  return {
    kysely,
    dialect: 'sqlite',
    describe: `sqlite:${file}`,
    close: async () => {
      await stopCheckpoints?.();
      await kysely.destroy();
    },
  };
}
