/**
 * The wire shapes of the Webhooks service (contract §6.2): Hook, Secret, HookDelivery and
 * HookDeliveryDetail, as zod schemas (validation, types and OpenAPI from one source).
 *
 * - `events` accepts Dintero's full list (a subscription may listen for events this server never
 *   emits, e.g. `checkout_transaction`) plus `customer_remove`, an alias of `customer_delete`.
 * - Secrets are write-only: a response shows the secret's `type` (and, for AWS, the key id,
 *   region and service), never `value` or `aws_secret_access_key`.
 * - `insecure_ssl` is a number in the spec and a string ("0"/"1") in Dintero's prose; both are
 *   accepted, the number is returned.
 */
import { z } from 'zod';
import { EntitySchema } from '@pos/core/contracts/common';

export const DINTERO_EVENTS = [
  'account_add', 'account_update', 'receipt_add', 'receipt_update', 'customer_add', 'customer_update', 'customer_delete',
  'customer_change_password', 'token_add', 'token_remove', 'transaction', 'wallet_transaction', 'discount_add', 'discount_update',
  'discount_delete', 'discount_add_customers', 'discount_customer_update', 'shopping_draft_add', 'shopping_draft_update',
  'shopping_draft_complete', 'shopping_order_update', 'shopping_order_event_add', 'shopping_order_delete', 'settlement_add',
  'location_add', 'location_delete', 'location_update', 'cdd_case_update', 'approval_payout_destination_update',
  'approval_payout_destination_delete', 'checkout_transaction',
] as const;

/** Names a subscription may use for an event, mapped to the name the event is published under. */
export const EVENT_ALIASES: Readonly<Record<string, string>> = { customer_remove: 'customer_delete' };

/** Ours: an offline gift card drawdown that needs a manager (services/offline), and its resolution. */
export const EXTRA_EVENTS = ['wallet_offline_exception'] as const;

export const HookEventSchema = z.enum([...DINTERO_EVENTS, ...EXTRA_EVENTS, 'customer_remove']);

/** A header value: no line breaks (they would split the request). */
const HeaderValue = z.string().min(1).max(4096).regex(/^[^\r\n\0]+$/, 'must not contain line breaks');
const Short = z.string().min(1).max(255).regex(/^[^\r\n\0]+$/, 'must not contain line breaks');

export const SecretInputSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('HMAC-SHA1'), value: z.string().min(1).max(1024) }),
  z.object({ type: z.literal('Authorization'), value: HeaderValue }),
  z.object({
    type: z.literal('AWS4-HMAC-SHA256'),
    aws_access_key_id: Short,
    aws_secret_access_key: Short,
    region: z.string().regex(/^[a-z0-9-]{1,64}$/, 'an AWS region, e.g. eu-west-1'),
    service: z.string().regex(/^[a-z0-9-]{1,64}$/, 'an AWS service name, e.g. execute-api'),
  }),
]);
export type SecretInput = z.infer<typeof SecretInputSchema>;

/** What a response shows of a secret. */
export const SecretViewSchema = z.object({
  type: z.enum(['HMAC-SHA1', 'Authorization', 'AWS4-HMAC-SHA256']),
  aws_access_key_id: z.string().optional(),
  region: z.string().optional(),
  service: z.string().optional(),
});

const InsecureSsl = z.union([z.literal(0), z.literal(1), z.enum(['0', '1']).transform((v) => (v === '1' ? 1 : 0))]);

export const HookCreateSchema = z.object({
  active: z.boolean().default(true),
  config: z.object({
    url: z.url({ protocol: /^https?$/, error: 'config.url must be an http(s) URL' }).max(2048),
    content_type: z.literal('application/json').default('application/json'),
    secret: SecretInputSchema.optional(),
    insecure_ssl: InsecureSsl.default(0),
  }),
  fields: z.string().min(1).max(1024).optional(),
  events: z.array(HookEventSchema).min(1).max(64),
});
export type HookCreate = z.infer<typeof HookCreateSchema>;

export const HookSchema = EntitySchema.extend({
  active: z.boolean(),
  config: z.object({
    url: z.string(),
    content_type: z.literal('application/json'),
    secret: SecretViewSchema.optional(),
    insecure_ssl: z.number().int(),
  }),
  fields: z.string().optional(),
  events: z.array(z.string()),
});
export type Hook = z.infer<typeof HookSchema>;

export const HookDeliverySchema = z.object({
  id: z.string(),
  event_delivery: z.string(),
  created_at: z.string(),
  /** The receiver's HTTP status; 0 when it gave none (connection refused, timeout). */
  status: z.number().int(),
});
export type HookDelivery = z.infer<typeof HookDeliverySchema>;

export const HookDeliveryDetailSchema = HookDeliverySchema.extend({
  url: z.string(),
  request: z.object({
    headers: z.record(z.string(), z.string()),
    body: z.record(z.string(), z.unknown()),
  }),
  response: z.object({
    headers: z.record(z.string(), z.unknown()),
    body: z.string(),
  }).optional(),
  details: z.object({
    delivery_at: z.string(),
    delivery_duration: z.number(),
    delivery_success: z.boolean(),
    /** Our addition: which attempt this was (1 = first) and why there was no response. */
    attempt: z.number().int(),
    error: z.string().optional(),
  }),
});
export type HookDeliveryDetail = z.infer<typeof HookDeliveryDetailSchema>;
