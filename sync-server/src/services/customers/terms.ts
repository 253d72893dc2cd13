/**
 * Terms and conditions (contract §2.1). Deleting is soft; lists hide deleted terms unless
 * `include_deleted=true`, GET of one deleted terms still answers (with deleted_at), a second
 * DELETE is 404. Lists are ordered by id (creation order); `starting_after` = the last id.
 */
import { notFound } from '../../errors.ts';
import type { Actor } from './effects.ts';
import { monotonicId } from '../../db/ids.ts';
import { toTerms } from './model.ts';
import type { Terms } from './schemas.ts';
import { write, type Context } from './shared.ts';

const termsNotFound = (id: string) => notFound('CUSTOMER_TERMS_NOT_FOUND', `terms ${id} not found`);

export function termsMethods(ctx: Context) {
  const { repo } = ctx;
  return {
    async listTerms(accountId: string, q: { limit: number; starting_after?: string | undefined; include_deleted: boolean }): Promise<Terms[]> {
      return (await repo.listTerms(accountId, { limit: q.limit, startingAfter: q.starting_after, includeDeleted: q.include_deleted })).map(toTerms);
    },

    async createTerms(actor: Actor, terms: string): Promise<Terms> {
      return write(ctx, actor, async (trx, _fx, at) => {
        const row = { id: monotonicId(), account_id: actor.accountId, terms, created_at: at, created_by: actor.clientId, updated_at: at, deleted_at: null, deleted_by: null };
        await repo.insertTerms(row, trx);
        return toTerms(row);
      });
    },

    async getTerms(accountId: string, id: string): Promise<Terms> {
      const row = await repo.findTerms(accountId, id);
      if (row === undefined) throw termsNotFound(id);
      return toTerms(row);
    },

    async deleteTerms(actor: Actor, id: string): Promise<Terms> {
      return write(ctx, actor, async (trx, _fx, at) => {
        const row = await repo.findTerms(actor.accountId, id, trx);
        if (row === undefined || row.deleted_at !== null) throw termsNotFound(id);
        await repo.softDeleteTerms(row.id, at, actor.clientId, trx);
        return toTerms({ ...row, updated_at: at, deleted_at: at, deleted_by: actor.clientId });
      });
    },
  };
}
