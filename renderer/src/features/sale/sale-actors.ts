/** The checkout machine's side effects, wired to the replica, the Wallets API and the local sale store. */
import { fromPromise } from 'xstate';
import { priceCart, type CartProduct } from '@pos/core';
import { commitSale } from '../../app/commit-sale.ts';
import type { PosDatabase } from '../../db/database.ts';
import type { WalletClient } from '../../api/wallet-client.ts';
import { checkoutMachine, type CompletedSale, type GiftCardHoldInput, type GiftCardInfoInput, type HoldsInput, type OfflineGiftCardInput, type OfflineGiftCardOutput, type Pricer, type SaleCustomer } from '../../machines/checkout.machine.ts';
import { pendingOfflineDrawdowns } from '../../app/outbox.ts';
import type { HeldLease } from '../../app/offline-lease.ts';
import type { OfflineGiftCards } from '../giftcards/offline-giftcards.ts';
import type { ProductIndex } from './product-index.ts';
import { customerRefs, type TillRules } from './discount-rules.ts';
import type { LoyaltyState } from '../customers/loyalty.ts';
import type { CustomerIndex } from '../customers/customer-index.ts';

/**
 * Prices carts with the rules on this till at the moment of the change: anonymous purchases with
 * the `/` refs, a customer's with their refs and stamp cards including this till's sales the
 * server has not confirmed yet, and their spendable points on the points rule.
 */
export function tillPricer(rules: () => TillRules, store: { readonly id: string }, loyalty: (customerId: string) => LoyaltyState): Pricer {
  return (cart, codes, saleId, at, customer) => {
    const current = rules();
    const when = at.toISOString();
    let refs = current.anonymousRefs;
    if (customer !== null) {
      const state = loyalty(customer.customer_id);
      refs = customerRefs(current, customer.customer_id, state.provisional, state.spendable, at);
    }
    return priceCart(cart, current.prepared, refs, { receipt_id: saleId, purchase_at: when, now: when, store, discount_codes: codes, customer_id: customer?.customer_id });
  };
}

export function tillCheckoutMachine(deps: {
  products: () => Promise<Pick<ProductIndex, 'lookup'>>;
  customers: () => Promise<Pick<CustomerIndex, 'byToken'>>;
  /** Reads the customer's loyalty before the first pricing with them. */
  followLoyalty: (customerId: string) => Promise<void>;
  wallets: WalletClient;
  db: PosDatabase;
  /** Gift cards offline: the replica's cards and the lease in force. Without it a card offline is refused. */
  offline?: {
    cards: () => Promise<Pick<OfflineGiftCards, 'take'>>;
    lease: () => HeldLease | null;
    now?: () => Date;
  };
}) {
  const offline = deps.offline;
  return checkoutMachine.provide({
    actors: {
      // Right after a start the index may still be loading: wait for it rather than call a known code unknown.
      productLookup: fromPromise(async ({ input }: { input: { code: string } }): Promise<CartProduct | null> => (await deps.products()).lookup(input.code)),
      customerLookup: fromPromise(async ({ input }: { input: { code: string } }): Promise<SaleCustomer | null> => {
        const customer = (await deps.customers()).byToken(input.code);
        if (customer !== null) await deps.followLoyalty(customer.customer_id);
        return customer;
      }),
      giftCardInfo: fromPromise(({ input }: { input: GiftCardInfoInput }) => deps.wallets.info(input.token, input.pin)),
      giftCardHold: fromPromise(({ input }: { input: GiftCardHoldInput }) => deps.wallets.hold(input.token, input.amount, input.currency, input.refId, input.pin)),
      // What this till already handed out offline and the server has not confirmed counts against every cap.
      offlineGiftCard: fromPromise(async ({ input }: { input: OfflineGiftCardInput }): Promise<OfflineGiftCardOutput> => {
        if (offline === undefined) return { kind: 'refused', message: 'The server cannot be reached, and this till does not take gift cards offline. Take another payment method.' };
        const [cards, pending] = await Promise.all([offline.cards(), pendingOfflineDrawdowns(deps.db)]);
        return cards.take(input, { lease: offline.lease(), pending, now: (offline.now ?? (() => new Date()))() });
      }),
      // Idempotent ref_id: a retried release returns the original instead of acting twice.
      releaseHolds: fromPromise(async ({ input }: { input: HoldsInput }) => {
        for (const h of input.holds) await deps.wallets.release(h.transaction_id, `${h.transaction_id}:void`);
        return undefined;
      }),
      commitSale: fromPromise(async ({ input }: { input: CompletedSale }) => {
        await commitSale(deps.db, input);
        return undefined;
      }),
    },
  });
}
