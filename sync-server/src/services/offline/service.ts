/**
 * Offline gift cards on the server (issue 6, contracts/offline.ts): the policy, the leases tills
 * get while they can reach us, and the offline drawdowns they push later.
 *
 * Choices:
 * - A store's PUT replaces its override (only the fields it names; the rest follow the account);
 *   the account's PUT changes the fields it names. The policy in force = account ⊕ store override.
 * - Entries are applied one transaction per entry, in order. One per batch would lock up to 500
 *   cards at once, and two tills pushing the same cards in another order would deadlock; per
 *   entry, a failure stops the batch after a prefix that is fully stored, and the resend answers
 *   `duplicate` for it with the same figures.
 * - Money handed out is never dropped: the ledger takes min(amount, amount_available), the entry
 *   keeps both figures, and anything off becomes an exception (one per entry, the gravest kind:
 *   unknown_card, card_inactive, overdraw, outside_allowance; the message names every reason).
 * - A deleted card, or one expired or not yet active when the cashier took it, still pays what it
 *   has: the value is the customer's and was spent; the exception says so.
 * - Caps are checked against the entries the server has from the same terminal: per card under one
 *   allowance version (count and amount), and per lease (amount). Such entries are still applied.
 */
import { formatMoney, isCurrency, OfflineAllowanceClaimsSchema, OfflineLeaseClaimsSchema, OfflinePolicySchema, OfflinePolicyUpdateSchema, DEFAULT_OFFLINE_POLICY } from '@pos/core';
import type { Currency, OfflineAllowanceClaims, OfflineException, OfflineLeaseClaims, OfflinePolicy, OfflineWalletEntry } from '@pos/core';
import type { z } from 'zod';
import type { Transaction as Trx } from 'kysely';
import type { Clock } from '../../clock.ts';
import { monotonicId } from '../../db/ids.ts';
import type { Database, WalletCardsTable } from '../../db/schema.ts';
import type { WalletOfflineEntriesTable, WalletOfflineExceptionsTable } from '../../db/tables/offline.ts';
import { uniqueViolation } from '../../db/unique-violation.ts';
import { conflict, notFound } from '../../errors.ts';
import { enqueueEvents } from '../webhooks/outbox.ts';
import type { WalletService } from '../wallets/service.ts';
import type { OfflineCardPort } from './card-docs.ts';
import type { OfflineRepo } from './repo.ts';
import { newLookupSalt } from './derive.ts';
import { ALLOWANCE_TYP, LEASE_TYP } from './signing.ts';

type PolicyUpdate = z.infer<typeof OfflinePolicyUpdateSchema>;
type Kind = OfflineException['kind'];

export interface EntryResult {
  ref_id: string;
  status: 'applied' | 'duplicate';
  transaction_id?: string;
  applied_amount: number;
  exception_id?: string;
}

/** Money as the till shows it (core's formatter), so a manager reads the same figures on both. */
const money = (minor: number, currency: Currency): string => formatMoney(minor, currency);
const tail = (cardId: string): string => `…${cardId.slice(-4)}`;

const parsePolicy = (json: string | null): OfflinePolicy => {
  if (json === null) return DEFAULT_OFFLINE_POLICY;
  const p = OfflinePolicySchema.safeParse(JSON.parse(json));
  return p.success ? p.data : DEFAULT_OFFLINE_POLICY;
};
const parseUpdate = (json: string): PolicyUpdate => {
  const p = OfflinePolicyUpdateSchema.safeParse(JSON.parse(json));
  return p.success ? p.data : {};
};

function exceptionView(r: WalletOfflineExceptionsTable): OfflineException {
  const kind = r.kind === 'overdraw' || r.kind === 'outside_allowance' || r.kind === 'unknown_card' || r.kind === 'card_inactive' ? r.kind : 'outside_allowance';
  return {
    id: r.id, created_at: r.created_at, kind, message: r.message, card_id: r.card_id, ...(r.card_pk === null ? {} : { card_pk: r.card_pk }),
    ref_id: r.ref_id, sale_id: r.sale_id, store_id: r.store_id, terminal_id: r.terminal_id, currency: isCurrency(r.currency) ? r.currency : 'NOK',
    amount: r.amount, applied_amount: r.applied_amount, shortfall: r.shortfall, status: r.status === 'resolved' ? 'resolved' : 'open',
    ...(r.resolved_at === null ? {} : { resolved_at: r.resolved_at }),
    ...(r.resolved_by === null ? {} : { resolved_by: r.resolved_by }),
    ...(r.resolution === null ? {} : { resolution: r.resolution }),
  };
}

