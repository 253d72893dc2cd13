import { describe, expect, it } from 'vitest';
import { capabilitiesOf, scopesOf } from './token-scopes.ts';

const jwt = (payload: object): string => `h.${btoa(JSON.stringify(payload)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')}.s`;

describe('till capabilities from the token', () => {
  it('a till client with only the transaction scopes may take gift cards but not issue them', () => {
    const caps = capabilitiesOf(scopesOf(jwt({ scope: 'read:products write:wallets:/transactions write:wallets:/info' })));
    expect(caps).toEqual({ issueGiftCards: false, takeGiftCards: true, readGiftCards: false, enrolCustomers: false });
  });
  it('write:wallets or admin:wallets unlock issuing', () => {
    expect(capabilitiesOf(scopesOf(jwt({ scope: 'write:wallets' }))).issueGiftCards).toBe(true);
    expect(capabilitiesOf(scopesOf(jwt({ scope: 'admin:wallets' })))).toEqual({ issueGiftCards: true, takeGiftCards: true, readGiftCards: true, enrolCustomers: false });
  });
  it('enrolling customers needs create:customers:/users, write:customers or admin:customers; reading them is not enough', () => {
    expect(capabilitiesOf(scopesOf(jwt({ scope: 'read:customers' }))).enrolCustomers).toBe(false);
    for (const scope of ['create:customers:/users', 'write:customers', 'admin:customers']) expect(capabilitiesOf(scopesOf(jwt({ scope: `read:customers ${scope}` }))).enrolCustomers).toBe(true);
  });
  it('an unreadable token grants nothing', () => {
    expect(capabilitiesOf(scopesOf('garbage'))).toEqual({ issueGiftCards: false, takeGiftCards: false, readGiftCards: false, enrolCustomers: false });
  });
});
