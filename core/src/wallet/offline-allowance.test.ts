import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OfflineAllowanceClaims, OfflineLeaseClaims, OfflinePolicy } from '../contracts/offline.ts';
import { describeTimeLeft, offlineGiftCardAmount, type OfflineGiftCardInput } from './offline-allowance.ts';

const NOW = new Date('2026-11-24T10:00:00Z');
const policy = (p: Partial<OfflinePolicy> = {}): OfflinePolicy => ({
  enabled: true, max_amount_per_card: 20_000, max_amount_per_terminal: 150_000, max_redemptions_per_card: 1, max_hours_since_sync: 24, ...p,
});
const lease = (p: Partial<OfflinePolicy> = {}, expiresAt = '2026-11-24T13:12:30Z'): OfflineLeaseClaims => ({
  lease_id: 'l1', account_id: 'T12345678', store_id: 's1', terminal_id: 't1', policy: policy(p), lookup_salt: 'salt', issued_at: '2026-11-23T13:12:30Z', expires_at: expiresAt,
});
const allowance = (max: number, currency: OfflineAllowanceClaims['currency'] = 'NOK'): OfflineAllowanceClaims => ({
  account_id: 'T12345678', card_pk: 'pk1', card_id: 'gc-1', currency, max_amount: max, version: 3, issued_at: '2026-11-23T13:12:30Z',
});
const NONE = { card: { amount: 0, count: 0 }, terminal: 0 };
const input = (over: Partial<OfflineGiftCardInput> = {}): OfflineGiftCardInput => ({
  lease: lease(), allowance: allowance(50_000), currency: 'NOK', due: 35_000, used: NONE, now: NOW, ...over,
});
// Intl puts narrow no-break spaces in money; compare with plain ones.
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

