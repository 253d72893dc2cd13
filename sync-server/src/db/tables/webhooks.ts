/** Tables of the Webhooks service (migration 0006). */

/**
 * The transactional outbox: one row per event, written in the same transaction as the change it
 * reports, so a crash can neither lose an event nor report a change that rolled back.
 */
export interface HookOutboxTable {
  /** UUIDv7 (creation order); also the payload's `event_delivery` base. */
  id: string;
  account_id: string;
  event: string;
  /** JSON of the event's object, e.g. `{"customer": {...}}`; the envelope is added on delivery. */
  payload: string;
  created_at: string;
}

export interface WebhooksTables {
  hook_outbox: HookOutboxTable;
}
