/**
 * A receipt's identity across the services: the store, the POS receipt number and the moment of
 * purchase. POS receipt numbers repeat across stores and restart, so `receipt_id` alone is not
 * enough; the server's `id` exists only after the first store, so it cannot be the key a replayed
 * upload is recognised by. The Receipts service dedupes on it and the usage ledger keys accrual by
 * it, so a receipt arriving twice — by the same path or by `POST /receipts` and a `receipt_add`
 * event — counts once.
 */
export interface ReceiptIdentity {
  readonly receipt_id: string;
  readonly purchase_at: string;
  readonly store: { readonly id: string };
}

/** ISO-8601 in UTC with milliseconds, whatever offset the POS wrote. Invalid dates stay as written. */
function utc(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : new Date(ms).toISOString();
}

export function receiptKey(r: ReceiptIdentity): string {
  return `${r.store.id}\u001f${r.receipt_id}\u001f${utc(r.purchase_at)}`;
}
