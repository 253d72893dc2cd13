/**
 * Committing a sale on the till. The commit point is the sale document: one document write, which
 * the storage makes atomic, and the screen says "done" only after it. The outbox records (receipt,
 * offline gift-card entries) are derived from that document deterministically and written right
 * after; a crash between the two writes is repaired by `reconcileOutbox` at the next start, so the
 * sale is never lost and never sent twice (the record ids are the idempotency keys).
 */
import { cartTotals } from '@pos/core';
import type { PosDatabase } from '../db/database.ts';
import type { SaleDoc } from '../db/schemas.ts';
import { writeOver } from '../db/write-over.ts';
import type { CompletedSale } from '../machines/checkout.machine.ts';
import type { TillStore } from '../features/sale/sale-receipt.ts';
import { insertMissing, outboxId, recordsForSale } from './outbox.ts';

export { pendingOfflineDrawdowns } from './outbox.ts';

export function saleDocOf(completed: CompletedSale): SaleDoc {
  return {
    id: completed.sale_id,
    completed_at: completed.completed_at,
    currency: completed.cart.currency,
    gross_amount: cartTotals(completed.cart).gross_amount,
    // The receipt with its discount lines and discounts[] is what the server records usage from.
    sale: {
      sale_id: completed.sale_id, cart: completed.cart, tenders: completed.tenders, completed_at: completed.completed_at, receipt: completed.receipt,
      ...(completed.customer === null ? {} : { customer: completed.customer }),
    },
    uploaded: false,
  };
}

/** Stores the sale (once: a retried commit keeps the first) and queues what it owes the server. */
export async function commitSale(db: PosDatabase, completed: CompletedSale): Promise<void> {
  const doc = saleDocOf(completed);
  const existing = await db.sales.findOne(doc.id).exec();
  const sale = existing === null ? (await db.sales.insert(doc)).toMutableJSON() : existing.toMutableJSON();
  if (sale.uploaded) return;
  // The sale was priced for its store; that is the store its records name.
  await insertMissing(db, recordsForSale(sale, completed.receipt.store));
}

/**
 * Gives every sale the server has not confirmed its outbox records: after a crash between the sale
 * write and the outbox write, and for tills upgraded from a build whose pending sales had no outbox.
 * Sales whose receipt record the server has confirmed since are marked uploaded here, in one write
 * (the drain records confirmations in the outbox only).
 */
export async function reconcileOutbox(db: PosDatabase, tillStore: TillStore): Promise<{ added: number; confirmed: number }> {
  const pending = await db.sales.find({ selector: { uploaded: false } }).exec();
  if (pending.length === 0) return { added: 0, confirmed: 0 };
  const receipts = await db.outbox.findByIds(pending.map((s) => outboxId('receipt', s.id))).exec();
  const confirmed = pending.filter((s) => receipts.get(outboxId('receipt', s.id))?.state === 'sent');
  if (confirmed.length > 0) await writeOver(db.sales, confirmed.map((s) => s.toMutableJSON(true)), ({ upload_error: _cleared, ...s }) => ({ ...s, uploaded: true }));
  const before = await db.outbox.count().exec();
  await insertMissing(db, pending.filter((s) => !confirmed.includes(s)).flatMap((s) => recordsForSale(s.toMutableJSON(), tillStore)));
  return { added: (await db.outbox.count().exec()) - before, confirmed: confirmed.length };
}
