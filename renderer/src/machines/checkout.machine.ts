/**
 * The checkout flow at the counter: scanning into a cart, then split tenders in any order, then
 * completion. Every side effect is a named actor injected from outside (replica lookups, the
 * Wallets API, the local sale store), so the machine is tested with fakes; all arithmetic comes
 * from core (cart, VAT, tenders).
 *
 * Gift cards: look up the card (PIN when it has one) → hold min(available, due) as a pending
 * drawdown → when the sale completes, commit it with its holds; the captures go through the till's
 * outbox (`capture:<transaction_id>`, idempotent), so a till that dies right after the commit still
 * captures, and one that dies before it captured nothing for a sale that never was. Holds are
 * released when the sale is cancelled. The cashier may type an amount instead of paying all that
 * is due. A sale is committed to the local store before the screen says done.
 *
 * Gift cards offline: when the till knows it is offline (`isOnline`), or the lookup or hold finds
 * the server unreachable, the card is taken offline instead (`offlineGiftCard`: the replica's
 * signed allowance, the PIN checked locally, core's offline rule). That makes a
 * `gift_card_offline` tender and no hold: cancelling just drops it, and the commit carries it in
 * `tenders`, where the commit turns it into an outbox entry. An amount above what the card may pay
 * offline is refused with the most it may pay and why; without an amount it pays what it may and
 * says what is left to pay another way.
 *
 * Discounts: the cart is priced by the injected `price` (core's engine over the till's rules) after
 * every change — scan, quantity, void, coupon, customer identified or removed — and when the rules
 * or the customer's loyalty change while selling. Once payment starts the price is fixed: tenders
 * are taken against it, and the completed sale carries that priced receipt (discount lines and
 * `discounts[]`) so the server records the same usage.
 *
 * Customers: a scanned code is a product first; a code that is no product but a customer's token
 * (membership card, app QR) identifies the buyer; only then is it tried as a coupon. A customer can
 * also be picked by phone or enrolled at the counter (`customer.identify`). Identifying another
 * customer replaces the first; removing one also drops the points code, which only means something
 * for a customer. Points are spent by adding the points rule's code (`points.toggle`).
 */
import { assign, fromPromise, setup } from 'xstate';
import {
  addProduct,
  amountDue,
  cashTender,
  emptyCart,
  externalTender,
  formatMoney,
  giftCardAmount,
  isPaid,
  setQuantity,
  voidLine,
  type Cart,
  type CartProduct,
  type Currency,
  type OfflineGiftCardTender,
  type PricedCart,
  type Receipt,
  type Tender,
  sameDiscountCode,
} from '@pos/core';
import type { Card, Transaction } from '@pos/core/contracts/wallets';

export interface GiftCardHold {
  readonly transaction_id: string;
  readonly card_id: string;
  readonly amount: number;
}

/** Who is buying, as the sale knows them. */
export interface SaleCustomer {
  readonly customer_id: string;
  /** What the cashier sees: the name, or the customer id when there is none. */
  readonly name: string;
  /** The token the customer was identified by (card, app QR); absent when picked by phone or enrolled. */
  readonly token?: { readonly token_id?: string | undefined; readonly type: string; readonly value: string } | undefined;
}

export interface CompletedSale {
  readonly sale_id: string;
  readonly cart: Cart;
  readonly tenders: readonly Tender[];
  readonly completed_at: string;
  /** The priced receipt as the shopper paid it, purchase_at = completion. */
  readonly receipt: Receipt;
  readonly priced: PricedCart;
  readonly customer: SaleCustomer | null;
}

/** Prices a cart with the coupon codes entered so far and the customer's loyalty (the discount engine over this till's rules). */
export type Pricer = (cart: Cart, codes: readonly string[], saleId: string, at: Date, customer: SaleCustomer | null) => PricedCart;

/** Turns a thrown error into the cashier's words; injected so the machine holds no UI strings for codes. */
export type Explain = (error: unknown) => string;

export interface CheckoutInput {
  readonly currency: Currency;
  /** Fresh ids for sales and idempotency keys (crypto.randomUUID in the till). */
  readonly newId: () => string;
  readonly now: () => Date;
  readonly explain: Explain;
  readonly price: Pricer;
  /** Whether some rule on this till asks for this coupon code. */
  readonly isCouponCode: (code: string) => boolean;
  /** Whether this code spends the customer's bonus points (the points rule's code). */
  readonly isPointsCode: (code: string) => boolean;
  /** Whether the till reaches the server now; when it says no, gift cards go straight to the offline path. Default: assume yes. */
  readonly isOnline?: (() => boolean) | undefined;
}

