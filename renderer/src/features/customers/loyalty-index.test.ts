import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Discount } from '@pos/core';
import { openPosDatabase, type PosDatabase } from '../../db/database.ts';
import { tillRules } from '../sale/discount-rules.ts';
import { watchLoyalty, type LoyaltyIndex } from './loyalty-index.ts';

const BONUS: Discount = {
  id: 'bonus-2', type: 'receipt', active: true, private: false, created_at: '2026-01-01T00:00:00Z', created_by: 't', updated_at: '2026-01-01T00:00:00Z', updated_by: 't',
  requirement: { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2027-01-01T00:00:00Z' }, reward: { type: 'discount_percent', value: 2, effect: 'bonus' },
};
const rules = tillRules([{ rule: BONUS, refs: [{ ref_id: 'any-bonus', grant: 'any_customer', statistics: { usage: 0, stamp: 0, amount: 0, bonus: 0 } }] }]);

let n = 0;

describe('following a customer\'s loyalty', () => {
  let db: PosDatabase;
  let index: LoyaltyIndex | undefined;
  beforeEach(async () => {
    n += 1;
    db = await openPosDatabase(`loyalty-${n}-${Date.now()}`, getRxStorageMemory());
  });
  afterEach(async () => {
    index?.close();
    await db.close();
  });

  it('shows a pending sale as provisional until it is uploaded, and the server\'s figures as they replicate', async () => {
    const doc = (balance: number) => ({ id: 'kari', updated_at: '2026-11-24T10:00:00Z', customer_id: 'kari', refs: [], bonus: { earned: balance, spent: 0, balance } });
    await db.customer_loyalty.insert(doc(1_000));
    index = watchLoyalty(db, () => rules);
    let changes = 0;
    index.onChange(() => (changes += 1));
    await index.follow('kari');
    expect(index.state('kari').confirmed?.bonus.balance).toBe(1_000);

    const receipt = { receipt_id: 's1', purchase_at: '2026-11-24T10:00:00.000Z', store: { id: 's' }, customer_id: 'kari', discounts: [{ id: 'bonus-2', refs: [{ id: 'any-bonus', stamp: 0, amount: 0, bonus: 70, usage: 1 }] }] };
    const sale = await db.sales.insert({ id: 's1', completed_at: receipt.purchase_at, currency: 'NOK', gross_amount: 3_500, uploaded: false, sale: { receipt } });
    await expect.poll(() => index?.state('kari').pendingSales).toBe(1);
    expect(index.state('kari').provisional.bonus.balance).toBe(1_070);
    expect(index.state('ola').pendingSales).toBe(0);

    // The server stores it and its document comes down with the bonus in it.
    await sale.incrementalPatch({ uploaded: true });
    await db.customer_loyalty.upsert(doc(1_070));
    await expect.poll(() => index?.state('kari')).toMatchObject({ pendingSales: 0, confirmed: { bonus: { balance: 1_070 } }, provisional: { bonus: { balance: 1_070 } } });
    expect(changes).toBeGreaterThan(0);
  });
});
