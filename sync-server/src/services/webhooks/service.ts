/**
 * Webhook subscriptions and their delivery history (contract §6.1). Decisions where Dintero is
 * silent (reference §9.11):
 * - URLs must be publicly reachable (address-policy.ts) unless the server runs in development mode.
 * - A new subscription gets a `ping` in the same transaction as its creation; so does
 *   `POST …/ping`. The ping body is the Hook (as the API shows it) plus the envelope fields.
 * - DELETE is soft: the hook stays readable (GET, `include_deleted`, its history) and what was
 *   still to be sent to it is cancelled. Deleting or pinging a deleted hook is 400 HOOK_DELETED.
 * - `fields` is applied to every event except `ping` (field-mask.ts); a malformed mask is 400.
 * - The history lists attempts, newest first (`limit`, `starting_after` = an attempt id); every
 *   attempt of one event carries the same `event_delivery`.
 */
import type { Clock } from '../../clock.ts';
import { monotonicId } from '../../db/ids.ts';
import type { HookAttemptsTable, HookSubscriptionsTable } from '../../db/tables/webhooks.ts';
import { badRequest, notFound } from '../../errors.ts';
import { refusedHookUrl } from './address-policy.ts';
import { FieldMaskError, parseFieldMask } from './field-mask.ts';
import type { Hook, HookCreate, HookDelivery, HookDeliveryDetail, SecretInput } from './model.ts';
import { SecretInputSchema } from './model.ts';
import { enqueuePing } from './outbox.ts';
import type { WebhookRepo } from './repo.ts';

export interface Actor {
  readonly clientId: string;
}

const parseObject = (text: string): Record<string, unknown> => {
  const v: unknown = JSON.parse(text);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};
};

const parseStrings = (text: string): string[] => {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string') : [];
};

/** The stored secret; null when the hook has none (or the row cannot be read as one). */
export function secretOf(row: Pick<HookSubscriptionsTable, 'secret'>): SecretInput | null {
  if (row.secret === null) return null;
  const parsed = SecretInputSchema.safeParse(JSON.parse(row.secret));
  return parsed.success ? parsed.data : null;
}

/** A hook as the API shows it: the secret reduced to what is not secret. */
export function hookView(row: HookSubscriptionsTable): Hook {
  const secret = secretOf(row);
  return {
    id: row.id,
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    ...(row.deleted_at === null ? {} : { deleted_at: row.deleted_at }),
    ...(row.deleted_by === null ? {} : { deleted_by: row.deleted_by }),
    active: row.active === 1,
    config: {
      url: row.url,
      content_type: 'application/json',
      ...(secret === null
        ? {}
        : { secret: secret.type === 'AWS4-HMAC-SHA256' ? { type: secret.type, aws_access_key_id: secret.aws_access_key_id, region: secret.region, service: secret.service } : { type: secret.type } }),
      insecure_ssl: row.insecure_ssl,
    },
    ...(row.fields === null ? {} : { fields: row.fields }),
    events: parseStrings(row.events),
  };
}

const attemptView = (a: HookAttemptsTable): HookDelivery => ({ id: a.id, event_delivery: a.delivery_id, created_at: a.created_at, status: a.status });

