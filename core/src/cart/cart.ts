/**
 * The till's cart: an immutable value. Every operation returns a new cart (or a refusal) and never
 * touches its input, so a cart can sit in a state machine's context, be compared by value and be
 * replayed.
 *
 * Rules:
 * - Lines are numbered from 1 by `next_line_id`; a line_id is never reused, not even after a void.
 * - Scanning a product that already has a live line with the same product_id *and* the same money
 *   terms (unit_gross_price, tax_percent, tax_code, tax_group) adds to that line's quantity — what
 *   cashiers expect. If the catalog price or tax changed during the sale, the new scan gets its own
 *   line instead of silently repricing (or mispricing) the units already rung up. With several
 *   matching live lines (possible only after a void), the last one grows.
 * - Quantities are integers 1..9999. `setQuantity` to 0 is refused: removing a line is `voidLine`.
 * - Voiding marks the line (`voided: true`, as Dintero's ReceiptItem does) and keeps it, so the
 *   receipt can show it. A voided line cannot be changed again and counts nowhere in the totals.
 * - Refused products: no price (`CART_NO_PRICE`); a price that is not an integer 0..MAX_AMOUNT in
 *   minor units (`CART_PRICE_INVALID` — 0 is allowed: a free item); a currency that is absent or
 *   differs from the cart's (`CART_CURRENCY_MISMATCH`; the products contract requires a currency
 *   with a price, so an absent one is bad data, not "the cart's"); a tax rate outside 0..100 or with
 *   more than two decimals (`CART_TAX_INVALID`).
 * - The live gross total never exceeds MAX_AMOUNT (`CART_AMOUNT_TOO_LARGE`), so every sum in this
 *   module is an exact integer in a double.
 *
 * Totals and VAT (prices are gross, VAT included):
 * - line gross = unit_gross_price × quantity; cart gross = Σ live line gross.
 * - Lines are grouped by (tax_percent, tax_code, tax_group) — per rate in the usual case of one
 *   code per rate, but two codes at the same rate (e.g. 0 % zero-rated vs exempt) stay apart, as
 *   the VAT report needs them.
 * - Per group, VAT is computed once on the group's gross sum (not per line and then summed), so
 *   the receipt's VAT equals what the tax authority computes from the printed totals:
 *   VAT = gross × rate / (100 + rate), rounded to the minor unit **half away from zero**
 *   (e.g. 535.5 → 536, −535.5 → −536), the commercial rounding Norwegian bookkeeping uses.
 *   Rates are scaled to basis points (11.11 % → 1111) and the division is done in BigInt, so the
 *   result is exact for any gross up to MAX_AMOUNT and any rate with two decimals.
 * - tax_basis = group gross − VAT, so Σ(amount + tax_basis) = gross_amount exactly.
 * - Tax lines are sorted by percentage descending, then tax_code, then tax_group (absent first).
 */
import { MAX_AMOUNT, type Currency } from '../money.ts';
import { err, ok, type Result } from '../result.ts';

export const MAX_QUANTITY = 9999;

export interface CartLine {
  readonly line_id: number;
  readonly product_id: string;
  readonly barcode?: string;
  readonly description: string;
  /** Price per unit including VAT, in minor units. */
  readonly unit_gross_price: number;
  readonly quantity: number;
  /** VAT rate in percent, up to two decimals (25, 15, 11.11). */
  readonly tax_percent: number;
  readonly tax_code?: string;
  readonly tax_group?: string;
  readonly group_ids: readonly string[];
  readonly voided: boolean;
}

export interface Cart {
  readonly currency: Currency;
  readonly lines: readonly CartLine[];
  readonly next_line_id: number;
}

/** What the cart needs of a product (a catalog product joined with its tax group). */
export interface CartProduct {
  readonly product_id: string;
  readonly product_name?: string | undefined;
  /** Required whenever a price is set (products contract). */
  readonly currency?: Currency | undefined;
  readonly unit_gross_price?: number | undefined;
  /** The code that was scanned, when the product was scanned. */
  readonly barcode?: string | undefined;
  readonly tax_percent: number;
  readonly tax_code?: string | undefined;
  readonly tax_group?: string | undefined;
  readonly group_ids: readonly string[];
}

export type CartErrorCode =
  | 'CART_CURRENCY_MISMATCH'
  | 'CART_NO_PRICE'
  | 'CART_PRICE_INVALID'
  | 'CART_TAX_INVALID'
  | 'CART_QUANTITY_INVALID'
  | 'CART_LINE_NOT_FOUND'
  | 'CART_AMOUNT_TOO_LARGE';

