/**
 * Wire shapes of Dintero's Discounts service (contract §3) and of the Receipt the calculation
 * works on (§4.2). Field names are Dintero's, quirks included (`bussiness_name`, `create_at`).
 *
 * Write bodies are strict: a misspelt field (`limitations`) is a 400, not a rule that silently
 * does something else. Receipts are loose: `available_for_receipt` returns "the same receipt",
 * so fields we do not model travel through untouched.
 */
import { z } from 'zod';
import { AmountSchema, MAX_AMOUNT } from '../money.ts';
import { ClientKeySchema, DateTimeSchema, MetadataSchema } from './common.ts';

// ---------------------------------------------------------------- shared pieces

/** `{id?, group_id?}`: matches a receipt item by its id or one of its groups; both given = both must match. */
export const ItemMatchSchema = z
  .strictObject({ id: z.string().min(1).max(255).optional(), group_id: z.string().min(1).max(255).optional() })
  .refine((i) => i.id !== undefined || i.group_id !== undefined, 'an item needs an id or a group_id');
export type ItemMatch = z.infer<typeof ItemMatchSchema>;

/** Mix items may use a leading `*` wildcard, but never a bare `*` (contract §3.2). */
const MixItemSchema = z
  .strictObject({
    id: z.string().regex(/^(\*.+|(?!\*).*)$/, 'a bare * is not allowed in a mix').min(1).optional(),
    group_id: z.string().regex(/^(\*.+|(?!\*).*)$/, 'a bare * is not allowed in a mix').min(1).optional(),
  })
  .refine((i) => i.id !== undefined || i.group_id !== undefined, 'a mix item needs an id or a group_id');

export const MixSchema = z.strictObject({
  items: z.array(MixItemSchema).min(1),
  quantity: z.number().int().min(1).max(9999),
  reward_eligible: z.boolean(),
});
export type Mix = z.infer<typeof MixSchema>;

const Strings = z.array(z.string());

export const StoreRequirementSchema = z.strictObject({
  id: Strings.optional(),
  name: Strings.optional(),
  business_name: Strings.optional(),
  chain: Strings.optional(),
  email: Strings.optional(),
  gln: Strings.optional(),
  organization_number: Strings.optional(),
  phone_number: Strings.optional(),
  mcc: Strings.optional(),
  bax: Strings.optional(),
  terminal_id: Strings.optional(),
  address: z.strictObject({ country: Strings.optional(), postal_code: Strings.optional(), postal_place: Strings.optional() }).optional(),
  mcc_ranges: z.array(z.strictObject({ start: z.string(), end: z.string() })).optional(),
});
export type StoreRequirement = z.infer<typeof StoreRequirementSchema>;

export const CustomerRequirementSchema = z.strictObject({
  addresses: z
    .array(
      z.strictObject({
        country: Strings.optional(),
        postal_code: Strings.optional(),
        postal_place: Strings.optional(),
        custom_type: Strings.optional(),
        type: Strings.optional(),
      }),
    )
    .optional(),
  company: z
    .strictObject({
      bussiness_name: Strings.optional(),
      department: Strings.optional(),
      industry: Strings.optional(),
      number_of_employees: z.array(z.union([z.string(), z.number()])).optional(),
      organization_number: Strings.optional(),
      website: Strings.optional(),
    })
    .optional(),
  date_of_birth: Strings.optional(),
  enrolled_by: z.strictObject({ type: Strings.optional(), value: Strings.optional() }).optional(),
  favorite_store: Strings.optional(),
  first_name: Strings.optional(),
  gender: Strings.optional(),
  last_name: Strings.optional(),
  marketing_consent: z
    .strictObject({
      email: z.strictObject({ consent: z.array(z.enum(['true', 'false'])) }).optional(),
      sms: z.strictObject({ consent: z.array(z.enum(['true', 'false'])) }).optional(),
    })
    .optional(),
  status: Strings.optional(),
  term: z.strictObject({ id: Strings }).optional(),
  type: Strings.optional(),
  attributes: z.record(z.string(), Strings).optional(),
});
export type CustomerRequirement = z.infer<typeof CustomerRequirementSchema>;

