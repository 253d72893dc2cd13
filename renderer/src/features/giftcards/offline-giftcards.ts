/**
 * Gift cards while the till cannot reach the server (issue 6 §2): find the card in the replica by
 * its number, check its signed allowance and its PIN, and take a payment within what core's
 * `offlineGiftCardAmount` allows, as a `gift_card_offline` tender the sale's commit turns into an
 * outbox entry.
 *
 * - The replica never holds card numbers, only lookup keys (PBKDF2 of the number's SHA-256 with
 *   the lease's salt, contracts/offline.ts OFFLINE_LOOKUP); the till derives the key of the number
 *   it is given and looks it up in an in-memory map kept current from the `gift_cards` replica
 *   (like customer-index: built once, then patched from change events).
 * - An allowance counts only if it verifies with the lease's key and names this card; the PIN is
 *   checked against the card's `pin_check` (OFFLINE_PIN), and after MAX_WRONG_PINS wrong tries the
 *   card is refused offline for the rest of the session (online the server locks it).
 * - "Used" is everything this till handed out from gift cards offline that the server has not
 *   confirmed (the outbox) plus this sale's own offline tenders: all of them for the card and for
 *   the till, whatever allowance they were taken under. An unconfirmed entry is in no allowance the
 *   server has signed since, so counting it is never wrong by too little.
 */
import {
  describeTimeLeft,
  formatMoney,
  OFFLINE_CAP_TEXT,
  OFFLINE_LOOKUP,
  OFFLINE_PIN,
  OfflineAllowanceClaimsSchema,
  offlineGiftCardAmount,
  type Currency,
  type GiftCardDoc,
  type OfflineAllowanceClaims,
  type OfflineGiftCardTender,
  type OfflineUse,
} from '@pos/core';
import type { PosDatabase } from '../../db/database.ts';
import type { HeldLease } from '../../app/offline-lease.ts';
import type { OfflineGiftCardInput, OfflineGiftCardOutput } from '../../machines/checkout.machine.ts';
import { OFFLINE_TYP, verifySigned } from './offline-signature.ts';

type StoredGiftCard = Omit<GiftCardDoc, '_deleted'>;

export const MAX_WRONG_PINS = 5;

const hex = (bytes: ArrayBuffer): string => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const utf8 = (s: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(s);

async function pbkdf2Hex(password: string, salt: string, iterations: number, bytes: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
  return hex(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: utf8(salt), iterations }, key, bytes * 8));
}

/** The lookup key of a card number under a lease's salt (OFFLINE_LOOKUP). */
export async function offlineLookupKey(token: string, lookupSalt: string): Promise<string> {
  const tokenHash = hex(await crypto.subtle.digest('SHA-256', utf8(token)));
  return pbkdf2Hex(tokenHash, lookupSalt, OFFLINE_LOOKUP.iterations, OFFLINE_LOOKUP.bytes);
}

/** Whether `pin` is the card's PIN, by its offline check (OFFLINE_PIN). */
export async function offlinePinMatches(pin: string, check: { readonly salt: string; readonly hash: string }): Promise<boolean> {
  return (await pbkdf2Hex(pin, check.salt, OFFLINE_PIN.iterations, OFFLINE_PIN.bytes)) === check.hash.toLowerCase();
}

/** What the checkout asks for: card number, PIN, amount typed, what is due, this sale's offline tenders. */
export type OfflineGiftCardRequest = OfflineGiftCardInput;

export interface OfflineGiftCardContext {
  readonly lease: HeldLease | null;
  /** This till's offline drawdowns the server has not confirmed (the outbox). */
  readonly pending: readonly OfflineGiftCardTender[];
  readonly now: Date;
}

/** A tender with a note for the cashier, a PIN to ask for (again, when `message` says it was wrong), or a refusal. */
export type OfflineGiftCardOutcome = OfflineGiftCardOutput;

