/**
 * Customers service (contract §2): customer users, tokens and token events, tags, terms,
 * settings and verification of email/phone, plus the tills' `customers` replication loader. This
 * file composes the parts; each part's doc comment holds its own decisions:
 * users.ts, tokens.ts, tags.ts, terms.ts, settings.ts, communication.ts, auto-tokens.ts,
 * attributes.ts; effects.ts (webhook outbox + Discounts hooks in the change's transaction).
 *
 * Across parts: `user:customers` scopes grant nothing here (no customer login exists to issue
 * them), so routes do not list them; create/update/delete are 200 and token create is 201
 * (contract §9.16); ids are UUIDv7.
 */
import type { CustomerDoc } from '@pos/core';
import type { Clock } from '../../clock.ts';
import type { CustomerTokensTable } from '../../db/tables/customers.ts';
import { communicationMethods, type VerificationSender } from './communication.ts';
import type { DiscountHooks } from './effects.ts';
import { toCustomerDoc } from './model.ts';
import type { CustomerRepo } from './repo.ts';
import { settingsMethods } from './settings.ts';
import type { Context } from './shared.ts';
import { tagMethods } from './tags.ts';
import { termsMethods } from './terms.ts';
import { tokenMethods } from './tokens.ts';
import { userMethods } from './users.ts';

export type { VerificationMessage, VerificationSender } from './communication.ts';
export { logVerificationSender } from './communication.ts';
export type { Actor, DiscountHooks } from './effects.ts';

export function createCustomerService(repo: CustomerRepo, clock: Clock, opts: { discounts: DiscountHooks; verificationSender: VerificationSender }) {
  const ctx: Context = { repo, now: () => clock.now(), hooks: opts.discounts };
  return {
    ...userMethods(ctx),
    ...tokenMethods(ctx),
    ...tagMethods(ctx),
    ...termsMethods(ctx),
    ...settingsMethods(ctx),
    ...communicationMethods(ctx, opts.verificationSender),

    /** The tills' `customers` documents: the customer with its live tokens; deleted customers are tombstones. */
    async syncCustomers(accountId: string, ids: readonly string[]): Promise<CustomerDoc[]> {
      const rows = await repo.customersByPks(accountId, ids);
      // Grouped once (a page holds up to 1,000 customers and as many tokens); the repo's order is kept.
      const tokens = new Map<string, CustomerTokensTable[]>();
      for (const t of await repo.liveTokensOf(rows.map((r) => r.id))) {
        const own = tokens.get(t.customer_pk);
        if (own === undefined) tokens.set(t.customer_pk, [t]);
        else own.push(t);
      }
      return rows.map((row) => toCustomerDoc(row, tokens.get(row.id) ?? []));
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