/** `["NOK", "SEK"]`, or `[{"anything-but": ["NOK"]}]`. */
export const CurrenciesRequirementSchema = z.union([
  z.array(z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO-4217 code')).min(1),
  z.tuple([z.strictObject({ 'anything-but': z.array(z.string().regex(/^[A-Z]{3}$/)).min(1) })]),
]);

// ---------------------------------------------------------------- requirement

const BaseRequirementShape = {
  customer: CustomerRequirementSchema.optional(),
  item: z
    .strictObject({
      quantity: z.number().int().min(0).max(9999).optional(),
      items: z.array(ItemMatchSchema).optional(),
      mixes: z.array(MixSchema).optional(),
    })
    .optional(),
  store_ids: Strings.optional().describe('Deprecated by Dintero since 2021-09-01; read as store.id'),
  gross_amount: AmountSchema.optional(),
  net_amount: AmountSchema.optional(),
  currencies: CurrenciesRequirementSchema.optional(),
  stamp: z.number().int().min(1).max(1000).optional(),
  discount_code: z.string().trim().min(1).max(255).optional(),
  store: StoreRequirementSchema.optional(),
};

export const RequirementSchema = z.strictObject({
  ...BaseRequirementShape,
  purchase_from: DateTimeSchema,
  purchase_to: DateTimeSchema,
});
export type Requirement = z.infer<typeof RequirementSchema>;

/** PUT: `purchase_from` cannot change and `purchase_to` may only move later (checked by the service). */
export const RequirementPutSchema = z.strictObject({ ...BaseRequirementShape, purchase_to: DateTimeSchema.optional() });

// ---------------------------------------------------------------- reward

export const REWARD_TYPES = [
  'discount_amount',
  'discount_percent',
  'discount_item_new_price',
  'discount_item_quantity',
  'discount_item_percent',
  'discount_mix_new_price',
  'discount_debit',
] as const;
export type RewardType = (typeof REWARD_TYPES)[number];
export const PERCENT_REWARDS: readonly RewardType[] = ['discount_percent', 'discount_item_percent'];

export const RewardSchema = z.strictObject({
  type: z.enum(REWARD_TYPES),
  value: z.number().min(0).max(MAX_AMOUNT),
  values: z.array(z.strictObject({ items: z.array(ItemMatchSchema).min(1), value: z.number().min(0).max(MAX_AMOUNT) })).optional(),
  base: z.enum(['gross', 'net']).optional(),
  effect: z.enum(['discount', 'bonus']).optional(),
});
export type Reward = z.infer<typeof RewardSchema>;

// ---------------------------------------------------------------- limitation

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const TimeOfDay = z.string().regex(/^([01]?[0-9]|2[0-3]):[0-5][0-9]$/, 'a time of day HH:MM');
const Unlimited = z.number().int().min(-1);

export const LimitationSchema = z.strictObject({
  discount_activation: z.array(z.strictObject({ type: z.literal('deactivate_if_discount_active'), value: z.string().min(1) })).optional(),
  discount_hours: z
    .strictObject({
      timezone: z.string().optional(),
      hours: z.array(z.strictObject({ day: z.enum(WEEKDAYS), start: TimeOfDay, end: TimeOfDay })),
    })
    .optional(),
  discount_reward_usage: Unlimited.optional(),
  discount_combination: z.union([z.literal(-1), z.literal(0)]).optional(),
  discount_eligible: z.enum(['item_eligible_for_discount', 'item_eligible_for_discount_no_discount', 'receipt_no_discount']).optional(),
  discount_repeat_usage: Unlimited.optional(),
  stamp_expire_days: Unlimited.optional(),
  blacklist: z.array(ItemMatchSchema).optional(),
  dynamic_purchase_to_days: z.number().int().min(1).optional(),
});
export type Limitation = z.infer<typeof LimitationSchema>;

// ---------------------------------------------------------------- discount rule

const LinkSchema = z.strictObject({ href: z.url(), rel: z.string().optional(), type: z.string().optional() });

export const DiscountPostSchema = z.strictObject({
  campaign_id: ClientKeySchema.optional(),
  active: z.boolean().default(true),
  private: z.boolean().default(false),
  name: z.string().max(255).optional(),
  receipt_text: z.string().max(255).optional(),
  description: z.string().max(4000).optional(),
  visible_from: DateTimeSchema.optional(),
  requirement: RequirementSchema,
  reward: RewardSchema,
  limitation: LimitationSchema.optional(),
  metadata: MetadataSchema.optional(),
  links: z.array(LinkSchema).optional(),
});
export type DiscountPost = z.infer<typeof DiscountPostSchema>;

export const DiscountPutSchema = z.strictObject({
  campaign_id: ClientKeySchema.nullable().optional(),
  active: z.boolean().optional(),
  private: z.boolean().optional(),
  links: z.array(LinkSchema).optional(),
  limitation: LimitationSchema.optional(),
  requirement: RequirementPutSchema.optional(),
  reward: z.strictObject({ base: z.enum(['gross', 'net']) }).optional().describe('Only base may change (current docs)'),
  description: z.string().max(4000).optional(),
  metadata: MetadataSchema.optional(),
  name: z.string().max(255).optional(),
  receipt_text: z.string().max(255).optional(),
});
export type DiscountPut = z.infer<typeof DiscountPutSchema>;

export const StatisticsSchema = z.object({
  stamp: z.number().int(),
  usage: z.number().int(),
  used: z.number().int().describe('Deprecated alias of usage'),
  amount: z.number().int(),
  bonus: z.number().int(),
  debit_balance: z.number().int(),
});
export type Statistics = z.infer<typeof StatisticsSchema>;

export const CustomerStatisticsSchema = StatisticsSchema.extend({ current_stamp: z.number().int() });
export type CustomerStatistics = z.infer<typeof CustomerStatisticsSchema>;

/** A stored rule as every read returns it. */
export const DiscountSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  updated_at: z.string(),
  updated_by: z.string(),
  deleted_at: z.string().optional(),
  deleted_by: z.string().optional(),
  type: z.enum(['item', 'receipt']),
  campaign_id: z.string().optional(),
  active: z.boolean(),
  private: z.boolean(),
  name: z.string().optional(),
  receipt_text: z.string().optional(),
  description: z.string().optional(),
  visible_from: z.string().optional(),
  requirement: RequirementSchema,
  reward: RewardSchema,
  limitation: LimitationSchema.optional(),
  metadata: MetadataSchema.optional(),
  links: z.array(LinkSchema).optional(),
});
export type Discount = z.infer<typeof DiscountSchema>;

