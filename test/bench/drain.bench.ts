/**
 * sync.drain_10k_receipts_s: a till that sold 10,000 sales while the server was unreachable gets
 * its network back; seconds from the reconnect until its outbox has nothing pending and the
 * server holds all 10,000 receipts.
 *
 * - Server: the sync server in its own process on SQLite, with a discount rule given to everyone.
 * - Till: the real renderer modules in Node (test/support/node-till.ts: RxDB on Dexie over
 *   fake-indexeddb, the real session, drain and token handling) behind its own TCP proxy.
 * - Sales: 1–6 lines each from a small catalogue, priced by the till's discount engine with the
 *   replicated rule, paid by card or cash (some cash with change), committed with the real
 *   `commitSale` while the proxy is cut. Not timed.
 * - Reconnect: the proxy is restored and the outbox flushed at once, as the change stream's
 *   reconnect does (without waiting for its backoff, which is not the drain's cost).
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { priceCart, type Cart, type CartLine } from '@pos/core';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { systemClock } from '../../sync-server/src/clock.ts';
import { TILL_SCOPES } from '../../sync-server/src/demo/seed.ts';
import { commitSale } from '../../renderer/src/app/commit-sale.ts';
import { watchDiscountRules } from '../../renderer/src/features/sale/discount-rules.ts';
import { NetworkProxy, NodeTill, sleep } from '../support/node-till.ts';
import type { DbTarget } from '../support/databases.ts';
import { clientToken, benchCall, idOf } from './bench-client.ts';
import type { Metric } from './report.ts';
import { startServerProcess } from './server-process.ts';

const AID = 'T12345678';
export const DRAIN_IDS = ['sync.drain_10k_receipts_s'];

const CATALOGUE = [
  { product_id: 'coffee', description: 'Coffee', unit_gross_price: 3500, tax_percent: 15, group_ids: ['drinks'] },
  { product_id: 'bun', description: 'Cinnamon bun', unit_gross_price: 4200, tax_percent: 15, group_ids: ['bakery'] },
  { product_id: 'bread', description: 'Sourdough bread', unit_gross_price: 6900, tax_percent: 15, group_ids: ['bakery'] },
  { product_id: 'milk', description: 'Milk 1 l', unit_gross_price: 2490, tax_percent: 15, group_ids: ['dairy'] },
  { product_id: 'mug', description: 'Mug', unit_gross_price: 14900, tax_percent: 25, group_ids: ['merch'] },
  { product_id: 'beans', description: 'Coffee beans 250 g', unit_gross_price: 11900, tax_percent: 15, group_ids: ['drinks'] },
];

const call = (base: string, bearer: string, method: string, path: string, body?: unknown): Promise<unknown> => benchCall(base, AID, bearer, method, path, body);

export async function drainBench(target: DbTarget, sales = 10_000): Promise<Metric[]> {
  const created = await target.create();
  await migrateToLatest(created.db.kysely);
  const auth = createAuthAdmin(createAuthRepo(created.db.kysely), systemClock);
  await auth.createAccount(AID, 'Drain bench');
  const adminClient = await auth.createClient(AID, 'bench-admin', ['admin:discounts']);
  const tillClient = await auth.createClient(AID, 'till-1', TILL_SCOPES);
  const server = await startServerProcess(created.url);
  // The till's network: cut while it sells, restored for the drain.
  const proxy = new NetworkProxy({ host: '127.0.0.1', port: server.port });
  const till = new NodeTill({ name: `drain-bench-${Date.now()}`, server: { url: await proxy.listen(), publicUrl: server.url }, accountId: AID, client: tillClient });
  try {
    const admin = await clientToken(server.url, AID, adminClient);
    const rule = idOf(await call(server.url, admin, 'POST', '/discounts/rules', {
      name: 'Everyone 10 kr off', requirement: { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2030-01-01T00:00:00Z' }, reward: { type: 'discount_amount', value: 1000 },
    }));
    await call(server.url, admin, 'POST', `/discounts/rules/${rule}/customers`, { customers: ['/'] });

    await till.start();
    await till.initialSync(60_000);
    const rules = watchDiscountRules(till.db);
    await rules.ready;
    for (let i = 0; rules.current().anonymousRefs.size === 0 && i < 100; i++) await sleep(50);
    if (rules.current().anonymousRefs.size === 0) throw new Error('the till did not get the discount rule');

    proxy.cut();
    const store = { id: AID, terminal_id: tillClient.client_id };
    const start = Date.parse('2026-11-24T08:00:00.000Z');
    for (let n = 0; n < sales; n++) {
      const count = 1 + (n % 6);
      const lines: CartLine[] = Array.from({ length: count }, (_, i) => {
        const p = CATALOGUE[(n + i * 5) % CATALOGUE.length] ?? CATALOGUE[0];
        if (p === undefined) throw new Error('empty catalogue');
        return { line_id: i + 1, ...p, quantity: 1 + ((n + i) % 3), voided: false };
      });
      const cart: Cart = { currency: 'NOK', lines, next_line_id: count + 1 };
      const saleId = `bench-${String(n).padStart(6, '0')}`;
      const at = new Date(start + n * 1000).toISOString();
      // One sale in four misses the rule (bought before it started), so only some carry a discount.
      const when = n % 4 === 0 ? '2025-06-01T10:00:00.000Z' : at;
      const priced = priceCart(cart, rules.current().prepared, rules.current().anonymousRefs, { receipt_id: saleId, purchase_at: when, now: when, store, discount_codes: [] });
      const total = priced.net_amount;
      const tenders = n % 3 === 0 ? [{ kind: 'cash' as const, amount: total, given: Math.ceil(total / 10000) * 10000 }] : [{ kind: 'external_card' as const, amount: total }];
      await commitSale(till.db, { sale_id: saleId, cart, tenders, completed_at: at, receipt: { ...priced.receipt, purchase_at: at }, priced, customer: null });
      if ((n + 1) % 2000 === 0) process.stderr.write(`drain bench: ${n + 1} sales committed offline\n`);
    }
    rules.close();
    await till.session.outboxReady();
    const queued = await till.db.outbox.count({ selector: { state: 'pending' } }).exec();
    if (queued !== sales) throw new Error(`expected ${sales} records queued offline, found ${queued}`);

    const t0 = performance.now();
    proxy.restore();
    for (;;) {
      await till.session.flush();
      const pending = await till.db.outbox.count({ selector: { state: 'pending' } }).exec();
      const parked = await till.db.outbox.count({ selector: { state: 'parked' } }).exec();
      if (parked > 0) throw new Error(`${parked} receipts were refused: ${till.session.getStatus().error ?? ''}`);
      if (pending === 0) break;
    }
    const stored = await sql<{ n: number }>`select count(*) as n from receipts`.execute(created.db.kysely);
    const seconds = (performance.now() - t0) / 1000;
    const onServer = Number(stored.rows[0]?.n ?? 0);
    if (onServer !== sales) throw new Error(`the server holds ${onServer} receipts, expected ${sales}`);
    return [{ id: 'sync.drain_10k_receipts_s', value: Math.round(seconds * 100) / 100, unit: 's', target: 10, better: 'lower' }];
  } finally {
    await till.stop().catch(() => undefined);
    await till.destroy().catch(() => undefined);
    await proxy.close();
    await server.stop();
    await created.dispose();
  }
}
