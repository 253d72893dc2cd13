/**
 * The till's local collections (RxDB JSON schemas). Fields mirror core's sync documents; RxDB adds
 * `_deleted` itself. Keep the number of collections small: the open-source RxDB build allows
 * about 13 open collections per process.
 */
import type { RxJsonSchema } from 'rxdb';
import type { CustomerDoc, CustomerLoyaltyDoc, DiscountRuleDoc, GiftCardDoc, ProductDoc, ProductGroupDoc, TaxGroupDoc } from '@pos/core';

type Stored<T> = Omit<T, '_deleted'>;

const id = { type: 'string', maxLength: 64 } as const;
const text = { type: 'string' } as const;
const key = { type: 'string', maxLength: 255 } as const;
const integer = { type: 'integer' } as const;

export const productSchema: RxJsonSchema<Stored<ProductDoc>> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id, updated_at: text, product_id: key, catalog_id: key, product_name: text, unit_gross_price: integer, currency: text, unit: text,
    barcodes: { type: 'array', items: { type: 'string' } }, tax_id: text, group_ids: { type: 'array', items: { type: 'string' } },
    starting_at: text, stopping_at: text,
  },
  required: ['id', 'updated_at', 'product_id', 'catalog_id', 'barcodes', 'group_ids'],
  indexes: ['product_id'],
};

export const taxGroupSchema: RxJsonSchema<Stored<TaxGroupDoc>> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id, updated_at: text, tax_id: key, tax_group: text, percentage: { type: 'number' }, tax_code: text },
  required: ['id', 'updated_at', 'tax_id'],
};

export const productGroupSchema: RxJsonSchema<Stored<ProductGroupDoc>> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id, updated_at: text, group_id: key, group_name: text },
  required: ['id', 'updated_at', 'group_id'],
};

export const giftCardSchema: RxJsonSchema<Stored<GiftCardDoc>> = {
  // Version 1 added `offline` (issue 6); the replica migrates as is and the next pull fills it in.
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id, updated_at: text, card_id: key, name: text, customer_id: text, currency: text, amount_balance: integer, amount_available: integer,
    status: text, has_pin: { type: 'boolean' }, active_from: text, expires_at: text, offline: { type: 'object' },
  },
  required: ['id', 'updated_at', 'card_id', 'currency', 'amount_balance', 'amount_available', 'status', 'has_pin'],
  indexes: ['card_id'],
};

/** A discount rule with its `*`/`/` refs; the rule itself is stored as the server sent it (the engine reads it whole). */
export const discountRuleSchema: RxJsonSchema<Stored<DiscountRuleDoc>> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id, updated_at: text, rule: { type: 'object' }, refs: { type: 'array', items: { type: 'object' } } },
  required: ['id', 'updated_at', 'rule', 'refs'],
};

/**
 * A customer as the till holds them: the server's document plus `phone_key`, its phone number in
 * E.164 with the `+` ('' when it has none), added on arrival (`storedCustomer`). The phone search
 * uses that index; Dexie indexes only required fields, and the server's `phone_number` is
 * optional and may lack the `+`. Token values (card numbers, app QR values) live in arrays, which
 * RxDB cannot index, so the till keeps a token → customer map in memory
 * (features/customers/customer-index.ts).
 */
export type StoredCustomerDoc = Stored<CustomerDoc> & { phone_key: string };

export function storedCustomer<T extends CustomerDoc>(doc: T): T & { phone_key: string } {
  const phone = doc.phone_number?.trim() ?? '';
  return { ...doc, phone_key: phone === '' || phone.startsWith('+') ? phone : `+${phone}` };
}

export const customerSchema: RxJsonSchema<StoredCustomerDoc> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id, updated_at: text, customer_id: key, type: text, first_name: text, last_name: text, email: text,
    phone_number: text,
    // E.164 is at most 16 characters; the index needs a bound, and a longer value is bad data anyway.
    phone_key: { type: 'string', maxLength: 64 },
    status: text, marketing_consent: { type: 'object' },
    tokens: { type: 'array', items: { type: 'object', properties: { token_id: text, type: text, value: text }, required: ['type', 'value'] } },
  },
  required: ['id', 'updated_at', 'customer_id', 'type', 'tokens', 'phone_key'],
  indexes: ['customer_id', 'phone_key'],
};

