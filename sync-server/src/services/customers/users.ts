/**
 * Customer users (contract §2.1–2.4): create, read, partial update, delete with wiping, change of
 * customer_id, the filtered list and HEAD.
 *
 * - Uniqueness: customer_id per account over every key ever used — a deleted customer's, and one
 *   moved away by change_customer_id, stay retired (receipts, discounts and wallets stay keyed by
 *   it, so reusing it would hand someone else that history); email per type among live
 *   customers, case-insensitively; phone number among live customers of every type unless
 *   settings allow duplicates. A duplicate is a 400 and stores nothing.
 * - Generated customer_ids: a random UUID, or with `customer_id_format: sequence` the next number
 *   after the greatest numeric customer_id the account has used (kept in settings afterwards, so a
 *   deleted customer's number is not reused).
 * - `password` and `pin` are refused (400): this server has no customer login yet, so a secret
 *   sent here could never be used and should not be stored.
 * - Type rules: `company` needs the `company` object, which only `company` and `other` may carry;
 *   `contact_for` only on contacts; creating an `employee` or `other` needs admin or write (a
 *   `create:customers:/users` token cannot). A `term` must name live terms; `accepted_at`
 *   defaults to now.
 * - PUT: absent fields stay, null removes (see schemas.ts). A PUT that changes nothing writes
 *   nothing and sends no event. Consent `updated_at` moves only when the consent value changes.
 *   A changed email or phone number is no longer verified, and its auto tokens are re-made.
 * - DELETE: personal data is wiped at once (columns, body, attributes, tags, contact links and
 *   verification codes); the row keeps id, customer_id, type and the stamps. Auto tokens are
 *   always deleted (they are derived from the wiped data); other tokens only with
 *   `delete_tokens=true` — kept, they still resolve to the deleted customer_id, so a scanned card
 *   is recognised as belonging to a closed membership. GET of a deleted customer answers with the
 *   wiped form; writes to it are 404.
 * - change_customer_id: the key moves in this service only (this service's own tokens follow; the
 *   Discounts service's token map keeps the old key, like every other service's data).
 * - Events: customer_add / customer_update / customer_delete webhooks with `{customer}`, and the
 *   discount automations customer_add / customer_update / customer_remove, in the transaction.
 * - Lists: `starting_after` is the customer_id of the last element (customers are ordered by
 *   customer_id, byte-wise); `since_datetime` returns customers updated at or after it, oldest
 *   first, and excludes `starting_after`. Deleted customers appear only with include_deleted
 *   (also in since_datetime mode, so an incremental sync must ask for them).
 */
import { createHash, randomUUID } from 'node:crypto';
import { ApiError, badRequest, forbidden } from '../../errors.ts';
import { monotonicId } from '../../db/ids.ts';
import type { CustomersTable, CustomerTokensTable } from '../../db/tables/customers.ts';
import { attributeRows, checkAttributes } from './attributes.ts';
import { autoTokens, type AutoSource } from './auto-tokens.ts';
import type { Actor, Effects } from './effects.ts';
import { fold, isCustomerType, searchColumns, storedCustomer, toCustomerResponse, tokenWithOwner } from './model.ts';
import type { CustomerFilter, Trx } from './repo.ts';
import type { CustomerPost, CustomerPut, CustomerResponse, CustomerType, MarketingConsent, Settings, StoredCustomer } from './schemas.ts';
import { customerNotFound, duplicateError, existingCustomer, isoUtc, liveCustomer, settingsOf, write, type Context } from './shared.ts';

/** A customer's editable state: the columns plus the JSON body. */
interface UserState {
  type: CustomerType;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone_number: string | null;
  status: string | null;
  body: StoredCustomer;
}

