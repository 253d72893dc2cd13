/**
 * Selling with the server gone, in Chromium: the back office sets a 200 kr per-card offline limit;
 * the till is online long enough to get its lease, then the server stops. The cashier identifies a
 * member, sells with the fruit discount, is refused 300 kr from the gift card (above the offline
 * allowance), takes 150 kr from it with its PIN and cash for the rest. The server comes back; the
 * till drains its outbox and the server agrees: the receipt once, the card 150 kr lower through the
 * till's own ref_id, no exception.
 */
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot } from './support/browser.ts';
import { MANAGER_CODE, scan, setUpTill, textOf, tillSuite, uploaded } from './support/till-page.ts';

const BEANS = '7310050001456'; // Coffee beans 500 g, 99.90
const APPLES = '2000000000046'; // Red apples 1 kg, 34.90, fruit: 10 % off

interface StoredReceipt { receipt_id: string; payments?: { amount: number; type_id: string; reference_id?: string }[]; discounts?: { id: string }[]; net_amount?: number }
interface Card { amount_balance: number }
interface Transaction { ref_id: string; amount: number; type: string }

describe.runIf(chromiumAvailable())('selling offline in Chromium', () => {
  const till = tillSuite();

  it('sells to a member with a discount and part-pays by gift card within the offline allowance, refused above it; after the restart the outbox drains and the server agrees', async () => {
    const giftCard = till.server.creds.gift_card;
    if (giftCard === undefined) throw new Error('the demo seed made no gift card');
    await till.api.call('PUT', '/sync/offline/policy', { enabled: true, max_amount_per_card: 20_000, max_redemptions_per_card: 1, max_amount_per_terminal: 100_000, max_hours_since_sync: 4 });
    const member = await till.api.call<{ customer_id: string }>('POST', '/customers/users', { first_name: 'Olga', last_name: 'Offline', phone_number: '+4791234560' });
    const before = await till.api.call<Card>('GET', `/wallets/cards/${giftCard.card_id}`);

    const page = await till.browser.newPage();
    await setUpTill(page, till.server);
    // Wait until the member has replicated to the till: the phone search finds them.
    const select = page.getByRole('button', { name: 'Select Olga Offline' });
    await expect.poll(async () => {
      await page.getByLabel('Customer phone').fill('91234560');
      await page.getByRole('button', { name: 'Find customer' }).click();
      return select.isVisible();
    }, { timeout: 15_000 }).toBe(true);

    // Online, the manager sees the permission the till holds for when the server goes away.
    await page.getByRole('button', { name: 'Gift cards (manager)' }).click();
    await page.getByLabel('Manager code').fill(MANAGER_CODE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => textOf(page, 'offline-permission'), { timeout: 10_000 }).toMatch(/^Gift cards are taken offline until .+ \(up to 200,00 kr per card, once per card, 1 000,00 kr on this till\)/);
    await page.getByRole('button', { name: 'Sale', exact: true }).click();

    await till.server.stop();
    const banner = page.getByTestId('offline-banner');
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(true);
    // The lease from the policy above: a countdown from 4 hours.
    await expect.poll(() => textOf(page, 'offline-gift-cards'), { timeout: 10_000 }).toMatch(/gift cards offline for another [0-3] h/);

    // Offline, the member is picked from the replica (the card would identify them as well).
    await select.click();
    await expect.poll(() => page.getByTestId('customer-name').first().textContent(), { timeout: 15_000 }).toBe('Olga Offline');
    for (let i = 0; i < 3; i += 1) await scan(page, BEANS);
    await scan(page, APPLES);
    // 3 × 99,90 + 34,90 − 10 % of the apples (3,49) = 331,11
    await expect.poll(() => textOf(page, 'total')).toBe('331,11 kr');

    await page.getByRole('button', { name: /^Pay / }).click();
    await expect.poll(() => textOf(page, 'offline-allowance'), { timeout: 10_000 }).toContain('200,00 kr');
    await page.getByLabel('Gift card number').fill(giftCard.token);
    await page.getByLabel(/^Amount from the card/).fill('300');
    await page.getByRole('button', { name: 'Pay with gift card' }).click();
    // Offline the card's PIN is checked on the till before the allowance is looked at.
    await page.getByLabel('Gift card PIN').fill(giftCard.pin);
    await page.getByRole('button', { name: 'Use PIN' }).click();
    const notice = page.getByRole('alert');
    await expect.poll(async () => ((await notice.textContent()) ?? '').replace(/\s+/g, ' '), { timeout: 10_000 }).toMatch(/at most 200,00 kr/);
    await expect.poll(() => textOf(page, 'due')).toBe('331,11 kr');
    await screenshot(page, 'offline-gift-card-refused');

    await page.getByLabel('Gift card number').fill(giftCard.token);
    await page.getByLabel(/^Amount from the card/).fill('150');
    await page.getByRole('button', { name: 'Pay with gift card' }).click();
    await page.getByLabel('Gift card PIN').fill(giftCard.pin);
    await page.getByRole('button', { name: 'Use PIN' }).click();
    await expect.poll(() => textOf(page, 'due'), { timeout: 10_000 }).toBe('181,11 kr');
    await page.getByRole('button', { name: 'Exact cash' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sale complete' }).isVisible()).toBe(true);
    // The sale and its gift card entry wait on the till.
    await expect.poll(() => textOf(page, 'pending')).not.toBe('Pending uploads: 0');
    await screenshot(page, 'offline-sale-pending');

    await till.server.restart();
    await uploaded(page);
    await expect.poll(() => banner.isVisible(), { timeout: 20_000 }).toBe(false);

    const receipts = (await till.api.call<{ receipts: { id: string }[] }>('GET', `/receipts/customers/${member.customer_id}`)).receipts;
    expect(receipts).toHaveLength(1);
    const [only] = receipts;
    if (only === undefined) throw new Error('no receipt');
    const stored = await till.api.call<StoredReceipt>('GET', `/receipts/customers/${member.customer_id}/${only.id}`);
    expect(stored.net_amount).toBe(33_111);
    expect(stored.discounts?.length).toBeGreaterThan(0);
    const cardPayment = stored.payments?.find((p) => p.type_id === 'gift_card');
    expect(cardPayment?.amount).toBe(15_000);

    const after = await till.api.call<Card>('GET', `/wallets/cards/${giftCard.card_id}`);
    expect(after.amount_balance).toBe(before.amount_balance - 15_000);
    const history = await till.api.call<Transaction[]>('GET', `/wallets/cards/${giftCard.card_id}/transactions`);
    const drawn = history.filter((t) => t.ref_id === cardPayment?.reference_id);
    expect(drawn.map((t) => t.amount)).toEqual([15_000]);
    const open = await till.api.call<{ exceptions: unknown[] }>('GET', '/sync/offline/exceptions?status=open');
    expect(open.exceptions).toEqual([]);
  }, 180_000);
});
