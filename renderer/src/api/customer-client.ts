/** The Customers API as the till uses it: enrolling a new member at the counter. */
import { z } from 'zod';
import { callApi, type ApiEndpoint } from './http.ts';

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

const EnrolledSchema = z.looseObject({
  id: z.string(),
  customer_id: z.string(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  phone_number: z.string().optional(),
  email: z.string().optional(),
});
export type Enrolled = z.infer<typeof EnrolledSchema>;

export interface CustomerClient {
  /** `POST /customers/users`: the server generates the customer id; a duplicate phone or e-mail is a 400 with its reason. */
  enrol(input: Enrolment): Promise<Enrolled>;
}

export function customerClient(endpoint: ApiEndpoint): CustomerClient {
  return {
    enrol: (input) =>
      callApi(endpoint, 'POST', '/customers/users', EnrolledSchema, {
        first_name: input.first_name,
        last_name: input.last_name,
        ...(input.phone_number === undefined ? {} : { phone_number: input.phone_number }),
        ...(input.email === undefined ? {} : { email: input.email }),
        // Both consents are sent, so the server records a "no" as a decision, not as unknown.
        marketing_consent: { sms: { consent: input.sms_consent }, email: { consent: input.email_consent } },
        enrolled_by: { type: 'store', value: input.store_id },
      }),
  };
}
