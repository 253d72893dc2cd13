import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { prepareRules, priceCart, type Cart, type Tender } from '@pos/core';
import { openPosDatabase } from '../db/database.ts';
import type { CompletedSale } from '../machines/checkout.machine.ts';
import { commitSale, pendingOfflineDrawdowns } from './commit-sale.ts';

const STORE = { id: 'T12345678', terminal_id: 'till-1' };

function completed(saleId: string, tenders: Tender[]): CompletedSale {
  const cart: Cart = { currency: 'NOK', lines: [{ line_id: 1, product_id: 'bun', description: 'Bun', unit_gross_price: 4200, quantity: 2, tax_percent: 15, group_ids: [], voided: false }], next_line_id: 2 };
  const at = '2026-11-24T10:00:00.000Z';
  const priced = priceCart(cart, prepareRules([]), new Map(), { receipt_id: saleId, purchase_at: at, now: at, store: STORE, discount_codes: [] });
  return { sale_id: saleId, cart, tenders, completed_at: at, receipt: priced.receipt, priced, customer: null };
}

describe('commitSale', () => {
  it('stores the sale and its outbox records once, however often the commit is retried', async () => {
    const db = await openPosDatabase(`commit-${Date.now()}`, getRxStorageMemory());
    const offline: Tender = { kind: 'gift_card_offline', amount: 5000, card_id: 'GC-9', card_pk: 'pk-9', currency: 'NOK', ref_id: 'ref-9', created_at: '2026-11-24T09:59:00.000Z', allowance: 'a.b.c', lease: 'd.e.f' };
    const sale = completed('s1', [offline, { kind: 'cash', amount: 3400, given: 4000 }]);
    await commitSale(db, sale);
    await commitSale(db, sale);
    expect((await db.sales.find().exec()).map((d) => [d.id, d.gross_amount, d.uploaded])).toEqual([['s1', 8400, false]]);
    const records = (await db.outbox.find({ sort: [{ order_key: 'asc' }] }).exec()).map((d) => [d.id, d.kind, d.state, d.sale_id]);
    expect(records.sort()).toEqual([['receipt:s1', 'receipt', 'pending', 's1'], ['wallet_entry:ref-9', 'wallet_entry', 'pending', 's1']]);
    const receipt = (await db.outbox.findOne('receipt:s1').exec())?.toMutableJSON().payload;
    expect(receipt).toMatchObject({ receipt_id: 's1', store: STORE, gross_amount: 8400, payments: [{ type_id: 'gift_card', amount: 5000, reference_id: 'ref-9' }, { type_id: 'cash', amount: 3400 }] });
    expect(await pendingOfflineDrawdowns(db)).toEqual([offline]);
    await db.remove();
  });
});
