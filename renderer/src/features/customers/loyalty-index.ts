/**
 * Keeps the loyalty of the customers at the counter current: their server-confirmed document from
 * the replica, and this till's sales for them the server has not confirmed yet (`loyalty.ts`): the
 * outbox's unsent receipt records, which say so the moment the server confirms one.
 * Only customers asked for are followed (a few at a time), not every customer on the till.
 */
import { ReceiptSchema, type CustomerLoyaltyDoc, type Receipt } from '@pos/core';
import type { Subscription } from 'rxjs';
import type { PosDatabase } from '../../db/database.ts';
import type { OutboxDoc } from '../../db/schemas.ts';
import { unsent } from '../../app/outbox.ts';
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

  // Member sales the server has not confirmed: the outbox's receipt records not yet sent (their
  // payload is the receipt the server will record loyalty from). Kept from the outbox's change
  // events rather than a live query, which a drain confirming thousands of records after an
  // outage would re-run over every unsent one on each write. Each receipt is parsed once.
  const unconfirmed = new Map<string, Receipt>();
  let pending = new Map<string, Receipt[]>();
  const apply = (record: Pick<OutboxDoc, 'id' | 'kind' | 'state' | 'payload'> & { _deleted?: boolean }): boolean => {
    if (record.kind !== 'receipt') return false;
    if (record.state === 'sent' || record._deleted === true) return unconfirmed.delete(record.id);
    if (unconfirmed.has(record.id)) return false;
    const parsed = ReceiptSchema.safeParse(record.payload);
    if (!parsed.success || parsed.data.customer_id === undefined) return false;
    unconfirmed.set(record.id, parsed.data);
    return true;
  };
  const regroup = (): void => {
    const next = new Map<string, Receipt[]>();
    for (const receipt of unconfirmed.values()) {
      const customerId = receipt.customer_id;
      if (customerId === undefined) continue;
      const list = next.get(customerId);
      if (list === undefined) next.set(customerId, [receipt]);
      else list.push(receipt);
    }
    pending = next;
    changed();
  };
  // Events that arrive while the first read runs wait for it, then apply on top (each carries the
  // whole record, so applying one the read already saw changes nothing).
  let early: OutboxDoc[] | null = [];
  let regroupQueued = false;
  const outboxSub = db.outbox.$.subscribe((event) => {
    if (early !== null) {
      early.push(event.documentData);
      return;
    }
    if (!apply(event.documentData) || regroupQueued) return;
    // The drain confirms records a hundred at a time: regroup once per burst, not per record.
    regroupQueued = true;
    queueMicrotask(() => {
      regroupQueued = false;
      regroup();
    });
  });
  void unsent(db, 'receipt').exec().then((docs) => {
    for (const d of docs) apply(d.toMutableJSON());
    for (const e of early ?? []) apply(e);
    early = null;
    regroup();
  }, () => {
    early = null;
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
      outboxSub.unsubscribe();
      for (const e of followed.values()) e.sub?.unsubscribe();
      followed.clear();
      listeners.clear();
    },
  };
}
