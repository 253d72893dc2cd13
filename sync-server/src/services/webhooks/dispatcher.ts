/**
 * The in-process webhook dispatcher: outbox → one delivery per (event, listening subscription) →
 * HTTP POST attempts with retries. Started by buildApp, stopped when the app closes.
 *
 * Crash safety: every step is a database write. Fanning out marks the outbox rows and inserts the
 * deliveries in one transaction (a redo after a crash inserts nothing twice: (outbox_id, hook_id)
 * is unique). A claimed delivery carries a lease in `next_attempt_at`; if the process dies, it is
 * due again when the lease lapses and is sent with the same `event_delivery` id and the same bytes.
 * So every committed event is delivered at least once, and receivers dedupe on `event_delivery`.
 * Rolled-back changes never reach the outbox. Several processes on one PostgreSQL claim with
 * SKIP LOCKED (repo.ts), so one attempt is never sent twice at the same time.
 *
 * Decisions where Dintero is silent (reference §9.11):
 * - 2xx = delivered. 400 = the receiver's "ignored, stop resend": no more attempts. Anything else
 *   (3xx, never followed; 4xx/5xx; timeout; refused) is retried: `maxAttempts` (5) attempts in
 *   all, waiting `retryBaseMs` × `retryFactor`^(n−1) after the n-th (10 s, 40 s, 160 s, 640 s).
 * - A subscription whose last `disableAfterFailedEvents` (20) events all failed for good is
 *   deactivated (`active: false`), not deleted, and what was queued for it is cancelled; a
 *   delivered ping (`POST …/ping`) turns it back on. 400 answers and pings do not count.
 * - History (attempts, finished deliveries, dispatched outbox rows) is kept `retentionMs` (30 days).
 * - Response bodies are kept up to `maxResponseBytes` (8 KiB); Authorization headers are redacted.
 * - A shutdown aborts requests in flight and gives their deliveries back, due at once, without
 *   counting an attempt.
 * - An event goes to the subscriptions active when it is fanned out (normally within a poll
 *   interval of its commit). Events are sent concurrently, so a receiver may get them out of
 *   order; the payloads carry their own timestamps.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { monotonicId } from '../../db/ids.ts';
import type { Database } from '../../db/schema.ts';
import type { HookAttemptsTable, HookDeliveriesTable, HookSubscriptionsTable } from '../../db/tables/webhooks.ts';
import type { Transaction } from 'kysely';
import { publicOnlyLookup } from './address-policy.ts';
import { applyFieldMask, parseFieldMask, type FieldMask } from './field-mask.ts';
import { createSender, type PostResult } from './http-post.ts';
import { EVENT_ALIASES } from './model.ts';
import { onOutboxWrite } from './outbox.ts';
import type { OutboxRow, WebhookRepo } from './repo.ts';
import { secretOf } from './service.ts';
import { authHeaders } from './signing.ts';

export interface DeliveryOptions {
  /** How often to look for new events and due retries (ms). */
  pollMs: number;
  retryBaseMs: number;
  retryFactor: number;
  /** Attempts per event in all, the first included. */
  maxAttempts: number;
  /** How long to wait for a receiver's answer (ms). */
  timeoutMs: number;
  /** Deliveries in flight at once (per process). */
  concurrency: number;
  disableAfterFailedEvents: number;
  retentionMs: number;
  maxResponseBytes: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = {
  pollMs: 200,
  retryBaseMs: 10_000,
  retryFactor: 4,
  maxAttempts: 5,
  timeoutMs: 60_000,
  concurrency: 32,
  disableAfterFailedEvents: 20,
  retentionMs: 30 * 24 * 3600_000,
  maxResponseBytes: 8192,
};

export const HOOK_USER_AGENT = 'Dintero-Hook/0.1.0';

/** Outbox rows fanned out per transaction. */
const FAN_OUT_BATCH = 500;
/** After a local outbox write, look again this soon: the writer's commit is usually done by then. */
const WRITE_HINT_MS = 10;

interface Log {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

type Settled =
  | { kind: 'attempt'; job: HookDeliveriesTable; hook: HookSubscriptionsTable; res: PostResult; sentAt: string; headers: Record<string, string> }
  | { kind: 'cancel'; job: HookDeliveriesTable }
  | { kind: 'release'; job: HookDeliveriesTable };

export interface Dispatcher {
  start(): void;
  stop(): Promise<void>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function createDispatcher(repo: WebhookRepo, clock: Clock, log: Log, o: DeliveryOptions & { allowLoopback: boolean }): Dispatcher {
  const sender = createSender({ timeoutMs: o.timeoutMs, maxSockets: o.concurrency, maxResponseBytes: o.maxResponseBytes, lookup: o.allowLoopback ? undefined : publicOnlyLookup });
  const leaseMs = 2 * o.timeoutMs + 1000;
  const shutdown = new AbortController();
  const masks = new Map<string, FieldMask>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;
  let running: Promise<void> | null = null;
  let again = false;
  /** Set when the outbox should be read at once (a local write, a full batch); otherwise it is read once per poll interval. */
  let lookAtOutbox = true;
  let lastOutboxLook = 0;
  let active = 0;
  const inFlight = new Set<Promise<void>>();
  const settled: Settled[] = [];
  let flushing: Promise<void> | null = null;
  let unsubscribe: (() => void) | undefined;
  let pruneTimer: NodeJS.Timeout | undefined;

  const iso = (ms: number): string => new Date(ms).toISOString();

  function wake(delay: number): void {
    if (stopped) return;
    const at = Date.now() + delay;
    if (timer !== undefined && timerAt <= at) return;
    clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Number.POSITIVE_INFINITY;
      tick();
    }, delay);
    timer.unref();
  }

