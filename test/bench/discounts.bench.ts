/**
 * The discount engine and the calculate endpoint.
 * - engine.recalc.50x1000: a 50-line cart against 1,000 active rules of mixed types (product,
 *   group, receipt-wide and mix rules; every reward type, coupons, limitations), compiled once as
 *   the till does; per-calculation time over 200 different carts, after a warm-up.
 * - discounts.available_for_receipt.rps: 20-line carts POSTed to a sync server in its own process
 *   holding 200 active rules given to `/`.
 */
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { calculate, prepareRules, type Discount, type EngineRef } from '@pos/core';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { migrateToLatest } from '../../sync-server/src/db/migrations.ts';
import { systemClock } from '../../sync-server/src/clock.ts';
import { cartArb, makeCatalog, purchaseTimes, ruleArb, sample } from '../fixtures/discount-gen.ts';
import type { DbTarget } from '../support/databases.ts';
import { quantile, type Metric } from './report.ts';
import { clientToken } from './bench-client.ts';
import { startServerProcess } from './server-process.ts';

const AID = 'T12345678';

export function engineBench(): Metric[] {
  const catalog = makeCatalog(20_000, 1_000);
  // A large store's rule book: mostly product and category offers, about 1 % store-wide (some of
  // those behind coupons), a few meal deals. A catalog of 20,000 products in 1,000 categories.
  const posts = sample(ruleArb(catalog, { product: 56, group: 20, receipt: 1, mix: 4 }), 1_000, 42);
  const rules: Discount[] = posts.map((p, i) => ({
    ...p, id: `rule-${String(i).padStart(4, '0')}`, type: (p.requirement.item?.items?.length ?? 0) > 0 ? 'item' : 'receipt',
    created_at: '2026-01-01T00:00:00Z', created_by: 'bench', updated_at: '2026-01-01T00:00:00Z', updated_by: 'bench',
  }));
  const refs = new Map<string, readonly EngineRef[]>(rules.map((r) => [r.id, [{ ref_id: `ref-${r.id}`, grant: 'no_customer', statistics: { usage: 0, stamp: 0, amount: 0, bonus: 0 }, stamps: [] }]]));
  const prepared = prepareRules(rules);
  const carts = sample(cartArb(catalog, { min: 50, max: 50 }, purchaseTimes), 200, 7);
  let applied = 0;
  for (let round = 0; round < 3; round += 1) for (const receipt of carts) calculate(prepared, { receipt, refs, now: receipt.purchase_at });
  const times: number[] = [];
  for (let round = 0; round < 10; round += 1) {
    for (const receipt of carts) {
      const t0 = performance.now();
      const out = calculate(prepared, { receipt, refs, now: receipt.purchase_at });
      times.push(performance.now() - t0);
      if (round === 0) applied += out.receipt.discounts?.length ?? 0;
    }
  }
  const note = `${times.length} calculations over ${carts.length} carts; on average ${(applied / carts.length).toFixed(1)} rules applied per cart`;
  return [
    { id: 'engine.recalc.50x1000.p50_ms', value: round3(quantile(times, 0.5)), unit: 'ms', target: null, better: 'lower', note },
    { id: 'engine.recalc.50x1000.p99_ms', value: round3(quantile(times, 0.99)), unit: 'ms', target: 1, better: 'lower' },
  ];
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

const token = (base: string, c: { client_id: string; client_secret: string }): Promise<string> => clientToken(base, AID, c);

async function post(base: string, bearer: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}/v1/accounts/${AID}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json: unknown = await res.json();
  if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function availableForReceiptBench(target: DbTarget, seconds = 8): Promise<Metric[]> {
  const created = await target.create();
  await migrateToLatest(created.db.kysely);
  const admin = createAuthAdmin(createAuthRepo(created.db.kysely), systemClock);
  await admin.createAccount(AID, 'Bench');
  const adminClient = await admin.createClient(AID, 'bench-admin', ['admin:discounts']);
  const shopClient = await admin.createClient(AID, 'bench-shop', ['write:discounts:/available_for_receipt']);
  const server = await startServerProcess(created.url);
  try {
    const adminToken = await token(server.url, adminClient);
    const shopToken = await token(server.url, shopClient);
    const catalog = makeCatalog(2_000, 40);
    for (const rule of sample(ruleArb(catalog), 200, 11)) {
      const r = await post(server.url, adminToken, '/discounts/rules', rule);
      const id = typeof r === 'object' && r !== null && 'id' in r && typeof r.id === 'string' ? r.id : '';
      await post(server.url, adminToken, `/discounts/rules/${id}/customers`, { customers: ['/'] });
    }
    const bodies = sample(cartArb(catalog, { min: 20, max: 20 }, purchaseTimes), 500, 3).map((r) => JSON.stringify(r));
    let n = 0;
    let errors = 0;
    const load = (duration: number) =>
      autocannon({
        url: server.url, connections: 16, duration, pipelining: 1,
        requests: [{
          method: 'POST', path: `/v1/accounts/${AID}/discounts/available_for_receipt`,
          headers: { authorization: `Bearer ${shopToken}`, 'content-type': 'application/json' },
          setupRequest: (req) => ({ ...req, body: bodies[n++ % bodies.length] ?? '' }),
          onResponse: (status) => {
            if (status !== 200) errors += 1;
          },
        }],
      });
    await load(2);
    errors = 0;
    const result = await load(seconds);
    if (errors > 0) throw new Error(`${errors} calculate requests failed`);
    return [{ id: 'discounts.available_for_receipt.rps', value: Math.round(result.requests.average), unit: 'req/s', target: null, better: 'higher', note: `16 connections, 20-line carts, 200 rules given to "/", ${target.name}; p99 latency ${result.latency.p99} ms` }];
  } finally {
    await server.stop();
    await created.dispose();
  }
}
