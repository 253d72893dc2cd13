/**
 * What a gift card document carries for offline use (GiftCardOfflineSchema): built by the Wallets
 * service's `syncGiftCards` from the card and ledger it owns, with the account's offline pieces
 * from here (signing key, lookup salt, open exceptions). Everything slow is done before a pull:
 * lookup keys are stored, the key is loaded once, a signature is ~40 µs.
 */
import type { GiftCardOffline, OfflineAllowanceClaims } from '@pos/core';
import type { Clock } from '../../clock.ts';
import { newLookupSalt } from './derive.ts';
import type { OfflineRepo } from './repo.ts';
import { ALLOWANCE_TYP, newOfflineKey, OFFLINE_KEY_SECRET, offlineSigner, type OfflineSigner } from './signing.ts';

/** The offline pieces the Wallets service needs, per account and per process. */
export interface OfflineCardPort {
  signer(): Promise<OfflineSigner>;
  lookupSalt(accountId: string): Promise<string>;
  underReview(accountId: string, cardPks: readonly string[]): Promise<ReadonlySet<string>>;
}

export function createOfflineCardPort(repo: OfflineRepo, clock: Clock): OfflineCardPort {
  let signer: Promise<OfflineSigner> | undefined;
  // A salt never changes once made, so a process keeps what it read.
  const salts = new Map<string, Promise<string>>();
  return {
    signer() {
      signer ??= repo.getOrCreateSecret(OFFLINE_KEY_SECRET, newOfflineKey, clock.now().toISOString()).then(offlineSigner);
      // A failed load is retried by the next caller rather than cached.
      signer.catch(() => (signer = undefined));
      return signer;
    },
    lookupSalt(accountId) {
      let s = salts.get(accountId);
      if (s === undefined) {
        s = repo.ensureSettings(accountId, newLookupSalt, clock.now().toISOString()).then((r) => r.lookup_salt);
        s.catch(() => salts.delete(accountId));
        salts.set(accountId, s);
      }
      return s;
    },
    underReview: (accountId, cardPks) => repo.cardsUnderReview(accountId, cardPks),
  };
}

export interface CardOfflineInput {
  readonly accountId: string;
  readonly card: { id: string; card_id: string; currency: OfflineAllowanceClaims['currency']; deleted_at: string | null; expires_at: string | null; active_from: string | null; pin_hash: string | null; offline_pin_salt: string | null; offline_pin_hash: string | null };
  readonly amountAvailable: number;
  /** The card's ledger head position (0 before any entry). */
  readonly version: number;
  readonly lookups: readonly string[];
  readonly underReview: boolean;
  readonly now: Date;
}

const day = (iso: string): string => iso.slice(0, 10);

/** Why a card may not be used offline, in a cashier's words; undefined when it may. */
export function offlineBlock(i: CardOfflineInput): string | undefined {
  const c = i.card;
  const now = i.now.toISOString();
  if (c.deleted_at !== null) return 'This card was deleted.';
  if (i.underReview) return 'This card is under review after an offline payment: a manager must resolve that before it is used offline again.';
  if (c.expires_at !== null && c.expires_at <= now) return `This card expired on ${day(c.expires_at)}.`;
  if (c.active_from !== null && c.active_from > now) return `This card can be used from ${day(c.active_from)}.`;
  if (c.pin_hash !== null && (c.offline_pin_salt === null || c.offline_pin_hash === null)) {
    return "This card's PIN cannot be checked offline (it was made before offline payments existed): it needs the server.";
  }
  if (i.amountAvailable <= 0) return 'Nothing is available on this card.';
  return undefined;
}

export function cardOffline(i: CardOfflineInput, signer: OfflineSigner): GiftCardOffline {
  const c = i.card;
  const blocked = offlineBlock(i);
  const pinCheck = c.offline_pin_salt !== null && c.offline_pin_hash !== null ? { pin_check: { salt: c.offline_pin_salt, hash: c.offline_pin_hash } } : {};
  if (blocked !== undefined) return { lookup: [...i.lookups], ...pinCheck, under_review: i.underReview, blocked };
  const claims: OfflineAllowanceClaims = {
    account_id: i.accountId, card_pk: c.id, card_id: c.card_id, currency: c.currency, max_amount: i.amountAvailable, version: i.version, issued_at: i.now.toISOString(),
  };
  return { allowance: signer.sign(ALLOWANCE_TYP, claims), lookup: [...i.lookups], ...pinCheck, under_review: i.underReview };
}
