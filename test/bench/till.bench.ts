/**
 * The till in real headless Chromium (playwright-core, Debian's /usr/bin/chromium, fresh profile)
 * against a real sync server (its own process, production settings) on a fresh SQLite file holding
 * the demo store plus 20,000 generated products. All times are taken inside the page, on the
 * clock of the events' `timeStamp` (performance.now()).
 *
 * - `till.initial_sync.20k_products_s`: the till is set up through its setup screen; from the
 *   "Connect till" click event's `timeStamp` until the frame in which `replica-summary` shows all
 *   20,016 products has been rendered (see "rendered" below). `…_docs_per_s`: every document the
 *   till replicates (the account's change feed: 20,016 products, tax groups, product groups, the
 *   gift card) divided by that time.
 * - `till.scan_to_paint.p50_ms` / `.p95_ms`: 200 keyboard-wedge scans (the 16 demo barcodes in
 *   rotation, 13 digits ~8 ms apart, then Enter, as the e2e `scan` types them) on that till after
 *   a reload (a till restarted with its 20k-product replica), after 20 warm-up scans. From the
 *   terminating Enter's `keydown.timeStamp` (typing the code is the scanner's time, not ours;
 *   `…from_first_key…` starts at the code's first character instead) until the new total is
 *   rendered: a MutationObserver on `[data-testid="total"]` sees the text change, the first
 *   `requestAnimationFrame` callback after it posts a message, and the message's arrival (the
 *   frame's style, layout and paint are done on the main thread) is the paint time. The rAF
 *   callback's own timestamp is the frame's begin time, which Chromium sets before the main thread
 *   gets to the frame: it often precedes the Enter itself (down to −14 ms here), so it cannot be
 *   the paint time. Baskets are 20 scans, then "Cancel sale": the cart stays the size of a real
 *   basket (a product scanned again adds to its line, so at most 16 lines).
 *
 * Scans whose total did not change (a key the driver delivered > 50 ms late splits the code, and
 * the wedge detector rightly reads the rest as typing) are left out and counted in the note.
 * BENCH_TILL_SAMPLES=FILE writes every timestamp; BENCH_TILL_PROFILE=DIR and BENCH_SERVER_PROFILE=DIR
 * write CPU profiles of the page and of the server.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transaction } from 'kysely';
import type { Page } from 'playwright-core';
import { ProductPostSchema } from '@pos/core/contracts/products';
import { systemClock } from '../../sync-server/src/clock.ts';
import { openDb, type Db } from '../../sync-server/src/db/connect.ts';
import type { Database } from '../../sync-server/src/db/schema.ts';
import { DEMO_GROUPS, DEMO_PRODUCTS } from '../../sync-server/src/demo/catalog.ts';
import { DEMO_ACCOUNT, ensureDemoClients, seedDemoData, type DemoCredentials } from '../../sync-server/src/demo/seed.ts';
import { createProductRepo } from '../../sync-server/src/services/products/repo.ts';
import { createProductService } from '../../sync-server/src/services/products/service.ts';
import { chromiumAvailable, launchBrowser } from '../e2e/support/browser.ts';
import { buildTill } from '../e2e/support/till-server.ts';
import { quantile, type Metric } from './report.ts';
import { freePort } from './server-process.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const TILL_DIR = join(process.cwd(), 'renderer', 'dist');
const EXTRA_PRODUCTS = 20_000;
const SCANS = 200;
const WARMUP_SCANS = 20;
const BASKET = 20;

// ------------------------------------------------------------------ server

interface BenchTillServer {
  readonly url: string;
  readonly creds: DemoCredentials;
  /** Live products of the demo account: what the till's replica-summary must show. */
  readonly products: number;
  /** Distinct documents in the account's change feed: what a fresh till replicates. */
  readonly syncDocs: number;
  readonly seedSeconds: number;
  close(): Promise<void>;
}

