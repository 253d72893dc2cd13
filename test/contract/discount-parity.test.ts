/**
 * Till and server compute the same receipt. The till's side is what it runs at the counter: rules
 * replicated into an RxDB replica, compiled by the till's rule index, priced by core's engine. The
 * server's side is `POST /discounts/available_for_receipt`. 1,000 random carts over random rules
 * (every reward type, coupons, hours, limits, usage already recorded) must give identical receipts.
 */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculate, DiscountRuleDocSchema, type Receipt } from '@pos/core';
import { openPosDatabase, type PosDatabase } from '../../renderer/src/db/database.ts';
import { replicateFromServer } from '../../renderer/src/db/replication.ts';
import { watchDiscountRules, type DiscountRuleIndex } from '../../renderer/src/features/sale/discount-rules.ts';
import { cartArb, makeCatalog, purchaseTimes, ruleArb, sample } from '../fixtures/discount-gen.ts';
import { dbTargets } from '../support/databases.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

const NOW = new Date('2026-11-24T12:00:00.000Z');
let counter = 0;

describe.each(dbTargets())('discount parity on $name', (target) => {
  let h: Harness;
  let replica: PosDatabase;
  let rules: DiscountRuleIndex;
  let shop: string;
  const catalog = makeCatalog(40, 6, 5);

  beforeAll(async () => {
    h = await startHarness(target, { clock: manualClock(NOW) });
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const admin = await h.tokenFor(['admin:discounts']);
    shop = await h.tokenFor(['write:discounts:/available_for_receipt', 'write:discounts:/events']);
    const till = await h.tokenFor(['read:discounts']);
    for (const rule of sample(ruleArb(catalog), 60, 2026)) {
      const created = await h.call('POST', '/discounts/rules', { token: admin, body: rule });
      expect(created.statusCode, created.body).toBe(200);
      const granted = await h.call('POST', `/discounts/rules/${created.json<{ id: string }>().id}/customers`, { token: admin, body: { customers: ['/'] } });
      expect(granted.statusCode, granted.body).toBe(200);
    }
    // Some usage first, so limits on repeat use and debit balances are part of what must agree.
    for (const receipt of sample(cartArb(catalog, { min: 3, max: 12 }, purchaseTimes), 25, 99)) {
      const priced = await h.call('POST', '/discounts/available_for_receipt', { token: shop, body: receipt });
      expect(priced.statusCode, priced.body).toBe(200);
      const recorded = await h.call('POST', '/discounts/events', { token: shop, body: { receipt: priced.json() }, headers: { event: 'receipt_add', 'event-delivery': crypto.randomUUID() } });
      expect(recorded.statusCode, recorded.body).toBe(204);
    }

    counter += 1;
    replica = await openPosDatabase(`parity-${target.name}-${counter}-${Date.now()}`, getRxStorageMemory());
    const replication = replicateFromServer(replica.discount_rules, 'discount_rules', DiscountRuleDocSchema, { serverUrl: url, accountId: h.accountId, accessToken: () => Promise.resolve(till), fetch });
    await replication.awaitInitialReplication();
    await replication.cancel();
    rules = watchDiscountRules(replica);
    await rules.ready;
  }, 120_000);

  afterAll(async () => {
    rules.close();
    await replica.close();
    await h.close();
  });

  it('gives identical receipts for 1,000 random carts', async () => {
    const { prepared, anonymousRefs } = rules.current();
    expect(prepared.size).toBeGreaterThan(50);
    let discounted = 0;
    for (const receipt of sample(cartArb(catalog, { min: 1, max: 25 }, purchaseTimes), 1_000, 7)) {
      const server = await h.call('POST', '/discounts/available_for_receipt', { token: shop, body: receipt });
      expect(server.statusCode, server.body).toBe(200);
      const till = calculate(prepared, { receipt, refs: anonymousRefs, now: NOW.toISOString() }).receipt;
      expect(till, `receipt ${receipt.receipt_id}`).toEqual(server.json<Receipt>());
      if ((till.total_discount ?? 0) > 0) discounted += 1;
    }
    // The comparison means something only if most carts actually got discounts.
    expect(discounted).toBeGreaterThan(500);
  }, 300_000);
});
