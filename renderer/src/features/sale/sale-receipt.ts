/**
 * A completed sale as the Dintero receipt the till stores on the server (`POST /receipts`, contract
 * §4.2). Pure: the uploader calls it for each sale in the outbox, including sales completed by
 * an earlier build (no priced receipt: they are built from their cart and tenders as sold).
 *
 * Decisions where the contract is silent:
 * - `receipt_id` = the sale id, `purchase_at` = completion time; the store is the one the sale
 *   was priced for (`{id, terminal_id}`), or the till's own for a sale without a priced receipt.
 * - Items: every cart line in line order; a voided line is kept with `voided: true` and its
 *   gross, but no net amount, discounts or bonus (it was not sold). Line amounts, discount and
 *   bonus lines are the priced receipt's; a sale priced before discounts has net = gross.
 * - `tax_lines`: VAT per (rate, tax code, tax group) on what the shopper paid, computed by core
 *   the same way the till showed it (`vatLines`); `included_in_price: true`.
 * - `payments`: one PaymentItem per tender, numbered from 1 in the order taken. `type_id` is
 *   `cash`, `gift_card` or `card_terminal`. A cash tender's amount is what it paid, not what was
 *   handed over (the change is not money the store kept). A gift card names its wallet
 *   transaction in `reference_id` and shows only the last four characters of its card id.
 * - `customer_id` when a customer was identified, and `customer.token` when that was by a token.
 * - `amount_due` 0: the till completes a sale only when it is paid.
 */
import { CurrencySchema, ReceiptSchema, vatLines, type Cart, type CartLine, type Receipt, type ReceiptItem, type Tender } from '@pos/core';
import { z } from 'zod';

const CartLineSchema = z.object({
  line_id: z.number().int(),
  product_id: z.string(),
  barcode: z.string().optional(),
  description: z.string(),
  unit_gross_price: z.number().int(),
  quantity: z.number().int(),
  tax_percent: z.number(),
  tax_code: z.string().optional(),
  tax_group: z.string().optional(),
  group_ids: z.array(z.string()),
  voided: z.boolean(),
});

const TenderSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cash'), amount: z.number().int(), given: z.number().int() }),
  z.object({ kind: z.literal('gift_card'), amount: z.number().int(), card_id: z.string(), transaction_id: z.string() }),
  z.object({ kind: z.literal('external_card'), amount: z.number().int() }),
  z.object({ kind: z.literal('gift_card_offline'), amount: z.number().int(), card_id: z.string(), card_pk: z.string(), currency: z.string(), ref_id: z.string(), created_at: z.string(), allowance: z.string(), lease: z.string() }),
]);

const SaleCustomerSchema = z.object({
  customer_id: z.string(),
  name: z.string(),
  token: z.object({ token_id: z.string().optional(), type: z.string(), value: z.string() }).optional(),
});

/** What the till stores of a completed sale (`sales.sale`); `receipt` and `customer` came later. */
export const StoredSaleSchema = z.object({
  sale_id: z.string(),
  completed_at: z.string(),
  cart: z.object({ currency: CurrencySchema, lines: z.array(CartLineSchema), next_line_id: z.number().int() }),
  tenders: z.array(TenderSchema),
  receipt: ReceiptSchema.optional(),
  customer: SaleCustomerSchema.optional(),
});
export type StoredSale = z.infer<typeof StoredSaleSchema>;

export interface TillStore {
  readonly id: string;
  readonly terminal_id?: string | undefined;
}

/** A Dintero PaymentItem (contract §4.2), as far as the till fills it. */
export interface PaymentItem {
  readonly line_id: number;
  readonly amount: number;
  readonly type_id: 'cash' | 'gift_card' | 'card_terminal';
  readonly description: string;
  readonly reference_id?: string;
  readonly card_info?: { readonly card_number: string; readonly card_type: string; readonly card_amount: number };
}

export interface TaxItem {
  readonly amount: number;
  readonly percentage: number;
  readonly tax_basis: number;
  readonly included_in_price: true;
  readonly tax_code?: string;
  readonly tax_group?: string;
}

export type SaleReceipt = Receipt & {
  readonly payments: readonly PaymentItem[];
  readonly tax_lines: readonly TaxItem[];
  readonly no_of_items: number;
  readonly amount_due: 0;
};