/** EAN-13 in the in-store range 29…, with its check digit: unique per `i`. */
function ean13(i: number): string {
  const body = `29${String(i).padStart(10, '0')}`;
  const sum = [...body].reduce((s, d, k) => s + Number(d) * (k % 2 === 0 ? 1 : 3), 0);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

/**
 * Adds generated product `i` to the demo catalog through the Products service (request schema,
 * tax and barcode checks, group links, inserts; the change-feed triggers fire on every insert)
 * in the caller's transaction: the service's own per-product transaction joins it.
 */
export async function seedProduct(db: Db, trx: Transaction<Database>, clientId: string, i: number): Promise<void> {
  const repo = createProductRepo({ ...db, kysely: trx });
  const service = createProductService({ ...repo, transaction: (fn) => fn(trx) }, systemClock);
  const body = ProductPostSchema.parse({
    product_id: `bench-${i}`,
    product_name: `Bench product ${i}`,
    description: `Generated product ${i}`,
    unit_gross_price: 500 + ((i * 37) % 20_000),
    currency: 'NOK',
    unit: 'stk',
    tax_id: 'vat-food',
    groups: [{ group_id: DEMO_GROUPS[i % DEMO_GROUPS.length]?.group_id ?? 'dairy' }],
    barcodes: [ean13(i)],
  });
  await service.createProduct({ accountId: DEMO_ACCOUNT, clientId }, 'grocery', body);
}

/** Adds `count` generated products, all in one transaction. */
async function seedProducts(db: Db, clientId: string, count: number): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i += 1) await seedProduct(db, trx, clientId, i);
  });
}

