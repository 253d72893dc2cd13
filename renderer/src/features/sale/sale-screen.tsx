/**
 * The cashier's screen: scan or type barcodes, adjust lines, take split tenders, print the
 * receipt. Keyboard first (a scan or typed EAN + Enter always lands in the cart), touch friendly.
 */
import { memo, useEffect, useMemo, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react';
import { useMachine } from '@xstate/react';
import { amountDue, changeDue, formatMoney, isKnownDiscountCode, rulesForDiscountCode, sameDiscountCode, type Cart, type Currency, type CartLine, type PricedCart, type PricedLine, type Tender } from '@pos/core';
import type { WalletClient } from '../../api/wallet-client.ts';
import type { CustomerClient } from '../../api/customer-client.ts';
import type { PosDatabase } from '../../db/database.ts';
import { errorText } from '../../ui/error-text.ts';
import { attachWedgeScanner } from '../scanner/use-wedge-scanner.ts';
import { watchProductIndex, type ProductIndex } from './product-index.ts';
import { tillCheckoutMachine, tillPricer } from './sale-actors.ts';
import type { CheckoutEvent, SaleCustomer } from '../../machines/checkout.machine.ts';
import { NO_RULES, watchDiscountRules, type DiscountRuleIndex, type TillRules } from './discount-rules.ts';
import { CouponForm, DiscountExplanation, LineDiscounts, OffersChecked } from './discount-view.tsx';
import { watchCustomerIndex, type CustomerIndex } from '../customers/customer-index.ts';
import { watchLoyalty, type LoyaltyIndex } from '../customers/loyalty-index.ts';
import { loyaltyState, type LoyaltyState } from '../customers/loyalty.ts';
import { CustomerPanel, LoyaltySummary } from '../customers/customer-panel.tsx';
import { offlineSummary, watchOfflineGiftCards, type OfflineGiftCards } from '../giftcards/offline-giftcards.ts';
import type { OfflineLeaseKeeper } from '../../app/offline-lease.ts';
import { pendingOfflineDrawdowns } from '../../app/outbox.ts';

const money = (minor: number, currency: Currency): string => formatMoney(minor, currency);

/** A promise settled from outside: "the effect that builds this has run". */
function useStarted(): { promise: Promise<void>; resolve: () => void } {
  const [started] = useState(() => {
    const holder: { promise: Promise<void>; resolve: () => void } = { promise: Promise.resolve(), resolve: () => undefined };
    holder.promise = new Promise<void>((resolve) => {
      holder.resolve = resolve;
    });
    return holder;
  });
  return started;
}

/** Parses what a cashier types as money ("50", "49.90", "49,90") into minor units, or null. */
export function parseMoneyInput(text: string): number | null {
  const m = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (m === null) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '0').padEnd(2, '0'));
}

export interface SaleScreenProps {
  db: PosDatabase;
  wallets: WalletClient;
  customers: CustomerClient;
  /** Whether this till's API client may enrol customers (its token's scopes). */
  canEnrol: boolean;
  currency: Currency;
  store: { readonly id: string };
  active?: boolean;
  /** The offline lease and connection (TillSession.offline): gift cards offline, and the payment panel's offline line. */
  offline?: OfflineLeaseKeeper | undefined;
}

/** How a tender reads on screen and on the receipt. */
function tenderLabel(t: Tender, currency: Currency): string {
  switch (t.kind) {
    case 'cash': return `Cash (given ${money(t.given, currency)})`;
    case 'gift_card': return `Gift card ${t.card_id}`;
    case 'gift_card_offline': return `Gift card ${t.card_id} (offline)`;
    case 'external_card': return 'Card terminal';
  }
}

const ALWAYS_ONLINE = { subscribe: () => () => undefined, getState: () => null };

