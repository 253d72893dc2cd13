/** Tables of the Receipts service (migration 0008). */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in as the service's tables are added
export interface ReceiptsTables {}
