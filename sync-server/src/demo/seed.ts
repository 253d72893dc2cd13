/**
 * Seeds the demo store idempotently: account, API clients (kept in a local credentials file so
 * their secrets can be shown again), a grocery catalog and a gift card — all through the public
 * API, so the demo exercises the same code an integrator's calls do.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { Db } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrations.ts';
import { systemClock } from '../clock.ts';
import { createAuthRepo } from '../services/auth/repo.ts';
import { createAuthAdmin } from '../services/auth/service.ts';
import { DEMO_GROUPS, DEMO_PRODUCTS, DEMO_TAX_GROUPS } from './catalog.ts';
import { DEMO_RULES } from './discounts.ts';

export const DEMO_ACCOUNT = 'T12345678';
// The demo till may also issue gift cards (write:wallets), behind its manager code.
// It reads the discount rules and reports each sale's discounts (write:discounts:/events).
export const TILL_SCOPES = ['read:products', 'write:wallets:/transactions', 'write:wallets:/info', 'read:wallets', 'write:wallets', 'read:discounts', 'write:discounts:/events', 'read:customers', 'create:customers:/users', 'write:receipts'];
const ADMIN_SCOPES = ['admin:wallets', 'admin:products', 'admin:discounts', 'admin:automations', 'admin:customers', 'admin:receipts', 'admin:hooks', 'admin:locations'];

const ClientSchema = z.object({ client_id: z.string(), client_secret: z.string() });
const CredentialsSchema = z.object({
  account_id: z.string(),
  admin: ClientSchema,
  till: ClientSchema,
  gift_card: z.object({ card_id: z.string(), token: z.string(), pin: z.string() }).optional(),
});
export type DemoCredentials = z.infer<typeof CredentialsSchema>;

/** Creates the account and clients, or reuses those recorded in `credentialsFile`. */
export async function ensureDemoClients(db: Db, credentialsFile: string): Promise<DemoCredentials> {
  await migrateToLatest(db.kysely);
  const repo = createAuthRepo(db.kysely);
  const admin = createAuthAdmin(repo, systemClock);
  await admin.createAccount(DEMO_ACCOUNT, 'Demo grocery');
  if (existsSync(credentialsFile)) {
    const saved = CredentialsSchema.safeParse(JSON.parse(readFileSync(credentialsFile, 'utf8')));
    if (saved.success) {
      const [a, t] = await Promise.all([repo.findClient(saved.data.admin.client_id), repo.findClient(saved.data.till.client_id)]);
      // Clients from an older demo lack newer scopes: make new ones rather than a till that cannot sync.
      const current = (c: typeof a, wanted: readonly string[]): boolean => c?.revoked_at === null && wanted.every((s) => c.scopes.split(' ').includes(s));
      if (current(a, ADMIN_SCOPES) && current(t, TILL_SCOPES)) return saved.data;
    }
  }
  const creds: DemoCredentials = {
    account_id: DEMO_ACCOUNT,
    admin: await admin.createClient(DEMO_ACCOUNT, 'demo-backoffice', ADMIN_SCOPES),
    till: await admin.createClient(DEMO_ACCOUNT, 'till-1', TILL_SCOPES),
  };
  writeFileSync(credentialsFile, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  return creds;
}

async function api(base: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}/v1/accounts/${DEMO_ACCOUNT}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

export async function fetchToken(base: string, client: { client_id: string; client_secret: string }): Promise<string> {
  const res = await fetch(`${base}/v1/accounts/${DEMO_ACCOUNT}/auth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', audience: `${base}/v1/accounts/${DEMO_ACCOUNT}` }),
  });
  const body = z.object({ access_token: z.string() }).safeParse(await res.json());
  if (!body.success) throw new Error(`demo token exchange failed with HTTP ${res.status}`);
  return body.data.access_token;
}

/** Creates what is missing; a 409 means it is there already. */
async function put(base: string, token: string, path: string, body: unknown): Promise<void> {
  const res = await api(base, token, 'POST', path, body);
  if (res.status !== 200 && res.status !== 409) throw new Error(`seeding ${path} failed: HTTP ${res.status} ${JSON.stringify(res.json)}`);
}

export async function seedDemoData(base: string, credentialsFile: string, creds: DemoCredentials): Promise<DemoCredentials> {
  const token = await fetchToken(base, creds.admin);
  for (const t of DEMO_TAX_GROUPS) await put(base, token, '/products/tax', t);
  for (const g of DEMO_GROUPS) await put(base, token, '/products/groups', g);
  await put(base, token, '/products/catalogs', { catalog_id: 'grocery', catalog_name: 'Grocery' });
  for (const [product_id, product_name, price, group, tax, barcode] of DEMO_PRODUCTS) {
    await put(base, token, '/products/catalogs/grocery/products', {
      product_id, product_name, description: product_name, unit_gross_price: price, currency: 'NOK', unit: 'stk',
      groups: [{ group_id: group }], tax_id: tax, barcodes: [barcode],
    });
  }
  await seedDemoRules(base, token);
  if (creds.gift_card !== undefined) {
    const existing = await api(base, token, 'GET', `/wallets/cards/${creds.gift_card.card_id}`);
    // A card from before offline gift cards has no offline PIN check: make a new one the till can take offline.
    if (existing.status === 200 && (await hasOfflinePinCheck(base, token, creds.gift_card.card_id))) return creds;
  }
  const cardId = `demo-gift-${Date.now().toString(36)}`;
  const created = await api(base, token, 'POST', '/wallets/cards', {
    card_id: cardId, name: 'Demo gift card', amount: 50_000, currency: 'NOK',
    pin: { format: { length: 4, numbers: true, characters: false, symbols: false } },
    card_token: { expires_in: 5 * 365 * 24 * 3600, expires_after_transaction: false, format: { length: 16, numbers: true, characters: false, symbols: false } },
  });
  const card = z.object({ pin: z.object({ pin: z.object({ value: z.string() }) }), card_token: z.object({ token: z.object({ value: z.string() }) }) }).safeParse(created.json);
  if (!card.success) throw new Error(`seeding the gift card failed: HTTP ${created.status} ${JSON.stringify(created.json)}`);
  const withCard = { ...creds, gift_card: { card_id: cardId, token: card.data.card_token.token.value, pin: card.data.pin.pin.value } };
  writeFileSync(credentialsFile, `${JSON.stringify(withCard, null, 2)}\n`, { mode: 0o600 });
  return withCard;
}

/** Whether the card's replicated snapshot carries an offline PIN check (the demo has few cards: read them all). */
async function hasOfflinePinCheck(base: string, token: string, cardId: string): Promise<boolean> {
  const Page = z.object({
    documents: z.array(z.object({ card_id: z.string(), offline: z.object({ pin_check: z.unknown().optional() }).optional() })),
    checkpoint: z.object({ txid: z.number(), seq: z.number() }),
    remaining: z.number(),
  });
  let found = false;
  let after = '';
  for (;;) {
    const page = Page.safeParse((await api(base, token, 'GET', `/sync/gift_cards/pull?limit=1000${after}`)).json);
    if (!page.success) return false;
    for (const d of page.data.documents) if (d.card_id === cardId) found = d.offline?.pin_check !== undefined;
    if (page.data.remaining === 0 || page.data.documents.length === 0) return found;
    after = `&txid=${page.data.checkpoint.txid}&seq=${page.data.checkpoint.seq}`;
  }
}

/** Creates the demo offers that are missing (found by `metadata.demo_key`) and gives them to their customers. */
async function seedDemoRules(base: string, token: string): Promise<void> {
  const listed = await api(base, token, 'GET', '/discounts/rules?limit=100&state=available');
  const existing = z.array(z.object({ metadata: z.record(z.string(), z.unknown()).optional() })).safeParse(listed.json);
  if (!existing.success) throw new Error(`listing discount rules failed: HTTP ${listed.status} ${JSON.stringify(listed.json)}`);
  const keys = new Set(existing.data.map((r) => r.metadata?.['demo_key']));
  for (const demo of DEMO_RULES) {
    if (keys.has(demo.key)) continue;
    const created = await api(base, token, 'POST', '/discounts/rules', { ...demo.rule, metadata: { ...demo.rule.metadata, demo_key: demo.key } });
    const rule = z.object({ id: z.string() }).safeParse(created.json);
    if (!rule.success) throw new Error(`seeding rule ${demo.key} failed: HTTP ${created.status} ${JSON.stringify(created.json)}`);
    const granted = await api(base, token, 'POST', `/discounts/rules/${rule.data.id}/customers`, { customers: demo.grants });
    if (granted.status !== 200) throw new Error(`granting rule ${demo.key} failed: HTTP ${granted.status} ${JSON.stringify(granted.json)}`);
  }
}
