/**
 * Live changes across server processes on one PostgreSQL: a change written through one node
 * reaches the change streams of every node through LISTEN/NOTIFY (migrations/0011-sync-notify.ts,
 * services/sync/pg-listener.ts). Every node here polls the feed only once a minute, far beyond
 * any wait in these tests, so only a notification can explain a prompt delivery.
 *
 * PostgreSQL only: SQLite has no notifications, and its one process polls its own file.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointSchema, type Checkpoint } from '@pos/core';
import { z } from 'zod';
import { readEvents } from '../../renderer/src/db/sse.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import type { Db } from '../../sync-server/src/db/connect.ts';
import { loadSigningKeys } from '../../sync-server/src/services/auth/keys.ts';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { LISTENER_APPLICATION_NAME } from '../../sync-server/src/services/sync/pg-listener.ts';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';

const pgTarget = dbTargets().find((t) => t.name === 'postgres');
const ACCOUNT = 'T87654321';
/** Longer than any test here may run: a delivery is a notification's doing, never the poll's. */
const NO_POLL = { SYNC_POLL_MS: '60000' };
const NO_POLL_MS = 60_000;

const Change = z.object({ collection: z.string(), checkpoint: CheckpointSchema });

async function eventually<T>(what: string, probe: () => T | Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One server node as a client sees it: its origin and a token it issued. */
interface Node {
  readonly url: string;
  readonly token: string;
}

async function tokenFrom(url: string, client: { client_id: string; client_secret: string }): Promise<string> {
  const res = await fetch(`${url}/v1/accounts/${ACCOUNT}/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', audience: `${url}/v1/accounts/${ACCOUNT}` }),
  });
  if (!res.ok) throw new Error(`token exchange at ${url} failed: ${res.status} ${await res.text()}`);
  return z.object({ access_token: z.string() }).parse(await res.json()).access_token;
}

async function writeProduct(node: Node, productId: string): Promise<void> {
  const res = await fetch(`${node.url}/v1/accounts/${ACCOUNT}/products/catalogs/main/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ product_id: productId, product_name: `Product ${productId}`, unit_gross_price: 1000, currency: 'NOK' }),
  });
  if (res.status !== 200) throw new Error(`writing ${productId} through ${node.url}: ${res.status} ${await res.text()}`);
}

const Page = z.object({ documents: z.array(z.object({ product_id: z.string() })), checkpoint: CheckpointSchema });

async function pullPage(node: Node, after: Checkpoint | undefined, signal?: AbortSignal): Promise<z.infer<typeof Page>> {
  const q = after === undefined ? '' : `&txid=${after.txid}&seq=${after.seq}`;
  const res = await fetch(`${node.url}/v1/accounts/${ACCOUNT}/sync/products/pull?limit=50${q}`, { headers: { authorization: `Bearer ${node.token}` }, signal });
  if (!res.ok) throw new Error(`pull at ${node.url}: ${res.status}`);
  return Page.parse(await res.json());
}

/**
 * A till's replication of `products` against one node, as RxDB does it: a change stream that
 * reconnects whenever it drops, and a pull to the end of the feed after every (re)connect and on
 * every change notice (one pull at a time; notices during a pull make one more).
 */
interface Follower {
  readonly products: Set<string>;
  readonly notices: Array<z.infer<typeof Change>>;
  /** Streams opened so far. */
  connects(): number;
  /** Where the follower's pulls have reached. */
  checkpoint(): Checkpoint | undefined;
  /** Ends the stream and any pull under way (a request still open would hold the server's close). */
  close(): Promise<void>;
}

function follow(node: Node): Follower {
  const products = new Set<string>();
  const notices: Array<z.infer<typeof Change>> = [];
  const abort = new AbortController();
  let connects = 0;
  let checkpoint: Checkpoint | undefined;
  let pulling: Promise<void> | undefined;
  let again = false;

  const pullToEnd = async (): Promise<void> => {
    do {
      again = false;
      try {
        for (;;) {
          const page = await pullPage(node, checkpoint, abort.signal);
          for (const d of page.documents) products.add(d.product_id);
          checkpoint = page.checkpoint;
          if (page.documents.length === 0) break;
        }
      } catch {
        // The node is down: the stream's reconnect pulls again.
      }
    } while (again && !abort.signal.aborted);
  };
  const requestPull = (): void => {
    if (pulling !== undefined) {
      again = true;
      return;
    }
    pulling = pullToEnd().finally(() => {
      pulling = undefined;
    });
  };

  const streaming = (async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(`${node.url}/v1/accounts/${ACCOUNT}/sync/stream?collections=products`, { headers: { authorization: `Bearer ${node.token}` }, signal: abort.signal });
        if (res.ok && res.body !== null) {
          connects += 1;
          requestPull();
          await readEvents(res.body, (e) => {
            if (e.event !== 'change') return;
            notices.push(Change.parse(JSON.parse(e.data)));
            requestPull();
          });
        }
      } catch {
        // Refused or dropped (the node was killed): try again shortly.
      }
      if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    products,
    notices,
    connects: () => connects,
    checkpoint: () => checkpoint,
    async close() {
      abort.abort();
      await streaming;
      await pulling;
    },
  };
}

