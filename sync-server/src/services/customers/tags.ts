/**
 * Customer tags, a.k.a. groups (contract §2.1). Tag names are unique among an account's live
 * tags (a second "VIP" is a 400: two tags nobody can tell apart help no one). Deleting a tag is
 * soft and takes it off every customer. PUT …/users/{cid}/tags replaces the customer's set; an
 * unknown or deleted tag id refuses the whole set. Tag changes do not count as customer updates
 * (no customer_update event, no new updated_at): CustomerResponse does not carry tags.
 */
import { badRequest, notFound } from '../../errors.ts';
import type { Actor } from './effects.ts';
import { monotonicId } from '../../db/ids.ts';
import { toTag } from './model.ts';
import type { CustomerTag } from './schemas.ts';
import { liveCustomer, write, type Context } from './shared.ts';

export function tagMethods(ctx: Context) {
  const { repo } = ctx;
  return {
    async listTags(accountId: string): Promise<CustomerTag[]> {
      return (await repo.liveTags(accountId)).map(toTag);
    },

    async createTag(actor: Actor, body: { tag: string; metadata?: Record<string, unknown> | undefined }): Promise<CustomerTag> {
      return write(ctx, actor, async (trx, _fx, at) => {
        await repo.lockKey(`customers:${actor.accountId}:tags`, trx);
        if ((await repo.liveTags(actor.accountId, trx)).some((t) => t.tag === body.tag)) throw badRequest('CUSTOMER_TAG_DUPLICATE', `a tag named ${body.tag} already exists`);
        const row = {
          id: monotonicId(),
          account_id: actor.accountId,
          tag: body.tag,
          metadata: body.metadata === undefined ? null : JSON.stringify(body.metadata),
          created_at: at,
          created_by: actor.clientId,
          updated_at: at,
          deleted_at: null,
          deleted_by: null,
        };
        await repo.insertTag(row, trx);
        return toTag(row);
      });
    },

    async deleteTag(actor: Actor, tagId: string): Promise<CustomerTag> {
      return write(ctx, actor, async (trx, _fx, at) => {
        const [row] = await repo.tagsByIds(actor.accountId, [tagId], trx);
        if (row === undefined || row.deleted_at !== null) throw notFound('CUSTOMER_TAG_NOT_FOUND', `tag ${tagId} not found`);
        await repo.deleteTag(row.id, at, actor.clientId, trx);
        return toTag({ ...row, updated_at: at, deleted_at: at, deleted_by: actor.clientId });
      });
    },

    async customerTags(accountId: string, customerId: string): Promise<CustomerTag[]> {
      const customer = await liveCustomer(ctx, accountId, customerId);
      return (await repo.tagsOf(customer.id)).map(toTag);
    },

    async setCustomerTags(actor: Actor, customerId: string, tagIds: readonly string[]): Promise<CustomerTag[]> {
      return write(ctx, actor, async (trx, _fx, at) => {
        const customer = await liveCustomer(ctx, actor.accountId, customerId, trx, true);
        const ids = [...new Set(tagIds)];
        const found = (await repo.tagsByIds(actor.accountId, ids, trx)).filter((t) => t.deleted_at === null);
        const missing = ids.filter((id) => !found.some((t) => t.id === id));
        if (missing.length > 0) throw badRequest('CUSTOMER_TAG_UNKNOWN', `unknown tag ids: ${missing.join(', ')}`);
        await repo.replaceTags(actor.accountId, customer.id, ids, at, trx);
        return (await repo.tagsOf(customer.id, trx)).map(toTag);
      });
    },
  };
}