export interface OfflineGiftCards {
  /** Resolves once the map holds every card the replica had at start. */
  readonly ready: Promise<void>;
  /** The card with this lookup key, or null. */
  byLookupKey(key: string): StoredGiftCard | null;
  /** Takes a gift card payment offline, or says why not. */
  take(request: OfflineGiftCardRequest, context: OfflineGiftCardContext): Promise<OfflineGiftCardOutcome>;
  close(): void;
}

const refused = (message: string): OfflineGiftCardOutcome => ({ kind: 'refused', message });
const ANOTHER_WAY = 'Take another payment method.';

/** What this till has handed out offline: for one card (under any allowance) and in all. */
export function offlineUse(tenders: readonly OfflineGiftCardTender[], cardPk: string, currency: string): OfflineUse {
  let amount = 0;
  let count = 0;
  let terminal = 0;
  for (const t of tenders) {
    if (t.currency !== currency) continue;
    terminal += t.amount;
    if (t.card_pk === cardPk) {
      amount += t.amount;
      count += 1;
    }
  }
  return { card: { amount, count }, terminal };
}

export function watchOfflineGiftCards(db: PosDatabase): OfflineGiftCards {
  const byKey = new Map<string, StoredGiftCard>();
  const keysOf = new Map<string, readonly string[]>();
  const wrongPins = new Map<string, number>();

  const remove = (id: string): void => {
    for (const k of keysOf.get(id) ?? []) if (byKey.get(k)?.id === id) byKey.delete(k);
    keysOf.delete(id);
  };
  const put = (card: StoredGiftCard): void => {
    remove(card.id);
    const keys = card.offline?.lookup ?? [];
    for (const k of keys) byKey.set(k, card);
    keysOf.set(card.id, keys);
  };
  // Listen first and replay what came in while the first read ran (events carry whole documents).
  let buffered: { id: string; doc: StoredGiftCard | null }[] | null = [];
  const apply = (e: { id: string; doc: StoredGiftCard | null }): void => (e.doc === null ? remove(e.id) : put(e.doc));
  const sub = db.gift_cards.$.subscribe((e) => {
    const change = { id: e.documentId, doc: e.operation === 'DELETE' ? null : e.documentData };
    if (buffered === null) apply(change);
    else buffered.push(change);
  });
  const ready = db.gift_cards.find().exec().then((docs) => {
    for (const d of docs) put(d.toMutableJSON());
    for (const e of buffered ?? []) apply(e);
    buffered = null;
  });

  /** The card's allowance if it verifies with the lease's key and is this card's; else why not. */
  const allowanceOf = async (card: StoredGiftCard, lease: HeldLease): Promise<{ claims: OfflineAllowanceClaims; jws: string } | { blocked: string }> => {
    const offline = card.offline;
    if (offline === undefined) return { blocked: 'This card has no offline permission on this till yet: it needs the server.' };
    if (offline.under_review) return { blocked: 'This card is under review after an offline payment the server could not cover: it needs the server.' };
    if (offline.allowance === undefined) return { blocked: offline.blocked ?? 'This card cannot be used offline.' };
    const res = await verifySigned(offline.allowance, lease.publicKey, OFFLINE_TYP.allowance, OfflineAllowanceClaimsSchema);
    if (!res.ok) return { blocked: `This card's offline permission does not check out (${res.reason}), so it cannot be used offline.` };
    if (res.claims.card_pk !== card.id || res.claims.account_id !== lease.claims.account_id) return { blocked: "This card's offline permission is for another card, so it cannot be used offline." };
    return { claims: res.claims, jws: offline.allowance };
  };

  async function take(r: OfflineGiftCardRequest, c: OfflineGiftCardContext): Promise<OfflineGiftCardOutcome> {
    const all = [...c.pending, ...r.saleTenders];
    const base = { currency: r.currency, due: r.due, requested: r.requested, now: c.now };
    const lease = c.lease;
    // Without a lease in force there is no salt to find the card with, and no permission anyway.
    const early = offlineGiftCardAmount({ ...base, lease: lease?.claims ?? null, allowance: null, used: { card: { amount: 0, count: 0 }, terminal: 0 } });
    if (lease === null || (!early.ok && ['OFFLINE_NO_LEASE', 'OFFLINE_LEASE_EXPIRED', 'OFFLINE_DISABLED'].includes(early.error.code))) {
      return refused(`${early.ok ? '' : early.error.message} ${ANOTHER_WAY}`.trim());
    }
    await ready;
    const card = byKey.get(await offlineLookupKey(r.token.trim(), lease.claims.lookup_salt));
    if (card === undefined) return refused(`This gift card is not on this till's list (a card issued since the last sync, or a mistyped number). ${ANOTHER_WAY}`);
    const allowance = await allowanceOf(card, lease);
    if ('blocked' in allowance) return refused(`${allowance.blocked} ${ANOTHER_WAY}`);
    if (card.has_pin) {
      const check = card.offline?.pin_check;
      if (check === undefined) return refused(`This card's PIN cannot be checked offline. ${ANOTHER_WAY}`);
      const tries = wrongPins.get(card.id) ?? 0;
      if (tries >= MAX_WRONG_PINS) return refused(`Too many wrong PINs for this card: it is not taken offline any more. ${ANOTHER_WAY}`);
      if (r.pin === undefined) return { kind: 'pin', message: null };
      if (!(await offlinePinMatches(r.pin, check))) {
        wrongPins.set(card.id, tries + 1);
        const left = MAX_WRONG_PINS - tries - 1;
        return left === 0 ? refused(`Wrong PIN, and too many wrong PINs for this card: it is not taken offline any more. ${ANOTHER_WAY}`) : { kind: 'pin', message: `Wrong PIN (${left} ${left === 1 ? 'try' : 'tries'} left offline).` };
      }
      wrongPins.delete(card.id);
    }
    const res = offlineGiftCardAmount({ ...base, lease: lease.claims, allowance: allowance.claims, used: offlineUse(all, card.id, r.currency) });
    if (!res.ok) return refused(res.error.code === 'OFFLINE_ABOVE_ALLOWANCE' ? res.error.message : `${res.error.message} ${ANOTHER_WAY}`);
    const g = res.value;
    const tender: OfflineGiftCardTender = {
      kind: 'gift_card_offline', amount: g.amount, card_id: card.card_id, card_pk: card.id, currency: r.currency,
      ref_id: `${r.saleId}:gift-card-offline:${r.saleTenders.length + 1}`, created_at: c.now.toISOString(), allowance: allowance.jws, lease: lease.jws,
    };
    const note = g.rest === 0 ? null : `Offline, this card paid ${formatMoney(g.amount, r.currency)}${g.limitedBy === 'due' ? '' : `, the most it may: ${OFFLINE_CAP_TEXT[g.limitedBy]}`}. Take the remaining ${formatMoney(g.rest, r.currency)} another way.`;
    return { kind: 'taken', tender, note };
  }

  return {
    ready,
    byLookupKey: (key) => byKey.get(key) ?? null,
    take,
    close: () => sub.unsubscribe(),
  };
}

/**
 * What a card may pay offline on this till now, for the payment panel: "Offline: up to 200,00 kr
 * per card, 1 use, 1 500,00 kr left on this till · 3 h 12 min left", or why gift cards need the server.
 */
export function offlineSummary(lease: HeldLease | null, used: readonly OfflineGiftCardTender[], currency: Currency, now: Date): string {
  if (lease === null) return 'Offline: gift cards need the server (this till has no offline permission yet).';
  const p = lease.claims.policy;
  const left = Date.parse(lease.claims.expires_at) - now.getTime();
  if (left <= 0) return 'Offline: gift cards need the server again (offline limit reached).';
  if (!p.enabled || p.max_redemptions_per_card === 0) return 'Offline: this store does not take gift cards offline (store policy).';
  const terminalLeft = Math.max(0, p.max_amount_per_terminal - offlineUse(used, '', currency).terminal);
  const uses = p.max_redemptions_per_card === 1 ? '1 use' : `${p.max_redemptions_per_card} uses`;
  return `Offline: up to ${formatMoney(p.max_amount_per_card, currency)} per card, ${uses}, ${formatMoney(terminalLeft, currency)} left on this till · ${describeTimeLeft(left)} left`;
}
