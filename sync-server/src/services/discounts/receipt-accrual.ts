/**
 * A receipt's loyalty in the usage ledger: what its `discounts[]` gives (usage, stamps, amount,
 * bonus, points spent), what a return gives back, and the reversal when it is voided. Both ways a
 * receipt reaches us — `POST /discounts/events` (receipt_add) and the Receipts service
 * (`inTransaction.receiptAdded` with the stored receipt, server `id` and all) — come here.
 *
 * - Identity: a receipt is `receiptKey(receipt)` (store, POS receipt_id, purchase time in UTC;
 *   core/src/loyalty/receipt-key.ts), never its server `id`, which a POS upload does not have. Its
 *   entries are recorded under that key, and its row in `loyalty_receipts` is locked first, so
 *   one receipt is worked on by one transaction at a time.
 * - Exactly once per (receipt, rule): a rule that already has entries under the receipt's key
 *   gets none again, however often, concurrently or by whichever path the receipt arrives (and
 *   the ledger's own key (ref, buyer, ref_type, ref) backs that up per holder).
 * - Returns: Dintero has no return flow. A return receipt (items with `is_return_item: true`;
 *   the engine gives return lines nothing, engine decision 1) says what it gives back by negative
 *   `usage` / `stamp` / `amount` / `bonus` in its `discounts[].refs[]`, under its own identity.
 *   Per holder the receipt's refs are summed; what is positive is recorded as `receipt_add`, what
 *   is negative as `receipt_return` — clamped so no holder total goes below zero (a customer can
 *   never owe stamps or bonus they no longer have; the part that could not be taken is dropped).
 *   Returned `amount` on a debit or points rule gives the balance back. A return does not refill
 *   stamps a reward used; a void does.
 * - Voids (`receiptVoided`, or a receipt that arrives with `entry_status` Voided or Cancelled):
 *   every entry recorded under the receipt's key that nothing reverses yet gets a reversing entry
 *   (`receipt_void` for receipt_add, `receipt_return_void` for receipt_return; `reverses` = the
 *   entry, clamped like a return), and the receipt is marked voided, so a copy arriving later —
 *   even one that was still on its way when the void came — records nothing. Voiding again finds
 *   nothing left to reverse (and the ledger lets an entry be reversed only once).
 * - A receipt with `entry_status` Training records nothing (and is not marked).
 * - Only receipts the ledger has work for get a `loyalty_receipts` row: voids (the mark is what
 *   stops a later copy of the sale) and sales whose discounts[] give or give back something. A sale
 *   that records nothing needs neither the lock nor the mark — if its void comes later, that void
 *   makes the row and finds nothing to reverse — so a batch of plain sales costs no query here.
 * - Batches: rules and refs of every sale are read at once, rows are taken for all receipts in
 *   receiptKey order, and everything is written in one ledger call. A refused receipt refuses the
 *   batch with `ReceiptRefused`: the same 400 as for one receipt, plus the item's `index`.
 */
import type { Discount, Receipt } from '@pos/core/contracts/discounts';
import { receiptKey } from '@pos/core/loyalty/receipt-key';
import { ApiError, badRequest } from '../../errors.ts';
import type { DiscountRefsTable } from '../../db/schema.ts';
import { grantKind, isoUtc, toDiscount } from './model.ts';
import type { Delta, Trx } from './repo.ts';
import type { Actor, ServiceContext } from './shared.ts';
import { addDelta, debitOf, isZero, type Ledger, type Planned } from './usage-ledger.ts';

/** What identifies a receipt (receiptKey) and labels its entries. */
export type ReceiptIdentity = Pick<Receipt, 'receipt_id' | 'purchase_at' | 'store'>;

/**
 * One receipt for `apply`: a sale (with its resolved buyer) or a void; `index` is its position in
 * the caller's batch, reported when the receipt is refused.
 */
export type AccrualItem = ({ kind: 'sale'; receipt: Receipt; buyer: string | undefined } | { kind: 'void'; receipt: ReceiptIdentity }) & { index?: number };

/** A receipt of a batch that the ledger refuses: its 400, and its position in the batch. */
export class ReceiptRefused extends ApiError {
  constructor(
    readonly index: number,
    e: ApiError,
  ) {
    super(e.statusCode, e.code, e.message, e.errors);
  }
}

/** Ref types of what a receipt gives and gives back (not the reversals). */
const RECORDED = ['receipt_add', 'receipt_return'] as const;
const REVERSAL_OF: Readonly<Record<string, string>> = { receipt_add: 'receipt_void', receipt_return: 'receipt_return_void' };

