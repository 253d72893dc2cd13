/**
 * Drains the till's outbox (app/outbox.ts) to the server: enrolments first (a receipt may name the
 * customer), then captures of the online gift-card holds of stored sales, then offline gift-card
 * entries, then receipts. Every record carries its own
 * idempotency key, so anything sent again after a lost answer is stored once and comes back as a
 * duplicate, which counts as confirmed.
 *
 * - Oldest first per kind, in batches (receipts up to 1,000 per `POST /receipts`, wallet entries
 *   up to 500 per `POST /sync/offline/wallet_entries`, enrolments and captures one by one); receipts
 *   two batches in flight, so the next goes up while the last one's confirmation is written. A record becomes `sent`
 *   only when the answer accounts for it; confirmations are written in bulk (100 records a write).
 * - A refused batch (a 4xx that is about the records: not auth, rate or not-found) is split in
 *   halves until the refused record is alone; it is then `parked` with the server's message, and
 *   from then on tried on its own after the others, at most once a minute (or at once when the
 *   manager asks), so it never holds anything back. It goes up by itself if the server takes it later.
 * - The server unreachable stops the whole drain; a kind the server fails (5xx) or will not take
 *   now (403/404/408/429, or 401 after a fresh token) stops that kind only. Nothing is dropped:
 *   the next flush (a new record, reconnect, or the 5 s timer) tries again, with one record first.
 */
import { OfflineWalletEntriesResultSchema } from '@pos/core';
import { TransactionSchema } from '@pos/core/contracts/wallets';
import { receiptKey } from '@pos/core/loyalty/receipt-key';
import { z } from 'zod';
import { callApi, type ApiEndpoint, ApiCallError } from '../api/http.ts';
import { CustomerSchema, sameEnrolment } from '../api/customer-client.ts';
import type { RxDocumentData } from 'rxdb';
import type { PosDatabase } from '../db/database.ts';
import { writeOver } from '../db/write-over.ts';
import { OUTBOX_KINDS, type OutboxDoc, type OutboxKind } from '../db/schemas.ts';
import { UNREADABLE_SALE } from './outbox.ts';

export interface OutboxDrain {
  /** Sends what is pending now (also runs on every new record and on a timer). */
  flush(): Promise<void>;
  /** Sends the parked records too without waiting for their minute: the manager's "Try again now". */
  retryParked(): Promise<void>;
  stop(): void;
}

const RETRY_MS = 5_000;
export const REFUSED_RETRY_MS = 60_000;
export const BATCH_SIZES: Readonly<Record<OutboxKind, number>> = { enrolment: 1, capture: 1, wallet_entry: 500, receipt: 1000 };

/**
 * Local reads and writes go in pieces of this many: RxDB keeps the last 100 change events, and a
 * write of more makes every live query on the outbox run again from scratch instead of being
 * updated; IndexedDB cursors are also cheaper in short runs (pieces of 1,000 were slower, measured).
 */
const CHUNK = 100;
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const CreatedSchema = z.object({
  receipts: z.array(z.looseObject({ receipt_id: z.string().optional(), purchase_at: z.string().optional(), store: z.looseObject({ id: z.string() }).optional() })),
  duplicates: z.number().int().min(0),
});
const ReceiptKeySchema = z.looseObject({ receipt_id: z.string(), purchase_at: z.string(), store: z.looseObject({ id: z.string() }) });

/** Refused by the server for a reason about this record; the message is for the manager. */
class Refused extends Error {}
/** Stop sending: `all` when the server cannot be reached at all, else only this kind. */
class Stop extends Error {
  constructor(message: string, readonly all: boolean) {
    super(message);
  }
}

const NOUN: Readonly<Record<OutboxKind, string>> = { enrolment: 'enrolments', capture: 'gift-card captures', wallet_entry: 'offline gift-card payments', receipt: 'sales' };
const isTransient = (e: ApiCallError): boolean => e.status === 0 || e.status >= 500 || [401, 403, 404, 408, 429].includes(e.status);

type Sender = (records: readonly OutboxDoc[]) => Promise<ReadonlySet<string>>;

