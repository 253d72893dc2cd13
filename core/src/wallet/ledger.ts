/**
 * Gift-card ledger rules. A card's money is an append-only list of entries; balances are folds.
 *
 * - `fund` adds to the balance.
 * - `drawdown` takes from the balance at once; with a `parent_id` it is the capture of a pending entry.
 * - `pending_capture` locks an amount: the balance keeps it, `amount_available` does not.
 * - `voided` releases what is left of a pending entry (it always carries a `parent_id`).
 *
 * Invariants kept by `planEntry`: the balance never goes below zero, the pending total never
 * exceeds the balance, and so `0 ≤ amount_available ≤ amount_balance`.
 */
import { err, ok, type Result } from '../result.ts';

export type EntryType = 'fund' | 'drawdown' | 'pending_capture' | 'voided';

export interface LedgerEntry {
  readonly type: EntryType;
  readonly amount: number;
  /** For captures (`drawdown`) and voids: the pending entry they settle. */
  readonly parent_id: string | null;
}

export interface CardTotals {
  /** Balance including amounts locked by open pending entries. */
  readonly amount_balance: number;
  /** Sum of open pending locks. */
  readonly amount_pending: number;
  readonly amount_funds: number;
  readonly amount_drawdown: number;
}

export const EMPTY_TOTALS: CardTotals = { amount_balance: 0, amount_pending: 0, amount_funds: 0, amount_drawdown: 0 };

export const amountAvailable = (t: CardTotals): number => t.amount_balance - t.amount_pending;

/** Applies one entry to running totals. Captures and voids release the lock they settle. */
export function applyEntry(t: CardTotals, e: LedgerEntry): CardTotals {
  switch (e.type) {
    case 'fund':
      return { ...t, amount_balance: t.amount_balance + e.amount, amount_funds: t.amount_funds + e.amount };
    case 'drawdown':
      return {
        ...t,
        amount_balance: t.amount_balance - e.amount,
        amount_drawdown: t.amount_drawdown + e.amount,
        amount_pending: e.parent_id === null ? t.amount_pending : t.amount_pending - e.amount,
      };
    case 'pending_capture':
      return { ...t, amount_pending: t.amount_pending + e.amount };
    case 'voided':
      return { ...t, amount_pending: t.amount_pending - e.amount };
  }
}

export const foldEntries = (entries: Iterable<LedgerEntry>): CardTotals => {
  let totals = EMPTY_TOTALS;
  for (const e of entries) totals = applyEntry(totals, e);
  return totals;
};

/** What is left to capture or void of a pending entry, given the entries that settle it. */
export function pendingRemaining(pending: LedgerEntry, settlements: Iterable<LedgerEntry>): number {
  let left = pending.amount;
  for (const s of settlements) left -= s.amount;
  return left;
}

export type LedgerErrorCode =
  | 'WALLET_INSUFFICIENT_FUNDS'
  | 'WALLET_NOT_PENDING'
  | 'WALLET_CAPTURE_EXCEEDS_PENDING'
  | 'WALLET_NOTHING_TO_SETTLE'
  | 'WALLET_AMOUNT_INVALID';

export type LedgerRequest =
  | { readonly kind: 'fund'; readonly amount: number }
  | { readonly kind: 'drawdown'; readonly amount: number; readonly pending: boolean }
  | { readonly kind: 'capture'; readonly parent: LedgerEntry & { readonly id: string }; readonly remaining: number; readonly amount?: number | undefined }
  | { readonly kind: 'void'; readonly parent: LedgerEntry & { readonly id: string }; readonly remaining: number };

/**
 * Decides the entry a request appends, or why it is refused. Refusals change nothing, so a
 * drawdown above `amount_available` never becomes a partial one: the till asks for what it can take.
 */
export function planEntry(totals: CardTotals, req: LedgerRequest): Result<LedgerEntry, LedgerErrorCode> {
  switch (req.kind) {
    case 'fund':
      if (!isPositiveInt(req.amount)) return err('WALLET_AMOUNT_INVALID', 'amount must be a positive integer in minor units');
      return ok({ type: 'fund', amount: req.amount, parent_id: null });
    case 'drawdown': {
      if (!isPositiveInt(req.amount)) return err('WALLET_AMOUNT_INVALID', 'amount must be a positive integer in minor units');
      const available = amountAvailable(totals);
      if (req.amount > available) {
        return err('WALLET_INSUFFICIENT_FUNDS', `amount ${req.amount} exceeds amount_available ${available}`);
      }
      return ok({ type: req.pending ? 'pending_capture' : 'drawdown', amount: req.amount, parent_id: null });
    }
    case 'capture': {
      if (req.parent.type !== 'pending_capture') return err('WALLET_NOT_PENDING', 'only a pending transaction can be captured');
      if (req.remaining <= 0) return err('WALLET_NOTHING_TO_SETTLE', 'the pending transaction is already fully captured or voided');
      const amount = req.amount ?? req.remaining;
      if (!isPositiveInt(amount)) return err('WALLET_AMOUNT_INVALID', 'amount must be a positive integer in minor units');
      if (amount > req.remaining) {
        return err('WALLET_CAPTURE_EXCEEDS_PENDING', `amount ${amount} exceeds the ${req.remaining} still pending`);
      }
      return ok({ type: 'drawdown', amount, parent_id: req.parent.id });
    }
    case 'void':
      if (req.parent.type !== 'pending_capture') return err('WALLET_NOT_PENDING', 'only a pending transaction can be voided');
      if (req.remaining <= 0) return err('WALLET_NOTHING_TO_SETTLE', 'the pending transaction is already fully captured or voided');
      return ok({ type: 'voided', amount: req.remaining, parent_id: req.parent.id });
  }
}

const isPositiveInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;
