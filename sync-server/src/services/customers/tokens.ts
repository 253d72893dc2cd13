/**
 * Customer tokens and token events (contract §2.1, §2.3).
 *
 * - A live (type, value) belongs to one customer: adding one another customer holds is a 400, as
 *   is adding one the customer already has. `token_id` defaults to a random UUID and is unique
 *   among the account's live tokens (the Discounts service resolves receipts by it too). Deleting
 *   is soft (the row stays with deleted_at; `include_deleted=true` lists it), and frees the pair.
 * - Token lists are ordered by token_id; `starting_after` is the token_id of the last element.
 * - Every add/remove writes a token_add / token_remove webhook (`{token: CustomerToken &
 *   {customer_id}}`) and tells the Discounts service in the same transaction, so a receipt
 *   carrying `customer.token` resolves to the buyer from the moment the token exists.
 * - Token events are kept per (type, value) "subject", before or without any customer. Events are
 *   only appended; DELETE marks them cleared (the optional event is then recorded with status
 *   DELETED and is the subject's one live event). `expires_at` = created_at + the
 *   settings.tokens.event_expiry TTL of the event's status, if one is configured.
 * - TokenDetail `id`: the subject's id once events exist, else the live token's id, else random
 *   (contract). The GET list shows subjects with live events (`deleted_since`: subjects cleared at
 *   or after it instead); their status comes from the events alone. Cursor = subject id.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../../errors.ts';
import { monotonicId } from '../../db/ids.ts';
import type { CustomerTokenSubjectsTable, CustomerTokensTable } from '../../db/tables/customers.ts';
import type { Actor } from './effects.ts';
import { resolveTokenStatus, toCustomerResponse, toCustomerToken, toTokenEvent, tokenWithOwner } from './model.ts';
import type { Trx } from './repo.ts';
import type { CustomerToken, TokenDetail, TokenEventIn, TokenPost, TokenTypeValue } from './schemas.ts';
import { duplicateError, existingCustomer, isoUtc, liveCustomer, settingsOf, write, type Context } from './shared.ts';

export interface TokenListQuery {
  type?: string | undefined;
  limit: number;
  starting_after?: string | undefined;
  total: boolean;
  include_deleted: boolean;
}

export interface TokenEventListQuery {
  limit: number;
  starting_after?: string | undefined;
  since_datetime?: string | undefined;
  deleted_since?: string | undefined;
}

export function tokenMethods(ctx: Context) {
  const { repo } = ctx;

  async function recordEvent(trx: Trx, actor: Actor, subject: CustomerTokenSubjectsTable, e: { event: string; status?: string | undefined; metadata?: Record<string, unknown> | undefined }, at: string): Promise<void> {
    const settings = await settingsOf(ctx, actor.accountId, trx);
    const ttl = e.status === undefined ? undefined : settings.tokens?.event_expiry?.find((x) => x.status === e.status)?.time_to_live;
    await repo.insertTokenEvent({
      id: monotonicId(),
      account_id: actor.accountId,
      subject_pk: subject.id,
      event: e.event,
      status: e.status ?? null,
      metadata: e.metadata === undefined ? null : JSON.stringify(e.metadata),
      created_at: at,
      created_by: actor.clientId,
      expires_at: ttl === undefined ? null : new Date(Date.parse(at) + ttl * 1000).toISOString(),
      cleared_at: null,
    }, trx);
    await repo.touchSubject(subject.id, { updated_at: at }, trx);
  }

  const newSubject = (accountId: string, t: TokenTypeValue, at: string): CustomerTokenSubjectsTable => ({
    id: monotonicId(),
    account_id: accountId,
    token_type: t.type,
    token_value: t.value,
    created_at: at,
    updated_at: at,
    deleted_at: null,
  });

  async function detail(accountId: string, t: TokenTypeValue, trx?: Trx): Promise<TokenDetail> {
    const token = await repo.liveTokenByValue(accountId, t.type, t.value, trx);
    const owner = token === undefined ? undefined : (await repo.customersByPks(accountId, [token.customer_pk], trx))[0];
    const subject = await repo.findSubject(accountId, t.type, t.value, trx);
    const events = (subject === undefined ? [] : await repo.liveEventsOf([subject.id], trx)).map(toTokenEvent);
    const customer = owner === undefined ? undefined : toCustomerResponse(owner);
    return {
      id: subject?.id ?? token?.id ?? randomUUID(),
      customer,
      token: token === undefined ? undefined : toCustomerToken(token),
      status: resolveTokenStatus(customer?.status, events, ctx.now().toISOString()),
      events,
    };
  }

  return {
    async listTokens(accountId: string, customerId: string, q: TokenListQuery): Promise<{ tokens: CustomerToken[]; total?: number }> {
      const customer = await existingCustomer(ctx, accountId, customerId);
      const f = { type: q.type, includeDeleted: q.include_deleted, limit: q.limit, startingAfter: q.starting_after };
      const tokens = (await repo.listTokens(customer.id, f)).map(toCustomerToken);
      return q.total ? { tokens, total: await repo.countTokens(customer.id, f) } : { tokens };
    },

    async addToken(actor: Actor, customerId: string, body: TokenPost, deleteTokenEvents: boolean): Promise<CustomerToken> {
      return write(ctx, actor, async (trx, fx, at) => {
        const customer = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const held = await repo.liveTokenByValue(actor.accountId, body.type, body.value, trx);
        if (held !== undefined) {
          throw held.customer_pk === customer.id
            ? badRequest('CUSTOMER_TOKEN_EXISTS', 'the customer already has this token (type and value)')
            : duplicateError('token_value');
        }
        if (body.token_id !== undefined && (await repo.liveTokenById(actor.accountId, body.token_id, trx)) !== undefined) throw duplicateError('token_id');
        const row: CustomerTokensTable = {
          id: monotonicId(),
          account_id: actor.accountId,
          customer_pk: customer.id,
          customer_id: customer.customer_id,
          token_id: body.token_id ?? randomUUID(),
          type: body.type,
          value: body.value,
          metadata: body.metadata === undefined ? null : JSON.stringify(body.metadata),
          auto_source: null,
          created_at: at,
          created_by: actor.clientId,
          updated_at: at,
          deleted_at: null,
          deleted_by: null,
        };
        await repo.insertToken(row, trx);
        if (deleteTokenEvents) {
          const subject = await repo.findSubject(actor.accountId, body.type, body.value, trx);
          if (subject !== undefined && (await repo.clearTokenEvents(subject.id, at, trx)) > 0) await repo.touchSubject(subject.id, { updated_at: at, deleted_at: at }, trx);
        }
        await fx.token('token_add', tokenWithOwner(row), row.id);
        return toCustomerToken(row);
      });
    },

    async deleteToken(actor: Actor, customerId: string, tokenId: string): Promise<CustomerToken> {
      return write(ctx, actor, async (trx, fx, at) => {
        const customer = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const token = await repo.liveTokenById(actor.accountId, tokenId, trx);
        if (token === undefined || token.customer_pk !== customer.id) throw notFound('CUSTOMER_TOKEN_NOT_FOUND', `customer ${customerId} has no token ${tokenId}`);
        await repo.softDeleteTokens([token.id], at, actor.clientId, trx);
        const deleted = { ...token, updated_at: at, deleted_at: at, deleted_by: actor.clientId };
        await fx.token('token_remove', tokenWithOwner(deleted), token.id);
        return toCustomerToken(deleted);
      });
    },

    /** POST /customers/tokens/events: look a token up; with `event`, record it first. */
    async tokenDetail(actor: Actor, t: TokenTypeValue, event: TokenEventIn | undefined): Promise<TokenDetail> {
      if (event === undefined) return detail(actor.accountId, t);
      return write(ctx, actor, async (trx, _fx, at) => {
        const subject = await repo.ensureSubject(newSubject(actor.accountId, t, at), trx);
        await recordEvent(trx, actor, subject, event, at);
        return detail(actor.accountId, t, trx);
      });
    },

    /** DELETE /customers/tokens/events: clears the token's events; the optional event is recorded as DELETED. */
    async clearTokenEvents(actor: Actor, t: TokenTypeValue, event: { event?: string | undefined; metadata?: Record<string, unknown> | undefined } | undefined): Promise<void> {
      await write(ctx, actor, async (trx, _fx, at) => {
        const existing = await repo.findSubject(actor.accountId, t.type, t.value, trx);
        if (existing === undefined && event === undefined) return;
        const subject = existing ?? (await repo.ensureSubject(newSubject(actor.accountId, t, at), trx));
        await repo.clearTokenEvents(subject.id, at, trx);
        await repo.touchSubject(subject.id, { updated_at: at, deleted_at: at }, trx);
        if (event !== undefined) await recordEvent(trx, actor, subject, { event: event.event ?? 'deleted', status: 'DELETED', metadata: event.metadata }, at);
      });
    },

    async listTokenEvents(accountId: string, q: TokenEventListQuery): Promise<Array<{ id: string; status: string; events: TokenDetail['events'] }>> {
      if (q.since_datetime !== undefined && q.starting_after !== undefined) {
        throw badRequest('CUSTOMER_QUERY_INVALID', 'since_datetime cannot be combined with starting_after: move since_datetime to the greatest updated_at seen instead');
      }
      const subjects = await repo.listSubjects(accountId, {
        limit: q.limit,
        startingAfter: q.starting_after,
        sinceDatetime: q.since_datetime === undefined ? undefined : isoUtc(q.since_datetime),
        deletedSince: q.deleted_since === undefined ? undefined : isoUtc(q.deleted_since),
      });
      const events = await repo.liveEventsOf(subjects.map((s) => s.id));
      const now = ctx.now().toISOString();
      return subjects.map((s) => {
        const mine = events.filter((e) => e.subject_pk === s.id).map(toTokenEvent);
        return { id: s.id, status: resolveTokenStatus(undefined, mine, now), events: mine };
      });
    },
  };
}
