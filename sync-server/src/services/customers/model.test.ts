import { describe, expect, it } from 'vitest';
import { resolveTokenStatus } from './model.ts';

const NOW = '2026-06-01T10:00:00.000Z';
const ev = (status: string | undefined, expires_at?: string) => ({ event: 'e', status, created_at: '2026-01-01T00:00:00.000Z', expires_at });

describe('TokenDetail status', () => {
  it('is the customer status when there is one, else the newest event status, else UNKNOWN', () => {
    expect(resolveTokenStatus('VIP', [ev('OPT_OUT')], NOW)).toBe('VIP');
    expect(resolveTokenStatus(undefined, [ev('PENDING'), ev('OPT_OUT')], NOW)).toBe('OPT_OUT');
    expect(resolveTokenStatus('', [ev('PENDING')], NOW)).toBe('PENDING');
    expect(resolveTokenStatus(undefined, [], NOW)).toBe('UNKNOWN');
  });

  it('skips expired events and events without a status, falling back to the one before', () => {
    expect(resolveTokenStatus(undefined, [ev('PENDING'), ev('OPT_OUT', NOW)], NOW)).toBe('PENDING');
    expect(resolveTokenStatus(undefined, [ev('PENDING'), ev(undefined)], NOW)).toBe('PENDING');
    expect(resolveTokenStatus(undefined, [ev('OPT_OUT', '2026-05-01T00:00:00.000Z')], NOW)).toBe('UNKNOWN');
    expect(resolveTokenStatus(undefined, [ev('OPT_OUT', '2026-07-01T00:00:00.000Z')], NOW)).toBe('OPT_OUT');
  });
});
