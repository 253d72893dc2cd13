/**
 * The discount engine's inputs and outputs (DESIGN §3: one pure function, the same on the till and
 * behind `POST /discounts/available_for_receipt`). The callers resolve who is buying and which refs
 * that purchase may use; the engine decides what those refs give.
 */
import type { Discount, Receipt } from '../contracts/discounts.ts';
import type { CompiledRules } from './prepare.ts';

/**
 * How a ref reached this purchase (contract §3.5): granted to this very customer, to every purchase
 * with a customer (`*`), or to purchases without one (`/`).
 */
export type GrantKind = 'customer' | 'any_customer' | 'no_customer';

/** Totals so far for one ref, as seen by this purchase (for a `*` ref: this customer's share). */
export interface RefStatistics {
  readonly usage: number;
  readonly stamp: number;
  readonly amount: number;
  readonly bonus: number;
  /** What a `discount_debit` rule still has to give; absent until the ref is first used. */
  readonly debit_balance?: number | undefined;
}

/** Stamps collected since the ref was last rewarded, oldest first (for `stamp_expire_days`). */
export interface StampEvent {
  readonly at: string;
  readonly stamp: number;
}

export interface EngineRef {
  readonly ref_id: string;
  readonly grant: GrantKind;
  readonly statistics: RefStatistics;
  readonly stamps: readonly StampEvent[];
}

export interface CalculationInput {
  readonly receipt: Receipt;
  /** Discount id → the refs this purchase may use. A rule without refs here applies to nobody. */
  readonly refs: ReadonlyMap<string, readonly EngineRef[]>;
  /** ISO-8601; when the calculation runs (stamp expiry is measured to here). */
  readonly now: string;
}

export type TraceOutcome = 'applied' | 'skipped';

/** Why a rule did or did not apply, for the till's "why this discount?" and for support. */
export interface TraceEntry {
  readonly discount_id: string;
  readonly name: string | undefined;
  readonly outcome: TraceOutcome;
  /** Machine code, e.g. `OUTSIDE_PURCHASE_WINDOW`, `ITEM_QUANTITY_NOT_MET`, `APPLIED`. */
  readonly code: string;
  /** One plain sentence a cashier can read. */
  readonly reason: string;
  /** Amount the reward was computed from (minor units), when it got that far. */
  readonly base_amount: number;
  /** Discount given (effect discount) or bonus earned (effect bonus), minor units. */
  readonly amount: number;
  readonly lines: readonly { readonly line_id: number; readonly amount: number }[];
}

export interface CalculationResult {
  /** The input receipt with discount_lines, bonus_lines, discounts[], totals and is_changed. */
  readonly receipt: Receipt;
  /** One entry per rule considered, in the order the engine decided them. */
  readonly trace: readonly TraceEntry[];
}

/** Rules compiled once (indexes by item id and group id), reused for every cart until rules change. */
export interface PreparedRules {
  /** Number of usable (active, not deleted) rules. */
  readonly size: number;
  /** The usable rules in evaluation order (tier, then id). */
  readonly rules: readonly Discount[];
  /** Engine internals (compiled rules and indexes); opaque to callers. */
  readonly compiled: CompiledRules;
}
