import { describe, expect, it } from 'vitest';
import type { OfflineLeaseClaims } from '@pos/core';
import type { OfflineState } from '../../app/offline-lease.ts';
import { permissionText } from './sync-offline.tsx';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const withLease = (policy: Partial<OfflineLeaseClaims['policy']> = {}, leaseError: string | null = null): OfflineState => ({
  online: true, offlineSince: null, leaseError,
  lease: {
    jws: 'x', obtainedAt: NOW, publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'x', kid: 'k' },
    claims: {
      lease_id: 'l', account_id: 'a', store_id: 's', terminal_id: 't', lookup_salt: 's', issued_at: '2026-11-24T10:00:00Z', expires_at: '2026-11-24T14:00:00Z',
      policy: { enabled: true, max_amount_per_card: 20_000, max_amount_per_terminal: 150_000, max_redemptions_per_card: 1, max_hours_since_sync: 4, ...policy },
    },
  },
});

describe('the manager\'s offline permission line', () => {
  it('says until when gift cards are taken offline and under which caps', () => {
    const { text, problem } = permissionText(withLease(), 'NOK', NOW);
    expect(text).toMatch(/^Gift cards are taken offline until .+ \(up to 200,00\skr per card, once per card, 1\s500,00\skr on this till\)/);
    expect(problem).toBeNull();
    expect(permissionText(withLease({ max_redemptions_per_card: 3 }), 'NOK', NOW).text).toMatch(/3 times per card/);
  });

  it('says when there is none, when it ran out or the policy is off, and why the last renewal failed', () => {
    expect(permissionText({ online: true, offlineSince: null, lease: null, leaseError: 'the server did not give a new offline permission (missing scope write:wallets)' }, 'NOK', NOW)).toEqual({
      text: 'This till has no offline permission: without the server it takes no gift cards.',
      problem: 'The last attempt to renew it failed: the server did not give a new offline permission (missing scope write:wallets).',
    });
    expect(permissionText(withLease(), 'NOK', Date.parse('2026-11-24T14:00:00Z')).text).toMatch(/^The offline permission ran out at/);
    expect(permissionText(withLease({ enabled: false }), 'NOK', NOW).text).toBe('The store policy takes no gift cards offline.');
  });
});