/** `entry_status` values that mean the sale did not happen. */
const VOID_STATUSES: ReadonlySet<unknown> = new Set(['Voided', 'Cancelled']);

/** Does the receipt say it was voided (Dintero's `entry_status`)? */
export const arrivesVoided = (receipt: Receipt): boolean => VOID_STATUSES.has(receipt['entry_status']);

/** A training receipt (`entry_status: "Training"`) is practice: it earns and spends nothing. */
export const isTraining = (receipt: Receipt): boolean => receipt['entry_status'] === 'Training';

const negate = (d: Delta): Delta => ({ usage: -d.usage, stamp: -d.stamp, amount: -d.amount, bonus: -d.bonus, debit: -d.debit });

export function receiptAccrual({ repo, now }: ServiceContext, ledger: Ledger) {
  /**
   * What the receipt's discounts[] records per holder, split into what it gives and what it gives
   * back. Unknown rule or ref ids, or a `*` ref without a customer, refuse the whole receipt.
   */
  function plan(rules: ReadonlyMap<string, Discount>, refs: ReadonlyMap<string, DiscountRefsTable>, receipt: Receipt, buyer: string | undefined, key: string): Planned[] {
    const stampAt = isoUtc(receipt.purchase_at);
    const merged = new Map<string, Planned>();
    for (const d of receipt.discounts ?? []) {
      const rule = rules.get(d.id);
      if (rule === undefined) throw badRequest('DISCOUNT_RULE_UNKNOWN', `receipt.discounts: discount ${d.id} does not exist`);
      for (const r of d.refs) {
        const ref = refs.get(r.id);
        if (ref === undefined || ref.discount_pk !== d.id) throw badRequest('DISCOUNT_REF_UNKNOWN', `receipt.discounts: discount ${d.id} has no ref ${r.id}`);
        const kind = grantKind(ref);
        if (kind === 'any_customer' && buyer === undefined) {
          throw badRequest('DISCOUNT_REF_NEEDS_CUSTOMER', `receipt.discounts: ref ${r.id} is for purchases with a customer, and the receipt has no customer_id`);
        }
        const customerId = kind === 'customer' ? ref.customer_id : kind === 'any_customer' ? (buyer ?? null) : null;
        const buyerKey = customerId ?? '/';
        const delta: Delta = { usage: r.usage, stamp: r.stamp, amount: r.amount, bonus: r.bonus, debit: 0 };
        const k = `${ref.id}\u0000${buyerKey}`;
        const prev = merged.get(k);
        merged.set(k, prev === undefined ? { ref, rule, customerId, buyerKey, delta, refType: 'receipt_add', ref_: key, reverses: null, stampAt } : { ...prev, delta: addDelta(prev.delta, delta) });
      }
    }
    const out: Planned[] = [];
    for (const p of merged.values()) {
      const part = (sign: 1 | -1): Delta => {
        const f = (n: number): number => (sign * n > 0 ? n : 0);
        const amount = f(p.delta.amount);
        return { usage: f(p.delta.usage), stamp: f(p.delta.stamp), amount, bonus: f(p.delta.bonus), debit: debitOf(p.rule, amount) };
      };
      const gives = part(1);
      const givesBack = part(-1);
      if (!isZero(gives)) out.push({ ...p, delta: gives });
      if (!isZero(givesBack)) out.push({ ...p, delta: givesBack, refType: 'receipt_return', clamp: true });
    }
    return out;
  }

  /** Reversing entries for what the receipts' identities recorded that nothing reverses yet, by key. */
  async function reversals(trx: Trx, accountId: string, keys: readonly string[]): Promise<Map<string, Planned[]>> {
    const out = new Map<string, Planned[]>();
    if (keys.length === 0) return out;
    const entries = await repo.unreversedEntriesOf(accountId, RECORDED, keys, trx);
    const refs = new Map((await repo.refsByIds(accountId, entries.map((e) => e.ref_id), trx)).map((r) => [r.id, r]));
    const rules = new Map((await repo.rulesByIds(accountId, entries.map((e) => e.discount_pk), trx)).map((r) => [r.id, toDiscount(r)]));
    for (const e of entries) {
      const ref = refs.get(e.ref_id);
      const rule = rules.get(e.discount_pk);
      const refType = REVERSAL_OF[e.ref_type];
      if (ref === undefined || rule === undefined || refType === undefined) continue;
      const delta = negate({ usage: Number(e.usage), stamp: Number(e.stamp), amount: Number(e.amount), bonus: Number(e.bonus), debit: Number(e.debit) });
      const list = out.get(e.ref) ?? [];
      list.push({ ref, rule, customerId: e.customer_id, buyerKey: e.buyer_key, delta, refType, ref_: e.ref, reverses: e.id, stampAt: e.purchase_at, clamp: true });
      out.set(e.ref, list);
    }
    return out;
  }

  /**
   * Sales and voids of one transaction, in three steps so that transactions never wait on each
   * other in a cycle: every sale's discounts are checked (reads only; a refused receipt leaves no
   * trace), the rows of the receipts with ledger work are taken in receiptKey order, and then
   * everything is written in one ledger call (which locks all refs in id order and folds rule
   * totals last, in rule order). Per identity a void wins, whatever the order in the batch: its
   * sales record nothing, and what was recorded before is reversed. Of several copies of one sale
   * the first counts.
   */
  async function apply(trx: Trx, actor: Actor, items: readonly AccrualItem[]): Promise<Planned[]> {
    const byKey = new Map<string, { identity: ReceiptIdentity; voids: boolean; sale?: { receipt: Receipt; buyer: string | undefined; index: number | undefined } }>();
    for (const item of items) {
      const key = receiptKey(item.receipt);
      const g = byKey.get(key) ?? { identity: item.receipt, voids: false };
      if (item.kind === 'void') g.voids = true;
      else g.sale ??= { receipt: item.receipt, buyer: item.buyer, index: item.index };
      byKey.set(key, g);
    }
    const keys = [...byKey.keys()].sort();
    // Every sale's rules and refs in one read each; then each sale is planned without a query.
    const discounts = [...byKey.values()].flatMap((g) => g.sale?.receipt.discounts ?? []);
    const rules = new Map((await repo.rulesByIds(actor.accountId, discounts.map((d) => d.id), trx)).map((r) => [r.id, toDiscount(r)]));
    const refs = new Map((await repo.refsByIds(actor.accountId, discounts.flatMap((d) => d.refs.map((r) => r.id)), trx)).map((r) => [r.id, r]));
    const sales = new Map<string, Planned[]>();
    for (const key of keys) {
      const sale = byKey.get(key)?.sale;
      if (sale === undefined || (sale.receipt.discounts ?? []).length === 0) continue;
      try {
        const planned = plan(rules, refs, sale.receipt, sale.buyer, key);
        if (planned.length > 0) sales.set(key, planned);
      } catch (e) {
        throw e instanceof ApiError && sale.index !== undefined ? new ReceiptRefused(sale.index, e) : e;
      }
    }
    // Rows only for receipts with ledger work: voids, and sales that record something.
    const worked = keys.filter((key) => byKey.get(key)?.voids === true || sales.has(key));
    const createdAt = now().toISOString();
    const rows = await repo.lockReceipts(
      worked.flatMap((key) => {
        const identity = byKey.get(key)?.identity;
        return identity === undefined ? [] : [{
          account_id: actor.accountId, receipt_key: key, receipt_id: identity.receipt_id, store_id: identity.store.id, purchase_at: isoUtc(identity.purchase_at),
          created_at: createdAt, created_by: actor.clientId, voided_at: null, voided_by: null,
        }];
      }),
      trx,
    );
    const voidKeys = worked.filter((key) => byKey.get(key)?.voids === true);
    await repo.markReceiptsVoided(actor.accountId, voidKeys.filter((key) => rows.get(key)?.voided_at === null), { at: createdAt, by: actor.clientId }, trx);
    const reversed = await reversals(trx, actor.accountId, voidKeys);
    const saleKeys = worked.filter((key) => byKey.get(key)?.voids !== true && rows.get(key)?.voided_at === null);
    const recorded = await repo.recordedRuleIdsOf(actor.accountId, RECORDED, saleKeys, trx);
    const planned: Planned[] = [];
    for (const key of worked) {
      if (byKey.get(key)?.voids === true) planned.push(...(reversed.get(key) ?? []));
      else if (rows.get(key)?.voided_at === null) planned.push(...(sales.get(key) ?? []).filter((p) => recorded.get(key)?.has(p.rule.id) !== true));
    }
    return ledger.record(trx, actor, planned);
  }

  return {
    apply,
    /** Records a receipt's loyalty (once per rule); returns the entries appended. */
    added: (trx: Trx, actor: Actor, receipt: Receipt, buyer: string | undefined): Promise<Planned[]> => apply(trx, actor, [{ kind: 'sale', receipt, buyer }]),
    /** Reverses everything recorded under the receipt's identity (once); returns the reversing entries. */
    voided: (trx: Trx, actor: Actor, receipt: ReceiptIdentity): Promise<Planned[]> => apply(trx, actor, [{ kind: 'void', receipt }]),
  };
}

export type ReceiptAccrual = ReturnType<typeof receiptAccrual>;