/** Wildcard item (`*` alone or `*suffix`)? Only wildcards → a receipt rule (contract §3.3). */
export const isWildcardId = (id: string | undefined): boolean => id !== undefined && id.startsWith('*');

export function discountType(requirement: Pick<Requirement, 'item'>): 'item' | 'receipt' {
  const items = requirement.item?.items ?? [];
  return items.some((i) => !isWildcardId(i.id) || i.group_id !== undefined) ? 'item' : 'receipt';
}

// ---------------------------------------------------------------- receipt (§4.2)

export const DISCOUNT_TYPES = ['customer', 'periodic', 'manual', 'loyalty', 'total', 'employee', 'external'] as const;

export const DiscountLineSchema = z.looseObject({
  amount: z.number().int(),
  percentage: z.number().optional(),
  discount_type: z.enum(DISCOUNT_TYPES),
  discount_id: z.string().optional(),
  description: z.string().optional(),
  line_id: z.number().int().optional(),
});
export type DiscountLine = z.infer<typeof DiscountLineSchema>;

export const BonusLineSchema = z.looseObject({
  bonus: z.number().int(),
  percentage: z.number().optional(),
  discount_type: z.enum(DISCOUNT_TYPES),
  discount_id: z.string().optional(),
  description: z.string().optional(),
  line_id: z.number().int().optional(),
});
export type BonusLine = z.infer<typeof BonusLineSchema>;

export const ReceiptItemSchema = z.looseObject({
  id: z.string().optional(),
  groups: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).optional(),
  quantity: z.number().min(0).optional(),
  line_id: z.number().int().optional(),
  description: z.string().optional(),
  gross_amount: z.number().int().optional(),
  net_amount: z.number().int().optional(),
  unit_gross_price: z.number().int().optional(),
  tax_percent: z.number().optional(),
  eligible_for_discount: z.boolean().optional(),
  voided: z.boolean().optional(),
  is_return_item: z.boolean().optional(),
  is_changed: z.boolean().optional(),
  discount_lines: z.array(DiscountLineSchema).optional(),
  bonus_lines: z.array(BonusLineSchema).optional(),
});
export type ReceiptItem = z.infer<typeof ReceiptItemSchema>;

export const ReceiptCustomerSchema = z.looseObject({
  status: z.string().optional(),
  type: z.string().optional(),
  token: z.looseObject({ token_id: z.string().optional(), value: z.string().optional(), type: z.string().optional() }).optional(),
});

export const ReceiptStoreSchema = z.looseObject({ id: z.string() });

export const RefStatisticsSchema = z.looseObject({
  amount: z.number().int(),
  bonus: z.number().int(),
  debit_balance: z.number().int(),
  stamp: z.number().int(),
  usage: z.number().int(),
});