interface Context extends CheckoutInput {
  saleId: string;
  cart: Cart;
  /** Coupon codes entered or scanned for this sale, in entry order. */
  codes: string[];
  priced: PricedCart;
  customer: SaleCustomer | null;
  tenders: Tender[];
  holds: GiftCardHold[];
  scanQueue: string[];
  /** What the cashier needs to know now (unknown barcode, declined card …). */
  message: string | null;
  /** The gift card being taken: its number, PIN, the amount typed (if any), the card once looked up, and whether it goes the offline way. */
  giftCard: { token: string; pin?: string | undefined; amount?: number | undefined; card?: Card | undefined; offline?: boolean } | null;
  completed: CompletedSale | null;
}

export interface GiftCardInfoInput {
  readonly token: string;
  readonly pin?: string | undefined;
}
export interface GiftCardHoldInput extends GiftCardInfoInput {
  readonly amount: number;
  readonly currency: Currency;
  readonly refId: string;
}
export interface HoldsInput {
  readonly saleId: string;
  readonly holds: readonly GiftCardHold[];
}
export interface OfflineGiftCardInput {
  readonly token: string;
  readonly pin?: string | undefined;
  /** An amount the cashier typed; without one the card pays what it may of what is due. */
  readonly requested?: number | undefined;
  readonly due: number;
  readonly currency: Currency;
  readonly saleId: string;
  /** This sale's gift cards taken offline so far. */
  readonly saleTenders: readonly OfflineGiftCardTender[];
}
/** What the offline path made of a card: a tender (with a note for the cashier), a PIN to ask for, or a refusal. */
export type OfflineGiftCardOutput =
  | { readonly kind: 'taken'; readonly tender: OfflineGiftCardTender; readonly note: string | null }
  | { readonly kind: 'pin'; readonly message: string | null }
  | { readonly kind: 'refused'; readonly message: string };

export type CheckoutEvent =
  | { type: 'scan.received'; code: string }
  | { type: 'coupon.enter'; code: string }
  | { type: 'coupon.remove'; code: string }
  | { type: 'customer.identify'; customer: SaleCustomer }
  | { type: 'customer.remove' }
  | { type: 'points.toggle'; code: string }
  | { type: 'rules.changed' }
  | { type: 'line.quantity'; lineId: number; quantity: number }
  | { type: 'line.void'; lineId: number }
  | { type: 'pay' }
  | { type: 'back' }
  | { type: 'tender.cash'; given: number }
  | { type: 'tender.external'; amount?: number }
  /** `amount`: what the cashier typed, in minor units; without it the card pays what it can of what is due. */
  | { type: 'tender.giftCard'; token: string; amount?: number }
  | { type: 'giftCard.pin'; pin: string }
  | { type: 'sale.cancel' }
  | { type: 'sale.new' }
  | { type: 'retry' }
  | { type: 'message.dismiss' };

/** Everything a new sale starts with. */
const freshSale = (c: Pick<CheckoutInput, 'currency' | 'newId' | 'price' | 'now'>): Omit<Context, keyof CheckoutInput> => {
  const saleId = c.newId();
  const cart = emptyCart(c.currency);
  return { saleId, cart, codes: [], priced: c.price(cart, [], saleId, c.now(), null), customer: null, tenders: [], holds: [], scanQueue: [], message: null, giftCard: null, completed: null };
};

/** The cart, codes and customer, priced now. */
const priced = (c: Context, cart: Cart, codes: readonly string[] = c.codes, customer: SaleCustomer | null = c.customer): Pick<Context, 'cart' | 'codes' | 'priced' | 'customer'> => ({
  cart,
  codes: [...codes],
  customer,
  priced: c.price(cart, codes, c.saleId, c.now(), customer),
});

/** The buyer is now `customer` (or nobody): re-priced with their loyalty; the points code goes with the customer. */
function withCustomer(c: Context, customer: SaleCustomer | null): Partial<Context> {
  if (customer?.customer_id === c.customer?.customer_id && customer?.token?.value === c.customer?.token?.value) return { message: null };
  const codes = customer === null ? c.codes.filter((x) => !c.isPointsCode(x)) : c.codes;
  return { ...priced(c, c.cart, codes, customer), message: null };
}