/** What the manager reads: what happened, and what to do. */
function exceptionMessage(kind: Kind, e: OfflineWalletEntry, card: WalletCardsTable | undefined, applied: number, reasons: readonly string[]): string {
  const paid = money(e.amount, e.currency);
  const short = money(e.amount - applied, e.currency);
  const why = reasons.length === 0 ? '' : ` (${reasons.join('; ')})`;
  const settle = `collect ${short} from the customer or write it off, then resolve.`;
  switch (kind) {
    case 'unknown_card':
      return `A card this server does not know (${tail(e.card_id)}) paid ${paid} offline in sale ${e.sale_id}: nothing could be charged. ${settle[0]?.toUpperCase() ?? ''}${settle.slice(1)}`;
    case 'card_inactive': {
      const state = card === undefined || card.deleted_at !== null ? 'deleted' : card.expires_at !== null && card.expires_at <= e.created_at ? 'expired' : 'not yet active';
      const took = `${money(applied, e.currency)} was taken from its balance`;
      return `Card ${tail(e.card_id)} was ${state} when it paid ${paid} offline${why}; ${took}. ${applied < e.amount ? `${short} is not covered: ${settle}` : 'Check the sale, then resolve.'}`;
    }
    case 'overdraw':
      return `Card ${tail(e.card_id)} paid ${paid} offline but had ${money(applied, e.currency)}${why}: ${settle}`;
    case 'outside_allowance':
      return applied < e.amount
        ? `Card ${tail(e.card_id)} paid ${paid} offline outside what the till was allowed${why}; only ${money(applied, e.currency)} could be charged: ${settle}`
        : `Card ${tail(e.card_id)} paid ${paid} offline outside what the till was allowed${why}. It is on the card's ledger; check the till's offline settings, then resolve.`;
  }
}

