import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BehaviorSubject } from 'rxjs';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { OfflineLeaseClaims } from '@pos/core';
import { openPosDatabase, type PosDatabase } from '../db/database.ts';
import { OFFLINE_TYP, type OfflinePublicKey } from '../features/giftcards/offline-signature.ts';
import { signJws, testSigningKeys, type KeyPair } from '../features/giftcards/test-signing-keys.ts';
import { startOfflineLeaseKeeper, type OfflineLeaseKeeper } from './offline-lease.ts';

let serverKey: KeyPair;
let otherKey: KeyPair;
let publicKey: OfflinePublicKey;

const claims = (n: number, over: Partial<OfflineLeaseClaims> = {}): OfflineLeaseClaims => ({
  lease_id: `lease-${n}`, account_id: 'T12345678', store_id: 'store-1', terminal_id: 'till-1', lookup_salt: 'salt', issued_at: '2026-11-24T10:00:00Z', expires_at: '2026-11-25T10:00:00Z',
  policy: { enabled: true, max_amount_per_card: 20_000, max_amount_per_terminal: 150_000, max_redemptions_per_card: 1, max_hours_since_sync: 24 }, ...over,
});
const sign = (c: object, key: KeyPair = serverKey, typ: string = OFFLINE_TYP.lease): Promise<string> => signJws(c, typ, key);

/** A server whose lease endpoint answers what `next` says (a body, or a whole response; unreachable when null). */
function server() {
  const calls: unknown[] = [];
  let next: (() => Promise<object>) | null = null;
  const fetch: typeof globalThis.fetch = async (_url, init) => {
    calls.push(JSON.parse(String(init?.body)));
    if (next === null) throw new TypeError('Failed to fetch');
    const answer = await next();
    return answer instanceof Response ? answer : new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return {
    calls,
    answer(f: (() => Promise<object>) | null) {
      next = f;
    },
    endpoint: { serverUrl: 'http://server', accountId: 'T12345678', accessToken: () => Promise.resolve('token'), fetch },
  };
}
const leaseAnswer = async (c: OfflineLeaseClaims, key: KeyPair = serverKey, typ: string = OFFLINE_TYP.lease) => ({ lease: await sign(c, key, typ), claims: c, public_key: publicKey });

let db: PosDatabase;
const keepers: OfflineLeaseKeeper[] = [];
const storage = getRxStorageMemory();
let name: string;
const start = (srv: ReturnType<typeof server>, connected$: BehaviorSubject<boolean>, now = () => Date.parse('2026-11-24T10:00:00Z')): OfflineLeaseKeeper => {
  const k = startOfflineLeaseKeeper({ db, endpoint: srv.endpoint, storeId: 'store-1', connected$, now });
  keepers.push(k);
  return k;
};
/** Until `ok` holds (the keeper's work is a few promise hops); polls with setTimeout, which the interval test leaves real. */
async function until(_k: OfflineLeaseKeeper, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(ok()).toBe(true);
}

beforeAll(async () => {
  ({ server: serverKey, other: otherKey, publicKey } = await testSigningKeys());
});
beforeEach(async () => {
  name = `lease-${crypto.randomUUID()}`;
  db = await openPosDatabase(name, storage);
});
afterEach(async () => {
  for (const k of keepers.splice(0)) k.stop();
  await db.remove();
});

describe('offline lease keeper', () => {
  it('gets a lease when the till connects, keeps it across a restart while offline, and counts offline time from the last contact', async () => {
    const srv = server();
    srv.answer(() => leaseAnswer(claims(1)));
    const connected = new BehaviorSubject(false);
    const first = start(srv, connected);
    expect(first.getState().lease).toBeNull();
    connected.next(true);
    await until(first, () => first.getState().lease?.claims.lease_id === 'lease-1');
    expect(srv.calls).toEqual([{ store_id: 'store-1' }]);
    // Give the keeper time to store it, then restart the till with the server gone.
    await vi.waitFor(async () => expect(await db.getLocal('offline-lease')).not.toBeNull());
    first.stop();
    await db.close();
    db = await openPosDatabase(name, storage);
    srv.answer(null);
    const second = start(srv, new BehaviorSubject(false), () => Date.parse('2026-11-24T12:00:00Z'));
    await second.ready;
    expect(second.getState()).toMatchObject({ online: false, offlineSince: Date.parse('2026-11-24T10:00:00Z'), lease: { claims: { lease_id: 'lease-1' } } });
  });

  it('refuses a lease that does not verify, is not a lease, or is for another store, and keeps the last good one', async () => {
    const srv = server();
    srv.answer(() => leaseAnswer(claims(1)));
    const connected = new BehaviorSubject(true);
    const k = start(srv, connected);
    await until(k, () => k.getState().lease?.claims.lease_id === 'lease-1');
    expect(k.getState().leaseError).toBeNull();
    const bads: [() => Promise<object>, RegExp][] = [
      [() => leaseAnswer(claims(2), otherKey), /could not verify/],
      [() => leaseAnswer(claims(3), serverKey, OFFLINE_TYP.allowance), /could not verify/],
      [() => leaseAnswer(claims(4, { store_id: 'store-2' })), /another account or store/],
      [() => Promise.resolve(Response.json({ error: { code: 'AUTH_SCOPE', message: 'missing scope write:wallets' } }, { status: 403 })), /did not give a new offline permission \(.*missing scope write:wallets/],
    ];
    for (const [bad, why] of bads) {
      srv.answer(bad);
      await k.refresh();
      expect(k.getState().lease?.claims.lease_id).toBe('lease-1');
      // Said, for the manager's view and the banner.
      expect(k.getState().leaseError).toMatch(why);
    }
    srv.answer(() => leaseAnswer(claims(5)));
    await k.refresh();
    expect(k.getState().lease?.claims.lease_id).toBe('lease-5');
    expect(k.getState().leaseError).toBeNull();
  });

  it('asks again on every reconnect and every 15 minutes while online, never while offline', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const srv = server();
      srv.answer(() => leaseAnswer(claims(1)));
      const connected = new BehaviorSubject(true);
      const k = start(srv, connected);
      await until(k, () => k.getState().lease !== null);
      // Whether it joins the first refresh or makes another, nothing is in flight after it.
      await k.refresh();
      const settled = srv.calls.length;
      await vi.advanceTimersByTimeAsync(15 * 60_000);
      await until(k, () => srv.calls.length === settled + 1);
      await k.refresh();
      const beforeCut = srv.calls.length;
      connected.next(false);
      expect(k.getState().online).toBe(false);
      await vi.advanceTimersByTimeAsync(30 * 60_000);
      expect(srv.calls).toHaveLength(beforeCut);
      connected.next(true);
      await until(k, () => srv.calls.length === beforeCut + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});
