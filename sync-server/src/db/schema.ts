import type { Generated } from 'kysely';
/** Kysely table types. Timestamps are ISO-8601 UTC strings on both SQLite and PostgreSQL. */

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

export interface Database {
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
}