/** Adds the points code, or takes it off again. */
function togglePoints(c: Context, code: string): Partial<Context> {
  if (c.customer === null) return { message: 'Identify the customer first: points belong to a customer.' };
  const on = c.codes.some((x) => sameDiscountCode(x, code));
  return { ...priced(c, c.cart, on ? c.codes.filter((x) => !sameDiscountCode(x, code)) : [...c.codes, code]), message: null };
}

const due = (c: Context): number => amountDue(c.priced.net_amount, c.tenders);

/** What the gift card being taken should pay at most: the amount typed, never more than due. */
const wanted = (c: Context): number => Math.min(c.giftCard?.amount ?? due(c), due(c));

/** The server could not be reached (ApiCallError status 0 / NETWORK), as opposed to a refusal. */
const unreachable = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (('status' in e && e.status === 0) || ('code' in e && e.code === 'NETWORK'));

const offlineTenders = (c: Context): OfflineGiftCardTender[] => c.tenders.filter((t): t is OfflineGiftCardTender => t.kind === 'gift_card_offline');

/** Adds a coupon code, or says why not. */
function enterCode(c: Context, raw: string): Partial<Context> {
  const code = raw.trim();
  if (code === '') return {};
  if (c.codes.some((x) => sameDiscountCode(x, code))) return { message: `Coupon ${code} is already on this sale.` };
  if (!c.isCouponCode(code)) return { message: `Coupon ${code} is not valid in this store. The sale is unchanged.` };
  return { ...priced(c, c.cart, [...c.codes, code]), message: null };
}

/** A scanned code that is neither a product nor a customer: a printed coupon, or unknown. */
function couponOrUnknown(c: Context, code: string): Partial<Context> {
  if (c.isCouponCode(code)) return enterCode(c, code);
  return { message: `Unknown barcode ${code}: it is not in this store's catalog. The cart is unchanged.` };
}

function completedSale(c: Context): CompletedSale {
  const completed_at = c.now().toISOString();
  return { sale_id: c.saleId, cart: c.cart, tenders: c.tenders, completed_at, receipt: { ...c.priced.receipt, purchase_at: completed_at }, priced: c.priced, customer: c.customer };
}

