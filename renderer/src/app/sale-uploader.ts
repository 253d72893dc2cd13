/**
 * Stores completed sales on the server as Dintero receipts (`POST /receipts`), oldest first, until
 * it has them all. The server records each receipt's discount usage, stamps and bonus as it stores
 * it, and dedupes on (store, receipt_id, purchase_at), so a batch sent again after a lost answer
 * stores nothing twice: what it had already comes back counted in `duplicates`.
 *
 * - Batches of up to 50 sales, oldest first. A sale is marked uploaded only when the answer
 *   accounts for it: every sale of a batch when stored + duplicates = the batch (the server takes a
 *   batch whole or not at all), otherwise only those it lists as stored (by store, receipt_id and
 *   purchase_at); the rest are sent again and come back as duplicates.
 * - A refused batch (4xx other than auth, rate and not-found answers) is split in halves until the
 *   refused sale is alone; that sale keeps the server's message (`upload_error`), stays pending and
 *   is from then on sent on its own after the others, at most once a minute, so it never holds a
 *   batch back again (and goes up by itself if the server takes it later).
 * - The server away, failing (5xx) or refusing this till (401/403/404/429) stops the drain: every
 *   sale stays, and the next flush (a new sale, or the 5 s timer) tries again.
 * - A sale whose stored data this build cannot read is parked with that reason and never sent.
 */
import { receiptKey } from '@pos/core/loyalty/receipt-key';
import { z } from 'zod';
import type { RxDocument } from 'rxdb';
import { callApi, type ApiEndpoint, ApiCallError } from '../api/http.ts';
import type { PosDatabase } from '../db/database.ts';
import type { SaleDoc } from '../db/schemas.ts';
import { saleToReceipt, StoredSaleSchema, type SaleReceipt, type TillStore } from '../features/sale/sale-receipt.ts';

export interface SaleUploader {
  /** Sends what is pending now (also runs on every new sale and on a timer). */
  flush(): Promise<void>;
  stop(): void;
}

const RETRY_MS = 5_000;
const REFUSED_RETRY_MS = 60_000;
export const BATCH_SIZE = 50;

const CreatedSchema = z.object({
  receipts: z.array(z.looseObject({ receipt_id: z.string().optional(), purchase_at: z.string().optional(), store: z.looseObject({ id: z.string() }).optional() })),
  duplicates: z.number().int().min(0),
});

/** Answers that say nothing about the sales themselves: stop and try again later. */
const isTransient = (e: ApiCallError): boolean => e.status === 0 || e.status >= 500 || [401, 403, 404, 408, 429].includes(e.status);

class Stop extends Error {}

type Sale = RxDocument<SaleDoc>;

export function startSaleUploader(db: PosDatabase, endpoint: ApiEndpoint, store: TillStore, onError: (message: string | null) => void, now: () => number = Date.now): SaleUploader {
  /** The drain in flight, and the one queued behind it (shared by every caller meanwhile). */
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let stopped = false;
  let refusedTriedAt = -Infinity;

  const confirm = (docs: readonly Sale[]): Promise<unknown> =>
    Promise.all(docs.map((d) => d.incrementalModify((s) => {
      const { upload_error: _cleared, ...rest } = s;
      return { ...rest, uploaded: true };
    })));
  const park = (doc: Sale, message: string): Promise<unknown> => {
    // It was just tried: the next try is a minute away.
    refusedTriedAt = now();
    return doc.incrementalPatch({ upload_error: message });
  };

  /** Sends one batch; splits it when refused. Returns the last refusal's message, if any. */
  async function send(batch: readonly { doc: Sale; receipt: SaleReceipt }[]): Promise<string | null> {
    if (stopped || batch.length === 0) return null;
    try {
      const answer = await callApi(endpoint, 'POST', '/receipts', CreatedSchema, batch.map((b) => b.receipt));
      if (answer.receipts.length + answer.duplicates === batch.length) {
        await confirm(batch.map((b) => b.doc));
      } else {
        const stored = new Set(answer.receipts.flatMap((r) => (r.receipt_id === undefined || r.purchase_at === undefined || r.store === undefined ? [] : [receiptKey({ receipt_id: r.receipt_id, purchase_at: r.purchase_at, store: r.store })])));
        await confirm(batch.filter((b) => stored.has(receiptKey(b.receipt))).map((b) => b.doc));
      }
      return null;
    } catch (e) {
      if (!(e instanceof ApiCallError)) throw e;
      if (isTransient(e)) throw new Stop(e.status === 0 ? 'The server cannot be reached: sales are kept on this till.' : `The server did not take sales (${e.message}): they are kept on this till.`);
      const [only] = batch;
      if (batch.length === 1 && only !== undefined) {
        await park(only.doc, e.message);
        return `Sale ${only.doc.id.slice(0, 8)} was refused: ${e.message}`;
      }
      const half = Math.ceil(batch.length / 2);
      const first = await send(batch.slice(0, half));
      const second = await send(batch.slice(half));
      return second ?? first;
    }
  }

  async function drain(): Promise<void> {
    const pending = await db.sales.find({ selector: { uploaded: false }, sort: [{ completed_at: 'asc' }] }).exec();
    const fresh: { doc: Sale; receipt: SaleReceipt }[] = [];
    const parked: { doc: Sale; receipt: SaleReceipt }[] = [];
    let lastError: string | null = null;
    for (const doc of pending) {
      const stored = StoredSaleSchema.safeParse(doc.toMutableJSON().sale);
      if (!stored.success) {
        const message = 'this till cannot read the sale it stored; it is kept for a manager to look at';
        if (doc.upload_error !== message) await park(doc, message);
        lastError = `Sale ${doc.id.slice(0, 8)} cannot be sent: ${message}`;
        continue;
      }
      (doc.upload_error === undefined ? fresh : parked).push({ doc, receipt: saleToReceipt(stored.data, store) });
    }
    try {
      for (let i = 0; i < fresh.length; i += BATCH_SIZE) lastError = (await send(fresh.slice(i, i + BATCH_SIZE))) ?? lastError;
      if (parked.length > 0 && now() - refusedTriedAt >= REFUSED_RETRY_MS) {
        refusedTriedAt = now();
        for (const p of parked) lastError = (await send([p])) ?? lastError;
      } else if (parked.length > 0) {
        lastError ??= `${parked.length} sale${parked.length === 1 ? ' was' : 's were'} refused by the server and ${parked.length === 1 ? 'is' : 'are'} kept on this till: ${parked[0]?.doc.upload_error ?? ''}`;
      }
    } catch (e) {
      if (e instanceof Stop) {
        onError(e.message);
        return;
      }
      throw e;
    }
    onError(lastError);
  }

  // A call while a drain runs waits for a fresh one: that drain may have read the queue before
  // the sale the caller cares about was added, or tried while the server was still away.
  const flush = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running === null) {
      running = drain()
        .catch((e: unknown) => onError(e instanceof Error ? e.message : String(e)))
        .finally(() => {
          running = null;
        });
      return running;
    }
    queued ??= running.then(() => {
      queued = null;
      return flush();
    });
    return queued;
  };
  const sub = db.sales.find({ selector: { uploaded: false } }).$.subscribe((docs) => {
    if (docs.some((d) => d.upload_error === undefined)) void flush();
  });
  const timer = setInterval(() => void flush(), RETRY_MS);
  return {
    flush,
    stop() {
      stopped = true;
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}
