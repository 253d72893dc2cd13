/**
 * The discount rules on this till, compiled for the engine and kept current from the replica, so
 * a cart change costs one engine run and no query. Anonymous purchases may use the rules given to
 * `/`; rules given to `*` or to one customer need a customer at the counter (identification comes
 * with the customers replica).
 */
import { DiscountSchema, prepareRules, type EngineRef, type PreparedRules } from '@pos/core';
import type { PosDatabase } from '../../db/database.ts';

export interface TillRules {
  readonly prepared: PreparedRules;
  /** Discount id → the refs an anonymous purchase may use. */
  readonly anonymousRefs: ReadonlyMap<string, readonly EngineRef[]>;
}

export interface DiscountRuleIndex {
  readonly ready: Promise<void>;
  current(): TillRules;
  /** Called after every change of the rules on this till. */
  onChange(listener: () => void): () => void;
  close(): void;
}

export function watchDiscountRules(db: PosDatabase): DiscountRuleIndex {
  let rules: TillRules = { prepared: prepareRules([]), anonymousRefs: new Map() };
  const listeners = new Set<() => void>();
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const sub = db.discount_rules.find().$.subscribe((docs) => {
    const discounts = [];
    const anonymousRefs = new Map<string, EngineRef[]>();
    for (const doc of docs) {
      // The replica holds what the server sent; a document this build cannot read is left out, not guessed at.
      const parsed = DiscountSchema.safeParse(doc.toJSON().rule);
      if (!parsed.success) continue;
      discounts.push(parsed.data);
      const refs = doc.refs
        .filter((r) => r.grant === 'no_customer')
        .map((r): EngineRef => ({ ref_id: r.ref_id, grant: 'no_customer', statistics: r.statistics, stamps: [] }));
      if (refs.length > 0) anonymousRefs.set(parsed.data.id, refs);
    }
    rules = { prepared: prepareRules(discounts), anonymousRefs };
    markReady();
    for (const l of listeners) l();
  });
  return {
    ready,
    current: () => rules,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: () => {
      sub.unsubscribe();
      listeners.clear();
    },
  };
}