const after = (a: Checkpoint, b: Checkpoint | undefined): boolean => b === undefined || a.txid > b.txid || (a.txid === b.txid && a.seq > b.seq);

describe.skipIf(pgTarget === undefined)('live changes across two server processes on one PostgreSQL (PostgreSQL only: SQLite has no LISTEN/NOTIFY)', () => {
  let db: Db;
  let dispose: () => Promise<void>;
  let dbUrl: string;
  let client: { client_id: string; client_secret: string };
  let a: ServerProcess;
  let b: ServerProcess;
  let nodeA: Node;
  let nodeB: Node;

  beforeAll(async () => {
    if (pgTarget === undefined) return;
    const created = await pgTarget.create({ poolSize: 2 });
    ({ db, dispose, url: dbUrl } = created);
    // Schema, account, client and signing key first, so the two nodes start side by side.
    await migrateToLatest(db.kysely);
    const authRepo = createAuthRepo(db.kysely);
    const admin = createAuthAdmin(authRepo, { now: () => new Date() });
    await admin.createAccount(ACCOUNT, 'Two-node store');
    client = await admin.createClient(ACCOUNT, 'till and back office', ['admin:products', 'read:products']);
    await loadSigningKeys(authRepo, new Date());
    [a, b] = await Promise.all([startServerProcess(dbUrl, { env: NO_POLL }), startServerProcess(dbUrl, { env: NO_POLL })]);
    nodeA = { url: a.url, token: await tokenFrom(a.url, client) };
    nodeB = { url: b.url, token: await tokenFrom(b.url, client) };
    const res = await fetch(`${b.url}/v1/accounts/${ACCOUNT}/products/catalogs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${nodeB.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ catalog_id: 'main' }),
    });
    expect(res.status, await res.text()).toBe(200);
  }, 240_000);
  afterAll(async () => {
    // SIGKILL: graceful shutdown is not under test here, and a SIGTERM waits for clients' idle
    // keep-alive connections (up to Fastify's 72 s keep-alive timeout).
    await Promise.all([a?.kill(), b?.kill()]);
    await dispose?.();
  }, 60_000);

  it('a product written through one node is announced on the other node\'s stream, and a pull there returns it', async () => {
    const onA = follow(nodeA);
    try {
      // Connected and caught up, as a till is before it waits for notices.
      const start = await eventually('the first pull on A', () => onA.checkpoint(), (cp) => cp !== undefined);
      await writeProduct(nodeB, 'through-b');
      const notice = await eventually('A\'s stream to announce the product written through B', () => onA.notices.find((n) => after(n.checkpoint, start)), (n) => n !== undefined);
      expect(notice?.collection).toBe('products');
      // The pull the notice asks for, on A, returns the product.
      const page = await pullPage(nodeA, start);
      expect(page.documents.map((d) => d.product_id)).toEqual(['through-b']);
    } finally {
      await onA.close();
    }
  });

  it('a reader following one node ends with every product written through both nodes at once', async () => {
    const onA = follow(nodeA);
    try {
      await eventually('the first pull on A', () => onA.checkpoint(), (cp) => cp !== undefined);
      const ids = Array.from({ length: 80 }, (_, i) => `split-${i}`);
      // Four writers per node, each writing its share one product at a time.
      await Promise.all(Array.from({ length: 8 }, async (_, w) => {
        for (const id of ids.filter((_, i) => i % 8 === w)) await writeProduct(w % 2 === 0 ? nodeA : nodeB, id);
      }));
      const missing = await eventually('every product on the reader', () => ids.filter((id) => !onA.products.has(id)), (m) => m.length === 0);
      expect(missing).toEqual([]);
    } finally {
      await onA.close();
    }
  });

  it('a node killed with SIGKILL and started again: its stream clients reconnect and catch up, the other node\'s keep following', async () => {
    const onA = follow(nodeA);
    const onB = follow(nodeB);
    try {
      await eventually('the first pulls', () => [onA.checkpoint(), onB.checkpoint()], (cps) => cps.every((cp) => cp !== undefined));
      const ids = (prefix: string) => Array.from({ length: 20 }, (_, i) => `${prefix}-${i}`);
      const before = ids('before-kill');
      const during = ids('while-down');
      const afterRestart = ids('after-restart');
      await Promise.all(before.map((id, i) => writeProduct(i % 2 === 0 ? nodeA : nodeB, id)));
      // Writes keep going through B while A dies mid-way.
      const writesDuringKill = (async () => {
        for (const id of during) await writeProduct(nodeB, id);
      })();
      await a.kill();
      await writesDuringKill;
      const connectsBefore = onA.connects();
      a = await startServerProcess(dbUrl, { port: a.port, env: NO_POLL });
      await eventually('A\'s stream client to reconnect', () => onA.connects(), (n) => n > connectsBefore);
      await Promise.all(afterRestart.map((id, i) => writeProduct(i % 2 === 0 ? nodeA : nodeB, id)));
      const all = [...before, ...during, ...afterRestart];
      expect(await eventually('every product on A\'s reader', () => all.filter((id) => !onA.products.has(id)), (m) => m.length === 0)).toEqual([]);
      expect(await eventually('every product on B\'s reader', () => all.filter((id) => !onB.products.has(id)), (m) => m.length === 0)).toEqual([]);
    } finally {
      await Promise.all([onA.close(), onB.close()]);
    }
  }, 180_000);
});

describe.skipIf(pgTarget === undefined)('the change listener of one server (PostgreSQL only: SQLite has no LISTEN/NOTIFY)', () => {
  let h: Harness;
  let node: Node;
  beforeAll(async () => {
    if (pgTarget === undefined) return;
    h = await startHarness(pgTarget, { accountId: ACCOUNT, app: { syncPollMs: NO_POLL_MS } });
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    node = { url, token: await h.tokenFor(['admin:products', 'read:products']) };
    const res = await h.call('POST', '/products/catalogs', { token: node.token, body: { catalog_id: 'main' } });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(() => h?.close());

  const listenerPids = async (): Promise<number[]> => {
    const r = await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`.execute(h.db.kysely);
    return r.rows.map((row) => row.pid);
  };

  it('reconnects when its database session is cut, and announces what was written meanwhile', async () => {
    const follower = follow(node);
    try {
      const start = await eventually('the first pull', () => follower.checkpoint(), (cp) => cp !== undefined);
      const [old] = await eventually('the listener session', listenerPids, (pids) => pids.length === 1);
      await sql`select pg_terminate_backend(${old})`.execute(h.db.kysely);
      // Written while no session listens: its notification is lost; the read after reconnecting finds it.
      await writeProduct(node, 'while-cut');
      await eventually('a new listener session', listenerPids, (pids) => pids.length === 1 && pids[0] !== old);
      const first = await eventually('the notice of the product written while cut', () => follower.notices.find((n) => after(n.checkpoint, start)), (n) => n !== undefined);
      await writeProduct(node, 'after-reconnect');
      await eventually('the notice of the product written after reconnecting', () => follower.notices.find((n) => first !== undefined && after(n.checkpoint, first.checkpoint)), (n) => n !== undefined);
      await eventually('both products on the follower', () => ['while-cut', 'after-reconnect'].filter((id) => !follower.products.has(id)), (m) => m.length === 0);
    } finally {
      await follower.close();
    }
  });

  it('announces a change held back behind an older open transaction once that transaction ends, though its end notifies nobody', async () => {
    const follower = follow(node);
    try {
      const start = await eventually('the first pull', () => follower.checkpoint(), (cp) => cp !== undefined);
      // An older transaction with a transaction id that writes nothing replicated (a long report, say).
      const older = await h.db.kysely.startTransaction().execute();
      await sql`select pg_current_xact_id()`.execute(older);
      await writeProduct(node, `held-${randomUUID()}`);
      // Held back: its commit's notification arrives, but the pull stops at the horizon.
      const held = await pullPage(node, start);
      expect(held.documents).toEqual([]);
      await older.commit().execute();
      await eventually('the notice of the held-back product', () => follower.notices.find((n) => after(n.checkpoint, start)), (n) => n !== undefined);
    } finally {
      await follower.close();
    }
  });
});