/** All but the last four characters masked. */
export const maskCardNumber = (id: string): string => `${'*'.repeat(Math.max(0, id.length - 4))}${id.slice(-4)}`;

function payment(t: Tender, line_id: number): PaymentItem {
  switch (t.kind) {
    case 'cash':
      return { line_id, amount: t.amount, type_id: 'cash', description: 'Cash' };
    case 'gift_card':
      return { line_id, amount: t.amount, type_id: 'gift_card', description: 'Gift card', reference_id: t.transaction_id, card_info: { card_number: maskCardNumber(t.card_id), card_type: 'gift_card', card_amount: t.amount } };
    case 'gift_card_offline':
      // No wallet transaction yet: the reference is the offline entry's ref_id, which becomes the ledger entry's.
      return { line_id, amount: t.amount, type_id: 'gift_card', description: 'Gift card (offline)', reference_id: t.ref_id, card_info: { card_number: maskCardNumber(t.card_id), card_type: 'gift_card', card_amount: t.amount } };
    case 'external_card':
      return { line_id, amount: t.amount, type_id: 'card_terminal', description: 'Card terminal' };
  }
}

function item(line: CartLine, priced: ReceiptItem | undefined): ReceiptItem {
  const gross = line.unit_gross_price * line.quantity;
  const base: ReceiptItem = {
    line_id: line.line_id,
    id: line.product_id,
    description: line.description,
    quantity: line.quantity,
    unit_gross_price: line.unit_gross_price,
    gross_amount: gross,
    tax_percent: line.tax_percent,
    groups: line.group_ids.map((id) => ({ id })),
    ...(line.barcode === undefined ? {} : { barcode: line.barcode }),
  };
  if (line.voided) return { ...base, voided: true };
  const discount_lines = priced?.discount_lines ?? [];
  const discount = discount_lines.reduce((sum, d) => sum + d.amount, 0);
  return { ...base, net_amount: gross - discount, discount_lines, bonus_lines: priced?.bonus_lines ?? [] };
}

export function saleToReceipt(sale: StoredSale, tillStore: TillStore): SaleReceipt {
  const priced = new Map<number, ReceiptItem>();
  for (const i of sale.receipt?.items ?? []) if (i.line_id !== undefined) priced.set(i.line_id, i);
  const cart: Cart = sale.cart;
  const items = cart.lines.map((l) => item(l, priced.get(l.line_id)));
  const live = cart.lines.filter((l) => !l.voided);
  let gross_amount = 0;
  let net_amount = 0;
  let no_of_items = 0;
  const vat: { line: CartLine; amount: number }[] = [];
  for (const l of live) {
    const i = items.find((x) => x.line_id === l.line_id);
    const net = i?.net_amount ?? l.unit_gross_price * l.quantity;
    gross_amount += l.unit_gross_price * l.quantity;
    net_amount += net;
    no_of_items += l.quantity;
    vat.push({ line: l, amount: net });
  }
  const store = sale.receipt?.store ?? { id: tillStore.id, ...(tillStore.terminal_id === undefined ? {} : { terminal_id: tillStore.terminal_id }) };
  const customer = sale.customer;
  const codes = sale.receipt?.discount_code ?? [];
  return {
    receipt_id: sale.sale_id,
    purchase_at: sale.completed_at,
    store,
    ...(customer === undefined ? {} : { customer_id: customer.customer_id }),
    ...(customer?.token === undefined ? {} : { customer: { token: customer.token } }),
    currency: cart.currency,
    items,
    tax_lines: vatLines(vat).map((t) => ({
      amount: t.amount,
      percentage: t.percentage,
      tax_basis: t.tax_basis,
      included_in_price: true,
      ...(t.tax_code === undefined ? {} : { tax_code: t.tax_code }),
      ...(t.tax_group === undefined ? {} : { tax_group: t.tax_group }),
    })),
    payments: sale.tenders.map((t, i) => payment(t, i + 1)),
    discounts: sale.receipt?.discounts ?? [],
    ...(codes.length === 0 ? {} : { discount_code: codes }),
    gross_amount,
    net_amount,
    total_discount: gross_amount - net_amount,
    no_of_items,
    amount_due: 0,
  };
}
