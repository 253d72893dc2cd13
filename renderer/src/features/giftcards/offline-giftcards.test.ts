import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import type { GiftCardDoc, OfflineAllowanceClaims, OfflineGiftCardTender, OfflineLeaseClaims } from '@pos/core';
import { openPosDatabase, type PosDatabase } from '../../db/database.ts';
import type { HeldLease } from '../../app/offline-lease.ts';
import { offlineLookupKey, offlinePinMatches, offlineSummary, watchOfflineGiftCards, type OfflineGiftCardRequest, type OfflineGiftCards } from './offline-giftcards.ts';
import { OFFLINE_TYP, type OfflinePublicKey } from './offline-signature.ts';
import { signJws, testSigningKeys, type KeyPair } from './test-signing-keys.ts';

/**
 * Known vectors, computed with Node's own crypto (the server's way, sync-server/src/services/offline/derive.ts):
 *   pbkdf2Sync(sha256hex('6011000990139424'), 'till-salt-1', 20000, 32, 'sha256').toString('hex')
 *   pbkdf2Sync('4321', 'pin-salt', 100000, 32, 'sha256').toString('hex')
 */
const TOKEN = '6011000990139424';
const SALT = 'till-salt-1';
const TOKEN_KEY = '8ab904e9982a50ff19cccb2d7be8ca6c97e602faa96dff3c33f2c4643c9e441b';
const PIN_CHECK = { salt: 'pin-salt', hash: 'f5bcb449cd07a21fc156ff9b25d920d28097d8f73358bed4108b26fcb0e1720a' };

const NOW = new Date('2026-11-24T10:00:00Z');
const plain = (s: string): string => s.replace(/[\u00a0\u202f]/g, ' ');

let serverKey: KeyPair;
let otherKey: KeyPair;
let publicKey: OfflinePublicKey;

const sign = (claims: object, typ: string, key: KeyPair = serverKey): Promise<string> => signJws(claims, typ, key);

const leaseClaims = (over: Partial<OfflineLeaseClaims['policy']> = {}, expires_at = '2026-11-24T13:12:30Z'): OfflineLeaseClaims => ({
  lease_id: 'l1', account_id: 'T12345678', store_id: 'T12345678', terminal_id: 'till-1', lookup_salt: SALT, issued_at: '2026-11-23T13:12:30Z', expires_at,
  policy: { enabled: true, max_amount_per_card: 20_000, max_amount_per_terminal: 150_000, max_redemptions_per_card: 1, max_hours_since_sync: 24, ...over },
});
async function held(claims = leaseClaims()): Promise<HeldLease> {
  return { jws: await sign(claims, OFFLINE_TYP.lease), claims, publicKey, obtainedAt: NOW.getTime() };
}
const allowanceClaims = (max: number, cardPk = 'pk-1'): OfflineAllowanceClaims => ({ account_id: 'T12345678', card_pk: cardPk, card_id: 'gc-1', currency: 'NOK', max_amount: max, version: 2, issued_at: '2026-11-23T13:00:00Z' });

async function cardDoc(over: { id?: string; allowance?: string; has_pin?: boolean; under_review?: boolean; lookup?: string[] } = {}): Promise<Omit<GiftCardDoc, '_deleted'>> {
  const id = over.id ?? 'pk-1';
  return {
    id, updated_at: '2026-11-23T13:00:00Z', card_id: 'gc-1', currency: 'NOK', amount_balance: 50_000, amount_available: 50_000, status: 'active', has_pin: over.has_pin ?? true,
    offline: { allowance: over.allowance ?? (await sign(allowanceClaims(50_000, id), OFFLINE_TYP.allowance)), lookup: over.lookup ?? [TOKEN_KEY], pin_check: PIN_CHECK, under_review: over.under_review ?? false },
  };
}

const request = (over: Partial<OfflineGiftCardRequest> = {}): OfflineGiftCardRequest => ({ token: TOKEN, pin: '4321', due: 35_000, currency: 'NOK', saleId: 'sale-1', saleTenders: [], ...over });

