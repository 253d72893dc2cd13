/**
 * Bonus points: earning them is Dintero's (`reward.effect: "bonus"`, contract §3.6); spending them
 * is not documented (§9.5), so this module is the decision, the same on the till and the server.
 *
 * - Unit: 1 point = 1 minor unit (øre) of the purchase's currency, the unit `effect: "bonus"`
 *   computes. Points are not kept per currency: an account that sells in several currencies
 *   restricts its points rule with `requirement.currencies`.
 * - Earned: Σ `bonus` of the customer's ledger entries on bonus-effect rules, net of reversals
 *   (voided receipts, returns). Spent: Σ `debit` the ledger recorded on points rules for the
 *   customer (a release, void or return gives it back). Balance = earned − spent.
 * - Spending goes through an ordinary Dintero rule, the *points rule*: a `discount_debit` rule on
 *   the whole receipt (no item requirement) whose metadata has `"pos:bonus_points": true`, given
 *   to `*` (a grant to one customer works the same: the balance is the customer's, not the ref's).
 *   With `requirement.discount_code` (e.g. "POINTS") the shopper opts in; without one, points are
 *   spent on every purchase automatically. `reward.value` is not a balance here (0 is fine).
 * - For a points rule the engine's ref statistics carry `debit_balance = balance`
 *   (`pointsStatistics`) instead of `reward.value − debit`, so the unchanged engine spends
 *   min(balance, what the receipt still costs) (engine decisions 7 and 9: the debit tier comes
 *   after discounts and before bonus, so a bonus rule with `reward.base: "net"` earns on what is
 *   left to pay after discounts and points; with the default gross base, on the price before
 *   them). The till (offline, from its replica), a web shop
 *   (`available_for_receipt` with the code) and the server's accrual on `receipt_add` all see the
 *   same number.
 * - Overspending: a receipt that spent more than the balance (an offline till, two tills at once)
 *   is still recorded — the ledger never drops what a till gave — and the balance goes negative
 *   and says so; the engine gives nothing while it is ≤ 0, so the customer earns it back first.
 * - Keep one points rule active at a time: two that apply to one purchase each see the whole
 *   balance, and that purchase spends it twice (recorded as it happened: the balance goes
 *   negative).
 * - The rule-level `statistics.debit_balance` of a points rule is 0: balances are per customer;
 *   a customer's statistics on it show their balance.
 */
import { discountType, type Discount } from '../contracts/discounts.ts';
import type { RefStatistics } from '../discounts/types.ts';

/** The metadata key that makes a discount_debit rule spend bonus points. */
export const POINTS_RULE_KEY = 'pos:bonus_points';

type RuleShape = Pick<Discount, 'reward' | 'metadata'>;

/** Does this rule spend bonus points (a `discount_debit` rule marked `"pos:bonus_points": true`)? */
export const isPointsRule = (rule: RuleShape): boolean => rule.reward.type === 'discount_debit' && rule.metadata?.[POINTS_RULE_KEY] === true;

/** Does this rule earn bonus points (`reward.effect: "bonus"`)? */
export const isBonusRule = (rule: Pick<Discount, 'reward'>): boolean => rule.reward.effect === 'bonus';

export interface BonusBalance {
  readonly earned: number;
  readonly spent: number;
  /** earned − spent; negative when a purchase spent more than there was (see the module doc). */
  readonly balance: number;
}

export const NO_BONUS: BonusBalance = { earned: 0, spent: 0, balance: 0 };

/** One customer's running totals on one ref of a rule (net of reversals). */
export interface BonusHolding {
  readonly rule: RuleShape;
  readonly bonus: number;
  readonly debit: number;
}

/** A customer's bonus balance from their holdings (every ref they used, deleted ones included). */
export function bonusBalance(holdings: Iterable<BonusHolding>): BonusBalance {
  let earned = 0;
  let spent = 0;
  for (const h of holdings) {
    if (isBonusRule(h.rule)) earned += h.bonus;
    if (isPointsRule(h.rule)) spent += h.debit;
  }
  return { earned, spent, balance: earned - spent };
}

/** A points rule's ref as the engine must see it: its balance is the customer's bonus balance. */
export const pointsStatistics = (s: RefStatistics, balance: number): RefStatistics => ({
  usage: s.usage,
  stamp: s.stamp,
  amount: s.amount,
  bonus: s.bonus,
  debit_balance: balance,
});

/**
 * What is wrong with a rule as a points rule, as one sentence; undefined when it is fine or not
 * marked as one. `"pos:bonus_points"` must be a boolean; when true the rule must be a receipt-level
 * `discount_debit` that is not itself a bonus.
 */
export function pointsRuleProblem(rule: Pick<Discount, 'reward' | 'metadata' | 'requirement'>): string | undefined {
  const mark = rule.metadata?.[POINTS_RULE_KEY];
  if (mark === undefined || mark === false) return undefined;
  if (mark !== true) return `metadata["${POINTS_RULE_KEY}"] must be true or false`;
  if (rule.reward.type !== 'discount_debit') return `a points rule (metadata "${POINTS_RULE_KEY}": true) must have reward.type discount_debit, not ${rule.reward.type}`;
  if (rule.reward.effect === 'bonus') return 'a points rule spends bonus; it cannot have reward.effect bonus';
  if (discountType(rule.requirement) !== 'receipt') return 'a points rule applies to the whole receipt: requirement.item.items may hold only wildcards';
  return undefined;
}
