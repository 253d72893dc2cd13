/**
 * Helpers for the Discounts suites: an account of its own per test (so lists never meet another
 * test's rows), rule and receipt bodies, and the wire shapes the tests read back.
 */
import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { z } from 'zod';
import type { Checkpoint } from '@pos/core';
import type { Harness } from './harness.ts';

export interface Statistics {
  stamp: number;
  usage: number;
  used: number;
  amount: number;
  bonus: number;
  debit_balance: number;
}
export interface CustomerStatistics extends Statistics {
  current_stamp: number;
}

export interface Rule {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  deleted_at?: string;
  deleted_by?: string;
  type: 'item' | 'receipt';
  campaign_id?: string;
  active: boolean;
  private: boolean;
  name?: string;
  receipt_text?: string;
  requirement: Record<string, unknown> & { purchase_from: string; purchase_to: string };
  reward: Record<string, unknown> & { type: string; value: number };
  limitation?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  statistics?: Statistics;
}

export type CustomerRule = Rule & { statistics: CustomerStatistics; ref_id: string };

export interface RuleCustomer {
  id: string;
  customer_id: string | null;
  grant: 'customer' | 'any_customer' | 'no_customer';
  offering_constraint_id?: string;
  automation_id?: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string;
}

export interface Usage {
  id: string;
  ref_id: string;
  discount_id: string;
  customer_id: string | null;
  create_at: string;
  updated_at: string;
  created_by: string;
  usage_refs: Array<{ ref: string; ref_type: string; usage: number; stamp: number; amount: number; bonus: number; created_at: string; created_by: string }>;
  statistics: CustomerStatistics;
}

export interface ReceiptOut {
  receipt_id: string;
  is_changed?: boolean;
  net_amount?: number;
  total_discount?: number;
  items?: Array<{ line_id?: number; net_amount?: number; is_changed?: boolean; discount_lines?: Array<Record<string, unknown> & { amount: number; discount_id?: string }>; bonus_lines?: Array<Record<string, unknown>> }>;
  discounts?: Array<{ id: string; refs: Array<{ id: string; stamp: number; amount: number; bonus: number; usage: number; statistics?: Record<string, number> }> }>;
}

export interface ErrorBody {
  error: { message: string; code: string; errors?: unknown[] };
}

