/**
 * Replication between the sync server and the tills' local replicas (our extension under
 * `/v1/accounts/{aid}/sync/{collection}/…`). The wire follows RxDB's replication protocol: pull
 * with a checkpoint, push with `assumedMasterState`, and a change stream. Documents are what the
 * till needs, not the full API objects; `_deleted` marks tombstones (nothing is hard-deleted).
 */
import { z } from 'zod';
import { CurrencySchema } from '../money.ts';
import { DiscountSchema } from './discounts.ts';
import { GiftCardOfflineSchema } from './offline.ts';

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
  /** Offline use (issue 6, contracts/offline.ts); absent from servers before it. */
  offline: GiftCardOfflineSchema.optional(),
});
export type GiftCardDoc = z.infer<typeof GiftCardDocSchema>;

const RefStatisticsSchema = z.object({
  usage: z.number().int(),
  stamp: z.number().int(),
  amount: z.number().int(),
  bonus: z.number().int(),
  debit_balance: z.number().int().optional(),
});

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
      statistics: RefStatisticsSchema,
    }),
  ),
});
export type DiscountRuleDoc = z.infer<typeof DiscountRuleDocSchema>;

/**
 * A customer as the till needs it to identify a buyer offline: who they are and the tokens
 * (membership card number, app QR value, phone …) that resolve to them. Document id = the
 * server's primary key; `customer_id` is the client key receipts carry. A deleted customer is a
 * tombstone with its personal data wiped.
 */
export const CustomerDocSchema = Doc.extend({
  customer_id: z.string(),
  type: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  email: z.string().optional(),
  phone_number: z.string().optional(),
  status: z.string().optional(),
  marketing_consent: z
    .object({
      sms: z.object({ consent: z.boolean(), updated_at: z.string().optional() }).optional(),
      email: z.object({ consent: z.boolean(), updated_at: z.string().optional() }).optional(),
    })
    .optional(),
  tokens: z.array(z.object({ token_id: z.string().optional(), type: z.string(), value: z.string() })),
});
export type CustomerDoc = z.infer<typeof CustomerDocSchema>;

/**
 * One customer's loyalty as the till prices with it offline (document id = `customer_id`): the
 * refs given to this customer personally, and this customer's own statistics and stamp card on
 * every `*` ref they have used, plus the bonus balance (issue 5, core/src/loyalty/bonus.ts).
 * Rules themselves come from `discount_rules`; a `*` ref the customer never used has no entry
 * here and starts from zero.
 */
export const CustomerLoyaltyDocSchema = Doc.extend({
  customer_id: z.string(),
  refs: z.array(
    z.object({
      discount_id: z.string(),
      ref_id: z.string(),
      grant: z.enum(['customer', 'any_customer']),
      /** When the ref was granted (for `limitation.dynamic_purchase_to_days`). */
      granted_at: z.string(),
      statistics: RefStatisticsSchema,
      /** Stamps since the card was last rewarded, oldest first. */
      stamps: z.array(z.object({ at: z.string(), stamp: z.number().int() })),
    }),
  ),
  bonus: z.object({ earned: z.number().int(), spent: z.number().int(), balance: z.number().int() }),
});
export type CustomerLoyaltyDoc = z.infer<typeof CustomerLoyaltyDocSchema>;

export const SYNC_COLLECTIONS = {
  products: ProductDocSchema,
  tax_groups: TaxGroupDocSchema,
  product_groups: ProductGroupDocSchema,
  gift_cards: GiftCardDocSchema,
  discount_rules: DiscountRuleDocSchema,
  customers: CustomerDocSchema,
  customer_loyalty: CustomerLoyaltyDocSchema,
} as const;
export type SyncCollectionName = keyof typeof SYNC_COLLECTIONS;
export const SyncCollectionNameSchema = z.enum(['products', 'tax_groups', 'product_groups', 'gift_cards', 'discount_rules', 'customers', 'customer_loyalty']);

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
