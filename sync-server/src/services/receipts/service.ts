/**
 * Receipts service (contract §4): storing receipts in batches, a customer's receipts, giving an
 * anonymous receipt its customer (PUT, receipt tokens), moving a receipt between customers,
 * search and customer segments. Loyalty accrual is the Discounts service's; this service calls it
 * inside its own transaction through the narrow `ReceiptLoyalty` port.
 *
 * Choices where Dintero's contract is silent:
 * - Dedupe key (§9.7): (account, store.id, receipt_id, purchase_at in UTC, void-or-not), enforced
 *   by a unique index. A duplicate — sent again, concurrently, out of order, or with different
 *   content — is counted in `duplicates`, changes nothing and is not in `receipts`. A receipt
 *   without receipt_id gets its server id as receipt_id, so it can never be a duplicate.
 * - A batch holds 1..1000 receipts (and at most 16 MiB). It is all-or-nothing: a receipt that
 *   fails validation, or that loyalty accrual refuses (an unknown discount rule or ref), is a 400
 *   naming its index (`body.3.purchase_at: …`, `receipts[3]: …`) and nothing of the batch is
 *   stored.
 * - The answer lists the stored receipts in request order as `Entity` plus (our extension)
 *   `receipt_id`, `store.id` and `purchase_at` as sent, so a client can map it back to what it sent,
 *   and `extra_info` when `token_expire_days` issued receipt tokens.
 * - Loyalty: each new receipt's usage, stamps and bonus are recorded in the same transaction as
 *   the receipt (the Discounts service's ledger is idempotent per receipt identity and rule).
 *   `entry_status` Training and Cancelled earn nothing. A void (`entry_status: "Voided"`) is a
 *   record of its own: it marks the sale it voids (extra_info `pos.receipt.voided_by` = the void's
 *   id, a `receipt_update` event) and reverses the sale's loyalty. A sale that arrives after its
 *   void is stored already marked and earns nothing.
 * - `{receipt_id}` in paths (§9.7): the server `id` first; failing that, the POS receipt_id (of
 *   that customer on the customer paths), which must then name exactly one receipt that is not a
 *   void record (409 RECEIPT_ID_AMBIGUOUS when several: use the server id).
 * - PUT /receipts/all/{receipt_id} sets the customer of an anonymous receipt (400 otherwise), and
 *   its discounts if it had none; newly given discounts are recorded in the loyalty ledger then.
 * - change_customer_id leaves the embedded `customer` object and the loyalty already recorded as
 *   they are (the ledger is append-only); it adds the history entry of §4.3 (key
 *   `dintero.receipts.change_customer_id.{epoch ms}.{first 16 hex of sha256(value)}`).
 * - Receipt tokens: see token.ts. A claim (POST) sets the customer of an anonymous receipt (or
 *   confirms the one it has) and spends the token: afterwards GET and POST with it answer 409
 *   RECEIPT_TOKEN_SPENT; a receipt that has another customer is 409 RECEIPT_HAS_CUSTOMER.
 * - Customer lists are ordered newest purchase first (then newest id); `starting_after` is the id
 *   of the last receipt and is present only when another page exists. Search is in storing order.
 * - Customer segment: counts a customer's receipts that match every given filter (purchase_at
 *   window inclusive, store ids, any item matching an `{id?, group?}`), leaving out void records,
 *   voided sales and Training/Cancelled receipts; ordered by customer_id; not paged.
 * - Webhook events (outbox, same transaction): `receipt_add` per stored receipt (void records
 *   included), `receipt_update` with the receipt after PUT, change_customer_id, a token claim, and
 *   for a sale when its void arrives. Payload `{receipt}`.
 */
