/** Wire shapes of Dintero's Wallets service (contract §5), 2024 baseline plus the listed extensions. */
import { z } from 'zod';
import { AmountSchema, CurrencySchema, PositiveAmountSchema } from '../money.ts';
import { FormatSchema } from '../wallet/code-format.ts';
import { ClientKeySchema, DateTimeSchema, ImmutableEntitySchema, MetadataSchema } from './common.ts';

export const CARD_TYPES = ['gift_card', 'credit_note'] as const;
/** `unused`: never drawn from; `active`: in use; `expired`: past `expires_at`; `deleted`. */
export const CARD_STATUSES = ['unused', 'active', 'expired', 'deleted'] as const;
export const TRANSACTION_TYPES = ['fund', 'drawdown', 'pending_capture', 'voided'] as const;

/** Dintero reserves the `dintero_*` metadata namespace on wallet objects. */
const WalletMetadataSchema = MetadataSchema.refine(
  (m) => !Object.keys(m).some((k) => k.startsWith('dintero_')),
  'metadata keys starting with dintero_ are reserved',
);

const OriginatedBySchema = z.string().min(1).max(255);

export const TokenGeneratorSchema = z.strictObject({
  format: FormatSchema.optional(),
  expires_after_transaction: z.boolean().default(true),
  expires_in: z.number().int().min(1).max(20 * 365 * 24 * 3600),
});

export const PinGeneratorSchema = z.strictObject({ format: FormatSchema.optional() });

export const CardCreateSchema = z.strictObject({
  card_id: ClientKeySchema,
  customer_id: ClientKeySchema.optional(),
  name: z.string().max(255).optional(),
  metadata: WalletMetadataSchema.optional(),
  amount: AmountSchema,
  currency: CurrencySchema,
  active_from: DateTimeSchema.optional(),
  expires_at: DateTimeSchema.optional(),
  type: z.enum(CARD_TYPES).default('gift_card'),
  originated_by: OriginatedBySchema.optional(),
  pin: PinGeneratorSchema.optional(),
  card_token: TokenGeneratorSchema.optional(),
});
export type CardCreate = z.infer<typeof CardCreateSchema>;

export const GeneratedCodeSchema = z.object({ value: z.string(), barcode_128: z.string().optional() });

export const CardSchema = ImmutableEntitySchema.extend({
  card_id: z.string(),
  customer_id: z.string().optional(),
  name: z.string().optional(),
  metadata: MetadataSchema,
  amount: z.number().int(),
  currency: CurrencySchema,
  amount_balance: z.number().int(),
  amount_available: z.number().int(),
  amount_funds: z.number().int(),
  amount_drawdown: z.number().int(),
  amount_pending: z.number().int(),
  amount_reserved: z.number().int(),
  active_from: z.string().optional(),
  expires_at: z.string().optional(),
  type: z.enum(CARD_TYPES),
  status: z.enum(CARD_STATUSES),
  originated_by: z.string().optional(),
  has_pin: z.boolean(),
});
export type Card = z.infer<typeof CardSchema>;

export const CardCreatedSchema = CardSchema.extend({
  pin: z.object({ format: FormatSchema.optional(), pin: GeneratedCodeSchema }).optional(),
  card_token: z
    .object({
      format: FormatSchema.optional(),
      expires_after_transaction: z.boolean(),
      expires_in: z.number().int(),
      token: GeneratedCodeSchema,
    })
    .optional(),
});

export const MaskedTokenSchema = z.object({ expires_at: z.string(), masked_code: z.string() });
export const CardDetailsSchema = CardSchema.extend({ tokens: z.array(MaskedTokenSchema) });

export const TokenCreateSchema = z.strictObject({
  ref_id: ClientKeySchema,
  expires_in: z.number().int().min(1).max(20 * 365 * 24 * 3600),
  format: FormatSchema.optional(),
  expires_after_transaction: z.boolean().default(true),
  metadata: WalletMetadataSchema.optional(),
});
export type TokenCreate = z.infer<typeof TokenCreateSchema>;

export const TokenSchema = ImmutableEntitySchema.extend({
  ref_id: z.string(),
  metadata: MetadataSchema,
  format: FormatSchema.optional(),
  expires_after_transaction: z.boolean(),
  expires_in: z.number().int(),
  expires_at: z.string(),
  token: GeneratedCodeSchema,
});

export const TokenCodeSchema = z.strictObject({
  token: z.string().min(1).max(512),
  pin: z.string().min(1).max(64).optional(),
});
export type TokenCode = z.infer<typeof TokenCodeSchema>;

export const TransactionCreateSchema = z
  .strictObject({
    token: z.string().min(1).max(512).optional(),
    card_id: ClientKeySchema.optional(),
    /** Extension: lets a till send the PIN with a token-based drawdown instead of a prior /wallets/info. */
    pin: z.string().min(1).max(64).optional(),
    ref_id: ClientKeySchema,
    amount: PositiveAmountSchema,
    currency: CurrencySchema,
    type: z.enum(['drawdown', 'fund']).default('drawdown'),
    pending: z.boolean().default(false),
    metadata: WalletMetadataSchema.optional(),
    originated_by: OriginatedBySchema.optional(),
  })
  .refine((t) => (t.token === undefined) !== (t.card_id === undefined), {
    message: 'give exactly one of token and card_id',
    path: ['token'],
  })
  .refine((t) => !(t.pending && t.type === 'fund'), { message: 'only a drawdown can be pending', path: ['pending'] });
export type TransactionCreate = z.infer<typeof TransactionCreateSchema>;

export const CaptureSchema = z.strictObject({
  ref_id: ClientKeySchema,
  amount: PositiveAmountSchema.optional(),
  metadata: WalletMetadataSchema.optional(),
});
export type Capture = z.infer<typeof CaptureSchema>;

export const VoidSchema = z.strictObject({ ref_id: ClientKeySchema, metadata: WalletMetadataSchema.optional() });
export type Void = z.infer<typeof VoidSchema>;

export const TransactionSchema = ImmutableEntitySchema.extend({
  card_id: z.string(),
  metadata: MetadataSchema,
  ref_id: z.string(),
  amount: z.number().int(),
  currency: CurrencySchema,
  type: z.enum(TRANSACTION_TYPES),
  parent_id: z.string().optional(),
  originated_by: z.string().optional(),
  /** Extension: what is still locked of a `pending_capture` (0 once captured or voided). */
  amount_pending: z.number().int().optional(),
});
export type Transaction = z.infer<typeof TransactionSchema>;

export const CustomerCardSchema = ImmutableEntitySchema.extend({
  card_id: z.string(),
  customer_id: z.string().optional(),
  name: z.string().optional(),
  metadata: MetadataSchema,
  active_from: z.string().optional(),
  expires_at: z.string().optional(),
});
export const CustomerCardStateSchema = CustomerCardSchema.extend({
  tokens: z.array(MaskedTokenSchema),
  currency: CurrencySchema,
  amount_balance: z.number().int(),
  amount_available: z.number().int(),
});

export const CardListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().min(1).optional(),
  include_deleted: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Only cards with at least this much available. */
  amount_available: z.coerce.number().int().min(0).optional(),
});
