/**
 * What the Customers service's parts share: the context they are built from, the one way to run
 * a write (transaction + side effects + duplicate → 400), customer look-ups with their 404, and
 * the account's settings with Dintero's defaults filled in.
 */
import { ApiError, badRequest, notFound } from '../../errors.ts';
import type { CustomersTable } from '../../db/tables/customers.ts';
import { createEffects, type Actor, type DiscountHooks, type Effects } from './effects.ts';
import type { CustomerRepo, Duplicate, Trx } from './repo.ts';
import { SettingsSchema, type Settings } from './schemas.ts';

export interface Context {
  repo: CustomerRepo;
  now: () => Date;
  hooks: DiscountHooks;
}

const DUPLICATE_MESSAGES: Record<Duplicate, [string, string]> = {
  customer_id: ['CUSTOMER_DUPLICATE_CUSTOMER_ID', 'a customer with this customer_id already exists'],
  email: ['CUSTOMER_DUPLICATE_EMAIL', 'a customer of this type with this email already exists'],
  token_value: ['CUSTOMER_TOKEN_DUPLICATE', 'this token (type and value) already belongs to a customer'],
  token_id: ['CUSTOMER_TOKEN_ID_DUPLICATE', 'a token with this token_id already exists'],
};

export const duplicateError = (d: Duplicate): ApiError => {
  const [code, message] = DUPLICATE_MESSAGES[d];
  return badRequest(code, message);
};

export const customerNotFound = (customerId: string): ApiError => notFound('CUSTOMER_NOT_FOUND', `customer ${customerId} not found`);

/**
 * Runs a write in one transaction with its side effects (outbox rows, discount hooks) in the same
 * transaction; after the commit runs what the hooks left for later. A unique index a racing
 * writer hit becomes the same 400 the service's own checks give.
 */
export async function write<T>(ctx: Context, actor: Actor, fn: (trx: Trx, fx: Effects, at: string) => Promise<T>): Promise<T> {
  const at = ctx.now().toISOString();
  let effects: Effects | undefined;
  try {
    const result = await ctx.repo.transaction(async (trx) => {
      const fx = createEffects(trx, actor, ctx.hooks, at);
      const r = await fn(trx, fx, at);
      await fx.flush();
      effects = fx;
      return r;
    });
    effects?.runAfterCommit();
    return result;
  } catch (e) {
    const d = ctx.repo.duplicate(e);
    if (d !== undefined) throw duplicateError(d);
    throw e;
  }
}

/** A customer that is not deleted; 404 otherwise. */
export async function liveCustomer(ctx: Context, accountId: string, customerId: string, trx?: Trx, lock = false): Promise<CustomersTable> {
  const row = await ctx.repo.findCustomer(accountId, customerId, trx, lock);
  if (row === undefined || row.deleted_at !== null) throw customerNotFound(customerId);
  return row;
}

/** A customer, deleted or not; 404 when there is none. */
export async function existingCustomer(ctx: Context, accountId: string, customerId: string): Promise<CustomersTable> {
  const row = await ctx.repo.findCustomer(accountId, customerId);
  if (row === undefined) throw customerNotFound(customerId);
  return row;
}

/** Dintero's documented defaults (contract §2.3) under whatever the account stored. */
export function withDefaults(s: Settings): Settings {
  return {
    ...s,
    users: {
      ...s.users,
      head: s.users?.head ?? { enabled: false },
      phone_number_validation: s.users?.phone_number_validation ?? { allow_duplicates: false },
      customer_id_format: s.users?.customer_id_format ?? 'uuid',
    },
  };
}

export async function settingsOf(ctx: Context, accountId: string, trx?: Trx): Promise<Settings> {
  const row = await ctx.repo.settings(accountId, trx);
  return withDefaults(row === undefined ? {} : SettingsSchema.parse(JSON.parse(row.settings)));
}

/** ISO-8601 UTC, the form every timestamp column holds (so comparisons are string comparisons). */
export const isoUtc = (s: string): string => new Date(s).toISOString();
