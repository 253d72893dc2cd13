/**
 * `npm run bench [-- --json FILE] [-- --only PREFIX]`: the performance suite. Prints a table;
 * targets come from the issues. PostgreSQL metrics need TEST_PG_URL (the npm script starts one).
 */
import { dbTargets } from '../support/databases.ts';
import { authBench } from './auth.bench.ts';
import { parseBenchArgs, printTable, writeJson, type Metric } from './report.ts';
import { tillBench } from './till.bench.ts';
import { INITIAL_SYNC_IDS, initialSyncBench } from './initial-sync.bench.ts';
import { availableForReceiptBench, engineBench } from './discounts.bench.ts';
import { walletBench } from './wallet.bench.ts';
import { webhooksBench } from './webhooks.bench.ts';
import { receiptsBench } from './receipts.bench.ts';
import { DRAIN_IDS, drainBench } from './drain.bench.ts';

interface Suite {
  /** Metric ids this suite produces, for --only. */
  ids: string[];
  run(): Promise<Metric[]>;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const targets = dbTargets();
  const sqlite = targets.find((t) => t.name === 'sqlite');
  const postgres = targets.find((t) => t.name === 'postgres');
  if (sqlite === undefined) throw new Error('no SQLite target');
  const suites: Suite[] = [
    { ids: ['auth.token_issue_ms', 'auth.verify_us', 'auth.verify_cold_us'], run: () => authBench(sqlite) },
    {
      ids: ['wallet.drawdown.sqlite.c1', 'wallet.drawdown.sqlite.c1.overspend', 'wallet.drawdown.sqlite.c32', 'wallet.drawdown.sqlite.c32.overspend'],
      run: () => walletBench(sqlite, { connections: [1, 32], seconds: 8, idPrefix: 'wallet.drawdown.sqlite', targets: { 32: 5000 } }),
    },
    {
      ids: ['wallet.drawdown.pg.c64', 'wallet.drawdown.pg.c64.overspend'],
      run: () => {
        if (postgres === undefined) throw new Error('PostgreSQL metrics need TEST_PG_URL: run them through `npm run bench`');
        return walletBench(postgres, { connections: [64], seconds: 8, idPrefix: 'wallet.drawdown.pg', targets: { 64: 3000 } });
      },
    },
    {
      ids: ['till.initial_sync.20k_products_s', 'till.initial_sync.20k_products_docs_per_s', 'till.scan_to_paint.p50_ms', 'till.scan_to_paint.p95_ms', 'till.scan_to_paint.from_first_key.p50_ms', 'till.scan_to_paint.from_first_key.p95_ms'],
      run: () => tillBench(),
    },
    { ids: INITIAL_SYNC_IDS, run: () => initialSyncBench() },
    { ids: ['engine.recalc.50x1000.p50_ms', 'engine.recalc.50x1000.p99_ms'], run: () => Promise.resolve(engineBench()) },
    { ids: ['discounts.available_for_receipt.rps'], run: () => availableForReceiptBench(sqlite) },
    { ids: ['webhooks.delivery.rps'], run: () => webhooksBench(sqlite, { events: 5000, runs: 3, id: 'webhooks.delivery.rps' }) },
    { ids: ['receipts.ingest.rps'], run: () => receiptsBench(sqlite) },
    { ids: DRAIN_IDS, run: () => drainBench(sqlite) },
  ];
  const selected = suites.filter((s) => args.only === undefined || s.ids.some((id) => id.startsWith(args.only ?? '')));
  if (selected.length === 0) throw new Error(`no metric starts with ${args.only ?? ''}`);
  const results: Metric[] = [];
  for (const s of selected) {
    for (const m of await s.run()) if (args.only === undefined || m.id.startsWith(args.only)) results.push(m);
  }
  printTable(results);
  if (args.json !== undefined) writeJson(args.json, results);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
