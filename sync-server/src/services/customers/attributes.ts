/**
 * Custom attributes (contract §2.3 `attributes`, schema in settings.attributes). Attributes the
 * settings declare are type-checked (an array when `multiple_values`); undeclared ones are kept
 * as given, since Dintero documents no rule against them. For the `attributes_keys[]` /
 * `attributes_values[]` list filters every scalar value becomes one text row: booleans as
 * `true`/`false`, numbers in JS notation, strings as they are; null values are skipped.
 */
import { z } from 'zod';
import { DateTimeSchema } from '@pos/core/contracts/common';
import { badRequest } from '../../errors.ts';
import { EmailSchema, PhoneSchema, type Settings } from './schemas.ts';

type AttributeType = NonNullable<Settings['attributes']>[number]['type'];

const CHECKS: Record<AttributeType, z.ZodType> = {
  string: z.string(),
  integer: z.number().int(),
  real: z.number(),
  boolean: z.boolean(),
  phonenumber: PhoneSchema,
  email: EmailSchema,
  date: z.iso.date(),
  'date-time': DateTimeSchema,
};

/** 400 when a declared attribute has a value of the wrong type. */
export function checkAttributes(attributes: Readonly<Record<string, unknown>>, declared: Settings['attributes']): void {
  for (const def of declared ?? []) {
    const v = attributes[def.name];
    if (v === undefined || v === null) continue;
    const check = def.multiple_values === true ? z.array(CHECKS[def.type]) : CHECKS[def.type];
    if (!check.safeParse(v).success) {
      throw badRequest('CUSTOMER_ATTRIBUTE_INVALID', `attributes.${def.name} must be ${def.multiple_values === true ? 'an array of ' : ''}${def.type}`);
    }
  }
}

const scalarText = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null || v === undefined ? undefined : JSON.stringify(v);

/** The filter rows of a customer's attributes. */
export function attributeRows(attributes: Readonly<Record<string, unknown>> | undefined): Array<{ key: string; value: string }> {
  const rows: Array<{ key: string; value: string }> = [];
  for (const [key, v] of Object.entries(attributes ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) {
      const value = scalarText(item);
      if (value !== undefined) rows.push({ key, value });
    }
  }
  return rows;
}