export function createOfflineService(repo: OfflineRepo, port: OfflineCardPort, wallets: WalletService, clock: Clock) {
  const ledger = wallets.offlineLedger;

  async function accountPolicy(accountId: string): Promise<OfflinePolicy> {
    const s = await repo.ensureSettings(accountId, newLookupSalt, clock.now().toISOString());
    return parsePolicy(s.policy);
  }

  function storeView(r: { store_id: string; policy: string; updated_at: string }) {
    return { store_id: r.store_id, policy: parseUpdate(r.policy), updated_at: r.updated_at };
  }

  async function effectivePolicy(accountId: string, storeId: string): Promise<OfflinePolicy> {
    const [base, store] = await Promise.all([accountPolicy(accountId), repo.getStorePolicy(accountId, storeId)]);
    return store === undefined ? base : { ...base, ...parseUpdate(store.policy) };
  }

  /** The verified claims of a signed value, or null. */
  function claimsOf<S extends z.ZodType>(schema: S, payload: unknown): z.infer<S> | null {
    if (payload === null) return null;
    const parsed = schema.safeParse(payload);
    return parsed.success ? parsed.data : null;
  }

  async function applyOne(trx: Trx<Database>, accountId: string, terminalId: string, e: OfflineWalletEntry, allowance: OfflineAllowanceClaims | null, lease: OfflineLeaseClaims | null): Promise<EntryResult> {
    const card = await ledger.openCard(trx, accountId, e.card_pk, e.card_id);
    const cardKey = card?.id ?? '';
    const existing = await repo.findEntry(trx, accountId, cardKey, e.ref_id);
    if (existing !== undefined) {
      return {
        ref_id: e.ref_id, status: 'duplicate', applied_amount: existing.applied_amount,
        ...(existing.transaction_id === null ? {} : { transaction_id: existing.transaction_id }),
        ...(existing.exception_id === null ? {} : { exception_id: existing.exception_id }),
      };
    }
    const reasons: string[] = [];
    if (allowance === null) reasons.push("the card's offline allowance could not be verified");
    else {
      if (allowance.account_id !== accountId || (card !== undefined && allowance.card_pk !== card.id)) reasons.push('the allowance is for another card');
      if (e.amount > allowance.max_amount) reasons.push(`it is above the allowance of ${money(allowance.max_amount, allowance.currency)}`);
    }
    if (card !== undefined && (card.id !== e.card_pk || card.card_id !== e.card_id)) reasons.push('the entry names another card');
    if (lease === null) reasons.push("the till's offline lease could not be verified");
    else {
      const p = lease.policy;
      if (lease.account_id !== accountId) reasons.push('the lease is for another account');
      if (lease.terminal_id !== terminalId) reasons.push(`the lease was issued to terminal ${lease.terminal_id}`);
      if (lease.store_id !== e.store_id) reasons.push(`the lease is for store ${lease.store_id}`);
      if (Date.parse(e.created_at) >= Date.parse(lease.expires_at)) reasons.push(`the lease had expired at ${lease.expires_at}`);
      if (!p.enabled) reasons.push('offline gift cards were off for this store');
      if (allowance !== null && card !== undefined) {
        const use = await repo.allowanceUse(trx, cardKey, allowance.version, terminalId);
        if (use.count + 1 > p.max_redemptions_per_card) reasons.push(`it is offline payment ${use.count + 1} of this card on this till, above the limit of ${p.max_redemptions_per_card}`);
        if (use.amount + e.amount > p.max_amount_per_card) reasons.push(`it takes this card's offline payments on this till to ${money(use.amount + e.amount, e.currency)}, above the limit of ${money(p.max_amount_per_card, e.currency)}`);
      } else if (e.amount > p.max_amount_per_card) {
        reasons.push(`it is above the limit per card of ${money(p.max_amount_per_card, e.currency)}`);
      }
      const onLease = await repo.leaseUse(trx, lease.lease_id, terminalId);
      if (onLease + e.amount > p.max_amount_per_terminal) reasons.push(`it takes this till's offline gift card total to ${money(onLease + e.amount, e.currency)}, above the limit of ${money(p.max_amount_per_terminal, e.currency)}`);
    }

    let applied = 0;
    let transactionId: string | null = null;
    let drawable = card !== undefined;
    if (card !== undefined && card.currency !== e.currency) {
      reasons.push(`it is in ${e.currency} but the card is in ${card.currency}`);
      drawable = false;
    }
    if (card !== undefined && drawable) {
      const d = await ledger.drawdown(trx, card, { clientId: terminalId, canWrite: true }, {
        refId: e.ref_id, amount: e.amount, metadata: { offline: true, sale_id: e.sale_id, store_id: e.store_id, terminal_id: terminalId, offline_created_at: e.created_at },
      });
      if (d.refConflict) {
        reasons.push('its ref_id was already used on this card for another transaction');
        drawable = false;
      }
      applied = d.applied;
      transactionId = d.transaction?.id ?? null;
    }
    const inactive = card !== undefined && (card.deleted_at !== null || (card.expires_at !== null && card.expires_at <= e.created_at) || (card.active_from !== null && card.active_from > e.created_at));
    const shortfall = e.amount - applied;
    const kind: Kind | null = card === undefined
      ? 'unknown_card'
      : inactive
        ? 'card_inactive'
        : shortfall > 0 && drawable
          ? 'overdraw'
          : reasons.length > 0 || shortfall > 0
            ? 'outside_allowance'
            : null;

    const now = clock.now().toISOString();
    let exceptionId: string | null = null;
    if (kind !== null) {
      const row: WalletOfflineExceptionsTable = {
        id: monotonicId(), account_id: accountId, kind, message: exceptionMessage(kind, e, card, applied, reasons), card_id: e.card_id, card_pk: card?.id ?? null,
        ref_id: e.ref_id, sale_id: e.sale_id, store_id: e.store_id, terminal_id: terminalId, currency: e.currency, amount: e.amount, applied_amount: applied,
        shortfall, status: 'open', created_at: now, resolved_at: null, resolved_by: null, resolution: null,
      };
      await repo.insertException(trx, row);
      await enqueueEvents(trx, [{ accountId, event: 'wallet_offline_exception', payload: { exception: exceptionView(row) } }], now);
      exceptionId = row.id;
    }
    const entry: WalletOfflineEntriesTable = {
      id: monotonicId(), account_id: accountId, card_key: cardKey, card_pk: card?.id ?? null, card_id: e.card_id, ref_id: e.ref_id, amount: e.amount,
      applied_amount: applied, currency: e.currency, terminal_id: terminalId, store_id: e.store_id, sale_id: e.sale_id,
      lease_id: lease?.lease_id ?? null, allowance_version: allowance?.version ?? null, created_at: new Date(e.created_at).toISOString(),
      received_at: now, transaction_id: transactionId, exception_id: exceptionId,
    };
    await repo.insertEntry(trx, entry);
    return {
      ref_id: e.ref_id, status: 'applied', applied_amount: applied,
      ...(transactionId === null ? {} : { transaction_id: transactionId }),
      ...(exceptionId === null ? {} : { exception_id: exceptionId }),
    };
  }

  return {
    getPolicy: accountPolicy,

    async putPolicy(accountId: string, actor: string, update: PolicyUpdate): Promise<OfflinePolicy> {
      const next = OfflinePolicySchema.parse({ ...(await accountPolicy(accountId)), ...update });
      await repo.setPolicy(accountId, JSON.stringify(next), clock.now().toISOString(), actor);
      return next;
    },

    async getStorePolicy(accountId: string, storeId: string) {
      const row = await repo.getStorePolicy(accountId, storeId);
      if (row === undefined) throw notFound('OFFLINE_STORE_POLICY_NOT_FOUND', `store ${storeId} has no offline policy of its own: the account's applies`);
      return storeView(row);
    },

    async putStorePolicy(accountId: string, actor: string, storeId: string, policy: PolicyUpdate) {
      const row = { account_id: accountId, store_id: storeId, policy: JSON.stringify(policy), updated_at: clock.now().toISOString(), updated_by: actor };
      await repo.putStorePolicy(row);
      return storeView(row);
    },

    async deleteStorePolicy(accountId: string, storeId: string) {
      const row = await repo.getStorePolicy(accountId, storeId);
      if (row === undefined || !(await repo.deleteStorePolicy(accountId, storeId))) {
        throw notFound('OFFLINE_STORE_POLICY_NOT_FOUND', `store ${storeId} has no offline policy of its own`);
      }
      return storeView(row);
    },

    async lease(accountId: string, terminalId: string, storeId: string) {
      const [policy, salt, signer] = await Promise.all([effectivePolicy(accountId, storeId), port.lookupSalt(accountId), port.signer()]);
      const now = clock.now();
      const claims: OfflineLeaseClaims = {
        lease_id: monotonicId(now.getTime()), account_id: accountId, store_id: storeId, terminal_id: terminalId, policy, lookup_salt: salt,
        issued_at: now.toISOString(), expires_at: new Date(now.getTime() + Math.round(policy.max_hours_since_sync * 3_600_000)).toISOString(),
      };
      return { lease: signer.sign(LEASE_TYP, claims), claims, public_key: signer.publicKey };
    },

    async pushEntries(accountId: string, terminalId: string, entries: readonly OfflineWalletEntry[]): Promise<{ results: EntryResult[] }> {
      const signer = await port.signer();
      const results: EntryResult[] = [];
      for (const e of entries) {
        const allowance = claimsOf(OfflineAllowanceClaimsSchema, signer.verify(ALLOWANCE_TYP, e.allowance));
        const lease = claimsOf(OfflineLeaseClaimsSchema, signer.verify(LEASE_TYP, e.lease));
        const run = () => ledger.unitOfWork((trx) => applyOne(trx, accountId, terminalId, e, allowance, lease));
        try {
          results.push(await run());
        } catch (err) {
          // A resend racing this one stored the entry first (the unknown-card case has no card to
          // lock): run again, and it answers `duplicate`.
          if (uniqueViolation(err) === undefined) throw err;
          results.push(await run());
        }
      }
      return { results };
    },

    async listExceptions(accountId: string, q: { status?: 'open' | 'resolved' | undefined; limit: number; starting_after?: string | undefined }) {
      const rows = await repo.listExceptions(accountId, { status: q.status, limit: q.limit, startingAfter: q.starting_after });
      const last = rows.at(-1);
      return { exceptions: rows.map(exceptionView), ...(rows.length === q.limit && last !== undefined ? { starting_after: last.id } : {}) };
    },

    async resolveException(accountId: string, actor: string, id: string, resolution: string): Promise<OfflineException> {
      return ledger.unitOfWork(async (trx) => {
        const row = await repo.getException(accountId, id, trx);
        if (row === undefined) throw notFound('OFFLINE_EXCEPTION_NOT_FOUND', `no offline exception ${id}`);
        const at = clock.now().toISOString();
        const set = { resolved_at: at, resolved_by: actor, resolution };
        if (row.status !== 'open' || !(await repo.resolveException(trx, accountId, id, set))) {
          throw conflict('OFFLINE_EXCEPTION_RESOLVED', `offline exception ${id} was already resolved`);
        }
        const view = exceptionView({ ...row, ...set, status: 'resolved' });
        await enqueueEvents(trx, [{ accountId, event: 'wallet_offline_exception', payload: { exception: view } }], at);
        return view;
      });
    },
  };
}

export type OfflineService = ReturnType<typeof createOfflineService>;
