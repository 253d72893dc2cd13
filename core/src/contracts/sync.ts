/**
 * Replication between the sync server and the tills' local replicas (our extension under
 * `/v1/accounts/{aid}/sync/{collection}/…`). The wire follows RxDB's replication protocol: pull
 * with a checkpoint, push with `assumedMasterState`, and a change stream. Documents are what the
 * till needs, not the full API objects; `_deleted` marks tombstones (nothing is hard-deleted).
 */
import { z } from 'zod';
import { CurrencySchema } from '../money.ts';
import { DiscountSchema } from './discounts.ts';

/** Position in the server's change feed: transaction id, then sequence within the feed. */
export const CheckpointSchema = z.object({ txid: z.number().int().min(0), seq: z.number().int().min(0) });
export type Checkpoint = z.infer<typeof CheckpointSchema>;

const Doc = z.object({ id: z.string(), updated_at: z.string(), _deleted: z.boolean() });

export const ProductDocSchema = Doc.extend({
  product_id: z.string(),
  catalog_id: z.string(),
  product_name: z.string().optional(),
  unit_gross_price: z.number().int().optional(),
  currency: CurrencySchema.optional(),
  unit: z.string().optional(),
  barcodes: z.array(z.string()),
  tax_id: z.string().optional(),
  group_ids: z.array(z.string()),
  starting_at: z.string().optional(),
  stopping_at: z.string().optional(),
});
export type ProductDoc = z.infer<typeof ProductDocSchema>;

export const TaxGroupDocSchema = Doc.extend({
  tax_id: z.string(),
  tax_group: z.string().optional(),
  percentage: z.number().optional(),
  tax_code: z.string().optional(),
});
export type TaxGroupDoc = z.infer<typeof TaxGroupDocSchema>;

export const ProductGroupDocSchema = Doc.extend({ group_id: z.string(), group_name: z.string().optional() });
export type ProductGroupDoc = z.infer<typeof ProductGroupDocSchema>;

/** A gift card as the till sees it: balances, never tokens or PINs. */
export const GiftCardDocSchema = Doc.extend({
  card_id: z.string(),
  name: z.string().optional(),
  customer_id: z.string().optional(),
  currency: CurrencySchema,
  amount_balance: z.number().int(),
  amount_available: z.number().int(),
  status: z.string(),
  has_pin: z.boolean(),
  active_from: z.string().optional(),
  expires_at: z.string().optional(),
});
export type GiftCardDoc = z.infer<typeof GiftCardDocSchema>;

/**
 * A discount rule as the till needs it to run the engine offline: the rule, and the refs every
 * purchase of a kind may use — `*` (any purchase with a customer) and `/` (anonymous purchases).
 * Refs given to one customer travel with that customer, not with the rule (issue 5). Inactive
 * and deleted rules are tombstones.
 */
export const DiscountRuleDocSchema = Doc.extend({
  rule: DiscountSchema,
  refs: z.array(
    z.object({
      ref_id: z.string(),
      grant: z.enum(['any_customer', 'no_customer']),
      statistics: z.object({
        usage: z.number().int(),
        stamp: z.number().int(),
        amount: z.number().int(),
        bonus: z.number().int(),
        debit_balance: z.number().int().optional(),
      }),
    }),
  ),
});
export type DiscountRuleDoc = z.infer<typeof DiscountRuleDocSchema>;

export const SYNC_COLLECTIONS = {
  products: ProductDocSchema,
  tax_groups: TaxGroupDocSchema,
  product_groups: ProductGroupDocSchema,
  gift_cards: GiftCardDocSchema,
  discount_rules: DiscountRuleDocSchema,
} as const;
export type SyncCollectionName = keyof typeof SYNC_COLLECTIONS;
export const SyncCollectionNameSchema = z.enum(['products', 'tax_groups', 'product_groups', 'gift_cards', 'discount_rules']);

export const PullQuerySchema = z.object({
  txid: z.coerce.number().int().min(0).optional(),
  seq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export const PushRowSchema = z.object({
  assumedMasterState: z.record(z.string(), z.unknown()).nullable().optional(),
  newDocumentState: z.record(z.string(), z.unknown()),
});
export type PushRow = z.infer<typeof PushRowSchema>;