/** One customer's stamps, personal refs and bonus; document id = customer_id. */
export const customerLoyaltySchema: RxJsonSchema<Stored<CustomerLoyaltyDoc>> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id, updated_at: text, customer_id: key, refs: { type: 'array', items: { type: 'object' } }, bonus: { type: 'object' } },
  required: ['id', 'updated_at', 'customer_id', 'refs', 'bonus'],
};

/** A sale the till completed: kept until the server confirms it (the outbox). */
export interface SaleDoc {
  id: string;
  completed_at: string;
  currency: string;
  gross_amount: number;
  /** The cart and tenders as completed; the receipt sent to the server is built from these. */
  sale: Record<string, unknown>;
  /**
   * The server has confirmed the sale's receipt, as of the till's last start: the outbox's
   * `receipt:<id>` record is where a confirmation lands first (reconcileOutbox copies it here).
   */
  uploaded: boolean;
  /** Why the server refused this sale the last time it was sent (it stays pending, parked). */
  upload_error?: string;
}

/**
 * Version 1 added `upload_error`. A till that already holds sales migrates them unchanged (the
 * field is optional), so an existing IndexedDB opens and its pending sales still upload.
 */
export const saleSchema: RxJsonSchema<SaleDoc> = {
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    completed_at: { type: 'string', maxLength: 32 },
    currency: text,
    gross_amount: integer,
    sale: { type: 'object' },
    uploaded: { type: 'boolean' },
    upload_error: text,
  },
  required: ['id', 'completed_at', 'currency', 'gross_amount', 'sale', 'uploaded'],
  indexes: ['completed_at'],
};

/**
 * The till's durable outbox: every local write the server must get (a sale's receipt, an offline
 * gift-card drawdown, a counter enrolment), under a client-generated id that is also its
 * idempotency key upstream. Nothing leaves this collection: a record the server confirmed becomes
 * `sent` (kept 30 days as an audit trail), one it refused becomes `parked` with its message.
 *
 * - id: `receipt:<sale_id>`, `wallet_entry:<ref_id>`, `capture:<transaction_id>` (an online gift-card
 *   hold the sale took; captured after the sale is stored) or `enrolment:<customer_id>`.
 * - order_key: zero-padded epoch milliseconds of `created_at`, then the id, so string order is age
 *   order whatever time zone offset `created_at` was written with.
 */
/** Drain order: a receipt may name an enrolled customer; money (captures, offline entries) before receipts. */
export const OUTBOX_KINDS = ['enrolment', 'capture', 'wallet_entry', 'receipt'] as const;
export type OutboxKind = (typeof OUTBOX_KINDS)[number];
export type OutboxState = 'pending' | 'parked' | 'sent';

export interface OutboxDoc {
  id: string;
  kind: OutboxKind;
  order_key: string;
  created_at: string;
  sale_id?: string;
  /** What is sent: the receipt, the OfflineWalletEntry, or the enrolment (see app/outbox.ts). */
  payload: Record<string, unknown>;
  state: OutboxState;
  /** The server's reason for refusing it, in its words (parked records). */
  error?: string;
  attempts: number;
  /** Epoch milliseconds. */
  last_attempt_at?: number;
  sent_at?: number;
}

export const outboxSchema: RxJsonSchema<OutboxDoc> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 300 },
    kind: { type: 'string', maxLength: 16 },
    order_key: { type: 'string', maxLength: 340 },
    created_at: text,
    sale_id: text,
    payload: { type: 'object' },
    state: { type: 'string', maxLength: 8 },
    error: text,
    attempts: integer,
    last_attempt_at: integer,
    sent_at: integer,
  },
  required: ['id', 'kind', 'order_key', 'created_at', 'payload', 'state', 'attempts'],
  indexes: [['state', 'kind', 'order_key']],
};

export const giftCardMigrations = {
  1: (doc: Stored<GiftCardDoc>): Stored<GiftCardDoc> => doc,
};

/** Each key migrates a document from the version before it. */
export const saleMigrations = {
  1: (doc: SaleDoc): SaleDoc => doc,
};
