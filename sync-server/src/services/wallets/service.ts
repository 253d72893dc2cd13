/**
 * Wallets (virtual gift cards) over an append-only ledger (core/src/wallet/ledger.ts).
 *
 * Choices where Dintero's contract is silent (reference §9.10):
 * - A drawdown above `amount_available` is refused (400 WALLET_INSUFFICIENT_FUNDS), never partial.
 * - `ref_id` is an idempotency key per card for transactions, captures, voids and tokens: the same
 *   request again returns the original; the same `ref_id` with a different amount, currency, type,
 *   pending flag or parent is 409 WALLET_REF_ID_CONFLICT. Metadata is not compared.
 * - PIN: a card's own token needs the PIN (in /wallets/info, or as `pin` in the transaction body).
 *   A correct PIN at /wallets/info lets the same API client use the token without the PIN for
 *   10 minutes, so Dintero's two-step till flow works unchanged. Temporary tokens (made by an
 *   authorised client through /cards/{id}/tokens) need no PIN.
 * - Guessing: 5 wrong PINs in a row lock the card for 15 minutes (429 WALLET_CARD_LOCKED), for every
 *   client, since card crackers spread over many clients and addresses. Unknown tokens count per
 *   API client: 20 in 10 minutes and that client gets 429 WALLET_TOO_MANY_ATTEMPTS on token lookups.
 * - `active_from` blocks drawdowns (fund is allowed); after `expires_at` nothing new is allowed,
 *   but a pending amount reserved before expiry can still be captured or voided.
 * - Deleting a card is a soft delete; its ledger stays.
 * - `amount_reserved` reports the pending locks (same as `amount_pending`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  amountAvailable,
  applyEntry,
  asCurrency,
  DEFAULT_PIN_FORMAT,
  maskCode,
  type Format,
  EMPTY_TOTALS,
  pendingRemaining,
  planEntry,
  type CardTotals,
  type LedgerRequest,
} from '@pos/core';
import type { GiftCardDoc } from '@pos/core/contracts/sync';
import type { Card, CardCreate, Capture, TokenCode, TokenCreate, Transaction, TransactionCreate, Void } from '@pos/core/contracts/wallets';
import type { Transaction as Trx } from 'kysely';
import type { Clock } from '../../clock.ts';
import type { Database, WalletCardsTable, WalletTokensTable, WalletTransactionsTable } from '../../db/schema.ts';
import { ApiError, badRequest, conflict, forbidden, notFound, tooManyRequests } from '../../errors.ts';
import { timeOrderedId } from '../../db/ids.ts';
import { checkTokenFormat, codeResponse, derivedCode, hashPin, hashToken, randomCode } from './codes.ts';
import { enqueueEvents } from '../webhooks/outbox.ts';
import type { TokenRef, WalletRepo } from './repo.ts';
import { cardOffline, type OfflineCardPort } from '../offline/card-docs.ts';
import { lookupKey, pinCheck } from '../offline/derive.ts';

export interface Actor {
  readonly clientId: string;
  /** Holds admin:wallets or write:wallets: may fund and address cards by card_id. */
  readonly canWrite: boolean;
}

const PIN_MAX_FAILURES = 5;
const PIN_LOCK_MS = 15 * 60_000;
const PIN_GRANT_MS = 10 * 60_000;
const TOKEN_MAX_FAILURES = 20;
const TOKEN_WINDOW_MS = 10 * 60_000;

const MONEY_ERRORS: Record<string, number> = {
  WALLET_INSUFFICIENT_FUNDS: 400,
  WALLET_NOT_PENDING: 400,
  WALLET_CAPTURE_EXCEEDS_PENDING: 400,
  WALLET_NOTHING_TO_SETTLE: 400,
  WALLET_AMOUNT_INVALID: 400,
};

const parseJson = (text: string): Record<string, unknown> => {
  const v: unknown = JSON.parse(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};
};

const totalsOf = (head: WalletTransactionsTable | undefined): CardTotals =>
  head === undefined
    ? EMPTY_TOTALS
    : { amount_balance: head.balance_after, amount_pending: head.pending_after, amount_funds: head.funds_after, amount_drawdown: head.drawdown_after };

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiError };
const refuse = (error: ApiError): { ok: false; error: ApiError } => ({ ok: false, error });
const unwrap = <T>(o: Outcome<T>): T => {
  if (!o.ok) throw o.error;
  return o.value;
};