export interface CartLineTotal {
  readonly line_id: number;
  readonly gross_amount: number;
}

export interface CartTaxLine {
  readonly percentage: number;
  readonly tax_code?: string;
  readonly tax_group?: string;
  /** VAT included in the group's gross, minor units. */
  readonly amount: number;
  /** The group's gross minus its VAT. */
  readonly tax_basis: number;
  readonly included_in_price: true;
}

export interface CartTotals {
  readonly gross_amount: number;
  /** Σ quantity of live lines (Dintero's `no_of_items`). */
  readonly no_of_items: number;
  /** Live lines only, in cart order. */
  readonly lines: readonly CartLineTotal[];
  readonly tax_lines: readonly CartTaxLine[];
}

export const emptyCart = (currency: Currency): Cart => ({ currency, lines: [], next_line_id: 1 });

export const lineGross = (line: CartLine): number => line.unit_gross_price * line.quantity;

export const isValidQuantity = (q: number): boolean => Number.isInteger(q) && q >= 1 && q <= MAX_QUANTITY;

/** A tax rate in basis points (25 → 2500, 11.11 → 1111), or null if it is not 0..100 with ≤ 2 decimals. */
export function taxBasisPoints(percent: number): number | null {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) return null;
  const bp = Math.round(percent * 100);
  // bp / 100 is the double nearest to the two-decimal value, so this holds exactly for 11.11 etc.
  return bp / 100 === percent ? bp : null;
}

/**
 * VAT included in `gross` at `percent`: gross × bp / (10000 + bp), rounded half away from zero,
 * in exact integer arithmetic. Throws for a rate `taxBasisPoints` rejects (a bug: the cart
 * validates rates on entry).
 */
export function includedVat(gross: number, percent: number): number {
  const bp = taxBasisPoints(percent);
  if (bp === null) throw new RangeError(`tax rate ${percent} is not 0..100 with at most two decimals`);
  if (!Number.isSafeInteger(gross)) throw new RangeError(`gross ${gross} is not an integer in minor units`);
  const g = BigInt(gross);
  const magnitude = g < 0n ? -g : g;
  const b = BigInt(bp);
  const d = 10_000n + b;
  // round(|g|·b/d) half up = floor((2·|g|·b + d) / 2d)
  const rounded = (2n * magnitude * b + d) / (2n * d);
  return Number(g < 0n ? -rounded : rounded);
}

/**
 * Adds `quantity` units of a product: grows the matching live line, or appends a new line.
 */
export function addProduct(cart: Cart, product: CartProduct, quantity = 1): Result<Cart, CartErrorCode> {
  const price = product.unit_gross_price;
  if (price === undefined) return err('CART_NO_PRICE', `product ${product.product_id} has no price`);
  if (!Number.isSafeInteger(price) || price < 0 || price > MAX_AMOUNT) {
    return err('CART_PRICE_INVALID', `product ${product.product_id} has price ${price}, not an integer 0..${MAX_AMOUNT} in minor units`);
  }
  if (product.currency !== cart.currency) {
    return err('CART_CURRENCY_MISMATCH', `product ${product.product_id} is priced in ${product.currency ?? 'no currency'}, the cart in ${cart.currency}`);
  }
  if (taxBasisPoints(product.tax_percent) === null) {
    return err('CART_TAX_INVALID', `product ${product.product_id} has tax rate ${product.tax_percent}, not 0..100 with at most two decimals`);
  }
  if (!isValidQuantity(quantity)) return quantityError(quantity);

  const index = cart.lines.findLastIndex((l) => !l.voided && sameTerms(l, product, price));
  const existing = cart.lines[index];
  if (existing !== undefined) {
    const total = existing.quantity + quantity;
    if (!isValidQuantity(total)) return quantityError(total);
    return withinLimit({ ...cart, lines: replaceAt(cart.lines, index, { ...existing, quantity: total }) });
  }

  const line: CartLine = {
    line_id: cart.next_line_id,
    product_id: product.product_id,
    ...(product.barcode === undefined ? {} : { barcode: product.barcode }),
    description: product.product_name ?? product.product_id,
    unit_gross_price: price,
    quantity,
    tax_percent: product.tax_percent,
    ...(product.tax_code === undefined ? {} : { tax_code: product.tax_code }),
    ...(product.tax_group === undefined ? {} : { tax_group: product.tax_group }),
    group_ids: [...product.group_ids],
    voided: false,
  };
  return withinLimit({ ...cart, lines: [...cart.lines, line], next_line_id: cart.next_line_id + 1 });
}