export interface UserListQuery {
  limit: number;
  starting_after?: string | undefined;
  since_datetime?: string | undefined;
  token_value?: string | undefined;
  token_type?: string | undefined;
  email?: string | undefined;
  phone_number?: string | undefined;
  type?: CustomerType | 'any' | undefined;
  search?: string | undefined;
  tag_id?: string | undefined;
  include_deleted: boolean;
  attributes_keys: readonly string[];
  attributes_values: readonly string[];
  total: boolean;
}

const PRIVILEGED_TYPES: ReadonlySet<string> = new Set(['employee', 'other']);

function refuseLogin(body: { password?: string | undefined; pin?: string | undefined }): void {
  if (body.password !== undefined || body.pin !== undefined) {
    throw badRequest('CUSTOMER_LOGIN_UNSUPPORTED', 'password and pin are not accepted: this server has no customer login');
  }
}

function checkTypeRules(s: UserState, privileged: boolean): void {
  if (PRIVILEGED_TYPES.has(s.type) && !privileged) {
    throw forbidden('CUSTOMER_TYPE_FORBIDDEN', `users of type ${s.type} need the admin:customers or write:customers scope`);
  }
  if (s.type === 'company' && s.body.company === undefined) throw badRequest('CUSTOMER_COMPANY_REQUIRED', 'a user of type company needs company.bussiness_name');
  if (s.body.company !== undefined && s.type !== 'company' && s.type !== 'other') {
    throw badRequest('CUSTOMER_COMPANY_NOT_ALLOWED', 'company is only allowed on users of type company or other');
  }
  if (s.body.contact_for !== undefined && s.body.contact_for.length > 0 && s.type !== 'contact') {
    throw badRequest('CUSTOMER_CONTACT_FOR_NOT_ALLOWED', 'contact_for is only allowed on users of type contact');
  }
}

function mergeMetadata(prev: Record<string, unknown> | undefined, patch: Record<string, unknown> | null | undefined): Record<string, unknown> | undefined {
  if (patch === undefined) return prev;
  if (patch === null) return undefined;
  const removed = new Set(Object.keys(patch).filter((key) => patch[key] === null));
  const kept = Object.entries({ ...prev, ...patch }).filter(([key]) => !removed.has(key));
  return Object.fromEntries(kept);
}

type ConsentPatch = { sms?: { consent: boolean } | undefined; email?: { consent: boolean } | undefined };

/** Consent per channel; `updated_at` is the server's time of the last change of the value. */
function mergeConsent(prev: MarketingConsent | undefined, patch: ConsentPatch | null | undefined, at: string): MarketingConsent | undefined {
  if (patch === undefined) return prev;
  if (patch === null) return undefined;
  const out: MarketingConsent = { ...prev };
  for (const channel of ['sms', 'email'] as const) {
    const p = patch[channel];
    if (p === undefined) continue;
    const before = prev?.[channel];
    out[channel] = before !== undefined && before.consent === p.consent ? before : { consent: p.consent, updated_at: at };
  }
  return out;
}

function stateOf(row: CustomersTable, type: CustomerType): UserState {
  return { type, first_name: row.first_name, last_name: row.last_name, email: row.email, phone_number: row.phone_number, status: row.status, body: storedCustomer(row) };
}

/** `patch[k]` when present (null removes), else the previous value. */
const pick = <T>(patch: T | null | undefined, prev: T | undefined): T | undefined => (patch === undefined ? prev : patch === null ? undefined : patch);
const col = <T>(patch: T | null | undefined, prev: T | null): T | null => (patch === undefined ? prev : patch);

function rowColumns(s: UserState) {
  return {
    type: s.type,
    first_name: s.first_name,
    last_name: s.last_name,
    email: s.email,
    phone_number: s.phone_number,
    status: s.status,
    ...searchColumns(s),
    // JSON drops undefined fields: stored bodies and change detection see only real ones.
    body: JSON.stringify(s.body),
  };
}