  function tick(): void {
    if (running !== null) {
      again = true;
      return;
    }
    running = (async () => {
      let more = true;
      while (more && !stopped) {
        again = false;
        const look = lookAtOutbox || Date.now() - lastOutboxLook >= o.pollMs;
        lookAtOutbox = false;
        if (look) lastOutboxLook = Date.now();
        const fanned = look ? await fanOut() : 0;
        if (fanned === FAN_OUT_BATCH) lookAtOutbox = true;
        const claimed = await claim();
        more = again || lookAtOutbox || (claimed.wanted > 0 && claimed.got === claimed.wanted);
      }
    })()
      .catch((e: unknown) => log.error({ err: e }, 'webhook dispatcher: a pass failed; retrying at the next poll'))
      .finally(() => {
        running = null;
        wake(o.pollMs);
      });
  }

  function eventsOf(hook: HookSubscriptionsTable): Set<string> {
    const v: unknown = JSON.parse(hook.events);
    return new Set(Array.isArray(v) ? v.filter((e): e is string => typeof e === 'string').map((e) => EVENT_ALIASES[e] ?? e) : []);
  }

  function maskOf(fields: string): FieldMask | undefined {
    let m = masks.get(fields);
    if (m === undefined) {
      try {
        m = parseFieldMask(fields);
      } catch {
        // Validated on create; a mask that no longer parses is ignored rather than blocking delivery.
        return undefined;
      }
      masks.set(fields, m);
    }
    return m;
  }

  function bodyOf(row: OutboxRow, hook: HookSubscriptionsTable, deliveryId: string): string {
    const envelope = { account_id: row.account_id, event: row.event, event_delivery: deliveryId };
    const payload: unknown = JSON.parse(row.payload);
    const mask = hook.fields === null || row.event === 'ping' ? undefined : maskOf(hook.fields);
    const selected = mask === undefined ? payload : applyFieldMask(payload, mask);
    // The envelope leads and cannot be overwritten by the payload.
    return JSON.stringify({ ...envelope, ...(isRecord(selected) ? selected : {}), ...envelope });
  }

  async function fanOut(): Promise<number> {
    const now = clock.now().toISOString();
    return repo.transaction(async (trx) => {
      const rows = await repo.takeOutbox(trx, now, FAN_OUT_BATCH);
      if (rows.length === 0) return 0;
      const hooks = await repo.liveSubscriptionsOf([...new Set(rows.map((r) => r.account_id))], trx);
      const listening = new Map(hooks.map((h) => [h.id, eventsOf(h)]));
      const deliveries: HookDeliveriesTable[] = [];
      for (const row of rows) {
        for (const hook of hooks) {
          if (hook.account_id !== row.account_id) continue;
          const wanted = row.hook_id !== null ? hook.id === row.hook_id : hook.active === 1 && (listening.get(hook.id)?.has(row.event) ?? false);
          if (!wanted) continue;
          const id = monotonicId();
          deliveries.push({
            id, account_id: row.account_id, hook_id: hook.id, outbox_id: row.id, event: row.event, body: bodyOf(row, hook, id),
            state: 'pending', attempts: 0, next_attempt_at: now, claim: null, created_at: now, updated_at: now,
          });
        }
      }
      await repo.insertDeliveries(deliveries, trx);
      return rows.length;
    });
  }

  async function claim(): Promise<{ wanted: number; got: number }> {
    const wanted = o.concurrency - active;
    if (wanted <= 0 || stopped) return { wanted: 0, got: 0 };
    const now = clock.now().getTime();
    const token = randomUUID();
    const jobs = await repo.claimDue(iso(now), iso(now + leaseMs), token, wanted);
    if (jobs.length === 0) return { wanted, got: 0 };
    const hooks = new Map((await repo.subscriptionsByIds([...new Set(jobs.map((j) => j.hook_id))])).map((h) => [h.id, h]));
    for (const job of jobs) {
      active += 1;
      const p: Promise<void> = deliver(job, hooks.get(job.hook_id))
        .catch((e: unknown) => log.error({ err: e, event_delivery: job.id }, 'webhook dispatcher: delivery failed unexpectedly; it is retried when its claim lapses'))
        .finally(() => {
          active -= 1;
          inFlight.delete(p);
          // Refill at once when half the slots are free, else a moment later with whatever else freed up.
          wake(active <= o.concurrency / 2 ? 0 : 5);
        });
      inFlight.add(p);
    }
    return { wanted, got: jobs.length };
  }