/** Memoised: the till's status (sync progress, last sync time) changes often and is none of the sale's business. */
export const SaleScreen = memo(function SaleScreen({ db, wallets, customers, canEnrol, currency, store, active = true, offline }: SaleScreenProps) {
  // The index lives as long as the screen (StrictMode mounts effects twice: a memo would be closed).
  const index = useRef<ProductIndex | null>(null);
  // Settles once the first index exists, so a scan arriving before the effect ran waits for it.
  const started = useStarted();
  const customerIndex = useRef<CustomerIndex | null>(null);
  const loyaltyIndex = useRef<LoyaltyIndex | null>(null);
  const customersStarted = useStarted();
  const giftCards = useRef<OfflineGiftCards | null>(null);
  const giftCardsStarted = useStarted();
  useEffect(() => {
    const watched = watchOfflineGiftCards(db);
    giftCards.current = watched;
    giftCardsStarted.resolve();
    return () => {
      watched.close();
      giftCards.current = null;
    };
  }, [db, giftCardsStarted]);
  // Bumped when a followed customer's loyalty changes, so the panel repaints.
  const [, setLoyaltyVersion] = useState(0);
  useEffect(() => {
    const watched = watchProductIndex(db);
    index.current = watched;
    started.resolve();
    return () => watched.close();
  }, [db, started]);
  // The rules on this till, compiled; until the first read they are none (a cart is priced at list price).
  const rules = useRef<DiscountRuleIndex | null>(null);
  const currentRules = (): TillRules => rules.current?.current() ?? NO_RULES;
  const loyaltyOf = (customerId: string): LoyaltyState => loyaltyIndex.current?.state(customerId) ?? loyaltyState(null, [], currentRules());
  const isPointsCode = (code: string): boolean => {
    const points = currentRules().points?.code;
    return points !== undefined && points !== null && sameDiscountCode(points, code);
  };
  const [explained, setExplained] = useState<string | null>(null);
  const machine = useMemo(
    () =>
      tillCheckoutMachine({
        products: async () => {
          await started.promise;
          const current = index.current;
          if (current === null) throw new Error('the product index is not running');
          await current.ready;
          return current;
        },
        customers: async () => {
          await customersStarted.promise;
          const current = customerIndex.current;
          if (current === null) throw new Error('the customer index is not running');
          await current.ready;
          return current;
        },
        followLoyalty: async (customerId) => {
          await customersStarted.promise;
          await loyaltyIndex.current?.follow(customerId);
        },
        wallets,
        db,
        offline: offline === undefined ? undefined : {
          cards: async () => {
            await giftCardsStarted.promise;
            const current = giftCards.current;
            if (current === null) throw new Error('the gift card index is not running');
            return current;
          },
          lease: () => offline.getState().lease,
        },
      }),
    [wallets, db, started, customersStarted, offline, giftCardsStarted],
  );
  const [snapshot, send] = useMachine(machine, {
    input: {
      currency, newId: () => crypto.randomUUID(), now: () => new Date(), explain: errorText,
      price: tillPricer(currentRules, store, loyaltyOf),
      isCouponCode: (code: string) => isKnownDiscountCode(currentRules().prepared, code),
      isPointsCode,
      isOnline: () => offline?.getState().online ?? true,
    },
  });
  useEffect(() => {
    const customersWatched = watchCustomerIndex(db);
    const loyaltyWatched = watchLoyalty(db, () => rules.current?.current() ?? NO_RULES);
    customerIndex.current = customersWatched;
    loyaltyIndex.current = loyaltyWatched;
    customersStarted.resolve();
    // A followed customer's stamps or bonus changed (their sale synced, another till sold to them): re-price while selling.
    const stop = loyaltyWatched.onChange(() => {
      setLoyaltyVersion((v) => v + 1);
      send({ type: 'rules.changed' });
    });
    return () => {
      stop();
      loyaltyWatched.close();
      customersWatched.close();
      customerIndex.current = null;
      loyaltyIndex.current = null;
    };
  }, [db, send, customersStarted]);
  /** Reads the customer's loyalty first, so the first pricing with them already has their stamps. */
  const identify = (customer: SaleCustomer): void => {
    void (loyaltyIndex.current?.follow(customer.customer_id) ?? Promise.resolve()).then(() => send({ type: 'customer.identify', customer }));
  };
  useEffect(() => {
    const watched = watchDiscountRules(db);
    rules.current = watched;
    const stop = watched.onChange(() => send({ type: 'rules.changed' }));
    return () => {
      stop();
      watched.close();
      rules.current = null;
    };
  }, [db, send]);
  const { cart, tenders, message, completed, priced, codes, customer } = snapshot.context;
  const due = amountDue(priced.net_amount, tenders);
  const tillRules = currentRules();

  // Scans belong to the sale only while its screen is showing.
  useEffect(() => (active ? attachWedgeScanner(window, (code) => send({ type: 'scan.received', code })) : undefined), [send, active]);

  if (snapshot.matches('done') && completed !== null) {
    const buyer = completed.customer;
    return (
      <ReceiptView cart={completed.cart} priced={completed.priced} tenders={completed.tenders} saleId={completed.sale_id} completedAt={completed.completed_at} onNew={() => send({ type: 'sale.new' })}>
        {buyer === null ? null : (
          <section className="customer no-print" aria-label="Customer">
            <strong data-testid="customer-name">{buyer.name}</strong>
            <LoyaltySummary rules={tillRules} loyalty={loyaltyOf(buyer.customer_id)} currency={currency} now={new Date()} />
          </section>
        )}
      </ReceiptView>
    );
  }

  const paying = snapshot.matches('paying') || snapshot.matches('cancelling');
  return (
    <main className="sale">
      <section className="cart-panel" aria-label="Cart">
        {paying ? null : <ScanField focusKey={snapshot.context.saleId} onScan={(code) => send({ type: 'scan.received', code })} />}
        {message === null ? null : (
          <p className="notice" role="alert">
            {message}
            <button type="button" className="link" onClick={() => send({ type: 'message.dismiss' })} aria-label="Dismiss message">×</button>
          </p>
        )}
        <CartLines cart={cart} priced={priced} editable={!paying} onExplain={setExplained} send={send} />
        {explained === null ? null : <DiscountExplanation priced={priced} discountId={explained} currency={currency} onClose={() => setExplained(null)} />}
        {paying ? null : <CouponForm codes={codes.filter((c) => !isPointsCode(c))} priced={priced} rulesFor={(code) => rulesForDiscountCode(currentRules().prepared, code)} onEnter={(code) => send({ type: 'coupon.enter', code })} onRemove={(code) => send({ type: 'coupon.remove', code })} />}
        <OffersChecked priced={priced} onExplain={setExplained} />
      </section>
      <aside className="totals-panel" aria-label="Totals">
        <CustomerPanel
          customer={customer}
          loyalty={customer === null ? null : loyaltyOf(customer.customer_id)}
          rules={tillRules}
          currency={currency}
          pointsOn={codes.some(isPointsCode)}
          editable={!paying}
          now={new Date()}
          findByPhone={async (e164) => {
            await customersStarted.promise;
            return (await customerIndex.current?.byPhone(e164)) ?? [];
          }}
          onIdentify={identify}
          onRemove={() => send({ type: 'customer.remove' })}
          onTogglePoints={(code) => send({ type: 'points.toggle', code })}
          enrol={{ allowed: canEnrol, client: customers, storeId: store.id }}
        />
        <dl className="totals">
          <dt>Items</dt>
          <dd data-testid="item-count">{priced.no_of_items}</dd>
          {priced.total_discount === 0 ? null : (
            <>
              <dt>Before discounts</dt>
              <dd data-testid="subtotal">{money(priced.gross_amount, currency)}</dd>
              <dt>Discounts</dt>
              <dd data-testid="total-discount">−{money(priced.total_discount, currency)}</dd>
            </>
          )}
          {priced.tax_lines.map((t) => (
            <div key={`${t.percentage}-${t.tax_code ?? ''}`} className="vat-row">
              <dt>VAT {t.percentage} % of {money(t.tax_basis, currency)}</dt>
              <dd>{money(t.amount, currency)}</dd>
            </div>
          ))}
          <dt className="grand">Total</dt>
          <dd className="grand" data-testid="total">{money(priced.net_amount, currency)}</dd>
        </dl>
        {paying ? (
          <PaymentPanel
            state={snapshot.matches({ paying: 'needPin' }) ? 'needPin' : snapshot.matches({ paying: 'choosing' }) ? 'choosing' : snapshot.matches({ paying: { completing: 'failed' } }) ? 'failed' : 'busy'}
            due={due}
            currency={currency}
            tenders={tenders}
            onCash={(given) => send({ type: 'tender.cash', given })}
            onExternal={() => send({ type: 'tender.external' })}
            onGiftCard={(token, amount) => send(amount === undefined ? { type: 'tender.giftCard', token } : { type: 'tender.giftCard', token, amount })}
            offline={offline}
            db={db}
            onPin={(pin) => send({ type: 'giftCard.pin', pin })}
            onBack={() => send({ type: 'back' })}
            onRetry={() => send({ type: 'retry' })}
            onCancel={() => send({ type: 'sale.cancel' })}
          />
        ) : (
          <div className="actions">
            <button type="button" className="primary big" disabled={priced.lines.length === 0} onClick={() => send({ type: 'pay' })}>Pay {money(priced.net_amount, currency)}</button>
            <button type="button" className="secondary" disabled={cart.lines.length === 0} onClick={() => send({ type: 'sale.cancel' })}>Cancel sale</button>
          </div>
        )}
      </aside>
    </main>
  );
});

