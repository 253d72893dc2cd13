/**
 * How much a gift card may pay while the till is offline: the one rule the till applies before it
 * hands anything out and the server applies again when the entries arrive.
 *
 * The amount is the least of: what is due (or what the cashier asked for), what is left of the
 * card's signed allowance, what is left of the policy's per-card cap, and what is left of the
 * terminal's cap. "Left" subtracts this terminal's offline drawdowns the server has not confirmed
 * yet: those against the same allowance for the card caps, all of them for the terminal cap.
 * Refused outright: no lease or an expired one, the policy off, a card with no allowance (the
 * snapshot says why), another currency, the card's offline uses spent, or nothing left. An amount
 * the cashier asked for above what is allowed is refused, not reduced: the cashier said how much,
 * and a silent cut would leave the customer paying an amount nobody agreed to.
 *
 * Answers carry numbers as well as a sentence (money formatted with money-format), so the till can
 * show "at most 200,00 kr: the store's offline limit per card" and the server can log the same.
 */
import { err, ok, type DomainError } from '../result.ts';
import { isCurrency } from '../money.ts';
import { formatMoney } from '../money-format.ts';
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

/** The three limits on an offline gift card payment besides what is due. */
export type OfflineCap = 'allowance' | 'card_cap' | 'terminal_cap';

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
  /** What is still to pay on the sale: a positive integer in minor units. */
  readonly due: number;
  /** An amount the cashier asked for; refused (not reduced) when above what is allowed. Capped at `due`. */
  readonly requested?: number | undefined;
  readonly used: OfflineUse;
  readonly now: Date;
}

export interface OfflineGiftCardGrant {
  /** What the card pays now: never more than due, the request, or `limit`. */
  readonly amount: number;
  /** The most the card may pay offline now, whatever is due. */
  readonly limit: number;
  /** What decided `amount`: `due` when it is all that was due (or asked for), else the cap that cut it. */
  readonly limitedBy: 'due' | OfflineCap;
  /** Which cap sets `limit`. */
  readonly cap: OfflineCap;
  /** What is still due after this payment: to be paid another way. */
  readonly rest: number;
  /** Uses left on this card after this one. */
  readonly usesLeft: number;
  /** When offline gift cards stop on this till (the lease's expiry). */
  readonly expiresAt: string;
}

/** A refusal, with the numbers behind it when there are any (for the till to show). */
export interface OfflineRefusalError extends DomainError<OfflineRefusal> {
  readonly limit?: number;
  readonly cap?: OfflineCap;
  readonly usesLeft?: number;
  readonly expiresAt?: string;
}

export type OfflineGiftCardResult = { readonly ok: true; readonly value: OfflineGiftCardGrant } | { readonly ok: false; readonly error: OfflineRefusalError };

/** The cap, in the words a cashier reads after "at most X:". */
export const OFFLINE_CAP_TEXT: Readonly<Record<OfflineCap, string>> = {
  allowance: 'what the card had when this till last synced',
  card_cap: "the store's offline limit per card",
  terminal_cap: "what is left of this till's offline limit for gift cards",
};

/** "3 h 12 min", "12 min", "45 s": how long until `until`, for people (rounded down). */
export function describeTimeLeft(ms: number): string {
  if (ms <= 0) return '0 min';
  const totalMin = Math.floor(ms / 60_000);
  if (totalMin === 0) return `${Math.floor(ms / 1000)} s`;
  const h = Math.floor(totalMin / 60);
  const min = totalMin % 60;
  return h === 0 ? `${min} min` : `${h} h ${min} min`;
}

const usesText = (n: number): string => (n === 1 ? '1 use' : `${n} uses`);

export function offlineGiftCardAmount(i: OfflineGiftCardInput): OfflineGiftCardResult {
  if (!Number.isSafeInteger(i.due) || i.due <= 0) throw new RangeError(`due ${i.due} is not a positive integer in minor units`);
  if (i.requested !== undefined && (!Number.isSafeInteger(i.requested) || i.requested <= 0)) throw new RangeError(`requested ${i.requested} is not a positive integer in minor units`);
  const lease = i.lease;
  if (lease === null) return err('OFFLINE_NO_LEASE', 'This till has no offline permission from the server yet, so gift cards need the server.');
  const p = lease.policy;
  const expiresAt = lease.expires_at;
  if (Date.parse(expiresAt) <= i.now.getTime()) {
    return err('OFFLINE_LEASE_EXPIRED', `Gift cards need the server again: offline use stops ${p.max_hours_since_sync} h after this till last reached it (store policy).`);
  }
  if (!p.enabled) return err('OFFLINE_DISABLED', 'This store does not take gift cards while the till is offline (store policy).');
  const a = i.allowance;
  if (a === null) return err('OFFLINE_CARD_BLOCKED', i.blocked ?? 'This card cannot be used offline.');
  if (a.currency !== i.currency) return err('OFFLINE_CURRENCY', `This card is in ${a.currency}; the sale is in ${i.currency}.`);
  const money = (minor: number): string => (isCurrency(a.currency) ? formatMoney(minor, a.currency) : `${minor} (minor units)`);
  const maxUses = p.max_redemptions_per_card;
  if (i.used.card.count >= maxUses) {
    const why = maxUses === 0 ? 'this store lets no card pay while the till is offline' : `a card may pay ${maxUses === 1 ? 'once' : `${maxUses} times`} on this till until it reaches the server again (store policy)`;
    return { ok: false, error: { code: 'OFFLINE_USES_SPENT', message: `Offline, ${why}.`, usesLeft: 0, expiresAt } };
  }
  const usesLeft = maxUses - i.used.card.count - 1;
  const caps: ReadonlyArray<readonly [OfflineCap, number]> = [
    ['allowance', a.max_amount - i.used.card.amount],
    ['card_cap', p.max_amount_per_card - i.used.card.amount],
    ['terminal_cap', p.max_amount_per_terminal - i.used.terminal],
  ];
  // First of the smallest wins a tie, so the reason given is the card's own before the store's.
  const [cap, least] = caps.reduce((m, c) => (c[1] < m[1] ? c : m));
  const limit = Math.max(0, least);
  if (limit === 0) {
    const why = cap === 'terminal_cap' ? 'this till has handed out all it may from gift cards' : cap === 'card_cap' ? "this card has paid the store's offline limit per card" : 'nothing is left on this card from when the till last synced';
    return { ok: false, error: { code: 'OFFLINE_NOTHING_LEFT', message: `Offline, ${why}.`, limit: 0, cap, usesLeft, expiresAt } };
  }
  const left = `${usesText(usesLeft + 1)} left, offline for another ${describeTimeLeft(Date.parse(expiresAt) - i.now.getTime())}`;
  if (i.requested !== undefined && i.requested > limit) {
    return {
      ok: false,
      error: { code: 'OFFLINE_ABOVE_ALLOWANCE', message: `Offline, this card can pay at most ${money(limit)}: ${OFFLINE_CAP_TEXT[cap]} (${left}). ${money(i.requested)} is above that.`, limit, cap, usesLeft, expiresAt },
    };
  }
  const wanted = Math.min(i.requested ?? i.due, i.due);
  const amount = Math.min(wanted, limit);
  return ok({ amount, limit, limitedBy: amount === wanted ? 'due' : cap, cap, rest: i.due - amount, usesLeft, expiresAt });
}
