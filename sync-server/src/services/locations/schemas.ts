/** Wire shapes of sales locations (contract §2.3 `SalesLocation`). */
import { z } from 'zod';
import { ClientKeySchema, EntitySchema } from '@pos/core/contracts/common';
import { AddressSchema, EmailSchema, PhoneSchema } from '../customers/schemas.ts';

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
const isLanguageTag = (tag: string): boolean => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};

const LocationFieldsSchema = z.strictObject({
  name: z.string().max(255),
  timezone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Oslo'),
  status: z.string().max(255),
  language_code: z.string().refine(isLanguageTag, 'must be a BCP 47 language tag, e.g. nb-NO'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code'),
  phone_number: PhoneSchema,
  chain: z.string().max(255),
  email: EmailSchema,
  mcc: z.string().regex(/^\d{4}$/, 'must be a four-digit merchant category code'),
  gln: z.string().max(64),
  organization_number: z.string().max(64),
  business_name: z.string().max(255),
  franchise: z.string().max(255),
  type: z.string().max(255),
  website_url: z.string().max(1000),
  address: AddressSchema.extend({ latitude: z.number().min(-90).max(90).optional(), longitude: z.number().min(-180).max(180).optional() }),
}).partial();

export const LocationPostSchema = LocationFieldsSchema.extend({ location_id: ClientKeySchema.optional() });
export type LocationPost = z.infer<typeof LocationPostSchema>;

/** PUT changes the fields it has; the response's read-only fields may come back and are ignored. */
export const LocationPutSchema = LocationPostSchema.extend({
  location_id: z.string().optional().describe('Ignored when equal to the path'),
  account_id: z.string().optional(),
  // A PUT may echo the read-only Entity fields of a GET; they are ignored.
  ...EntitySchema.partial().shape,
});
export type LocationPut = z.infer<typeof LocationPutSchema>;

/** What `body` holds: every field of the location. */
export const StoredLocationSchema = LocationFieldsSchema;
export type StoredLocation = z.infer<typeof LocationFieldsSchema>;

export const LocationResponseSchema = EntitySchema.extend({ account_id: z.string(), location_id: z.string(), ...LocationFieldsSchema.shape });
export type LocationResponse = z.infer<typeof LocationResponseSchema>;