function ScanField({ onScan, focusKey }: { onScan: (code: string) => void; focusKey: string }) {
  const [code, setCode] = useState('');
  const ref = useRef<HTMLInputElement>(null);
  // Back to the scan field whenever a new sale starts (after a cancel too).
  useEffect(() => ref.current?.focus(), [focusKey]);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (code.trim() === '') return;
    onScan(code.trim());
    setCode('');
  };
  return (
    <form className="scan" onSubmit={submit}>
      <label htmlFor="scan-input">Scan or type a barcode</label>
      <input id="scan-input" ref={ref} value={code} onChange={(e) => setCode(e.target.value)} inputMode="numeric" autoComplete="off" placeholder="EAN, then Enter" />
    </form>
  );
}

function CartLines({ cart, priced, editable, onExplain, send }: {
  cart: Cart; priced: PricedCart; editable: boolean; onExplain: (discountId: string) => void; send: (e: CheckoutEvent) => void;
}) {
  const pricedLines = new Map(priced.lines.map((p) => [p.line_id, p]));
  const live = cart.lines.filter((l) => !l.voided);
  if (live.length === 0) return <p className="empty">Scan an item to start a sale.</p>;
  return (
    <ol className="lines" aria-label="Cart lines">
      {live.map((l) => <CartLineRow key={l.line_id} line={l} priced={pricedLines.get(l.line_id)} currency={cart.currency} editable={editable} onExplain={onExplain} send={send} />)}
    </ol>
  );
}

