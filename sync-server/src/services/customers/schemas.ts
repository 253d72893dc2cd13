/**
 * Wire shapes of the Customers service (contract §2.3), one zod schema per body and response, so
 * validation, types and the OpenAPI document come from the same place. Dintero's spelling is
 * kept (`bussiness_name`). Request bodies are strict: an unknown field (`phone` for
 * `phone_number`) is a 400, not a silently dropped value.
 */
import { z } from 'zod';
import { ClientKeySchema, DateTimeSchema, EntitySchema, MetadataSchema } from '@pos/core/contracts/common';

export const CUSTOMER_TYPES = ['customer', 'company', 'contact', 'employee', 'other'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

/** E.164 as Dintero writes it (the `+` is optional). */
export const PhoneSchema = z.string().regex(/^\+?[1-9]\d{1,14}$/, 'must be an E.164 phone number, e.g. +4799999999');
export const EmailSchema = z.email('must be an email address').max(255);
const Text = z.string().max(1000);

export const AddressSchema = z.strictObject({
  address_line: z.string().min(1).max(255),
  address_line_2: z.string().max(255).optional(),
  postal_code: z.string().max(32).optional(),
  postal_place: z.string().min(1).max(255),
  country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code'),
});

const CustomerAddressSchema = AddressSchema.extend({
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  type: z.enum(['custom', 'home', 'other', 'work']).optional(),
  custom_type: z.string().max(255).optional(),
  comment: Text.optional(),
});

export const CompanySchema = z.strictObject({
  bussiness_name: z.string().min(1).max(255).describe('Sic (Dintero)'),
  organization_number: z.string().max(64).optional(),
  department: z.string().max(255).optional(),
  industry: z.string().max(255).optional(),
  website: z.string().max(1000).optional(),
  number_of_employees: z.string().max(64).optional(),
});

const ConsentIn = z.strictObject({ consent: z.boolean(), updated_at: z.string().optional().describe('Ignored: the server sets it when the consent changes') });
const ConsentOut = z.object({ consent: z.boolean(), updated_at: z.string() });
export const MarketingConsentInSchema = z.strictObject({ sms: ConsentIn.optional(), email: ConsentIn.optional() });
export const MarketingConsentSchema = z.object({ sms: ConsentOut.optional(), email: ConsentOut.optional() });
export type MarketingConsent = z.infer<typeof MarketingConsentSchema>;

const EnrolledBySchema = z.strictObject({ type: z.string().max(255).optional(), value: z.union([z.string().max(1000), z.number(), z.boolean()]) });
const TermRefIn = z.strictObject({ id: z.string().min(1).max(64), accepted_at: DateTimeSchema.optional() });
const TermRef = z.object({ id: z.string(), accepted_at: z.string() });
const ContactForSchema = z.array(z.strictObject({ customer_id: ClientKeySchema })).max(100);
const AttributesSchema = z.record(z.string().min(1).max(255), z.unknown());

/** What a create may set (BasicUser, contract §2.3). */
const basicUserFields = {
  first_name: z.string().max(255).optional(),
  last_name: z.string().max(255).optional(),
  email: EmailSchema.optional(),
  phone_number: PhoneSchema.optional(),
  attributes: AttributesSchema.optional(),
  status: z.string().max(255).optional(),
  favorite_store: z.string().max(255).optional(),
  enrolled_by: EnrolledBySchema.optional(),
  marketing_consent: MarketingConsentInSchema.optional(),
  type: z.enum(CUSTOMER_TYPES).optional(),
  addresses: z.array(CustomerAddressSchema).max(100).optional(),
  term: TermRefIn.optional(),
  company: CompanySchema.optional(),
  gender: z.string().max(64).optional(),
  date_of_birth: z.iso.date('must be a date, YYYY-MM-DD').optional(),
  contact_for: ContactForSchema.optional(),
};

/** Login secrets: accepted by the schema so the service can say why it refuses them. */
const loginFields = { password: z.string().min(4).max(255).optional(), pin: z.string().regex(/^\d{6}$/).optional() };

export const CustomerPostSchema = z.strictObject({
  ...basicUserFields,
  customer_id: ClientKeySchema.optional(),
  metadata: MetadataSchema.optional(),
  ...loginFields,
});
export type CustomerPost = z.infer<typeof CustomerPostSchema>;

/**
 * PUT is a partial update: an absent field stays, `null` removes it (`type` cannot be removed).
 * `metadata` merges key by key (a null value removes the key); `metadata: null` clears it. The
 * response's read-only fields may be sent back and are ignored, so GET → edit → PUT works.
 */
export const CustomerPutSchema = z.strictObject({
  first_name: basicUserFields.first_name.nullable(),
  last_name: basicUserFields.last_name.nullable(),
  email: basicUserFields.email.nullable(),
  phone_number: basicUserFields.phone_number.nullable(),
  attributes: basicUserFields.attributes.nullable(),
  status: basicUserFields.status.nullable(),
  favorite_store: basicUserFields.favorite_store.nullable(),
  enrolled_by: basicUserFields.enrolled_by.nullable(),
  marketing_consent: basicUserFields.marketing_consent.nullable(),
  type: basicUserFields.type,
  addresses: basicUserFields.addresses.nullable(),
  term: basicUserFields.term.nullable(),
  company: basicUserFields.company.nullable(),
  gender: basicUserFields.gender.nullable(),
  date_of_birth: basicUserFields.date_of_birth.nullable(),
  contact_for: basicUserFields.contact_for.nullable(),
  metadata: MetadataSchema.nullable().optional(),
  ...loginFields,
  customer_id: z.string().optional().describe('Ignored when equal to the path; use change_customer_id to change it'),
  // A PUT may echo the read-only Entity fields of a GET; they are ignored.
  ...EntitySchema.partial().shape,
});
export type CustomerPut = z.infer<typeof CustomerPutSchema>;

/** What `body` holds: every BasicUser field that has no column of its own, plus metadata. */
export const StoredCustomerSchema = z.object({
  attributes: AttributesSchema.optional(),
  favorite_store: z.string().optional(),
  enrolled_by: z.object({ type: z.string().optional(), value: z.union([z.string(), z.number(), z.boolean()]) }).optional(),
  marketing_consent: MarketingConsentSchema.optional(),
  addresses: z.array(CustomerAddressSchema).optional(),
  term: TermRef.optional(),
  company: CompanySchema.optional(),
  gender: z.string().optional(),
  date_of_birth: z.string().optional(),
  contact_for: z.array(z.object({ customer_id: z.string() })).optional(),
  metadata: MetadataSchema.optional(),
});
export type StoredCustomer = z.infer<typeof StoredCustomerSchema>;

/** CustomerResponse. A deleted customer has only id, customer_id, created_* and deleted_*. */
export const CustomerResponseSchema = z.object({
  id: z.string(),
  customer_id: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  updated_at: z.string().optional(),
  deleted_at: z.string().optional(),
  deleted_by: z.string().optional(),
  type: z.enum(CUSTOMER_TYPES).optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  email: z.string().optional(),
  phone_number: z.string().optional(),
  status: z.string().optional(),
  ...StoredCustomerSchema.shape,
});
export type CustomerResponse = z.infer<typeof CustomerResponseSchema>;

// ------------------------------------------------------------------ tokens and token events

export const TokenPostSchema = z.strictObject({
  token_id: ClientKeySchema.optional(),
  type: z.string().min(1).max(255),
  value: z.string().min(1).max(1000),
  metadata: MetadataSchema.optional(),
});
export type TokenPost = z.infer<typeof TokenPostSchema>;

export const CustomerTokenSchema = EntitySchema.extend({
  token_id: z.string(),
  type: z.string(),
  value: z.string(),
  metadata: MetadataSchema.optional(),
});
export type CustomerToken = z.infer<typeof CustomerTokenSchema>;

export const TokenTypeValueSchema = z.strictObject({ type: z.string().min(1).max(255), value: z.string().min(1).max(1000) });
export type TokenTypeValue = z.infer<typeof TokenTypeValueSchema>;

export const TokenEventInSchema = z.strictObject({
  event: z.string().min(1).max(1000),
  status: z.string().min(1).max(255).optional(),
  metadata: MetadataSchema.optional(),
  created_at: z.string().optional().describe('Read-only: ignored'),
  expires_at: z.string().optional().describe('Read-only: ignored'),
});
export type TokenEventIn = z.infer<typeof TokenEventInSchema>;

export const TokenEventSchema = z.object({
  event: z.string(),
  status: z.string().optional(),
  metadata: MetadataSchema.optional(),
  created_at: z.string(),
  expires_at: z.string().optional(),
});
export type TokenEvent = z.infer<typeof TokenEventSchema>;

export const TokenDetailSchema = z.object({
  id: z.string(),
  customer: CustomerResponseSchema.optional(),
  token: CustomerTokenSchema.optional(),
  status: z.string(),
  events: z.array(TokenEventSchema),
});
export type TokenDetail = z.infer<typeof TokenDetailSchema>;

export const TokenEventsPostSchema = z.strictObject({ token: TokenTypeValueSchema, event: TokenEventInSchema.optional() });
export const TokenEventsDeleteSchema = z.strictObject({
  token: TokenTypeValueSchema,
  event: z.strictObject({ event: z.string().min(1).max(1000).optional(), metadata: MetadataSchema.optional() }).optional(),
});

export const TokenEventsListItemSchema = z.object({ id: z.string(), status: z.string(), events: z.array(TokenEventSchema) });

// ------------------------------------------------------------------ tags, terms, communication

export const TagPostSchema = z.strictObject({ tag: z.string().min(1).max(255), metadata: MetadataSchema.optional() });
export const CustomerTagSchema = EntitySchema.extend({ tag: z.string(), metadata: MetadataSchema.optional() });
export type CustomerTag = z.infer<typeof CustomerTagSchema>;

export const TermsPostSchema = z.strictObject({ terms: z.string().min(1).max(100_000) });
export const TermsSchema = EntitySchema.extend({ terms: z.string() });
export type Terms = z.infer<typeof TermsSchema>;

const ChannelState = z.object({ verified_at: z.string().optional(), allowed: z.boolean() });
export const CommunicationSchema = EntitySchema.extend({
  communication: z.object({ email: ChannelState.optional(), phone_number: ChannelState.optional() }),
});
export type Communication = z.infer<typeof CommunicationSchema>;

// ------------------------------------------------------------------ settings

/** One auto token; `secret` only ever leaves the server for clients that may change settings. */
const autoToken = <S extends z.ZodType<string | undefined>>(secret: S) =>
  z.discriminatedUnion('type', [z.strictObject({ type: z.literal('SHA256') }), z.strictObject({ type: z.literal('HMAC-SHA256'), secret })]);

const OobSchema = z.strictObject({ challenge_type: z.literal('oob'), oob_channel: z.enum(['sms', 'email']) });

export const ATTRIBUTE_TYPES = ['string', 'integer', 'real', 'boolean', 'phonenumber', 'email', 'date', 'date-time'] as const;

const settingsSchema = <S extends z.ZodType<string | undefined>>(secret: S) =>
  z.strictObject({
    users: z
      .strictObject({
        head: z.strictObject({ enabled: z.boolean() }).optional(),
        phone_number_validation: z.strictObject({ allow_duplicates: z.boolean() }).optional(),
        customer_id_format: z.enum(['uuid', 'sequence']).optional(),
        mfa: z.strictObject({ enabled: z.boolean(), login: OobSchema.optional(), login_recovery: OobSchema.optional() }).optional(),
        verifications: z.strictObject({ phone_number: z.literal('sms').optional() }).optional(),
      })
      .optional(),
    auto_tokens: z.strictObject({ phone_number: z.array(autoToken(secret)).max(10).optional(), email: z.array(autoToken(secret)).max(10).optional() }).optional(),
    tokens: z
      .strictObject({ event_expiry: z.array(z.strictObject({ status: z.string().min(1).max(255), time_to_live: z.number().int().positive() })).max(100).optional() })
      .optional(),
    attributes: z
      .array(z.strictObject({ name: z.string().min(1).max(255), type: z.enum(ATTRIBUTE_TYPES), multiple_values: z.boolean().optional(), private: z.boolean().optional() }))
      .max(200)
      .optional(),
  });

export const SettingsSchema = settingsSchema(z.string().min(1).max(1000));
export type Settings = z.infer<typeof SettingsSchema>;
/** GET /customers/settings: HMAC secrets are left out for read-only and public callers. */
export const SettingsResponseSchema = settingsSchema(z.string().optional());
export type SettingsResponse = z.infer<typeof SettingsResponseSchema>;
export type AutoToken = NonNullable<NonNullable<Settings['auto_tokens']>['email']>[number];
