/**
 * The outbox's records: how each is named, ordered and built, and the reads the rest of the till
 * makes of them. The drain that sends them is `sale-uploader.ts`; the commit that writes them is
 * `commit-sale.ts`.
 *
 * Ids are the records' idempotency keys upstream, so a record written twice (a retried commit, a
 * reconcile after a crash) is the same record: `receipt:<sale_id>`, `wallet_entry:<ref_id>`,
 * `capture:<transaction_id>`, `enrolment:<customer_id>`.
 */
import { OfflineWalletEntrySchema, type OfflineGiftCardTender, type OfflineWalletEntry } from '@pos/core';
import type { RxDocument } from 'rxdb';
import type { EnrolmentBody, EnrolmentQueue, ProvisionalCustomer } from '../api/customer-client.ts';
import type { PosDatabase } from '../db/database.ts';
import type { OutboxDoc, OutboxKind, SaleDoc } from '../db/schemas.ts';
import { saleToReceipt, StoredSaleSchema, type TillStore } from '../features/sale/sale-receipt.ts';

export const outboxId = (kind: OutboxKind, key: string): string => `${kind}:${key}`;

/** Age order as a string: zero-padded epoch ms (an unreadable time sorts first), then the id. */
export function orderKey(createdAt: string, id: string): string {
  const ms = Date.parse(createdAt);
  return `${String(Number.isFinite(ms) ? ms : 0).padStart(15, '0')}|${id}`;
}

export function pendingRecord(kind: OutboxKind, key: string, createdAt: string, payload: Record<string, unknown>, saleId?: string): OutboxDoc {
  const id = outboxId(kind, key);
  return { id, kind, order_key: orderKey(createdAt, id), created_at: createdAt, payload, state: 'pending', attempts: 0, ...(saleId === undefined ? {} : { sale_id: saleId }) };
}

export const UNREADABLE_SALE = 'this till cannot read the sale it stored; it is kept for a manager to look at';

/**
 * The records a stored sale owes the server, derived from the sale document alone: its receipt,
 * one capture per online gift-card hold and one wallet entry per gift card taken offline. A sale this build cannot read gets a parked receipt
 * record, so a manager sees it rather than it waiting silently.
 */
export function recordsForSale(sale: Pick<SaleDoc, 'id' | 'completed_at' | 'sale'>, tillStore: TillStore): OutboxDoc[] {
  const parsed = StoredSaleSchema.safeParse(sale.sale);
  if (!parsed.success) {
    return [{ ...pendingRecord('receipt', sale.id, sale.completed_at, { sale_id: sale.id }, sale.id), state: 'parked', error: UNREADABLE_SALE }];
  }
  const stored = parsed.data;
  const receipt = saleToReceipt(stored, tillStore);
  const records = [pendingRecord('receipt', sale.id, sale.completed_at, receipt, sale.id)];
  for (const t of stored.tenders) {
    if (t.kind === 'gift_card') {
      // The ref_id the till has always captured with, so a sale from an older build is not captured twice.
      records.push(pendingRecord('capture', t.transaction_id, sale.completed_at, { transaction_id: t.transaction_id, ref_id: `${t.transaction_id}:capture` }, sale.id));
      continue;
    }
    if (t.kind !== 'gift_card_offline') continue;
    const entry: OfflineWalletEntry = {
      ref_id: t.ref_id, card_pk: t.card_pk, card_id: t.card_id, amount: t.amount, currency: stored.cart.currency,
      created_at: t.created_at, store_id: receipt.store.id, sale_id: sale.id, allowance: t.allowance, lease: t.lease,
    };
    records.push(pendingRecord('wallet_entry', t.ref_id, sale.completed_at, entry, sale.id));
  }
  return records;
}

/** Writes the records not in the outbox yet; ones already there (whatever their state) are left alone. */
export async function insertMissing(db: PosDatabase, records: readonly OutboxDoc[]): Promise<void> {
  if (records.length === 0) return;
  const present = await db.outbox.findByIds(records.map((r) => r.id)).exec();
  const missing = records.filter((r) => !present.has(r.id));
  if (missing.length === 0) return;
  const { error } = await db.outbox.bulkInsert(missing);
  // A conflict means another writer got there first with the same deterministic record: fine.
  const real = error.filter((e) => e.status !== 409);
  if (real.length > 0) throw new Error(`the outbox did not take ${real.length} record(s) (status ${real[0]?.status ?? '?'})`);
}

/** Records not confirmed yet: pending and parked. */
export const unsent = (db: PosDatabase, kind?: OutboxKind) =>
  db.outbox.find({ selector: { state: { $in: ['pending', 'parked'] }, ...(kind === undefined ? {} : { kind }) }, sort: [{ order_key: 'asc' }] });

/**
 * The gift cards this till took offline that the server has not confirmed yet (parked ones
 * included: the money was handed out either way), as the tenders they were.
 */
export async function pendingOfflineDrawdowns(db: PosDatabase): Promise<OfflineGiftCardTender[]> {
  const docs = await unsent(db, 'wallet_entry').exec();
  return docs.flatMap((d: RxDocument<OutboxDoc>) => {
    const e = OfflineWalletEntrySchema.safeParse(d.toMutableJSON().payload);
    if (!e.success) return [];
    const { ref_id, card_pk, card_id, amount, currency, created_at, allowance, lease } = e.data;
    return [{ kind: 'gift_card_offline' as const, ref_id, card_pk, card_id, amount, currency, created_at, allowance, lease }];
  });
}

/** Sent records are kept this long as an audit trail, then pruned at session start. */
export const SENT_KEPT_MS = 30 * 24 * 3600_000;

export async function pruneSent(db: PosDatabase, now: number): Promise<number> {
  const old = await db.outbox.find({ selector: { state: 'sent', sent_at: { $lt: now - SENT_KEPT_MS } } }).exec();
  if (old.length === 0) return 0;
  await db.outbox.bulkRemove(old.map((d) => d.id));
  return old.length;
}

/** How long a confirmed enrolment still stands in for its customer while replication brings them. */
const PROVISIONAL_AFTER_SENT_MS = 24 * 3600_000;

/**
 * Enrolments made while the server could not be reached. Until replication brings the server's
 * customer, the till finds them here by phone; callers list the replica's customers first and
 * drop a provisional one whose customer_id the replica already has, so it never shows twice.
 */
export function enrolmentQueue(db: PosDatabase, now: () => number = Date.now): EnrolmentQueue {
  return {
    async add(body: EnrolmentBody) {
      await insertMissing(db, [pendingRecord('enrolment', body.customer_id, new Date(now()).toISOString(), body)]);
    },
    async byPhone(e164) {
      const docs = await db.outbox.find({ selector: { kind: 'enrolment' } }).exec();
      return docs.flatMap((d): ProvisionalCustomer[] => {
        const { payload, state, sent_at } = d.toMutableJSON();
        if (state === 'sent' && now() - (sent_at ?? 0) > PROVISIONAL_AFTER_SENT_MS) return [];
        const { customer_id, first_name, last_name, phone_number, email } = payload;
        if (phone_number !== e164 || typeof customer_id !== 'string') return [];
        const name = `${typeof first_name === 'string' ? first_name : ''} ${typeof last_name === 'string' ? last_name : ''}`.trim() || customer_id;
        return [{ customer_id, name, phone_number: e164, email: typeof email === 'string' ? email : undefined }];
      });
    },
  };
}
