/**
 * Sends completed sales to the server, oldest first, until it has them all. Each sale goes as a
 * `receipt_add` discount event carrying the priced receipt, so the server records the discounts,
 * stamps and bonus it gave; the sale id is the event's delivery id, so a resend after a lost answer
 * records nothing twice. A sale stays on the till until the server answered; one the server refuses
 * keeps its error and does not hold back the ones behind it.
 */
import { z } from 'zod';
import { callApi, type ApiEndpoint, ApiCallError } from '../api/http.ts';
import type { PosDatabase } from '../db/database.ts';

export interface SaleUploader {
  /** Sends what is pending now (also runs on every new sale and on a timer). */
  flush(): Promise<void>;
  stop(): void;
}

const RETRY_MS = 5_000;

export function startSaleUploader(db: PosDatabase, endpoint: ApiEndpoint, onError: (message: string | null) => void): SaleUploader {
  /** The drain in flight, and the one queued behind it (shared by every caller meanwhile). */
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let stopped = false;

  async function drain(): Promise<void> {
    const pending = await db.sales.find({ selector: { uploaded: false }, sort: [{ completed_at: 'asc' }] }).exec();
    let lastError: string | null = null;
    for (const doc of pending) {
      if (stopped) return;
      const receipt: unknown = doc.sale['receipt'];
      if (typeof receipt !== 'object' || receipt === null) continue; // a sale from before discounts: issue 5 uploads it as a receipt
      try {
        await callApi(endpoint, 'POST', '/discounts/events', z.null(), { receipt }, { event: 'receipt_add', 'event-delivery': doc.id });
        await doc.incrementalPatch({ uploaded: true });
      } catch (e) {
        if (e instanceof ApiCallError && e.status === 0) {
          onError('The server cannot be reached: sales are kept on this till.');
          return;
        }
        lastError = e instanceof Error ? `Sale ${doc.id.slice(0, 8)} was refused: ${e.message}` : String(e);
      }
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
    if (docs.length > 0) void flush();
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
