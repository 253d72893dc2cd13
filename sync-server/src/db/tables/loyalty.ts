/** Tables of loyalty accrual (migration 0009), owned by the Discounts service. */

/**
 * One row per receipt identity (`receiptKey`) the usage ledger has seen, by either path
 * (`POST /discounts/events` or the Receipts service). Inserted once; its row lock serialises
 * everything done for one receipt (accrual, return, void), and `voided_at` is set once when the
 * receipt is voided, even before it arrived.
 */
export interface LoyaltyReceiptsTable {
  account_id: string;
  /** receiptKey(receipt): store id, POS receipt_id, purchase time in UTC. */
  receipt_key: string;
  /** The POS receipt number, shown as the `ref` of this receipt's usage entries. */
  receipt_id: string;
  store_id: string;
  purchase_at: string;
  created_at: string;
  created_by: string;
  voided_at: string | null;
  voided_by: string | null;
}

export interface LoyaltyTables {
  loyalty_receipts: LoyaltyReceiptsTable;
}