/** One discount as the calculation reports it: the rule plus what this receipt does to each ref. */
export const DiscountRefsSchema = z.looseObject({
  id: z.string(),
  refs: z.array(
    z.looseObject({
      id: z.string(),
      stamp: z.number().int(),
      amount: z.number().int(),
      bonus: z.number().int(),
      usage: z.number().int(),
      statistics: RefStatisticsSchema.optional(),
      items: z.array(z.looseObject({ line_id: z.number().int(), amount: z.number().int(), bonus: z.number().int() })).optional(),
    }),
  ),
});
export type DiscountRefs = z.infer<typeof DiscountRefsSchema>;

export const ReceiptSchema = z.looseObject({
  receipt_id: z.string().min(1).max(255),
  purchase_at: DateTimeSchema,
  store: ReceiptStoreSchema,
  customer_id: z.string().max(255).optional(),
  customer: ReceiptCustomerSchema.optional(),
  items: z.array(ReceiptItemSchema).max(1000).optional(),
  currency: z.string().regex(/^[A-Z]{3}$/).optional(),
  gross_amount: z.number().int().optional(),
  net_amount: z.number().int().optional(),
  total_discount: z.number().int().optional(),
  discount_code: z.array(z.string()).optional(),
  discounts: z.array(DiscountRefsSchema).optional(),
  is_changed: z.boolean().optional(),
});
export type Receipt = z.infer<typeof ReceiptSchema>;

// ---------------------------------------------------------------- campaigns, claims, usage, automations

export const CampaignPostSchema = z.strictObject({
  campaign_id: ClientKeySchema.optional(),
  name: z.string().min(1).max(255),
  description: z.string().max(4000).optional(),
  private: z.boolean().default(false),
  metadata: MetadataSchema.optional(),
});
export const CampaignPutSchema = z.strictObject({
  name: z.string().min(1).max(255).optional(),
  description: z.string().max(4000).optional(),
  private: z.boolean().optional(),
});

export const UsageRefWriteSchema = z.strictObject({
  ref: z.string().min(1).max(255),
  ref_type: z.string().min(1).max(255),
  usage: z.number().int().optional(),
  stamp: z.number().int().optional(),
  amount: z.number().int().optional(),
});

export const ClaimPostSchema = z.strictObject({
  ref: z.string().min(1).max(255).optional(),
  type: z.string().max(255).optional(),
  purchase_at: DateTimeSchema,
  customer_id: z.string().min(1).max(255),
  discounts: z
    .array(
      z.strictObject({
        id: z.string().min(1),
        refs: z.array(z.strictObject({ id: z.string().min(1), amount: AmountSchema.optional(), usage: z.number().int().min(0).max(1000).optional() })).min(1),
      }),
    )
    .min(1),
});
export type ClaimPost = z.infer<typeof ClaimPostSchema>;

export const AUTOMATION_EVENTS = ['customer_add', 'customer_update', 'customer_remove', 'token_add', 'token_remove', 'receipt_add'] as const;

/** EventBridge-like matchers (contract §3.2): exact, `{anything-but}`, `{numeric: [op, n, ...]}`. */
export const FilterMatcherSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.strictObject({ 'anything-but': z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]) }),
  z.strictObject({ numeric: z.array(z.union([z.enum(['<', '<=', '>', '>=', '=']), z.number()])).min(2) }),
]);
export type FilterMatcher = z.infer<typeof FilterMatcherSchema>;
export const AutomationFilterSchema = z.record(z.string().regex(/^\$/, 'a JSONPath starting with $'), z.array(FilterMatcherSchema).min(1));
export type AutomationFilter = z.infer<typeof AutomationFilterSchema>;

export const AutomationActionSchema = z.union([
  z.strictObject({ type: z.literal('discount'), id: z.string().min(1) }),
  z.strictObject({
    type: z.literal('http'),
    url: z.url(),
    method: z.enum(['GET', 'POST', 'PUT', 'DELETE']),
    content_type: z.string().optional(),
    body: z.unknown().optional(),
  }),
]);

export const AutomationPostSchema = z.strictObject({
  name: z.string().max(255).optional(),
  description: z.string().max(4000).optional(),
  requirement: z.strictObject({
    automation_from: DateTimeSchema,
    automation_to: DateTimeSchema,
    events: z.array(z.enum(AUTOMATION_EVENTS)).min(1),
    filter: AutomationFilterSchema.optional(),
    filters: AutomationFilterSchema.optional().describe('Alias of filter seen in Dintero examples'),
  }),
  limitation: z.strictObject({ automation_repeat: z.number().int().min(-1).optional() }).optional(),
  actions: z.array(AutomationActionSchema).min(1),
});
export type AutomationPost = z.infer<typeof AutomationPostSchema>;
