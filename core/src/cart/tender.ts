/**
 * Paying a total with split tenders, in any order (cash, gift cards, external card terminal).
 *
 * Rules:
 * - A tender's `amount` is what it *pays* toward the total, in minor units; it is never more than
 *   what was due when it was taken. So Σ amount ≤ total always, and the sale is paid exactly when
 *   Σ amount = total.
 * - Cash is the only tender that over-tenders: the customer hands over `given`, the till accepts
 *   min(given, due) and hands back the rest as change. Once the total is paid, nothing more is
 *   accepted (`TENDER_NOTHING_DUE`), so at most the last cash tender carries change.
 * - A gift card pays min(available, due); 0 means it cannot pay (empty card, or nothing due). The
 *   wallet transaction is made for exactly that amount and the tender records its ids.
 * - An external card payment defaults to the whole amount due; a partial amount is allowed, more
 *   than due is refused (`TENDER_EXCEEDS_DUE`) — a card terminal gives no change.
 * - Refusals are values; a negative or fractional total/due is a bug in the caller and throws.
 */
import { err, ok, type Result } from '../result.ts';

export type Tender =
  | { readonly kind: 'cash'; readonly amount: number; readonly given: number }
  | { readonly kind: 'gift_card'; readonly amount: number; readonly card_id: string; readonly transaction_id: string }
  | { readonly kind: 'external_card'; readonly amount: number }
  /**
   * A gift card taken while the server was unreachable, within its offline allowance
   * (wallet/offline-allowance.ts): no wallet transaction exists yet. It becomes an offline wallet
   * entry (contracts/offline.ts) with this `ref_id` when the sale is committed.
   */
  | {
    readonly kind: 'gift_card_offline';
    readonly amount: number;
    readonly card_id: string;
    readonly card_pk: string;
    readonly currency: string;
    readonly ref_id: string;
    readonly created_at: string;
    /** The signed allowance and lease it was taken under. */
    readonly allowance: string;
    readonly lease: string;
  };

export type CashTender = Extract<Tender, { kind: 'cash' }>;
export type GiftCardTender = Extract<Tender, { kind: 'gift_card' }>;
export type ExternalCardTender = Extract<Tender, { kind: 'external_card' }>;
export type OfflineGiftCardTender = Extract<Tender, { kind: 'gift_card_offline' }>;

export type TenderErrorCode = 'TENDER_AMOUNT_INVALID' | 'TENDER_NOTHING_DUE' | 'TENDER_EXCEEDS_DUE';

/** Σ amount of the tenders. */
export const tenderedAmount = (tenders: readonly Tender[]): number => tenders.reduce((sum, t) => sum + t.amount, 0);

/** What is still to pay: total − Σ amount, never negative. */
export function amountDue(total: number, tenders: readonly Tender[]): number {
  assertMinor('total', total);
  return Math.max(0, total - tenderedAmount(tenders));
}

export const isPaid = (total: number, tenders: readonly Tender[]): boolean => amountDue(total, tenders) === 0;

/** Change to hand back: Σ (given − amount) over the cash tenders. */
export const changeDue = (tenders: readonly Tender[]): number =>
  tenders.reduce((sum, t) => (t.kind === 'cash' ? sum + (t.given - t.amount) : sum), 0);

/** Cash handed over: accepts min(given, due); the rest is change. */
export function cashTender(due: number, given: number): Result<{ readonly tender: CashTender; readonly change: number }, TenderErrorCode> {
  assertMinor('due', due);
  if (due === 0) return nothingDue();
  if (!isPositiveInt(given)) return err('TENDER_AMOUNT_INVALID', `cash given ${given} is not a positive integer in minor units`);
  const amount = Math.min(given, due);
  return ok({ tender: { kind: 'cash', amount, given }, change: given - amount });
}

/** What a gift card with `available` can pay toward `due`: min(available, due); 0 means it cannot pay. */
export function giftCardAmount(available: number, due: number): number {
  assertMinor('due', due);
  if (!Number.isSafeInteger(available)) throw new RangeError(`available ${available} is not an integer in minor units`);
  return Math.max(0, Math.min(available, due));
}

/** A payment on the external card terminal: the whole due by default, or a part of it. */
export function externalTender(due: number, amount?: number): Result<ExternalCardTender, TenderErrorCode> {
  assertMinor('due', due);
  if (due === 0) return nothingDue();
  const value = amount ?? due;
  if (!isPositiveInt(value)) return err('TENDER_AMOUNT_INVALID', `card amount ${value} is not a positive integer in minor units`);
  if (value > due) return err('TENDER_EXCEEDS_DUE', `card amount ${value} exceeds the ${due} due`);
  return ok({ kind: 'external_card', amount: value });
}

const isPositiveInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

const nothingDue = () => err('TENDER_NOTHING_DUE', 'nothing is due');

function assertMinor(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} ${n} is not a non-negative integer in minor units`);
}
