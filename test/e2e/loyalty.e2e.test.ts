/**
 * The till knows who is buying, in Chromium against a real sync server with the demo offers: a
 * member scans their card and fills the coffee card sale by sale until the free coffee; a new
 * member is enrolled at the counter with their consents; a member earns the 2 % bonus and spends
 * it with "Use points". Every sale goes to the server as a receipt, and the panel shows what the
 * server confirmed once it comes back through replication.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot } from './support/browser.ts';
import { payExactCash, scan, setUpTill, textOf, tillSuite, uploaded } from './support/till-page.ts';

interface Customer { id: string; customer_id: string; marketing_consent?: { sms?: { consent: boolean }; email?: { consent: boolean } } }
interface DiscountLine { amount: number; discount_id?: string }
interface ReceiptItem { id?: string; quantity?: number; net_amount?: number; discount_lines?: DiscountLine[]; bonus_lines?: { bonus: number }[] }
interface StoredReceipt {
  id: string; receipt_id: string; customer_id?: string; customer?: { token?: { value?: string } }; net_amount?: number; total_discount?: number;
  items?: ReceiptItem[]; payments?: { amount: number; type_id: string }[]; discounts?: { id: string; refs: { amount: number; bonus: number; stamp: number; usage: number }[] }[];
}
interface Rule { id: string; metadata?: Record<string, unknown>; statistics?: { debit_balance: number } }

const COFFEE = '2000000000053'; // Coffee to go, 35.00: the demo coffee card (the 10th is free)
const BEANS = '7310050001456'; // Coffee beans 500 g, 99.90
const MILK = '7038010009457'; // Whole milk 1 l, 24.90

describe.runIf(chromiumAvailable())('loyalty at the till in Chromium', () => {
  const till = tillSuite();

  const member = async (first: string, last: string, phone: string, card: string): Promise<Customer> => {
    const c = await till.api.call<Customer>('POST', '/customers/users', { first_name: first, last_name: last, phone_number: phone });
    await till.api.call('POST', `/customers/users/${c.customer_id}/tokens`, { type: 'membership_card', value: card });
    return c;
  };
  const receiptsOf = async (customerId: string) => (await till.api.call<{ receipts: { id: string; purchase_at: string }[] }>('GET', `/receipts/customers/${customerId}`)).receipts;
  const receipt = (customerId: string, id: string) => till.api.call<StoredReceipt>('GET', `/receipts/customers/${customerId}/${id}`);
  const ruleId = async (key: string): Promise<string> => {
    const found = (await till.api.call<Rule[]>('GET', '/discounts/rules?limit=100')).find((r) => r.metadata?.['demo_key'] === key);
    if (found === undefined) throw new Error(`demo rule ${key} is missing`);
    return found.id;
  };
  /** Scans the member's card and waits for the till to name them. */
  const identify = async (page: Page, card: string, name: string): Promise<void> => {
    await scan(page, card);
    await expect.poll(() => page.getByTestId('customer-name').first().textContent(), { timeout: 15_000 }).toBe(name);
  };

  it('a scanned membership card collects coffee stamps sale after sale; the panel shows what the server confirmed, then the free coffee', async () => {
    const kari = await member('Kari', 'Kaffe', '+4791234501', '9990000070013');
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);

    for (let sale = 1; sale <= 3; sale += 1) {
      await identify(page, '9990000070013', 'Kari Kaffe');
      if (sale === 1) expect(await textOf(page, 'stamp-count')).toBe('0 of 9');
      for (let cup = 0; cup < 3; cup += 1) await scan(page, COFFEE);
      await expect.poll(() => textOf(page, 'total')).toBe('105,00 kr');
      await payExactCash(page);
      // The receipt screen shows the stamps this sale earned as provisional until the server's figures come back.
      await uploaded(page);
      await expect.poll(() => textOf(page, 'stamp-count'), { timeout: 15_000 }).toBe(`${3 * sale} of 9`);
      expect(await page.getByTestId('stamp-provisional').count()).toBe(0);
      if (sale === 3) await screenshot(page, 'loyalty-stamps-confirmed');
      await page.getByRole('button', { name: 'New sale' }).click();
    }

    // Nine stamps: the next coffee is free.
    await identify(page, '9990000070013', 'Kari Kaffe');
    expect(await page.getByTestId('stamp-card').first().textContent()).toMatch(/9 of 9 stamps · the next one is free/);
    await scan(page, COFFEE);
    await expect.poll(() => textOf(page, 'total')).toBe('0,00 kr');
    expect((await page.getByTestId('discount-line').allTextContents()).map((t) => t.replace(/\s+/g, ' '))).toEqual(['Coffee card: free coffee−35,00 kr']);
    await screenshot(page, 'loyalty-free-coffee');
    await payExactCash(page);
    await uploaded(page);
    await expect.poll(() => textOf(page, 'stamp-count'), { timeout: 15_000 }).toBe('0 of 9');

    // The server has the four receipts, each with the customer and the card that identified them.
    const stored = await receiptsOf(kari.customer_id);
    expect(stored).toHaveLength(4);
    const latest = stored.reduce((a, b) => (b.purchase_at > a.purchase_at ? b : a));
    const free = await receipt(kari.customer_id, latest.id);
    expect(free).toMatchObject({ customer_id: kari.customer_id, customer: { token: { value: '9990000070013' } }, net_amount: 0, total_discount: 3_500, payments: [] });
    expect(free.items?.[0]?.discount_lines).toEqual([expect.objectContaining({ amount: 3_500, discount_id: await ruleId('coffee-stamps') })]);
    await page.close();
  }, 180_000);

  it('enrols a new member at the counter with their consents; a phone number already registered is refused plainly', async () => {
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);
    await page.getByRole('button', { name: 'Enrol new member' }).click();
    expect(await page.getByText('Offline, the enrolment is kept on this till and sent when the server is back').isVisible()).toBe(true);
    // Both consents start unchecked.
    expect(await page.getByLabel('Yes to marketing by SMS').isChecked()).toBe(false);
    expect(await page.getByLabel('Yes to marketing by e-mail').isChecked()).toBe(false);
    await page.getByLabel('First name', { exact: true }).fill('Nora');
    await page.getByLabel('Last name', { exact: true }).fill('Ny');
    await page.getByLabel('Phone', { exact: true }).fill('912 34 503');
    await page.getByLabel('E-mail', { exact: true }).fill('nora@example.com');
    await page.getByLabel('Yes to marketing by SMS').check();
    await screenshot(page, 'loyalty-enrol');
    await page.getByRole('button', { name: 'Enrol and add to sale' }).click();
    await expect.poll(() => page.getByTestId('customer-name').textContent(), { timeout: 15_000 }).toBe('Nora Ny');

    const [nora] = await till.api.call<Customer[]>('GET', '/customers/users?phone_number=%2B4791234503');
    expect(nora).toBeDefined();
    const details = await till.api.call<Customer>('GET', `/customers/users/${nora?.customer_id ?? ''}`);
    expect(details.marketing_consent).toMatchObject({ sms: { consent: true }, email: { consent: false } });

    // The new member is on this sale: a coffee earns her first stamp, on the server too.
    await scan(page, COFFEE);
    await expect.poll(() => textOf(page, 'total')).toBe('35,00 kr');
    await payExactCash(page);
    await uploaded(page);
    await expect.poll(() => textOf(page, 'stamp-count'), { timeout: 15_000 }).toBe('1 of 9');
    expect(await receiptsOf(nora?.customer_id ?? '')).toHaveLength(1);
    await page.getByRole('button', { name: 'New sale' }).click();

    await page.getByRole('button', { name: 'Enrol new member' }).click();
    await page.getByLabel('First name', { exact: true }).fill('Nora');
    await page.getByLabel('Last name', { exact: true }).fill('Again');
    await page.getByLabel('Phone', { exact: true }).fill('+4791234503');
    await page.getByRole('button', { name: 'Enrol and add to sale' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/This phone number is already registered to a member/);
    expect(await page.getByTestId('customer-name').count()).toBe(0);
    await page.close();
  }, 120_000);

  it('earns the 2 % member bonus, then spends it with "Use points"; the server has the receipt and the balance', async () => {
    const per = await member('Per', 'Poeng', '+4791234502', '9990000070020');
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);

    await identify(page, '9990000070020', 'Per Poeng');
    expect(await textOf(page, 'bonus-balance')).toBe('0,00 kr');
    expect(await page.getByTestId('points-none').textContent()).toMatch(/No points to spend/);
    for (let i = 0; i < 5; i += 1) await scan(page, BEANS);
    await expect.poll(() => textOf(page, 'total')).toBe('499,50 kr');
    await payExactCash(page);
    await uploaded(page);
    // 2 % of 499.50 = 9.99 in bonus, once the server has recorded it.
    await expect.poll(() => textOf(page, 'bonus-balance'), { timeout: 15_000 }).toBe('9,99 kr');
    await page.getByRole('button', { name: 'New sale' }).click();

    await identify(page, '9990000070020', 'Per Poeng');
    await scan(page, MILK);
    await expect.poll(() => textOf(page, 'total')).toBe('24,90 kr');
    const usePoints = page.getByRole('button', { name: /^Use points/ });
    await expect.poll(async () => ((await usePoints.textContent()) ?? '').replace(/\s+/g, ' ')).toBe('Use points (9,99 kr)');
    await usePoints.click();
    await expect.poll(() => textOf(page, 'total')).toBe('14,91 kr');
    // Pressing again takes the points off; pressing once more puts them back.
    await usePoints.click();
    await expect.poll(() => textOf(page, 'total')).toBe('24,90 kr');
    await usePoints.click();
    await expect.poll(() => textOf(page, 'total')).toBe('14,91 kr');
    expect((await page.getByTestId('discount-line').allTextContents()).map((t) => t.replace(/\s+/g, ' '))).toEqual(['Bonus points−9,99 kr']);
    await screenshot(page, 'loyalty-use-points');
    await payExactCash(page);
    await uploaded(page);

    const stored = await receiptsOf(per.customer_id);
    expect(stored).toHaveLength(2);
    const latest = stored.reduce((a, b) => (b.purchase_at > a.purchase_at ? b : a));
    const spent = await receipt(per.customer_id, latest.id);
    const pointsRule = await ruleId('bonus-points');
    expect(spent).toMatchObject({ customer_id: per.customer_id, net_amount: 1_491, total_discount: 999, payments: [{ amount: 1_491, type_id: 'cash' }] });
    expect(spent.discounts?.find((d) => d.id === pointsRule)?.refs).toEqual([expect.objectContaining({ amount: 999 })]);
    // All 9.99 spent; the balance is what this sale earned: the demo bonus is 2 % of what the member paid (base "net"), 2 % of 14.91.
    const bonusRule = await ruleId('bonus-2');
    const earned = spent.discounts?.find((d) => d.id === bonusRule)?.refs[0]?.bonus ?? -1;
    expect(earned).toBe(30);
    const rules = await till.api.call<Rule[]>('GET', `/discounts/customers/${per.customer_id}/rules`);
    expect(rules.find((r) => r.id === pointsRule)?.statistics?.debit_balance).toBe(earned);
    await expect.poll(() => textOf(page, 'bonus-balance'), { timeout: 15_000 }).toBe('0,30 kr');
    await page.close();
  }, 120_000);
});
