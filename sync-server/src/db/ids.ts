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
