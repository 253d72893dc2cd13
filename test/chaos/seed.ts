/**
 * What the chaos trials sell against. Once per run (`seedRun`): one account with its API clients
 * (made through the auth repo, as the admin CLI does), the demo store's catalog and offers (from
 * sync-server/src/demo, with a shorter stamp card and a use-limited member offer added so rewards
 * and limits come up within a trial's few sales). Per trial (`seedTrial`): fresh members with card
 * tokens and fresh gift cards whose numbers the suite knows, created through the API like a back
 * office would, so they reach the tills by normal replication. With a store of its own per trial,
 * each trial's invariants are about its own receipts, cards and members.
 */
import { z } from 'zod';
import type { DiscountPost } from '@pos/core/contracts/discounts';
import { CardCreatedSchema } from '@pos/core/contracts/wallets';
import { systemClock } from '../../sync-server/src/clock.ts';
import { createAuthRepo } from '../../sync-server/src/services/auth/repo.ts';
import { createAuthAdmin } from '../../sync-server/src/services/auth/service.ts';
import { DEMO_GROUPS, DEMO_PRODUCTS, DEMO_TAX_GROUPS } from '../../sync-server/src/demo/catalog.ts';
import { DEMO_RULES, type DemoRule } from '../../sync-server/src/demo/discounts.ts';
import { TILL_SCOPES } from '../../sync-server/src/demo/seed.ts';
import type { ChaosServer } from './harness.ts';
import type { Rng } from './prng.ts';

const ADMIN_SCOPES = ['admin:wallets', 'admin:products', 'admin:discounts', 'admin:customers', 'admin:receipts'];

export interface Client {
  readonly client_id: string;
  readonly client_secret: string;
}

export interface GiftCard {
  readonly card_id: string;
  readonly token: string;
  readonly amount: number;
}

/** The run's account: seeded once, shared by every trial. */
export interface SeededRun {
  readonly accountId: string;
  readonly tills: readonly Client[];
  readonly barcodes: readonly string[];
  /** Calls the account's API as its back office. */
  readonly admin: AdminApi;
}

/** One trial's own store, members and gift cards. */
export interface SeededTrial {
  readonly storeId: string;
  /** Membership card numbers (customer tokens). */
  readonly members: readonly { readonly customer_id: string; readonly token: string }[];
  readonly giftCards: readonly GiftCard[];
}

export interface AdminApi {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
}

/** The demo offers, with a 3-stamp coffee card instead of 9 so a trial sees rewards too. */
function chaosRules(): DemoRule[] {
  const rules = DEMO_RULES.map((d): DemoRule => (d.key === 'coffee-stamps' ? { ...d, rule: { ...d.rule, requirement: { ...d.rule.requirement, stamp: 3 } } } : d));
  const limited: DiscountPost = {
    active: true,
    private: false,
    name: 'Members: 20 kr off cheese, twice each',
    receipt_text: 'Cheese −20 kr',
    requirement: { purchase_from: '2026-01-01T00:00:00Z', purchase_to: '2030-12-31T23:59:59Z', item: { items: [{ id: 'cheese-gouda' }] } },
    reward: { type: 'discount_amount', value: 2_000 },
    limitation: { discount_reward_usage: 2 },
  };
  return [...rules, { key: 'cheese-limited', grants: ['*'], rule: limited }];
}

