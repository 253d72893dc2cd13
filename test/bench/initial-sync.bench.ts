/**
 * `sync.initial.large_s` (issue 6): a fresh till in real headless Chromium (playwright-core,
 * Debian's /usr/bin/chromium, fresh profile) replicates a large store from a real sync server
 * (its own process, production settings, SQLite file): the demo store plus 100,000 products,
 * 50,000 customers (each with a membership-card token) and 10,000 gift cards.
 *
 * Measured as `till.initial_sync.20k_products_s` is (till.bench.ts): from the "Connect till"
 * click event's `timeStamp` until the frame in which `replica-summary` shows every product has
 * been rendered. The till shows that only once every collection's initial replication is done,
 * so the replica then holds every document; the bench checks that afterwards (outside the timing)
 * by counting the rows of each collection in the page's IndexedDB. `…_docs_per_s` is the
 * account's change feed (every distinct document the till replicates) divided by that time.
 *
 * Seeding goes through the services (their checks, group commits and change-feed triggers) in one
 * transaction per collection and is not part of the measurement. BENCH_TILL_PROFILE=DIR and
 * BENCH_SERVER_PROFILE=DIR write CPU profiles, as in till.bench.ts.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Transaction } from 'kysely';
import type { Page } from 'playwright-core';
import { CardCreateSchema } from '@pos/core/contracts/wallets';
import { systemClock } from '../../sync-server/src/clock.ts';
import { openDb, type Db } from '../../sync-server/src/db/connect.ts';
import type { Database } from '../../sync-server/src/db/schema.ts';
import { DEMO_ACCOUNT, ensureDemoClients, seedDemoData } from '../../sync-server/src/demo/seed.ts';
import { CustomerPostSchema, TokenPostSchema } from '../../sync-server/src/services/customers/schemas.ts';
import { createCustomerRepo } from '../../sync-server/src/services/customers/repo.ts';
import { createCustomerService } from '../../sync-server/src/services/customers/service.ts';
import { createDiscountRepo } from '../../sync-server/src/services/discounts/repo.ts';
import { createDiscountService } from '../../sync-server/src/services/discounts/service.ts';
import { createWalletRepo } from '../../sync-server/src/services/wallets/repo.ts';
import { createWalletService } from '../../sync-server/src/services/wallets/service.ts';
import { createOfflineCardPort } from '../../sync-server/src/services/offline/card-docs.ts';
import { createOfflineRepo } from '../../sync-server/src/services/offline/repo.ts';
import { chromiumAvailable, launchBrowser } from '../e2e/support/browser.ts';
import { buildTill } from '../e2e/support/till-server.ts';
import type { Metric } from './report.ts';
import { connectTill, installProbe, profiled, seedProduct, spawnServer } from './till.bench.ts';

export const INITIAL_SYNC_IDS = ['sync.initial.large_s', 'sync.initial.large_docs_per_s'];

const PRODUCTS = 100_000;
const CUSTOMERS = 50_000;
const GIFT_CARDS = 10_000;
const TARGET_S = 20;

const CHUNK = 2_000;

const quiet = { warn: (): void => undefined };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `seed(trx, i)` for i in [0, count) in transactions of `CHUNK`. The server runs meanwhile
 * (its webhook dispatcher writes too): a chunk that meets a locked database is rolled back whole
 * and run again.
 */
async function inChunks(db: Db, count: number, seed: (trx: Transaction<Database>, i: number) => Promise<void>): Promise<void> {
  for (let from = 0; from < count; from += CHUNK) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await db.kysely.transaction().execute(async (trx) => {
          for (let i = from; i < Math.min(count, from + CHUNK); i += 1) await seed(trx, i);
        });
        break;
      } catch (e) {
        if (attempt >= 20 || !(e instanceof Error && 'code' in e && String(e.code).startsWith('SQLITE_BUSY'))) throw e;
        await sleep(50 * attempt);
      }
    }
  }
}