/** The sync server as `npm run server` runs it, in its own process (production settings). */
export async function spawnServer(databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // BENCH_SERVER_PROFILE=DIR writes a CPU profile of the server process there (as server-process.ts).
  const profile = process.env.BENCH_SERVER_PROFILE === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROFILE}`];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'sync-server/src/server.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, PUBLIC_URL: url, TILL_DIR, LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Should this process die without cleaning up, the server goes with it.
  const orphaned = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', orphaned);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    process.off('exit', orphaned);
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`sync server did not start on ${url}`);
    }
    await sleep(100);
  }
}

/**
 * Like test/e2e/support/till-server.ts's startTillServer (demo store seeded through the public
 * API, the till's production build at `/`), plus `extraProducts` generated products. The server
 * runs in its own process, so the bench driving Chromium never shares its event loop.
 */
async function startBenchTillServer(extraProducts: number): Promise<BenchTillServer> {
  await buildTill();
  const dir = mkdtempSync(join(tmpdir(), 'pos-bench-till-'));
  const databaseUrl = `sqlite:${join(dir, 'pos.db')}`;
  const db = openDb(databaseUrl);
  let server: { url: string; stop(): Promise<void> } | undefined;
  const cleanUp = async (): Promise<void> => {
    await server?.stop();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const credsFile = join(dir, 'creds.json');
    server = await spawnServer(databaseUrl);
    const creds = await seedDemoData(server.url, credsFile, await ensureDemoClients(db, credsFile));
    const started = performance.now();
    await seedProducts(db, creds.admin.client_id, extraProducts);
    const seedSeconds = (performance.now() - started) / 1000;
    const live = await db.kysely.selectFrom('products').select((eb) => eb.fn.countAll<number | string>().as('n')).where('account_id', '=', DEMO_ACCOUNT).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
    const feed = await db.kysely
      .selectFrom((eb) => eb.selectFrom('sync_changes').select(['collection', 'doc_id']).where('account_id', '=', DEMO_ACCOUNT).distinct().as('d'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return { url: server.url, creds, products: Number(live.n), syncDocs: Number(feed.n), seedSeconds, close: cleanUp };
  } catch (e) {
    await cleanUp();
    throw e;
  }
}

// ------------------------------------------------------------------ in-page probe

interface ScanSample {
  /** keydown.timeStamp of the code's first character. */
  first: number;
  /** keydown.timeStamp of the terminating Enter. */
  enter: number;
  /** Largest gap between two keydowns of this scan (the wedge detector allows 50 ms). */
  maxGap: number;
  /** performance.now() when the MutationObserver saw the total's new text. */
  mutated: number;
  /** Timestamp argument of the first requestAnimationFrame callback after that (the frame's begin time). */
  frame: number;
  /** performance.now() when that callback ran. */
  frameStart: number;
  /** performance.now() in a task posted from that callback: the frame's style, layout and paint are done. */
  painted: number;
  /** False when the Enter was not swallowed by the wedge binding (the keys came back as typing). */
  wedge: boolean;
}

export interface BenchProbe {
  scans: ScanSample[];
  connectAt: number | null;
  /** performance.now() once the frame showing the full product count has been rendered. */
  readyAt: number | null;
  /** performance.now() of the first and last initial-sync progress text ("x of y records"). */
  firstProgressAt: number | null;
  lastProgressAt: number | null;
  lastProgress: string | null;
  /** performance.now() when the till screen (replica-summary) first appeared, before its count. */
  tillShownAt: number | null;
  /** performance.now() (ms since navigation) when the sale screen's total first appeared. */
  saleScreenAt: number | null;
  /** Main-thread tasks over 50 ms (PerformanceObserver 'longtask'): [startTime, duration]. */
  longTasks: [number, number][];
}

declare global {
  interface Window {
    __posBench?: BenchProbe;
  }
}

/**
 * Runs in the page before its own scripts (page.addInitScript), so its capture-phase keydown
 * listener on window precedes the wedge binding's. Kept self-contained: it is serialised.
 */
export function installProbe(expectedProducts: number): void {
  const probe: BenchProbe = { scans: [], connectAt: null, readyAt: null, firstProgressAt: null, lastProgressAt: null, lastProgress: null, tillShownAt: null, saleScreenAt: null, longTasks: [] };
  window.__posBench = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });

  // ---- scans
  let firstKey: number | null = null;
  let lastKey = 0;
  let maxGap = 0;
  let pending: { first: number; enter: number; maxGap: number; before: string | null; wedge: boolean; seen: boolean } | null = null;
  let watched: Element | null = null;
  const observer = new MutationObserver(() => {
    const p = pending;
    if (p === null || p.seen || watched === null || watched.textContent === p.before) return;
    p.seen = true;
    const mutated = performance.now();
    requestAnimationFrame((frame) => {
      const frameStart = performance.now();
      // Runs once this frame's rendering (style, layout, paint, commit) has left the main thread.
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const { seen: _seen, before: _before, ...keys } = p;
        probe.scans.push({ ...keys, mutated, frame, frameStart, painted: performance.now() });
        channel.port1.close();
        if (pending === p) pending = null;
      };
      channel.port2.postMessage(null);
    });
  });
  window.addEventListener('keydown', (e) => {
    if (firstKey !== null) maxGap = Math.max(maxGap, e.timeStamp - lastKey);
    lastKey = e.timeStamp;
    if (e.key === 'Enter') {
      const total = document.querySelector('[data-testid="total"]');
      if (total !== watched) {
        observer.disconnect();
        watched = total;
        if (total !== null) observer.observe(total, { childList: true, characterData: true, subtree: true });
      }
      pending = { first: firstKey ?? e.timeStamp, enter: e.timeStamp, maxGap, before: total?.textContent ?? null, wedge: true, seen: false };
      firstKey = null;
      maxGap = 0;
    } else if (e.key.length === 1 && firstKey === null) {
      firstKey = e.timeStamp;
    }
  }, { capture: true });
  // Reached only by an Enter the wedge binding let through: the code arrived as typing.
  window.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && pending !== null && e.timeStamp === pending.enter) pending.wedge = false;
  });

  // A click (Cancel sale, Dismiss) ends the wait for a scan that never changed the total.
  window.addEventListener('click', () => {
    pending = null;
  }, { capture: true });

  // ---- initial sync
  window.addEventListener('click', (e) => {
    const t = e.target;
    const button = t instanceof Element ? t.closest('button') : null;
    if (button?.textContent?.trim() === 'Connect till' && probe.connectAt === null) probe.connectAt = e.timeStamp;
  }, { capture: true });
  const syncObserver = new MutationObserver(() => {
    probe.saleScreenAt ??= document.querySelector('[data-testid="total"]') === null ? null : performance.now();
    if (probe.connectAt === null || probe.readyAt !== null) {
      // A till that was set up already (a reload): only the sale screen's arrival is of interest.
      if (probe.connectAt === null && probe.saleScreenAt !== null) syncObserver.disconnect();
      return;
    }
    const progress = document.querySelector('[data-testid="sync-progress"]')?.textContent ?? null;
    if (progress !== null && progress.includes(' of ') && progress !== probe.lastProgress) {
      const now = performance.now();
      probe.firstProgressAt ??= now;
      probe.lastProgressAt = now;
      probe.lastProgress = progress;
    }
    const summary = document.querySelector('[data-testid="replica-summary"]');
    if (summary === null) return;
    probe.tillShownAt ??= performance.now();
    if (Number((summary.textContent ?? '').replace(/\D/g, '')) !== expectedProducts) return;
    syncObserver.disconnect();
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        probe.readyAt = performance.now();
        channel.port1.close();
      };
      channel.port2.postMessage(null);
    });
  });
  const start = (): void => syncObserver.observe(document.documentElement, { childList: true, characterData: true, subtree: true });
  if (document.documentElement === null) document.addEventListener('readystatechange', start, { once: true });
  else start();
}

export async function readProbe(page: Page): Promise<BenchProbe> {
  const probe = await page.evaluate(() => window.__posBench);
  if (probe === undefined) throw new Error('the bench probe is not installed in the page');
  return probe;
}

// ------------------------------------------------------------------ till actions

/** Sets up a fresh till through its setup screen; resolves when replica-summary shows every product. */
export async function connectTill(page: Page, server: Pick<BenchTillServer, 'url' | 'creds'>, timeoutMs = 150_000): Promise<BenchProbe> {
  await page.goto(server.url);
  await page.getByRole('heading', { name: 'Set up this till' }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Account id').fill(DEMO_ACCOUNT);
  await page.getByLabel('Client id').fill(server.creds.till.client_id);
  await page.getByLabel('Client secret').fill(server.creds.till.client_secret);
  // Tills set up with a manager code (screens in progress) ask for it here.
  const managerCode = page.getByLabel('Manager code');
  if ((await managerCode.count()) > 0) await managerCode.fill('2468');
  await page.getByRole('button', { name: 'Connect till' }).click();
  await page.waitForFunction(() => (window.__posBench?.readyAt ?? null) !== null, undefined, { timeout: timeoutMs, polling: 100 });
  return readProbe(page);
}

/** A keyboard-wedge scanner, as test/e2e/support/till-page.ts's scan: ~8 ms between keys, then Enter. */
async function scan(page: Page, code: string): Promise<void> {
  await page.keyboard.type(code, { delay: 8 });
  await page.keyboard.press('Enter');
}

/** Waits until the page has run no long task for `quietMs` (it settles after loading 20k products). */
async function waitForQuiet(page: Page, quietMs: number, maxMs: number): Promise<void> {
  try {
    await page.waitForFunction((q) => {
      const last = window.__posBench?.longTasks.at(-1);
      return performance.now() - (last === undefined ? 0 : last[0] + last[1]) >= q;
    }, quietMs, { timeout: maxMs, polling: 250 });
  } catch {
    console.error(`[bench] till: the page still ran long tasks after ${maxMs / 1000}s; scanning anyway`);
  }
}

interface ScanRun {
  samples: ScanSample[];
  /** Scans whose total did not change within 5 s (e.g. the code split by a late key: "Unknown barcode"). */
  failed: string[];
  /** Long tasks that started during the run. */
  longTasks: number;
}

async function scanRun(page: Page, count: number): Promise<ScanRun> {
  const start = await readProbe(page);
  const startedAt = await page.evaluate(() => performance.now());
  const codes = DEMO_PRODUCTS.map((p) => p[5]);
  const failed: string[] = [];
  let seen = start.scans.length;
  for (let i = 0; i < count; i += 1) {
    if (i > 0 && i % BASKET === 0) {
      await page.getByRole('button', { name: 'Cancel sale' }).click();
      await page.getByText('Scan an item to start a sale.').waitFor();
      await sleep(50);
    }
    const code = codes[i % codes.length] ?? '';
    await scan(page, code);
    // A cashier's next scan comes a good while later; this one must have painted by then.
    await sleep(40);
    try {
      await page.waitForFunction((n) => (window.__posBench?.scans.length ?? 0) >= n, seen + 1, { timeout: 5_000, polling: 20 });
      seen += 1;
    } catch {
      const alerts = await page.getByRole('alert').allTextContents();
      failed.push(`#${i} ${code}: ${alerts.join(' | ') || 'no change'}`);
      const dismiss = page.getByRole('button', { name: 'Dismiss message' });
      if ((await dismiss.count()) > 0) await dismiss.click();
    }
  }
  const cancel = page.getByRole('button', { name: 'Cancel sale' });
  if (await cancel.isEnabled()) await cancel.click();
  const end = await readProbe(page);
  return { samples: end.scans.slice(start.scans.length), failed, longTasks: end.longTasks.filter(([t]) => t >= startedAt).length };
}

