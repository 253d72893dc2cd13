import { describe, expect, it } from 'vitest';
import type { OfflineLeaseClaims } from '@pos/core';
import type { OfflineState } from '../app/offline-lease.ts';
import { countdown, giftCardLine } from './offline-banner.tsx';

const NOW = Date.parse('2026-11-24T10:00:00Z');
const state = (policy: Partial<OfflineLeaseClaims['policy']> = {}, expiresAt = '2026-11-24T13:12:05Z'): OfflineState => ({
  online: false, offlineSince: NOW - 60_000, leaseError: null,
  lease: {
    jws: 'x', obtainedAt: NOW - 60_000, publicKey: { kty: 'OKP', crv: 'Ed25519', x: 'x', kid: 'k' },
    claims: {
      lease_id: 'l', account_id: 'a', store_id: 's', terminal_id: 't', lookup_salt: 's', issued_at: '2026-11-23T13:12:05Z', expires_at: expiresAt,
      policy: { enabled: true, max_amount_per_card: 20_000, max_amount_per_terminal: 150_000, max_redemptions_per_card: 1, max_hours_since_sync: 24, ...policy },
    },
  },
});

describe('offline banner', () => {
  it('counts down to the end of the offline window, second by second', () => {
    expect(giftCardLine(state(), NOW)).toEqual({ text: 'gift cards offline for another 3 h 12 min 05 s (store policy: 24 h after last sync)', stopped: false });
    expect(giftCardLine(state(), NOW + 1_000).text).toMatch(/3 h 12 min 04 s/);
    expect(countdown(65_000)).toBe('1 min 05 s');
    expect(countdown(9_000)).toBe('9 s');
  });

  it('says when gift cards stopped: limit reached, policy off, no permission yet', () => {
    expect(giftCardLine(state(), Date.parse('2026-11-24T13:12:05Z'))).toEqual({ text: 'Gift cards need the server again (offline limit reached)', stopped: true });
    expect(giftCardLine(state({ enabled: false }), NOW).text).toMatch(/not taken offline in this store/);
    expect(giftCardLine({ online: false, offlineSince: NOW, lease: null, leaseError: null }, NOW).text).toMatch(/no offline permission yet/);
    // Why there is none, when the till knows.
    expect(giftCardLine({ online: false, offlineSince: NOW, lease: null, leaseError: 'the server did not give a new offline permission (missing scope write:wallets)' }, NOW).text)
      .toBe('Gift cards need the server (this till has no offline permission: the server did not give a new offline permission (missing scope write:wallets))');
    expect(giftCardLine(state({ max_hours_since_sync: 0.5 }), NOW).text).toMatch(/store policy: 30 min after last sync/);
  });
});