interface CartLineProps {
  line: CartLine; priced: PricedLine | undefined; currency: Currency; editable: boolean; onExplain: (discountId: string) => void; send: (e: CheckoutEvent) => void;
}

/**
 * One cart line. A scan changes one line, but every pricing makes new priced objects: compare
 * what is shown, so a long cart repaints only the lines that changed (scan-to-paint budget).
 */
const CartLineRow = memo(function CartLineRow({ line: l, priced, currency, editable, onExplain, send }: CartLineProps) {
  return (
    <li className="line" data-testid="cart-line">
      <span className="desc">{l.description}</span>
      <span className="qty">
        {editable ? <button type="button" aria-label={`One less ${l.description}`} disabled={l.quantity <= 1} onClick={() => send({ type: 'line.quantity', lineId: l.line_id, quantity: l.quantity - 1 })}>−</button> : null}
        <span data-testid="line-quantity">{l.quantity}</span>
        {editable ? <button type="button" aria-label={`One more ${l.description}`} onClick={() => send({ type: 'line.quantity', lineId: l.line_id, quantity: l.quantity + 1 })}>+</button> : null}
      </span>
      <span className="amount">{formatMoney(l.unit_gross_price * l.quantity, currency)}</span>
      {editable ? <button type="button" className="void" aria-label={`Remove ${l.description}`} onClick={() => send({ type: 'line.void', lineId: l.line_id })}>Remove</button> : <span />}
      <LineDiscounts line={priced} currency={currency} onExplain={onExplain} />
    </li>
  );
}, (a, b) => a.line === b.line && a.currency === b.currency && a.editable === b.editable && a.onExplain === b.onExplain && a.send === b.send && samePricing(a.priced, b.priced));

/** Same discount and bonus lines (what the row shows of its pricing). */
function samePricing(a: PricedLine | undefined, b: PricedLine | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const same = <T extends { discount_id?: string | undefined; description?: string | undefined }>(x: readonly T[], y: readonly T[], amount: (t: T) => number): boolean =>
    x.length === y.length && x.every((t, i) => {
      const u = y[i];
      return u !== undefined && amount(t) === amount(u) && t.discount_id === u.discount_id && t.description === u.description;
    });
  return same(a.discount_lines, b.discount_lines, (d) => d.amount) && same(a.bonus_lines, b.bonus_lines, (d) => d.bonus);
}