export function userMethods(ctx: Context) {
  const { repo } = ctx;

  async function checkTerm(accountId: string, term: { id: string; accepted_at?: string | undefined } | undefined, at: string, trx: Trx) {
    if (term === undefined) return undefined;
    const row = await repo.findTerms(accountId, term.id, trx);
    if (row === undefined || row.deleted_at !== null) throw badRequest('CUSTOMER_TERMS_UNKNOWN', `term.id ${term.id} is not a live terms and conditions id`);
    return { id: term.id, accepted_at: term.accepted_at === undefined ? at : isoUtc(term.accepted_at) };
  }

  /** The uniqueness rules the database cannot hold alone (phone) and the friendly 400s before the index does. */
  async function checkUnique(trx: Trx, accountId: string, s: UserState, pk: string | null, settings: Settings, changed: { email: boolean; phone: boolean }): Promise<void> {
    if (s.email !== null && changed.email && (await repo.emailTaken(accountId, s.type, fold(s.email), pk, trx))) throw duplicateError('email');
    if (s.phone_number !== null && changed.phone && settings.users?.phone_number_validation?.allow_duplicates !== true) {
      await repo.lockKey(`customers:${accountId}:phone:${s.phone_number}`, trx);
      if (await repo.phoneTaken(accountId, s.phone_number, pk, trx)) {
        throw badRequest('CUSTOMER_DUPLICATE_PHONE_NUMBER', 'a customer with this phone_number already exists');
      }
    }
  }

  async function nextCustomerId(trx: Trx, accountId: string, settings: Settings): Promise<string> {
    if (settings.users?.customer_id_format !== 'sequence') return randomUUID();
    await repo.lockKey(`customers:${accountId}:sequence`, trx);
    const row = await repo.settings(accountId, trx);
    let n = row?.last_sequence ?? (await repo.numericCustomerIds(accountId, trx)).reduce((m, id) => Math.max(m, Number(id)), 0);
    do n += 1;
    while (await repo.customerIdTaken(accountId, String(n), trx));
    await repo.setLastSequence(accountId, n, trx);
    return String(n);
  }

  /** Adds the auto tokens of a field's current value (skipping a (type, value) another customer holds). */
  async function addAutoTokens(trx: Trx, fx: Effects, actor: Actor, row: CustomersTable, settings: Settings, source: AutoSource, at: string): Promise<void> {
    for (const t of autoTokens(settings, source, source === 'email' ? row.email : row.phone_number)) {
      if ((await repo.liveTokenByValue(actor.accountId, t.type, t.value, trx)) !== undefined) continue;
      const token: CustomerTokensTable = {
        id: monotonicId(),
        account_id: actor.accountId,
        customer_pk: row.id,
        customer_id: row.customer_id,
        token_id: randomUUID(),
        type: t.type,
        value: t.value,
        metadata: null,
        auto_source: source,
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        deleted_at: null,
        deleted_by: null,
      };
      await repo.insertToken(token, trx);
      await fx.token('token_add', tokenWithOwner(token), token.id);
    }
  }

  async function removeTokens(trx: Trx, fx: Effects, actor: Actor, tokens: readonly CustomerTokensTable[], at: string): Promise<void> {
    await repo.softDeleteTokens(tokens.map((t) => t.id), at, actor.clientId, trx);
    for (const t of tokens) await fx.token('token_remove', tokenWithOwner({ ...t, deleted_at: at, deleted_by: actor.clientId, updated_at: at }), t.id);
  }

  async function reread(trx: Trx, accountId: string, customerId: string): Promise<CustomersTable> {
    const row = await repo.findCustomer(accountId, customerId, trx);
    if (row === undefined) throw customerNotFound(customerId);
    return row;
  }

  return {
    async createCustomer(actor: Actor, body: CustomerPost, privileged: boolean): Promise<CustomerResponse> {
      refuseLogin(body);
      return write(ctx, actor, async (trx, fx, at) => {
        const settings = await settingsOf(ctx, actor.accountId, trx);
        const s: UserState = {
          type: body.type ?? 'customer',
          first_name: body.first_name ?? null,
          last_name: body.last_name ?? null,
          email: body.email ?? null,
          phone_number: body.phone_number ?? null,
          status: body.status ?? null,
          body: {
            attributes: body.attributes,
            favorite_store: body.favorite_store,
            enrolled_by: body.enrolled_by,
            marketing_consent: mergeConsent(undefined, body.marketing_consent, at),
            addresses: body.addresses,
            term: await checkTerm(actor.accountId, body.term, at, trx),
            company: body.company,
            gender: body.gender,
            date_of_birth: body.date_of_birth,
            contact_for: body.contact_for,
            metadata: mergeMetadata(undefined, body.metadata),
          },
        };
        checkTypeRules(s, privileged);
        checkAttributes(s.body.attributes ?? {}, settings.attributes);
        if (body.customer_id !== undefined && (await repo.customerIdTaken(actor.accountId, body.customer_id, trx))) throw duplicateError('customer_id');
        await checkUnique(trx, actor.accountId, s, null, settings, { email: true, phone: true });
        const customerId = body.customer_id ?? (await nextCustomerId(trx, actor.accountId, settings));
        const row: CustomersTable = {
          id: monotonicId(),
          account_id: actor.accountId,
          customer_id: customerId,
          ...rowColumns(s),
          email_verified_at: null,
          phone_verified_at: null,
          created_at: at,
          created_by: actor.clientId,
          updated_at: at,
          deleted_at: null,
          deleted_by: null,
        };
        await repo.insertCustomer(row, trx);
        await repo.recordKey(actor.accountId, customerId, row.id, at, trx);
        await repo.replaceAttributes(actor.accountId, row.id, attributeRows(s.body.attributes), trx);
        if (s.type === 'contact') await repo.replaceContacts(actor.accountId, row.id, (s.body.contact_for ?? []).map((c) => c.customer_id), trx);
        const customer = toCustomerResponse(row);
        await fx.customer('customer_add', customer, row.id);
        await addAutoTokens(trx, fx, actor, row, settings, 'email', at);
        await addAutoTokens(trx, fx, actor, row, settings, 'phone_number', at);
        return customer;
      });
    },

    async getCustomer(accountId: string, customerId: string): Promise<CustomerResponse> {
      return toCustomerResponse(await existingCustomer(ctx, accountId, customerId));
    },

    async updateCustomer(actor: Actor, customerId: string, patch: CustomerPut, privileged: boolean): Promise<CustomerResponse> {
      refuseLogin(patch);
      if (patch.customer_id !== undefined && patch.customer_id !== customerId) {
        throw badRequest('CUSTOMER_ID_IMMUTABLE', 'customer_id cannot be changed by PUT; use POST …/change_customer_id');
      }
      return write(ctx, actor, async (trx, fx, at) => {
        const row = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const settings = await settingsOf(ctx, actor.accountId, trx);
        const prev = stateOf(row, isCustomerType(row.type) ? row.type : 'customer');
        const b = prev.body;
        const next: UserState = {
          type: patch.type ?? prev.type,
          first_name: col(patch.first_name, prev.first_name),
          last_name: col(patch.last_name, prev.last_name),
          email: col(patch.email, prev.email),
          phone_number: col(patch.phone_number, prev.phone_number),
          status: col(patch.status, prev.status),
          body: {
            attributes: pick(patch.attributes, b.attributes),
            favorite_store: pick(patch.favorite_store, b.favorite_store),
            enrolled_by: pick(patch.enrolled_by, b.enrolled_by),
            marketing_consent: mergeConsent(b.marketing_consent, patch.marketing_consent, at),
            addresses: pick(patch.addresses, b.addresses),
            term: patch.term === undefined ? b.term : patch.term === null ? undefined : await checkTerm(actor.accountId, patch.term, at, trx),
            company: pick(patch.company, b.company),
            gender: pick(patch.gender, b.gender),
            date_of_birth: pick(patch.date_of_birth, b.date_of_birth),
            contact_for: nextContactFor(patch.contact_for, b.contact_for, patch.type ?? prev.type),
            metadata: mergeMetadata(b.metadata, patch.metadata),
          },
        };
        if (PRIVILEGED_TYPES.has(prev.type) && !privileged) throw forbidden('CUSTOMER_TYPE_FORBIDDEN', `users of type ${prev.type} need the admin:customers or write:customers scope`);
        checkTypeRules(next, privileged);
        if (patch.attributes !== undefined) checkAttributes(next.body.attributes ?? {}, settings.attributes);

        const before = rowColumns(prev);
        const after = rowColumns(next);
        if (JSON.stringify(before) === JSON.stringify(after)) return toCustomerResponse(row);

        const emailChanged = (prev.email === null ? null : fold(prev.email)) !== (next.email === null ? null : fold(next.email));
        const phoneChanged = prev.phone_number !== next.phone_number;
        await checkUnique(trx, actor.accountId, next, row.id, settings, { email: emailChanged || prev.type !== next.type, phone: phoneChanged });
        await repo.updateCustomer(row.id, {
          ...after,
          updated_at: at,
          ...(emailChanged ? { email_verified_at: null } : {}),
          ...(phoneChanged ? { phone_verified_at: null } : {}),
        }, trx);
        if (patch.attributes !== undefined) await repo.replaceAttributes(actor.accountId, row.id, attributeRows(next.body.attributes), trx);
        if (patch.contact_for !== undefined || prev.type !== next.type) {
          await repo.replaceContacts(actor.accountId, row.id, next.type === 'contact' ? (next.body.contact_for ?? []).map((c) => c.customer_id) : [], trx);
        }
        const fresh = await reread(trx, actor.accountId, customerId);
        const customer = toCustomerResponse(fresh);
        await fx.customer('customer_update', customer, monotonicId());
        const changedSources = [...(emailChanged ? ['email' as const] : []), ...(phoneChanged ? ['phone_number' as const] : [])];
        if (changedSources.length > 0) {
          const stale = (await repo.liveTokensOf([row.id], trx)).filter((t) => t.auto_source !== null && (changedSources as readonly string[]).includes(t.auto_source));
          await removeTokens(trx, fx, actor, stale, at);
          for (const source of changedSources) await addAutoTokens(trx, fx, actor, fresh, settings, source, at);
        }
        return customer;
      });
    },

    async deleteCustomer(actor: Actor, customerId: string, deleteTokens: boolean): Promise<CustomerResponse> {
      return write(ctx, actor, async (trx, fx, at) => {
        const row = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const tokens = (await repo.liveTokensOf([row.id], trx)).filter((t) => deleteTokens || t.auto_source !== null);
        await removeTokens(trx, fx, actor, tokens, at);
        await repo.updateCustomer(row.id, {
          email: null,
          email_search: null,
          phone_number: null,
          first_name: null,
          last_name: null,
          full_name_search: null,
          last_name_search: null,
          status: null,
          body: '{}',
          email_verified_at: null,
          phone_verified_at: null,
          updated_at: at,
          deleted_at: at,
          deleted_by: actor.clientId,
        }, trx);
        await repo.wipeCustomerData(row.id, trx);
        const customer = toCustomerResponse(await reread(trx, actor.accountId, customerId));
        await fx.customer('customer_delete', customer, row.id);
        return customer;
      });
    },

    async changeCustomerId(actor: Actor, customerId: string, newId: string | undefined): Promise<CustomerResponse> {
      if (newId === undefined) throw badRequest('CUSTOMER_ID_REQUIRED', 'customer_id (the new one) is required');
      if (newId === customerId) throw badRequest('CUSTOMER_ID_UNCHANGED', `the customer already has customer_id ${newId}`);
      return write(ctx, actor, async (trx, fx, at) => {
        const row = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        if (await repo.customerIdTaken(actor.accountId, newId, trx)) throw duplicateError('customer_id');
        const b = storedCustomer(row);
        const hash = createHash('sha256').update(`${customerId}\u0000${newId}\u0000${at}`).digest('hex').slice(0, 12);
        const key = `dintero_change_customer_id_${Date.parse(at)}.${hash}`;
        const metadata = { ...b.metadata, [key]: { created_at: at, created_by: actor.clientId, old: customerId, new: newId } };
        await repo.recordKey(actor.accountId, newId, row.id, at, trx);
        await repo.updateCustomer(row.id, { customer_id: newId, body: JSON.stringify({ ...b, metadata }), updated_at: at }, trx);
        await repo.setTokensOwnerKey(row.id, newId, trx);
        const customer = toCustomerResponse(await reread(trx, actor.accountId, newId));
        await fx.customer('customer_update', customer, monotonicId());
        return customer;
      });
    },

    async listCustomers(accountId: string, q: UserListQuery): Promise<{ customers: CustomerResponse[]; total?: number }> {
      if (q.since_datetime !== undefined && q.starting_after !== undefined) {
        throw badRequest('CUSTOMER_QUERY_INVALID', 'since_datetime cannot be combined with starting_after: move since_datetime to the greatest updated_at seen instead');
      }
      if (q.attributes_values.length > q.attributes_keys.length) {
        throw badRequest('CUSTOMER_QUERY_INVALID', 'attributes_values[] pairs with attributes_keys[]: give a key for every value');
      }
      const filter: CustomerFilter = {
        emailPrefix: q.email === undefined ? undefined : fold(q.email),
        phonePrefix: q.phone_number === undefined ? undefined : plusRestored(q.phone_number),
        search: q.search === undefined ? undefined : { raw: plusRestored(q.search), folded: fold(q.search) },
        tagPk: q.tag_id,
        tokenTypePrefix: q.token_type,
        tokenValuePrefix: q.token_value,
        attributes: q.attributes_keys.map((key, i) => ({ key, value: q.attributes_values[i] })),
        type: q.type,
        includeDeleted: q.include_deleted,
      };
      const since = q.since_datetime === undefined ? undefined : isoUtc(q.since_datetime);
      const rows = await repo.listCustomers(accountId, filter, { limit: q.limit, startingAfter: q.starting_after, sinceDatetime: since });
      const customers = rows.map(toCustomerResponse);
      return q.total ? { customers, total: await repo.countCustomers(accountId, filter, since) } : { customers };
    },

    /** HEAD /customers/users: exact (case-insensitive email) match among live users; 405 unless enabled in settings. */
    async userExists(accountId: string, q: { email?: string | undefined; phone_number?: string | undefined }): Promise<boolean> {
      const settings = await settingsOf(ctx, accountId);
      if (settings.users?.head?.enabled !== true) throw new ApiError(405, 'CUSTOMER_HEAD_DISABLED', 'HEAD /customers/users is disabled in the customer settings (users.head.enabled)');
      if (q.email === undefined && q.phone_number === undefined) throw badRequest('CUSTOMER_QUERY_INVALID', 'give email and/or phone_number');
      return repo.userExists(accountId, q.email === undefined ? undefined : fold(q.email), q.phone_number === undefined ? undefined : plusRestored(q.phone_number));
    },
  };
}

/** A `+` sent unencoded in a query arrives as a space: read it as the `+` the client meant. */
const plusRestored = (phone: string): string => (phone.startsWith(' ') ? `+${phone.slice(1)}` : phone);

/** contact_for after a PUT: kept, replaced or removed; dropped when the user stops being a contact. */
function nextContactFor(
  patch: Array<{ customer_id: string }> | null | undefined,
  prev: Array<{ customer_id: string }> | undefined,
  type: CustomerType,
): Array<{ customer_id: string }> | undefined {
  const v = pick(patch, prev);
  return type === 'contact' || patch !== undefined ? v : undefined;
}
