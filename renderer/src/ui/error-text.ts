/** One place that turns server and domain error codes into what a cashier can act on. */
import { ApiCallError } from '../api/http.ts';

const TEXT: Record<string, string> = {
  NETWORK: 'The server cannot be reached. Try again, or take another payment method.',
  WALLET_TOKEN_NOT_FOUND: 'This gift card is not recognised. Check the number and scan or type it again.',
  WALLET_TOKEN_EXPIRED: 'This gift card code has expired.',
  WALLET_TOKEN_USED: 'This gift card code was for one purchase and has been used.',
  WALLET_PIN_REQUIRED: 'This gift card has a PIN. Ask the customer to enter it.',
  WALLET_CARD_LOCKED: 'Too many wrong PINs: this gift card is locked for 15 minutes.',
  WALLET_TOO_MANY_ATTEMPTS: 'Too many unknown gift card numbers from this till. Wait 10 minutes.',
  WALLET_INSUFFICIENT_FUNDS: 'The gift card does not have enough money left for this amount.',
  WALLET_CARD_EXPIRED: 'This gift card has expired.',
  WALLET_CARD_NOT_ACTIVE: 'This gift card cannot be used yet.',
  WALLET_CURRENCY_MISMATCH: 'This gift card is in another currency.',
  CUSTOMER_DUPLICATE_PHONE_NUMBER: 'This phone number is already registered to a member. Find them by phone instead.',
  CUSTOMER_DUPLICATE_EMAIL: 'This e-mail address is already registered to a member. Find them by phone, or use another address.',
  AUTH_SCOPE_MISSING: 'This till is not allowed to do that. Ask a manager to give its API client the right scopes.',
  AUTH_TOKEN_EXPIRED: 'The till\u2019s session expired. Try again.',
};

export function errorText(e: unknown): string {
  if (e instanceof ApiCallError) {
    // The server's own wording is best where it carries numbers (tries left, unlock time).
    if (e.code === 'WALLET_PIN_INVALID') return `Wrong PIN: ${e.message.replace(/^wrong PIN\s*/i, '').replace(/^\(|\)$/g, '')}.`;
    return TEXT[e.code] ?? e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
