/**
 * Receipt tokens (§4.3, §9.8): the JWT a customer uses to see and claim an anonymous receipt.
 *
 * - HS256 with a 256-bit key kept in `server_secrets` (made on first use, shared by every server
 *   node through the database). Not the access-token RS256 key: only this server verifies these,
 *   HMAC signs a batch of a thousand in milliseconds, and an access token can never pass as a
 *   receipt token (nor the reverse — it has no `scope`).
 * - Claims: `aid` (account), `sub` (the receipt's server id), `receipt_id` (the POS receipt id),
 *   `customer_id` when the receipt had one, `exp`; audience = the token URL's path, `typ`
 *   `receipt+jwt`.
 * - The URL is `<publicUrl>/v1/accounts/{aid}/receipts/receipt-token?token=…`.
 * - Spending a token (a claim) is recorded on the receipt, not here.
 */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { badRequest } from '../../errors.ts';

const ALG = 'HS256';
const TYP = 'receipt+jwt';

export interface ReceiptTokenClaims {
  accountId: string;
  /** The receipt's server id. */
  id: string;
  receiptId: string;
  customerId?: string | undefined;
}

export interface ReceiptTokens {
  /** The token URL's base for an account: add `?token=`. */
  url(accountId: string): string;
  sign(claims: ReceiptTokenClaims, expiresAt: Date): Promise<string>;
  /** The claims of a valid token for this account; 400 RECEIPT_TOKEN_INVALID / _EXPIRED otherwise. */
  verify(token: string, accountId: string, now: Date): Promise<ReceiptTokenClaims>;
}

export function createReceiptTokens(publicUrl: string, secret: () => Promise<string>): ReceiptTokens {
  const base = publicUrl.replace(/\/$/, '');
  let key: Promise<Uint8Array> | undefined;
  const keyOf = (): Promise<Uint8Array> => (key ??= secret().then((s) => new Uint8Array(Buffer.from(s, 'base64url'))));
  const url = (accountId: string): string => `${base}/v1/accounts/${accountId}/receipts/receipt-token`;

  return {
    url,

    async sign(c, expiresAt) {
      return new SignJWT({ aid: c.accountId, receipt_id: c.receiptId, ...(c.customerId === undefined ? {} : { customer_id: c.customerId }) })
        .setProtectedHeader({ alg: ALG, typ: TYP })
        .setIssuer(base)
        .setAudience(url(c.accountId))
        .setSubject(c.id)
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(await keyOf());
    },

    async verify(token, accountId, now) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, await keyOf(), { algorithms: [ALG], typ: TYP, issuer: base, audience: url(accountId), currentDate: now }));
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw badRequest('RECEIPT_TOKEN_EXPIRED', 'the receipt token has expired');
        throw badRequest('RECEIPT_TOKEN_INVALID', 'the receipt token is not valid for this account');
      }
      const { aid, sub, receipt_id, customer_id } = payload;
      if (aid !== accountId || typeof sub !== 'string' || typeof receipt_id !== 'string' || (customer_id !== undefined && typeof customer_id !== 'string')) {
        throw badRequest('RECEIPT_TOKEN_INVALID', 'the receipt token is not valid for this account');
      }
      return { accountId, id: sub, receiptId: receipt_id, customerId: customer_id };
    },
  };
}
