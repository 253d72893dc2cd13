/**
 * The till's cart as a Dintero receipt, priced by the discount engine. The till runs this on every
 * cart change; the receipt it builds is also what goes to the server, so the server's
 * `available_for_receipt` sees exactly the same input.
 *
 * - Every cart line becomes a receipt item: `id` = product id (rules name products by it),
 *   `groups` = the product's groups, `gross_amount` = unit price × quantity,
 *   `eligible_for_discount: true`. Voided lines stay on the receipt, marked `voided`.
 * - Totals after discounts: the shopper pays Σ net of live lines; VAT is computed per tax group
 *   on those net amounts (a discount lowers the VAT, as the tax authority expects).
 */
import { lineGross, vatLines, type Cart, type CartTaxLine } from '../cart/cart.ts';
import type { BonusLine, DiscountLine, Receipt, ReceiptItem } from '../contracts/discounts.ts';
import { calculate } from './engine.ts';
import { normalizeCode } from './prepare.ts';
import type { EngineRef, PreparedRules, TraceEntry } from './types.ts';

export interface ReceiptContext {
  readonly receipt_id: string;
  /** ISO-8601: when the sale is priced (purchase window and discount hours use it). */
  readonly purchase_at: string;
  readonly store: { readonly id: string; readonly [field: string]: unknown };
  /** Coupon codes the cashier entered or scanned, in entry order. */
  readonly discount_codes: readonly string[];
  readonly customer_id?: string | undefined;
}

export function cartToReceipt(cart: Cart, ctx: ReceiptContext): Receipt {
  const items: ReceiptItem[] = cart.lines.map((l) => ({
    id: l.product_id,
    line_id: l.line_id,
    description: l.description,
    quantity: l.quantity,
    unit_gross_price: l.unit_gross_price,
    gross_amount: lineGross(l),
    tax_percent: l.tax_percent,
    groups: l.group_ids.map((id) => ({ id })),
    eligible_for_discount: true,
    ...(l.barcode === undefined ? {} : { barcode: l.barcode }),
    ...(l.voided ? { voided: true } : {}),
  }));
  const gross = cart.lines.reduce((sum, l) => (l.voided ? sum : sum + lineGross(l)), 0);
  return {
    receipt_id: ctx.receipt_id,
    purchase_at: ctx.purchase_at,
    store: { ...ctx.store },
    currency: cart.currency,
    items,
    gross_amount: gross,
    ...(ctx.customer_id === undefined ? {} : { customer_id: ctx.customer_id }),
    ...(ctx.discount_codes.length === 0 ? {} : { discount_code: [...ctx.discount_codes] }),
  };
}

export interface PricedLine {
  readonly line_id: number;
  readonly gross_amount: number;
  readonly total_discount: number;
  readonly net_amount: number;
  readonly discount_lines: readonly DiscountLine[];
  readonly bonus_lines: readonly BonusLine[];
}

export interface PricedCart {
  /** The engine's receipt: what the server gets with the sale (discount lines and discounts[]). */
  readonly receipt: Receipt;
  readonly trace: readonly TraceEntry[];
  readonly gross_amount: number;
  readonly total_discount: number;
  /** What the shopper pays. */
  readonly net_amount: number;
  readonly total_bonus: number;
  readonly no_of_items: number;
  /** Live lines, in cart order. */
  readonly lines: readonly PricedLine[];
  readonly tax_lines: readonly CartTaxLine[];
}

export function priceCart(cart: Cart, rules: PreparedRules, refs: ReadonlyMap<string, readonly EngineRef[]>, ctx: ReceiptContext & { readonly now: string }): PricedCart {
  const { receipt, trace } = calculate(rules, { receipt: cartToReceipt(cart, ctx), refs, now: ctx.now });
  const byLine = new Map<number, ReceiptItem>();
  for (const item of receipt.items ?? []) if (item.line_id !== undefined) byLine.set(item.line_id, item);

  const lines: PricedLine[] = [];
  const vat: { line: Cart['lines'][number]; amount: number }[] = [];
  let gross_amount = 0;
  let total_discount = 0;
  let total_bonus = 0;
  let no_of_items = 0;
  for (const line of cart.lines) {
    if (line.voided) continue;
    const item = byLine.get(line.line_id);
    const gross = lineGross(line);
    const discount_lines = item?.discount_lines ?? [];
    const bonus_lines = item?.bonus_lines ?? [];
    const discount = discount_lines.reduce((sum, d) => sum + d.amount, 0);
    const net = gross - discount;
    if (net < 0) throw new RangeError(`line ${line.line_id} was discounted below zero; the engine must never do that`);
    gross_amount += gross;
    total_discount += discount;
    total_bonus += bonus_lines.reduce((sum, b) => sum + b.bonus, 0);
    no_of_items += line.quantity;
    lines.push({ line_id: line.line_id, gross_amount: gross, total_discount: discount, net_amount: net, discount_lines, bonus_lines });
    vat.push({ line, amount: net });
  }
  return { receipt, trace, gross_amount, total_discount, net_amount: gross_amount - total_discount, total_bonus, no_of_items, lines, tax_lines: vatLines(vat) };
}

/** Two coupon codes are the same code to the engine: trimmed, case-insensitive. */
export const sameDiscountCode = (a: string, b: string): boolean => normalizeCode(a) === normalizeCode(b);

/** Ids of the active rules that ask for this coupon code. */
export function rulesForDiscountCode(rules: PreparedRules, code: string): string[] {
  if (code.trim() === '') return [];
  return rules.rules.filter((r) => r.requirement.discount_code !== undefined && sameDiscountCode(r.requirement.discount_code, code)).map((r) => r.id);
}

export const isKnownDiscountCode = (rules: PreparedRules, code: string): boolean => rulesForDiscountCode(rules, code).length > 0;
