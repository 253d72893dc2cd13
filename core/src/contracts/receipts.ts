/**
 * Wire shapes only the Receipts service uses (contract §4). The Receipt itself is shared with the
 * Discounts service (`ReceiptSchema` in discounts.ts); this file extends it with what storing a
 * receipt needs to check, and adds the service's request and response shapes.
 */
import { z } from 'zod';
import { ClientKeySchema, DateTimeSchema, EntitySchema } from './common.ts';
import { DiscountRefsSchema, ReceiptSchema, ReceiptStoreSchema } from './discounts.ts';

/** §4.2 `entry_status`: what the POS says happened to the sale. */
export const ENTRY_STATUSES = ['None', 'Voided', 'Posted', 'Concluded', 'Cancelled', 'OnHold', 'Training'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

export const EXTRA_INFO_TYPES = ['string', 'integer', 'number', 'boolean', 'datetime'] as const;

export const ExtraInfoSchema = z.looseObject({
  key: z.string().min(1).max(255),
  value: z.string(),
  value_type: z.enum(EXTRA_INFO_TYPES).optional(),
});
export type ExtraInfo = z.infer<typeof ExtraInfoSchema>;

/** Most receipts one `POST /receipts` takes; more is a 400 (Dintero publishes no limit). */
export const MAX_RECEIPT_BATCH = 1000;

/**
 * A receipt as `POST /receipts` takes it: the shared Receipt, `receipt_id` optional (the contract
 * says so for this endpoint; the server generates one), and `entry_status` / `extra_info` checked.
 * The server checks batches of these through the JSON Schema zod derives from it first
 * (sync-server/src/services/receipts/batch-validation.ts): a part of this schema, or of the shared
 * Receipt, with no JSON Schema twin (a refinement, a transform, a default, an object that strips
 * unknown keys) stops the server at startup until that module learns it.
 */
export const ReceiptCreateSchema = ReceiptSchema.extend({
  receipt_id: ReceiptSchema.shape.receipt_id.optional(),
  entry_status: z.enum(ENTRY_STATUSES).optional(),
  extra_info: z.array(ExtraInfoSchema).max(1000).optional(),
});
export type ReceiptCreate = z.infer<typeof ReceiptCreateSchema>;

export const ReceiptBatchSchema = z.array(ReceiptCreateSchema).min(1).max(MAX_RECEIPT_BATCH);

/** A stored receipt: the Entity fields plus the receipt as it was stored. */
export const StoredReceiptSchema = ReceiptCreateSchema.extend({ ...EntitySchema.shape, receipt_id: ReceiptSchema.shape.receipt_id });
export type StoredReceipt = z.infer<typeof StoredReceiptSchema>;

/**
 * One created receipt in the `POST /receipts` answer: Dintero's `Entity`, plus (our extension) the
 * receipt's identity, so a client can tell which of what it sent were stored and which were
 * duplicates, and `extra_info` when receipt tokens were issued (to print the claim URL).
 */
export const CreatedReceiptSchema = EntitySchema.extend({
  receipt_id: z.string(),
  store: z.object({ id: z.string() }),
  purchase_at: z.string(),
  extra_info: z.array(ExtraInfoSchema).optional(),
});
export type CreatedReceipt = z.infer<typeof CreatedReceiptSchema>;

export const ReceiptsCreatedSchema = z.object({ receipts: z.array(CreatedReceiptSchema), duplicates: z.number().int() });

/** §4.2 ReceiptMinimal (customer lists), plus `receipt_id` and `entry_status` (our extension). */
export const ReceiptMinimalSchema = EntitySchema.extend({
  receipt_id: z.string(),
  store: ReceiptStoreSchema,
  items: ReceiptSchema.shape.items,
  gross_amount: z.number().int().optional(),
  net_amount: z.number().int().optional(),
  currency: z.string().optional(),
  purchase_at: z.string(),
  entry_status: z.enum(ENTRY_STATUSES).optional(),
});
export type ReceiptMinimal = z.infer<typeof ReceiptMinimalSchema>;

/** `PUT /receipts/all/{receipt_id}`: give an anonymous receipt its customer (and discounts). */
export const ReceiptAssignSchema = z.strictObject({
  customer_id: ClientKeySchema,
  discounts: z.array(DiscountRefsSchema).optional(),
});
export type ReceiptAssign = z.infer<typeof ReceiptAssignSchema>;

export const ChangeCustomerSchema = z.strictObject({ customer_id: ClientKeySchema });

export const TokenClaimSchema = z.strictObject({ customer_id: ClientKeySchema });

export const CustomerSegmentQuerySchema = z.strictObject({
  purchase_from: DateTimeSchema.optional(),
  purchase_to: DateTimeSchema.optional(),
  store_ids: z.array(z.string().min(1)).max(1000).optional(),
  items: z.array(z.strictObject({ id: z.string().min(1).optional(), group: z.string().min(1).optional() })).max(1000).optional(),
});
export type CustomerSegmentQuery = z.infer<typeof CustomerSegmentQuerySchema>;

export const CustomerSegmentSchema = z.object({
  customers: z.array(z.object({ customer_id: z.string(), purchases: z.number().int() })),
});
