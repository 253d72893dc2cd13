/**
 * Keeps this till's offline lease (contracts/offline.ts): the server's signed permission to take
 * gift cards while it cannot be reached, with the policy's caps, the key that verifies card
 * allowances and the salt of card lookup keys.
 *
 * - A new lease is asked for whenever the change stream (re)connects and every 15 minutes while
 *   online, so its expiry (the offline countdown) always runs from the last contact.
 * - Only a lease that verifies is kept; a failed request or a bad answer keeps the last good one.
 * - The last good lease is stored in the replica (an RxDB local document), so a till restarted
 *   while offline still takes gift cards within it.
 * - It also tracks whether the till is online and since when it is not, for the banner and for
 *   the checkout to go straight to the offline path.
 */
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { OfflineLeaseClaimsSchema, OfflineLeaseResponseSchema, type OfflineLeaseClaims } from '@pos/core';
import { callApi } from '../api/http.ts';
import type { SyncEndpoint } from '../db/replication.ts';
import type { PosDatabase } from '../db/database.ts';
import { OFFLINE_TYP, verifySigned, type OfflinePublicKey } from '../features/giftcards/offline-signature.ts';

export interface HeldLease {
  /** The lease as signed (it travels with every offline entry). */
  readonly jws: string;
  /** What it says, read from the verified payload. */
  readonly claims: OfflineLeaseClaims;
  readonly publicKey: OfflinePublicKey;
  /** When this till got it (its own clock). */
  readonly obtainedAt: number;
}

export interface OfflineState {
  readonly online: boolean;
  /** When the till lost the server; null while online. */
  readonly offlineSince: number | null;
  /** The last lease that verified; null before the first. */
  readonly lease: HeldLease | null;
  /**
   * Why the last attempt to get (or check) a lease failed, for the manager and the banner; null
   * once one succeeds. The last good lease stays in force meanwhile.
   */
  readonly leaseError: string | null;
}

export interface OfflineLeaseKeeper {
  getState(): OfflineState;
  subscribe(listener: () => void): () => void;
  /** Resolves once the stored lease (if any) is loaded. */
  readonly ready: Promise<void>;
  /** Asks the server for a new lease now; never throws (the last good lease stays). */
  refresh(): Promise<void>;
  stop(): void;
}

export const LEASE_REFRESH_MS = 15 * 60_000;
const LOCAL_ID = 'offline-lease';

const StoredLease = z.object({ jws: z.string(), public_key: OfflineLeaseResponseSchema.shape.public_key, obtained_at: z.number() });

export function startOfflineLeaseKeeper(opts: {
  db: PosDatabase;
  endpoint: SyncEndpoint;
  storeId: string;
  /** The change stream's connection: true while the till reaches the server. */
  connected$: Observable<boolean>;
  now: () => number;
  refreshEveryMs?: number;
}): OfflineLeaseKeeper {
  const { db, endpoint, storeId, now } = opts;
  let state: OfflineState = { online: false, offlineSince: now(), lease: null, leaseError: null };
  const listeners = new Set<() => void>();
  const set = (patch: Partial<OfflineState>): void => {
    state = { ...state, ...patch };
    for (const l of listeners) l();
  };
  let stopped = false;

  const failed = (message: string): void => {
    if (!stopped) set({ leaseError: message });
  };

  /** The lease if it verifies with its key and belongs to this account and store; else null. */
  const verify = async (jws: string, publicKey: OfflinePublicKey): Promise<OfflineLeaseClaims | null> => {
    const res = await verifySigned(jws, publicKey, OFFLINE_TYP.lease, OfflineLeaseClaimsSchema);
    if (!res.ok) {
      failed(`the till could not verify the server's offline permission (${res.reason})`);
      return null;
    }
    if (res.claims.account_id !== endpoint.accountId || res.claims.store_id !== storeId) {
      failed('the offline permission from the server is for another account or store');
      return null;
    }
    return res.claims;
  };

  const ready = (async () => {
    const doc = await db.getLocal<unknown>(LOCAL_ID);
    const stored = StoredLease.safeParse(doc?.toJSON().data);
    if (!stored.success) return;
    const claims = await verify(stored.data.jws, stored.data.public_key);
    // A lease got online meanwhile is newer than the stored one.
    if (claims !== null && state.lease === null && !stopped) {
      const lease = { jws: stored.data.jws, claims, publicKey: stored.data.public_key, obtainedAt: stored.data.obtained_at };
      set({ lease, offlineSince: state.online ? null : lease.obtainedAt });
    }
  })().catch((e: unknown) => failed(`the stored offline permission could not be read (${e instanceof Error ? e.message : String(e)})`));

  let inFlight: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    inFlight ??= (async () => {
      try {
        const res = await callApi(endpoint, 'POST', '/sync/offline/lease', OfflineLeaseResponseSchema, { store_id: storeId });
        const claims = await verify(res.lease, res.public_key);
        if (claims === null || stopped) return;
        const lease: HeldLease = { jws: res.lease, claims, publicKey: res.public_key, obtainedAt: now() };
        await ready;
        set({ lease, leaseError: null });
        await db.upsertLocal(LOCAL_ID, { jws: lease.jws, public_key: lease.publicKey, obtained_at: lease.obtainedAt });
      } catch (e) {
        // Offline, refused (say, the till's client lacks the scope) or a server without offline
        // gift cards: the last good lease stays, and the reason is shown.
        failed(`the server did not give a new offline permission (${e instanceof Error ? e.message : String(e)})`);
      } finally {
        inFlight = null;
      }
    })();
    return inFlight;
  };

  const connection = opts.connected$.subscribe((connected) => {
    if (connected === state.online) return;
    set(connected ? { online: true, offlineSince: null } : { online: false, offlineSince: now() });
    if (connected) void refresh();
  });
  const timer = setInterval(() => {
    if (state.online) void refresh();
  }, opts.refreshEveryMs ?? LEASE_REFRESH_MS);

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ready,
    refresh,
    stop() {
      stopped = true;
      clearInterval(timer);
      connection.unsubscribe();
    },
  };
}