function senders(endpoint: ApiEndpoint): Readonly<Record<OutboxKind, Sender>> {
  return {
    async receipt(records) {
      const answer = await callApi(endpoint, 'POST', '/receipts', CreatedSchema, records.map((r) => r.payload));
      // The server takes a batch whole or not at all: stored + duplicates = batch accounts for all.
      if (answer.receipts.length + answer.duplicates === records.length) return new Set(records.map((r) => r.id));
      const stored = new Set(answer.receipts.flatMap((r) => (r.receipt_id === undefined || r.purchase_at === undefined || r.store === undefined ? [] : [receiptKey({ receipt_id: r.receipt_id, purchase_at: r.purchase_at, store: r.store })])));
      return new Set(records.filter((r) => {
        const k = ReceiptKeySchema.safeParse(r.payload);
        return k.success && stored.has(receiptKey(k.data));
      }).map((r) => r.id));
    },
    async wallet_entry(records) {
      const answer = await callApi(endpoint, 'POST', '/sync/offline/wallet_entries', OfflineWalletEntriesResultSchema, { entries: records.map((r) => r.payload) });
      // `applied` and `duplicate` both mean the ledger has it; an exception is the server's business now.
      const done = new Set(answer.results.map((r) => r.ref_id));
      return new Set(records.filter((r) => typeof r.payload.ref_id === 'string' && done.has(r.payload.ref_id)).map((r) => r.id));
    },
    async capture(records) {
      // One hold per call (Dintero's API); the ref_id makes a resend return the first capture.
      const confirmed = new Set<string>();
      for (const r of records) {
        const { transaction_id: id, ref_id: refId } = r.payload;
        if (typeof id !== 'string' || typeof refId !== 'string') throw new Refused('this capture record is unreadable; the hold stays on the card until a manager captures or voids it');
        await callApi(endpoint, 'POST', `/wallets/transactions/${encodeURIComponent(id)}/capture`, TransactionSchema, { ref_id: refId });
        confirmed.add(r.id);
      }
      return confirmed;
    },
    async enrolment(records) {
      const confirmed = new Set<string>();
      for (const r of records) {
        try {
          await callApi(endpoint, 'POST', '/customers/users', CustomerSchema, r.payload);
        } catch (e) {
          if (!(e instanceof ApiCallError) || e.status !== 400) throw e;
          await explainEnrolmentRefusal(endpoint, r, e);
        }
        confirmed.add(r.id);
      }
      return confirmed;
    },
  };
}

/** Returns when the refusal means "already done"; throws Refused with plain words otherwise. */
async function explainEnrolmentRefusal(endpoint: ApiEndpoint, record: OutboxDoc, e: ApiCallError): Promise<void> {
  const customerId = typeof record.payload.customer_id === 'string' ? record.payload.customer_id : '';
  if (e.code === 'CUSTOMER_DUPLICATE_CUSTOMER_ID') {
    // Sent before and the answer lost: the server has it if the customer under this id is the one enrolled.
    const existing = await callApi(endpoint, 'GET', `/customers/users/${encodeURIComponent(customerId)}`, CustomerSchema);
    if (sameEnrolment(record.payload, existing)) return;
    throw new Refused(`Another customer on the server already has the customer id ${customerId}; this enrolment was not created.`);
  }
  if (e.code === 'CUSTOMER_DUPLICATE_PHONE_NUMBER') throw new Refused('A customer with this phone number already exists on the server, so this enrolment was not created.');
  if (e.code === 'CUSTOMER_DUPLICATE_EMAIL') throw new Refused('A customer with this e-mail address already exists on the server, so this enrolment was not created.');
  throw e;
}

