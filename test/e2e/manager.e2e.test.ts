/** A manager issues a gift card at the till; a cashier then takes it as payment. */
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot } from './support/browser.ts';
import { MANAGER_CODE, scan, setUpTill, tillSuite } from './support/till-page.ts';

describe.runIf(chromiumAvailable())('gift cards from the manager screen in Chromium', () => {
  const till = tillSuite();

  it('issues a card with a PIN, tops it up, and a cashier pays with it', async () => {
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);
    await page.getByRole('button', { name: 'Gift cards (manager)' }).click();
    await page.getByLabel('Manager code').fill('0000');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not right/);
    await page.getByLabel('Manager code').fill(MANAGER_CODE);
    await page.getByRole('button', { name: 'Unlock' }).click();

    await page.getByLabel('Amount (NOK)').fill('200');
    await page.getByLabel('Name on the card (optional)').fill('Birthday present');
    await page.getByRole('button', { name: 'Issue card' }).click();
    await expect.poll(() => page.getByTestId('issued-token').isVisible()).toBe(true);
    const token = ((await page.getByTestId('issued-token').textContent()) ?? '').replaceAll(' ', '');
    const pin = (await page.getByTestId('issued-pin').textContent()) ?? '';
    expect(token).toMatch(/^\d{16}$/);
    expect(pin).toMatch(/^\d{4}$/);
    await expect.poll(() => page.getByRole('img', { name: /^Barcode for card number/ }).isVisible()).toBe(true);
    expect(await page.getByRole('img', { name: /^QR code/ }).isVisible()).toBe(true);
    await screenshot(page, 'issued-card');
    await page.getByRole('button', { name: 'Done' }).click();

    await page.getByLabel('Card number').fill(token);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByLabel('Card PIN (the customer enters it)').fill(pin);
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.getByTestId('card-available').textContent()).toMatch(/200,00/);
    await page.getByLabel('Top-up amount (NOK)').fill('50');
    await page.getByRole('button', { name: 'Top up' }).click();
    await expect.poll(() => page.getByTestId('card-available').textContent()).toMatch(/250,00/);

    await page.getByRole('button', { name: 'Sale' }).click();
    await page.getByLabel('Scan or type a barcode').focus();
    await scan(page, '7310050001456'); // coffee beans 99.90
    await expect.poll(() => page.getByTestId('total').textContent()).toMatch(/99,90/);
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByLabel('Gift card number').fill(token);
    await page.getByRole('button', { name: 'Pay with gift card' }).click();
    // The customer's PIN was checked at this till minutes ago (the look-up), so the server lets
    // the same till use the card for 10 minutes without asking again.
    await expect.poll(() => page.getByRole('heading', { name: 'Sale complete' }).isVisible()).toBe(true);

    const cards = await till.api.call<{ cards: Array<{ card_id: string; name?: string; amount_balance: number; amount_pending: number }> }>('GET', '/wallets/cards?limit=100');
    const card = cards.cards.find((c) => c.name === 'Birthday present');
    expect(card).toMatchObject({ amount_balance: 25_000 - 9_990, amount_pending: 0 });
    await page.close();
  });

  it('voids a card issued by mistake: its value comes back off and its number stops working', async () => {
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);
    await page.getByRole('button', { name: 'Gift cards (manager)' }).click();
    await page.getByLabel('Manager code').fill(MANAGER_CODE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByLabel('Amount (NOK)').fill('1000');
    await page.getByLabel('Protect with a PIN').uncheck();
    await page.getByRole('button', { name: 'Issue card' }).click();
    await expect.poll(() => page.getByTestId('issued-token').isVisible()).toBe(true);
    const token = ((await page.getByTestId('issued-token').textContent()) ?? '').replaceAll(' ', '');
    await page.getByRole('button', { name: 'Void this card (issued by mistake)' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'was voided' }).isVisible()).toBe(true);

    await page.getByLabel('Card number').fill(token);
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/not recognised/);
    const all = await till.api.call<{ cards: Array<{ amount: number; status: string; amount_balance: number }> }>('GET', '/wallets/cards?limit=100&include_deleted=true');
    expect(all.cards.filter((c) => c.amount === 100_000)).toEqual([expect.objectContaining({ status: 'deleted', amount_balance: 0 })]);
    await page.close();
  });
});
