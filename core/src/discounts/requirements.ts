/**
 * Receipt-level requirements that do not depend on which lines other rules discount: currency,
 * store and customer (engine decision 4). Each check returns null when met, or the sentence that
 * explains why not.
 *
 * - Every requirement array means "one of these values". An empty array is read as no constraint
 *   (admin tools send `[]` for "not set").
 * - Values are compared as exact strings; numbers and booleans on the receipt are compared by
 *   their JSON text (`250` matches `"250"`, consent `true` matches `"true"`).
 * - A value the receipt does not carry never matches (a `status` requirement needs the receipt to
 *   send the customer's status).
 */
import type { CustomerRequirement, Discount, Receipt, StoreRequirement } from '../contracts/discounts.ts';

/** A property of a loose JSON object, or undefined. */
export function field(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  return Object.prototype.hasOwnProperty.call(obj, key) ? Reflect.get(obj, key) : undefined;
}

/** The comparable texts of a receipt value: a primitive, or an array of primitives. */
function texts(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v)) return v.flatMap((x: unknown) => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? [String(x)] : []));
  return [];
}

const constrains = (accepted: readonly (string | number)[] | undefined): accepted is readonly (string | number)[] =>
  accepted !== undefined && accepted.length > 0;

function oneOf(accepted: readonly (string | number)[], actual: unknown): boolean {
  const have = texts(actual);
  return accepted.some((a) => have.includes(String(a)));
}

const list = (values: readonly (string | number)[]): string => values.map(String).join(', ');

function mismatch(what: string, accepted: readonly (string | number)[], actual: unknown): string {
  const have = texts(actual);
  return `The ${what} must be one of ${list(accepted)}; the receipt has ${have.length === 0 ? 'none' : have.join(', ')}.`;
}

/** Checks each `key: [...]` of `req` against `obj[key]`. */
function checkFields<K extends string>(
  req: Readonly<Partial<Record<K, readonly (string | number)[] | undefined>>>,
  keys: readonly K[],
  obj: unknown,
  what: string,
): string | null {
  for (const key of keys) {
    const accepted = req[key];
    if (!constrains(accepted)) continue;
    const actual = field(obj, key);
    if (!oneOf(accepted, actual)) return mismatch(`${what} ${key.replaceAll('_', ' ')}`, accepted, actual);
  }
  return null;
}

export function checkCurrency(req: { readonly except: boolean; readonly list: readonly string[] }, currency: string | undefined): string | null {
  if (req.except) {
    if (currency === undefined) return `Needs a currency other than ${req.list.join(', ')}; the receipt has no currency.`;
    return req.list.includes(currency) ? `Not valid in ${currency}.` : null;
  }
  if (currency === undefined) return `Needs currency ${req.list.join(' or ')}; the receipt has no currency.`;
  return req.list.includes(currency) ? null : `Needs currency ${req.list.join(' or ')}; the receipt is in ${currency}.`;
}

const STORE_FIELDS = ['id', 'name', 'business_name', 'chain', 'email', 'gln', 'organization_number', 'phone_number', 'mcc', 'bax', 'terminal_id'] as const;

export function checkStore(d: Discount, receipt: Receipt): string | null {
  const store: unknown = receipt.store;
  const ids = d.requirement.store_ids;
  if (constrains(ids) && !oneOf(ids, field(store, 'id'))) return mismatch('store id', ids, field(store, 'id'));
  const req: StoreRequirement | undefined = d.requirement.store;
  if (req === undefined) return null;
  const plain = checkFields(req, STORE_FIELDS, store, 'store');
  if (plain !== null) return plain;
  if (req.address !== undefined) {
    const a = checkFields(req.address, ['country', 'postal_code', 'postal_place'], field(store, 'address'), 'store address');
    if (a !== null) return a;
  }
  if (req.mcc_ranges !== undefined && req.mcc_ranges.length > 0) {
    const mccText = texts(field(store, 'mcc'))[0];
    const mcc = mccText === undefined || mccText.trim() === '' ? Number.NaN : Number(mccText);
    const inRange = req.mcc_ranges.some((r) => mcc >= Number(r.start) && mcc <= Number(r.end));
    if (!inRange) {
      const ranges = req.mcc_ranges.map((r) => `${r.start}–${r.end}`).join(', ');
      return `The store's MCC must be in ${ranges}; the receipt has ${mccText ?? 'none'}.`;
    }
  }
  return null;
}