const consecutiveFailures = (newestFirst: ReadonlyArray<{ outcome: string }>): number => {
  const i = newestFirst.findIndex((e) => e.outcome !== 'fail');
  return i === -1 ? newestFirst.length : i;
};

const requestHash = (parts: Record<string, string | number | boolean | null>): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

const tokenPrefix = (format: Format | undefined): string => format?.prefix ?? (format === undefined || Object.keys(format).every((k) => k === 'prefix' || k === 'barcode') ? 'DINCARD:' : '');

/** What an offline drawdown did to the ledger (see `offlineLedger.drawdown`). */
export interface OfflineDrawdown {
  /** What went on the ledger: min(amount, amount_available); 0 when nothing could be drawn. */
  readonly applied: number;
  readonly transaction?: Transaction;
  /** The card's ledger already holds this ref_id for another request: nothing was drawn. */
  readonly refConflict: boolean;
}

/** `offline`: the offline gift-card pieces (services/offline); absent, cards carry no `offline` field. */
export function createWalletService(repo: WalletRepo, clock: Clock, offline?: OfflineCardPort) {
  let pepper: Promise<string> | undefined;
  const secret = (): Promise<string> => (pepper ??= repo.getOrCreateSecret('wallet_secret', () => randomBytes(32).toString('hex'), clock.now().toISOString()));

  function cardView(card: WalletCardsTable, head: WalletTransactionsTable | undefined, now: Date): Card {
    const t = totalsOf(head);
    const status = card.deleted_at !== null
      ? 'deleted'
      : card.expires_at !== null && card.expires_at <= now.toISOString()
        ? 'expired'
        : t.amount_drawdown > 0 || t.amount_pending > 0
          ? 'active'
          : 'unused';
    return {
      id: card.id,
      created_at: card.created_at,
      created_by: card.created_by,
      card_id: card.card_id,
      ...(card.customer_id === null ? {} : { customer_id: card.customer_id }),
      ...(card.name === null ? {} : { name: card.name }),
      metadata: parseJson(card.metadata),
      amount: card.amount,
      currency: asCurrency(card.currency),
      amount_balance: t.amount_balance,
      amount_available: amountAvailable(t),
      amount_funds: t.amount_funds,
      amount_drawdown: t.amount_drawdown,
      amount_pending: t.amount_pending,
      amount_reserved: t.amount_pending,
      ...(card.active_from === null ? {} : { active_from: card.active_from }),
      ...(card.expires_at === null ? {} : { expires_at: card.expires_at }),
      type: card.type === 'credit_note' ? 'credit_note' : 'gift_card',
      status,
      ...(card.originated_by === null ? {} : { originated_by: card.originated_by }),
      has_pin: card.pin_hash !== null,
    };
  }

  function transactionView(row: WalletTransactionsTable, cardId: string, remaining?: number): Transaction {
    return {
      id: row.id,
      created_at: row.created_at,
      created_by: row.created_by,
      card_id: cardId,
      metadata: parseJson(row.metadata),
      ref_id: row.ref_id,
      amount: row.amount,
      currency: asCurrency(row.currency),
      type: row.type === 'fund' || row.type === 'pending_capture' || row.type === 'voided' ? row.type : 'drawdown',
      ...(row.parent_id === null ? {} : { parent_id: row.parent_id }),
      ...(row.originated_by === null ? {} : { originated_by: row.originated_by }),
      ...(remaining === undefined ? {} : { amount_pending: remaining }),
    };
  }

  async function liveCard(accountId: string, cardId: string): Promise<WalletCardsTable> {
    const card = await repo.findCard(accountId, cardId);
    if (card === undefined || card.deleted_at !== null) throw notFound('WALLET_CARD_NOT_FOUND', `no card ${cardId}`);
    return card;
  }

  async function remainingOf(pendings: readonly WalletTransactionsTable[], q?: Trx<Database>): Promise<Map<string, number>> {
    const ids = pendings.filter((p) => p.type === 'pending_capture').map((p) => p.id);
    const settlements = await repo.settlementsOf(ids, q);
    const out = new Map<string, number>();
    for (const p of pendings) {
      if (p.type !== 'pending_capture') continue;
      out.set(p.id, pendingRemaining({ type: 'pending_capture', amount: p.amount, parent_id: null }, settlements.filter((s) => s.parent_id === p.id).map((s) => ({ type: s.type === 'voided' ? 'voided' : 'drawdown', amount: s.amount, parent_id: s.parent_id }))));
    }
    return out;
  }

  /**
   * Appends one entry to a locked card, or returns the original for a replayed `ref_id`.
   * Refusals throw: nothing was written in this step.
   */
  async function append(
    trx: Trx<Database>,
    card: WalletCardsTable,
    actor: Actor,
    input: { refId: string; hash: string; metadata: Record<string, unknown> | undefined; originatedBy: string | undefined; tokenId: string | null; singleUse: boolean },
    decide: (totals: CardTotals) => Promise<LedgerRequest>,
  ): Promise<Transaction> {
    const { replay: previous, head } = await repo.replayAndHead(card.id, input.refId, trx);
    if (previous !== undefined) {
      if (previous.request_hash !== input.hash) {
        throw conflict('WALLET_REF_ID_CONFLICT', `ref_id ${input.refId} was already used on this card for a different request`);
      }
      const remaining = previous.type === 'pending_capture' ? (await remainingOf([previous], trx)).get(previous.id) : undefined;
      return transactionView(previous, card.card_id, remaining);
    }
    if (input.tokenId !== null && input.singleUse && (await repo.tokenUsed(input.tokenId, trx))) {
      throw badRequest('WALLET_TOKEN_USED', 'this token was for one transaction and has been used');
    }
    const totals = totalsOf(head);
    const planned = planEntry(totals, await decide(totals));
    if (!planned.ok) throw new ApiError(MONEY_ERRORS[planned.error.code] ?? 400, planned.error.code, planned.error.message);
    const after = applyEntry(totals, planned.value);
    const row: WalletTransactionsTable = {
      id: timeOrderedId(),
      account_id: card.account_id,
      card_pk: card.id,
      seq: (head?.seq ?? 0) + 1,
      ref_id: input.refId,
      type: planned.value.type,
      amount: planned.value.amount,
      currency: card.currency,
      parent_id: planned.value.parent_id,
      token_id: input.tokenId,
      metadata: JSON.stringify(input.metadata ?? {}),
      originated_by: input.originatedBy ?? null,
      request_hash: input.hash,
      balance_after: after.amount_balance,
      pending_after: after.amount_pending,
      funds_after: after.amount_funds,
      drawdown_after: after.amount_drawdown,
      created_at: clock.now().toISOString(),
      created_by: actor.clientId,
    };
    await repo.insertTransaction(row, trx);
    if (input.tokenId !== null && input.singleUse) await repo.useToken(input.tokenId, row.id, row.created_at, trx);
    const view = transactionView(row, card.card_id, row.type === 'pending_capture' ? row.amount : undefined);
    // The webhook event commits (or rolls back) with the ledger entry it reports.
    await enqueueEvents(trx, [{ accountId: card.account_id, event: 'wallet_transaction', payload: { transaction: view } }], row.created_at);
    return view;
  }

  /**
   * Card lockout and PIN check on a locked card, so parallel guesses cannot slip past the failure
   * count. Returns the refusal rather than throwing it, so the recorded failure is kept.
   */
  async function checkPin(trx: Trx<Database>, card: WalletCardsTable, actor: Actor, pin: string | undefined): Promise<ApiError | null> {
    if (card.pin_hash === null) return null;
    const now = clock.now();
    const recent = await repo.cardAuthEvents(card.id, 'pin', new Date(now.getTime() - PIN_LOCK_MS).toISOString(), PIN_MAX_FAILURES, trx);
    const streak = consecutiveFailures(recent);
    if (streak >= PIN_MAX_FAILURES) {
      const unlockAt = new Date(Date.parse(recent[0]?.created_at ?? now.toISOString()) + PIN_LOCK_MS);
      return tooManyRequests('WALLET_CARD_LOCKED', `too many wrong PINs: the card is locked until ${unlockAt.toISOString()}`);
    }
    if (pin === undefined) {
      const last = recent[0];
      const granted = last !== undefined && last.outcome === 'ok' && last.client_id === actor.clientId && Date.parse(last.created_at) > now.getTime() - PIN_GRANT_MS;
      return granted ? null : forbidden('WALLET_PIN_REQUIRED', 'this card has a PIN: send it as `pin`');
    }
    const ok = hashPin(await secret(), card.id, pin) === card.pin_hash;
    await repo.recordAuthEvent({ id: randomUUID(), account_id: card.account_id, card_pk: card.id, client_id: actor.clientId, kind: 'pin', outcome: ok ? 'ok' : 'fail', created_at: now.toISOString() }, trx);
    if (ok) return null;
    const left = PIN_MAX_FAILURES - streak - 1;
    return left <= 0
      ? tooManyRequests('WALLET_CARD_LOCKED', 'too many wrong PINs: the card is locked for 15 minutes')
      : forbidden('WALLET_PIN_INVALID', `wrong PIN (${left} ${left === 1 ? 'try' : 'tries'} left before the card locks)`);
  }

  /**
   * Resolves a token to its live card and locks the card, counting unknown tokens against the
   * client, then checks the PIN where the token needs one. Refusals are returned (see checkPin).
   */
  async function openByToken(trx: Trx<Database>, accountId: string, actor: Actor, token: string, pin: string | undefined): Promise<Outcome<{ card: WalletCardsTable; tok: TokenRef }>> {
    const now = clock.now();
    const since = new Date(now.getTime() - TOKEN_WINDOW_MS).toISOString();
    const found = await repo.findTokenWithCard(hashToken(token), actor.clientId, since, trx);
    const failures = found?.clientFailures ?? (await repo.clientFailures(actor.clientId, 'token', since, trx));
    // A client over the limit is refused even when its guess is right.
    if (failures >= TOKEN_MAX_FAILURES) {
      return refuse(tooManyRequests('WALLET_TOO_MANY_ATTEMPTS', 'too many unknown card tokens from this client: try again in 10 minutes'));
    }
    if (found === undefined || found.token.account_id !== accountId || found.card.deleted_at !== null) {
      await repo.recordAuthEvent({ id: randomUUID(), account_id: accountId, card_pk: null, client_id: actor.clientId, kind: 'token', outcome: 'fail', created_at: now.toISOString() }, trx);
      return refuse(notFound('WALLET_TOKEN_NOT_FOUND', 'no card has this token'));
    }
    if (found.token.expires_at <= now.toISOString()) return refuse(notFound('WALLET_TOKEN_EXPIRED', 'this token has expired'));
    await repo.lockCard(found.card.id, trx);
    const pinRefusal = found.token.kind === 'card' ? await checkPin(trx, found.card, actor, pin) : null;
    return pinRefusal === null ? { ok: true, value: { card: found.card, tok: found.token } } : refuse(pinRefusal);
  }

  function checkWindow(card: WalletCardsTable, kind: 'fund' | 'drawdown'): void {
    const now = clock.now().toISOString();
    if (card.expires_at !== null && card.expires_at <= now) throw badRequest('WALLET_CARD_EXPIRED', `the card expired at ${card.expires_at}`);
    if (kind === 'drawdown' && card.active_from !== null && card.active_from > now) {
      throw badRequest('WALLET_CARD_NOT_ACTIVE', `the card can be used from ${card.active_from}`);
    }
  }

  /**
   * The account's signing key, lookup keys of the cards' own unexpired tokens and which cards are
   * under review. A token made before offline lookups existed gets its key here, once: it is stored.
   */
  async function offlineExtras(accountId: string, cardPks: readonly string[], now: Date) {
    if (offline === undefined) throw new Error('offline extras without the offline port');
    const [signer, salt, review, tokens] = await Promise.all([
      offline.signer(), offline.lookupSalt(accountId), offline.underReview(accountId, cardPks), repo.offlineTokensOf(cardPks, now.toISOString()),
    ]);
    // Missing keys in parallel: pbkdf2 runs on the thread pool.
    const keys = await Promise.all(tokens.map(async (t) => {
      if (t.offline_lookup !== null) return t.offline_lookup;
      const key = await lookupKey(t.token_hash, salt);
      await repo.setOfflineLookup(t.id, key);
      return key;
    }));
    const lookups = new Map<string, string[]>();
    tokens.forEach((t, i) => {
      const list = lookups.get(t.card_pk) ?? [];
      list.push(keys[i] ?? '');
      lookups.set(t.card_pk, list);
    });
    return { signer, review, lookups };
  }

  async function cardWithHead(card: WalletCardsTable): Promise<Card> {
    return cardView(card, await repo.head(card.id), clock.now());
  }

  return {
    /** Card snapshots for the tills' replicas: balances only, never tokens or PINs. */
    async syncGiftCards(accountId: string, pks: readonly string[]): Promise<GiftCardDoc[]> {
      const cards = await repo.cardsByPk(accountId, pks);
      const ids = cards.map((c) => c.id);
      const now = clock.now();
      const [heads, extra] = await Promise.all([repo.heads(ids), offline === undefined ? undefined : offlineExtras(accountId, ids, now)]);
      return cards.map((c) => {
        const head = heads.get(c.id);
        const v = cardView(c, head, now);
        const changed = [c.created_at, head?.created_at ?? '', c.deleted_at ?? ''].reduce((a, b) => (b > a ? b : a));
        const off = extra === undefined
          ? undefined
          : cardOffline({ accountId, card: { ...c, currency: v.currency }, amountAvailable: v.amount_available, version: head?.seq ?? 0, lookups: extra.lookups.get(c.id) ?? [], underReview: extra.review.has(c.id), now }, extra.signer);
        return {
          id: c.id, updated_at: changed, _deleted: c.deleted_at !== null, card_id: c.card_id, name: v.name, customer_id: v.customer_id,
          currency: v.currency, amount_balance: v.amount_balance, amount_available: v.amount_available, status: v.status, has_pin: v.has_pin,
          active_from: v.active_from, expires_at: v.expires_at, ...(off === undefined ? {} : { offline: off }),
        };
      });
    },

    /**
     * The offline drawdowns pushed by tills (services/offline): applied on the card's ledger like
     * any drawdown, in the caller's transaction, but never refused for want of funds: the money
     * was handed out, so the ledger takes what the card has and the caller lists the rest.
     */
    offlineLedger: {
      unitOfWork: <T>(fn: (trx: Trx<Database>) => Promise<T>): Promise<T> => repo.unitOfWork(fn),

      /** The card by server id, else by card_id (deleted ones too), locked for this transaction. */
      async openCard(trx: Trx<Database>, accountId: string, cardPk: string, cardId: string): Promise<WalletCardsTable | undefined> {
        const byPk = await repo.findCardByPk(cardPk, trx);
        const card = byPk !== undefined && byPk.account_id === accountId ? byPk : await repo.findCard(accountId, cardId, trx);
        if (card !== undefined) await repo.lockCard(card.id, trx);
        return card;
      },

      async drawdown(trx: Trx<Database>, card: WalletCardsTable, actor: Actor, i: { refId: string; amount: number; metadata: Record<string, unknown> }): Promise<OfflineDrawdown> {
        const hash = requestHash({ kind: 'offline', amount: i.amount, currency: card.currency });
        const { replay, head } = await repo.replayAndHead(card.id, i.refId, trx);
        if (replay !== undefined) {
          if (replay.request_hash !== hash) return { applied: 0, refConflict: true };
          return { applied: replay.amount, transaction: transactionView(replay, card.card_id), refConflict: false };
        }
        const applied = Math.min(i.amount, amountAvailable(totalsOf(head)));
        if (applied <= 0) return { applied: 0, refConflict: false };
        const input = { refId: i.refId, hash, metadata: i.metadata, originatedBy: undefined, tokenId: null, singleUse: false };
        const transaction = await append(trx, card, actor, input, () => Promise.resolve({ kind: 'drawdown', amount: applied, pending: false }));
        return { applied, transaction, refConflict: false };
      },
    },

    async createCard(accountId: string, actor: Actor, input: CardCreate) {
      const now = clock.now();
      if (input.active_from !== undefined && input.expires_at !== undefined && Date.parse(input.active_from) >= Date.parse(input.expires_at)) {
        throw badRequest('WALLET_PERIOD_INVALID', 'active_from must be before expires_at');
      }
      if (input.expires_at !== undefined && Date.parse(input.expires_at) <= now.getTime()) {
        throw badRequest('WALLET_PERIOD_INVALID', 'expires_at is in the past');
      }
      checkTokenFormat(input.card_token?.format);
      if ((await repo.findCard(accountId, input.card_id)) !== undefined) {
        throw conflict('WALLET_CARD_EXISTS', `card ${input.card_id} already exists`);
      }
      const cardPk = randomUUID();
      const pinValue = input.pin === undefined ? undefined : randomCode({ ...DEFAULT_PIN_FORMAT, ...input.pin.format });
      const tokenValue = input.card_token === undefined ? undefined : randomCode(input.card_token.format);
      // The offline checks need the PIN and token in clear: now is the only time the server has them.
      const offlinePin = offline === undefined || pinValue === undefined ? undefined : await pinCheck(pinValue);
      const offlineLookup = offline === undefined || tokenValue === undefined ? null : await lookupKey(hashToken(tokenValue), await offline.lookupSalt(accountId));
      const iso = now.toISOString();
      const card: WalletCardsTable = {
        id: cardPk,
        account_id: accountId,
        card_id: input.card_id,
        customer_id: input.customer_id ?? null,
        name: input.name ?? null,
        currency: input.currency,
        type: input.type,
        amount: input.amount,
        active_from: input.active_from === undefined ? null : new Date(input.active_from).toISOString(),
        expires_at: input.expires_at === undefined ? null : new Date(input.expires_at).toISOString(),
        metadata: JSON.stringify(input.metadata ?? {}),
        pin_hash: pinValue === undefined ? null : hashPin(await secret(), cardPk, pinValue),
        offline_pin_salt: offlinePin?.salt ?? null,
        offline_pin_hash: offlinePin?.hash ?? null,
        originated_by: input.originated_by ?? null,
        created_at: iso,
        created_by: actor.clientId,
        deleted_at: null,
        deleted_by: null,
      };
      let head: WalletTransactionsTable | undefined;
      try {
        await repo.transaction(async (trx) => {
          await repo.insertCard(card, trx);
          if (input.amount > 0) {
            head = {
              id: randomUUID(), account_id: accountId, card_pk: cardPk, seq: 1, ref_id: `card:${cardPk}`, type: 'fund', amount: input.amount,
              currency: input.currency, parent_id: null, token_id: null, metadata: '{}', originated_by: input.originated_by ?? null,
              request_hash: requestHash({ kind: 'create', amount: input.amount }), balance_after: input.amount, pending_after: 0,
              funds_after: input.amount, drawdown_after: 0, created_at: iso, created_by: actor.clientId,
            };
            await repo.insertTransaction(head, trx);
            await enqueueEvents(trx, [{ accountId, event: 'wallet_transaction', payload: { transaction: transactionView(head, card.card_id) } }], iso);
          }
          if (input.card_token !== undefined && tokenValue !== undefined) {
            const fmt = input.card_token.format;
            await repo.insertToken({
              id: randomUUID(), account_id: accountId, card_pk: cardPk, ref_id: `card:${cardPk}`, kind: 'card', token_hash: hashToken(tokenValue), offline_lookup: offlineLookup,
              masked_code: maskCode(tokenValue, tokenPrefix(fmt)), format: fmt === undefined ? null : JSON.stringify(fmt),
              expires_after_transaction: input.card_token.expires_after_transaction ? 1 : 0, expires_in: input.card_token.expires_in,
              expires_at: new Date(now.getTime() + input.card_token.expires_in * 1000).toISOString(), metadata: '{}',
              request_hash: '', created_at: iso, created_by: actor.clientId,
            }, trx);
          }
        });
      } catch (e) {
        if (repo.isUniqueViolation(e)) throw conflict('WALLET_CARD_EXISTS', `card ${input.card_id} already exists`);
        throw e;
      }
      return {
        ...cardView(card, head, now),
        ...(input.pin === undefined || pinValue === undefined
          ? {}
          : { pin: { ...(input.pin.format === undefined ? {} : { format: input.pin.format }), pin: await codeResponse(pinValue, input.pin.format) } }),
        ...(input.card_token === undefined || tokenValue === undefined
          ? {}
          : {
              card_token: {
                ...(input.card_token.format === undefined ? {} : { format: input.card_token.format }),
                expires_after_transaction: input.card_token.expires_after_transaction,
                expires_in: input.card_token.expires_in,
                token: await codeResponse(tokenValue, input.card_token.format),
              },
            }),
      };
    },

    async getCard(accountId: string, cardId: string) {
      const card = await liveCard(accountId, cardId);
      const tokens = await repo.tokensOf([card.id]);
      return { ...(await cardWithHead(card)), tokens: tokens.map((t) => ({ expires_at: t.expires_at, masked_code: t.masked_code })) };
    },

    async listCards(accountId: string, q: { limit: number; starting_after?: string | undefined; include_deleted: boolean; amount_available?: number | undefined }) {
      const cards: Card[] = [];
      let cursor = q.starting_after;
      // The amount filter is on a derived balance, so fetch pages until the page is full.
      for (;;) {
        const rows = await repo.listCards(accountId, { limit: q.limit, startingAfter: cursor, includeDeleted: q.include_deleted });
        const heads = await repo.heads(rows.map((r) => r.id));
        const now = clock.now();
        for (const r of rows) {
          const view = cardView(r, heads.get(r.id), now);
          if (q.amount_available === undefined || view.amount_available >= q.amount_available) cards.push(view);
          if (cards.length === q.limit) break;
        }
        cursor = rows.at(-1)?.card_id;
        if (cards.length === q.limit || rows.length < q.limit) break;
      }
      const last = cards.at(-1);
      return { cards, ...(cards.length === q.limit && last !== undefined ? { starting_after: last.card_id } : {}) };
    },

    async deleteCard(accountId: string, actor: Actor, cardId: string) {
      const card = await liveCard(accountId, cardId);
      const at = clock.now().toISOString();
      await repo.softDeleteCard(card.id, at, actor.clientId);
      return cardWithHead({ ...card, deleted_at: at, deleted_by: actor.clientId });
    },

    async createToken(accountId: string, actor: Actor, cardId: string, input: TokenCreate) {
      const card = await liveCard(accountId, cardId);
      checkWindow(card, 'fund');
      checkTokenFormat(input.format);
      const hash = requestHash({ kind: 'token', expires_in: input.expires_in, format: JSON.stringify(input.format ?? null), eat: input.expires_after_transaction });
      const value = derivedCode(input.format, await secret(), `${card.id}:${input.ref_id}`);
      const existing = await repo.findTokenByRef(card.id, input.ref_id);
      const row: WalletTokensTable = existing ?? {
        id: randomUUID(), account_id: accountId, card_pk: card.id, ref_id: input.ref_id, kind: 'temporary', token_hash: hashToken(value), offline_lookup: null,
        masked_code: maskCode(value, tokenPrefix(input.format)), format: input.format === undefined ? null : JSON.stringify(input.format),
        expires_after_transaction: input.expires_after_transaction ? 1 : 0, expires_in: input.expires_in,
        expires_at: new Date(clock.now().getTime() + input.expires_in * 1000).toISOString(), metadata: JSON.stringify(input.metadata ?? {}),
        request_hash: hash, created_at: clock.now().toISOString(), created_by: actor.clientId,
      };
      if (existing !== undefined && existing.request_hash !== hash) {
        throw conflict('WALLET_REF_ID_CONFLICT', `ref_id ${input.ref_id} was already used on this card for a different token`);
      }
      if (existing === undefined) {
        try {
          await repo.insertToken(row);
        } catch (e) {
          if (!repo.isUniqueViolation(e)) throw e;
          const raced = await repo.findTokenByRef(card.id, input.ref_id);
          if (raced?.request_hash !== hash) throw conflict('WALLET_REF_ID_CONFLICT', `ref_id ${input.ref_id} was already used on this card for a different token`);
        }
      }
      return {
        id: row.id, created_at: row.created_at, created_by: row.created_by, ref_id: row.ref_id, metadata: parseJson(row.metadata),
        ...(input.format === undefined ? {} : { format: input.format }),
        expires_after_transaction: row.expires_after_transaction === 1, expires_in: row.expires_in, expires_at: row.expires_at,
        token: await codeResponse(value, input.format),
      };
    },

    async info(accountId: string, actor: Actor, body: TokenCode): Promise<Card> {
      return unwrap(await repo.unitOfWork(async (trx): Promise<Outcome<Card>> => {
        const opened = await openByToken(trx, accountId, actor, body.token, body.pin);
        if (!opened.ok) return opened;
        return { ok: true, value: cardView(opened.value.card, await repo.head(opened.value.card.id, trx), clock.now()) };
      }));
    },

    async transact(accountId: string, actor: Actor, body: TransactionCreate): Promise<Transaction> {
      if (body.type === 'fund' && !actor.canWrite) throw forbidden('AUTH_SCOPE_MISSING', 'funding a card requires admin:wallets or write:wallets');
      if (body.token === undefined && !actor.canWrite) {
        throw forbidden('AUTH_SCOPE_MISSING', 'a transaction by card_id requires admin:wallets or write:wallets; send the card token instead');
      }
      const hash = requestHash({ kind: body.type, amount: body.amount, currency: body.currency, pending: body.pending });
      return unwrap(await repo.unitOfWork(async (trx): Promise<Outcome<Transaction>> => {
        let card: WalletCardsTable;
        let tok: TokenRef | undefined;
        if (body.token !== undefined) {
          const opened = await openByToken(trx, accountId, actor, body.token, body.pin);
          if (!opened.ok) return opened;
          ({ card, tok } = opened.value);
        } else {
          const found = await repo.findCard(accountId, body.card_id ?? '', trx);
          if (found === undefined || found.deleted_at !== null) throw notFound('WALLET_CARD_NOT_FOUND', `no card ${body.card_id ?? ''}`);
          card = found;
          await repo.lockCard(card.id, trx);
        }
        if (body.currency !== card.currency) throw badRequest('WALLET_CURRENCY_MISMATCH', `the card is in ${card.currency}, not ${body.currency}`);
        const input = { refId: body.ref_id, hash, metadata: body.metadata, originatedBy: body.originated_by, tokenId: tok?.id ?? null, singleUse: tok?.expires_after_transaction === 1 };
        const value = await append(trx, card, actor, input, () => {
          checkWindow(card, body.type);
          return Promise.resolve(body.type === 'fund' ? { kind: 'fund', amount: body.amount } : { kind: 'drawdown', amount: body.amount, pending: body.pending });
        });
        return { ok: true, value };
      }));
    },

    async settle(accountId: string, actor: Actor, transactionId: string, kind: 'capture' | 'void', body: Capture | Void): Promise<Transaction> {
      const amount = 'amount' in body ? body.amount : undefined;
      return repo.unitOfWork(async (trx) => {
        const parent = await repo.findTransaction(accountId, transactionId, trx);
        if (parent === undefined) throw notFound('WALLET_TRANSACTION_NOT_FOUND', `no transaction ${transactionId}`);
        const card = await repo.findCardByPk(parent.card_pk, trx);
        if (card === undefined) throw notFound('WALLET_CARD_NOT_FOUND', 'the card of this transaction is gone');
        await repo.lockCard(card.id, trx);
        const hash = requestHash({ kind, parent: parent.id, amount: amount ?? null });
        const input = { refId: body.ref_id, hash, metadata: body.metadata, originatedBy: undefined, tokenId: null, singleUse: false };
        return append(trx, card, actor, input, async () => {
          const remaining = (await remainingOf([parent], trx)).get(parent.id) ?? 0;
          const p = { id: parent.id, type: parent.type === 'pending_capture' ? 'pending_capture' : 'drawdown', amount: parent.amount, parent_id: parent.parent_id } as const;
          return kind === 'capture' ? { kind: 'capture', parent: p, remaining, amount } : { kind: 'void', parent: p, remaining };
        });
      });
    },

    async listTransactions(accountId: string, cardId: string): Promise<Transaction[]> {
      const card = await liveCard(accountId, cardId);
      const rows = await repo.listTransactions(card.id);
      const remaining = await remainingOf(rows);
      return rows.map((r) => transactionView(r, card.card_id, remaining.get(r.id)));
    },

    async customerCards(accountId: string, customerId: string, q: { limit: number; starting_after?: string | undefined }) {
      const rows = await repo.listCards(accountId, { limit: q.limit, startingAfter: q.starting_after, includeDeleted: false, customerId });
      return rows.map((c) => ({
        id: c.id, created_at: c.created_at, created_by: c.created_by, card_id: c.card_id,
        ...(c.customer_id === null ? {} : { customer_id: c.customer_id }),
        ...(c.name === null ? {} : { name: c.name }),
        metadata: parseJson(c.metadata),
        ...(c.active_from === null ? {} : { active_from: c.active_from }),
        ...(c.expires_at === null ? {} : { expires_at: c.expires_at }),
      }));
    },

    async customerCard(accountId: string, customerId: string, cardId: string) {
      const card = await liveCard(accountId, cardId);
      if (card.customer_id !== customerId) throw notFound('WALLET_CARD_NOT_FOUND', `customer ${customerId} has no card ${cardId}`);
      const view = await cardWithHead(card);
      const tokens = await repo.tokensOf([card.id]);
      return {
        id: view.id, created_at: view.created_at, created_by: view.created_by, card_id: view.card_id, customer_id: customerId,
        ...(view.name === undefined ? {} : { name: view.name }), metadata: view.metadata,
        ...(view.active_from === undefined ? {} : { active_from: view.active_from }),
        ...(view.expires_at === undefined ? {} : { expires_at: view.expires_at }),
        tokens: tokens.map((t) => ({ expires_at: t.expires_at, masked_code: t.masked_code })),
        currency: view.currency, amount_balance: view.amount_balance, amount_available: view.amount_available,
      };
    },
  };
}

export type WalletService = ReturnType<typeof createWalletService>;
