/**
 * The till's one change stream (`GET /sync/stream?collections=…`) for every collection it
 * replicates. A stream holds an HTTP/1.1 connection for as long as the till runs and Chromium
 * opens at most 6 per server, so one stream per collection would leave pulls and API calls queued
 * behind them; one for all leaves the rest free however many collections replicate.
 *
 * - Signals: after every (re)connect every collection pulls (RESYNC), so nothing that changed
 *   while the stream was down is lost; a `change` event makes the named collection pull. A change
 *   event this till cannot read makes every collection pull: a needless pull is cheap, a missed
 *   change is a stale replica. One naming a collection it did not ask for is ignored.
 * - Connection: `connected$` is true while the stream is open and false as soon as it drops (or
 *   an attempt fails): the till's online indicator. It repeats `false` on every failed attempt,
 *   so the indicator goes back to Offline even if something else set it Online meanwhile.
 * - Reconnects with backoff (0.5 s doubling to 30 s, reset once connected), asking the endpoint
 *   for a token each time: the server ends a stream when its token expires.
 */
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import { CheckpointSchema, type SyncCollectionName } from '@pos/core';
import type { SyncEndpoint } from './replication.ts';
import { readEvents } from './sse.ts';

export interface ChangeStream {
  /** Emits whenever `collection` should pull again (RxDB `RESYNC`). Only for a collection the stream was opened with. */
  signals(collection: SyncCollectionName): Observable<void>;
  /** Whether the stream is open now; the current value on subscribe. */
  readonly connected$: Observable<boolean>;
  /** Stops listening and reconnecting; completes every observable. */
  close(): void;
}

const ChangeEvent = z.object({ collection: z.string(), checkpoint: CheckpointSchema });

export function openChangeStream(
  endpoint: SyncEndpoint,
  collections: readonly SyncCollectionName[],
  opts: { reconnectMinMs?: number; reconnectMaxMs?: number } = {},
): ChangeStream {
  const minDelay = opts.reconnectMinMs ?? 500;
  const maxDelay = opts.reconnectMaxMs ?? 30_000;
  const signals = new Map<string, Subject<void>>(collections.map((c) => [c, new Subject<void>()]));
  const connected$ = new BehaviorSubject(false);
  const abort = new AbortController();
  const url = `${endpoint.serverUrl}/v1/accounts/${endpoint.accountId}/sync/stream?collections=${[...signals.keys()].join(',')}`;
  const resyncAll = (): void => {
    for (const s of signals.values()) s.next();
  };
  const onChange = (data: string): void => {
    let event: z.infer<typeof ChangeEvent>;
    try {
      event = ChangeEvent.parse(JSON.parse(data));
    } catch {
      resyncAll();
      return;
    }
    // A collection this till did not ask for is none of its business.
    signals.get(event.collection)?.next();
  };

  void (async () => {
    let delay = minDelay;
    while (!abort.signal.aborted) {
      try {
        const res = await endpoint.fetch(url, { headers: { authorization: `Bearer ${await endpoint.accessToken()}` }, signal: abort.signal });
        if (!res.ok || res.body === null) throw new Error(`change stream answered HTTP ${res.status}`);
        delay = minDelay;
        connected$.next(true);
        resyncAll();
        await readEvents(res.body, (e) => {
          if (e.event === 'change') onChange(e.data);
        });
      } catch {
        // Offline, server restarting or token being renewed: try again with backoff.
      }
      if (abort.signal.aborted) break;
      connected$.next(false);
      // Wait, unless closed meanwhile.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          abort.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, delay);
        abort.signal.addEventListener('abort', done);
      });
      delay = Math.min(delay * 2, maxDelay);
    }
  })();

  return {
    signals(collection) {
      const s = signals.get(collection);
      if (s === undefined) throw new Error(`the change stream was not opened for ${collection}`);
      return s.asObservable();
    },
    connected$: connected$.asObservable(),
    close() {
      abort.abort();
      connected$.next(false);
      connected$.complete();
      for (const s of signals.values()) s.complete();
    },
  };
}
