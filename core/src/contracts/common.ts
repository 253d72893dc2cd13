import { z } from 'zod';

/** Dintero's error body, used by every 4xx/5xx response. */
export const ErrorBodySchema = z.object({
  error: z.object({
    message: z.string(),
    code: z.string().optional(),
    errors: z.array(z.record(z.string(), z.unknown())).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** `T`/`P` + 8 digits: test or production account (contract §1.4). */
export const AccountIdSchema = z.string().regex(/^[PT]\d{8}$/, 'account id is T or P followed by 8 digits');

/** Client-defined keys: no leading or trailing spaces, at most 255 characters (contract §0.3). */
export const ClientKeySchema = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => s.trim() === s, 'must not start or end with white space');

export const MetadataSchema = z.record(z.string(), z.unknown());
export type Metadata = z.infer<typeof MetadataSchema>;

export const DateTimeSchema = z.iso.datetime({ offset: true });

/** Dintero's `Entity`: server-owned fields of stored objects that are updated and soft-deleted (contract §0.3). */
export const EntitySchema = z.object({
  id: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  updated_at: z.string(),
  deleted_at: z.string().optional(),
  deleted_by: z.string().optional(),
});
export type Entity = z.infer<typeof EntitySchema>;

export const ImmutableEntitySchema = z.object({
  id: z.string(),
  created_at: z.string(),
  created_by: z.string(),
});

export const PagingQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  starting_after: z.string().min(1).optional(),
});
