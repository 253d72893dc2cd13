/**
 * Hears PostgreSQL's change notifications (migrations/0011-sync-notify.ts), so a change committed
 * through any server process reaches the streams of every process at once instead of at the next
 * poll.
 *
 * - Its own `pg` client, outside Kysely's pool: LISTEN belongs to one session, and a pooled
 *   connection would be handed to queries (and recycled) under it.
 * - A notification only says "something committed"; `onChange` re-reads the feed (the notifier's
 *   poll, which coalesces bursts). It is called after every (re)connect too, because
 *   notifications sent while no session listened are gone.
 * - A dropped connection is reopened with exponential backoff (100 ms doubling to 10 s), for as
 *   long as the listener is open; the notifier's slow fallback poll covers the gap meanwhile.
 */
import pg from 'pg';
import { SYNC_NOTIFY_CHANNEL } from '../../db/migrations/0011-sync-notify.ts';

export interface ChangeListenerOptions {
  /** Holds the database password: never logged. */
  readonly connectionString: string;
  /** Something may have changed: read the feed. */
  readonly onChange: () => void;
  readonly log: { warn(obj: object, msg: string): void };
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface ChangeListener {
  /** Stops listening and reconnecting. */
  close(): Promise<void>;
}

/** Sessions of this listener carry this name in `pg_stat_activity` (operators, and the tests that cut them). */
export const LISTENER_APPLICATION_NAME = 'pos-sync-listener';

export function listenForChanges(o: ChangeListenerOptions): ChangeListener {
  const minMs = o.minBackoffMs ?? 100;
  const maxMs = o.maxBackoffMs ?? 10_000;
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const reconnectLater = (err: unknown): void => {
    failures += 1;
    const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(failures - 1, 20));
    o.log.warn({ err, retryInMs: delayMs }, 'sync change listener lost its database connection; reconnecting');
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delayMs);
    retry.unref();
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({ connectionString: o.connectionString, keepAlive: true, application_name: LISTENER_APPLICATION_NAME });
    client = c;
    let dropped = false;
    // Runs once per client, whichever of error / end / a failed connect comes first.
    const drop = (err: unknown): void => {
      if (dropped) return;
      dropped = true;
      if (client === c) client = undefined;
      c.removeAllListeners('notification');
      if (closed) return;
      c.end().catch(() => undefined);
      reconnectLater(err);
    };
    c.on('error', drop);
    c.on('end', () => drop(new Error('connection ended')));
    c.on('notification', (n) => {
      if (n.channel === SYNC_NOTIFY_CHANNEL) o.onChange();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${SYNC_NOTIFY_CHANNEL}`);
    } catch (e) {
      drop(e);
      return;
    }
    if (dropped || closed) return;
    failures = 0;
    o.onChange();
  }

  void connect();
  return {
    async close() {
      closed = true;
      if (retry !== undefined) clearTimeout(retry);
      retry = undefined;
      const c = client;
      client = undefined;
      if (c !== undefined) await c.end().catch(() => undefined);
    },
  };
}