export function createWebhookService(repo: WebhookRepo, clock: Clock, opts: { allowLoopback: boolean }) {
  async function find(accountId: string, hid: string): Promise<HookSubscriptionsTable> {
    const row = await repo.findSubscription(accountId, hid);
    if (row === undefined) throw notFound('HOOK_NOT_FOUND', `no subscription ${hid}`);
    return row;
  }

  async function live(accountId: string, hid: string): Promise<HookSubscriptionsTable> {
    const row = await find(accountId, hid);
    if (row.deleted_at !== null) throw badRequest('HOOK_DELETED', `subscription ${hid} is deleted`);
    return row;
  }

  return {
    async create(accountId: string, actor: Actor, input: HookCreate): Promise<Hook> {
      const refused = refusedHookUrl(input.config.url, opts.allowLoopback);
      if (refused !== null) throw badRequest('HOOK_URL_NOT_ALLOWED', refused);
      if (input.fields !== undefined) {
        try {
          parseFieldMask(input.fields);
        } catch (e) {
          if (e instanceof FieldMaskError) throw badRequest('HOOK_FIELDS_INVALID', e.message);
          throw e;
        }
      }
      const at = clock.now().toISOString();
      const row: HookSubscriptionsTable = {
        id: monotonicId(),
        account_id: accountId,
        active: input.active ? 1 : 0,
        url: input.config.url,
        content_type: input.config.content_type,
        insecure_ssl: input.config.insecure_ssl,
        secret: input.config.secret === undefined ? null : JSON.stringify(input.config.secret),
        fields: input.fields ?? null,
        events: JSON.stringify([...new Set(input.events)]),
        consecutive_failures: 0,
        disabled_at: null,
        created_at: at,
        created_by: actor.clientId,
        updated_at: at,
        deleted_at: null,
        deleted_by: null,
      };
      const view = hookView(row);
      await repo.transaction(async (trx) => {
        await repo.insertSubscription(row, trx);
        await enqueuePing(trx, accountId, row.id, view, at);
      });
      return view;
    },

    async list(accountId: string, q: { limit: number; starting_after?: string | undefined; include_deleted: boolean; total: boolean }): Promise<{ hooks: Hook[]; total?: number }> {
      const rows = await repo.listSubscriptions(accountId, { limit: q.limit, startingAfter: q.starting_after, includeDeleted: q.include_deleted });
      return { hooks: rows.map(hookView), ...(q.total ? { total: await repo.countSubscriptions(accountId, q.include_deleted) } : {}) };
    },

    async get(accountId: string, hid: string): Promise<Hook> {
      return hookView(await find(accountId, hid));
    },

    async remove(accountId: string, actor: Actor, hid: string): Promise<Hook> {
      const row = await live(accountId, hid);
      const at = clock.now().toISOString();
      await repo.transaction(async (trx) => {
        await repo.softDeleteSubscription(row.id, at, actor.clientId, trx);
        await repo.cancelPending(row.id, at, true, trx);
      });
      return hookView({ ...row, deleted_at: at, deleted_by: actor.clientId, updated_at: at });
    },

    async ping(accountId: string, hid: string): Promise<void> {
      const row = await live(accountId, hid);
      await repo.transaction((trx) => enqueuePing(trx, accountId, row.id, hookView(row), clock.now().toISOString()));
    },

    async deliveries(accountId: string, hid: string, q: { limit: number; starting_after?: string | undefined }): Promise<HookDelivery[]> {
      const row = await find(accountId, hid);
      return (await repo.listAttempts(row.id, { limit: q.limit, startingAfter: q.starting_after })).map(attemptView);
    },

    async delivery(accountId: string, hid: string, deliveryId: string): Promise<HookDeliveryDetail> {
      const row = await find(accountId, hid);
      const found = await repo.findAttempt(row.id, deliveryId);
      if (found === undefined) throw notFound('HOOK_DELIVERY_NOT_FOUND', `subscription ${hid} has no delivery ${deliveryId}`);
      const { attempt: a, body } = found;
      const headers = Object.fromEntries(Object.entries(parseObject(a.request_headers)).filter((e): e is [string, string] => typeof e[1] === 'string'));
      return {
        ...attemptView(a),
        url: a.url,
        request: { headers, body: body === undefined ? {} : parseObject(body) },
        ...(a.response_headers === null ? {} : { response: { headers: parseObject(a.response_headers), body: a.response_body ?? '' } }),
        details: {
          delivery_at: a.delivery_at,
          delivery_duration: a.duration_ms,
          delivery_success: a.success === 1,
          attempt: a.attempt,
          ...(a.error === null ? {} : { error: a.error }),
        },
      };
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
