/** Tables of the Customers service and its sales locations (migration 0007). */

/**
 * One row per customer user. Columns hold what lists filter and what must be unique; the rest of
 * `BasicUser` (addresses, company, consent, metadata …) is JSON in `body`. A deleted customer
 * keeps only its keys and Entity stamps: every personal column is null and `body` is `{}`.
 */
export interface CustomersTable {
  /** UUIDv7: the CustomerResponse `id` and the till's document id. */
  id: string;
  account_id: string;
  customer_id: string;
  type: string;
  email: string | null;
  /** `email` lower-cased: uniqueness per type and the prefix filter are case-insensitive. */
  email_search: string | null;
  phone_number: string | null;
  first_name: string | null;
  last_name: string | null;
  /** Lower-cased "first last", and last name alone, for `search`. */
  full_name_search: string | null;
  last_name_search: string | null;
  status: string | null;
  body: string;
  /** When the current email / phone number was confirmed with a code; reset when it changes. */
  email_verified_at: string | null;
  phone_verified_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

/** Every customer_id the account has used (current, deleted or changed away from): never reused. */
export interface CustomerKeysTable {
  account_id: string;
  customer_id: string;
  customer_pk: string;
  created_at: string;
}

/** `attributes` flattened for the `attributes_keys[]` / `attributes_values[]` filters: one row per scalar value. */
export interface CustomerAttributesTable {
  account_id: string;
  customer_pk: string;
  key: string;
  value: string;
}

/** `contact_for` of contact users, so a list that matches a contact can add the users it is a contact for. */
export interface CustomerContactsTable {
  account_id: string;
  contact_pk: string;
  customer_id: string;
}

export interface CustomerTokensTable {
  id: string;
  account_id: string;
  customer_pk: string;
  /** The owner's customer_id, copied for events; follows change_customer_id. */
  customer_id: string;
  token_id: string;
  type: string;
  value: string;
  /** JSON object or null. */
  metadata: string | null;
  /** `email` / `phone_number` for tokens made by settings.auto_tokens, null for tokens clients added. */
  auto_source: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface CustomerTagsTable {
  id: string;
  account_id: string;
  tag: string;
  metadata: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface CustomerTagLinksTable {
  account_id: string;
  customer_pk: string;
  tag_pk: string;
  created_at: string;
}

export interface CustomerTermsTable {
  id: string;
  account_id: string;
  terms: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface CustomerSettingsTable {
  account_id: string;
  /** CustomersSettings as JSON. */
  settings: string;
  /** The last customer_id handed out in `sequence` format; null until the first one. */
  last_sequence: number | null;
  updated_at: string;
  updated_by: string;
}

/** A token (type, value) that has events; the TokenDetail `id` once it has one. */
export interface CustomerTokenSubjectsTable {
  id: string;
  account_id: string;
  token_type: string;
  token_value: string;
  created_at: string;
  updated_at: string;
  /** When its events were last cleared (DELETE /customers/tokens/events). */
  deleted_at: string | null;
}

/** Token events: only ever appended; clearing marks them, the history stays. */
export interface CustomerTokenEventsTable {
  id: string;
  account_id: string;
  subject_pk: string;
  event: string;
  status: string | null;
  metadata: string | null;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  cleared_at: string | null;
}

/** Verification codes sent to a customer's email or phone: only a salted hash is kept. */
export interface CustomerVerificationsTable {
  id: string;
  account_id: string;
  customer_pk: string;
  field: string;
  /** The address the code went to: confirming verifies only that address. */
  target: string;
  code_hash: string;
  attempts: number;
  expires_at: string;
  created_at: string;
  /** Set when the code was used or voided (too many wrong tries, a newer code). */
  spent_at: string | null;
}

export interface LocationsTable {
  id: string;
  account_id: string;
  location_id: string;
  status: string | null;
  type: string | null;
  country: string | null;
  phone_number: string | null;
  email_search: string | null;
  organization_number: string | null;
  /** Lower-cased name and business name for `search`. */
  name_search: string | null;
  business_name_search: string | null;
  /** The rest of the SalesLocation as JSON. */
  body: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface CustomersTables {
  customers: CustomersTable;
  customer_keys: CustomerKeysTable;
  customer_attributes: CustomerAttributesTable;
  customer_contacts: CustomerContactsTable;
  customer_tokens: CustomerTokensTable;
  customer_tags: CustomerTagsTable;
  customer_tag_links: CustomerTagLinksTable;
  customer_terms: CustomerTermsTable;
  customer_settings: CustomerSettingsTable;
  customer_token_subjects: CustomerTokenSubjectsTable;
  customer_token_events: CustomerTokenEventsTable;
  customer_verifications: CustomerVerificationsTable;
  locations: LocationsTable;
}
