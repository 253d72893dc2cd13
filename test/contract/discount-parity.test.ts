/**
 * Till and server compute the same receipt. The till's side is what it runs at the counter: rules
 * replicated into an RxDB replica, compiled by the till's rule index, priced by core's engine. The
 * server's side is `POST /discounts/available_for_receipt`. 1,000 random carts over random rules
 * (every reward type, coupons, hours, limits, usage already recorded) must give identical receipts.
 *
 * A third of the carts are bought by identified customers: rules given to `*` and to customers
 * personally (one with a `dynamic_purchase_to_days` window that ends mid-week), a stamp card, a
 * bonus rule and the POINTS rule, with usage, stamps, debit balances and bonus recorded before.
 * There the till's refs come from core's `replicaPurchaseRefs` over the replicated rule documents
 * and the customer's `customer_loyalty` document (pulled over the same replication wire).
 */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { NEVER } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  calculate,
  CustomerLoyaltyDocSchema,
  DiscountRuleDocSchema,
  DiscountSchema,
  type Checkpoint,
  type CustomerLoyaltyDoc,
  type DiscountPost,
  type Receipt,
} from '@pos/core';
import { POINTS_RULE_KEY } from '@pos/core/loyalty/bonus';
import { emptyCustomerLoyalty, replicaPurchaseRefs, type ReplicaRule } from '@pos/core/loyalty/purchase-refs';
import { openPosDatabase, type PosDatabase } from '../../renderer/src/db/database.ts';
import { replicateFromServer } from '../../renderer/src/db/replication.ts';
import { watchDiscountRules, type DiscountRuleIndex } from '../../renderer/src/features/sale/discount-rules.ts';
import { cartArb, makeCatalog, purchaseTimes, ruleArb, sample } from '../fixtures/discount-gen.ts';
import { dbTargets } from '../support/databases.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

const NOW = new Date('2026-11-24T12:00:00.000Z');
/** c1–c4 buy before the test, c5 holds only a gift card, c6 nothing at all (no loyalty document). */
const CUSTOMERS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6'] as const;
let counter = 0;

