/**
 * Rows ↔ wire objects for the Receipts service, and the pure rules about one receipt: its dedupe
 * identity, whether it earns loyalty, the keys the segment filter matches items by. No SQL.
 */
import { ReceiptCreateSchema, type ExtraInfo, type ReceiptCreate, type ReceiptMinimal, type StoredReceipt } from '@pos/core/contracts/receipts';
import { entityOf } from '../../db/entity.ts';
import type { ReceiptsTable } from '../../db/tables/receipts.ts';
import type { Identity } from './repo.ts';

/** What a stored body is: the receipt as written, with the server's extra_info, without Entity fields. */
export type ReceiptBody = ReceiptCreate & { receipt_id: string };

/** extra_info keys only the server writes (§4.3); a client may not forge a token or a history entry. */
export const SERVER_EXTRA_INFO_PREFIXES = ['dintero.receipt.token.', 'dintero.receipts.change_customer_id.', 'pos.receipt.'] as const;

/** Marks a sale that a stored void record voided (our extra_info key). */
export const VOIDED_BY_KEY = 'pos.receipt.voided_by';

/** ISO-8601 UTC with milliseconds, whatever offset the POS wrote: the identity's spelling (core's receiptKey agrees). */
export const utc = (at: string): string => new Date(at).toISOString();

/** The body to store: the receipt without any Entity fields a client sent, with its receipt_id. */
export function bodyOf(input: ReceiptCreate, receiptId: string): ReceiptBody {
  // The Entity fields are the server's: a client sending them does not set them.
  const { id, created_at, created_by, updated_at, deleted_at, deleted_by, ...rest } = input;
  return { ...rest, receipt_id: receiptId };
}

export const isVoidRecord = (r: Pick<ReceiptCreate, 'entry_status'>): boolean => r.entry_status === 'Voided';

/** Training and cancelled sales never happened for loyalty; a void record reverses instead. */
export const earnsLoyalty = (r: Pick<ReceiptCreate, 'entry_status'>): boolean =>
  r.entry_status !== 'Training' && r.entry_status !== 'Cancelled' && r.entry_status !== 'Voided';

export const identityOf = (r: ReceiptBody): Identity => ({
  store_id: r.store.id,
  receipt_id: r.receipt_id,
  purchase_at: utc(r.purchase_at),
  voided: isVoidRecord(r) ? 1 : 0,
});

/** One string per identity without the void flag: a sale and its void share it. */
export const saleKey = (i: Omit<Identity, 'voided'>): string => `${i.store_id}\u001f${i.receipt_id}\u001f${i.purchase_at}`;

/** `[item id, group ids]` per distinct item, for the segment's item filter. */
export function itemKeys(r: ReceiptBody): string {
  const seen = new Set<string>();
  const out: Array<[string | null, string[]]> = [];
  for (const item of r.items ?? []) {
    const groups = (item.groups ?? []).map((g) => g.id);
    const key = `${item.id ?? ''}\u001f${groups.join('\u001f')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([item.id ?? null, groups]);
  }
  return JSON.stringify(out);
}

/** Does any item of the receipt match any of the segment's `{id?, group?}` (both given: one item must have both)? */
export function itemsMatch(itemKeysJson: string, wanted: ReadonlyArray<{ id?: string | undefined; group?: string | undefined }>): boolean {
  const parsed: unknown = JSON.parse(itemKeysJson);
  if (!Array.isArray(parsed)) return false;
  for (const entry of parsed) {
    if (!Array.isArray(entry)) continue;
    const [id, groups] = entry;
    const groupIds = Array.isArray(groups) ? groups : [];
    for (const w of wanted) {
      if ((w.id === undefined || w.id === id) && (w.group === undefined || groupIds.includes(w.group))) return true;
    }
  }
  return false;
}

export function parseBody(row: Pick<ReceiptsTable, 'body'>): ReceiptBody {
  const body = ReceiptCreateSchema.parse(JSON.parse(row.body));
  if (body.receipt_id === undefined) throw new Error('stored receipt without receipt_id');
  return { ...body, receipt_id: body.receipt_id };
}

/** The receipt as the API shows it: Entity fields first, then the stored body. */
export function toReceipt(row: ReceiptsTable, body: ReceiptBody = parseBody(row)): StoredReceipt {
  return { ...entityOf(row), ...body };
}

export function toMinimal(row: ReceiptsTable): ReceiptMinimal {
  const b = parseBody(row);
  return {
    ...entityOf(row),
    receipt_id: b.receipt_id,
    store: b.store,
    items: b.items,
    gross_amount: b.gross_amount,
    net_amount: b.net_amount,
    currency: b.currency,
    purchase_at: b.purchase_at,
    entry_status: b.entry_status,
  };
}

export const withExtraInfo = (body: ReceiptBody, extra: readonly ExtraInfo[]): ReceiptBody =>
  extra.length === 0 ? body : { ...body, extra_info: [...(body.extra_info ?? []), ...extra] };
