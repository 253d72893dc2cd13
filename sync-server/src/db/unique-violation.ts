/**
 * Recognises a unique-constraint violation (a racing duplicate) from either database. Returns
 * where it happened — PostgreSQL's constraint name, or SQLite's message naming the columns — or
 * undefined for any other error.
 */
export function uniqueViolation(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  if (e.code !== '23505' && e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  return 'constraint' in e && typeof e.constraint === 'string' ? e.constraint : e instanceof Error ? e.message : '';
}
