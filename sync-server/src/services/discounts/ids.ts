import { timeOrderedId } from '../../db/ids.ts';

let last = '';

/**
 * A UUIDv7 that is strictly greater than the previous one this process made. Rule, ref,
 * automation and claim ids are list cursors, so ids made in the same millisecond must still sort
 * in the order they were made; the low 48 bits then count up from the previous id.
 */
export function monotonicId(now: number = Date.now()): string {
  const candidate = timeOrderedId(now);
  if (candidate > last) {
    last = candidate;
    return candidate;
  }
  const tail = (BigInt(`0x${last.slice(-12)}`) + 1n) & 0xffffffffffffn;
  // Overflow of the counter would wrap: take the next millisecond instead.
  if (tail === 0n) return monotonicId(Number(BigInt(`0x${last.slice(0, 8)}${last.slice(9, 13)}`)) + 1);
  last = `${last.slice(0, -12)}${tail.toString(16).padStart(12, '0')}`;
  return last;
}
