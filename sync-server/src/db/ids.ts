import { randomUUID } from 'node:crypto';

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then randomness. Ledger rows keyed by it are
 * appended at the right edge of their index instead of on a random page, which is what makes
 * bulk writes cheap on SQLite and PostgreSQL alike. The random part comes from randomUUID,
 * whose entropy is pooled.
 */
export function timeOrderedId(now: number = Date.now()): string {
  const ms = now.toString(16).padStart(12, '0').slice(-12);
  const r = randomUUID();
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${r.slice(15, 18)}-${r.slice(19, 23)}-${r.slice(24)}`;
}

let lastMonotonic = '';

/**
 * A UUIDv7 strictly greater than the previous one this process made. Ids that are list cursors
 * or tie-breaks (rules, refs, receipts, token events …) must sort in the order they were made,
 * even within one millisecond; the low 48 bits then count up from the previous id.
 */
export function monotonicId(now: number = Date.now()): string {
  const candidate = timeOrderedId(now);
  if (candidate > lastMonotonic) {
    lastMonotonic = candidate;
    return candidate;
  }
  const tail = (BigInt(`0x${lastMonotonic.slice(-12)}`) + 1n) & 0xffffffffffffn;
  // The counter wrapping would need 2^48 ids in one millisecond: take the next millisecond instead.
  if (tail === 0n) return monotonicId(Number(BigInt(`0x${lastMonotonic.slice(0, 8)}${lastMonotonic.slice(9, 13)}`)) + 1);
  lastMonotonic = `${lastMonotonic.slice(0, -12)}${tail.toString(16).padStart(12, '0')}`;
  return lastMonotonic;
}
