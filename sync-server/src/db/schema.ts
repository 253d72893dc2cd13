/** Kysely table types. Timestamps are ISO-8601 UTC strings on both SQLite and PostgreSQL. */
import type { Generated } from 'kysely';
import type { CustomersTables } from './tables/customers.ts';
import type { LoyaltyTables } from './tables/loyalty.ts';
import type { OfflineTables } from './tables/offline.ts';
import type { ReceiptsTables } from './tables/receipts.ts';
import type { WebhooksTables } from './tables/webhooks.ts';

export interface AccountsTable {
  account_id: string;
  name: string;
  created_at: string;
}

export interface ApiClientsTable {
  id: string;
  account_id: string;
  client_id: string;
  name: string;
  /** sha256 of the secret: secrets are 256 random bits, so a slow hash adds nothing. */
  secret_hash: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

export interface WalletCardsTable {
  id: string;
  account_id: string;
  card_id: string;
  customer_id: string | null;
  name: string | null;
  currency: string;
  type: string;
  amount: number;
  active_from: string | null;
  expires_at: string | null;
  metadata: string;
  pin_hash: string | null;
  /** Offline PIN check (OFFLINE_PIN), set when the server made the PIN; null for older PINs (0010). */
  offline_pin_salt: string | null;
  offline_pin_hash: string | null;
  originated_by: string | null;
  created_at: string;
  created_by: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface WalletTokensTable {
  id: string;
  account_id: string;
  card_pk: string;
  ref_id: string;
  /** `card`: issued with the card (PIN applies); `temporary`: a card code made by an authorised client. */
  kind: string;
  token_hash: string;
  /** Offline lookup key (OFFLINE_LOOKUP) of a card's own token, derived from token_hash (0010). */
  offline_lookup: string | null;
  masked_code: string;
  format: string | null;
  expires_after_transaction: number;
  expires_in: number;
  expires_at: string;
  metadata: string;
  request_hash: string;
  created_at: string;
  created_by: string;
}

export interface WalletTransactionsTable {
  id: string;
  account_id: string;
  card_pk: string;
  /** 1, 2, 3 … per card; unique, so two writers can never both append after the same entry. */
  seq: number;
  ref_id: string;
  type: string;
  amount: number;
  currency: string;
  parent_id: string | null;
  token_id: string | null;
  metadata: string;
  originated_by: string | null;
  request_hash: string;
  /** Running totals after this entry: the fold up to here, so reads never rescan the ledger. */
  balance_after: number;
  pending_after: number;
  funds_after: number;
  drawdown_after: number;
  created_at: string;
  created_by: string;
}

export interface WalletTokenUsesTable {
  token_id: string;
  transaction_id: string;
  created_at: string;
}

export interface WalletAuthEventsTable {
  id: string;
  account_id: string;
  card_pk: string | null;
  client_id: string;
  kind: string;
  outcome: string;
  created_at: string;
}

export interface CatalogsTable {
  id: string;
  account_id: string;
  catalog_id: string;
  catalog_name: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface ProductsTable {
  id: string;
  account_id: string;
  catalog_pk: string;
  product_id: string;
  product_name: string | null;
  /** `product_name` normalised (NFC, lower case) for the case-insensitive prefix filter. */
  product_name_search: string | null;
  /** The tax group's client key (`tax_groups.tax_id`); a column so a tax group in use can be found. */
  tax_id: string | null;
  /** The rest of the Product body as JSON (fields nobody filters on, plus the ordered group ids). */
  body: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

/** Barcode lookup for the till: one row per code of a non-deleted product; the key makes codes unique per account. */
export interface ProductBarcodesTable {
  account_id: string;
  barcode: string;
  product_pk: string;
}

export interface ProductGroupsTable {
  id: string;
  account_id: string;
  group_id: string;
  group_name: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface TaxGroupsTable {
  id: string;
  account_id: string;
  tax_id: string;
  tax_group: string | null;
  description: string | null;
  amount: number | null;
  percentage: number | null;
  tax_code: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface SyncChangesTable {
  seq: Generated<number>;
  txid: number;
  account_id: string;
  collection: string;
  doc_id: string;
  created_at: Generated<string>;
}

export interface DiscountCampaignsTable {
  id: string;
  account_id: string;
  campaign_id: string;
  name: string;
  description: string | null;
  private: number;
  /** JSON object, or null when none was given. */
  metadata: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface DiscountRulesTable {
  /** UUIDv7: the Discount's `id`, in creation order. */
  id: string;
  account_id: string;
  campaign_id: string | null;
  active: number;
  private: number;
  /** `item` | `receipt`, derived from requirement.item.items. */
  type: string;
  /** ISO-8601 UTC, normalised, for the list filters. */
  purchase_from: string;
  purchase_to: string;
  /** The rest of the rule as JSON: name, texts, visible_from, requirement, reward, limitation, metadata, links. */
  body: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface DiscountRuleVersionsTable {
  account_id: string;
  version: number;
}

export interface DiscountRefsTable {
  /** The ref_id (UUIDv7). */
  id: string;
  account_id: string;
  discount_pk: string;
  /** The customer_id, or `*` / `/` for wildcard grants. */
  customer_key: string;
  /** Null for wildcard grants. */
  customer_id: string | null;
  /** `customer` | `any_customer` (`*`) | `no_customer` (`/`). */
  grant_kind: string;
  offering_constraint_id: string | null;
  /** The automation that granted it, if one did. */
  automation_id: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface DiscountUsagesTable {
  id: string;
  account_id: string;
  discount_pk: string;
  ref_id: string;
  /** The ref's grant_kind, copied so the change-feed trigger needs no join. */
  ref_grant: string;
  /** The buyer; null for anonymous purchases. */
  customer_id: string | null;
  /** customer_id, or `/` for anonymous purchases. */
  buyer_key: string;
  /** 1, 2, 3 … per holder (ref_id, buyer_key). */
  seq: number;
  ref: string;
  ref_type: string;
  usage: number;
  stamp: number;
  amount: number;
  bonus: number;
  /** What this entry consumed of a discount_debit rule's balance. */
  debit: number;
  /** The entry this one reverses (claim release). */
  reverses: string | null;
  /** When the purchase happened (receipt or claim purchase_at; the write time for manual entries): the stamps' time. */
  purchase_at: string;
  created_at: string;
  created_by: string;
}

export interface DiscountTotalsTable {
  discount_pk: string;
  /** '' on the rule's row. */
  ref_id: string;
  /** '' on a ref's row over all its holders. */
  buyer_key: string;
  /** UUIDv7; a holder row's id is its DiscountUsage id. */
  id: string;
  account_id: string;
  customer_id: string | null;
  usage: number;
  stamp: number;
  amount: number;
  bonus: number;
  debit: number;
  /** Holder rows under this row (1 on a holder row). */
  holders: number;
  /** Ledger entries folded in; on a holder row the last entry's seq. */
  entries: number;
  /** Holder rows: JSON `[{at, stamp}]`, the stamps still on the card (oldest first); '[]' elsewhere. */
  card: string;
  created_at: string;
  created_by: string;
  updated_at: string;
}

export interface DiscountClaimsTable {
  id: string;
  account_id: string;
  ref: string | null;
  type: string | null;
  purchase_at: string;
  customer_id: string;
  /** The claimed discounts as JSON. */
  discounts: string;
  request_hash: string;
  created_at: string;
  created_by: string;
  /** Set when the claim is released. */
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface DiscountCustomerTokensTable {
  account_id: string;
  token_type: string;
  token_value: string;
  token_id: string | null;
  customer_id: string;
  created_at: string;
  updated_at: string;
  removed_at: string | null;
}

export interface DiscountEventDeliveriesTable {
  account_id: string;
  delivery_id: string;
  event: string;
  created_at: string;
}

export interface AutomationsTable {
  id: string;
  account_id: string;
  automation_from: string;
  automation_to: string;
  /** name, description, requirement, limitation, actions as JSON. */
  body: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

export interface AutomationRunsTable {
  id: string;
  account_id: string;
  automation_pk: string;
  /** The event's customer_id, '' when it has none. */
  customer_key: string;
  event_key: string;
  event: string;
  created_at: string;
}

export interface Database extends WebhooksTables, CustomersTables, ReceiptsTables, LoyaltyTables, OfflineTables {
  accounts: AccountsTable;
  api_clients: ApiClientsTable;
  signing_keys: SigningKeysTable;
  server_secrets: ServerSecretsTable;
  wallet_cards: WalletCardsTable;
  wallet_tokens: WalletTokensTable;
  wallet_transactions: WalletTransactionsTable;
  wallet_token_uses: WalletTokenUsesTable;
  wallet_auth_events: WalletAuthEventsTable;
  catalogs: CatalogsTable;
  products: ProductsTable;
  product_barcodes: ProductBarcodesTable;
  product_groups: ProductGroupsTable;
  tax_groups: TaxGroupsTable;
  sync_changes: SyncChangesTable;
  discount_campaigns: DiscountCampaignsTable;
  discount_rules: DiscountRulesTable;
  discount_rule_versions: DiscountRuleVersionsTable;
  discount_refs: DiscountRefsTable;
  discount_usages: DiscountUsagesTable;
  discount_totals: DiscountTotalsTable;
  discount_claims: DiscountClaimsTable;
  discount_customer_tokens: DiscountCustomerTokensTable;
  discount_event_deliveries: DiscountEventDeliveriesTable;
  automations: AutomationsTable;
  automation_runs: AutomationRunsTable;
}