const CUSTOMER_FIELDS = ['date_of_birth', 'favorite_store', 'first_name', 'gender', 'last_name', 'status', 'type'] as const;
const COMPANY_FIELDS = ['department', 'industry', 'number_of_employees', 'organization_number', 'website'] as const;
const ADDRESS_FIELDS = ['country', 'postal_code', 'postal_place', 'custom_type', 'type'] as const;

function checkAddresses(req: NonNullable<CustomerRequirement['addresses']>, customer: unknown): string | null {
  if (req.length === 0) return null;
  const raw = field(customer, 'addresses');
  const addresses: unknown[] = Array.isArray(raw) ? raw : [];
  const ok = req.some((entry) => addresses.some((a) => checkFields(entry, ADDRESS_FIELDS, a, 'address') === null));
  return ok ? null : "None of the customer's addresses matches the rule's address requirement.";
}

function checkConsent(req: NonNullable<CustomerRequirement['marketing_consent']>, customer: unknown): string | null {
  const consents = field(customer, 'marketing_consent');
  for (const channel of ['email', 'sms'] as const) {
    const accepted = req[channel]?.consent;
    if (!constrains(accepted)) continue;
    const given = field(field(consents, channel), 'consent');
    if (!oneOf(accepted, given)) return mismatch(`customer's ${channel} marketing consent`, accepted, given);
  }
  return null;
}

function checkAttributes(req: Readonly<Record<string, readonly string[]>>, customer: unknown): string | null {
  const attrs = field(customer, 'attributes');
  for (const key of Object.keys(req).sort()) {
    const accepted = req[key];
    if (!constrains(accepted)) continue;
    const actual = field(attrs, key);
    if (!oneOf(accepted, actual)) return mismatch(`customer attribute ${key}`, accepted, actual);
  }
  return null;
}

export function checkCustomer(d: Discount, receipt: Receipt): string | null {
  const req = d.requirement.customer;
  if (req === undefined) return null;
  const customer: unknown = receipt.customer;
  const plain = checkFields(req, CUSTOMER_FIELDS, customer, "customer's");
  if (plain !== null) return plain;
  if (req.enrolled_by !== undefined) {
    const e = checkFields(req.enrolled_by, ['type', 'value'], field(customer, 'enrolled_by'), "customer's enrolled-by");
    if (e !== null) return e;
  }
  if (req.term !== undefined && constrains(req.term.id)) {
    const term = field(field(customer, 'term'), 'id');
    if (!oneOf(req.term.id, term)) return mismatch("customer's accepted term", req.term.id, term);
  }
  if (req.company !== undefined) {
    const company = field(customer, 'company');
    const names = req.company.bussiness_name;
    if (constrains(names)) {
      const name = field(company, 'bussiness_name') ?? field(company, 'business_name');
      if (!oneOf(names, name)) return mismatch("customer's company name", names, name);
    }
    const c = checkFields(req.company, COMPANY_FIELDS, company, "customer's company");
    if (c !== null) return c;
  }
  if (req.addresses !== undefined) {
    const a = checkAddresses(req.addresses, customer);
    if (a !== null) return a;
  }
  if (req.marketing_consent !== undefined) {
    const m = checkConsent(req.marketing_consent, customer);
    if (m !== null) return m;
  }
  if (req.attributes !== undefined) {
    const a = checkAttributes(req.attributes, customer);
    if (a !== null) return a;
  }
  return null;
}