export function startOutboxDrain(db: PosDatabase, endpoint: ApiEndpoint, onError: (message: string | null) => void, now: () => number = Date.now): OutboxDrain {
  const send = senders(endpoint);
  /** The drain in flight, and the one queued behind it (shared by every caller meanwhile). */
  let running: Promise<void> | null = null;
  let queued: Promise<void> | null = null;
  let stopped = false;
  let parkedNow = false;
  /** The last drain found the server unreachable: new records wait for the timer or a reconnect instead of each trying again. */
  let unreachable = false;

  /** Records as read from the outbox (with their stored revision), so a state change is one write. */
  type Read = RxDocumentData<OutboxDoc>;
  const update = async (docs: readonly Read[], change: (d: Read) => Read): Promise<void> => {
    for (const chunk of chunks(docs)) await writeOver(db.outbox, chunk, change);
  };
  // The outbox record is where the server's confirmation is kept. The sales journal's own flag is
  // brought up to date at the next start (reconcileOutbox), not here: rewriting every sale (its
  // whole cart) as it was confirmed more than doubled what a drain after a long outage wrote.
  const confirm = (docs: readonly Read[]): Promise<void> => {
    const at = now();
    return update(docs, ({ error: _cleared, ...d }) => ({ ...d, state: 'sent', attempts: d.attempts + 1, last_attempt_at: at, sent_at: at }));
  };
  const park = (doc: Read, message: string): Promise<void> => update([doc], (d) => ({ ...d, state: 'parked', error: message, attempts: d.attempts + 1, last_attempt_at: now() }));

  /** Sends one batch; splits it when refused. Returns the last refusal's message, if any. */
  async function sendBatch(kind: OutboxKind, batch: readonly Read[]): Promise<string | null> {
    if (stopped || batch.length === 0) return null;
    let refusal: string;
    try {
      const confirmed = await send[kind](batch);
      await confirm(batch.filter((r) => confirmed.has(r.id)));
      return null;
    } catch (e) {
      if (e instanceof Refused) refusal = e.message;
      else if (e instanceof ApiCallError && !isTransient(e)) refusal = e.message;
      else if (e instanceof ApiCallError) {
        throw new Stop(e.status === 0 ? 'The server cannot be reached: sales are kept on this till.' : `The server did not take ${NOUN[kind]} (${e.message}): they are kept on this till.`, e.status === 0);
      } else throw e;
    }
    const [only] = batch;
    if (batch.length === 1 && only !== undefined) {
      await park(only, refusal);
      return `${kind === 'receipt' ? 'Sale' : kind === 'enrolment' ? 'Enrolment' : kind === 'capture' ? 'Gift-card capture' : 'Gift-card payment'} ${only.id.slice(only.id.indexOf(':') + 1, only.id.indexOf(':') + 9)} was refused: ${refusal}`;
    }
    const half = Math.ceil(batch.length / 2);
    const first = await sendBatch(kind, batch.slice(0, half));
    const second = await sendBatch(kind, batch.slice(half));
    return second ?? first;
  }

  async function drain(): Promise<void> {
    const retryAll = parkedNow;
    parkedNow = false;
    let lastError: string | null = null;
    // After the server was found unreachable, one record goes first: a till that sells offline for
    // hours asks again every few seconds, and reading a thousand queued records each time only to
    // find the server still away cost it more than the sales did.
    let probing = unreachable;
    for (const kind of OUTBOX_KINDS) {
      // A sale this build cannot read is never sent: only a manager can do something about it.
      const parked = (await db.outbox.find({ selector: { state: 'parked', kind }, sort: [{ order_key: 'asc' }] }).exec()).map((d) => d.toMutableJSON(true)).filter((r) => r.error !== UNREADABLE_SALE);
      const due = parked.filter((r) => retryAll || now() - (r.last_attempt_at ?? 0) >= REFUSED_RETRY_MS);
      try {
        // Pending records a batch at a time after a cursor: the queue may hold thousands (a long
        // outage) and is read no further than the server lets the drain get.
        // Receipts: two batches in flight, the next going up while the last one's confirmation is
        // written (each is stored on its own). Enrolments and gift-card entries go strictly in order.
        let after = '';
        let inFlight: Promise<string | null> | null = null;
        try {
          for (;;) {
            const batch: Read[] = [];
            const size = probing ? 1 : BATCH_SIZES[kind];
            while (batch.length < size) {
              const page = await db.outbox.find({ selector: { state: 'pending', kind, order_key: { $gt: after } }, sort: [{ order_key: 'asc' }], limit: Math.min(CHUNK, size - batch.length) }).exec();
              const last = page.at(-1);
              if (last === undefined) break;
              after = last.order_key;
              for (const d of page) batch.push(d.toMutableJSON(true));
            }
            if (batch.length === 0 || stopped) break;
            if (kind !== 'receipt' || probing) {
              lastError = (await sendBatch(kind, batch)) ?? lastError;
              // It got there (an unreachable server throws): full batches from here on.
              probing = false;
              continue;
            }
            const sending = sendBatch(kind, batch);
            // Awaited below; a failure meanwhile is not an unhandled one.
            sending.catch(() => undefined);
            if (inFlight !== null) lastError = (await inFlight) ?? lastError;
            inFlight = sending;
          }
        } finally {
          // Whatever happened, the batch still on its way settles before the kind is done.
          const pendingBatch: Promise<string | null> | null = inFlight;
          inFlight = null;
          if (pendingBatch !== null) lastError = (await pendingBatch) ?? lastError;
        }
        for (const p of due) lastError = (await sendBatch(kind, [p])) ?? lastError;
        const waiting = parked.length - due.length;
        if (waiting > 0) lastError ??= `${waiting} ${waiting === 1 ? 'record was' : 'records were'} refused by the server and ${waiting === 1 ? 'is' : 'are'} kept on this till: ${parked[0]?.error ?? ''}`;
      } catch (e) {
        if (!(e instanceof Stop)) throw e;
        if (e.all) {
          unreachable = true;
          onError(e.message);
          return;
        }
        lastError = e.message;
      }
    }
    unreachable = false;
    onError(lastError);
  }

  // A call while a drain runs waits for a fresh one: that drain may have read the queue before
  // the record the caller cares about was added, or tried while the server was still away.
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
  // New records go up at once (the changes the drain itself writes are not inserts), unless the
  // server was just found unreachable: a till selling offline does not knock on every sale.
  const sub = db.outbox.insert$.subscribe(() => {
    if (!unreachable) void flush();
  });
  const timer = setInterval(() => void flush(), RETRY_MS);
  return {
    flush,
    retryParked() {
      parkedNow = true;
      return flush();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}