  async function deliver(job: HookDeliveriesTable, hook: HookSubscriptionsTable | undefined): Promise<void> {
    if (hook === undefined || hook.deleted_at !== null || (hook.active !== 1 && job.event !== 'ping')) {
      record({ kind: 'cancel', job });
      return;
    }
    const url = new URL(hook.url);
    const sentAt = clock.now();
    const headers: Record<string, string> = {
      'user-agent': HOOK_USER_AGENT,
      'content-type': 'application/json',
      event: job.event,
      'event-delivery': job.id,
      ...authHeaders(secretOf(hook), url, job.body, sentAt),
    };
    const res = await sender.post(url, headers, job.body, { insecureSsl: hook.insecure_ssl === 1, signal: shutdown.signal });
    if (shutdown.signal.aborted && res.status === 0) record({ kind: 'release', job });
    else record({ kind: 'attempt', job, hook, res, sentAt: sentAt.toISOString(), headers });
  }

  /** Results are written in batches: one transaction for whatever finished meanwhile. */
  function record(s: Settled): void {
    settled.push(s);
    flushing ??= (async () => {
      try {
        while (settled.length > 0) {
          await new Promise<void>((r) => setImmediate(r));
          const batch = settled.splice(0);
          try {
            await repo.transaction((trx) => write(batch, trx));
          } catch (e) {
            log.error({ err: e }, 'webhook dispatcher: could not record delivery results; those deliveries are retried when their claims lapse');
          }
        }
      } finally {
        flushing = null;
      }
    })();
  }

  async function write(batch: readonly Settled[], trx: Transaction<Database>): Promise<void> {
    const now = clock.now().getTime();
    const attempts: HookAttemptsTable[] = [];
    for (const s of batch) {
      if (s.kind !== 'attempt') continue;
      const { job, res } = s;
      attempts.push({
        id: monotonicId(), account_id: job.account_id, hook_id: job.hook_id, delivery_id: job.id, attempt: job.attempts + 1, url: s.hook.url,
        request_headers: JSON.stringify({ ...s.headers, ...('authorization' in s.headers ? { authorization: '[redacted]' } : {}) }),
        status: res.status, response_headers: res.status === 0 ? null : JSON.stringify(res.headers), response_body: res.status === 0 ? null : res.body,
        error: res.error ?? null, success: res.status >= 200 && res.status < 300 ? 1 : 0, delivery_at: s.sentAt, duration_ms: res.durationMs, created_at: s.sentAt,
      });
    }
    await repo.insertAttempts(attempts, trx);
    const delivered = new Set<string>();
    for (const s of batch) {
      const { job } = s;
      const claim = job.claim ?? '';
      if (s.kind === 'release') {
        await repo.release([job.id], new Map([[job.id, claim]]), iso(now), trx);
        continue;
      }
      if (s.kind === 'cancel') {
        await repo.settleDelivery(job.id, claim, { state: 'cancelled', attempts: job.attempts, next_attempt_at: iso(now), updated_at: iso(now) }, trx);
        continue;
      }
      const n = job.attempts + 1;
      const ok = s.res.status >= 200 && s.res.status < 300;
      const stop = s.res.status === 400;
      const giveUp = !ok && (stop || n >= o.maxAttempts);
      const state = ok ? 'delivered' : giveUp ? 'failed' : 'pending';
      const next = state === 'pending' ? now + o.retryBaseMs * o.retryFactor ** (n - 1) : now;
      const mine = await repo.settleDelivery(job.id, claim, { state, attempts: n, next_attempt_at: iso(next), updated_at: iso(now) }, trx);
      if (!mine) continue;
      if (ok) {
        delivered.add(job.hook_id);
        if (job.event === 'ping') await repo.reactivate(job.hook_id, iso(now), trx);
      } else if (giveUp && !stop && job.event !== 'ping') {
        const failures = await repo.countFailure(job.hook_id, trx);
        if (failures >= o.disableAfterFailedEvents) {
          await repo.disable(job.hook_id, iso(now), trx);
          await repo.cancelPending(job.hook_id, iso(now), false, trx);
          log.warn({ hook_id: job.hook_id, failures }, 'webhook subscription deactivated after consecutive failed events');
        }
      }
    }
    for (const hookId of delivered) await repo.resetFailures(hookId, trx);
  }

  return {
    start() {
      unsubscribe = onOutboxWrite(() => {
        lookAtOutbox = true;
        wake(WRITE_HINT_MS);
      });
      pruneTimer = setInterval(() => {
        repo.prune(iso(clock.now().getTime() - o.retentionMs)).catch((e: unknown) => log.warn({ err: e }, 'webhook dispatcher: pruning history failed'));
      }, Math.min(o.retentionMs, 3600_000));
      pruneTimer.unref();
      wake(0);
    },

    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(pruneTimer);
      unsubscribe?.();
      shutdown.abort();
      await running;
      await Promise.allSettled([...inFlight]);
      await flushing;
      sender.close();
    },
  };
}
