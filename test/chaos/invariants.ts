/**
 * What must hold after every chaos trial, checked against the server's database itself. A trial
 * has a store, members and gift cards of its own in the run's shared account, so the trial's own
 * checks read only its rows (receipts of its store or of its sales, its cards' ledgers, usage under
 * its receipts, offline entries of its store or cards), and a few account-wide ones run as well
 * (every card's ledger folds to its balance, no receipt id twice):
 * - receipts: every sale a till's screen called done is on the server exactly once, and every
 *   receipt on the server is a sale some till stored (a sale committed locally just before a kill
 *   may go up without the screen having said done; one no till stored may not);
 * - wallets: each card's ledger folds (core's `foldEntries`) to the running totals stored with
 *   its last entry, seq runs 1…n, the balance is never negative, and every gift-card payment on a
 *   receipt was captured on the card for its amount;
 * - loyalty: for each receipt, exactly the (rule, ref) pairs its `discounts[]` gives something
 *   have one `receipt_add` usage entry, with the receipt's figures, and no other pair has one;
 * - offline gift cards (once a trial spent any): every offline drawdown is on the server once,
 *   applied + shortfall = amount, and a card its offline entries overdrew has an overdraw exception.
 * Each problem is a line of text; an empty list means the trial passed.
 */

/**
 * Strict captures: a gift card captured with no receipt for it on the server fails the trial.
 * Off while the checkout captures an online hold before the sale is committed locally (a till
 * killed between the two leaves money taken for a sale that never was); once captures go through
 * the till's outbox after the commit, set this to true. Either way the trials count them
 * (`capturesWithoutReceipt`).
 */
export const STRICT_CAPTURES = true;
import { sql } from 'kysely';
import { receiptKey } from '@pos/core/loyalty/receipt-key';
import { foldEntries, type EntryType } from '@pos/core';
import type { Db } from '../../sync-server/src/db/connect.ts';

/** A sale as a till stored it (read from its database after the trial). */
export interface StoredSale {
  readonly till: string;
  readonly sale_id: string;
  readonly completed_at: string;
}

export interface TrialFacts {
  readonly accountId: string;
  /** The trial's store: every sale of the trial names it. */
  readonly storeId: string;
  /** The trial's gift cards (card ids). */
  readonly cardIds: readonly string[];
  /** Sale ids whose screen said done. */
  readonly done: ReadonlySet<string>;
  /** Every sale the trial's tills stored (in the trial's time, whatever store it names). */
  readonly stored: readonly StoredSale[];
}

export interface InvariantReport {
  readonly problems: string[];
  /** Counts worth printing (what the trial exercised). */
  readonly stats: Record<string, number>;
}

const ENTRY_TYPES: ReadonlySet<string> = new Set<EntryType>(['fund', 'drawdown', 'pending_capture', 'voided']);
const isEntryType = (t: string): t is EntryType => ENTRY_TYPES.has(t);

interface ReceiptBody {
  payments?: { type_id?: string; amount?: number; reference_id?: string; description?: string }[];
  discounts?: { id: string; refs: { id: string; usage: number; stamp: number; amount: number; bonus: number }[] }[];
}

function parseBody(body: string): ReceiptBody {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null) return {};
  const out: ReceiptBody = {};
  if ('payments' in parsed && Array.isArray(parsed.payments)) out.payments = parsed.payments;
  if ('discounts' in parsed && Array.isArray(parsed.discounts)) out.discounts = parsed.discounts;
  return out;
}

