/**
 * The till's local collections (RxDB JSON schemas). Fields mirror core's sync documents; RxDB adds
 * `_deleted` itself. Keep the number of collections small: the open-source RxDB build allows
 * about 13 open collections per process.
 */
import type { RxJsonSchema } from 'rxdb';
import type { DiscountRuleDoc, GiftCardDoc, ProductDoc, ProductGroupDoc, TaxGroupDoc } from '@pos/core';

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
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id, updated_at: text, card_id: key, name: text, customer_id: text, currency: text, amount_balance: integer, amount_available: integer,
    status: text, has_pin: { type: 'boolean' }, active_from: text, expires_at: text,
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

/** A sale the till completed: kept until the server confirms it (the outbox). */
export interface SaleDoc {
  id: string;
  completed_at: string;
  currency: string;
  gross_amount: number;
  /** The cart and tenders as completed; the receipt sent to the server is built from these. */
  sale: Record<string, unknown>;
  uploaded: boolean;
}

export const saleSchema: RxJsonSchema<SaleDoc> = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id,
    completed_at: { type: 'string', maxLength: 32 },
    currency: text,
    gross_amount: integer,
    sale: { type: 'object' },
    uploaded: { type: 'boolean' },
  },
  required: ['id', 'completed_at', 'currency', 'gross_amount', 'sale', 'uploaded'],
  indexes: ['completed_at'],
};