import { createHash } from 'node:crypto';
import type { Receipt } from '@pos/core/contracts/discounts';
import type { CreatedReceipt, CustomerSegmentQuery, ExtraInfo, ReceiptAssign, ReceiptCreate, ReceiptMinimal, StoredReceipt } from '@pos/core/contracts/receipts';
import type { Clock } from '../../clock.ts';
import { statementChunks } from '../../db/connect.ts';
import { entityOf } from '../../db/entity.ts';
import type { ReceiptsTable } from '../../db/tables/receipts.ts';
import { ApiError, badRequest, conflict, notFound } from '../../errors.ts';
import { enqueueEvents, type OutboxEvent } from '../webhooks/outbox.ts';
import {
  bodyOf,
  earnsLoyalty,
  identityOf,
  itemKeys,
  itemsMatch,
  parseBody,
  saleKey,
  SERVER_EXTRA_INFO_PREFIXES,
  toMinimal,
  toReceipt,
  utc,
  VOIDED_BY_KEY,
  withExtraInfo,
  type ReceiptBody,
} from './model.ts';
import { monotonicId } from '../../db/ids.ts';
import type { IdentityRow, ReceiptRepo, Trx } from './repo.ts';
import type { ReceiptTokens } from './token.ts';

/** The account a request acts on and the API client doing it (created_by, the ledger's created_by). */
export interface Actor {
  accountId: string;
  clientId: string;
}

/** Work to run once the transaction has committed. */
export type AfterCommit = () => void;

/** One receipt for loyalty: a sale as stored, or (voided: true) the identity a void record voids. */
export type LoyaltyChange = { receipt: Receipt; voided?: false | undefined } | { receipt: Receipt; voided: true };

/**
 * What the Receipts service needs of loyalty (the Discounts service), inside its transaction.
 * Returns what to run after the commit.
 */
export interface ReceiptLoyalty {
  /**
   * Records the sales' discount usage, stamps and bonus and runs their automations, and reverses
   * what the voided identities recorded — all of a batch in one call (the Discounts service takes
   * its locks in one global order). A receipt it refuses rejects the call with a 400 `ApiError`
   * whose numeric `index` is that receipt's position in `changes`.
   */
  receiptsRecorded(trx: Trx, actor: Actor, changes: readonly LoyaltyChange[]): Promise<AfterCommit>;
}

export interface Log {
  error(obj: unknown, msg: string): void;
}

const DAY_MS = 86_400_000;
/**
 * Outbox rows per insert at most: one statement's parameters stay well inside both databases'
 * limits, and `statementChunks` keeps the statement shapes few (the statement cache).
 */
const EVENT_CHUNK = 128;
const SEGMENT_PAGE = 500;

const receiptNotFound = (id: string): ApiError => notFound('RECEIPT_NOT_FOUND', `receipt ${id} not found`);

const withIndex = (e: unknown, i: number): unknown =>
  e instanceof ApiError && e.statusCode === 400 ? new ApiError(400, e.code, `receipts[${i}]: ${e.message}`, e.errors) : e;

/** The position of the refused receipt in a `receiptsRecorded` call, if the error names one. */
const refusedAt = (e: unknown): number | undefined => (e instanceof ApiError && 'index' in e && typeof e.index === 'number' ? e.index : undefined);

interface Prepared {
  index: number;
  row: ReceiptsTable;
  body: ReceiptBody;
}

