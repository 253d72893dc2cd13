import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { manualClock, startHarness, type Harness } from '../support/harness.ts';

interface Card { card_id: string; amount_balance: number; amount_available: number; amount_pending: number; status: string; has_pin: boolean }
interface Tx { id: string; type: string; amount: number; parent_id?: string; ref_id: string; amount_pending?: number }
interface Err { error: { message: string; code: string } }

describe.each(dbTargets())('wallets on $name', (target) => {
  const clock = manualClock();
  let h: Harness;
  let admin: string;
  let till: string;
  let infoOnly: string;
  beforeAll(async () => {
    h = await startHarness(target, { clock });
    admin = await h.tokenFor(['admin:wallets']);
    till = await h.tokenFor(['write:wallets:/transactions', 'write:wallets:/info']);
    infoOnly = await h.tokenFor(['write:wallets:/info']);
  });
  afterAll(() => h.close());

  let n = 0;
  const newCard = async (body: Record<string, unknown> = {}) => {
    n += 1;
    const res = await h.call('POST', '/wallets/cards', {
      token: admin,
      body: { card_id: `gc-${n}`, amount: 50_000, currency: 'NOK', pin: {}, card_token: { expires_in: 31_536_000, expires_after_transaction: false }, ...body },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Card & { pin?: { pin: { value: string } }; card_token?: { token: { value: string; barcode_128?: string } } }>();
  };
  const card = async (cardId: string, token = admin) => (await h.call('GET', `/wallets/cards/${cardId}`, { token })).json<Card & { tokens: Array<{ masked_code: string }> }>();
  const ledger = async (cardId: string) => (await h.call('GET', `/wallets/cards/${cardId}/transactions`, { token: admin })).json<Tx[]>();
  const tx = (token: string, body: Record<string, unknown>) => h.call('POST', '/wallets/transactions', { token, body: { currency: 'NOK', ...body } });

  it('creates a card with a PIN and a token shown once; details show only masked tokens', async () => {
    const created = await newCard({ name: 'Birthday', customer_id: 'cust-1' });
    expect(created).toMatchObject({ amount_balance: 50_000, amount_available: 50_000, status: 'unused', has_pin: true });
    expect(created.pin?.pin.value).toMatch(/^\d{6}$/);
    expect(created.card_token?.token.value).toMatch(/^DINCARD:[0-9a-f-]{36}$/);
    const details = await card(created.card_id);
    expect(JSON.stringify(details)).not.toContain(created.card_token?.token.value ?? 'x');
    expect(JSON.stringify(details)).not.toContain(`"${created.pin?.pin.value ?? 'x'}"`);
    expect(details.tokens[0]?.masked_code).toMatch(/^DINCARD:\*{8}-\*{4}-\*{4}-\*{4}-\*{8}[0-9a-f]{4}$/);
    const again = await h.call('POST', '/wallets/cards', { token: admin, body: { card_id: created.card_id, amount: 1, currency: 'NOK' } });
    expect(again.statusCode).toBe(409);
    expect(again.json<Err>().error.code).toBe('WALLET_CARD_EXISTS');
  });

  it('returns a Code-128 image when the format asks for a barcode', async () => {
    const created = await newCard({ card_token: { expires_in: 3600, format: { length: 16, numbers: true, characters: false, symbols: false, barcode: true } } });
    expect(created.card_token?.token.value).toMatch(/^\d{16}$/);
    expect(created.card_token?.token.barcode_128).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);
  });

  it('refuses guessable token formats', async () => {
    const res = await h.call('POST', '/wallets/cards', { token: admin, body: { card_id: 'weak', amount: 1, currency: 'NOK', card_token: { expires_in: 60, format: { length: 6, numbers: true, characters: false, symbols: false } } } });
    expect(res.statusCode).toBe(400);
    expect(res.json<Err>().error.code).toBe('WALLET_TOKEN_FORMAT_WEAK');
    expect((await h.call('GET', '/wallets/cards/weak', { token: admin })).statusCode).toBe(404);
  });

  it('the till flow: info with PIN, pending drawdown by token, partial capture, void of the rest', async () => {
    const c = await newCard();
    const token = c.card_token?.token.value ?? '';
    const pin = c.pin?.pin.value ?? '';
    const noPin = await h.call('POST', '/wallets/info', { token: till, body: { token } });
    expect([noPin.statusCode, noPin.json<Err>().error.code]).toEqual([403, 'WALLET_PIN_REQUIRED']);
    const info = await h.call('POST', '/wallets/info', { token: till, body: { token, pin } });
    expect(info.statusCode).toBe(200);
    expect(info.json<Card>().amount_available).toBe(50_000);

    const pending = await tx(till, { token, ref_id: 'sale-1', amount: 30_000, pending: true });
    expect(pending.statusCode, pending.body).toBe(200);
    const p = pending.json<Tx>();
    expect(p).toMatchObject({ type: 'pending_capture', amount: 30_000, amount_pending: 30_000 });
    expect(await card(c.card_id)).toMatchObject({ amount_balance: 50_000, amount_available: 20_000, amount_pending: 30_000, status: 'active' });

    const tooMuch = await tx(till, { token, ref_id: 'sale-2', amount: 20_001 });
    expect([tooMuch.statusCode, tooMuch.json<Err>().error.code]).toEqual([400, 'WALLET_INSUFFICIENT_FUNDS']);

    const cap = await h.call('POST', `/wallets/transactions/${p.id}/capture`, { token: till, body: { ref_id: 'sale-1-cap', amount: 12_000 } });
    expect(cap.statusCode, cap.body).toBe(200);
    expect(cap.json<Tx>()).toMatchObject({ type: 'drawdown', amount: 12_000, parent_id: p.id });
    const over = await h.call('POST', `/wallets/transactions/${p.id}/capture`, { token: till, body: { ref_id: 'sale-1-cap2', amount: 18_001 } });
    expect([over.statusCode, over.json<Err>().error.code]).toEqual([400, 'WALLET_CAPTURE_EXCEEDS_PENDING']);
    const voided = await h.call('POST', `/wallets/transactions/${p.id}/void`, { token: till, body: { ref_id: 'sale-1-void' } });
    expect(voided.json<Tx>()).toMatchObject({ type: 'voided', amount: 18_000, parent_id: p.id });
    const twice = await h.call('POST', `/wallets/transactions/${p.id}/void`, { token: till, body: { ref_id: 'sale-1-void-again' } });
    expect([twice.statusCode, twice.json<Err>().error.code]).toEqual([400, 'WALLET_NOTHING_TO_SETTLE']);

    expect(await card(c.card_id)).toMatchObject({ amount_balance: 38_000, amount_available: 38_000, amount_pending: 0 });
    const entries = await ledger(c.card_id);
    expect(entries.map((e) => [e.type, e.amount])).toEqual([['fund', 50_000], ['pending_capture', 30_000], ['drawdown', 12_000], ['voided', 18_000]]);
    expect(entries[1]?.amount_pending).toBe(0);
  });

  it('a ref_id replay returns the original; the same ref_id for another request is 409 and changes nothing', async () => {
    const c = await newCard({ pin: undefined });
    const token = c.card_token?.token.value ?? '';
    const first = await tx(till, { token, ref_id: 'r1', amount: 1_000 });
    const again = await tx(till, { token, ref_id: 'r1', amount: 1_000 });
    expect(again.statusCode).toBe(200);
    expect(again.json<Tx>().id).toBe(first.json<Tx>().id);
    const other = await tx(till, { token, ref_id: 'r1', amount: 2_000 });
    expect([other.statusCode, other.json<Err>().error.code]).toEqual([409, 'WALLET_REF_ID_CONFLICT']);
    expect((await card(c.card_id)).amount_balance).toBe(49_000);
    expect(await ledger(c.card_id)).toHaveLength(2);
  });

  it('five wrong PINs lock the card for every client for 15 minutes', async () => {
    const c = await newCard();
    const token = c.card_token?.token.value ?? '';
    const right = c.pin?.pin.value ?? '';
    const wrong = right === '000000' ? '111111' : '000000';
    const other = await h.tokenFor(['write:wallets:/info']);
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await h.call('POST', '/wallets/info', { token: i % 2 === 0 ? till : other, body: { token, pin: wrong } });
      codes.push(`${res.statusCode} ${res.json<Err>().error.code}`);
    }
    expect(codes).toEqual(['403 WALLET_PIN_INVALID', '403 WALLET_PIN_INVALID', '403 WALLET_PIN_INVALID', '403 WALLET_PIN_INVALID', '429 WALLET_CARD_LOCKED']);
    const locked = await h.call('POST', '/wallets/info', { token: infoOnly, body: { token, pin: right } });
    expect([locked.statusCode, locked.json<Err>().error.code]).toEqual([429, 'WALLET_CARD_LOCKED']);
    const spend = await tx(till, { token, pin: right, ref_id: 'while-locked', amount: 100 });
    expect(spend.statusCode).toBe(429);
    clock.advance(15 * 60_000 + 1);
    expect((await h.call('POST', '/wallets/info', { token: infoOnly, body: { token, pin: right } })).statusCode).toBe(200);
    expect((await card(c.card_id)).amount_balance).toBe(50_000);
  });

  it('a PIN card cannot be spent by token alone unless this client just checked the PIN', async () => {
    const c = await newCard();
    const token = c.card_token?.token.value ?? '';
    const pin = c.pin?.pin.value ?? '';
    const bare = await tx(till, { token, ref_id: 'no-pin', amount: 100 });
    expect([bare.statusCode, bare.json<Err>().error.code]).toEqual([403, 'WALLET_PIN_REQUIRED']);
    expect((await tx(till, { token, pin, ref_id: 'with-pin', amount: 100 })).statusCode).toBe(200);
    await h.call('POST', '/wallets/info', { token: till, body: { token, pin } });
    expect((await tx(till, { token, ref_id: 'after-info', amount: 100 })).statusCode).toBe(200);
    clock.advance(11 * 60_000);
    expect((await tx(till, { token, ref_id: 'much-later', amount: 100 })).statusCode).toBe(403);
  });

  it('single-use temporary tokens: one transaction, replays still answer, idempotent creation', async () => {
    const c = await newCard({ pin: {} });
    const make = (ref: string) => h.call('POST', `/wallets/cards/${c.card_id}/tokens`, { token: admin, body: { ref_id: ref, expires_in: 300 } });
    const t1 = await make('app-code-1');
    expect(t1.statusCode, t1.body).toBe(200);
    const value = t1.json<{ token: { value: string } }>().token.value;
    expect((await make('app-code-1')).json<{ token: { value: string } }>().token.value).toBe(value);
    const conflictRes = await h.call('POST', `/wallets/cards/${c.card_id}/tokens`, { token: admin, body: { ref_id: 'app-code-1', expires_in: 600 } });
    expect(conflictRes.statusCode).toBe(409);
    // Temporary codes were made by an authorised client, so the card's PIN is not asked.
    const first = await tx(till, { token: value, ref_id: 'pay-1', amount: 500 });
    expect(first.statusCode, first.body).toBe(200);
    expect((await tx(till, { token: value, ref_id: 'pay-1', amount: 500 })).json<Tx>().id).toBe(first.json<Tx>().id);
    const second = await tx(till, { token: value, ref_id: 'pay-2', amount: 500 });
    expect([second.statusCode, second.json<Err>().error.code]).toEqual([400, 'WALLET_TOKEN_USED']);
    clock.advance(301_000);
    const late = await h.call('POST', '/wallets/info', { token: till, body: { token: value } });
    expect([late.statusCode, late.json<Err>().error.code]).toEqual([404, 'WALLET_TOKEN_EXPIRED']);
  });

  it('active_from blocks drawdowns but not funding; after expires_at nothing new is allowed', async () => {
    const now = clock.now().getTime();
    const c = await newCard({ pin: undefined, active_from: new Date(now + 86_400_000).toISOString(), expires_at: new Date(now + 2 * 86_400_000).toISOString() });
    let admin = await h.tokenFor(['admin:wallets']);
    const early = await tx(admin, { card_id: c.card_id, ref_id: 'early', amount: 100 });
    expect([early.statusCode, early.json<Err>().error.code]).toEqual([400, 'WALLET_CARD_NOT_ACTIVE']);
    expect((await tx(admin, { card_id: c.card_id, ref_id: 'topup', amount: 100, type: 'fund' })).statusCode).toBe(200);
    clock.advance(86_400_000 + 1);
    admin = await h.tokenFor(['admin:wallets']); // access tokens live 4 hours
    const pending = await tx(admin, { card_id: c.card_id, ref_id: 'on-time', amount: 100, pending: true });
    expect(pending.statusCode).toBe(200);
    clock.advance(86_400_000);
    admin = await h.tokenFor(['admin:wallets']);
    const late = await tx(admin, { card_id: c.card_id, ref_id: 'late', amount: 100 });
    expect([late.statusCode, late.json<Err>().error.code]).toEqual([400, 'WALLET_CARD_EXPIRED']);
    expect((await card(c.card_id, admin)).status).toBe('expired');
    // What was reserved before expiry can still be settled.
    const cap = await h.call('POST', `/wallets/transactions/${pending.json<Tx>().id}/capture`, { token: admin, body: { ref_id: 'on-time-cap' } });
    expect(cap.statusCode).toBe(200);
    clock.set(new Date(now)); // the other tests' tokens were issued before the jump
  });

  it('scopes: the till transacts by token only; funding and card_id need write:wallets', async () => {
    const c = await newCard({ pin: undefined });
    const byId = await tx(till, { card_id: c.card_id, ref_id: 'x1', amount: 1 });
    expect([byId.statusCode, byId.json<Err>().error.code]).toEqual([403, 'AUTH_SCOPE_MISSING']);
    const fund = await tx(till, { token: c.card_token?.token.value, ref_id: 'x2', amount: 1, type: 'fund' });
    expect(fund.statusCode).toBe(403);
    expect((await tx(infoOnly, { token: c.card_token?.token.value, ref_id: 'x3', amount: 1 })).statusCode).toBe(403);
    expect((await h.call('GET', `/wallets/cards/${c.card_id}`, { token: till })).statusCode).toBe(403);
    expect((await card(c.card_id)).amount_balance).toBe(50_000);
  });

  it('currency must match the card', async () => {
    const c = await newCard({ pin: undefined, currency: 'SEK' });
    const res = await tx(admin, { card_id: c.card_id, ref_id: 'nok', amount: 1 });
    expect([res.statusCode, res.json<Err>().error.code]).toEqual([400, 'WALLET_CURRENCY_MISMATCH']);
  });

  it('unknown tokens are 404, and a client guessing many gets 429', async () => {
    const guesser = await h.tokenFor(['write:wallets:/info']);
    const first = await h.call('POST', '/wallets/info', { token: guesser, body: { token: 'DINCARD:nope' } });
    expect([first.statusCode, first.json<Err>().error.code]).toEqual([404, 'WALLET_TOKEN_NOT_FOUND']);
    for (let i = 0; i < 19; i += 1) await h.call('POST', '/wallets/info', { token: guesser, body: { token: `DINCARD:guess-${i}` } });
    const blocked = await h.call('POST', '/wallets/info', { token: guesser, body: { token: 'DINCARD:guess-x' } });
    expect([blocked.statusCode, blocked.json<Err>().error.code]).toEqual([429, 'WALLET_TOO_MANY_ATTEMPTS']);
  });

  it('lists cards with a cursor, filters by available amount, and hides deleted cards', async () => {
    const fresh = await startHarness(target, { clock });
    try {
      const tok = await fresh.tokenFor(['admin:wallets']);
      for (const [id, amount] of [['a', 100], ['b', 0], ['c', 300], ['d', 400]] as const) {
        await fresh.call('POST', '/wallets/cards', { token: tok, body: { card_id: id, amount, currency: 'NOK', customer_id: id === 'b' ? 'cust-9' : 'cust-8' } });
      }
      const page1 = (await fresh.call('GET', '/wallets/cards?limit=2', { token: tok })).json<{ cards: Card[]; starting_after?: string }>();
      expect(page1.cards.map((c) => c.card_id)).toEqual(['a', 'b']);
      expect(page1.starting_after).toBe('b');
      const page2 = (await fresh.call('GET', `/wallets/cards?limit=2&starting_after=${page1.starting_after ?? ''}`, { token: tok })).json<{ cards: Card[]; starting_after?: string }>();
      expect(page2.cards.map((c) => c.card_id)).toEqual(['c', 'd']);
      const rich = (await fresh.call('GET', '/wallets/cards?amount_available=250&limit=10', { token: tok })).json<{ cards: Card[] }>();
      expect(rich.cards.map((c) => c.card_id)).toEqual(['c', 'd']);
      const del = await fresh.call('DELETE', '/wallets/cards/c', { token: tok });
      expect(del.json<Card>().status).toBe('deleted');
      expect((await fresh.call('GET', '/wallets/cards/c', { token: tok })).statusCode).toBe(404);
      expect((await fresh.call('GET', '/wallets/cards?limit=10', { token: tok })).json<{ cards: Card[] }>().cards.map((c) => c.card_id)).toEqual(['a', 'b', 'd']);
      const all = (await fresh.call('GET', '/wallets/cards?limit=10&include_deleted=true', { token: tok })).json<{ cards: Card[] }>();
      expect(all.cards.find((c) => c.card_id === 'c')?.status).toBe('deleted');
      const customer = (await fresh.call('GET', '/wallets/customers/cust-8/cards', { token: tok })).json<Array<{ card_id: string }>>();
      expect(customer.map((c) => c.card_id)).toEqual(['a', 'd']);
      const state = await fresh.call('GET', '/wallets/customers/cust-9/cards/b', { token: tok });
      expect(state.json<{ amount_balance: number; currency: string }>()).toMatchObject({ amount_balance: 0, currency: 'NOK' });
      expect((await fresh.call('GET', '/wallets/customers/cust-9/cards/a', { token: tok })).statusCode).toBe(404);
    } finally {
      await fresh.close();
    }
  });
});
