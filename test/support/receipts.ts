/**
 * Helpers for the Receipts suites: an account of its own per test, receipt bodies, the wire
 * shapes the tests read back, and the account's webhook outbox rows.
 */
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Harness } from './harness.ts';
import { newStore, type Store } from './discounts.ts';

export interface ExtraInfo {
  key: string;
  value: string;
  value_type?: string;
}

export interface CreatedReceipt {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  receipt_id: string;
  store: { id: string };
  purchase_at: string;
  extra_info?: ExtraInfo[];
}

export interface Created {
  receipts: CreatedReceipt[];
  duplicates: number;
}

export interface StoredReceipt extends Record<string, unknown> {
  id: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  receipt_id: string;
  purchase_at: string;
  store: { id: string };
  customer_id?: string;
  entry_status?: string;
  discounts?: unknown[];
  extra_info?: ExtraInfo[];
}

export interface MinimalReceipt {
  id: string;
  receipt_id: string;
  purchase_at: string;
  store: { id: string };
  gross_amount?: number;
  currency?: string;
  items?: unknown[];
}

export interface Page<T> {
  receipts: T[];
  starting_after?: string;
}

export interface OutboxRow {
  event: string;
  /** The receipt's server id and POS receipt id, and the whole receipt as the event carries it. */
  id: string;
  receipt_id: string;
  receipt: Record<string, unknown>;
}

/** A fresh account whose client may administer receipts and discounts. */
export function receiptStore(h: Harness, prefix = '5'): Promise<Store> {
  return newStore(h, prefix, ['admin:receipts', 'admin:discounts', 'admin:automations']);
}

/** A receipt of `lines` lines (500 øre each), bought at `at` in store-1. */
export function receipt(receiptId: string, over: Record<string, unknown> = {}, lines = 2, at = '2026-06-01T09:30:00.000Z'): Record<string, unknown> {
  const items = Array.from({ length: lines }, (_, i) => ({
    id: i === 0 ? 'coffee' : `item-${i}`,
    line_id: i + 1,
    quantity: 1,
    description: `Item ${i}`,
    gross_amount: 500,
    net_amount: 500,
    unit_gross_price: 500,
    tax_percent: 25,
    eligible_for_discount: true,
    groups: [{ id: i === 0 ? 'drinks' : 'food' }],
  }));
  return {
    receipt_id: receiptId,
    purchase_at: at,
    store: { id: 'store-1', name: 'Main street' },
    currency: 'NOK',
    gross_amount: 500 * lines,
    net_amount: 500 * lines,
    items,
    payments: [{ line_id: 1, amount: 500 * lines, type_id: 'cash' }],
    ...over,
  };
}

export async function post(s: Store, receipts: unknown[], query = ''): Promise<Created> {
  const res = await s.call('POST', `/receipts${query}`, receipts);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Created>();
}

export const json = <T>(res: LightMyRequestResponse, status = 200): T => {
  expect(res.statusCode, res.body).toBe(status);
  return res.json<T>();
};

/** The account's outbox events about receipts, oldest first. */
export async function outbox(h: Harness, accountId: string): Promise<OutboxRow[]> {
  const rows = await h.db.kysely.selectFrom('hook_outbox').select(['event', 'payload', 'id']).where('account_id', '=', accountId).orderBy('id').execute();
  return rows.flatMap((r) => {
    if (r.event !== 'receipt_add' && r.event !== 'receipt_update') return [];
    const payload: unknown = JSON.parse(r.payload);
    if (typeof payload !== 'object' || payload === null || !('receipt' in payload) || typeof payload.receipt !== 'object' || payload.receipt === null) throw new Error('receipt event without a receipt');
    const rec: Record<string, unknown> = { ...payload.receipt };
    const { id, receipt_id } = rec;
    if (typeof id !== 'string' || typeof receipt_id !== 'string') throw new Error('receipt event without id or receipt_id');
    return [{ event: r.event, id, receipt_id, receipt: rec }];
  });
}

/** How many receipts the account has stored (straight from the table). */
export async function storedCount(h: Harness, accountId: string): Promise<number> {
  const rows = await h.db.kysely.selectFrom('receipts').select('id').where('account_id', '=', accountId).execute();
  return rows.length;
}