let db: PosDatabase;
let cards: OfflineGiftCards;
async function open(docs: Omit<GiftCardDoc, '_deleted'>[]): Promise<void> {
  db = await openPosDatabase(`gc-${crypto.randomUUID()}`, getRxStorageMemory());
  await db.gift_cards.bulkInsert(docs);
  cards = watchOfflineGiftCards(db);
  await cards.ready;
}

beforeAll(async () => {
  ({ server: serverKey, other: otherKey, publicKey } = await testSigningKeys());
});
afterEach(async () => {
  cards.close();
  await db.remove();
});

describe('offline gift cards', () => {
  it('derives the lookup key and checks the PIN exactly as the server does', async () => {
    await open([]);
    expect(await offlineLookupKey(TOKEN, SALT)).toBe(TOKEN_KEY);
    expect(await offlinePinMatches('4321', PIN_CHECK)).toBe(true);
    expect(await offlinePinMatches('4322', PIN_CHECK)).toBe(false);
  });

  it('takes a card within its allowance: the tender names the card, its allowance and the lease, with a unique ref_id', async () => {
    await open([await cardDoc()]);
    const lease = await held();
    const res = await cards.take(request({ due: 12_000 }), { lease, pending: [], now: NOW });
    expect(res).toEqual({
      kind: 'taken', note: null,
      tender: { kind: 'gift_card_offline', amount: 12_000, card_id: 'gc-1', card_pk: 'pk-1', currency: 'NOK', ref_id: 'sale-1:gift-card-offline:1', created_at: NOW.toISOString(), allowance: (await cardDoc()).offline?.allowance, lease: lease.jws },
    });
  });

  it('pays what it may of a larger sum and says the rest must be paid another way', async () => {
    await open([await cardDoc()]);
    const res = await cards.take(request(), { lease: await held(), pending: [], now: NOW });
    expect(res.kind === 'taken' ? [res.tender.amount, plain(res.note ?? '')] : res).toEqual([20_000, "Offline, this card paid 200,00 kr, the most it may: the store's offline limit per card. Take the remaining 150,00 kr another way."]);
  });

  it('refuses a typed amount above the limit, saying the most it can pay and why', async () => {
    await open([await cardDoc()]);
    const res = await cards.take(request({ requested: 25_000 }), { lease: await held(), pending: [], now: NOW });
    expect(res.kind).toBe('refused');
    expect(res.kind === 'refused' ? plain(res.message) : '').toBe("Offline, this card can pay at most 200,00 kr: the store's offline limit per card (1 use left, offline for another 3 h 12 min). 250,00 kr is above that.");
  });

  it('refuses a card whose allowance was tampered with or signed by another key', async () => {
    const genuine = await sign(allowanceClaims(5_000), OFFLINE_TYP.allowance);
    const [header, , signature] = genuine.split('.');
    const raised = btoa(JSON.stringify(allowanceClaims(5_000_000))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    await open([await cardDoc({ allowance: `${header}.${raised}.${signature}` })]);
    const tampered = await cards.take(request(), { lease: await held(), pending: [], now: NOW });
    expect(tampered).toEqual({ kind: 'refused', message: "This card's offline permission does not check out (its signature does not verify), so it cannot be used offline. Take another payment method." });

    await db.gift_cards.upsert(await cardDoc({ allowance: await sign(allowanceClaims(5_000_000), OFFLINE_TYP.allowance, otherKey) }));
    const foreign = await cards.take(request(), { lease: await held(), pending: [], now: NOW });
    expect(foreign.kind === 'refused' ? foreign.message : foreign).toMatch(/does not check out/);
  });

  it('refuses a lease passed off as an allowance, and an allowance for another card', async () => {
    await open([await cardDoc({ allowance: await sign(allowanceClaims(50_000), OFFLINE_TYP.lease) })]);
    const wrongTyp = await cards.take(request(), { lease: await held(), pending: [], now: NOW });
    expect(wrongTyp.kind === 'refused' ? wrongTyp.message : wrongTyp).toMatch(/not a pos-offline-allowance\+jwt/);
    await db.gift_cards.upsert(await cardDoc({ allowance: await sign(allowanceClaims(50_000, 'pk-other'), OFFLINE_TYP.allowance) }));
    const otherCard = await cards.take(request(), { lease: await held(), pending: [], now: NOW });
    expect(otherCard.kind === 'refused' ? otherCard.message : otherCard).toMatch(/for another card/);
  });

  it('asks for the PIN, refuses a wrong one, and stops taking the card offline after five', async () => {
    await open([await cardDoc()]);
    const ctx = { lease: await held(), pending: [], now: NOW };
    expect(await cards.take(request({ pin: undefined }), ctx)).toEqual({ kind: 'pin', message: null });
    expect(await cards.take(request({ pin: '0000' }), ctx)).toEqual({ kind: 'pin', message: 'Wrong PIN (4 tries left offline).' });
    expect((await cards.take(request({ pin: '4321' }), ctx)).kind).toBe('taken');
    for (let i = 0; i < 4; i++) await cards.take(request({ pin: '0000' }), ctx);
    const fifth = await cards.take(request({ pin: '0000' }), ctx);
    expect(fifth.kind).toBe('refused');
    expect((await cards.take(request({ pin: '4321' }), ctx)).kind).toBe('refused');
  });

  it("counts what this till handed out and the server has not confirmed, and this sale's own offline tenders", async () => {
    await open([await cardDoc()]);
    const lease = await held(leaseClaims({ max_redemptions_per_card: 2 }));
    const earlier: OfflineGiftCardTender = { kind: 'gift_card_offline', amount: 15_000, card_id: 'gc-1', card_pk: 'pk-1', currency: 'NOK', ref_id: 'sale-0:gift-card-offline:1', created_at: NOW.toISOString(), allowance: 'a', lease: 'l' };
    const second = await cards.take(request({ saleId: 'sale-2' }), { lease, pending: [earlier], now: NOW });
    expect(second.kind === 'taken' ? second.tender.amount : second).toBe(5_000);
    const third = await cards.take(request({ saleId: 'sale-2', saleTenders: [{ ...earlier, ref_id: 'sale-2:gift-card-offline:1', amount: 5_000 }] }), { lease, pending: [earlier], now: NOW });
    expect(third.kind === 'refused' ? third.message : third).toMatch(/may pay 2 times on this till/);
  });

  it('refuses without a lease, after it expired, and a card under review or not on this till', async () => {
    await open([await cardDoc({ id: 'pk-2', under_review: true, lookup: [await offlineLookupKey('1111222233334444', SALT)] }), await cardDoc()]);
    expect(await cards.take(request(), { lease: null, pending: [], now: NOW })).toMatchObject({ kind: 'refused', message: expect.stringMatching(/no offline permission/) });
    expect(await cards.take(request(), { lease: await held(leaseClaims({}, '2026-11-24T09:59:59Z')), pending: [], now: NOW })).toMatchObject({ kind: 'refused', message: expect.stringMatching(/need the server again/) });
    expect(await cards.take(request({ token: '1111222233334444' }), { lease: await held(), pending: [], now: NOW })).toMatchObject({ kind: 'refused', message: expect.stringMatching(/under review/) });
    expect(await cards.take(request({ token: '9999888877776666' }), { lease: await held(), pending: [], now: NOW })).toMatchObject({ kind: 'refused', message: expect.stringMatching(/not on this till's list/) });
  });

  it('follows the replica: a card removed by sync is no longer found', async () => {
    await open([await cardDoc()]);
    expect(cards.byLookupKey(TOKEN_KEY)?.id).toBe('pk-1');
    await (await db.gift_cards.findOne('pk-1').exec())?.remove();
    expect(cards.byLookupKey(TOKEN_KEY)).toBeNull();
  });

  it('summarises what a card may pay offline for the payment panel', async () => {
    await open([]);
    const lease = await held();
    expect(plain(offlineSummary(lease, [], 'NOK', NOW))).toBe('Offline: up to 200,00 kr per card, 1 use, 1 500,00 kr left on this till · 3 h 12 min left');
    expect(offlineSummary(await held(leaseClaims({ enabled: false })), [], 'NOK', NOW)).toMatch(/does not take gift cards offline/);
    expect(offlineSummary(lease, [], 'NOK', new Date('2026-11-24T14:00:00Z'))).toMatch(/offline limit reached/);
  });
});
