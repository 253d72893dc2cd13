/**
 * Many tills drawing from one card at the same moment, over real HTTP and a real database pool:
 * the card is never overspent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../support/databases.ts';
import { startHarness, type Harness } from '../support/harness.ts';

describe.each(dbTargets())('concurrent drawdowns on $name', (target) => {
  let h: Harness;
  let base: string;
  beforeAll(async () => {
    h = await startHarness(target, { poolSize: 32 });
    base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => h.close());

  it('200 concurrent drawdowns of 700 on a card of 10,000: exactly 14 succeed and 200 is left', async () => {
    const admin = await h.tokenFor(['admin:wallets']);
    const tills = await Promise.all(Array.from({ length: 8 }, () => h.tokenFor(['write:wallets:/transactions'])));
    const created = await h.call('POST', '/wallets/cards', { token: admin, body: { card_id: 'hot', amount: 10_000, currency: 'NOK', card_token: { expires_in: 3600, expires_after_transaction: false } } });
    const cardToken = created.json<{ card_token: { token: { value: string } } }>().card_token.token.value;
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await fetch(`${base}/v1/accounts/${h.accountId}/wallets/transactions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tills[i % tills.length] ?? ''}`, 'content-type': 'application/json' },
          body: JSON.stringify({ token: cardToken, ref_id: `c-${i}`, amount: 700, currency: 'NOK', pending: i % 3 === 0 }),
        });
        return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
      }),
    );
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 400 && r.body.error?.code === 'WALLET_INSUFFICIENT_FUNDS').length;
    console.info(`[${target.name}] concurrent drawdowns: ${ok} succeeded, ${refused} refused for insufficient funds`);
    expect(ok).toBe(14);
    expect(refused).toBe(186);
    const card = (await h.call('GET', '/wallets/cards/hot', { token: admin })).json<{ amount_balance: number; amount_available: number }>();
    expect(card.amount_available).toBe(200);
    const ledger = (await h.call('GET', '/wallets/cards/hot/transactions', { token: admin })).json<Array<{ type: string; amount: number }>>();
    expect(ledger).toHaveLength(15);
    const spent = ledger.filter((t) => t.type !== 'fund').reduce((s, t) => s + t.amount, 0);
    expect(spent).toBe(9_800);
  });
});