/**
 * Right after the till (re)loads, its barcode index is still being built from the replica and
 * scans answer "Unknown barcode". Scans one demo code every ~0.5 s until one lands; returns when
 * that one was painted, in ms since the page's navigation started.
 */
async function firstScanAfterLoad(page: Page): Promise<{ at: number; attempts: number }> {
  const code = DEMO_PRODUCTS[0]?.[5] ?? '';
  const before = (await readProbe(page)).scans.length;
  for (let attempt = 1; attempt <= 120; attempt += 1) {
    await scan(page, code);
    try {
      await page.waitForFunction((n) => (window.__posBench?.scans.length ?? 0) > n, before, { timeout: 500, polling: 20 });
      const landed = (await readProbe(page)).scans[before];
      if (landed === undefined) throw new Error('bench probe lost a scan');
      await page.getByRole('button', { name: 'Cancel sale' }).click();
      await page.getByText('Scan an item to start a sale.').waitFor();
      return { at: landed.painted, attempts: attempt };
    } catch (e) {
      if (e instanceof Error && e.name !== 'TimeoutError') throw e;
      const dismiss = page.getByRole('button', { name: 'Dismiss message' });
      if ((await dismiss.count()) > 0) await dismiss.click();
    }
  }
  throw new Error('no scan landed within a minute of loading the till');
}