type PanelState = 'choosing' | 'needPin' | 'busy' | 'failed';

/**
 * While offline, what a gift card may pay on this till now (policy caps, less what this till has
 * handed out offline and the server has not confirmed, and this sale's own); null while online.
 */
function useOfflineAllowanceLine(offline: OfflineLeaseKeeper | undefined, db: PosDatabase, tenders: readonly Tender[], currency: Currency): string | null {
  const keeper = offline ?? ALWAYS_ONLINE;
  const state = useSyncExternalStore(keeper.subscribe, keeper.getState);
  const [line, setLine] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const isOffline = state !== null && !state.online;
  // The time left moves by the minute: refresh the line twice a minute.
  useEffect(() => {
    if (!isOffline) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), 30_000);
    return () => clearInterval(timer);
  }, [isOffline]);
  useEffect(() => {
    if (state === null || state.online) {
      setLine(null);
      return undefined;
    }
    let current = true;
    const own = tenders.filter((t) => t.kind === 'gift_card_offline');
    void pendingOfflineDrawdowns(db).then(
      (pending) => current && setLine(offlineSummary(state.lease, [...pending, ...own], currency, new Date())),
      () => current && setLine(offlineSummary(state.lease, own, currency, new Date())),
    );
    return () => {
      current = false;
    };
  }, [state, db, tenders, currency, tick]);
  return line;
}

function PaymentPanel(props: {
  state: PanelState; due: number; currency: Currency; tenders: readonly Tender[];
  onCash: (given: number) => void; onExternal: () => void; onGiftCard: (token: string, amount?: number) => void; onPin: (pin: string) => void;
  onBack: () => void; onRetry: () => void; onCancel: () => void;
  offline: OfflineLeaseKeeper | undefined; db: PosDatabase;
}) {
  const [cash, setCash] = useState('');
  const [token, setToken] = useState('');
  const [giftAmount, setGiftAmount] = useState('');
  const [pin, setPin] = useState('');
  const { state, due, currency } = props;
  const offlineLine = useOfflineAllowanceLine(props.offline, props.db, props.tenders, currency);
  // Empty = pay what the card can of what is due; anything else must read as money.
  const typedAmount = giftAmount.trim() === '' ? undefined : parseMoneyInput(giftAmount);
  return (
    <section className="payment" aria-label="Payment">
      <p className="due">Due <strong data-testid="due">{money(due, currency)}</strong></p>
      {props.tenders.length === 0 ? null : (
        <ul className="tenders" aria-label="Payments taken">
          {props.tenders.map((t, i) => (
            <li key={i}>{t.kind === 'cash' ? 'Cash' : tenderLabel(t, currency)} <span>{money(t.amount, currency)}</span></li>
          ))}
        </ul>
      )}
      {offlineLine === null ? null : <p className="offline-allowance" data-testid="offline-allowance">{offlineLine}</p>}
      {state === 'busy' ? <p className="busy" role="status">Working…</p> : null}
      {state === 'failed' ? <button type="button" className="primary" onClick={props.onRetry}>Try again</button> : null}
      {state === 'needPin' ? (
        <form className="tender" onSubmit={(e) => { e.preventDefault(); props.onPin(pin); setPin(''); }}>
          <label htmlFor="gift-card-pin">Gift card PIN</label>
          <input id="gift-card-pin" type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoFocus autoComplete="off" />
          <div className="row"><button type="submit" className="primary">Use PIN</button><button type="button" className="secondary" onClick={props.onBack}>Back</button></div>
        </form>
      ) : null}
      {state === 'choosing' ? (
        <>
          <form className="tender" onSubmit={(e) => { e.preventDefault(); if (typedAmount === null) return; props.onGiftCard(token, typedAmount); setToken(''); setGiftAmount(''); }}>
            <label htmlFor="gift-card-token">Gift card number</label>
            <input id="gift-card-token" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
            <label htmlFor="gift-card-amount">Amount from the card (empty: what it can of {money(due, currency)})</label>
            <input id="gift-card-amount" value={giftAmount} onChange={(e) => setGiftAmount(e.target.value)} inputMode="decimal" placeholder={(due / 100).toFixed(2)} autoComplete="off" />
            <button type="submit" className="secondary" disabled={token.trim() === '' || typedAmount === null}>Pay with gift card</button>
          </form>
          <form className="tender" onSubmit={(e) => { e.preventDefault(); const given = parseMoneyInput(cash); if (given !== null) { props.onCash(given); setCash(''); } }}>
            <label htmlFor="cash-given">Cash received</label>
            <input id="cash-given" value={cash} onChange={(e) => setCash(e.target.value)} inputMode="decimal" placeholder={(due / 100).toFixed(2)} autoComplete="off" />
            <div className="row">
              <button type="submit" className="secondary" disabled={parseMoneyInput(cash) === null}>Take cash</button>
              <button type="button" className="secondary" onClick={() => props.onCash(due)}>Exact cash</button>
            </div>
          </form>
          <button type="button" className="secondary" onClick={props.onExternal}>Card terminal: {money(due, currency)}</button>
          <div className="row">
            {props.tenders.length === 0 ? <button type="button" className="link" onClick={props.onBack}>Back to cart</button> : null}
            <button type="button" className="danger" onClick={props.onCancel}>Cancel sale</button>
          </div>
        </>
      ) : null}
    </section>
  );
}