const WINDOW = { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2030-12-31T23:59:59Z' };
/** Loyalty rules every identified purchase meets, and who gets them. */
const LOYALTY_RULES: ReadonlyArray<{ rule: DiscountPost; customers: string[] }> = [
  { rule: { active: true, private: false, name: 'Stamp card', requirement: { ...WINDOW, stamp: 3, item: { items: [{ id: 'p1' }, { id: 'p2' }, { id: 'p3' }] } }, reward: { type: 'discount_item_percent', value: 100 }, limitation: { stamp_expire_days: 3 } }, customers: ['*'] },
  { rule: { active: true, private: false, name: 'Members 5 % bonus', requirement: WINDOW, reward: { type: 'discount_percent', value: 5, effect: 'bonus', base: 'net' } }, customers: ['*'] },
  { rule: { active: true, private: false, name: 'Points', requirement: { ...WINDOW, discount_code: 'POINTS' }, reward: { type: 'discount_debit', value: 0 }, metadata: { [POINTS_RULE_KEY]: true } }, customers: ['*'] },
  { rule: { active: true, private: false, name: 'Gift card 10,000 kr', requirement: WINDOW, reward: { type: 'discount_debit', value: 1_000_000 } }, customers: ['c3', 'c5'] },
]

describe.each(dbTargets())('discount parity on $name', (target) => {
  let h: Harness;
  let replica: PosDatabase;
  let rules: DiscountRuleIndex;
  let shop: string;
  let ruleDocs: ReplicaRule[];
  const loyalty = new Map<string, CustomerLoyaltyDoc>();
  const catalog = makeCatalog(40, 6, 5);
  const clock = manualClock(NOW);

  beforeAll(async () => {
    h = await startHarness(target, { clock });
    const url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    const admin = await h.tokenFor(['admin:discounts']);
    shop = await h.tokenFor(['write:discounts:/available_for_receipt', 'write:discounts:/events']);
    const till = await h.tokenFor(['read:discounts']);
    const give = async (rule: DiscountPost, customers: string[]): Promise<void> => {
      const created = await h.call('POST', '/discounts/rules', { token: admin, body: rule });
      expect(created.statusCode, created.body).toBe(200);
      const granted = await h.call('POST', `/discounts/rules/${created.json<{ id: string }>().id}/customers`, { token: admin, body: { customers } });
      expect(granted.statusCode, granted.body).toBe(200);
    };
    // Every rule to anonymous purchases; every other one also to `*`; some to customers personally.
    for (const [i, rule] of sample(ruleArb(catalog), 60, 2026).entries()) {
      await give(rule, ['/', ...(i % 2 === 0 ? ['*'] : []), ...(i % 5 === 1 ? ['c1', 'c2'] : []), ...(i % 5 === 3 ? ['c3'] : [])]);
    }
    for (const { rule, customers } of LOYALTY_RULES) await give(rule, customers);
    // Granted six days before NOW with five days to use it: usable early in the week, gone later.
    clock.set(new Date('2026-11-18T12:00:00.000Z'));
    await give({ active: true, private: false, name: 'Five days', requirement: WINDOW, reward: { type: 'discount_percent', value: 15 }, limitation: { dynamic_purchase_to_days: 5 } }, ['c1', 'c4']);
    clock.set(NOW);

    // Some usage first, so limits on repeat use, debit balances, stamps and bonus are part of what must agree.
    const record = async (receipt: Receipt): Promise<void> => {
      const priced = await h.call('POST', '/discounts/available_for_receipt', { token: shop, body: receipt });
      expect(priced.statusCode, priced.body).toBe(200);
      const recorded = await h.call('POST', '/discounts/events', { token: shop, body: { receipt: priced.json() }, headers: { event: 'receipt_add', 'event-delivery': crypto.randomUUID() } });
      expect(recorded.statusCode, recorded.body).toBe(204);
    };
    for (const receipt of sample(cartArb(catalog, { min: 3, max: 12 }, purchaseTimes), 25, 99)) await record(receipt);
    for (const [i, receipt] of sample(cartArb(catalog, { min: 3, max: 12 }, purchaseTimes), 40, 98).entries()) {
      const customer = CUSTOMERS[i % 4] ?? 'c1';
      await record({ ...receipt, receipt_id: `${receipt.receipt_id}-${customer}-${i}`, customer_id: customer, ...(i % 3 === 2 ? { discount_code: [...(receipt.discount_code ?? []), 'POINTS'] } : {}) });
    }

    // The customers' loyalty documents, as the till pulls them.
    let after: Checkpoint = { txid: 0, seq: 0 };
    for (;;) {
      const res = await h.call('GET', `/v1/accounts/${h.accountId}/sync/customer_loyalty/pull?limit=100&txid=${after.txid}&seq=${after.seq}`, { token: till });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ documents: unknown[]; checkpoint: Checkpoint }>();
      for (const d of page.documents) {
        const doc = CustomerLoyaltyDocSchema.parse(d);
        loyalty.set(doc.id, doc);
      }
      if (page.documents.length === 0) break;
      after = page.checkpoint;
    }

    counter += 1;
    replica = await openPosDatabase(`parity-${target.name}-${counter}-${Date.now()}`, getRxStorageMemory());
    // One initial replication, no live changes: nothing to signal a pull again.
    const replication = replicateFromServer(replica.discount_rules, 'discount_rules', DiscountRuleDocSchema, { serverUrl: url, accountId: h.accountId, accessToken: () => Promise.resolve(till), fetch }, NEVER);
    await replication.awaitInitialReplication();
    await replication.cancel();
    rules = watchDiscountRules(replica);
    await rules.ready;
    ruleDocs = (await replica.discount_rules.find().exec()).map((d) => {
      const doc = d.toJSON();
      return { rule: DiscountSchema.parse(doc.rule), refs: DiscountRuleDocSchema.shape.refs.parse(doc.refs) };
    });
  }, 180_000);

  afterAll(async () => {
    rules.close();
    await replica.close();
    await h.close();
  });

  it('gives identical receipts for 1,000 random carts, a third of them bought by identified customers', async () => {
    const { prepared, anonymousRefs } = rules.current();
    expect(prepared.size).toBeGreaterThan(50);
    expect([...loyalty.keys()].sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect([...loyalty.values()].some((d) => d.bonus.spent > 0 && d.refs.some((r) => r.stamps.length > 0))).toBe(true);
    const ids = new Set(LOYALTY_RULES.map((l) => l.rule.name));
    const loyaltyRule = (id: string): string | undefined => ruleDocs.find((d) => d.rule.id === id && ids.has(d.rule.name))?.rule.name;
    let discounted = 0;
    let identified = 0;
    const seen = new Set<string>();
    for (const [i, cart] of sample(cartArb(catalog, { min: 1, max: 25 }, purchaseTimes), 1_000, 7).entries()) {
      const customer = i % 3 === 0 ? CUSTOMERS[(i / 3) % CUSTOMERS.length] : undefined;
      const receipt: Receipt = customer === undefined ? cart : { ...cart, customer_id: customer, ...(i % 2 === 0 ? { discount_code: [...(cart.discount_code ?? []), 'POINTS'] } : {}) };
      const server = await h.call('POST', '/discounts/available_for_receipt', { token: shop, body: receipt });
      expect(server.statusCode, server.body).toBe(200);
      const refs = customer === undefined ? anonymousRefs : replicaPurchaseRefs(ruleDocs, loyalty.get(customer) ?? emptyCustomerLoyalty(customer), receipt.purchase_at);
      const till = calculate(prepared, { receipt, refs, now: NOW.toISOString() }).receipt;
      expect(till, `receipt ${receipt.receipt_id}${customer === undefined ? '' : ` by ${customer}`}`).toEqual(server.json<Receipt>());
      if ((till.total_discount ?? 0) > 0) discounted += 1;
      if (customer !== undefined) {
        identified += 1;
        for (const d of till.discounts ?? []) {
          const name = loyaltyRule(d.id);
          if (name !== undefined && d.refs.some((r) => r.amount + r.bonus + r.stamp > 0)) seen.add(name);
          if (d.refs.some((r) => r.statistics?.usage !== undefined && r.statistics.usage > r.usage)) seen.add('prior usage');
        }
      }
    }
    // The comparison means something only if most carts actually got discounts, and the customers' loyalty was in play.
    expect(discounted).toBeGreaterThan(500);
    expect(identified).toBe(334);
    expect([...seen].sort()).toEqual(['Gift card 10,000 kr', 'Members 5 % bonus', 'Points', 'Stamp card', 'prior usage']);
  }, 300_000);
});