/**
 * BENCH_TILL_PROFILE=DIR writes a CPU profile of the page (DevTools' .cpuprofile) for each phase
 * there. The sampling slows the page: figures from such a run are not comparable.
 */
export async function profiled<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_TILL_PROFILE;
  if (dir === undefined) return fn();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    await cdp.detach();
  }
}

// ------------------------------------------------------------------ the suite

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export async function tillBench(): Promise<Metric[]> {
  if (!chromiumAvailable()) throw new Error('the till benchmarks need /usr/bin/chromium (apt-get install chromium)');
  const server = await startBenchTillServer(EXTRA_PRODUCTS);
  const browser = await launchBrowser();
  const metrics: Metric[] = [];
  try {
    const page = await browser.newPage();
    // tsx (esbuild, keepNames) wraps named functions in `__name(…)`: serialised into the page,
    // they need that helper there.
    await page.addInitScript('globalThis.__name = (fn) => fn;');
    await page.addInitScript(installProbe, server.products);

    // ---- initial sync of a fresh replica
    const sync = await profiled(page, 'till-initial-sync', () => connectTill(page, server));
    if (sync.connectAt === null || sync.readyAt === null) throw new Error('initial sync was not observed');
    const seconds = (sync.readyAt - sync.connectAt) / 1000;
    console.error(`[bench] till: ${server.products.toLocaleString('en-US')} products synced in ${seconds.toFixed(1)}s; scanning`);
    const phase = (at: number | null): string => (at === null ? '?' : `${((at - (sync.connectAt ?? 0)) / 1000).toFixed(1)}s`);
    const syncNote = `${server.syncDocs.toLocaleString('en-US')} docs; first page ${phase(sync.firstProgressAt)}, last page ${phase(sync.lastProgressAt)}, till shown ${phase(sync.tillShownAt)} (seeded in ${server.seedSeconds.toFixed(1)}s)`;
    metrics.push({ id: 'till.initial_sync.20k_products_s', value: round(seconds, 2), unit: 's', target: null, better: 'lower', note: syncNote });
    metrics.push({ id: 'till.initial_sync.20k_products_docs_per_s', value: Math.round(server.syncDocs / seconds), unit: 'docs/s', target: null, better: 'higher' });

    // ---- scan to paint, on the till that has just synced (reloaded, as after a restart)
    await page.reload();
    await page.getByTestId('total').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => Number((document.querySelector('[data-testid="replica-summary"]')?.textContent ?? '').replace(/\D/g, '')) === n, server.products, { timeout: 60_000, polling: 100 });
    const firstScan = await firstScanAfterLoad(page);
    const reloaded = await readProbe(page);
    console.error(`[bench] till: after reload, the sale screen showed at ${((reloaded.saleScreenAt ?? Number.NaN) / 1000).toFixed(1)}s and the first scan landed at ${(firstScan.at / 1000).toFixed(1)}s (attempt ${firstScan.attempts})`);
    await waitForQuiet(page, 2_000, 30_000);
    const warm = await scanRun(page, WARMUP_SCANS);
    if (warm.failed.length > 0) console.error(`[bench] till: warm-up scans that failed: ${warm.failed.join('; ')}`);
    const run = await profiled(page, 'till-scans', () => scanRun(page, SCANS));
    if (run.failed.length > 0) console.error(`[bench] till: scans that failed: ${run.failed.join('; ')}`);
    if (run.failed.length > SCANS / 10) throw new Error(`${run.failed.length} of ${SCANS} scans did not change the total`);
    const fromEnter = run.samples.map((s) => s.painted - s.enter);
    const fromFirst = run.samples.map((s) => s.painted - s.first);
    const ms = (xs: number[]): string => `p50 ${quantile(xs, 0.5).toFixed(1)} / p95 ${quantile(xs, 0.95).toFixed(1)} ms`;
    const typed = run.samples.filter((s) => !s.wedge).length;
    const scanNote = [
      `${run.samples.length} scans${typed > 0 ? ` (${typed} as typed entry)` : ''}${run.failed.length > 0 ? `, ${run.failed.length} failed` : ''}, ${run.longTasks} long tasks`,
      `Enter→text ${ms(run.samples.map((s) => s.mutated - s.enter))}`,
      `Enter→rAF ran ${ms(run.samples.map((s) => s.frameStart - s.enter))}`,
      `max ${Math.max(...fromEnter).toFixed(1)} ms`,
      `after a reload the sale screen shows at ${((reloaded.saleScreenAt ?? Number.NaN) / 1000).toFixed(1)}s, scans land from ${(firstScan.at / 1000).toFixed(1)}s`,
    ].join('; ');
    metrics.push({ id: 'till.scan_to_paint.p50_ms', value: round(quantile(fromEnter, 0.5), 1), unit: 'ms', target: null, better: 'lower', note: 'Enter keydown → frame with the new total rendered' });
    metrics.push({ id: 'till.scan_to_paint.p95_ms', value: round(quantile(fromEnter, 0.95), 1), unit: 'ms', target: 16, better: 'lower', note: scanNote });
    metrics.push({ id: 'till.scan_to_paint.from_first_key.p50_ms', value: round(quantile(fromFirst, 0.5), 1), unit: 'ms', target: null, better: 'lower', note: `includes the scanner typing 13 keys; key gaps ${ms(run.samples.map((s) => s.maxGap))} (largest per scan)` });
    metrics.push({ id: 'till.scan_to_paint.from_first_key.p95_ms', value: round(quantile(fromFirst, 0.95), 1), unit: 'ms', target: null, better: 'lower' });
    // BENCH_TILL_SAMPLES=FILE keeps every scan's timestamps, for a closer look.
    const samplesFile = process.env.BENCH_TILL_SAMPLES;
    if (samplesFile !== undefined) writeFileSync(samplesFile, `${JSON.stringify({ sync, scans: run.samples, failed: run.failed }, null, 1)}\n`);
    await page.close();
  } finally {
    await browser.close();
    await server.close();
  }
  return metrics;
}
