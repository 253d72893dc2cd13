/** Tables of the Webhooks service (migration 0006). */
import type { ColumnType } from 'kysely';

/** A nullable column writers may leave out (it starts as NULL). */
type NullByDefault<T> = ColumnType<T | null, T | null | undefined, T | null>;

/**
 * The transactional outbox: one row per event, written in the same transaction as the change it
 * reports, so a crash can neither lose an event nor report a change that rolled back.
 */
export interface HookOutboxTable {
  /** UUIDv7 (creation order). */
  id: string;
  account_id: string;
  event: string;
  /** JSON of the event's object, e.g. `{"customer": {...}}`; the envelope is added on delivery. */
  payload: string;
  created_at: string;
  /** When the dispatcher fanned the event out; null while it waits. Omitted by writers. */
  dispatched_at: NullByDefault<string>;
  /** Only for pings: the one subscription the event is for. */
  hook_id: NullByDefault<string>;
}

/** A webhook subscription (Dintero's `Hook`). */
export interface HookSubscriptionsTable {
  /** UUIDv7. */
  id: string;
  account_id: string;
  active: number;
  url: string;
  content_type: string;
  insecure_ssl: number;
  /** JSON of the Secret (it signs deliveries, so it is kept readable; never returned). */
  secret: string | null;
  fields: string | null;
  /** JSON array of event names, as given. */
  events: string;
  /** Events in a row that failed for good; reset by any delivered event. */
  consecutive_failures: number;
  /** Set when the server deactivated the hook for failing; a delivered ping reactivates it. */
  disabled_at: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  deleted_at: string | null;
  deleted_by: string | null;
}

/** One event for one subscription; its id is the `event_delivery` sent on every attempt. */
export interface HookDeliveriesTable {
  id: string;
  account_id: string;
  hook_id: string;
  outbox_id: string;
  event: string;
  /** The exact bytes sent (and signed) on every attempt. */
  body: string;
  /** `pending` | `delivered` | `failed` (gave up) | `cancelled` (subscription gone or inactive). */
  state: string;
  attempts: number;
  /** When a pending delivery is due; while claimed, when the claim lapses. */
  next_attempt_at: string;
  /** The claim of the dispatcher sending it now; null when nobody is. */
  claim: string | null;
  created_at: string;
  updated_at: string;
}

/** One HTTP attempt (Dintero's `HookDelivery` / `HookDeliveryDetail`). */
export interface HookAttemptsTable {
  /** UUIDv7. */
  id: string;
  account_id: string;
  hook_id: string;
  /** The delivery (`event_delivery`). */
  delivery_id: string;
  attempt: number;
  url: string;
  /** JSON object of the headers sent, credentials redacted. */
  request_headers: string;
  /** The receiver's HTTP status; 0 when there was no response (refused, timed out). */
  status: number;
  response_headers: string | null;
  /** The start of the response body. */
  response_body: string | null;
  /** Why there was no response. */
  error: string | null;
  success: number;
  delivery_at: string;
  duration_ms: number;
  created_at: string;
}

export interface WebhooksTables {
  hook_outbox: HookOutboxTable;
  hook_subscriptions: HookSubscriptionsTable;
  hook_deliveries: HookDeliveriesTable;
  hook_attempts: HookAttemptsTable;
}
