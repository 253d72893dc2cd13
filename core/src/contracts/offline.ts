/**
 * Offline gift cards (issue 6), our extension under `/v1/accounts/{aid}/sync/offline/…`.
 *
 * - A **policy** (account default, optionally overridden per store) caps what a till may hand out
 *   from gift cards while it cannot reach the server: per card, per terminal, how many times per
 *   card, and for how long after its last contact with the server.
 * - A **lease** is what a till gets each time it talks to the server: the policy in force for its
 *   store, signed, valid for `max_hours_since_sync`. Offline, its expiry is the countdown the till
 *   shows; once it has run out the till refuses gift cards offline.
 * - Each replicated gift card carries a signed **allowance**: the amount available on it when the
 *   snapshot was made, at which ledger position. The policy's caps come from the lease, so a policy
 *   change re-signs no card. With it come lookup keys, so a scanned card number resolves to the
 *   card without the server ever giving out the number itself.
 * - Offline drawdowns go up as **entries** with the till's own `ref_id`; the server applies every
 *   one (money already handed out is never dropped), and lists an **exception** for each that
 *   overdrew the card or went outside its allowance.
 *
 * Signed values are compact JWS signed with EdDSA (Ed25519: ~10× cheaper to sign than RS256, and
 * 10k cards are signed at initial sync) by a key of its own, not the access-token key, with `typ`
 * `pos-offline-lease+jwt` or `pos-offline-allowance+jwt`; the public key comes with every lease
 * (`public_key`, a JWK with `kid`). The payload schemas below are what the JWS carry.
 */
import { z } from 'zod';
import { CurrencySchema } from '../money.ts';

const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const OfflinePolicySchema = z.strictObject({
  /** Off: no gift card is spent offline at all. */
  enabled: z.boolean(),
  /** Most one card may pay offline (per allowance, i.e. until the till syncs again), minor units. */
  max_amount_per_card: Minor,
  /** Most one terminal may hand out from gift cards while offline, all cards together. */
  max_amount_per_terminal: Minor,
  /** How many offline payments one card may make on one terminal before the till syncs again. */
  max_redemptions_per_card: z.number().int().min(0).max(100),
  /** Offline gift cards stop this long after the till last reached the server. */
  max_hours_since_sync: z.number().min(0.01).max(168),
});
export type OfflinePolicy = z.infer<typeof OfflinePolicySchema>;

/** What an account starts with until someone sets a policy. */
export const DEFAULT_OFFLINE_POLICY: OfflinePolicy = {
  enabled: true,
  max_amount_per_card: 50_000,
  max_amount_per_terminal: 200_000,
  max_redemptions_per_card: 1,
  max_hours_since_sync: 24,
};

/** `PUT /sync/offline/policy` (account) and `PUT /sync/offline/stores/{store_id}/policy`: every field optional. */
export const OfflinePolicyUpdateSchema = OfflinePolicySchema.partial();

/** A store's override as stored and returned: only the fields it sets; the rest come from the account. */
export const StoreOfflinePolicySchema = z.object({ store_id: z.string(), policy: OfflinePolicyUpdateSchema, updated_at: z.string() });

/** `POST /sync/offline/lease` body. */
export const OfflineLeaseRequestSchema = z.strictObject({ store_id: z.string().min(1).max(255) });

export const OfflineLeaseClaimsSchema = z.object({
  lease_id: z.string(),
  account_id: z.string(),
  store_id: z.string(),
  /** The API client the lease was issued to. */
  terminal_id: z.string(),
  /** The policy in force for this store when issued (account default merged with the store's override). */
  policy: OfflinePolicySchema,
  /** Salt of the card-number lookup keys (see OFFLINE_LOOKUP). */
  lookup_salt: z.string(),
  issued_at: z.string(),
  expires_at: z.string(),
});
export type OfflineLeaseClaims = z.infer<typeof OfflineLeaseClaimsSchema>;

/** `POST /sync/offline/lease` answer: the signed lease, what it says, and the key that verifies it and the allowances. */
export const OfflineLeaseResponseSchema = z.object({
  lease: z.string(),
  claims: OfflineLeaseClaimsSchema,
  public_key: z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string() }),
});

export const OfflineAllowanceClaimsSchema = z.object({
  account_id: z.string(),
  /** The card's server id (= the gift_cards document id). */
  card_pk: z.string(),
  card_id: z.string(),
  currency: CurrencySchema,
  /** amount_available when the snapshot was made: offline the card never pays more than this. */
  max_amount: Minor,
  /** The card's ledger position this allowance was computed at: a new entry means a new allowance. */
  version: z.number().int().min(0),
  issued_at: z.string(),
});
export type OfflineAllowanceClaims = z.infer<typeof OfflineAllowanceClaimsSchema>;