async function adminApi(server: ChaosServer, accountId: string, client: Client): Promise<AdminApi> {
  const fetchToken = async (): Promise<string> => {
    const res = await fetch(`${server.publicUrl}/v1/accounts/${accountId}/auth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', audience: `${server.publicUrl}/v1/accounts/${accountId}` }),
    });
    return z.object({ access_token: z.string() }).parse(await res.json()).access_token;
  };
  let token = await fetchToken();
  const send = (method: string, path: string, body: unknown): Promise<Response> =>
    fetch(`${server.publicUrl}/v1/accounts/${accountId}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  return {
    async call(method, path, body) {
      let r = await send(method, path, body);
      // The run outlives a token (and server restarts): fetch a new one once.
      if (r.status === 401) {
        token = await fetchToken();
        r = await send(method, path, body);
      }
      return { status: r.status, json: r.status === 204 ? null : await r.json() };
    },
  };
}

async function must(api: AdminApi, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await api.call(method, path, body);
  if (res.status !== 200 && res.status !== 201) throw new Error(`seeding ${method} ${path} failed: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

export async function seedRun(server: ChaosServer, accountId: string, opts: { tills: number }): Promise<SeededRun> {
  const auth = createAuthAdmin(createAuthRepo(server.db.kysely), systemClock);
  await auth.createAccount(accountId, `Chaos ${accountId}`);
  const adminClient = await auth.createClient(accountId, 'chaos-backoffice', ADMIN_SCOPES);
  const tills: Client[] = [];
  for (let i = 0; i < opts.tills; i++) tills.push(await auth.createClient(accountId, `till-${i + 1}`, TILL_SCOPES));
  const api = await adminApi(server, accountId, adminClient);

  for (const t of DEMO_TAX_GROUPS) await must(api, 'POST', '/products/tax', t);
  for (const g of DEMO_GROUPS) await must(api, 'POST', '/products/groups', g);
  await must(api, 'POST', '/products/catalogs', { catalog_id: 'grocery', catalog_name: 'Grocery' });
  for (const [product_id, product_name, price, group, tax, barcode] of DEMO_PRODUCTS) {
    await must(api, 'POST', '/products/catalogs/grocery/products', {
      product_id, product_name, description: product_name, unit_gross_price: price, currency: 'NOK', unit: 'stk',
      groups: [{ group_id: group }], tax_id: tax, barcodes: [barcode],
    });
  }
  for (const demo of chaosRules()) {
    const rule = z.object({ id: z.string() }).parse(await must(api, 'POST', '/discounts/rules', demo.rule));
    await must(api, 'POST', `/discounts/rules/${rule.id}/customers`, { customers: demo.grants });
  }
  return { accountId, tills, barcodes: DEMO_PRODUCTS.map((p) => p[5]), admin: api };
}

/** A trial's members and gift cards, created through the back-office API (in parallel: a few dozen ms). */
export async function seedTrial(run: SeededRun, storeId: string, rng: Rng, opts: { members: number; giftCards: number }): Promise<SeededTrial> {
  const api = run.admin;
  // Drawn before any call, so the seed fixes them whatever order the calls finish in.
  const phones = Array.from({ length: opts.members }, () => `+479${String(rng.int(0, 9_999_999)).padStart(7, '0')}`);
  // Small amounts, so cards run dry within a trial and the limits are exercised.
  const amounts = Array.from({ length: opts.giftCards }, () => rng.int(5, 40) * 1_000);
  const members = Promise.all(
    phones.map(async (phone_number, i) => {
      const c = z.object({ customer_id: z.string() }).parse(await must(api, 'POST', '/customers/users', { first_name: 'Member', last_name: `${storeId}-${i + 1}`, phone_number }));
      const token = `MEMBER-${storeId}-${i + 1}`;
      await must(api, 'POST', `/customers/users/${c.customer_id}/tokens`, { type: 'membership_card', value: token });
      return { customer_id: c.customer_id, token };
    }),
  );
  const giftCards = Promise.all(
    amounts.map(async (amount, i): Promise<GiftCard> => {
      const card = CardCreatedSchema.parse(
        await must(api, 'POST', '/wallets/cards', {
          card_id: `gift-${storeId}-${i + 1}`, name: `Gift card ${i + 1}`, amount, currency: 'NOK', type: 'gift_card',
          card_token: { expires_in: 5 * 365 * 24 * 3600, expires_after_transaction: false, format: { length: 16, numbers: true, characters: false, symbols: false } },
        }),
      );
      const token = card.card_token?.token.value;
      if (token === undefined) throw new Error('the gift card was issued without a card number');
      return { card_id: card.card_id, token, amount };
    }),
  );
  return { storeId, members: await members, giftCards: await giftCards };
}
