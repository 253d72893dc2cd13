/**
 * Offline gift cards on the server (issue 6): policy and store overrides, signed leases and
 * allowances, lookup keys and PIN checks a till can verify offline, and pushed offline drawdowns
 * applied exactly once, never dropped, with exceptions for whatever went past the card or the rules.
 */
import { createHash, pbkdf2Sync, webcrypto } from 'node:crypto';
import { compactVerify, decodeJwt, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OFFLINE_POLICY, OFFLINE_LOOKUP, OFFLINE_PIN, type GiftCardOffline, type OfflineException, type OfflineLeaseClaims } from '@pos/core';
import { dbTargets } from '../support/databases.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

interface Err { error: { message: string; code: string } }
interface Lease { lease: string; claims: OfflineLeaseClaims; public_key: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string } }
interface Doc { id: string; card_id: string; amount_available: number; amount_balance: number; offline?: GiftCardOffline }
interface Result { ref_id: string; status: 'applied' | 'duplicate'; transaction_id?: string; applied_amount: number; exception_id?: string }
interface Created { id: string; card_id: string; pin?: { pin: { value: string } }; card_token?: { token: { value: string } } }

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('WebCrypto and node:crypto agree on the offline lookup key', () => {
  it('gives the same PBKDF2 key (the till derives it with crypto.subtle)', async () => {
    const password = sha256('DINCARD:0f8fad5b-d9cb-469f-a165-70867728950e');
    const salt = 'c2FsdC1mb3ItdGVzdHM';
    const viaNode = pbkdf2Sync(password, salt, OFFLINE_LOOKUP.iterations, OFFLINE_LOOKUP.bytes, 'sha256').toString('hex');
    const key = await webcrypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
    const bits = await webcrypto.subtle.deriveBits({ name: 'PBKDF2', hash: OFFLINE_LOOKUP.hash, salt: new TextEncoder().encode(salt), iterations: OFFLINE_LOOKUP.iterations }, key, OFFLINE_LOOKUP.bytes * 8);
    expect(hex(new Uint8Array(bits))).toBe(viaNode);
  });
});