/** `count` customers with a phone number and a membership-card token each, through the Customers service. */
function seedCustomers(db: Db, clientId: string, count: number): Promise<void> {
  const actor = { accountId: DEMO_ACCOUNT, clientId };
  return inChunks(db, count, async (trx, i) => {
    const discounts = createDiscountService(createDiscountRepo({ ...db, kysely: trx }), systemClock, { log: quiet });
    const repo = createCustomerRepo({ ...db, kysely: trx });
    const service = createCustomerService({ ...repo, transaction: (fn) => fn(trx) }, systemClock, { discounts, verificationSender: { send: () => Promise.resolve() } });
    const customerId = `bench-c${i}`;
    await service.createCustomer(actor, CustomerPostSchema.parse({
      customer_id: customerId,
      first_name: `Bench${i}`,
      last_name: `Customer ${i % 997}`,
      email: `bench-${i}@example.com`,
      phone_number: `+479${String(i).padStart(7, '0')}`,
    }), true);
    await service.addToken(actor, customerId, TokenPostSchema.parse({ type: 'membership_card', value: `7000${String(i).padStart(9, '0')}` }), false);
  });
}

/** `count` funded gift cards with a card token each, through the Wallets service. */
function seedGiftCards(db: Db, clientId: string, count: number): Promise<void> {
  const actor = { clientId, canWrite: true };
  return inChunks(db, count, async (trx, i) => {
    const repo = createWalletRepo({ ...db, kysely: trx });
    // With the offline pieces, as in the server: lookup keys are made with the card, not at the first pull.
    const service = createWalletService({ ...repo, transaction: (fn) => fn(trx) }, systemClock, createOfflineCardPort(createOfflineRepo(trx), systemClock));
    await service.createCard(DEMO_ACCOUNT, actor, CardCreateSchema.parse({
      card_id: `bench-g${i}`,
      amount: 10_000 + (i % 50) * 1_000,
      currency: 'NOK',
      card_token: { expires_in: 5 * 365 * 24 * 3600, expires_after_transaction: false },
    }));
  });
}

/**
 * The seeding wrote a webhook event per customer, token and card funding; a server that got them
 * long before any till connects has dispatched them by then, so the measurement waits for that.
 */
async function outboxDrained(db: Db, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const row = await db.kysely.selectFrom('hook_outbox').select((eb) => eb.fn.countAll<number | string>().as('n')).where('dispatched_at', 'is', null).executeTakeFirstOrThrow();
    if (Number(row.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`the server still had ${row.n} webhook events to dispatch after ${maxMs / 1000}s`);
    await sleep(500);
  }
}

interface LargeStore {
  readonly url: string;
  readonly creds: Awaited<ReturnType<typeof seedDemoData>>;
  /** Live products: what the till's replica-summary must show. */
  readonly products: number;
  /** Distinct documents per collection in the account's change feed: what a fresh till replicates. */
  readonly feed: ReadonlyMap<string, number>;
  /** How the store was seeded, for the note. */
  readonly seeded: string;
  close(): Promise<void>;
}

/**
 * The demo store plus the generated data on a fresh SQLite file, served by its own server
 * process. BENCH_LARGE_DB=FILE keeps a snapshot of the seeded database (and FILE.creds.json) and
 * starts from it on later runs instead of seeding again (minutes on a busy machine); delete the
 * files to seed afresh. Pending migrations are applied to a snapshot as to any database.
 */
