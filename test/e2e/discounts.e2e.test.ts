/**
 * Discounts at the till in Chromium against a real sync server with the demo offers: a 3-for-2
 * and a group discount appear under their items as they are scanned, a coupon is typed, the
 * cashier asks why a discount was given, the sale is paid, and the server has recorded the usage
 * of exactly those discounts against this receipt.
 */
import { describe, expect, it } from 'vitest';
import { chromiumAvailable, screenshot } from './support/browser.ts';
import { scan, setUpTill, tillSuite } from './support/till-page.ts';

interface Rule { id: string; metadata?: Record<string, unknown> }
interface Usage { usage: number; amount: number; usage_refs: { ref: string; ref_type: string; usage?: number; amount?: number }[] }

describe.runIf(chromiumAvailable())('discounts at the till in Chromium', () => {
  const till = tillSuite();

  it('shows 3-for-2, group discount and a coupon under their items, and the server records them with the receipt', async () => {
    const page = await till.browser.newPage();
    await setUpTill(page, till.server);
    const ruleId = async (key: string): Promise<string> => {
      const rules = await till.api.call<Rule[]>('GET', '/discounts/rules?limit=100');
      const found = rules.find((r) => r.metadata?.['demo_key'] === key);
      if (found === undefined) throw new Error(`demo rule ${key} is missing`);
      return found.id;
    };

    // Money is formatted with no-break spaces: compare with plain ones.
    const discountLines = async () => (await page.getByTestId('discount-line').allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    for (let i = 0; i < 3; i += 1) await scan(page, '7041011050105'); // sparkling water 19.90, drinks 3 for 2
    await expect.poll(discountLines, { timeout: 10_000 }).toEqual(['Drinks 3 for 2−19,90 kr']);
    await scan(page, '2000000000046'); // apples 34.90, fruit −10 %
    await scan(page, '7038010055720'); // gouda 89.90
    await scan(page, '7310050001456'); // coffee beans 99.90
    await expect.poll(() => page.getByTestId('total').textContent()).toMatch(/^261,01/);
    expect(await page.getByTestId('subtotal').textContent()).toMatch(/^284,40/);
    expect(await page.getByTestId('total-discount').textContent()).toMatch(/23,39/);
    expect(await discountLines()).toEqual(['Drinks 3 for 2−19,90 kr', 'Fruit & veg −10 %−3,49 kr']);

    // Why was it given? One tap on the line.
    await page.getByRole('button', { name: 'Drinks 3 for 2' }).click();
    await expect.poll(() => page.getByRole('dialog', { name: 'Why this discount' }).isVisible()).toBe(true);
    expect(await page.getByTestId('explanation-reason').textContent()).not.toBe('');
    await screenshot(page, 'discount-explanation');
    await page.getByRole('button', { name: 'Close' }).click();

    // A coupon this store does not have changes nothing; the real one takes 50 kr off.
    await page.getByLabel('Coupon code').fill('NOPE-123');
    await page.getByRole('button', { name: 'Add coupon' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Coupon NOPE-123 is not valid/);
    expect(await page.getByTestId('total').textContent()).toMatch(/^261,01/);
    await page.getByLabel('Coupon code').fill('welcome50');
    await page.getByRole('button', { name: 'Add coupon' }).click();
    await expect.poll(() => page.getByTestId('total').textContent()).toMatch(/^211,01/);
    expect(await page.getByTestId('coupon').textContent()).toMatch(/applied/);
    expect(await page.getByTestId('total-discount').textContent()).toMatch(/73,39/);
    await screenshot(page, 'sale-with-discounts');

    await page.getByRole('button', { name: /^Pay 211,01/ }).click();
    await page.getByRole('button', { name: 'Exact cash' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Sale complete' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('row', { name: /You saved/ }).textContent()).toMatch(/73,39/);
    await screenshot(page, 'receipt-with-discounts');
    await expect.poll(() => page.getByTestId('pending').textContent(), { timeout: 15_000 }).toBe('Pending uploads: 0');

    const usageOf = async (key: string) => till.api.call<Usage[]>('GET', `/discounts/rules/${await ruleId(key)}/usages`);
    const threeForTwo = await usageOf('drinks-3-for-2');
    expect(threeForTwo).toHaveLength(1);
    expect(threeForTwo[0]?.usage_refs).toEqual([expect.objectContaining({ ref_type: 'receipt_add', usage: 1, amount: 1_990 })]);
    const receiptRef = threeForTwo[0]?.usage_refs[0]?.ref ?? '';
    const fruit = await usageOf('fruit-10');
    expect(fruit[0]?.usage_refs).toEqual([expect.objectContaining({ ref: receiptRef, amount: 349 })]);
    const coupon = await usageOf('welcome-coupon');
    expect(coupon[0]?.usage_refs).toEqual([expect.objectContaining({ ref: receiptRef, amount: 5_000 })]);
    // Offers this sale did not get were not recorded.
    expect(await usageOf('breakfast-deal')).toEqual([]);
    await page.close();
  });
});
