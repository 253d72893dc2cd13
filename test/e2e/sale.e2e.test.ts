/**
 * Selling at the till in Chromium against a real sync server: scanning, unknown barcodes, a gift
 * card (with PIN) plus cash, and a cancelled sale that must release its gift-card hold.
 */
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot } from './support/browser.ts';
import { cartLines, scan, setUpTill, tillSuite } from './support/till-page.ts';

interface Card { amount_balance: number; amount_available: number; amount_pending: number }
interface Tx { type: string; amount: number }

describe.runIf(chromiumAvailable())('selling at the till in Chromium', () => {
  const till = tillSuite();
  const newCard = async (cardId: string, amount: number) => {
    const c = await till.api.call<{ pin: { pin: { value: string } }; card_token: { token: { value: string } } }>('POST', '/wallets/cards', {
      card_id: cardId, amount, currency: 'NOK', pin: { format: { length: 4, numbers: true, characters: false, symbols: false } },
      card_token: { expires_in: 86_400, expires_after_transaction: false, format: { length: 16, numbers: true, characters: false, symbols: false } },
    });
    return { token: c.card_token.token.value, pin: c.pin.pin.value };
  };

  it('sells three scanned items, paid part by gift card and the rest in cash; the server ledger agrees', async () => {
    const card = await newCard('e2e-small', 5_000);
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);

    await scan(page, '7038010009457'); // milk 24.90
    await scan(page, '7020097009261'); // bread 39.90
    await scan(page, '7035620025037'); // dish soap 32.90
    await expect.poll(() => page.getByTestId('total').textContent()).toMatch(/97,70/);
    const before = await cartLines(page);
    expect(before).toHaveLength(3);

    await scan(page, '4006381333931');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Unknown barcode 4006381333931/);
    expect(await cartLines(page)).toEqual(before);
    await screenshot(page, 'sale-screen');

    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Gift card number').fill(card.token);
    await page.getByRole('button', { name: 'Pay with gift card' }).click();
    await page.getByLabel('Gift card PIN').fill(card.pin === '0000' ? '1111' : '0000');
    await page.getByRole('button', { name: 'Use PIN' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Wrong PIN/);
    const afterWrongPin = await till.api.call<Card>('GET', '/wallets/cards/e2e-small');
    expect(afterWrongPin.amount_available).toBe(5_000);

    await page.getByLabel('Gift card PIN').fill(card.pin);
    await page.getByRole('button', { name: 'Use PIN' }).click();
    await expect.poll(() => page.getByTestId('due').textContent()).toMatch(/47,70/);
    await page.getByLabel('Cash received').fill('50');
    await page.getByRole('button', { name: 'Take cash' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sale complete' }).isVisible()).toBe(true);
    expect(await page.getByTestId('change').textContent()).toMatch(/2,30/);
    // The sale is kept on the till until the server confirms it, which it does while online.
    await expect.poll(() => page.getByTestId('pending').textContent(), { timeout: 15_000 }).toBe('Pending uploads: 0');
    await screenshot(page, 'receipt');

    const after = await till.api.call<Card>('GET', '/wallets/cards/e2e-small');
    expect(after).toMatchObject({ amount_balance: 0, amount_available: 0, amount_pending: 0 });
    const ledger = await till.api.call<Tx[]>('GET', '/wallets/cards/e2e-small/transactions');
    expect(ledger.map((t) => [t.type, t.amount])).toEqual([['fund', 5_000], ['pending_capture', 5_000], ['drawdown', 5_000]]);
    await page.close();
  });

  it('a cancelled sale releases its gift-card hold', async () => {
    const card = await newCard('e2e-cancel', 2_000);
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);
    await scan(page, '7038010009457');
    // Right after a reload the till may still be loading its product index: the scan waits, it is not lost.
    await expect.poll(() => cartLines(page), { timeout: 10_000 }).toHaveLength(1);
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Gift card number').fill(card.token);
    await page.getByRole('button', { name: 'Pay with gift card' }).click();
    await page.getByLabel('Gift card PIN').fill(card.pin);
    await page.getByRole('button', { name: 'Use PIN' }).click();
    await expect.poll(() => page.getByTestId('due').textContent()).toMatch(/^4,90/);
    expect((await till.api.call<Card>('GET', '/wallets/cards/e2e-cancel')).amount_pending).toBe(2_000);

    await page.getByRole('button', { name: 'Cancel sale' }).click();
    await expect.poll(() => page.getByText('Scan an item to start a sale.').isVisible()).toBe(true);
    expect(await till.api.call<Card>('GET', '/wallets/cards/e2e-cancel')).toMatchObject({ amount_balance: 2_000, amount_available: 2_000, amount_pending: 0 });
    const ledger = await till.api.call<Tx[]>('GET', '/wallets/cards/e2e-cancel/transactions');
    expect(ledger.map((t) => t.type)).toEqual(['fund', 'pending_capture', 'voided']);
    await page.close();
  });
});