function ReceiptView({ cart, priced, tenders, saleId, completedAt, onNew, children }: { cart: Cart; priced: PricedCart; tenders: readonly Tender[]; saleId: string; completedAt: string; onNew: () => void; children?: ReactNode }) {
  const pricedLines = new Map(priced.lines.map((p) => [p.line_id, p]));
  const c = cart.currency;
  const change = changeDue(tenders);
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <main className="screen">
      <article className="card receipt" aria-label="Receipt">
        <h1>Sale complete</h1>
        {change > 0 ? <p className="change" data-testid="change">Change {money(change, c)}</p> : null}
        <p className="meta">{new Date(completedAt).toLocaleString()} · {saleId.slice(0, 8)}</p>
        <table>
          <tbody>
            {cart.lines.filter((l) => !l.voided).map((l) => (
              <ReceiptLine key={l.line_id} quantity={l.quantity} description={l.description} gross={l.unit_gross_price * l.quantity} priced={pricedLines.get(l.line_id)} currency={c} />
            ))}
            {priced.total_discount === 0 ? null : <tr className="discount-total"><td>You saved</td><td>{money(priced.total_discount, c)}</td></tr>}
            <tr className="grand"><td>Total</td><td>{money(priced.net_amount, c)}</td></tr>
            {priced.tax_lines.map((t) => (
              <tr key={`${t.percentage}-${t.tax_code ?? ''}`} className="vat"><td>VAT {t.percentage} % of {money(t.tax_basis, c)}</td><td>{money(t.amount, c)}</td></tr>
            ))}
            {tenders.map((t, i) => (
              <tr key={i} className="tender-row"><td>{tenderLabel(t, c)}</td><td>{money(t.amount, c)}</td></tr>
            ))}
          </tbody>
        </table>
        {children}
        <div className="row no-print">
          <button type="button" className="secondary" onClick={() => window.print()}>Print receipt</button>
          <button type="button" className="primary" ref={ref} onClick={onNew}>New sale</button>
        </div>
      </article>
    </main>
  );
}

function ReceiptLine({ quantity, description, gross, priced, currency }: { quantity: number; description: string; gross: number; priced: PricedCart['lines'][number] | undefined; currency: Currency }) {
  return (
    <>
      <tr><td>{quantity} × {description}</td><td>{money(gross, currency)}</td></tr>
      {(priced?.discount_lines ?? []).map((d, i) => (
        <tr key={`d${i}`} className="discount-row"><td>  {d.description ?? 'Discount'}</td><td>−{money(d.amount, currency)}</td></tr>
      ))}
      {(priced?.bonus_lines ?? []).map((b, i) => (
        <tr key={`b${i}`} className="bonus-row"><td>  {b.description ?? 'Bonus'}</td><td>+{money(b.bonus, currency)} bonus</td></tr>
      ))}
    </>
  );
}
