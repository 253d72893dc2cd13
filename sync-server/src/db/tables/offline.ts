/** Tables of offline gift cards (migration 0010), owned by the Offline service. */

/**
 * One row per account that has used offline gift cards: its policy (null until someone sets
 * one, DEFAULT_OFFLINE_POLICY applies then) and the salt of its card-number lookup keys, made
 * once and never changed (every stored lookup key depends on it).
 */
export interface OfflineSettingsTable {
  account_id: string;
  /** OfflinePolicy as JSON, or null for the default. */
  policy: string | null;
  lookup_salt: string;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

/** A store's override of the account policy: only the fields it sets (OfflinePolicyUpdate as JSON). */
export interface OfflineStorePoliciesTable {
  account_id: string;
  store_id: string;
  policy: string;
  updated_at: string;
  updated_by: string;
}

/** Every offline drawdown a till pushed, once per (account, card_key, ref_id), with what the ledger took. */
export interface WalletOfflineEntriesTable {
  id: string;
  account_id: string;
  /** card_pk of the card it was applied to, or '' when no card matched: the uniqueness key. */
  card_key: string;
  card_pk: string | null;
  /** As the till sent it. */
  card_id: string;
  ref_id: string;
  amount: number;
  applied_amount: number;
  currency: string;
  terminal_id: string;
  store_id: string;
  sale_id: string;
  /** From the verified lease / allowance; null when they could not be verified. */
  lease_id: string | null;
  allowance_version: number | null;
  /** When the cashier took it (the till's clock). */
  created_at: string;
  received_at: string;
  transaction_id: string | null;
  exception_id: string | null;
}

/** OfflineExceptionSchema as rows: one per entry that needs a manager's look. */
export interface WalletOfflineExceptionsTable {
  id: string;
  account_id: string;
  kind: string;
  message: string;
  card_id: string;
  card_pk: string | null;
  ref_id: string;
  sale_id: string;
  store_id: string;
  terminal_id: string;
  currency: string;
  amount: number;
  applied_amount: number;
  shortfall: number;
  /** `open` | `resolved`. */
  status: string;
  created_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
  resolution: string | null;
}

export interface OfflineTables {
  offline_settings: OfflineSettingsTable;
  offline_store_policies: OfflineStorePoliciesTable;
  wallet_offline_entries: WalletOfflineEntriesTable;
  wallet_offline_exceptions: WalletOfflineExceptionsTable;
}