export const checkoutMachine = setup({
  types: {
    context: {} as Context,
    events: {} as CheckoutEvent,
    input: {} as CheckoutInput,
  },
  actors: {
    productLookup: fromPromise<CartProduct | null, { code: string }>(() => Promise.reject(new Error('productLookup not provided'))),
    customerLookup: fromPromise<SaleCustomer | null, { code: string }>(() => Promise.reject(new Error('customerLookup not provided'))),
    giftCardInfo: fromPromise<Card, GiftCardInfoInput>(() => Promise.reject(new Error('giftCardInfo not provided'))),
    giftCardHold: fromPromise<Transaction, GiftCardHoldInput>(() => Promise.reject(new Error('giftCardHold not provided'))),
    releaseHolds: fromPromise<undefined, HoldsInput>(() => Promise.reject(new Error('releaseHolds not provided'))),
    commitSale: fromPromise<undefined, CompletedSale>(() => Promise.reject(new Error('commitSale not provided'))),
    offlineGiftCard: fromPromise<OfflineGiftCardOutput, OfflineGiftCardInput>(() => Promise.reject(new Error('offlineGiftCard not provided'))),
  },
  guards: {
    hasQueuedScan: ({ context }) => context.scanQueue.length > 0,
    hasLines: ({ context }) => context.priced.lines.length > 0,
    isPaid: ({ context }) => isPaid(context.priced.net_amount, context.tenders),
    hasHolds: ({ context }) => context.holds.length > 0,
    hasNoTenders: ({ context }) => context.tenders.length === 0,
    knownOffline: ({ context }) => context.isOnline !== undefined && !context.isOnline(),
    giftCardOffline: ({ context }) => context.giftCard?.offline === true,
    amountAboveDue: ({ context, event }) => event.type === 'tender.giftCard' && event.amount !== undefined && event.amount > due(context),
    amountInvalid: ({ event }) => event.type === 'tender.giftCard' && event.amount !== undefined && !(Number.isSafeInteger(event.amount) && event.amount > 0),
  },
  actions: {
    enqueueScan: assign({ scanQueue: ({ context, event }) => (event.type === 'scan.received' ? [...context.scanQueue, event.code] : context.scanQueue) }),
    changeQuantity: assign(({ context, event }) => {
      if (event.type !== 'line.quantity') return {};
      const res = setQuantity(context.cart, event.lineId, event.quantity);
      return res.ok ? { ...priced(context, res.value), message: null } : { message: 'Quantity must be a whole number from 1 to 9999.' };
    }),
    voidLine: assign(({ context, event }) => {
      if (event.type !== 'line.void') return {};
      const res = voidLine(context.cart, event.lineId);
      return res.ok ? { ...priced(context, res.value), message: null } : {};
    }),
    enterCoupon: assign(({ context, event }) => (event.type === 'coupon.enter' ? enterCode(context, event.code) : {})),
    removeCoupon: assign(({ context, event }) => (event.type === 'coupon.remove' ? { ...priced(context, context.cart, context.codes.filter((x) => !sameDiscountCode(x, event.code))), message: null } : {})),
    identifyCustomer: assign(({ context, event }) => (event.type === 'customer.identify' ? withCustomer(context, event.customer) : {})),
    removeCustomer: assign(({ context }) => withCustomer(context, null)),
    togglePoints: assign(({ context, event }) => (event.type === 'points.toggle' ? togglePoints(context, event.code) : {})),
    reprice: assign(({ context }) => priced(context, context.cart)),
    takeCash: assign(({ context, event }) => {
      if (event.type !== 'tender.cash') return {};
      const res = cashTender(due(context), event.given);
      return res.ok ? { tenders: [...context.tenders, res.value.tender], message: null } : { message: 'Enter the cash amount the customer handed over.' };
    }),
    takeExternal: assign(({ context, event }) => {
      if (event.type !== 'tender.external') return {};
      const res = externalTender(due(context), event.amount);
      return res.ok ? { tenders: [...context.tenders, res.value], message: null } : { message: 'The card terminal amount cannot be more than what is due.' };
    }),
    rememberGiftCard: assign({ giftCard: ({ event }) => (event.type === 'tender.giftCard' ? { token: event.token.trim(), amount: event.amount } : null), message: null }),
    goOffline: assign({ giftCard: ({ context }) => (context.giftCard === null ? null : { ...context.giftCard, offline: true }) }),
    refuseAmountAboveDue: assign({ message: ({ context, event }) => (event.type === 'tender.giftCard' && event.amount !== undefined ? `${formatMoney(event.amount, context.currency)} is more than the ${formatMoney(due(context), context.currency)} due.` : null) }),
    rememberPin: assign({ giftCard: ({ context, event }) => (event.type === 'giftCard.pin' && context.giftCard !== null ? { ...context.giftCard, pin: event.pin } : context.giftCard) }),
    clearMessage: assign({ message: null }),
    newSale: assign(({ context }) => freshSale(context)),
  },
}).createMachine({
  id: 'checkout',
  context: ({ input }) => ({
    currency: input.currency,
    newId: input.newId,
    now: input.now,
    explain: input.explain,
    price: input.price,
    isCouponCode: input.isCouponCode,
    isPointsCode: input.isPointsCode,
    isOnline: input.isOnline,
    ...freshSale(input),
  }),
  initial: 'selling',
  states: {
    selling: {
      initial: 'ready',
      on: {
        'scan.received': { actions: 'enqueueScan' },
        'line.quantity': { actions: 'changeQuantity' },
        'line.void': { actions: 'voidLine' },
        'coupon.enter': { actions: 'enterCoupon' },
        'coupon.remove': { actions: 'removeCoupon' },
        'customer.identify': { actions: 'identifyCustomer' },
        'customer.remove': { actions: 'removeCustomer' },
        'points.toggle': { actions: 'togglePoints' },
        'rules.changed': { actions: 'reprice' },
        pay: { guard: 'hasLines', target: 'paying' },
        'sale.cancel': { target: 'selling', reenter: true, actions: 'newSale' },
        'message.dismiss': { actions: 'clearMessage' },
      },
      states: {
        ready: { always: { guard: 'hasQueuedScan', target: 'lookingUp' } },
        lookingUp: {
          invoke: {
            src: 'productLookup',
            input: ({ context }) => ({ code: context.scanQueue[0] ?? '' }),
            onDone: [
              // A code that is no product may be a customer's card or a printed coupon.
              { guard: ({ event }) => event.output === null, target: 'lookingUpCustomer' },
              {
                target: 'ready',
                actions: assign(({ context, event }) => {
                  const [code = '', ...rest] = context.scanQueue;
                  if (event.output === null) return { scanQueue: rest };
                  const res = addProduct(context.cart, event.output);
                  if (res.ok) return { scanQueue: rest, ...priced(context, res.value), message: null };
                  return { scanQueue: rest, message: res.error.code === 'CART_NO_PRICE' ? `${event.output.product_name ?? code} has no price: ask a manager.` : `${event.output.product_name ?? code} cannot be sold here: ${res.error.message}` };
                }),
              },
            ],
            onError: {
              target: 'ready',
              actions: assign(({ context }) => ({ scanQueue: context.scanQueue.slice(1), message: 'The product list on this till could not be read. Scan again.' })),
            },
          },
        },
        lookingUpCustomer: {
          invoke: {
            src: 'customerLookup',
            input: ({ context }) => ({ code: context.scanQueue[0] ?? '' }),
            onDone: {
              target: 'ready',
              actions: assign(({ context, event }) => {
                const [code = '', ...rest] = context.scanQueue;
                if (event.output !== null) return { scanQueue: rest, ...withCustomer(context, event.output) };
                return { scanQueue: rest, ...couponOrUnknown(context, code) };
              }),
            },
            // The customer list could not be read: the code may still be a coupon.
            onError: {
              target: 'ready',
              actions: assign(({ context }) => {
                const [code = '', ...rest] = context.scanQueue;
                return { scanQueue: rest, ...couponOrUnknown(context, code) };
              }),
            },
          },
        },
      },
    },
    paying: {
      initial: 'choosing',
      on: {
        'sale.cancel': [{ guard: 'hasHolds', target: 'cancelling' }, { target: 'selling', actions: 'newSale' }],
        'message.dismiss': { actions: 'clearMessage' },
      },
      states: {
        choosing: {
          always: { guard: 'isPaid', target: 'completing' },
          on: {
            back: { guard: 'hasNoTenders', target: '#checkout.selling' },
            'tender.cash': { actions: 'takeCash' },
            'tender.external': { actions: 'takeExternal' },
            'tender.giftCard': [
              { guard: 'amountInvalid', actions: assign({ message: 'Enter the gift card amount in kroner and øre, or leave it empty to pay what is due.' }) },
              { guard: 'amountAboveDue', actions: 'refuseAmountAboveDue' },
              { guard: 'knownOffline', target: 'offlineGiftCard', actions: ['rememberGiftCard', 'goOffline'] },
              { target: 'giftCardLookup', actions: 'rememberGiftCard' },
            ],
            // While paying, a scanned code is a gift card.
            'scan.received': [
              { guard: 'knownOffline', target: 'offlineGiftCard', actions: assign({ giftCard: ({ event }) => ({ token: event.code.trim(), offline: true }), message: null }) },
              { target: 'giftCardLookup', actions: assign({ giftCard: ({ event }) => ({ token: event.code.trim() }), message: null }) },
            ],
          },
        },
        needPin: {
          on: {
            'giftCard.pin': [{ guard: 'giftCardOffline', target: 'offlineGiftCard', actions: 'rememberPin' }, { target: 'giftCardLookup', actions: 'rememberPin' }],
            back: { target: 'choosing', actions: assign({ giftCard: null }) },
          },
        },
        giftCardLookup: {
          invoke: {
            src: 'giftCardInfo',
            input: ({ context }) => ({ token: context.giftCard?.token ?? '', pin: context.giftCard?.pin }),
            onDone: [
              {
                guard: ({ context, event }) => giftCardAmount(event.output.amount_available, wanted(context)) === 0,
                target: 'choosing',
                actions: assign({ giftCard: null, message: 'This gift card has nothing left to spend.' }),
              },
              // A typed amount is paid in full or not at all: the cashier told the customer that amount.
              {
                guard: ({ context, event }) => context.giftCard?.amount !== undefined && event.output.amount_available < wanted(context),
                target: 'choosing',
                actions: assign({ giftCard: null, message: ({ context, event }) => `This gift card has only ${formatMoney(event.output.amount_available, context.currency)} left: enter at most that, or leave the amount empty.` }),
              },
              { target: 'giftCardHold', actions: assign({ giftCard: ({ context, event }) => (context.giftCard === null ? null : { ...context.giftCard, card: event.output }) }) },
            ],
            onError: [
              { guard: ({ event }) => unreachable(event.error), target: 'offlineGiftCard', actions: 'goOffline' },
              {
                guard: ({ event }) => typeof event.error === 'object' && event.error !== null && 'code' in event.error && event.error.code === 'WALLET_PIN_REQUIRED',
                target: 'needPin',
              },
              {
                guard: ({ event }) => typeof event.error === 'object' && event.error !== null && 'code' in event.error && event.error.code === 'WALLET_PIN_INVALID',
                target: 'needPin',
                actions: assign({ message: ({ context, event }) => context.explain(event.error) }),
              },
              { target: 'choosing', actions: assign({ giftCard: null, message: ({ context, event }) => context.explain(event.error) }) },
            ],
          },
        },
        giftCardHold: {
          invoke: {
            src: 'giftCardHold',
            input: ({ context }) => ({
              token: context.giftCard?.token ?? '',
              pin: context.giftCard?.pin,
              amount: giftCardAmount(context.giftCard?.card?.amount_available ?? 0, wanted(context)),
              currency: context.currency,
              refId: `${context.saleId}:gift-card:${context.holds.length + 1}`,
            }),
            onDone: {
              target: 'choosing',
              actions: assign(({ context, event }) => ({
                holds: [...context.holds, { transaction_id: event.output.id, card_id: event.output.card_id, amount: event.output.amount }],
                tenders: [...context.tenders, { kind: 'gift_card', amount: event.output.amount, card_id: event.output.card_id, transaction_id: event.output.id }],
                giftCard: null,
                message: null,
              })),
            },
            onError: [
              // The server went away between lookup and hold. Should the hold have reached it after
              // all, it stays pending on the card until voided; the card is taken offline meanwhile.
              { guard: ({ event }) => unreachable(event.error), target: 'offlineGiftCard', actions: 'goOffline' },
              { target: 'choosing', actions: assign({ giftCard: null, message: ({ context, event }) => context.explain(event.error) }) },
            ],
          },
        },
        offlineGiftCard: {
          invoke: {
            src: 'offlineGiftCard',
            input: ({ context }) => ({
              token: context.giftCard?.token ?? '',
              pin: context.giftCard?.pin,
              requested: context.giftCard?.amount,
              due: due(context),
              currency: context.currency,
              saleId: context.saleId,
              saleTenders: offlineTenders(context),
            }),
            onDone: [
              { guard: ({ event }) => event.output.kind === 'pin', target: 'needPin', actions: assign({ message: ({ event }) => (event.output.kind === 'pin' ? event.output.message : null) }) },
              { guard: ({ event }) => event.output.kind === 'refused', target: 'choosing', actions: assign({ giftCard: null, message: ({ event }) => (event.output.kind === 'refused' ? event.output.message : null) }) },
              {
                target: 'choosing',
                actions: assign(({ context, event }) => (event.output.kind === 'taken' ? { tenders: [...context.tenders, event.output.tender], giftCard: null, message: event.output.note } : {})),
              },
            ],
            onError: { target: 'choosing', actions: assign({ giftCard: null, message: ({ context, event }) => context.explain(event.error) }) },
          },
        },
        completing: {
          initial: 'committing',
          states: {
            committing: {
              entry: assign({ completed: ({ context }) => completedSale(context) }),
              invoke: {
                src: 'commitSale',
                input: ({ context }) => context.completed ?? completedSale(context),
                onDone: { target: '#checkout.done' },
                onError: { target: 'failed', actions: assign({ message: ({ context, event }) => `The sale could not be saved on this till: ${context.explain(event.error)}` }) },
              },
            },
            failed: { on: { retry: { target: 'committing' } } },
          },
        },
      },
    },
    cancelling: {
      invoke: {
        src: 'releaseHolds',
        input: ({ context }) => ({ saleId: context.saleId, holds: context.holds }),
        onDone: { target: 'selling', actions: 'newSale' },
        onError: { target: 'paying.choosing', actions: assign({ message: ({ context, event }) => `The gift card hold could not be released: ${context.explain(event.error)}. Try cancelling again.` }) },
      },
    },
    done: {
      on: {
        'sale.new': { target: 'selling', actions: 'newSale' },
        'scan.received': { target: 'selling', actions: ['newSale', 'enqueueScan'] },
      },
    },
  },
});
