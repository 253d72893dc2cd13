/**
 * Keeps the loyalty of the customers at the counter current: their server-confirmed document from
 * the replica, and this till's sales for them the server has not confirmed yet (`loyalty.ts`).
 * Only customers asked for are followed (a few at a time), not every customer on the till.
 */
import { ReceiptSchema, type CustomerLoyaltyDoc, type Receipt } from '@pos/core';
import type { Subscription } from 'rxjs';
import type { PosDatabase } from '../../db/database.ts';
import type { TillRules } from '../sale/discount-rules.ts';
import { loyaltyState, type LoyaltyState } from './loyalty.ts';

export interface LoyaltyIndex {
  /** Starts following this customer; resolves once their confirmed figures are read. */
  follow(customerId: string): Promise<void>;
  /** The customer's figures now (only pending sales until `follow` has read the document). */
  state(customerId: string): LoyaltyState;
  /** Called whenever a followed customer's figures or the pending sales change. */
  onChange(listener: () => void): () => void;
  close(): void;
}

/** Customers followed at once: the one at the counter and a few recent ones. */
const FOLLOWED = 8;

type Confirmed = Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'>;

export function watchLoyalty(db: PosDatabase, rules: () => TillRules): LoyaltyIndex {
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const l of listeners) l();
  };
  const followed = new Map<string, { doc: Confirmed | null; loaded: Promise<void>; sub: Subscription | null }>();
  let pending = new Map<string, Receipt[]>();

  // A stored sale never changes (only its uploaded flag): each is parsed once, not on every change
  // of the list, which holds thousands after a long outage.
  let parsedSales = new Map<string, Receipt | null>();
  const pendingSub = db.sales.find({ selector: { uploaded: false } }).$.subscribe((docs) => {
    const next = new Map<string, Receipt[]>();
    const seen = new Map<string, Receipt | null>();
    for (const d of docs) {
      let receipt = parsedSales.get(d.id);
      if (receipt === undefined) {
        const parsed = ReceiptSchema.safeParse(d.toJSON().sale['receipt']);
        receipt = parsed.success && parsed.data.customer_id !== undefined ? parsed.data : null;
      }
      seen.set(d.id, receipt);
      const customerId = receipt?.customer_id;
      if (receipt === null || customerId === undefined) continue;
      const list = next.get(customerId);
      if (list === undefined) next.set(customerId, [receipt]);
      else list.push(receipt);
    }
    parsedSales = seen;
    pending = next;
    changed();
  });

  return {
    follow(customerId) {
      const known = followed.get(customerId);
      if (known !== undefined) {
        // Most recently used last, so the oldest is the one to let go.
        followed.delete(customerId);
        followed.set(customerId, known);
        return known.loaded;
      }
      let markLoaded: () => void = () => undefined;
      const loaded = new Promise<void>((resolve) => {
        markLoaded = resolve;
      });
      const entry: { doc: Confirmed | null; loaded: Promise<void>; sub: Subscription | null } = { doc: null, loaded, sub: null };
      entry.sub = db.customer_loyalty.findOne(customerId).$.subscribe((doc) => {
        entry.doc = doc === null ? null : { refs: doc.toJSON().refs.map((r) => ({ ...r, statistics: { ...r.statistics }, stamps: r.stamps.map((s) => ({ ...s })) })), bonus: { ...doc.bonus } };
        markLoaded();
        changed();
      });
      followed.set(customerId, entry);
      for (const [id, e] of followed) {
        if (followed.size <= FOLLOWED) break;
        e.sub?.unsubscribe();
        followed.delete(id);
      }
      return loaded;
    },
    state: (customerId) => loyaltyState(followed.get(customerId)?.doc ?? null, pending.get(customerId) ?? [], rules()),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      pendingSub.unsubscribe();
      for (const e of followed.values()) e.sub?.unsubscribe();
      followed.clear();
      listeners.clear();
    },
  };
}