describe.each(dbTargets())('offline gift cards on $name', (target) => {
  const clock = manualClock();
  let h: Harness;
  let admin: string;
  let tillA: string;
  let tillB: string;
  let reader: string;
  let products: string;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
    admin = await h.tokenFor(['admin:wallets']);
    tillA = await h.tokenFor(['write:wallets:/transactions', 'read:wallets']);
    tillB = await h.tokenFor(['write:wallets:/transactions', 'read:wallets']);
    reader = await h.tokenFor(['read:wallets']);
    products = await h.tokenFor(['read:products']);
  });
  afterAll(() => h.close());

  let n = 0;
  const newCard = async (amount: number, body: Record<string, unknown> = {}): Promise<Created> => {
    n += 1;
    const res = await h.call('POST', '/wallets/cards', {
      token: admin,
      body: { card_id: `off-${n}-000${n}`, amount, currency: 'NOK', pin: {}, card_token: { expires_in: 31_536_000, expires_after_transaction: false }, ...body },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Created>();
  };
  const lease = async (token: string, storeId = 'store-1'): Promise<Lease> => {
    const res = await h.call('POST', '/sync/offline/lease', { token, body: { store_id: storeId } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Lease>();
  };
  /** The current state of every gift card document, pulled from the start like a fresh till. */
  const pullAll = async (token = tillA): Promise<Map<string, Doc>> => {
    const docs = new Map<string, Doc>();
    let q = '';
    for (;;) {
      const res = await h.call('GET', `/sync/gift_cards/pull?limit=500${q}`, { token });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ documents: Doc[]; checkpoint: { txid: number; seq: number }; remaining: number }>();
      for (const d of page.documents) docs.set(d.id, d);
      q = `&txid=${page.checkpoint.txid}&seq=${page.checkpoint.seq}`;
      if (page.remaining === 0 || page.documents.length === 0) return docs;
    }
  };
  const doc = async (id: string): Promise<Doc> => {
    const d = (await pullAll()).get(id);
    if (d === undefined) throw new Error(`no gift card document ${id}`);
    return d;
  };
  let refs = 0;
  const entry = (d: Doc, l: Lease, amount: number, o: Record<string, unknown> = {}) => {
    refs += 1;
    return {
      ref_id: `ref-${refs}`, card_pk: d.id, card_id: d.card_id, amount, currency: 'NOK', created_at: clock.now().toISOString(),
      store_id: l.claims.store_id, sale_id: `sale-${refs}`, allowance: d.offline?.allowance ?? 'none', lease: l.lease, ...o,
    };
  };
  const push = async (token: string, entries: unknown[]) => {
    const res = await h.call('POST', '/sync/offline/wallet_entries', { token, body: { entries } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ results: Result[] }>().results;
  };
  const exception = async (id: string | undefined): Promise<OfflineException> => {
    const all = (await h.call('GET', '/sync/offline/exceptions?limit=100', { token: admin })).json<{ exceptions: OfflineException[] }>().exceptions;
    const found = all.find((e) => e.id === id);
    if (found === undefined) throw new Error(`no exception ${String(id)}`);
    return found;
  };
  const ledger = async (cardId: string) => (await h.call('GET', `/wallets/cards/${cardId}/transactions`, { token: admin })).json<Array<{ type: string; amount: number; ref_id: string }>>();
  const balance = async (cardId: string) => (await h.call('GET', `/wallets/cards/${cardId}`, { token: admin })).json<{ amount_balance: number; amount_available: number }>();

  it('keeps a policy per account with store overrides, refuses bad input and missing scopes', async () => {
    const initial = await h.call('GET', '/sync/offline/policy', { token: tillA });
    expect(initial.statusCode).toBe(200);
    expect(initial.json()).toEqual(DEFAULT_OFFLINE_POLICY);

    const put = await h.call('PUT', '/sync/offline/policy', { token: admin, body: { max_amount_per_card: 40_000, max_redemptions_per_card: 2 } });
    expect(put.statusCode, put.body).toBe(200);
    const account = { ...DEFAULT_OFFLINE_POLICY, max_amount_per_card: 40_000, max_redemptions_per_card: 2 };
    expect(put.json()).toEqual(account);

    for (const bad of [{ max_hours_since_sync: 0 }, { max_amount_per_card: 1.5 }, { enabled: 'yes' }, { surprise: 1 }, { max_amount_per_terminal: -1 }]) {
      const res = await h.call('PUT', '/sync/offline/policy', { token: admin, body: bad });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json<Err>().error.message).toEqual(expect.any(String));
    }
    const badStore = await h.call('PUT', '/sync/offline/stores/store-2/policy', { token: admin, body: { max_hours_since_sync: 500 } });
    expect(badStore.statusCode).toBe(400);
    expect((await h.call('GET', '/sync/offline/stores/store-2/policy', { token: admin })).statusCode).toBe(404);
    expect((await h.call('GET', '/sync/offline/policy', { token: reader })).json()).toEqual(account);

    expect((await h.call('PUT', '/sync/offline/policy', { token: tillA, body: { enabled: false } })).statusCode).toBe(403);
    expect((await h.call('GET', '/sync/offline/policy', { token: products })).statusCode).toBe(403);
    expect((await h.call('POST', '/sync/offline/lease', { token: reader, body: { store_id: 'store-2' } })).statusCode).toBe(403);
    expect((await h.call('DELETE', '/sync/offline/stores/store-2/policy', { token: tillA })).statusCode).toBe(403);

    const store = await h.call('PUT', '/sync/offline/stores/store-2/policy', { token: admin, body: { max_hours_since_sync: 2, max_amount_per_terminal: 90_000 } });
    expect(store.statusCode, store.body).toBe(200);
    expect(store.json()).toMatchObject({ store_id: 'store-2', policy: { max_hours_since_sync: 2, max_amount_per_terminal: 90_000 } });
    const leased = await lease(tillA, 'store-2');
    expect(leased.claims.policy).toEqual({ ...account, max_hours_since_sync: 2, max_amount_per_terminal: 90_000 });
    expect(Date.parse(leased.claims.expires_at) - clock.now().getTime()).toBe(2 * 3_600_000);
    expect((await lease(tillA, 'store-1')).claims.policy).toEqual(account);

    const removed = await h.call('DELETE', '/sync/offline/stores/store-2/policy', { token: admin });
    expect(removed.statusCode).toBe(200);
    expect((await h.call('GET', '/sync/offline/stores/store-2/policy', { token: admin })).json<Err>().error.code).toBe('OFFLINE_STORE_POLICY_NOT_FOUND');
    expect((await h.call('DELETE', '/sync/offline/stores/store-2/policy', { token: admin })).statusCode).toBe(404);
    expect((await lease(tillA, 'store-2')).claims.policy).toEqual(account);

    // The rest of the suite runs under the default policy, with two uses per card.
    await h.call('PUT', '/sync/offline/policy', { token: admin, body: DEFAULT_OFFLINE_POLICY });
  });

  it('signs a lease for this terminal that verifies with the key it returns, expiring max_hours_since_sync later', async () => {
    const l = await lease(tillA);
    const key = await importJWK(l.public_key, 'EdDSA');
    const { payload, protectedHeader } = await compactVerify(l.lease, key);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'pos-offline-lease+jwt', kid: l.public_key.kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(l.claims);
    expect(l.claims).toMatchObject({ account_id: h.accountId, store_id: 'store-1', terminal_id: decodeJwt(tillA).sub, issued_at: clock.now().toISOString() });
    expect(l.claims.expires_at).toBe(new Date(clock.now().getTime() + 24 * 3_600_000).toISOString());
    const tampered = `${l.lease.slice(0, -4)}AAAA`;
    await expect(compactVerify(tampered, key)).rejects.toThrow();
  });

  it('replicates cards with a verifiable allowance, lookup keys of their tokens, and an offline PIN check', async () => {
    const c = await newCard(25_000);
    const l = await lease(tillA);
    const d = await doc(c.id);
    const off = d.offline;
    if (off?.allowance === undefined) throw new Error(`no allowance: ${JSON.stringify(d)}`);
    const { payload, protectedHeader } = await compactVerify(off.allowance, await importJWK(l.public_key, 'EdDSA'));
    expect(protectedHeader.typ).toBe('pos-offline-allowance+jwt');
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ account_id: h.accountId, card_pk: c.id, card_id: c.card_id, currency: 'NOK', max_amount: 25_000, version: 1 });
    const token = c.card_token?.token.value ?? '';
    const expected = pbkdf2Sync(sha256(token), l.claims.lookup_salt, OFFLINE_LOOKUP.iterations, OFFLINE_LOOKUP.bytes, 'sha256').toString('hex');
    expect(off.lookup).toEqual([expected]);
    const pin = c.pin?.pin.value ?? '';
    const check = off.pin_check;
    if (check === undefined) throw new Error('no PIN check');
    expect(pbkdf2Sync(pin, check.salt, OFFLINE_PIN.iterations, OFFLINE_PIN.bytes, 'sha256').toString('hex')).toBe(check.hash);
    expect(JSON.stringify(d)).not.toContain(token);
    expect(off).toMatchObject({ under_review: false });
    expect(off.blocked).toBeUndefined();
  });

  it('blocks cards whose PIN predates offline checks, and stores lookup keys it had to backfill', async () => {
    const c = await newCard(10_000);
    // As a card made before migration 0010 looks.
    await h.db.kysely.updateTable('wallet_cards').set({ offline_pin_salt: null, offline_pin_hash: null }).where('id', '=', c.id).execute();
    await h.db.kysely.updateTable('wallet_tokens').set({ offline_lookup: null }).where('card_pk', '=', c.id).execute();
    const d = await doc(c.id);
    expect(d.offline?.allowance).toBeUndefined();
    expect(d.offline?.blocked).toMatch(/PIN/);
    const l = await lease(tillA);
    const expected = pbkdf2Sync(sha256(c.card_token?.token.value ?? ''), l.claims.lookup_salt, OFFLINE_LOOKUP.iterations, OFFLINE_LOOKUP.bytes, 'sha256').toString('hex');
    expect(d.offline?.lookup).toEqual([expected]);
    const stored = await h.db.kysely.selectFrom('wallet_tokens').select('offline_lookup').where('card_pk', '=', c.id).executeTakeFirstOrThrow();
    expect(stored.offline_lookup).toBe(expected);
  });

  it('applies each entry once under ten concurrent resends of the same batch', async () => {
    const c = await newCard(50_000);
    const l = await lease(tillA);
    const d = await doc(c.id);
    const batch = [entry(d, l, 7_000), entry(d, l, 8_000), entry({ ...d, id: 'no-such-card', card_id: 'no-such-card' }, l, 500)];
    const answers = await Promise.all(Array.from({ length: 10 }, () => push(tillA, batch)));
    for (let i = 0; i < batch.length; i += 1) {
      const per = answers.map((a) => a[i]);
      expect(per.filter((r) => r?.status === 'applied')).toHaveLength(1);
      expect(new Set(per.map((r) => JSON.stringify({ ...r, status: undefined }))).size).toBe(1);
    }
    const drawdowns = (await ledger(c.card_id)).filter((t) => t.type === 'drawdown');
    expect(drawdowns.map((t) => t.amount).sort()).toEqual([7_000, 8_000]);
    expect((await balance(c.card_id)).amount_balance).toBe(35_000);
    const again = await push(tillA, batch);
    expect(again.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    expect(again.map((r) => r.applied_amount)).toEqual([7_000, 8_000, 0]);
  });

  it('an overdraw from two tills is kept: the card goes to 0, the shortfall is an exception, a webhook and a review flag', async () => {
    const c = await newCard(30_000);
    const [la, lb] = [await lease(tillA), await lease(tillB)];
    const d = await doc(c.id);
    expect(d.offline?.allowance).toBeDefined();
    const [ra] = await push(tillA, [entry(d, la, 20_000)]);
    const [rb] = await push(tillB, [entry(d, lb, 20_000)]);
    expect(ra).toMatchObject({ status: 'applied', applied_amount: 20_000 });
    expect(ra?.exception_id).toBeUndefined();
    expect(rb).toMatchObject({ status: 'applied', applied_amount: 10_000 });
    const ex = await exception(rb?.exception_id);
    expect(ex).toMatchObject({ kind: 'overdraw', card_pk: c.id, amount: 20_000, applied_amount: 10_000, shortfall: 10_000, status: 'open', terminal_id: decodeJwt(tillB).sub });
    expect(ex.message).toMatch(/collect 100,00\skr/);
    expect(ex.message).toContain(`…${c.card_id.slice(-4)}`);

    const card = await balance(c.card_id);
    expect(card).toMatchObject({ amount_balance: 0, amount_available: 0 });
    const entries = await ledger(c.card_id);
    const sum = entries.reduce((s, t) => s + (t.type === 'fund' ? t.amount : -t.amount), 0);
    expect(sum).toBe(card.amount_balance);

    const hooks = await h.db.kysely.selectFrom('hook_outbox').select(['event', 'payload']).where('event', '=', 'wallet_offline_exception').execute();
    expect(hooks.some((r) => r.payload.includes(ex.id))).toBe(true);
    const hookTx = await h.db.kysely.selectFrom('hook_outbox').select('payload').where('event', '=', 'wallet_transaction').execute();
    expect(hookTx.some((r) => r.payload.includes(rb?.transaction_id ?? 'none'))).toBe(true);

    const flagged = await doc(c.id);
    expect(flagged.offline).toMatchObject({ under_review: true });
    expect(flagged.offline?.allowance).toBeUndefined();
    expect(flagged.offline?.blocked).toMatch(/review/);

    const open = (await h.call('GET', '/sync/offline/exceptions?status=open&limit=100', { token: reader })).json<{ exceptions: OfflineException[] }>();
    expect(open.exceptions.map((e) => e.id)).toContain(ex.id);

    // Top the card up and resolve: it may be used offline again.
    await h.call('POST', '/wallets/transactions', { token: admin, body: { card_id: c.card_id, ref_id: 'topup', amount: 5_000, currency: 'NOK', type: 'fund' } });
    expect((await h.call('POST', `/sync/offline/exceptions/${ex.id}/resolve`, { token: tillA, body: { resolution: 'x' } })).statusCode).toBe(403);
    expect((await h.call('POST', `/sync/offline/exceptions/${ex.id}/resolve`, { token: admin, body: {} })).statusCode).toBe(400);
    const resolved = await h.call('POST', `/sync/offline/exceptions/${ex.id}/resolve`, { token: admin, body: { resolution: 'Collected 100 kr in cash.' } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolution: 'Collected 100 kr in cash.' });
    const twice = await h.call('POST', `/sync/offline/exceptions/${ex.id}/resolve`, { token: admin, body: { resolution: 'again' } });
    expect([twice.statusCode, twice.json<Err>().error.code]).toEqual([409, 'OFFLINE_EXCEPTION_RESOLVED']);
    expect((await h.call('POST', '/sync/offline/exceptions/nope/resolve', { token: admin, body: { resolution: 'x' } })).statusCode).toBe(404);

    const back = await doc(c.id);
    expect(back.offline).toMatchObject({ under_review: false });
    expect(back.offline?.allowance).toBeDefined();
    const resolvedList = (await h.call('GET', '/sync/offline/exceptions?status=resolved', { token: admin })).json<{ exceptions: OfflineException[] }>();
    expect(resolvedList.exceptions.map((e) => e.id)).toContain(ex.id);
  });

  it('applies entries outside the allowance and lists them', async () => {
    const c = await newCard(10_000);
    const other = await newCard(10_000);
    const l = await lease(tillA);
    const stale = await doc(c.id);
    const otherDoc = await doc(other.id);
    await h.call('POST', '/wallets/transactions', { token: admin, body: { card_id: c.card_id, ref_id: 'more', amount: 30_000, currency: 'NOK', type: 'fund' } });

    const above = entry(stale, l, 15_000);
    const forged = entry(stale, l, 1_000, { allowance: `${stale.offline?.allowance?.slice(0, -6) ?? ''}AAAAAA` });
    // Taken on the till 25 h after the lease was issued (the till's clock).
    const late = entry(stale, l, 1_000, { created_at: new Date(clock.now().getTime() + 25 * 3_600_000).toISOString() });
    const mismatch = entry(stale, l, 1_000, { allowance: otherDoc.offline?.allowance });
    const results = await push(tillA, [above, forged, late, mismatch]);
    expect(results.map((r) => r.applied_amount)).toEqual([15_000, 1_000, 1_000, 1_000]);
    const kinds = await Promise.all(results.map(async (r) => exception(r.exception_id)));
    expect(kinds.map((e) => [e.kind, e.shortfall])).toEqual([['outside_allowance', 0], ['outside_allowance', 0], ['outside_allowance', 0], ['outside_allowance', 0]]);
    expect(kinds[0]?.message).toMatch(/above the allowance of 100,00\skr/);
    expect(kinds[1]?.message).toContain('could not be verified');
    expect(kinds[2]?.message).toContain('lease had expired');
    expect(kinds[3]?.message).toContain('another card');
    expect((await balance(c.card_id)).amount_balance).toBe(40_000 - 18_000);
  });

  it('counts uses per card and allowance on one terminal, and the terminal total per lease', async () => {
    const c = await newCard(100_000);
    const l = await lease(tillA);
    const d = await doc(c.id);
    const [first, second] = await push(tillA, [entry(d, l, 1_000), entry(d, l, 1_000)]);
    expect(first?.exception_id).toBeUndefined();
    expect((await exception(second?.exception_id)).message).toContain('offline payment 2 of this card');
    // The other terminal has its own count.
    expect((await push(tillB, [entry(d, await lease(tillB), 1_000)]))[0]?.exception_id).toBeUndefined();

    const big = await newCard(300_000);
    const bigDoc = await doc(big.id);
    const lt = await lease(tillB);
    const [r] = await push(tillB, [entry(bigDoc, lt, 250_000)]);
    expect(r?.applied_amount).toBe(250_000);
    const ex = await exception(r?.exception_id);
    expect(ex.kind).toBe('outside_allowance');
    expect(ex.message).toMatch(/limit per card|above the limit of 500,00\skr/);
    expect(ex.message).toContain("till's offline gift card total");
  });

  it('an unknown card charges nothing and lists the whole amount; a deleted card pays what it has', async () => {
    const l = await lease(tillA);
    const [u] = await push(tillA, [entry({ id: 'ghost-pk', card_id: 'ghost-9999', amount_available: 0, amount_balance: 0 }, l, 4_200)]);
    expect(u).toMatchObject({ status: 'applied', applied_amount: 0 });
    expect(u?.transaction_id).toBeUndefined();
    const ex = await exception(u?.exception_id);
    expect(ex).toMatchObject({ kind: 'unknown_card', shortfall: 4_200, card_id: 'ghost-9999' });
    expect(ex.card_pk).toBeUndefined();
    expect(ex.message).toContain('…9999');

    const c = await newCard(3_000);
    const d = await doc(c.id);
    expect((await h.call('DELETE', `/wallets/cards/${c.card_id}`, { token: admin })).statusCode).toBe(200);
    const [r] = await push(tillA, [entry(d, l, 5_000)]);
    expect(r?.applied_amount).toBe(3_000);
    expect(await exception(r?.exception_id)).toMatchObject({ kind: 'card_inactive', shortfall: 2_000 });
  });

  it('refuses bad pushes whole and without effect', async () => {
    const before = await h.db.kysely.selectFrom('wallet_offline_entries').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    const c = await newCard(5_000);
    const l = await lease(tillA);
    const d = await doc(c.id);
    for (const body of [{ entries: [] }, { entries: [{ ...entry(d, l, 100), amount: 0 }] }, { entries: [entry(d, l, 100), { ...entry(d, l, 100), currency: 'XXX' }] }, { entries: [{ ...entry(d, l, 100), extra: 1 }] }]) {
      const res = await h.call('POST', '/sync/offline/wallet_entries', { token: tillA, body });
      expect(res.statusCode).toBe(400);
      expect(res.json<Err>().error.code).toEqual(expect.any(String));
    }
    expect((await h.call('POST', '/sync/offline/wallet_entries', { token: reader, body: { entries: [entry(d, l, 100)] } })).statusCode).toBe(403);
    const after = await h.db.kysely.selectFrom('wallet_offline_entries').select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    expect((await balance(c.card_id)).amount_balance).toBe(5_000);
  });

  it('accounts for every offline drawdown: Σ amount = Σ applied + Σ shortfall, and applied = what the ledgers took', async () => {
    const k = h.db.kysely;
    const entries = await k.selectFrom('wallet_offline_entries as e').leftJoin('wallet_offline_exceptions as x', 'x.id', 'e.exception_id')
      .select(['e.amount', 'e.applied_amount', 'e.transaction_id', 'x.shortfall']).execute();
    expect(entries.length).toBeGreaterThan(10);
    const total = entries.reduce((s, e) => s + e.amount, 0);
    const applied = entries.reduce((s, e) => s + e.applied_amount, 0);
    const short = entries.reduce((s, e) => s + (e.shortfall ?? 0), 0);
    expect(applied + short).toBe(total);
    for (const e of entries) if (e.shortfall === null) expect(e.applied_amount).toBe(e.amount);
    const txIds = entries.flatMap((e) => (e.transaction_id === null ? [] : [e.transaction_id]));
    const onLedger = await k.selectFrom('wallet_transactions').select('amount').where('id', 'in', txIds).execute();
    expect(onLedger.reduce((s, t) => s + t.amount, 0)).toBe(applied);
  });
});