export interface Store {
  aid: string;
  token: string;
  clientId: string;
  call(method: InjectOptions['method'], path: string, body?: unknown, opts?: { token?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
  tokenFor(scopes: string[]): Promise<string>;
}

/** The API client id a token was issued to (the JWT's `sub`). */
export function clientIdOf(token: string): string {
  const payload: unknown = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
  if (typeof payload !== 'object' || payload === null || !('sub' in payload) || typeof payload.sub !== 'string') throw new Error('token without sub');
  return payload.sub;
}

let accounts = 0;

/** A fresh account with an admin client for discounts and automations. */
export async function newStore(h: Harness, prefix: string, scopes: string[] = ['admin:discounts', 'admin:automations']): Promise<Store> {
  accounts += 1;
  const aid = `T${prefix}${String(accounts).padStart(8 - prefix.length, '0')}`;
  await h.createAccount(aid);
  const token = await h.tokenFor(scopes, aid);
  return {
    aid,
    token,
    clientId: clientIdOf(token),
    call: (method, path, body, o = {}) => h.call(method, `/v1/accounts/${aid}${path}`, { token: o.token ?? token, body, ...(o.headers === undefined ? {} : { headers: o.headers }) }),
    tokenFor: (s) => h.tokenFor(s, aid),
  };
}

export const ok = <T>(res: LightMyRequestResponse): T => {
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
};

export const expectError = (res: LightMyRequestResponse, status: number, code?: string): ErrorBody['error'] => {
  expect(res.statusCode, res.body).toBe(status);
  const { error } = res.json<ErrorBody>();
  if (code !== undefined) expect(error.code).toBe(code);
  expect(error.message).toEqual(expect.any(String));
  expect(error.message.length).toBeGreaterThan(0);
  return error;
};

export const FROM = '2026-01-01T00:00:00.000Z';
export const TO = '2027-01-01T00:00:00.000Z';
export const NOW = '2026-06-01T10:00:00.000Z';

/** A valid rule body: 10 % off the receipt, all of 2026. */
export function ruleBody(over: Record<string, unknown> = {}, requirement: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: '10 % off',
    receipt_text: '10 %',
    requirement: { purchase_from: FROM, purchase_to: TO, ...requirement },
    reward: { type: 'discount_percent', value: 10 },
    ...over,
  };
}

export async function createRule(s: Store, over: Record<string, unknown> = {}, requirement: Record<string, unknown> = {}): Promise<Rule> {
  return ok<Rule>(await s.call('POST', '/discounts/rules', ruleBody(over, requirement)));
}

export async function grant(s: Store, ruleId: string, customers: string[], offering?: string): Promise<void> {
  ok(await s.call('POST', `/discounts/rules/${ruleId}/customers`, { customers, ...(offering === undefined ? {} : { offering_constraint_id: offering }) }));
}

export async function refsOf(s: Store, ruleId: string, query = ''): Promise<RuleCustomer[]> {
  return ok<RuleCustomer[]>(await s.call('GET', `/discounts/rules/${ruleId}/customers${query}`));
}

/** The one live ref of a rule held by this customer key (a customer id, `*` or `/`). */
export async function refOf(s: Store, ruleId: string, key: string): Promise<string> {
  const refs = await refsOf(s, ruleId, '?limit=1000');
  const grant = key === '*' ? 'any_customer' : key === '/' ? 'no_customer' : 'customer';
  const found = refs.filter((r) => r.grant === grant && (grant !== 'customer' || r.customer_id === key));
  expect(found, `refs of ${ruleId} for ${key}`).toHaveLength(1);
  return found[0]?.id ?? '';
}

export function receiptBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    receipt_id: 'r-1',
    purchase_at: NOW,
    store: { id: 'store-1' },
    currency: 'NOK',
    gross_amount: 20_000,
    items: [
      { id: 'coffee', line_id: 1, quantity: 1, gross_amount: 5_000, unit_gross_price: 5_000, eligible_for_discount: true, groups: [{ id: 'drinks' }] },
      { id: 'bun', line_id: 2, quantity: 1, gross_amount: 15_000, unit_gross_price: 15_000, eligible_for_discount: true, groups: [{ id: 'food' }] },
    ],
    ...over,
  };
}

/** POST /discounts/events with a fresh delivery id unless one is given. */
export function sendEvent(s: Store, event: string, body: unknown, delivery: string = randomUUID(), token?: string): Promise<LightMyRequestResponse> {
  return s.call('POST', '/discounts/events', body, { headers: { event, 'event-delivery': delivery }, ...(token === undefined ? {} : { token }) });
}

export async function rulesCount(s: Store): Promise<number> {
  return ok<Rule[]>(await s.call('GET', '/discounts/rules?state=all&limit=100')).length;
}

/** One page of a replication pull (RxDB's protocol, our `/sync` extension). */
export interface PullPage<T> {
  documents: T[];
  checkpoint: Checkpoint;
  remaining: number;
}

/** Pulls a page of `collection` after `after`, checking every document against its core schema. */
export async function pullPage<T>(s: Store, collection: string, schema: z.ZodType<T>, token: string, after?: Checkpoint): Promise<PullPage<T>> {
  const q = after === undefined ? '' : `&txid=${after.txid}&seq=${after.seq}`;
  const page = ok<{ documents: unknown[]; checkpoint: Checkpoint; remaining: number }>(await s.call('GET', `/sync/${collection}/pull?limit=100${q}`, undefined, { token }));
  return { ...page, documents: page.documents.map((d) => schema.parse(d)) };
}
