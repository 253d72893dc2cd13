/**
 * How much a gift card may pay while the till is offline: the one rule the till applies before it
 * hands anything out and the server applies again when the entries arrive.
 *
 * The amount is the least of: what is due (or what the cashier asked for), what is left of the
 * card's signed allowance, what is left of the policy's per-card cap, and what is left of the
 * terminal's cap. "Left" subtracts this terminal's offline drawdowns the server has not confirmed
 * yet: those against the same allowance for the card caps, all of them for the terminal cap.
 * Refused outright: no lease or an expired one, the policy off, a card with no allowance (the
 * snapshot says why), another currency, the card's offline uses spent, or nothing left.
 */
import { err, ok, type Result } from '../result.ts';
import type { OfflineAllowanceClaims, OfflineLeaseClaims } from '../contracts/offline.ts';

export type OfflineRefusal =
  | 'OFFLINE_NO_LEASE'
  | 'OFFLINE_LEASE_EXPIRED'
  | 'OFFLINE_DISABLED'
  | 'OFFLINE_CARD_BLOCKED'
  | 'OFFLINE_CURRENCY'
  | 'OFFLINE_USES_SPENT'
  | 'OFFLINE_NOTHING_LEFT'
  | 'OFFLINE_ABOVE_ALLOWANCE';

export interface OfflineUse {
  /** This terminal's unconfirmed offline drawdowns on this card under this allowance. */
  readonly card: { readonly amount: number; readonly count: number };
  /** This terminal's unconfirmed offline drawdowns in this currency, all cards. */
  readonly terminal: number;
}

export interface OfflineGiftCardInput {
  readonly lease: OfflineLeaseClaims | null;
  readonly allowance: OfflineAllowanceClaims | null;
  /** The snapshot's reason the card is not usable offline, when it has no allowance. */
  readonly blocked?: string | undefined;
  readonly currency: string;
  readonly due: number;
  /** An amount the cashier asked for; refused (not reduced) when above what is allowed. */
  readonly requested?: number | undefined;
  readonly used: OfflineUse;
  readonly now: Date;
}

export interface OfflineGiftCardGrant {
  /** What the card pays now. */
  readonly amount: number;
  /** The most it could have paid, and which cap set it (for the cashier). */
  readonly limit: number;
  readonly limitedBy: 'due' | 'allowance' | 'card_cap' | 'terminal_cap';
  /** Uses left on this card after this one. */
  readonly usesLeft: number;
}

export function offlineGiftCardAmount(i: OfflineGiftCardInput): Result<OfflineGiftCardGrant, OfflineRefusal> {
  const lease = i.lease;
  if (lease === null) return err('OFFLINE_NO_LEASE', 'This till has no offline permission from the server yet, so gift cards need the server.');
  if (Date.parse(lease.expires_at) <= i.now.getTime()) return err('OFFLINE_LEASE_EXPIRED', `Offline gift cards stopped ${lease.policy.max_hours_since_sync} h after this till last reached the server.`);
  const p = lease.policy;
  if (!p.enabled) return err('OFFLINE_DISABLED', 'This store does not take gift cards offline.');
  const a = i.allowance;
  if (a === null) return err('OFFLINE_CARD_BLOCKED', i.blocked ?? 'This card cannot be used offline.');
  if (a.currency !== i.currency) return err('OFFLINE_CURRENCY', `This card is in ${a.currency}; the sale is in ${i.currency}.`);
  const maxUses = p.max_redemptions_per_card;
  if (i.used.card.count >= maxUses) {
    return err('OFFLINE_USES_SPENT', `Offline, a card may pay ${maxUses === 1 ? 'once' : `${maxUses} times`} on this till until it reaches the server again.`);
  }
  const caps: Array<[OfflineGiftCardGrant['limitedBy'], number]> = [
    ['allowance', a.max_amount - i.used.card.amount],
    ['card_cap', p.max_amount_per_card - i.used.card.amount],
    ['terminal_cap', p.max_amount_per_terminal - i.used.terminal],
  ];
  let [limitedBy, limit] = caps.reduce((m, c) => (c[1] < m[1] ? c : m));
  limit = Math.max(0, limit);
  if (limit === 0) {
    const why = limitedBy === 'terminal_cap' ? 'this till has handed out all it may from gift cards offline' : 'nothing is left of what this card may pay offline';
    return err('OFFLINE_NOTHING_LEFT', `Offline, ${why}.`);
  }
  if (i.requested !== undefined && i.requested > limit) {
    return err('OFFLINE_ABOVE_ALLOWANCE', `Offline, this card can pay at most ${limit} (minor units) here; ${i.requested} is above that.`);
  }
  const wanted = i.requested ?? i.due;
  if (wanted <= limit) return ok({ amount: wanted, limit, limitedBy: i.requested === undefined ? 'due' : limitedBy, usesLeft: maxUses - i.used.card.count - 1 });
  return ok({ amount: limit, limit, limitedBy, usesLeft: maxUses - i.used.card.count - 1 });
}