export async function checkInvariants(db: Db, facts: TrialFacts): Promise<InvariantReport> {
  const problems: string[] = [];
  const stats: Record<string, number> = {};
  const k = db.kysely;

  // ---- receipts
  const saleIds = [...new Set(facts.stored.map((s) => s.sale_id))];
  const receipts = await k
    .selectFrom('receipts')
    .select(['receipt_id', 'purchase_at', 'store_id', 'voided', 'body', 'deleted_at'])
    .where('account_id', '=', facts.accountId)
    .where((eb) => (saleIds.length === 0 ? eb('store_id', '=', facts.storeId) : eb.or([eb('store_id', '=', facts.storeId), eb('receipt_id', 'in', saleIds)])))
    .execute();
  // Account-wide: a receipt id (a sale's UUID) is on the server once, whatever store it names.
  const twice = await k
    .selectFrom('receipts')
    .select(['receipt_id', (eb) => eb.fn.countAll<number | string>().as('copies')])
    .where('account_id', '=', facts.accountId)
    .groupBy('receipt_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  for (const t of twice) problems.push(`receipt ${t.receipt_id} is on the server ${Number(t.copies)} times (account-wide)`);
  stats.receipts = receipts.length;
  const byId = new Map<string, typeof receipts>();
  for (const r of receipts) byId.set(r.receipt_id, [...(byId.get(r.receipt_id) ?? []), r]);
  const storedById = new Map<string, StoredSale[]>();
  for (const s of facts.stored) storedById.set(s.sale_id, [...(storedById.get(s.sale_id) ?? []), s]);
  for (const [id, rows] of byId) {
    if (rows.length > 1) problems.push(`receipt ${id} is on the server ${rows.length} times (purchase_at ${rows.map((r) => r.purchase_at).join(', ')})`);
    const local = storedById.get(id);
    if (local === undefined) problems.push(`receipt ${id} is on the server but no till stored that sale`);
    for (const r of rows) {
      if (r.voided !== 0 || r.deleted_at !== null) problems.push(`receipt ${id} is voided or deleted on the server; no till voided it`);
      if (local !== undefined && !local.some((l) => new Date(l.completed_at).toISOString() === r.purchase_at)) problems.push(`receipt ${id} has purchase_at ${r.purchase_at} on the server, the till stored ${local.map((l) => l.completed_at).join(', ')}`);
      if (r.store_id !== facts.storeId) problems.push(`receipt ${id} names store ${r.store_id}, the tills sell for ${facts.storeId}`);
    }
  }
  for (const id of facts.done) if (!byId.has(id)) problems.push(`sale ${id} was done on the screen but is not on the server`);
  for (const [id, copies] of storedById) if (copies.length > 1) problems.push(`sale ${id} is stored on ${copies.length} tills (${copies.map((c) => c.till).join(', ')})`);
  stats.done = facts.done.size;
  stats.storedNotDone = facts.stored.filter((s) => !facts.done.has(s.sale_id)).length;

  // ---- wallets
  // Account-wide: every card's ledger (the run's earlier cards too) folds to its stored totals.
  const allCards = await k.selectFrom('wallet_cards').select(['id', 'card_id']).where('account_id', '=', facts.accountId).execute();
  const allTransactions = await k
    .selectFrom('wallet_transactions')
    .select(['id', 'card_pk', 'seq', 'ref_id', 'type', 'amount', 'parent_id', 'balance_after', 'pending_after', 'funds_after', 'drawdown_after'])
    .where('account_id', '=', facts.accountId)
    .orderBy('card_pk')
    .orderBy('seq')
    .execute();
  const entriesOf = new Map<string, typeof allTransactions>();
  for (const t of allTransactions) entriesOf.set(t.card_pk, [...(entriesOf.get(t.card_pk) ?? []), t]);
  const trialCards = new Set(facts.cardIds);
  const cards = allCards.filter((c) => trialCards.has(c.card_id));
  if (cards.length !== trialCards.size) problems.push(`the trial's gift cards ${facts.cardIds.join(', ')}: ${cards.length} found on the server`);
  const trialPks = new Set(cards.map((c) => c.id));
  // The trial's own: its receipts pay only with its cards.
  const transactions = allTransactions.filter((t) => trialPks.has(t.card_pk));
  const txById = new Map(transactions.map((t) => [t.id, t]));
  for (const card of allCards) {
    const entries = entriesOf.get(card.id) ?? [];
    entries.forEach((e, i) => {
      if (e.seq !== i + 1) problems.push(`card ${card.card_id}: entry ${i + 1} has seq ${e.seq}`);
    });
    const typed = entries.flatMap((e) => (isEntryType(e.type) ? [{ type: e.type, amount: e.amount, parent_id: e.parent_id }] : []));
    if (typed.length !== entries.length) problems.push(`card ${card.card_id}: entries of unknown type ${entries.filter((e) => !isEntryType(e.type)).map((e) => e.type).join(', ')}`);
    const fold = foldEntries(typed);
    const last = entries.at(-1);
    if (last === undefined) continue;
    const stored = { amount_balance: last.balance_after, amount_pending: last.pending_after, amount_funds: last.funds_after, amount_drawdown: last.drawdown_after };
    if (JSON.stringify(fold) !== JSON.stringify(stored)) problems.push(`card ${card.card_id}: ledger folds to ${JSON.stringify(fold)} but the card says ${JSON.stringify(stored)}`);
    if (fold.amount_balance < 0) problems.push(`card ${card.card_id}: balance ${fold.amount_balance} is negative`);
    if (fold.amount_pending > fold.amount_balance) problems.push(`card ${card.card_id}: pending ${fold.amount_pending} exceeds balance ${fold.amount_balance}`);
  }
  let giftPayments = 0;
  let offlinePayments = 0;
  const capturedFor = new Set<string>();
  for (const r of receipts) {
    for (const p of parseBody(r.body).payments ?? []) {
      if (p.type_id !== 'gift_card' || p.reference_id === undefined) continue;
      if (p.description === 'Gift card (offline)') {
        offlinePayments++;
        continue;
      }
      giftPayments++;
      const hold = txById.get(p.reference_id);
      const captures = transactions.filter((t) => t.parent_id === p.reference_id && t.type === 'drawdown');
      const captured = captures.reduce((s, t) => s + t.amount, 0);
      if (hold === undefined) problems.push(`receipt ${r.receipt_id}: gift card payment ${p.reference_id} names no wallet transaction`);
      else if (captured !== p.amount) problems.push(`receipt ${r.receipt_id}: gift card payment of ${p.amount ?? '?'} but ${captured} captured on ${p.reference_id}`);
      capturedFor.add(p.reference_id);
    }
  }
  stats.giftCardPayments = giftPayments;
  stats.offlineGiftCardPayments = offlinePayments;
  // A capture with no receipt: money taken from a card for a sale the server never heard of.
  const orphanCaptures = transactions.filter((t) => t.type === 'drawdown' && t.parent_id !== null && !capturedFor.has(t.parent_id));
  stats.capturesWithoutReceipt = orphanCaptures.length;
  if (STRICT_CAPTURES) for (const t of orphanCaptures) problems.push(`gift card capture ${t.id} of ${t.amount} (hold ${t.parent_id ?? '?'}) has no receipt on the server`);
  stats.openHolds = transactions.filter((t) => t.type === 'pending_capture' && !transactions.some((s) => s.parent_id === t.id)).length;

  // ---- loyalty
  const storePrefix = `${facts.storeId}\u001f`;
  const usages = await k
    .selectFrom('discount_usages')
    .select(['discount_pk', 'ref_id', 'ref', 'usage', 'stamp', 'amount', 'bonus'])
    .where('account_id', '=', facts.accountId)
    .where('ref_type', '=', 'receipt_add')
    // Usage under the trial store's receipts: a receipt key starts with its store id.
    .where(sql<string>`substr(ref, 1, cast(${storePrefix.length} as integer))`, '=', storePrefix)
    .execute();
  const usageByReceipt = new Map<string, typeof usages>();
  for (const u of usages) usageByReceipt.set(u.ref, [...(usageByReceipt.get(u.ref) ?? []), u]);
  const known = new Set<string>();
  let expectedEntries = 0;
  for (const r of receipts) {
    const key = receiptKey({ receipt_id: r.receipt_id, purchase_at: r.purchase_at, store: { id: r.store_id } });
    known.add(key);
    const rows = usageByReceipt.get(key) ?? [];
    const expected = new Map<string, { usage: number; stamp: number; amount: number; bonus: number }>();
    for (const d of parseBody(r.body).discounts ?? []) {
      for (const ref of d.refs) {
        const pair = `${d.id}/${ref.id}`;
        const before = expected.get(pair) ?? { usage: 0, stamp: 0, amount: 0, bonus: 0 };
        expected.set(pair, { usage: before.usage + ref.usage, stamp: before.stamp + ref.stamp, amount: before.amount + ref.amount, bonus: before.bonus + ref.bonus });
      }
    }
    for (const [pair, figures] of expected) {
      const found = rows.filter((u) => `${u.discount_pk}/${u.ref_id}` === pair);
      const gives = figures.usage !== 0 || figures.stamp !== 0 || figures.amount !== 0 || figures.bonus !== 0;
      if (gives) expectedEntries++;
      if (found.length > 1) problems.push(`receipt ${r.receipt_id}: rule/ref ${pair} has ${found.length} usage entries`);
      else if (found.length === 0 && gives) problems.push(`receipt ${r.receipt_id}: rule/ref ${pair} gives ${JSON.stringify(figures)} but has no usage entry`);
      const [one] = found;
      if (one !== undefined && (one.usage !== figures.usage || one.stamp !== figures.stamp || one.amount !== figures.amount || one.bonus !== figures.bonus)) {
        problems.push(`receipt ${r.receipt_id}: rule/ref ${pair} recorded ${JSON.stringify({ usage: one.usage, stamp: one.stamp, amount: one.amount, bonus: one.bonus })}, the receipt says ${JSON.stringify(figures)}`);
      }
    }
    for (const u of rows) if (!expected.has(`${u.discount_pk}/${u.ref_id}`)) problems.push(`receipt ${r.receipt_id}: usage entry for rule/ref ${u.discount_pk}/${u.ref_id}, which its discounts[] does not name`);
  }
  for (const ref of usageByReceipt.keys()) if (!known.has(ref)) problems.push(`usage entries under receipt ${ref.replaceAll('\u001f', ' | ')}, which is not on the server`);
  stats.usageEntries = usages.length;
  stats.expectedUsageEntries = expectedEntries;

  const offline = receipts.flatMap((r) => (parseBody(r.body).payments ?? []).filter((p) => p.description === 'Gift card (offline)').map((p) => ({ receipt_id: r.receipt_id, ref_id: p.reference_id ?? '', amount: p.amount ?? 0 })));
  if (offline.length > 0 || (await hasTable(db, 'wallet_offline_entries'))) await checkOffline(db, facts, offline, new Set(receipts.map((r) => r.receipt_id)), txById, problems, stats);
  return { problems, stats };
}

const tablesOf = new WeakMap<Db, Promise<ReadonlySet<string>>>();
async function hasTable(db: Db, name: string): Promise<boolean> {
  let tables = tablesOf.get(db);
  if (tables === undefined) {
    tables = db.kysely.introspection.getTables().then((ts) => new Set(ts.map((t) => t.name)));
    tablesOf.set(db, tables);
  }
  return (await tables).has(name);
}

interface OfflineEntryRow {
  ref_id: string;
  card_id: string;
  sale_id: string;
  amount: number | string;
  applied_amount: number | string;
  transaction_id: string | null;
  exception_id: string | null;
}
interface OfflineExceptionRow {
  id: string;
  kind: string;
  ref_id: string;
  amount: number | string;
  applied_amount: number | string;
  shortfall: number | string;
}

/**
 * Offline drawdowns (the Offline service's tables, read with plain SQL): each offline payment on
 * a receipt is one entry for its amount; applied + shortfall = amount on every exception; what
 * was applied is a drawdown of that amount on the card; an entry the card could not cover in full
 * has an overdraw exception for the shortfall; no entry names a sale the server does not have.
 */
async function checkOffline(
  db: Db,
  facts: TrialFacts,
  payments: readonly { receipt_id: string; ref_id: string; amount: number }[],
  receiptIds: ReadonlySet<string>,
  txById: ReadonlyMap<string, { type: string; amount: number }>,
  problems: string[],
  stats: Record<string, number>,
): Promise<void> {
  const accountId = facts.accountId;
  const cardIds = facts.cardIds.length === 0 ? sql`(null)` : sql`(${sql.join(facts.cardIds)})`;
  const entries = (await sql<OfflineEntryRow>`select ref_id, card_id, sale_id, amount, applied_amount, transaction_id, exception_id from wallet_offline_entries where account_id = ${accountId} and (store_id = ${facts.storeId} or card_id in ${cardIds})`.execute(db.kysely)).rows;
  const exceptions = (await sql<OfflineExceptionRow>`select id, kind, ref_id, amount, applied_amount, shortfall from wallet_offline_exceptions where account_id = ${accountId} and card_id in ${cardIds}`.execute(db.kysely)).rows;
  stats.offlineEntries = entries.length;
  stats.offlineExceptions = exceptions.length;
  stats.offlineOverdraws = exceptions.filter((e) => e.kind === 'overdraw').length;
  for (const p of payments) {
    const found = entries.filter((e) => e.ref_id === p.ref_id);
    if (found.length !== 1) problems.push(`receipt ${p.receipt_id}: offline gift card payment ${p.ref_id} has ${found.length} offline entries on the server`);
    for (const e of found) if (Number(e.amount) !== p.amount) problems.push(`offline entry ${p.ref_id}: amount ${e.amount}, the receipt paid ${p.amount}`);
  }
  for (const e of entries) {
    const amount = Number(e.amount);
    const applied = Number(e.applied_amount);
    if (!receiptIds.has(e.sale_id)) problems.push(`offline entry ${e.ref_id} names sale ${e.sale_id}, which is not on the server`);
    if (applied > 0) {
      const tx = e.transaction_id === null ? undefined : txById.get(e.transaction_id);
      if (tx === undefined || tx.type !== 'drawdown' || tx.amount !== applied) problems.push(`offline entry ${e.ref_id}: applied ${applied} but its ledger entry is ${tx === undefined ? 'missing' : `${tx.type} ${tx.amount}`}`);
    }
    if (applied > amount) problems.push(`offline entry ${e.ref_id}: applied ${applied} exceeds its amount ${amount}`);
    const own = exceptions.filter((x) => x.ref_id === e.ref_id);
    for (const x of own) if (Number(x.applied_amount) + Number(x.shortfall) !== Number(x.amount)) problems.push(`offline exception ${x.id}: applied ${x.applied_amount} + shortfall ${x.shortfall} is not its amount ${x.amount}`);
    if (applied < amount && !own.some((x) => x.kind === 'overdraw' && Number(x.shortfall) === amount - applied)) {
      problems.push(`offline entry ${e.ref_id} on card ${e.card_id}: ${amount} handed out, ${applied} applied, and no overdraw exception for the ${amount - applied} short`);
    }
  }
}