describe('offlineGiftCardAmount', () => {
  it.each([
    ['no lease', { lease: null }, 'OFFLINE_NO_LEASE'],
    ['an expired lease', { lease: lease({}, '2026-11-24T10:00:00Z') }, 'OFFLINE_LEASE_EXPIRED'],
    ['the policy off', { lease: lease({ enabled: false }) }, 'OFFLINE_DISABLED'],
    ['a card without an allowance', { allowance: null, blocked: 'Under review after an offline overdraw.' }, 'OFFLINE_CARD_BLOCKED'],
    ['another currency', { allowance: allowance(50_000, 'SEK') }, 'OFFLINE_CURRENCY'],
    ['its one use spent', { used: { card: { amount: 1_000, count: 1 }, terminal: 1_000 } }, 'OFFLINE_USES_SPENT'],
    ['no uses allowed at all', { lease: lease({ max_redemptions_per_card: 0 }) }, 'OFFLINE_USES_SPENT'],
    ['the allowance used up', { lease: lease({ max_redemptions_per_card: 3 }), allowance: allowance(5_000), used: { card: { amount: 5_000, count: 1 }, terminal: 5_000 } }, 'OFFLINE_NOTHING_LEFT'],
    ['the terminal cap reached', { used: { card: { amount: 0, count: 0 }, terminal: 150_000 } }, 'OFFLINE_NOTHING_LEFT'],
    ['a request above the limit', { requested: 20_001 }, 'OFFLINE_ABOVE_ALLOWANCE'],
  ])('refuses with %s', (_name, over, code) => {
    const res = offlineGiftCardAmount(input(over));
    expect(res.ok ? 'granted' : res.error.code).toBe(code);
  });

  it('says which reason the snapshot gave for a blocked card', () => {
    const res = offlineGiftCardAmount(input({ allowance: null, blocked: 'Under review after an offline overdraw.' }));
    expect(res.ok ? '' : res.error.message).toBe('Under review after an offline overdraw.');
  });

  it.each([
    // [what, input, amount, limit, limitedBy, rest]
    ['pays all that is due when every cap is above it', { due: 12_000 }, 12_000, 20_000, 'due', 0],
    ['stops at the per-card cap and leaves the rest', {}, 20_000, 20_000, 'card_cap', 15_000],
    ['stops at what the card had', { allowance: allowance(8_000) }, 8_000, 8_000, 'allowance', 27_000],
    ['stops at what is left of the terminal cap', { used: { card: { amount: 0, count: 0 }, terminal: 145_000 } }, 5_000, 5_000, 'terminal_cap', 30_000],
    ['pays the amount asked for', { requested: 15_000 }, 15_000, 20_000, 'due', 20_000],
    ['pays no more than is due even when asked for more', { due: 3_000, requested: 15_000 }, 3_000, 20_000, 'due', 0],
    ['counts its own earlier unconfirmed uses', { lease: lease({ max_redemptions_per_card: 2 }), used: { card: { amount: 15_000, count: 1 }, terminal: 15_000 } }, 5_000, 5_000, 'card_cap', 30_000],
  ])('%s', (_name, over, amount, limit, limitedBy, rest) => {
    const res = offlineGiftCardAmount(input(over));
    expect(res.ok ? { amount: res.value.amount, limit: res.value.limit, limitedBy: res.value.limitedBy, rest: res.value.rest } : res.error).toEqual({ amount, limit, limitedBy, rest });
  });

  it('a refusal above the limit says the most it may pay, which cap, uses and time left, in money', () => {
    const res = offlineGiftCardAmount(input({ requested: 30_000 }));
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toMatchObject({ limit: 20_000, cap: 'card_cap', usesLeft: 0, expiresAt: '2026-11-24T13:12:30Z' });
    expect(plain(res.error.message)).toBe("Offline, this card can pay at most 200,00 kr: the store's offline limit per card (1 use left, offline for another 3 h 12 min). 300,00 kr is above that.");
  });

  it('refuses what is a bug in the caller: nothing due, a fractional request', () => {
    expect(() => offlineGiftCardAmount(input({ due: 0 }))).toThrow(RangeError);
    expect(() => offlineGiftCardAmount(input({ requested: 10.5 }))).toThrow(RangeError);
  });

  it('property: never more than due, the request, the allowance or any cap; refused above the limit exactly', () => {
    fc.assert(
      fc.property(
        fc.record({
          due: fc.integer({ min: 1, max: 500_000 }),
          requested: fc.option(fc.integer({ min: 1, max: 500_000 }), { nil: undefined }),
          max: fc.integer({ min: 0, max: 500_000 }),
          perCard: fc.integer({ min: 0, max: 500_000 }),
          perTerminal: fc.integer({ min: 0, max: 1_000_000 }),
          uses: fc.integer({ min: 0, max: 5 }),
          usedCount: fc.integer({ min: 0, max: 5 }),
          usedCard: fc.integer({ min: 0, max: 500_000 }),
          usedOther: fc.integer({ min: 0, max: 500_000 }),
        }),
        (g) => {
          const used = { card: { amount: g.usedCard, count: g.usedCount }, terminal: g.usedCard + g.usedOther };
          const res = offlineGiftCardAmount(input({
            lease: lease({ max_amount_per_card: g.perCard, max_amount_per_terminal: g.perTerminal, max_redemptions_per_card: g.uses }),
            allowance: allowance(g.max), due: g.due, requested: g.requested, used,
          }));
          const limit = Math.max(0, Math.min(g.max - g.usedCard, g.perCard - g.usedCard, g.perTerminal - used.terminal));
          if (g.usedCount >= g.uses) return !res.ok && res.error.code === 'OFFLINE_USES_SPENT';
          if (limit === 0) return !res.ok && res.error.code === 'OFFLINE_NOTHING_LEFT';
          if (g.requested !== undefined && g.requested > limit) return !res.ok && res.error.code === 'OFFLINE_ABOVE_ALLOWANCE' && res.error.limit === limit;
          if (!res.ok) return false;
          const a = res.value.amount;
          return a >= 1 && a <= g.due && a <= (g.requested ?? g.due) && a <= g.max - g.usedCard && a <= g.perCard - g.usedCard && a <= g.perTerminal - used.terminal
            && a === Math.min(g.requested ?? g.due, g.due, limit) && res.value.rest === g.due - a && res.value.usesLeft === g.uses - g.usedCount - 1;
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('describeTimeLeft', () => {
  it.each([[0, '0 min'], [45_000, '45 s'], [12 * 60_000 + 59_000, '12 min'], [(3 * 60 + 12) * 60_000, '3 h 12 min']])('%i ms → %s', (ms, text) => {
    expect(describeTimeLeft(ms)).toBe(text);
  });
});
