/** Rows to Dintero's `Entity` fields: SQL NULL becomes an absent field, never `null` on the wire. */
import type { Entity } from '@pos/core/contracts/common';

export const optional = <T>(v: T | null): T | undefined => v ?? undefined;

/** The Entity columns every updatable, soft-deleted table has (migrations/types.ts `entityColumns`). */
export interface EntityRow {
  readonly id: string;
  readonly created_at: string;
  readonly created_by: string;
  readonly updated_at: string;
  readonly deleted_at: string | null;
  readonly deleted_by: string | null;
}

export function entityOf(row: EntityRow): Entity {
  return {
    id: row.id,
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    deleted_at: optional(row.deleted_at),
    deleted_by: optional(row.deleted_by),
  };
}
