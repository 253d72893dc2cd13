/**
 * What the till may do, read from its access token's `scope` claim. Only for showing or hiding
 * screens: the server checks every request itself.
 */
import { hasAnyScope, scopesFor } from '@pos/core';

export interface Capabilities {
  readonly issueGiftCards: boolean;
  readonly takeGiftCards: boolean;
  readonly readGiftCards: boolean;
  /** Enrol customers at the counter (`POST /customers/users`). */
  readonly enrolCustomers: boolean;
}

export const NO_CAPABILITIES: Capabilities = { issueGiftCards: false, takeGiftCards: false, readGiftCards: false, enrolCustomers: false };

export function scopesOf(accessToken: string): Set<string> {
  const payload = accessToken.split('.')[1];
  if (payload === undefined) return new Set();
  try {
    const json: unknown = JSON.parse(atob(payload.replaceAll('-', '+').replaceAll('_', '/')));
    const scope = typeof json === 'object' && json !== null && 'scope' in json ? json.scope : undefined;
    return new Set(typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : []);
  } catch {
    return new Set();
  }
}

export function capabilitiesOf(scopes: ReadonlySet<string>): Capabilities {
  return {
    issueGiftCards: hasAnyScope(scopes, scopesFor('wallets', 'write:wallets')),
    takeGiftCards: hasAnyScope(scopes, scopesFor('wallets', 'write:wallets', 'write:wallets:/transactions')),
    readGiftCards: hasAnyScope(scopes, scopesFor('wallets', 'read:wallets')),
    enrolCustomers: hasAnyScope(scopes, scopesFor('customers', 'write:customers', 'create:customers:/users')),
  };
}
