/**
 * Finds customers in the replica, offline: by a scanned token value (membership card number, app
 * QR) through an in-memory map — RxDB cannot index values inside arrays, and a scan must cost a
 * lookup, not a collection scan — and by phone number through the replica's phone index.
 *
 * The map is built once from the collection and then patched from its change events, so a sync
 * of a few customers does not rebuild it for every customer on the till.
 */
import type { CustomerDoc } from '@pos/core';
import type { PosDatabase } from '../../db/database.ts';
import type { SaleCustomer } from '../../machines/checkout.machine.ts';

interface Customer {
  readonly id: string;
  readonly customer_id: string;
  readonly first_name?: string | undefined;
  readonly last_name?: string | undefined;
  readonly tokens: readonly { readonly token_id?: string | undefined; readonly type: string; readonly value: string }[];
}

/** A customer found by phone, as the cashier picks from a list. */
export interface PhoneMatch {
  readonly customer_id: string;
  readonly name: string;
  readonly phone_number: string;
  readonly email?: string | undefined;
}

export interface CustomerIndex {
  /** Resolves once the map holds every customer the replica had at start. */
  readonly ready: Promise<void>;
  /** The customer whose token has this value, identified by that token; null when none has. */
  byToken(value: string): SaleCustomer | null;
  /** Customers with this phone number (already normalised, see `normalisePhone`). */
  byPhone(e164: string): Promise<PhoneMatch[]>;
  close(): void;
}

/** How the till names a customer: first and last name, or the customer id when there is none. */
export const customerName = (c: Pick<CustomerDoc, 'customer_id' | 'first_name' | 'last_name'>): string => `${c.first_name ?? ''} ${c.last_name ?? ''}`.trim() || c.customer_id;

/**
 * A phone number as typed at the counter → E.164, or null. Spaces, dots, dashes and brackets are
 * ignored; `00` is the international prefix; 8 digits are a Norwegian number (+47, the demo
 * store's country: one country per till until store configuration replicates).
 */
export function normalisePhone(typed: string, countryCode = '47'): string | null {
  const t = typed.replace(/[\s.\-()]/g, '');
  const international = t.startsWith('+') ? t.slice(1) : t.startsWith('00') ? t.slice(2) : null;
  if (international !== null) return /^[1-9]\d{1,14}$/.test(international) ? `+${international}` : null;
  return /^\d{8}$/.test(t) ? `+${countryCode}${t}` : null;
}

export function watchCustomerIndex(db: PosDatabase): CustomerIndex {
  const byValue = new Map<string, { docId: string; customer: SaleCustomer }>();
  const valuesOf = new Map<string, string[]>();

  const remove = (id: string): void => {
    // Two customers with one token value is bad data; the later one holds it until it lets go.
    for (const v of valuesOf.get(id) ?? []) if (byValue.get(v)?.docId === id) byValue.delete(v);
    valuesOf.delete(id);
  };
  const put = (c: Customer): void => {
    remove(c.id);
    const name = customerName(c);
    const values: string[] = [];
    for (const t of c.tokens) {
      const value = t.value.trim();
      if (value === '') continue;
      byValue.set(value, { docId: c.id, customer: { customer_id: c.customer_id, name, token: { ...(t.token_id === undefined ? {} : { token_id: t.token_id }), type: t.type, value: t.value } } });
      values.push(value);
    }
    valuesOf.set(c.id, values);
  };

  // Listen first and replay what came in while the first read ran: every event carries the whole
  // document, so applying one twice changes nothing.
  let buffered: { id: string; doc: Customer | null }[] | null = [];
  const apply = (e: { id: string; doc: Customer | null }): void => (e.doc === null ? remove(e.id) : put(e.doc));
  const sub = db.customers.$.subscribe((e) => {
    const change = { id: e.documentId, doc: e.operation === 'DELETE' ? null : e.documentData };
    if (buffered === null) apply(change);
    else buffered.push(change);
  });
  const ready = db.customers.find().exec().then((docs) => {
    for (const d of docs) put(d);
    for (const e of buffered ?? []) apply(e);
    buffered = null;
  });

  return {
    ready,
    byToken: (value) => byValue.get(value.trim())?.customer ?? null,
    async byPhone(e164) {
      const docs = await db.customers.find({ selector: { phone_key: e164 } }).exec();
      return docs.map((d) => ({ customer_id: d.customer_id, name: customerName(d), phone_number: d.phone_number ?? e164, email: d.email }));
    },
    close: () => sub.unsubscribe(),
  };
}
