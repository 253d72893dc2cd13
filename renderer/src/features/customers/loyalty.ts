/**
 * A customer's loyalty as the till shows and prices it: the server-confirmed document from the
 * replica, and on top of it what this till's sales that the server has not confirmed yet did to
 * it (DESIGN §3 "Loyalty offline": provisional on the till, authoritative on the server).
 *
 * Decisions where nothing is written down:
 * - A pending sale's effect is read from its priced receipt's `discounts[]` (the engine's own
 *   per-ref figures): stamps added, rewards given, bonus earned and, on the points rule, the
 *   amount spent. Once a sale is uploaded it counts only through the server's document.
 * - Stamp card after a pending sale: its new stamps are appended (at its purchase time), then the
 *   stamps its rewards used (S per reward) are taken from the oldest. That is the engine's walk
 *   (a reward uses the S stamps collected before it; what follows starts the new card) whatever
 *   order the units came in.
 * - Points spendable at the till = the confirmed balance minus what pending sales spent. Bonus
 *   those sales earned is shown as provisional but not spent until the server confirms it, so an
 *   offline till never hands out points the server may not agree were earned.
 * - A sale that went up but whose effect has not come back down yet (a moment while online)
 *   counts nowhere: the till may briefly show the old figures, it never counts a sale twice.
 */
import type { CustomerLoyaltyDoc, Receipt, StampEvent } from '@pos/core';
import type { TillRules } from '../sale/discount-rules.ts';

type LoyaltyRef = CustomerLoyaltyDoc['refs'][number];

export interface LoyaltyState {
  /** The server's figures (from the replica); null when the customer has none yet. */
  readonly confirmed: Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> | null;
  /** The confirmed figures with this till's unconfirmed sales applied. */
  readonly provisional: Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'>;
  /** This customer's sales the server has not confirmed yet. */
  readonly pendingSales: number;
  /** Bonus this till may spend now (minor units). */
  readonly spendable: number;
}

const NO_BONUS = { earned: 0, spent: 0, balance: 0 };

export function loyaltyState(confirmed: Pick<CustomerLoyaltyDoc, 'refs' | 'bonus'> | null, pending: readonly Receipt[], rules: TillRules): LoyaltyState {
  const refs = new Map<string, LoyaltyRef>();
  for (const r of confirmed?.refs ?? []) refs.set(`${r.discount_id}\u001f${r.ref_id}`, r);
  const byId = new Map(rules.prepared.rules.map((r) => [r.id, r]));
  let earned = 0;
  let spent = 0;
  const ordered = [...pending].sort((a, b) => (a.purchase_at < b.purchase_at ? -1 : a.purchase_at > b.purchase_at ? 1 : 0));
  for (const receipt of ordered) {
    for (const d of receipt.discounts ?? []) {
      const rule = byId.get(d.id);
      for (const ref of d.refs) {
        if (rule?.reward.effect === 'bonus') earned += ref.bonus;
        if (rule !== undefined && rules.points?.discount_id === rule.id) spent += ref.amount;
        const key = `${d.id}\u001f${ref.id}`;
        const before = refs.get(key) ?? { discount_id: d.id, ref_id: ref.id, grant: rules.anyCustomerRefs.get(d.id)?.includes(ref.id) === true ? 'any_customer' : 'customer', granted_at: receipt.purchase_at, statistics: { usage: 0, stamp: 0, amount: 0, bonus: 0 }, stamps: [] };
        const s = before.statistics;
        refs.set(key, {
          ...before,
          statistics: { ...s, usage: s.usage + ref.usage, stamp: s.stamp + ref.stamp, amount: s.amount + ref.amount, bonus: s.bonus + ref.bonus },
          stamps: afterPurchase(before.stamps, ref.stamp, ref.usage * (rule?.requirement.stamp ?? 0), receipt.purchase_at),
        });
      }
    }
  }
  const bonus = confirmed?.bonus ?? NO_BONUS;
  return {
    confirmed,
    provisional: { refs: [...refs.values()], bonus: { earned: bonus.earned + earned, spent: bonus.spent + spent, balance: bonus.balance + earned - spent } },
    pendingSales: pending.length,
    spendable: Math.max(0, bonus.balance - spent),
  };
}

/** The card after a purchase that added `added` stamps and used `used` (oldest first). */
function afterPurchase(stamps: readonly StampEvent[], added: number, used: number, at: string): StampEvent[] {
  const card = added > 0 ? [...stamps, { at, stamp: added }] : [...stamps];
  let left = used;
  while (left > 0 && card.length > 0) {
    const first = card[0];
    if (first === undefined) break;
    if (first.stamp <= left) {
      left -= first.stamp;
      card.shift();
    } else {
      card[0] = { ...first, stamp: first.stamp - left };
      left = 0;
    }
  }
  return card;
}

export interface StampCardProgress {
  readonly discount_id: string;
  readonly name: string;
  readonly collected: number;
  readonly needed: number;
}

/**
 * Each stamp card on this till with the customer's valid stamps on it (those within
 * `stamp_expire_days` of `now`, as the engine counts them), from the ref the engine would use:
 * a personal one before a `*` one, then the smallest ref id.
 */
export function stampCards(rules: TillRules, loyalty: Pick<CustomerLoyaltyDoc, 'refs'> | null, now: Date): StampCardProgress[] {
  const byId = new Map(rules.prepared.rules.map((r) => [r.id, r]));
  return rules.stampCards.map((card) => {
    const refs = (loyalty?.refs ?? [])
      .filter((r) => r.discount_id === card.discount_id)
      .sort((a, b) => (a.grant === b.grant ? (a.ref_id < b.ref_id ? -1 : 1) : a.grant === 'customer' ? -1 : 1));
    const expireDays = byId.get(card.discount_id)?.limitation?.stamp_expire_days ?? -1;
    const since = expireDays < 0 ? -Infinity : now.getTime() - expireDays * 86_400_000;
    const collected = (refs[0]?.stamps ?? []).filter((s) => Date.parse(s.at) >= since).reduce((sum, s) => sum + s.stamp, 0);
    return { discount_id: card.discount_id, name: card.name, collected, needed: card.stamps };
  });
}
