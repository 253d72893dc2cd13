/**
 * Discounts service and automations (contract §3): rules, campaigns, grants (refs), the usage
 * ledger, the calculation endpoint, claims, events and automations. This file composes the parts;
 * each part's own doc comment holds the decisions that are only its business:
 * - rules.ts (rule CRUD and checks), prepared-rules.ts (the engine's per-account rule cache),
 *   search.ts (rule search), campaigns.ts;
 * - grants.ts (granting refs, a rule's customers), customer-refs.ts (a customer's rules and refs),
 *   public-rules.ts;
 * - usage-ledger.ts (ledger, stamp cards, statistics, usages), calculation.ts, claims.ts;
 * - receipt-accrual.ts (a receipt's usage once per (receipt, rule), returns, voids),
 *   bonus-balances.ts (customers' bonus points; the decisions are core/src/loyalty/bonus.ts),
 *   customer-updates.ts (`discount_customer_update` webhook events);
 * - events.ts (events and running automations), automation-crud.ts, sync-docs.ts (the tills'
 *   replication loaders: rules, customers' loyalty); shared.ts holds what several parts use.
 *
 * Choices where Dintero's contract is silent, across parts:
 * - Rule ids, ref ids, claim ids and automation ids are UUIDv7s that increase in creation order;
 *   every bare-array list is ordered by its key and `starting_after` is the key of the last
 *   element of the previous page (ref_id for customer and public rules, the usage id for usages).
 * - Lists without `state` show everything not deleted; `available` = not deleted and active,
 *   `inactive` = not deleted and inactive, `deleted`, `all`. GET of one deleted rule or campaign
 *   still answers (with `deleted_at`); writes to a deleted one are 404 (campaign PUT undeletes).
 * - `user:discounts` tokens may read only their own customer's rules; until tokens carry a
 *   customer (Customers service) such a token reads nothing.
 */
import type { Clock } from '../../clock.ts';
import { automationMethods } from './automation-crud.ts';
import { createHttpActions, type Log } from './automations.ts';
import { calculationMethods } from './calculation.ts';
import { campaignMethods } from './campaigns.ts';
import { claimMethods } from './claims.ts';
import { customerRefMethods } from './customer-refs.ts';
import { customerUpdates } from './customer-updates.ts';
import { eventMethods } from './events.ts';
import { grantMethods } from './grants.ts';
import { createPreparedRules } from './prepared-rules.ts';
import { publicRuleMethods } from './public-rules.ts';
import { receiptAccrual } from './receipt-accrual.ts';
import type { DiscountRepo } from './repo.ts';
import { ruleMethods } from './rules.ts';
import { searchMethods } from './search.ts';
import type { ServiceContext } from './shared.ts';
import { syncDocMethods } from './sync-docs.ts';
import { createLedger, usageMethods } from './usage-ledger.ts';

export type { ClaimView } from './claims.ts';
export type { CustomerRule } from './customer-refs.ts';
export type { DiscountEvent, EventBody, EventToken, ReceiptChange } from './events.ts';
export type { ReceiptIdentity } from './receipt-accrual.ts';
export type { RuleCustomer } from './grants.ts';
export type { PublicRule } from './public-rules.ts';
export type { RuleListQuery } from './rules.ts';
export type { SearchBody, SearchRow } from './search.ts';
export type { Actor, DiscountWithStats, PageQuery, State } from './shared.ts';
export type { DiscountUsage, UsageRefView } from './usage-ledger.ts';

export interface ServiceOptions {
  log: Log;
  fetch?: typeof fetch;
}

export function createDiscountService(repo: DiscountRepo, clock: Clock, opts: ServiceOptions) {
  const ctx: ServiceContext = { repo, now: (): Date => clock.now() };
  const http = createHttpActions(opts.log, opts.fetch);
  const prepared = createPreparedRules(repo);
  const ledger = createLedger(ctx);
  const updates = customerUpdates(ctx, ledger);

  return {
    /** Waits for automation HTTP actions in flight (app shutdown, tests). */
    drain: () => http.drain(),
    ...ruleMethods(ctx, prepared),
    ...grantMethods(ctx),
    ...usageMethods(ctx),
    ...customerRefMethods(ctx, ledger),
    ...publicRuleMethods(ctx),
    ...campaignMethods(ctx),
    ...calculationMethods(ctx, prepared, ledger),
    ...claimMethods(ctx, ledger, updates),
    ...eventMethods(ctx, receiptAccrual(ctx, ledger), updates, http),
    ...automationMethods(ctx),
    ...searchMethods(ctx),
    ...syncDocMethods(ctx),
  };
}

export type DiscountService = ReturnType<typeof createDiscountService>;