export function createReceiptService(repo: ReceiptRepo, clock: Clock, deps: { loyalty: ReceiptLoyalty; tokens: ReceiptTokens; log: Log }) {
  const { loyalty, tokens, log } = deps;

  function runAfterCommit(jobs: readonly AfterCommit[]): void {
    for (const job of jobs) {
      try {
        job();
      } catch (e) {
        log.error({ err: e }, 'receipts: work after commit failed');
      }
    }
  }

  async function enqueue(trx: Trx, events: readonly OutboxEvent[], at: string): Promise<void> {
    for (const chunk of statementChunks(events, EVENT_CHUNK)) await enqueueEvents(trx, chunk, at);
  }

  const addEvent = (accountId: string, receipt: StoredReceipt): OutboxEvent => ({ accountId, event: 'receipt_add', payload: { receipt } });
  const updateEvent = (accountId: string, receipt: StoredReceipt): OutboxEvent => ({ accountId, event: 'receipt_update', payload: { receipt } });

  /** The receipt token extra_info entries for a receipt about to be stored. */
  async function tokenInfo(accountId: string, id: string, body: ReceiptBody, expiresAt: Date): Promise<ExtraInfo[]> {
    const customerId = body.customer_id === undefined || body.customer_id === '' ? undefined : body.customer_id;
    const token = await tokens.sign({ accountId, id, receiptId: body.receipt_id, customerId }, expiresAt);
    return [
      { key: 'dintero.receipt.token.value', value: token, value_type: 'string' },
      { key: 'dintero.receipt.token.expires_at', value: expiresAt.toISOString(), value_type: 'datetime' },
      { key: 'dintero.receipt.token.url', value: `${tokens.url(accountId)}?token=${token}`, value_type: 'string' },
    ];
  }

  async function prepare(actor: Actor, input: readonly ReceiptCreate[], tokenExpireDays: number | undefined, at: Date): Promise<Prepared[]> {
    const createdAt = at.toISOString();
    const expiresAt = tokenExpireDays === undefined ? undefined : new Date(at.getTime() + tokenExpireDays * DAY_MS);
    const out: Prepared[] = [];
    for (const [index, r] of input.entries()) {
      const forged = r.extra_info?.find((x) => SERVER_EXTRA_INFO_PREFIXES.some((p) => x.key.startsWith(p)));
      if (forged !== undefined) throw badRequest('RECEIPT_EXTRA_INFO_RESERVED', `receipts[${index}]: extra_info key ${forged.key} is written by the server only`);
      const id = monotonicId(at.getTime());
      let body = bodyOf(r, r.receipt_id ?? id);
      if (expiresAt !== undefined) body = withExtraInfo(body, await tokenInfo(actor.accountId, id, body, expiresAt));
      const identity = identityOf(body);
      out.push({
        index,
        body,
        row: {
          id,
          account_id: actor.accountId,
          ...identity,
          entry_status: body.entry_status ?? null,
          customer_id: body.customer_id === undefined || body.customer_id === '' ? null : body.customer_id,
          voided_by: null,
          token_claimed_at: null,
          item_keys: itemKeys(body),
          body: '',
          created_at: createdAt,
          created_by: actor.clientId,
          updated_at: createdAt,
          deleted_at: null,
          deleted_by: null,
        },
      });
    }
    return out;
  }

  /** Marks a stored sale as voided by a void record; returns it as it is now. */
  async function markVoided(trx: Trx, actor: Actor, saleId: string, voidId: string, at: string): Promise<StoredReceipt | undefined> {
    const row = await repo.byId(actor.accountId, saleId, trx, true);
    if (row === undefined || row.voided_by !== null) return undefined;
    const body = withExtraInfo(parseBody(row), [{ key: VOIDED_BY_KEY, value: voidId, value_type: 'string' }]);
    const updated = { ...row, voided_by: voidId, body: JSON.stringify(body), updated_at: at };
    await repo.update(row, { voided_by: voidId, body: updated.body, updated_at: at }, {}, trx);
    return toReceipt(updated, body);
  }

  /** The stored receipts' side effects: loyalty, marking voided sales, outbox events. */
  async function afterInsert(trx: Trx, actor: Actor, stored: readonly Prepared[], before: ReadonlyMap<string, { sale?: IdentityRow; void?: IdentityRow }>, at: string): Promise<AfterCommit[]> {
    const events: OutboxEvent[] = [];
    const changes: LoyaltyChange[] = [];
    /** Request index of each change, for naming a receipt loyalty refuses. */
    const indexOf: number[] = [];
    for (const p of stored) {
      const receipt = toReceipt(p.row, p.body);
      events.push(addEvent(actor.accountId, receipt));
      if (p.row.voided === 1) {
        const sale = before.get(saleKey(p.row))?.sale;
        if (sale !== undefined) {
          const marked = await markVoided(trx, actor, sale.id, p.row.id, at);
          if (marked !== undefined) events.push(updateEvent(actor.accountId, marked));
        }
        changes.push({ receipt, voided: true });
        indexOf.push(p.index);
      } else if (p.row.voided_by === null && earnsLoyalty(p.body)) {
        changes.push({ receipt });
        indexOf.push(p.index);
      }
    }
    let after: AfterCommit[] = [];
    if (changes.length > 0) {
      try {
        after = [await loyalty.receiptsRecorded(trx, actor, changes)];
      } catch (e) {
        const i = refusedAt(e);
        const index = i === undefined ? undefined : indexOf[i];
        throw index === undefined ? e : withIndex(e, index);
      }
    }
    await enqueue(trx, events, at);
    return after;
  }

  /** Resolves a `{receipt_id}` path value: server id first, then a unique POS receipt id. */
  async function resolve(accountId: string, idOrPosId: string, customerId: string | undefined, trx?: Trx): Promise<ReceiptsTable> {
    const byId = await repo.byId(accountId, idOrPosId, trx, trx !== undefined);
    if (byId !== undefined && (customerId === undefined || byId.customer_id === customerId)) return byId;
    const byPos = await repo.byPosId(accountId, idOrPosId, { customerId, limit: 2 }, trx);
    const [only, second] = byPos;
    if (only === undefined) throw receiptNotFound(idOrPosId);
    if (second !== undefined) throw conflict('RECEIPT_ID_AMBIGUOUS', `several receipts have receipt_id ${idOrPosId}; use the receipt's id`);
    return trx === undefined ? only : ((await repo.byId(accountId, only.id, trx, true)) ?? only);
  }

  return {
    /**
     * POST /receipts: stores the new receipts of a batch, all or nothing, and returns them with
     * the number of duplicates skipped.
     */
    async store(actor: Actor, input: readonly ReceiptCreate[], o: { tokenExpireDays?: number | undefined }): Promise<{ receipts: CreatedReceipt[]; duplicates: number }> {
      const at = clock.now();
      const prepared = await prepare(actor, input, o.tokenExpireDays, at);
      const atIso = at.toISOString();
      const { stored, after } = await repo.unitOfWork(async (trx) => {
        await repo.lockIdentities(actor.accountId, prepared.map((p) => saleKey(p.row)), trx);
        // What is stored already for these identities (sales and voids).
        const before = new Map<string, { sale?: IdentityRow; void?: IdentityRow }>();
        for (const r of await repo.withIdentities(actor.accountId, prepared.map((p) => p.row), trx)) {
          const entry = before.get(saleKey(r)) ?? {};
          before.set(saleKey(r), r.voided === 1 ? { ...entry, void: r } : { ...entry, sale: r });
        }
        // The void that marks each sale: one stored already, else the batch's first for it.
        const voidOf = new Map<string, string>();
        for (const [key, e] of before) if (e.void !== undefined) voidOf.set(key, e.void.id);
        for (const p of prepared) if (p.row.voided === 1 && !voidOf.has(saleKey(p.row))) voidOf.set(saleKey(p.row), p.row.id);
        const rows = prepared.map((p): Prepared => {
          const voidId = p.row.voided === 0 ? voidOf.get(saleKey(p.row)) : undefined;
          const body = voidId === undefined ? p.body : withExtraInfo(p.body, [{ key: VOIDED_BY_KEY, value: voidId, value_type: 'string' }]);
          return { index: p.index, body, row: { ...p.row, voided_by: voidId ?? null, body: JSON.stringify(body) } };
        });
        const ids = await repo.insertNew(rows.map((p) => p.row), trx);
        const storedNow = rows.filter((p) => ids.has(p.row.id));
        if (storedNow.some((p) => p.row.voided === 1 || (p.body.discounts ?? []).length > 0)) await repo.lockLoyalty(actor.accountId, trx);
        return { stored: storedNow, after: await afterInsert(trx, actor, storedNow, before, atIso) };
      });
      runAfterCommit(after);
      return {
        receipts: stored.map((p): CreatedReceipt => ({
          ...entityOf(p.row),
          receipt_id: p.body.receipt_id,
          store: { id: p.body.store.id },
          purchase_at: p.body.purchase_at,
          ...(o.tokenExpireDays === undefined ? {} : { extra_info: p.body.extra_info }),
        })),
        duplicates: input.length - stored.length,
      };
    },

    async customerReceipts(accountId: string, customerId: string, q: { limit: number; starting_after?: string | undefined }): Promise<{ receipts: ReceiptMinimal[]; starting_after?: string | undefined }> {
      let after: { purchase_at: string; id: string } | undefined;
      if (q.starting_after !== undefined) {
        const cursor = await repo.byId(accountId, q.starting_after);
        if (cursor === undefined) throw badRequest('RECEIPT_CURSOR_INVALID', `starting_after ${q.starting_after} is not the id of a receipt`);
        after = { purchase_at: cursor.purchase_at, id: cursor.id };
      }
      const rows = await repo.byCustomer(accountId, customerId, { limit: q.limit + 1, after });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { receipts: page.map(toMinimal), starting_after: rows.length > q.limit && last !== undefined ? last.id : undefined };
    },

    async customerReceipt(accountId: string, customerId: string, receiptId: string): Promise<StoredReceipt> {
      return toReceipt(await resolve(accountId, receiptId, customerId));
    },

    async search(accountId: string, q: { receipt_id: string; limit: number; starting_after?: string | undefined }): Promise<{ receipts: StoredReceipt[]; starting_after?: string | undefined }> {
      const rows = await repo.search(accountId, q.receipt_id, { limit: q.limit + 1, startingAfter: q.starting_after });
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return { receipts: page.map((r) => toReceipt(r)), starting_after: rows.length > q.limit && last !== undefined ? last.id : undefined };
    },

    /** PUT /receipts/all/{receipt_id}: the customer (and discounts) of an anonymous receipt. */
    async assign(actor: Actor, receiptId: string, input: ReceiptAssign): Promise<StoredReceipt> {
      const at = clock.now().toISOString();
      const { receipt, after } = await repo.unitOfWork(async (trx) => {
        const row = await resolve(actor.accountId, receiptId, undefined, trx);
        if (row.customer_id !== null) throw badRequest('RECEIPT_NOT_ANONYMOUS', `receipt ${row.id} already has a customer; use change_customer_id to move it`);
        const current = parseBody(row);
        const giving = input.discounts !== undefined && input.discounts.length > 0;
        if (giving && (current.discounts ?? []).length > 0) throw badRequest('RECEIPT_HAS_DISCOUNTS', `receipt ${row.id} already has discounts`);
        const body: ReceiptBody = { ...current, customer_id: input.customer_id, ...(giving ? { discounts: input.discounts } : {}) };
        const json = JSON.stringify(body);
        if (!(await repo.update(row, { customer_id: input.customer_id, body: json, updated_at: at }, { customerIdNull: true }, trx))) {
          throw badRequest('RECEIPT_NOT_ANONYMOUS', `receipt ${row.id} already has a customer`);
        }
        const updated = toReceipt({ ...row, customer_id: input.customer_id, body: json, updated_at: at }, body);
        const jobs: AfterCommit[] = [];
        if (giving && row.voided === 0 && row.voided_by === null && earnsLoyalty(body)) jobs.push(await loyalty.receiptsRecorded(trx, actor, [{ receipt: updated }]));
        await enqueue(trx, [updateEvent(actor.accountId, updated)], at);
        return { receipt: updated, after: jobs };
      });
      runAfterCommit(after);
      return receipt;
    },

    /** POST …/change_customer_id: moves a receipt to another customer, with a history entry. */
    async changeCustomer(actor: Actor, customerId: string, receiptId: string, newCustomerId: string): Promise<StoredReceipt> {
      const at = clock.now();
      const atIso = at.toISOString();
      return repo.unitOfWork(async (trx) => {
        const row = await resolve(actor.accountId, receiptId, customerId, trx);
        if (newCustomerId === customerId) throw badRequest('RECEIPT_CUSTOMER_UNCHANGED', `receipt ${row.id} already belongs to ${customerId}`);
        const value = JSON.stringify({ created_at: atIso, created_by: actor.clientId, old: customerId, new: newCustomerId });
        const hash = createHash('sha256').update(value).digest('hex').slice(0, 16);
        const body = withExtraInfo({ ...parseBody(row), customer_id: newCustomerId }, [
          { key: `dintero.receipts.change_customer_id.${at.getTime()}.${hash}`, value, value_type: 'string' },
        ]);
        const json = JSON.stringify(body);
        await repo.update(row, { customer_id: newCustomerId, body: json, updated_at: atIso }, {}, trx);
        const updated = toReceipt({ ...row, customer_id: newCustomerId, body: json, updated_at: atIso }, body);
        await enqueue(trx, [updateEvent(actor.accountId, updated)], atIso);
        return updated;
      });
    },

    /** GET /receipts/receipt-token: the receipt behind an unspent token. */
    async byToken(accountId: string, token: string): Promise<StoredReceipt> {
      const claims = await tokens.verify(token, accountId, clock.now());
      const row = await repo.byId(accountId, claims.id);
      if (row === undefined) throw receiptNotFound(claims.id);
      if (row.token_claimed_at !== null) throw conflict('RECEIPT_TOKEN_SPENT', 'this receipt token has been used to claim the receipt');
      return toReceipt(row);
    },

    /** POST /receipts/receipt-token: the customer claims the receipt; the token is spent. */
    async claimByToken(actor: Actor, token: string, customerId: string): Promise<StoredReceipt> {
      const now = clock.now();
      const claims = await tokens.verify(token, actor.accountId, now);
      const at = now.toISOString();
      return repo.unitOfWork(async (trx) => {
        const row = await repo.byId(actor.accountId, claims.id, trx, true);
        if (row === undefined) throw receiptNotFound(claims.id);
        if (row.token_claimed_at !== null) throw conflict('RECEIPT_TOKEN_SPENT', 'this receipt token has been used to claim the receipt');
        if (row.customer_id !== null && row.customer_id !== customerId) throw conflict('RECEIPT_HAS_CUSTOMER', 'this receipt belongs to another customer');
        const body: ReceiptBody = { ...parseBody(row), customer_id: customerId };
        const json = JSON.stringify(body);
        if (!(await repo.update(row, { customer_id: customerId, token_claimed_at: at, body: json, updated_at: at }, { tokenUnclaimed: true }, trx))) {
          throw conflict('RECEIPT_TOKEN_SPENT', 'this receipt token has been used to claim the receipt');
        }
        const updated = toReceipt({ ...row, customer_id: customerId, token_claimed_at: at, body: json, updated_at: at }, body);
        await enqueue(trx, [updateEvent(actor.accountId, updated)], at);
        return updated;
      });
    },

    async customerSegment(accountId: string, q: CustomerSegmentQuery): Promise<{ customers: Array<{ customer_id: string; purchases: number }> }> {
      const counts = new Map<string, number>();
      const storeIds = q.store_ids === undefined || q.store_ids.length === 0 ? undefined : q.store_ids;
      const items = q.items === undefined || q.items.length === 0 ? undefined : q.items;
      let after: { customer_id: string; purchase_at: string; id: string } | undefined;
      for (;;) {
        const rows = await repo.segmentPage(accountId, {
          purchaseFrom: q.purchase_from === undefined ? undefined : utc(q.purchase_from),
          purchaseTo: q.purchase_to === undefined ? undefined : utc(q.purchase_to),
          storeIds,
          after,
          limit: SEGMENT_PAGE,
        });
        for (const r of rows) {
          if (r.customer_id === null || (items !== undefined && !itemsMatch(r.item_keys, items))) continue;
          counts.set(r.customer_id, (counts.get(r.customer_id) ?? 0) + 1);
        }
        const last = rows.at(-1);
        if (rows.length < SEGMENT_PAGE || last === undefined || last.customer_id === null) break;
        after = { customer_id: last.customer_id, purchase_at: last.purchase_at, id: last.id };
      }
      return { customers: [...counts].map(([customer_id, purchases]) => ({ customer_id, purchases })) };
    },
  };
}

export type ReceiptService = ReturnType<typeof createReceiptService>;
