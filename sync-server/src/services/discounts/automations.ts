/**
 * Automations (contract §3.1–3.2): stored shape, wire shape, and the HTTP actions they fire.
 * Which automations run for an event, and the discount grants they make, are orchestrated by
 * events.ts (it owns the transaction), their CRUD by automation-crud.ts; this module holds what
 * does not touch the database.
 *
 * - `filter` and its alias `filters` (seen in Dintero's examples) are merged and stored as `filter`.
 * - HTTP actions run after the event's transaction has committed, never inside it: a slow or
 *   failing endpoint cannot hold locks or fail the event. Each call has a 10 s timeout; failures
 *   and non-2xx answers are logged and dropped (no retries — webhooks are the retried channel).
 * - Placeholders: any string value in `body` that is a JSONPath (`"$.customer_id"`) is replaced
 *   by what it selects in the event payload — the value itself when it selects one, an array when
 *   several, null when none. Other strings ("$5 off") are left alone.
 */
import { z } from 'zod';
import { AutomationActionSchema, AutomationFilterSchema, AUTOMATION_EVENTS, type AutomationPost } from '@pos/core/contracts/discounts';
import { EntitySchema } from '@pos/core/contracts/common';
import type { AutomationsTable } from '../../db/schema.ts';
import { parseJsonPath, selectPath } from './json-path.ts';
import { entityOf } from '../../db/entity.ts';
import { parsedBody } from './model.ts';

export const StoredAutomationSchema = z.object({
  name: z.string().optional(),
  description: z.string().optional(),
  requirement: z.object({
    automation_from: z.string(),
    automation_to: z.string(),
    events: z.array(z.enum(AUTOMATION_EVENTS)),
    filter: AutomationFilterSchema.optional(),
  }),
  limitation: z.object({ automation_repeat: z.number().int().optional() }).optional(),
  actions: z.array(AutomationActionSchema),
});
export type StoredAutomation = z.infer<typeof StoredAutomationSchema>;

/** `Entity & Automation` as every read returns it. */
export const AutomationSchema = StoredAutomationSchema.extend(EntitySchema.shape);
export type Automation = z.infer<typeof AutomationSchema>;

export type AutomationEvent = (typeof AUTOMATION_EVENTS)[number];

export function storedAutomation(body: AutomationPost): StoredAutomation {
  const { filter, filters, ...requirement } = body.requirement;
  const merged = filter === undefined && filters === undefined ? undefined : { ...filters, ...filter };
  return {
    name: body.name,
    description: body.description,
    requirement: {
      ...requirement,
      automation_from: new Date(requirement.automation_from).toISOString(),
      automation_to: new Date(requirement.automation_to).toISOString(),
      filter: merged,
    },
    limitation: body.limitation,
    actions: body.actions,
  };
}

export const automationBody: (row: AutomationsTable) => StoredAutomation = parsedBody(StoredAutomationSchema);

export function toAutomation(row: AutomationsTable): Automation {
  return {
    ...automationBody(row),
    ...entityOf(row),
  };
}

/** The discount ids an automation grants. */
export const grantedRuleIds = (a: StoredAutomation): string[] => a.actions.flatMap((x) => (x.type === 'discount' ? [x.id] : []));

// ------------------------------------------------------------------ HTTP actions

export interface HttpJob {
  readonly automationId: string;
  readonly url: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly contentType: string;
  readonly body: unknown;
}

/** Replaces JSONPath placeholders in string values (at any depth) with what they select in `payload`. */
export function substitute(template: unknown, payload: unknown): unknown {
  if (typeof template === 'string') {
    const segments = template.startsWith('$') ? parseJsonPath(template) : undefined;
    if (segments === undefined) return template;
    const values = selectPath(segments, payload);
    return values.length === 0 ? null : values.length === 1 ? values[0] : values;
  }
  if (Array.isArray(template)) return template.map((v) => substitute(v, payload));
  if (typeof template === 'object' && template !== null) {
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, substitute(v, payload)]));
  }
  return template;
}

export function httpJobs(automationId: string, a: StoredAutomation, payload: unknown): HttpJob[] {
  return a.actions.flatMap((x): HttpJob[] =>
    x.type === 'http'
      ? [{ automationId, url: x.url, method: x.method, contentType: x.content_type ?? 'application/json', body: x.body === undefined ? undefined : substitute(x.body, payload) }]
      : [],
  );
}

export interface Log {
  warn(obj: object, msg: string): void;
}

export const HTTP_ACTION_TIMEOUT_MS = 10_000;

/** Fires HTTP actions in the background; `drain` waits for the ones in flight (shutdown, tests). */
export function createHttpActions(log: Log, fetchImpl: typeof fetch = fetch) {
  const inFlight = new Set<Promise<void>>();

  async function run(job: HttpJob): Promise<void> {
    try {
      const json = /json/i.test(job.contentType);
      const body = job.method === 'GET' || job.body === undefined ? undefined : json || typeof job.body !== 'string' ? JSON.stringify(job.body) : job.body;
      const res = await fetchImpl(job.url, {
        method: job.method,
        headers: body === undefined ? {} : { 'content-type': job.contentType },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(HTTP_ACTION_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) log.warn({ automation_id: job.automationId, url: job.url, status: res.status }, 'automation http action answered with an error status');
    } catch (err) {
      log.warn({ automation_id: job.automationId, url: job.url, err }, 'automation http action failed');
    }
  }

  return {
    fire(jobs: readonly HttpJob[]): void {
      for (const job of jobs) {
        const p: Promise<void> = run(job).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    },
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type HttpActions = ReturnType<typeof createHttpActions>;
