/**
 * Rows to wire objects and back: CustomerResponse (wiped for deleted customers), CustomerToken,
 * tags, terms, token events; and the normalised search columns. Pure functions, no I/O.
 */
import type { CustomerDoc } from '@pos/core';
import type { CustomersTable, CustomerTagsTable, CustomerTermsTable, CustomerTokenEventsTable, CustomerTokensTable } from '../../db/tables/customers.ts';
import { entityOf, optional } from '../../db/entity.ts';
import {
  CUSTOMER_TYPES,
  StoredCustomerSchema,
  type CustomerResponse,
  type CustomerTag,
  type CustomerToken,
  type CustomerType,
  type StoredCustomer,
  type Terms,
  type TokenEvent,
} from './schemas.ts';

/** Case-folded form of names and emails: what `search` and `email` prefixes are compared with. */
export const fold = (s: string): string => s.normalize('NFC').toLowerCase();

export const isCustomerType = (t: string): t is CustomerType => (CUSTOMER_TYPES as readonly string[]).includes(t);

/** JSON object column → object (null and non-objects → undefined). */
export function parseObject(text: string | null): Record<string, unknown> | undefined {
  if (text === null) return undefined;
  const v: unknown = JSON.parse(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : undefined;
}

const bodies = new WeakMap<CustomersTable, StoredCustomer>();

/** The customer's JSON body, parsed once per row object. */
export function storedCustomer(row: CustomersTable): StoredCustomer {
  let b = bodies.get(row);
  if (b === undefined) {
    b = StoredCustomerSchema.parse(JSON.parse(row.body));
    bodies.set(row, b);
  }
  return b;
}

/** The personal columns a customer row derives from its names and email. */
export function searchColumns(u: { first_name: string | null; last_name: string | null; email: string | null }) {
  const full = [u.first_name, u.last_name].filter((s): s is string => s !== null && s !== '').join(' ');
  return {
    email_search: u.email === null ? null : fold(u.email),
    full_name_search: full === '' ? null : fold(full),
    last_name_search: u.last_name === null || u.last_name === '' ? null : fold(u.last_name),
  };
}

export function toCustomerResponse(row: CustomersTable): CustomerResponse {
  const keys = { id: row.id, customer_id: row.customer_id, created_at: row.created_at, created_by: row.created_by };
  // Contract §2.2: a deleted user keeps only its ids and the created/deleted stamps.
  if (row.deleted_at !== null) return { ...keys, deleted_at: row.deleted_at, deleted_by: optional(row.deleted_by) };
  return {
    ...keys,
    updated_at: row.updated_at,
    type: isCustomerType(row.type) ? row.type : 'customer',
    first_name: optional(row.first_name),
    last_name: optional(row.last_name),
    email: optional(row.email),
    phone_number: optional(row.phone_number),
    status: optional(row.status),
    ...storedCustomer(row),
  };
}

export function toCustomerToken(row: CustomerTokensTable): CustomerToken {
  return { ...entityOf(row), token_id: row.token_id, type: row.type, value: row.value, metadata: parseObject(row.metadata) };
}

/** A token as webhooks and the discount service see it: with its owner. */
export const tokenWithOwner = (row: CustomerTokensTable): CustomerToken & { customer_id: string } => ({ ...toCustomerToken(row), customer_id: row.customer_id });

export function toTag(row: CustomerTagsTable): CustomerTag {
  return { ...entityOf(row), tag: row.tag, metadata: parseObject(row.metadata) };
}

export function toTerms(row: CustomerTermsTable): Terms {
  return { ...entityOf(row), terms: row.terms };
}

export function toTokenEvent(row: CustomerTokenEventsTable): TokenEvent {
  return { event: row.event, status: optional(row.status), metadata: parseObject(row.metadata), created_at: row.created_at, expires_at: optional(row.expires_at) };
}

/**
 * TokenDetail status (contract §2.3): the customer's status when a customer with a status holds
 * the token; else the newest event with a status that has not expired (an expired event falls
 * back to the one before it); else UNKNOWN. Events come oldest first.
 */
export function resolveTokenStatus(customerStatus: string | undefined, events: readonly TokenEvent[], now: string): string {
  if (customerStatus !== undefined && customerStatus !== '') return customerStatus;
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const e = events[i];
    if (e?.status === undefined) continue;
    if (e.expires_at !== undefined && e.expires_at <= now) continue;
    return e.status;
  }
  return 'UNKNOWN';
}

/** The till's document for a customer (core `CustomerDocSchema`); deleted customers are tombstones. */
export function toCustomerDoc(row: CustomersTable, tokens: readonly CustomerTokensTable[]): CustomerDoc {
  const updated = tokens.reduce((a, t) => (t.updated_at > a ? t.updated_at : a), row.updated_at);
  if (row.deleted_at !== null) {
    return { id: row.id, updated_at: updated, _deleted: true, customer_id: row.customer_id, type: row.type, tokens: [] };
  }
  const consent = storedCustomer(row).marketing_consent;
  return {
    id: row.id,
    updated_at: updated,
    _deleted: false,
    customer_id: row.customer_id,
    type: row.type,
    first_name: optional(row.first_name),
    last_name: optional(row.last_name),
    email: optional(row.email),
    phone_number: optional(row.phone_number),
    status: optional(row.status),
    marketing_consent: consent,
    tokens: tokens.map((t) => ({ token_id: t.token_id, type: t.type, value: t.value })),
  };
}
