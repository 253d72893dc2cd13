/** Tables of the Receipts service (migration 0008). */

export interface ReceiptsTable {
  /** UUIDv7: the receipt's `id`, in storing order. */
  id: string;
  account_id: string;
  store_id: string;
  /** The POS receipt id (`receipt_id`), or the server id when the POS sent none. */
  receipt_id: string;
  /** `purchase_at` in UTC with milliseconds (the body keeps what the POS wrote). */
  purchase_at: string;
  /** 1 for a void record (`entry_status: "Voided"`), 0 otherwise; part of the dedupe key. */
  voided: number;
  entry_status: string | null;
  /** Null for anonymous receipts. */
  customer_id: string | null;
  /** On a sale: the id of the void record that voided it. */
  voided_by: string | null;
  /** When the receipt token was spent (a customer claimed the receipt). */
  token_claimed_at: string | null;
  /** JSON array of `i:<item id>` / `g:<group id>` for the customer segment filter. */
  item_keys: string;
  /** The receipt as stored, without the Entity fields (those are columns). */
  body: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface ReceiptsTables {
  receipts: ReceiptsTable;
}
