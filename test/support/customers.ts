/**
 * Helpers for the Customers suites: an account of its own per test (from the discounts helpers,
 * so lists never meet another test's rows), the wire shapes read back, the webhook outbox as
 * rows, and a verification sender that keeps the codes it was given.
 */
import { expect } from 'vitest';
import type { Clock } from '../../sync-server/src/clock.ts';
import type { VerificationMessage, VerificationSender } from '../../sync-server/src/services/customers/service.ts';
import type { DbTarget } from './databases.ts';
import { newStore, ok, type Store } from './discounts.ts';
import { startHarness, type Harness } from './harness.ts';

export interface Customer {
  id: string;
  customer_id: string;
  created_at: string;
  created_by: string;
  updated_at?: string;
  deleted_at?: string;
  deleted_by?: string;
  type?: string;
  first_name?: string;
  last_name?: string;
  email?: string;
  phone_number?: string;
  status?: string;
  attributes?: Record<string, unknown>;
  marketing_consent?: { sms?: { consent: boolean; updated_at: string }; email?: { consent: boolean; updated_at: string } };
  company?: Record<string, unknown>;
  contact_for?: Array<{ customer_id: string }>;
  term?: { id: string; accepted_at: string };
  metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface Token {
  id: string;
  token_id: string;
  type: string;
  value: string;
  metadata?: Record<string, unknown>;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at?: string;
  deleted_by?: string;
}

export interface OutboxRow {
  event: string;
  payload: Record<string, unknown>;
}

/** A fresh account with a client holding `scopes` (admin of customers by default). */
export const customerStore = (h: Harness, prefix: string, scopes: string[] = ['admin:customers']): Promise<Store> => newStore(h, prefix, scopes);

export async function createCustomer(s: Store, body: Record<string, unknown>, token?: string): Promise<Customer> {
  return ok<Customer>(await s.call('POST', '/customers/users', body, token === undefined ? {} : { token }));
}

export async function addToken(s: Store, customerId: string, body: Record<string, unknown>, query = ''): Promise<Token> {
  const res = await s.call('POST', `/customers/users/${encodeURIComponent(customerId)}/tokens${query}`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Token>();
}

export async function listCustomers(s: Store, query = ''): Promise<Customer[]> {
  return ok<Customer[]>(await s.call('GET', `/customers/users${query}`));
}

export const customerIds = async (s: Store, query = ''): Promise<string[]> => (await listCustomers(s, query)).map((c) => c.customer_id);

/** The account's webhook outbox in write order, optionally of one event. */
export async function outbox(h: Harness, accountId: string, event?: string): Promise<OutboxRow[]> {
  let q = h.db.kysely.selectFrom('hook_outbox').select(['event', 'payload']).where('account_id', '=', accountId);
  if (event !== undefined) q = q.where('event', '=', event);
  const rows = await q.orderBy('id').execute();
  return rows.map((r) => {
    const payload: unknown = JSON.parse(r.payload);
    if (typeof payload !== 'object' || payload === null) throw new Error(`outbox payload is not an object: ${r.payload}`);
    return { event: r.event, payload: Object.fromEntries(Object.entries(payload)) };
  });
}

/** Captures verification codes instead of sending them. */
export function capturingSender(): VerificationSender & { sent: VerificationMessage[]; last(): VerificationMessage } {
  const sent: VerificationMessage[] = [];
  return {
    sent,
    send(m) {
      sent.push(m);
      return Promise.resolve();
    },
    last() {
      const m = sent.at(-1);
      if (m === undefined) throw new Error('no verification code was sent');
      return m;
    },
  };
}

/**
 * The shared harness with a verification sender of the test's own, calling as an
 * admin:customers client unless told otherwise.
 */
export async function startWithSender(target: DbTarget, clock: Clock, sender: VerificationSender) {
  const h = await startHarness(target, { clock, app: { verificationSender: sender } });
  const token = await h.tokenFor(['admin:customers']);
  return {
    tokenFor: (scopes: string[]) => h.tokenFor(scopes),
    call: (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, as: string = token) => h.call(method, path, { token: as, body }),
    close: () => h.close(),
  };
}
