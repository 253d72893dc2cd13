/** Loyalty (issue 5): filled in by the service's tables and triggers. */
import type { Kysely, Migration } from 'kysely';

export const migration: Migration = {
  async up(_db: Kysely<unknown>) {
    // Tables follow.
  },
};
