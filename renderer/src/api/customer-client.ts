/** The Customers API as the till uses it: enrolling a new member at the counter. */
import { z } from 'zod';
import { ApiCallError, callApi, type ApiEndpoint } from './http.ts';

export interface Enrolment {
  readonly first_name: string;
  readonly last_name: string;
  /** E.164, when given. */
  readonly phone_number?: string | undefined;
  readonly email?: string | undefined;
  readonly sms_consent: boolean;
  readonly email_consent: boolean;
  /** The store enrolling them (`enrolled_by`). */
  readonly store_id: string;
}

/** A customer as the server answers (`POST`/`GET /customers/users`), as far as the till reads it. */
export const CustomerSchema = z.looseObject({
  id: z.string(),
  customer_id: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  phone_number: z.string().optional(),
  email: z.string().optional(),
});
export type Enrolled = z.infer<typeof CustomerSchema>;

/** The `POST /customers/users` body of an enrolment, with the till's own customer_id. */
export type EnrolmentBody = ReturnType<typeof enrolmentBody>;

export function enrolmentBody(input: Enrolment, customerId: string) {
  return {
    customer_id: customerId,
    first_name: input.first_name,
    last_name: input.last_name,
    ...(input.phone_number === undefined ? {} : { phone_number: input.phone_number }),
    ...(input.email === undefined ? {} : { email: input.email }),
    // Both consents are sent, so the server records a "no" as a decision, not as unknown.
    marketing_consent: { sms: { consent: input.sms_consent }, email: { consent: input.email_consent } },
    enrolled_by: { type: 'store', value: input.store_id },
  };
}

const digits = (v: unknown): string => (typeof v === 'string' ? v.replace(/\D/g, '') : '');
const folded = (v: unknown): string => (typeof v === 'string' ? v.trim().toLowerCase() : '');

/**
 * Whether the customer the server holds under an enrolment's customer_id is that enrolment (sent
 * before, its answer lost) rather than someone else: same names, and the same phone and e-mail
 * where the enrolment gave them.
 */
export function sameEnrolment(body: Readonly<Record<string, unknown>>, existing: Enrolled): boolean {
  if (body.customer_id !== existing.customer_id) return false;
  if (folded(body.first_name) !== folded(existing.first_name) || folded(body.last_name) !== folded(existing.last_name)) return false;
  if (body.phone_number !== undefined && digits(body.phone_number) !== digits(existing.phone_number)) return false;
  return body.email === undefined || folded(body.email) === folded(existing.email);
}

/** A customer enrolled on this till that the replica does not hold yet. */
export interface ProvisionalCustomer {
  readonly customer_id: string;
  readonly name: string;
  readonly phone_number: string;
  readonly email?: string | undefined;
}

/** Where enrolments wait while the server cannot be reached (the till's outbox). */
export interface EnrolmentQueue {
  add(body: EnrolmentBody): Promise<void>;
  byPhone(e164: string): Promise<ProvisionalCustomer[]>;
}

export interface EnrolResult {
  readonly customer: Enrolled;
  /** True when the server could not be reached: the enrolment waits in the outbox and goes up later. */
  readonly queued: boolean;
}

export interface CustomerClient {
  /**
   * `POST /customers/users` with a customer_id made here, so a resend is recognised as the same
   * enrolment. A duplicate phone or e-mail is a 400 with its reason. When the server cannot be
   * reached the enrolment is queued and the customer can be used at once under that id.
   */
  enrol(input: Enrolment): Promise<EnrolResult>;
  /** Customers enrolled on this till that have not arrived through replication yet. */
  provisionalByPhone(e164: string): Promise<ProvisionalCustomer[]>;
}

export function customerClient(endpoint: ApiEndpoint, queue: EnrolmentQueue | null, newId: () => string = () => crypto.randomUUID()): CustomerClient {
  return {
    async enrol(input) {
      const body = enrolmentBody(input, newId());
      try {
        return { customer: await callApi(endpoint, 'POST', '/customers/users', CustomerSchema, body), queued: false };
      } catch (e) {
        if (queue === null || !(e instanceof ApiCallError) || e.status !== 0) throw e;
        // The answer may have been lost after the server stored it: the same customer_id makes the resend harmless.
        await queue.add(body);
        return { customer: { id: body.customer_id, ...body }, queued: true };
      }
    },
    provisionalByPhone: (e164) => queue?.byPhone(e164) ?? Promise.resolve([]),
  };
}