/** Sets a live line's quantity (1..9999). */
export function setQuantity(cart: Cart, line_id: number, quantity: number): Result<Cart, CartErrorCode> {
  const index = liveIndex(cart, line_id);
  const line = cart.lines[index];
  if (line === undefined) return lineNotFound(line_id);
  if (!isValidQuantity(quantity)) return quantityError(quantity);
  return withinLimit({ ...cart, lines: replaceAt(cart.lines, index, { ...line, quantity }) });
}

/** Marks a live line voided; the line stays in the cart (and on the receipt) but counts nowhere. */
export function voidLine(cart: Cart, line_id: number): Result<Cart, CartErrorCode> {
  const index = liveIndex(cart, line_id);
  const line = cart.lines[index];
  if (line === undefined) return lineNotFound(line_id);
  return ok({ ...cart, lines: replaceAt(cart.lines, index, { ...line, voided: true }) });
}

export function cartTotals(cart: Cart): CartTotals {
  let gross_amount = 0;
  let no_of_items = 0;
  const lines: CartLineTotal[] = [];
  for (const line of cart.lines) {
    if (line.voided) continue;
    const gross = lineGross(line);
    gross_amount += gross;
    no_of_items += line.quantity;
    lines.push({ line_id: line.line_id, gross_amount: gross });
  }
  const tax_lines = vatLines(cart.lines.filter((l) => !l.voided).map((l) => ({ line: l, amount: lineGross(l) })));
  return { gross_amount, no_of_items, lines, tax_lines };
}

/**
 * VAT per (rate, tax_code, tax_group) group on what each line is sold for (its gross, or its net
 * after discounts), computed once per group as the module doc says.
 */
export function vatLines(entries: readonly { readonly line: Pick<CartLine, 'line_id' | 'tax_percent' | 'tax_code' | 'tax_group'>; readonly amount: number }[]): CartTaxLine[] {
  const groups = new Map<string, { percentage: number; bp: number; tax_code: string | undefined; tax_group: string | undefined; gross: number }>();
  for (const { line, amount } of entries) {
    const bp = taxBasisPoints(line.tax_percent);
    if (bp === null) throw new RangeError(`line ${line.line_id} has tax rate ${line.tax_percent}; carts are built by addProduct`);
    const key = JSON.stringify([bp, line.tax_code ?? null, line.tax_group ?? null]);
    const group = groups.get(key);
    if (group === undefined) {
      groups.set(key, { percentage: line.tax_percent, bp, tax_code: line.tax_code, tax_group: line.tax_group, gross: amount });
    } else {
      group.gross += amount;
    }
  }
  return [...groups.values()]
    .sort((a, b) => b.bp - a.bp || compareOptional(a.tax_code, b.tax_code) || compareOptional(a.tax_group, b.tax_group))
    .map((g): CartTaxLine => {
      const amount = includedVat(g.gross, g.percentage);
      return {
        percentage: g.percentage,
        ...(g.tax_code === undefined ? {} : { tax_code: g.tax_code }),
        ...(g.tax_group === undefined ? {} : { tax_group: g.tax_group }),
        amount,
        tax_basis: g.gross - amount,
        included_in_price: true,
      };
    });
}

// ---------------------------------------------------------------- helpers

const sameTerms = (line: CartLine, product: CartProduct, price: number): boolean =>
  line.product_id === product.product_id &&
  line.unit_gross_price === price &&
  line.tax_percent === product.tax_percent &&
  line.tax_code === product.tax_code &&
  line.tax_group === product.tax_group;

const liveIndex = (cart: Cart, line_id: number): number => cart.lines.findIndex((l) => l.line_id === line_id && !l.voided);

const replaceAt = <T>(items: readonly T[], index: number, item: T): T[] => items.map((x, i) => (i === index ? item : x));

/** Absent sorts first; strings by code unit (locale-independent, so every till agrees). */
function compareOptional(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

function withinLimit(cart: Cart): Result<Cart, CartErrorCode> {
  let gross = 0;
  for (const line of cart.lines) if (!line.voided) gross += lineGross(line);
  if (gross > MAX_AMOUNT) return err('CART_AMOUNT_TOO_LARGE', `the cart total ${gross} would exceed ${MAX_AMOUNT} minor units`);
  return ok(cart);
}

const quantityError = (quantity: number) => err('CART_QUANTITY_INVALID', `quantity ${quantity} is not an integer 1..${MAX_QUANTITY}`);
const lineNotFound = (line_id: number) => err('CART_LINE_NOT_FOUND', `no live line ${line_id} in the cart`);
