/**
 * Verifying a customer's email or phone number (contract §2.1, §2.4): send a code, confirm it.
 *
 * - Codes are 6 digits from node:crypto, stored only as a salted SHA-256 (the row id is the salt),
 *   valid 10 minutes, for the address they were sent to: if the email or phone changes, the code
 *   no longer confirms anything. A new code voids the older ones.
 * - Brute force: every wrong code counts; the 5th wrong one voids the code, and confirming then
 *   needs a new code. A wrong try is committed even though the request answers 400.
 * - Delivery goes through a `VerificationSender` (SMS/email gateway) after the code is stored; the
 *   default writes the code to the server log, for development and tills without a gateway.
 * - `communication.<field>.allowed` is the customer's marketing consent for that channel (email →
 *   email, phone_number → sms); `verified_at` is when the current value was confirmed.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { badRequest } from '../../errors.ts';
import type { Actor } from './effects.ts';
import { monotonicId } from '../../db/ids.ts';
import { storedCustomer } from './model.ts';
import type { Communication } from './schemas.ts';
import { liveCustomer, write, type Context } from './shared.ts';

export type VerifiableField = 'email' | 'phone_number';

export interface VerificationMessage {
  accountId: string;
  customerId: string;
  field: VerifiableField;
  /** The email address or phone number to deliver to. */
  to: string;
  code: string;
  expiresAt: string;
}

/** Delivers verification codes (an SMS or email gateway). */
export interface VerificationSender {
  send(message: VerificationMessage): Promise<void>;
}

/** The default sender: the code goes to the server log. */
export function logVerificationSender(log: { info(obj: object, msg: string): void }): VerificationSender {
  return {
    send(m) {
      log.info({ account_id: m.accountId, customer_id: m.customerId, field: m.field, to: m.to, code: m.code, expires_at: m.expiresAt }, 'customer verification code');
      return Promise.resolve();
    },
  };
}

const CODE_TTL_MS = 10 * 60 * 1000;
const MAX_WRONG = 5;

const hashCode = (salt: string, code: string): string => createHash('sha256').update(`${salt}:${code}`).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function communicationMethods(ctx: Context, sender: VerificationSender) {
  const { repo } = ctx;
  return {
    async communication(accountId: string, customerId: string): Promise<Communication> {
      const row = await liveCustomer(ctx, accountId, customerId);
      const consent = storedCustomer(row).marketing_consent;
      return {
        id: row.id,
        created_at: row.created_at,
        created_by: row.created_by,
        updated_at: row.updated_at,
        communication: {
          email: row.email === null ? undefined : { verified_at: row.email_verified_at ?? undefined, allowed: consent?.email?.consent ?? false },
          phone_number: row.phone_number === null ? undefined : { verified_at: row.phone_verified_at ?? undefined, allowed: consent?.sms?.consent ?? false },
        },
      };
    },

    async sendCode(actor: Actor, customerId: string, field: VerifiableField): Promise<void> {
      const message = await write(ctx, actor, async (trx, _fx, at) => {
        const row = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const to = field === 'email' ? row.email : row.phone_number;
        if (to === null) throw badRequest('CUSTOMER_VERIFICATION_NO_TARGET', `customer ${customerId} has no ${field} to verify`);
        const id = monotonicId();
        const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
        const expiresAt = new Date(Date.parse(at) + CODE_TTL_MS).toISOString();
        await repo.spendVerifications(row.id, field, at, trx);
        await repo.insertVerification({ id, account_id: actor.accountId, customer_pk: row.id, field, target: to, code_hash: hashCode(id, code), attempts: 0, expires_at: expiresAt, created_at: at, spent_at: null }, trx);
        return { accountId: actor.accountId, customerId, field, to, code, expiresAt };
      });
      await sender.send(message);
    },

    async confirmCode(actor: Actor, customerId: string, field: VerifiableField, code: string | undefined): Promise<void> {
      if (code === undefined || code === '') throw badRequest('CUSTOMER_VERIFICATION_CODE_REQUIRED', 'code is required');
      const confirmed = await write(ctx, actor, async (trx, _fx, at) => {
        const row = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const current = field === 'email' ? row.email : row.phone_number;
        const v = await repo.liveVerification(row.id, field, trx);
        if (v === undefined || v.expires_at <= at || v.target !== current) return false;
        if (!sameHash(v.code_hash, hashCode(v.id, code))) {
          const attempts = v.attempts + 1;
          await repo.updateVerification(v.id, { attempts, spent_at: attempts >= MAX_WRONG ? at : null }, trx);
          return false;
        }
        await repo.updateVerification(v.id, { spent_at: at }, trx);
        await repo.updateCustomer(row.id, field === 'email' ? { email_verified_at: at } : { phone_verified_at: at }, trx);
        return true;
      });
      if (!confirmed) throw badRequest('CUSTOMER_VERIFICATION_CODE_INVALID', 'the code is wrong, expired or used up: send a new code');
    },
  };
}