async function startLargeStore(): Promise<LargeStore> {
  await buildTill();
  const dir = mkdtempSync(join(tmpdir(), 'pos-bench-large-'));
  const dbFile = join(dir, 'pos.db');
  const credsFile = join(dir, 'creds.json');
  const snapshot = process.env.BENCH_LARGE_DB;
  const cached = snapshot !== undefined && existsSync(snapshot) && existsSync(`${snapshot}.creds.json`);
  if (cached) {
    copyFileSync(snapshot, dbFile);
    copyFileSync(`${snapshot}.creds.json`, credsFile);
  }
  const databaseUrl = `sqlite:${dbFile}`;
  const db = openDb(databaseUrl);
  let server: { url: string; stop(): Promise<void> } | undefined;
  const cleanUp = async (): Promise<void> => {
    await server?.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let creds = await ensureDemoClients(db, credsFile);
    server = await spawnServer(databaseUrl);
    const started = performance.now();
    if (!cached) {
      creds = await seedDemoData(server.url, credsFile, creds);
      const stage = (what: string): void => console.error(`[bench] initial sync: ${what} seeded at ${((performance.now() - started) / 1000).toFixed(1)}s`);
      const clientId = creds.admin.client_id;
      await inChunks(db, PRODUCTS, (trx, i) => seedProduct(db, trx, clientId, i));
      stage('products');
      await seedCustomers(db, clientId, CUSTOMERS);
      stage('customers');
      await seedGiftCards(db, clientId, GIFT_CARDS);
      stage('gift cards');
    }
    const seedSeconds = (performance.now() - started) / 1000;
    await outboxDrained(db, 300_000);
    if (!cached && snapshot !== undefined) {
      rmSync(snapshot, { force: true });
      await sql`vacuum into ${snapshot}`.execute(db.kysely);
      copyFileSync(credsFile, `${snapshot}.creds.json`);
    }
    const live = await db.kysely.selectFrom('products').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', DEMO_ACCOUNT).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
    const rows = await db.kysely
      .selectFrom((eb) => eb.selectFrom('sync_changes').select(['collection', 'doc_id']).where('account_id', '=', DEMO_ACCOUNT).distinct().as('d'))
      .select((eb) => ['d.collection', eb.fn.countAll<number | string>().as('n')])
      .groupBy('d.collection')
      .execute();
    const feed = new Map(rows.map((r) => [r.collection, Number(r.n)]));
    return { url: server.url, creds, products: Number(live.n), feed, seeded: cached ? 'from the BENCH_LARGE_DB snapshot' : `seeded in ${seedSeconds.toFixed(1)}s`, close: cleanUp };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}

/**
 * Rows per collection in the till's IndexedDB (RxDB's Dexie storage keeps one database per
 * collection, its name ending in `--<collection>`; tombstones included, as the feed counts them).
 */
async function replicaCounts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const counts: Record<string, number> = {};
    for (const info of await indexedDB.databases()) {
      const name = info.name ?? '';
      const collection = /--([a-z_]+)$/.exec(name)?.[1];
      if (collection === undefined || !name.startsWith('rxdb-dexie-')) continue;
      const idb = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error ?? new Error(`cannot open ${name}`));
      });
      try {
        const store = [...idb.objectStoreNames].find((s) => s === 'docs');
        if (store === undefined) continue;
        counts[collection] = await new Promise<number>((resolve, reject) => {
          const req = idb.transaction(store, 'readonly').objectStore(store).count();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error ?? new Error(`cannot count ${name}`));
        });
      } finally {
        idb.close();
      }
    }
    return counts;
  });
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export async function initialSyncBench(): Promise<Metric[]> {
  if (!chromiumAvailable()) throw new Error('the initial sync benchmark needs /usr/bin/chromium (apt-get install chromium)');
  const store = await startLargeStore();
  const docs = [...store.feed.values()].reduce((a, b) => a + b, 0);
  const breakdown = [...store.feed].map(([c, n]) => `${c} ${n.toLocaleString('en-US')}`).join(', ');
  console.error(`[bench] initial sync: ${store.seeded}; ${docs.toLocaleString('en-US')} docs (${breakdown})`);
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    await page.addInitScript(installProbe, store.products);
    const sync = await profiled(page, 'till-initial-sync-large', () => connectTill(page, store, 600_000));
    if (sync.connectAt === null || sync.readyAt === null) throw new Error('initial sync was not observed');
    const seconds = (sync.readyAt - sync.connectAt) / 1000;
    const counts = await replicaCounts(page);
    const short = [...store.feed].filter(([c, n]) => (counts[c] ?? 0) < n).map(([c, n]) => `${c}: ${counts[c] ?? 0} of ${n}`);
    if (short.length > 0) throw new Error(`the till called its initial sync done without every document: ${short.join('; ')}`);
    const phase = (at: number | null): string => (at === null ? '?' : `${((at - (sync.connectAt ?? 0)) / 1000).toFixed(1)}s`);
    const note = `${docs.toLocaleString('en-US')} docs (${breakdown}); first page ${phase(sync.firstProgressAt)}, last page ${phase(sync.lastProgressAt)}, till shown ${phase(sync.tillShownAt)} (${store.seeded})`;
    console.error(`[bench] initial sync: ${seconds.toFixed(1)}s; ${note}`);
    await page.close();
    return [
      { id: 'sync.initial.large_s', value: round(seconds, 2), unit: 's', target: TARGET_S, better: 'lower', note },
      { id: 'sync.initial.large_docs_per_s', value: Math.round(docs / seconds), unit: 'docs/s', target: null, better: 'higher' },
    ];
  } finally {
    await browser.close();
    await store.close();
  }
}
