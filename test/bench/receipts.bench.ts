/**
 * receipts.ingest.rps: receipts stored per second by `POST /receipts` over real HTTP, against a
 * sync server in its own process on SQLite. Tills upload batches of 20-line receipts (items with
 * groups, a payment, tax lines); one receipt in four carries the discount of a rule given to `/`,
 * so the loyalty ledger is written in the same transaction as the receipts. Every receipt is new
 * (no duplicates). Three runs; the figure is their median.
 */
import autocannon from 'autocannon';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { systemClock } from '../../sync-server/src/clock.ts';
import type { DbTarget } from '../support/databases.ts';
import { median, type Metric } from './report.ts';
import { clientToken, benchCall, idOf } from './bench-client.ts';
import { startServerProcess } from './server-process.ts';

const AID = 'T12345678';
const LINES = 20;

export interface ReceiptBenchOptions {
  batch: number;
  connections: number;
  seconds: number;
  runs: number;
}

const call = (base: string, bearer: string, method: string, path: string, body?: unknown): Promise<unknown> => benchCall(base, AID, bearer, method, path, body);

/** One receipt as JSON with `@@ID@@` where its receipt_id goes, split there. */
function receiptTemplate(n: number, discount: { ruleId: string; refId: string } | undefined): [string, string] {
  const items = Array.from({ length: LINES }, (_, i) => ({
    id: `sku-${(n * 7 + i * 13) % 2000}`,
    line_id: i + 1,
    quantity: 1 + (i % 3),
    description: `Product ${i}`,
    unit_gross_price: 1990,
    gross_amount: 1990 * (1 + (i % 3)),
    net_amount: 1990 * (1 + (i % 3)),
    tax_percent: 25,
    eligible_for_discount: true,
    groups: [{ id: `group-${i % 40}`, name: `Group ${i % 40}` }],
  }));
  const gross = items.reduce((s, it) => s + it.gross_amount, 0);
  const receipt = {
    receipt_id: '@@ID@@',
    purchase_at: new Date(Date.UTC(2026, 5, 1, 8) + n * 1000).toISOString(),
    store: { id: `store-${n % 5}`, name: 'Bench store', terminal_id: `t-${n % 3}` },
    currency: 'NOK',
    gross_amount: gross,
    net_amount: gross,
    amount_due: 0,
    no_of_items: items.length,
    items,
    tax_lines: [{ amount: Math.round(gross / 5), percentage: 25, tax_basis: gross - Math.round(gross / 5), included_in_price: true }],
    payments: [{ line_id: 1, amount: gross, type_id: 'cash', description: 'Cash' }],
    ...(n % 3 === 1 ? { customer_id: `customer-${n % 500}` } : {}),
    ...(discount === undefined ? {} : { discounts: [{ id: discount.ruleId, refs: [{ id: discount.refId, usage: 1, amount: 100, stamp: 0, bonus: 0 }] }] }),
  };
  const [head = '', tail = ''] = JSON.stringify(receipt).split('@@ID@@');
  return [head, tail];
}

export async function receiptsBench(target: DbTarget, o: ReceiptBenchOptions = { batch: 200, connections: 4, seconds: 8, runs: 3 }): Promise<Metric[]> {
  const created = await target.create();
  await migrateToLatest(created.db.kysely);
  const admin = createAuthAdmin(createAuthRepo(created.db.kysely), systemClock);
  await admin.createAccount(AID, 'Bench');
  const adminClient = await admin.createClient(AID, 'bench-admin', ['admin:discounts', 'admin:receipts']);
  const tillClient = await admin.createClient(AID, 'bench-till', ['write:receipts']);
  const server = await startServerProcess(created.url);
  try {
    const adminToken = await clientToken(server.url, AID, adminClient);
    const tillToken = await clientToken(server.url, AID, tillClient);
    const rule = idOf(await call(server.url, adminToken, 'POST', '/discounts/rules', {
      name: 'Everyone 1 kr', requirement: { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2027-01-01T00:00:00Z' }, reward: { type: 'discount_amount', value: 100 },
    }));
    await call(server.url, adminToken, 'POST', `/discounts/rules/${rule}/customers`, { customers: ['/'] });
    const refs = await call(server.url, adminToken, 'GET', `/discounts/rules/${rule}/customers`);
    const ref = Array.isArray(refs) ? idOf(refs[0]) : '';
    const templates = Array.from({ length: 60 }, (_, n) => receiptTemplate(n, n % 4 === 0 ? { ruleId: rule, refId: ref } : undefined));
    let seq = 0;
    const body = (): string => {
      const parts: string[] = [];
      for (let i = 0; i < o.batch; i += 1) {
        const [head, tail] = templates[seq % templates.length] ?? ['', ''];
        parts.push(`${head}bench-${seq}${tail}`);
        seq += 1;
      }
      return `[${parts.join(',')}]`;
    };
    const rates: number[] = [];
    let bytes = 0;
    let latencyP99 = 0;
    let acknowledged = 0;
    for (let run = 0; run <= o.runs; run += 1) {
      let ok = 0;
      let failed = 0;
      const result = await autocannon({
        url: server.url, connections: o.connections, duration: run === 0 ? 2 : o.seconds, pipelining: 1, timeout: 60,
        requests: [{
          method: 'POST', path: `/v1/accounts/${AID}/receipts`,
          headers: { authorization: `Bearer ${tillToken}`, 'content-type': 'application/json' },
          setupRequest: (req) => {
            const b = body();
            bytes = b.length;
            return { ...req, body: b };
          },
          onResponse: (status) => {
            if (status === 200) ok += 1;
            else failed += 1;
          },
        }],
      });
      if (failed > 0) throw new Error(`${failed} receipt batches failed`);
      acknowledged += ok * o.batch;
      // The first run warms the server up and is not counted.
      if (run > 0) {
        rates.push((ok * o.batch) / (result.duration || o.seconds));
        latencyP99 = Math.max(latencyP99, result.latency.p99);
      }
    }
    // Every receipt sent was new: the table must hold every receipt the server acknowledged (and
    // may hold a few more, from requests still in flight when a run ended).
    const stored = await created.db.kysely.selectFrom('receipts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(stored.n) < acknowledged) throw new Error(`acknowledged ${acknowledged} receipts, stored ${Number(stored.n)}`);
    return [{
      id: 'receipts.ingest.rps',
      value: Math.round(median(rates)),
      unit: 'receipts/s',
      target: 10_000,
      better: 'higher',
      note: `${target.name}, batches of ${o.batch} ${LINES}-line receipts (~${Math.round(bytes / 1024)} KiB), ${o.connections} connections, 1 in 4 with a "/" discount; median of ${o.runs} runs (${rates.map((r) => Math.round(r)).join(', ')}); worst p99 ${latencyP99} ms`,
    }];
  } finally {
    await server.stop();
    await created.dispose();
  }
}