/**
 * What a gift card document (GiftCardDocSchema) carries for offline use. `allowance` is absent
 * when the card may not be used offline, and `blocked` says why in words a cashier understands
 * (under review after an offline overdraw, expired, deleted, nothing available, PIN not checkable
 * offline, policy disabled).
 */
export const GiftCardOfflineSchema = z.object({
  allowance: z.string().optional(),
  /** Lookup keys of the card's permanent tokens (OFFLINE_LOOKUP). */
  lookup: z.array(z.string()),
  /** How to check the PIN offline (OFFLINE_PIN); absent for cards without a PIN. */
  pin_check: z.object({ salt: z.string(), hash: z.string() }).optional(),
  /** True while the card has an open offline exception: it is not used offline until resolved. */
  under_review: z.boolean(),
  blocked: z.string().optional(),
});
export type GiftCardOffline = z.infer<typeof GiftCardOfflineSchema>;

/**
 * Card-number lookup key: lowercase hex of PBKDF2-HMAC-SHA256(password = lowercase hex SHA-256 of
 * the token as UTF-8, salt = UTF-8 of the lease's `lookup_salt`, OFFLINE_LOOKUP.iterations, 32 bytes).
 * The server derives it from the token hash it already stores; the till from the scanned number.
 * The iterations make a stolen replica useless for recovering card numbers.
 */
export const OFFLINE_LOOKUP = { hash: 'SHA-256', iterations: 20_000, bytes: 32 } as const;
/**
 * Offline PIN check: lowercase hex of PBKDF2-HMAC-SHA256(password = the PIN as UTF-8, salt = UTF-8
 * of `pin_check.salt`, OFFLINE_PIN.iterations, 32 bytes). Set when the PIN is made (the server sees
 * it only then); cards whose PIN predates this have no check and are not usable offline.
 */
export const OFFLINE_PIN = { hash: 'SHA-256', iterations: 100_000, bytes: 32 } as const;

/** One offline drawdown, as the till records it at the sale's commit and pushes it later. */
export const OfflineWalletEntrySchema = z.strictObject({
  /** The till's own id for this drawdown: the idempotency key on the card's ledger. */
  ref_id: z.string().min(1).max(255),
  card_pk: z.string().min(1).max(64),
  card_id: z.string().min(1).max(255),
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  currency: CurrencySchema,
  /** When the cashier took it (the till's clock). */
  created_at: z.iso.datetime({ offset: true }),
  store_id: z.string().min(1).max(255),
  sale_id: z.string().min(1).max(255),
  /** The signed allowance and lease the till relied on. */
  allowance: z.string().min(1).max(8192),
  lease: z.string().min(1).max(8192),
});
export type OfflineWalletEntry = z.infer<typeof OfflineWalletEntrySchema>;

/** `POST /sync/offline/wallet_entries` body: 1–500 entries, applied in order, each once by (card, ref_id). */
export const OfflineWalletEntriesPushSchema = z.strictObject({ entries: z.array(OfflineWalletEntrySchema).min(1).max(500) });

export const OFFLINE_EXCEPTION_KINDS = ['overdraw', 'outside_allowance', 'unknown_card', 'card_inactive'] as const;

export const OfflineEntryResultSchema = z.object({
  ref_id: z.string(),
  /** `applied`: on the ledger now; `duplicate`: it already was (a resend). */
  status: z.enum(['applied', 'duplicate']),
  /** The ledger entry (absent when nothing could be drawn: unknown card, empty card). */
  transaction_id: z.string().optional(),
  /** What went on the ledger: the entry's amount, or less when the card had less. */
  applied_amount: Minor,
  exception_id: z.string().optional(),
});
export const OfflineWalletEntriesResultSchema = z.object({ results: z.array(OfflineEntryResultSchema) });

export const OfflineExceptionSchema = z.object({
  id: z.string(),
  created_at: z.string(),
  kind: z.enum(OFFLINE_EXCEPTION_KINDS),
  /** A sentence for the manager: what happened and what to do about it. */
  message: z.string(),
  card_id: z.string(),
  card_pk: z.string().optional(),
  ref_id: z.string(),
  sale_id: z.string(),
  store_id: z.string(),
  terminal_id: z.string(),
  currency: CurrencySchema,
  /** What the till handed out. */
  amount: Minor,
  /** What the card's ledger could take. */
  applied_amount: Minor,
  /** amount − applied_amount: money handed out that no card balance covers. */
  shortfall: Minor,
  status: z.enum(['open', 'resolved']),
  resolved_at: z.string().optional(),
  resolved_by: z.string().optional(),
  resolution: z.string().optional(),
});
export type OfflineException = z.infer<typeof OfflineExceptionSchema>;

/** `POST /sync/offline/exceptions/{id}/resolve` body. */
export const OfflineExceptionResolveSchema = z.strictObject({ resolution: z.string().min(1).max(1000) });
