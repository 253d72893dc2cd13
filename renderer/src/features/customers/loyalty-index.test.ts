import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Discount } from '@pos/core';
import { openPosDatabase, type PosDatabase } from '../../db/database.ts';
import { tillRules } from '../sale/discount-rules.ts';
import { writeOver } from '../../db/write-over.ts';
import { pendingRecord } from '../../app/outbox.ts';
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
    // The sale's receipt waiting in the outbox, as a commit leaves it.
    const record = await db.outbox.insert(pendingRecord('receipt', 's1', receipt.purchase_at, receipt, 's1'));
    await expect.poll(() => index?.state('kari').pendingSales).toBe(1);
    expect(index.state('kari').provisional.bonus.balance).toBe(1_070);
    expect(index.state('ola').pendingSales).toBe(0);

    // The server stores it and its document comes down with the bonus in it.
    await record.incrementalPatch({ state: 'sent', sent_at: 1 });
    await db.customer_loyalty.upsert(doc(1_070));
    await expect.poll(() => index?.state('kari')).toMatchObject({ pendingSales: 0, confirmed: { bonus: { balance: 1_070 } }, provisional: { bonus: { balance: 1_070 } } });
    expect(changes).toBeGreaterThan(0);
  });

  it('counts the member sales waiting when it starts, and lets each go as the drain confirms it', async () => {
    const receipt = (id: string, customerId?: string) => ({
      receipt_id: id, purchase_at: '2026-11-24T10:00:00.000Z', store: { id: 's' }, ...(customerId === undefined ? {} : { customer_id: customerId }),
      discounts: [{ id: 'bonus-2', refs: [{ id: 'any-bonus', stamp: 0, amount: 0, bonus: 50, usage: 1 }] }],
    });
    const waiting = (id: string, customerId?: string) => pendingRecord('receipt', id, '2026-11-24T10:00:00.000Z', receipt(id, customerId), id);
    // Waiting before the index exists (a till restarted during an outage): one refused and parked, one anonymous.
    await db.outbox.bulkInsert([waiting('a1', 'kari'), { ...waiting('a2', 'kari'), state: 'parked', error: 'refused' }, waiting('a3')]);
    index = watchLoyalty(db, () => rules);
    await expect.poll(() => index?.state('kari').pendingSales).toBe(2);
    expect(index.state('kari').provisional.bonus.balance).toBe(100);

    // A sale committed meanwhile, then the drain confirms two records in one write (as sale-uploader does).
    await db.outbox.insert(waiting('a4', 'kari'));
    await expect.poll(() => index?.state('kari').pendingSales).toBe(3);
    const read = [...(await db.outbox.findByIds(['receipt:a1', 'receipt:a3']).exec()).values()].map((d) => d.toMutableJSON(true));
    await writeOver(db.outbox, read, (d) => ({ ...d, state: 'sent' as const, sent_at: 1 }));
    await expect.poll(() => index?.state('kari').pendingSales).toBe(2);
    expect(index.state('kari').provisional.bonus.balance).toBe(100);
  });
});
